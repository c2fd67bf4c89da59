// Nearest-neighbour search over a table version: exact scans of the vector
// column, vector index searches, prefilters and postfilters, refine, and the
// merge of rows an index does not cover yet.
//
// Candidates are identified by stable row id throughout; the output rows are
// taken by row id at the end, so only `limit` rows per query are read beyond
// the vectors themselves.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "common/thread_pool.h"
#include "expr/bind.h"
#include "expr/eval.h"
#include "index/vector/distance.h"
#include "index/vector/topk.h"
#include "index/vector/vector_index.h"
#include "quiver/table.h"
#include "table/explain.h"
#include "table/prefilter.h"
#include "table/row_locator.h"
#include "table/scan_reader.h"
#include "table/search_output.h"
#include "table/snapshot.h"
#include "table/table_impl.h"
#include "table/vector_column.h"

namespace quiver {

VectorQuery Table::Search(std::vector<float> vector) const {
  auto snap = impl()->ReadSnapshot();
  VectorQuery query(snap.ok() ? *snap : nullptr);
  if (!snap.ok()) query.error_ = snap.status();
  query.queries_.push_back(std::move(vector));
  return query;
}

VectorQuery& VectorQuery::Column(std::string column) {
  column_ = std::move(column);
  return *this;
}
VectorQuery& VectorQuery::AddQuery(std::vector<float> vector) {
  queries_.push_back(std::move(vector));
  return *this;
}
VectorQuery& VectorQuery::Metric(std::string metric) {
  metric_ = std::move(metric);
  return *this;
}
VectorQuery& VectorQuery::Where(std::string predicate) {
  where_ = std::move(predicate);
  return *this;
}
VectorQuery& VectorQuery::Prefilter(bool prefilter) {
  prefilter_ = prefilter;
  return *this;
}
VectorQuery& VectorQuery::Nprobes(int nprobes) {
  nprobes_ = max_nprobes_ = nprobes;
  return *this;
}
VectorQuery& VectorQuery::MinimumNprobes(int nprobes) {
  nprobes_ = nprobes;
  return *this;
}
VectorQuery& VectorQuery::MaximumNprobes(int nprobes) {
  max_nprobes_ = nprobes;
  return *this;
}
VectorQuery& VectorQuery::RefineFactor(int refine_factor) {
  refine_factor_ = refine_factor;
  return *this;
}
VectorQuery& VectorQuery::Ef(int ef) {
  ef_ = ef;
  return *this;
}
VectorQuery& VectorQuery::BypassVectorIndex(bool bypass) {
  bypass_index_ = bypass;
  return *this;
}
VectorQuery& VectorQuery::DistanceRange(std::optional<float> lower, std::optional<float> upper) {
  lower_bound_ = lower;
  upper_bound_ = upper;
  return *this;
}
VectorQuery& VectorQuery::Limit(int64_t limit) {
  limit_ = limit;
  return *this;
}
VectorQuery& VectorQuery::Offset(int64_t offset) {
  offset_ = offset;
  return *this;
}
VectorQuery& VectorQuery::Columns(std::vector<std::string> columns) {
  columns_ = std::move(columns);
  return *this;
}
VectorQuery& VectorQuery::WithRowId(bool with_row_id) {
  with_row_id_ = with_row_id;
  return *this;
}

namespace {

using index::Metric;
using index::Neighbor;
using index::TopK;

bool IsVectorIndex(const IndexMeta& meta) {
  auto type = ParseIndexType(meta.type);
  return type.ok() && IsVectorIndexType(*type);
}

// One query vector, prepared for the metric.
struct PreparedQuery {
  std::vector<float> values;
  std::vector<uint8_t> bytes;  // hamming
  float norm_sq = 0;
};

struct Plan {
  std::shared_ptr<const Snapshot> snap;
  int field = -1;
  std::string column;
  int dim = 0;
  Metric metric = Metric::kL2;
  const IndexMeta* index = nullptr;
  std::string no_index_reason;
  std::vector<const Fragment*> indexed;    // covered by the index
  std::vector<const Fragment*> unindexed;  // searched exactly
  expr::BoundExprPtr predicate;
  std::vector<int> output_fields;
  int64_t want = 0;  // offset + limit
};

Result<int> ResolveVectorColumn(const Schema& schema, const std::string& column) {
  if (!column.empty()) {
    QUIVER_ASSIGN_OR_RETURN(const Field* field, schema.GetField(column));
    if (!field->type->is_vector()) {
      return Status::InvalidArgument("column \"" + column + "\" is not a vector column (it is " +
                                     field->type->ToString() +
                                     "; vectors are fixed_size_list of float16, float32, int8 or uint8)");
    }
    return static_cast<int>(field - schema.fields().data());
  }
  std::vector<int> found;
  for (int i = 0; i < schema.num_fields(); ++i) {
    if (schema.field(i).type->is_vector()) found.push_back(i);
  }
  if (found.size() == 1) return found[0];
  if (found.empty()) {
    return Status::InvalidArgument(
        "the table has no vector column (a fixed_size_list of float16, float32, "
        "int8 or uint8) to search");
  }
  std::string names;
  for (int i : found) names += (names.empty() ? "\"" : ", \"") + schema.field(i).name + "\"";
  return Status::InvalidArgument("the table has several vector columns (" + names +
                                 "); name the one to search");
}

Result<Plan> MakePlan(std::shared_ptr<const Snapshot> snap, const std::string& column,
                      const std::string& metric, bool bypass, const std::string& where,
                      const std::vector<std::string>& columns, const std::vector<std::vector<float>>& queries,
                      int64_t limit, int64_t offset) {
  Plan plan;
  plan.snap = snap;
  const Manifest& m = *snap->manifest;
  QUIVER_ASSIGN_OR_RETURN(plan.field, ResolveVectorColumn(*m.schema, column));
  const Field& field = m.schema->field(plan.field);
  plan.column = field.name;
  plan.dim = field.type->list_size();
  if (queries.empty()) return Status::InvalidArgument("a vector search needs at least one query vector");
  for (size_t i = 0; i < queries.size(); ++i) {
    if (static_cast<int>(queries[i].size()) != plan.dim) {
      return Status::InvalidArgument("query vector" + (queries.size() > 1 ? " " + std::to_string(i) : "") +
                                     " has dimension " + std::to_string(queries[i].size()) + ", column \"" +
                                     field.name + "\" has " + std::to_string(plan.dim));
    }
    for (float v : queries[i]) {
      if (!std::isfinite(v)) return Status::InvalidArgument("query vector holds a NaN or infinite value");
    }
  }
  if (limit < 0) return Status::InvalidArgument("limit must not be negative, got " + std::to_string(limit));
  if (offset < 0)
    return Status::InvalidArgument("offset must not be negative, got " + std::to_string(offset));
  plan.want = limit + offset;

  // The index on the column, if any, and the metric.
  const IndexMeta* candidate = nullptr;
  index::VectorIndexMeta details;
  for (const IndexMeta& meta : m.indexes) {
    if (IsVectorIndex(meta) && meta.field_ids.size() == 1 && meta.field_ids[0] == m.field_ids[plan.field]) {
      candidate = &meta;
      break;
    }
  }
  if (candidate != nullptr) {
    QUIVER_ASSIGN_OR_RETURN(details, snap->files->VectorIndexDetails(*candidate));
  }
  if (!metric.empty()) {
    QUIVER_ASSIGN_OR_RETURN(plan.metric, index::ParseMetric(metric));
  } else if (candidate != nullptr) {
    plan.metric = details.metric;
  }
  if (plan.metric == Metric::kHamming && field.type->value_type()->id() != TypeId::kUInt8) {
    return Status::InvalidArgument("the hamming metric needs a uint8 vector column (packed bits); \"" +
                                   field.name + "\" is " + field.type->ToString());
  }
  if (candidate == nullptr) {
    plan.no_index_reason = "no vector index on \"" + field.name + "\"";
  } else if (bypass) {
    plan.no_index_reason = "bypassing index \"" + candidate->name + "\" as asked";
  } else if (details.metric != plan.metric) {
    plan.no_index_reason = "index \"" + candidate->name + "\" uses metric " +
                           std::string(index::MetricName(details.metric)) + ", the query " +
                           std::string(index::MetricName(plan.metric));
  } else {
    plan.index = candidate;
  }
  for (const Fragment& f : m.fragments) {
    const bool covered = plan.index != nullptr &&
                         std::find(plan.index->fragment_ids.begin(), plan.index->fragment_ids.end(), f.id) !=
                             plan.index->fragment_ids.end();
    (covered ? plan.indexed : plan.unindexed).push_back(&f);
  }
  if (!where.empty()) {
    QUIVER_ASSIGN_OR_RETURN(plan.predicate, expr::CompilePredicate(where, *m.schema));
  }
  QUIVER_ASSIGN_OR_RETURN(plan.output_fields, snap->ResolveColumns(columns));
  return plan;
}

PreparedQuery Prepare(const std::vector<float>& q, Metric metric) {
  PreparedQuery p;
  p.values = q;
  p.norm_sq = index::Kernels().norm_sq_f32(q.data(), q.size());
  if (metric == Metric::kHamming) {
    p.bytes.resize(q.size());
    for (size_t i = 0; i < q.size(); ++i) p.bytes[i] = static_cast<uint8_t>(std::clamp(q[i], 0.0f, 255.0f));
  }
  return p;
}

// The distance bounds of a query.
struct Bounds {
  float lower = -std::numeric_limits<float>::infinity();
  float upper = std::numeric_limits<float>::infinity();
  bool Admits(float d) const { return d >= lower && d < upper; }
};

// Distances of `query` to rows [begin, end) of `column`, into `out`.
void ChunkDistances(const VectorColumn& column, const PreparedQuery& query, Metric metric, int64_t begin,
                    int64_t end, float* out) {
  const auto& k = index::Kernels();
  const size_t n = static_cast<size_t>(end - begin);
  const size_t dim = static_cast<size_t>(column.dim);
  switch (metric) {
    case Metric::kL2:
      k.l2_f32_many(query.values.data(), column.row(begin), n, dim, out);
      break;
    case Metric::kDot:
      k.dot_f32_many(query.values.data(), column.row(begin), n, dim, out);
      for (size_t i = 0; i < n; ++i) out[i] = index::DotToDistance(out[i]);
      break;
    case Metric::kCosine:
      k.dot_f32_many(query.values.data(), column.row(begin), n, dim, out);
      for (size_t i = 0; i < n; ++i) {
        out[i] = index::CosineDistance(out[i], query.norm_sq, column.norms_sq[begin + i]);
      }
      break;
    case Metric::kHamming:
      for (size_t i = 0; i < n; ++i) {
        out[i] = static_cast<float>(k.hamming(query.bytes.data(), column.byte_row(begin + i), dim));
      }
      break;
  }
}

// Queries searched together through matrix products (from this many on),
// in groups of at most kQueryGroup.
constexpr size_t kBatchQueries = 8;
constexpr size_t kQueryGroup = 64;

// Distances of m queries (`matrix`: m x dim, `prepared`: the same m) to
// rows [begin, end) of a float column: out[j * (end - begin) + i] for query
// j and row begin + i. Not for hamming.
void BatchDistances(const VectorColumn& column, const float* matrix, const PreparedQuery* prepared, size_t m,
                    Metric metric, int64_t begin, int64_t end, float* out) {
  const size_t n = static_cast<size_t>(end - begin);
  const size_t dim = static_cast<size_t>(column.dim);
  if (metric == Metric::kL2) {
    index::L2DistancesBlas(matrix, m, column.row(begin), n, dim, column.norms_sq.data() + begin, out);
    return;
  }
  index::InnerProductsBlas(matrix, m, column.row(begin), n, dim, out);
  for (size_t j = 0; j < m; ++j) {
    float* row = out + j * n;
    if (metric == Metric::kDot) {
      for (size_t i = 0; i < n; ++i) row[i] = index::DotToDistance(row[i]);
    } else {
      for (size_t i = 0; i < n; ++i) {
        row[i] = index::CosineDistance(row[i], prepared[j].norm_sq, column.norms_sq[begin + i]);
      }
    }
  }
}

// Starts loading a row's vector (its first 512 bytes) into cache.
void PrefetchRow(const VectorColumn& column, int64_t row) {
  if (column.values.empty()) return;
  const char* p = reinterpret_cast<const char*>(column.row(row));
  const size_t size = sizeof(float) * static_cast<size_t>(column.dim);
  for (size_t off = 0; off < size && off < 512; off += 64) __builtin_prefetch(p + off);
}

float RowDistance(const VectorColumn& column, const PreparedQuery& query, Metric metric, int64_t row) {
  float d;
  ChunkDistances(column, query, metric, row, row + 1, &d);
  return d;
}

// Exact search of `fragments` for every query; results per query carry row
// ids, nearest first, at most `want` each.
Result<std::vector<std::vector<Neighbor>>> ExactSearch(const Plan& plan,
                                                       const std::vector<PreparedQuery>& queries,
                                                       const std::vector<const Fragment*>& fragments,
                                                       const Allowed* allowed, const Bounds& bounds) {
  constexpr int64_t kChunk = 16384;
  struct Item {
    const Fragment* fragment;
    std::shared_ptr<const VectorColumn> column;
    std::shared_ptr<const Roaring> deleted;
    const Roaring* allowed;  // physical offsets, null: all
    int64_t begin, end;
  };
  std::vector<Item> items;
  for (const Fragment* f : fragments) {
    const Roaring* fragment_allowed = nullptr;
    if (allowed != nullptr) {
      auto it = allowed->offsets.find(f->id);
      if (it == allowed->offsets.end()) continue;  // nothing here passes the filter
      fragment_allowed = &it->second;
    }
    QUIVER_ASSIGN_OR_RETURN(auto column, LoadVectorColumn(*plan.snap, *f, plan.field));
    QUIVER_ASSIGN_OR_RETURN(auto deleted, plan.snap->files->LoadDeletions(*f));
    for (int64_t b = 0; b < column->num_rows; b += kChunk) {
      items.push_back({f, column, deleted, fragment_allowed, b, std::min(column->num_rows, b + kChunk)});
    }
  }

  const size_t nq = queries.size();
  // Many queries at once: distances of a group of queries to a chunk as one
  // matrix product (OpenBLAS), which reads the chunk once per group instead
  // of once per query.
  const bool batched = nq >= kBatchQueries && plan.metric != Metric::kHamming;
  const size_t dim = static_cast<size_t>(plan.dim);
  std::vector<float> query_matrix;
  if (batched) {
    query_matrix.reserve(nq * dim);
    for (const PreparedQuery& q : queries)
      query_matrix.insert(query_matrix.end(), q.values.begin(), q.values.end());
  }
  std::vector<TopK> tops(nq, TopK(static_cast<size_t>(plan.want)));
  std::mutex mu;
  auto run = [&](int64_t first, int64_t last) {
    std::vector<TopK> local(nq, TopK(static_cast<size_t>(plan.want)));
    std::vector<float> dist(kChunk);
    std::vector<float> block(batched ? kQueryGroup * kChunk : 0);
    for (int64_t it = first; it < last; ++it) {
      const Item& item = items[it];
      const VectorColumn& col = *item.column;
      const uint64_t addr_base = item.fragment->id << 32;
      const int64_t n = item.end - item.begin;
      // A selective filter: distances of the admitted rows only.
      const uint64_t admitted =
          item.allowed ? item.allowed->rank(static_cast<uint32_t>(item.end - 1)) -
                             (item.begin > 0 ? item.allowed->rank(static_cast<uint32_t>(item.begin - 1)) : 0)
                       : static_cast<uint64_t>(n);
      if (admitted == 0) continue;
      const bool sparse = item.allowed != nullptr && admitted * 8 < static_cast<uint64_t>(n);
      auto offer = [&](TopK& top, int64_t row, float d) {
        if (!(d <= top.threshold()) || !bounds.Admits(d)) return;  // also drops NaN
        if (col.is_null(row)) return;
        if (item.deleted && item.deleted->contains(static_cast<uint32_t>(row))) return;
        if (item.allowed && !item.allowed->contains(static_cast<uint32_t>(row))) return;
        top.Push(d, addr_base | static_cast<uint64_t>(row));
      };
      if (batched && !sparse) {
        for (size_t q0 = 0; q0 < nq; q0 += kQueryGroup) {
          const size_t m = std::min(kQueryGroup, nq - q0);
          BatchDistances(col, query_matrix.data() + q0 * dim, queries.data() + q0, m, plan.metric, item.begin,
                         item.end, block.data());
          for (size_t j = 0; j < m; ++j) {
            const float* d = block.data() + j * static_cast<size_t>(n);
            for (int64_t i = 0; i < n; ++i) offer(local[q0 + j], item.begin + i, d[i]);
          }
        }
        continue;
      }
      for (size_t q = 0; q < nq; ++q) {
        TopK& top = local[q];
        auto consider = [&](int64_t row, float d) { offer(top, row, d); };
        if (sparse) {
          for (auto r = item.allowed->begin(); r != item.allowed->end(); ++r) {
            const int64_t row = *r;
            if (row < item.begin) continue;
            if (row >= item.end) break;
            consider(row, RowDistance(col, queries[q], plan.metric, row));
          }
        } else {
          ChunkDistances(col, queries[q], plan.metric, item.begin, item.end, dist.data());
          for (int64_t i = 0; i < n; ++i) consider(item.begin + i, dist[i]);
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    for (size_t q = 0; q < nq; ++q) tops[q].Merge(local[q]);
  };
  if (items.size() <= 1) {
    run(0, static_cast<int64_t>(items.size()));
  } else {
    DefaultThreadPool()->ParallelFor(static_cast<int64_t>(items.size()), run);
  }

  std::unordered_map<uint64_t, const Fragment*> by_id;
  for (const Fragment* f : fragments) by_id[f->id] = f;
  std::vector<std::vector<Neighbor>> out(nq);
  for (size_t q = 0; q < nq; ++q) {
    out[q] = tops[q].Take();
    for (Neighbor& n : out[q]) {
      n.row_id = RowIdAt(*by_id.at(n.row_id >> 32), static_cast<int64_t>(n.row_id & 0xffffffffu));
    }
  }
  return out;
}

// Admits the row ids a vector index may return: those of live rows in the
// fragments it covers (its other rows were deleted, or their fragments left
// the version), and, with a prefilter, only the rows that passed it.
class SearchFilter : public index::RowIdFilter {
 public:
  // Null when the index holds exactly the live rows of `plan.indexed` and
  // there is no prefilter: no candidate needs checking.
  static Result<std::unique_ptr<SearchFilter>> Make(const Plan& plan, const Allowed* allowed) {
    auto filter = std::unique_ptr<SearchFilter>(new SearchFilter());
    if (allowed != nullptr) {
      filter->allowed_ = &allowed->row_ids;  // live rows only
      return filter;
    }
    QUIVER_ASSIGN_OR_RETURN(filter->covered_, CoveredRows::Make(*plan.snap, *plan.index, plan.indexed));
    if (filter->covered_ == nullptr) return nullptr;
    return filter;
  }

  bool Contains(uint64_t row_id) const override {
    return allowed_ != nullptr ? allowed_->contains(row_id) : covered_->Contains(row_id);
  }

 private:
  SearchFilter() = default;
  const Roaring64Map* allowed_ = nullptr;
  std::unique_ptr<CoveredRows> covered_;
};

struct SearchSettings {
  int nprobes;
  int max_nprobes;  // 0: every partition
  int refine_factor;
  int ef;
  Bounds bounds;
};

Result<std::vector<std::vector<Neighbor>>> IndexSearch(const Plan& plan,
                                                       const std::vector<PreparedQuery>& queries,
                                                       const Allowed* allowed, const SearchSettings& s) {
  QUIVER_ASSIGN_OR_RETURN(auto index, plan.snap->files->OpenVectorIndex(*plan.index));
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<SearchFilter> filter, SearchFilter::Make(plan, allowed));
  index::VectorQueryParams params;
  params.k = plan.want * std::max(1, s.refine_factor);
  params.nprobes = s.nprobes;
  params.max_nprobes = s.max_nprobes == 0 ? std::numeric_limits<int>::max() : s.max_nprobes;
  params.ef = s.ef;
  std::vector<std::vector<Neighbor>> out(queries.size());
  std::optional<RowLocator> locator;
  // The vectors of the fragments candidates fall in, looked up once each,
  // and each candidate's column and row.
  std::unordered_map<const Fragment*, std::shared_ptr<const VectorColumn>> columns;
  std::vector<std::pair<const VectorColumn*, int64_t>> rows;
  for (size_t q = 0; q < queries.size(); ++q) {
    QUIVER_ASSIGN_OR_RETURN(out[q], index->Search(queries[q].values, params, filter.get()));
    if (s.refine_factor > 0) {
      // Exact distances from the full vectors, then the best `want`. A
      // fragment's vectors come from its whole column when that is held (or
      // worth loading), else only the candidates' rows are taken.
      if (!locator) locator.emplace(plan.indexed);
      rows.clear();
      std::unordered_map<const Fragment*, std::vector<int64_t>> to_take;
      std::vector<const Fragment*> taken_from(out[q].size(), nullptr);  // per candidate, when taken
      for (size_t i = 0; i < out[q].size(); ++i) {
        auto [fragment, offset] = locator->Find(out[q][i].row_id);
        if (fragment == nullptr)
          return Status::Corruption("index returned unknown row id " + std::to_string(out[q][i].row_id));
        auto it = columns.find(fragment);
        if (it == columns.end()) {
          QUIVER_ASSIGN_OR_RETURN(auto column, VectorColumnForRefine(*plan.snap, *fragment, plan.field));
          it = columns.emplace(fragment, std::move(column)).first;
        }
        rows.emplace_back(it->second.get(), offset);
        if (!it->second) {
          to_take[fragment].push_back(offset);
          taken_from[i] = fragment;
        }
      }
      // Taken rows: the candidate's row becomes its index among the taken offsets.
      std::vector<std::shared_ptr<const VectorColumn>> taken_columns;
      for (auto& [fragment, offsets] : to_take) {
        std::sort(offsets.begin(), offsets.end());
        offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
        QUIVER_ASSIGN_OR_RETURN(auto taken, TakeVectorRows(*plan.snap, *fragment, plan.field, offsets));
        taken_columns.push_back(taken);
        for (size_t i = 0; i < rows.size(); ++i) {
          if (taken_from[i] != fragment) continue;
          rows[i] = {taken.get(),
                     std::lower_bound(offsets.begin(), offsets.end(), rows[i].second) - offsets.begin()};
        }
      }
      // Candidates lie anywhere in memory: fetch a few ahead.
      constexpr size_t kAhead = 4;
      for (size_t i = 0; i < rows.size(); ++i) {
        if (i + kAhead < rows.size()) PrefetchRow(*rows[i + kAhead].first, rows[i + kAhead].second);
        out[q][i].distance = RowDistance(*rows[i].first, queries[q], plan.metric, rows[i].second);
      }
      std::sort(out[q].begin(), out[q].end());
    }
    std::erase_if(out[q], [&](const Neighbor& n) { return !s.bounds.Admits(n.distance); });
    if (static_cast<int64_t>(out[q].size()) > plan.want) out[q].resize(static_cast<size_t>(plan.want));
  }
  return out;
}

// "20", or "20 to 80" / "20 to all" when more are probed while too few
// rows were found.
std::string NprobesText(int nprobes, int max_nprobes) {
  if (max_nprobes == nprobes) return std::to_string(nprobes);
  return std::to_string(nprobes) + " to " + (max_nprobes == 0 ? "all" : std::to_string(max_nprobes)) +
         " (more while fewer than the candidates wanted are found)";
}

std::vector<Neighbor> MergeNearest(std::vector<Neighbor> a, const std::vector<Neighbor>& b, int64_t want) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  if (static_cast<int64_t>(a.size()) > want) a.resize(static_cast<size_t>(want));
  return a;
}

}  // namespace

// Runs a VectorQuery (a friend, so it can read the builder's settings).
struct VectorSearch {
  static Result<Plan> PlanOf(const VectorQuery& q) {
    QUIVER_RETURN_NOT_OK(q.error_);
    return MakePlan(q.snapshot_, q.column_, q.metric_, q.bypass_index_, q.where_, q.columns_, q.queries_,
                    q.limit_, q.offset_);
  }

  static Result<BatchPtr> Run(const VectorQuery& q) {
    QUIVER_ASSIGN_OR_RETURN(Plan plan, PlanOf(q));
    if (q.nprobes_ <= 0)
      return Status::InvalidArgument("nprobes must be positive, got " + std::to_string(q.nprobes_));
    if (q.max_nprobes_ < 0 || (q.max_nprobes_ > 0 && q.max_nprobes_ < q.nprobes_)) {
      return Status::InvalidArgument("maximum nprobes " + std::to_string(q.max_nprobes_) +
                                     " must be 0 (every partition) or at least the minimum, " +
                                     std::to_string(q.nprobes_));
    }
    if (q.refine_factor_ < 0) {
      return Status::InvalidArgument("refine_factor must not be negative, got " +
                                     std::to_string(q.refine_factor_));
    }
    if (q.ef_ < 0) return Status::InvalidArgument("ef must not be negative, got " + std::to_string(q.ef_));
    SearchSettings s{q.nprobes_, q.max_nprobes_, q.refine_factor_, q.ef_, {}};
    if (q.lower_bound_) s.bounds.lower = *q.lower_bound_;
    if (q.upper_bound_) s.bounds.upper = *q.upper_bound_;

    std::vector<PreparedQuery> queries;
    for (const auto& v : q.queries_) queries.push_back(Prepare(v, plan.metric));

    std::optional<Allowed> allowed;
    if (plan.predicate && q.prefilter_) {
      QUIVER_ASSIGN_OR_RETURN(allowed, RunPrefilter(plan.snap, plan.predicate));
    }
    const Allowed* admitted = allowed ? &*allowed : nullptr;
    std::vector<std::vector<Neighbor>> nearest(queries.size());
    if (plan.index != nullptr && !plan.indexed.empty()) {
      QUIVER_ASSIGN_OR_RETURN(nearest, IndexSearch(plan, queries, admitted, s));
    }
    if (!plan.unindexed.empty()) {
      QUIVER_ASSIGN_OR_RETURN(auto exact, ExactSearch(plan, queries, plan.unindexed, admitted, s.bounds));
      for (size_t i = 0; i < queries.size(); ++i)
        nearest[i] = MergeNearest(std::move(nearest[i]), exact[i], plan.want);
    }
    return Materialize(plan, q, nearest);
  }

  // Output rows: offset and limit per query, the postfilter, the projected
  // columns taken by row id, then _distance, _rowid and query_index.
  static Result<BatchPtr> Materialize(const Plan& plan, const VectorQuery& q,
                                      const std::vector<std::vector<Neighbor>>& nearest) {
    std::vector<uint64_t> ids;
    std::vector<float> distances;
    std::vector<int32_t> query_index;
    for (size_t i = 0; i < nearest.size(); ++i) {
      for (size_t j = static_cast<size_t>(q.offset_); j < nearest[i].size(); ++j) {
        ids.push_back(nearest[i][j].row_id);
        distances.push_back(nearest[i][j].distance);
        query_index.push_back(static_cast<int32_t>(i));
      }
    }
    const expr::BoundExprPtr postfilter = q.prefilter_ ? nullptr : plan.predicate;
    QUIVER_ASSIGN_OR_RETURN(TakenRows taken,
                            TakeRowsForOutput(*plan.snap, ids, plan.output_fields, postfilter));
    // limit per query (the offset was applied above)
    std::vector<int64_t> selected;
    std::vector<int64_t> per_query(nearest.size(), 0);
    for (int64_t r : taken.passing) {
      if (per_query[query_index[r]]++ < q.limit_) selected.push_back(r);
    }
    std::vector<std::pair<Field, ArrayPtr>> extra;
    extra.emplace_back(Field("_distance", float32(), false), SelectedFloats(distances, selected));
    if (q.with_row_id_) extra.emplace_back(Field("_rowid", uint64(), false), SelectedUInt64s(ids, selected));
    if (q.queries_.size() > 1) {
      extra.emplace_back(Field("query_index", int32(), false), SelectedInt32s(query_index, selected));
    }
    return AssembleOutput(taken.rows, plan.output_fields.size(), selected, std::move(extra));
  }

  static Result<std::string> Explain(const VectorQuery& q) {
    QUIVER_ASSIGN_OR_RETURN(Plan plan, PlanOf(q));
    std::string out;
    int64_t indexed_rows = 0, unindexed_rows = 0;
    for (const Fragment* f : plan.indexed) indexed_rows += f->live_rows();
    for (const Fragment* f : plan.unindexed) unindexed_rows += f->live_rows();
    out += "VectorSearch: column \"" + plan.column + "\", dimension " + std::to_string(plan.dim) +
           ", metric " + std::string(index::MetricName(plan.metric)) + ", " +
           std::to_string(q.queries_.size()) + (q.queries_.size() == 1 ? " query" : " queries") + ", limit " +
           std::to_string(q.limit_) + (q.offset_ ? ", offset " + std::to_string(q.offset_) : "") + "\n";
    if (plan.predicate) {
      out += std::string(q.prefilter_ ? "  Prefilter" : "  Postfilter") + ": " + q.where_ +
             (q.prefilter_ ? " (rows matching it are the only candidates)\n"
                           : " (applied to the nearest rows; fewer may come back)\n");
    }
    if (plan.index != nullptr) {
      out += "  Index: \"" + plan.index->name + "\" (" + plan.index->type + ") over " +
             std::to_string(indexed_rows) + " rows, nprobes " + NprobesText(q.nprobes_, q.max_nprobes_) +
             (q.ef_ ? ", ef " + std::to_string(q.ef_) : "") +
             (q.refine_factor_ ? ", refine_factor " + std::to_string(q.refine_factor_) + " (re-ranks " +
                                     std::to_string((q.limit_ + q.offset_) * q.refine_factor_) +
                                     " candidates with exact distances)"
                               : "") +
             "\n";
    } else {
      out += "  No index: " + plan.no_index_reason + "\n";
    }
    if (!plan.unindexed.empty()) {
      out += "  Exact scan: " + std::to_string(unindexed_rows) + " rows in " +
             std::to_string(plan.unindexed.size()) +
             (plan.index ? " fragment(s) the index does not cover yet\n" : " fragment(s)\n");
    }
    return out;
  }
};

Result<BatchPtr> VectorQuery::ToBatch() const { return VectorSearch::Run(*this); }
Result<std::string> VectorQuery::Explain() const { return VectorSearch::Explain(*this); }

Result<std::string> VectorQuery::ExplainAnalyze() const {
  QUIVER_ASSIGN_OR_RETURN(std::string plan, Explain());
  return quiver::ExplainAnalyze(std::move(plan), [this] { return ToBatch(); });
}

}  // namespace quiver

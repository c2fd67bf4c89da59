// Hybrid search: a vector search and a text search run side by side, fused
// by a reranker (see include/quiver/hybrid.h).
#include "quiver/hybrid.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <unordered_map>

#include "quiver/builder.h"

namespace quiver {
namespace {

class Rrf : public Reranker {
 public:
  explicit Rrf(float k) : k_(k) {}
  std::string name() const override { return "rrf"; }
  Result<std::vector<float>> Score(const RerankInput& in) const override {
    if (!(k_ >= 0) || !std::isfinite(k_))
      return Status::InvalidArgument("RRF k must be a non-negative number");
    std::vector<float> out(in.row_ids.size(), 0.0f);
    for (size_t i = 0; i < out.size(); ++i) {
      if (in.vector_ranks[i] >= 0) out[i] += 1.0f / (k_ + static_cast<float>(in.vector_ranks[i]));
      if (in.text_ranks[i] >= 0) out[i] += 1.0f / (k_ + static_cast<float>(in.text_ranks[i]));
    }
    return out;
  }

 private:
  float k_;
};

// Values min-max normalised to [0, 1] (all 1 when they are equal); nullopt
// stays missing.
std::vector<std::optional<float>> Normalize(const std::vector<std::optional<float>>& values) {
  float lo = INFINITY, hi = -INFINITY;
  for (const auto& v : values) {
    if (!v) continue;
    lo = std::min(lo, *v);
    hi = std::max(hi, *v);
  }
  std::vector<std::optional<float>> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i]) out[i] = hi > lo ? (*values[i] - lo) / (hi - lo) : 1.0f;
  }
  return out;
}

class Linear : public Reranker {
 public:
  explicit Linear(float weight) : weight_(weight) {}
  std::string name() const override { return "linear"; }
  Result<std::vector<float>> Score(const RerankInput& in) const override {
    if (!(weight_ >= 0 && weight_ <= 1)) {
      return Status::InvalidArgument("linear combination weight must be between 0 and 1, got " +
                                     std::to_string(weight_));
    }
    const auto distances = Normalize(in.distances);
    const auto scores = Normalize(in.scores);
    std::vector<float> out(in.row_ids.size());
    for (size_t i = 0; i < out.size(); ++i) {
      const float v = distances[i] ? 1.0f - *distances[i] : 0.0f;
      const float t = scores[i] ? *scores[i] : 0.0f;
      out[i] = weight_ * v + (1 - weight_) * t;
    }
    return out;
  }

 private:
  float weight_;
};

ArrayPtr OptionalFloats(const std::vector<std::optional<float>>& values, std::span<const int64_t> order) {
  auto b = ArrayBuilder::Make(float32());
  for (int64_t i : order) {
    Status st = values[i] ? b->AppendDouble(*values[i]) : b->AppendNull();
    (void)st;  // float32 takes any double
  }
  return b->Finish();
}

}  // namespace

RerankerPtr RrfReranker(float k) { return std::make_shared<Rrf>(k); }
RerankerPtr LinearCombinationReranker(float weight) { return std::make_shared<Linear>(weight); }

HybridQuery::HybridQuery(const Table& table, std::vector<float> vector, std::string text_query)
    : vector_(table.Search(std::move(vector))), text_(table.TextSearch(std::move(text_query))) {}

HybridQuery::HybridQuery(const Table& table, std::vector<float> vector, FtsQueryPtr text_query)
    : vector_(table.Search(std::move(vector))), text_(table.TextSearch(std::move(text_query))) {}

HybridQuery& HybridQuery::Where(std::string predicate) {
  vector_.Where(predicate);
  text_.Where(std::move(predicate));
  return *this;
}
HybridQuery& HybridQuery::Prefilter(bool prefilter) {
  vector_.Prefilter(prefilter);
  text_.Prefilter(prefilter);
  return *this;
}
HybridQuery& HybridQuery::Limit(int64_t limit) {
  limit_ = limit;
  return *this;
}
HybridQuery& HybridQuery::Columns(std::vector<std::string> columns) {
  columns_ = std::move(columns);
  return *this;
}
HybridQuery& HybridQuery::WithRowId(bool with_row_id) {
  with_row_id_ = with_row_id;
  return *this;
}
HybridQuery& HybridQuery::Rerank(RerankerPtr reranker) {
  reranker_ = std::move(reranker);
  return *this;
}

Result<BatchPtr> HybridQuery::ToBatch() const {
  if (limit_ < 0) return Status::InvalidArgument("limit must not be negative, got " + std::to_string(limit_));
  VectorQuery vq = vector_;
  TextQuery tq = text_;
  vq.Limit(limit_).Offset(0).Columns(columns_).WithRowId(true);
  tq.Limit(limit_).Offset(0).Columns(columns_).WithRowId(true);
  // The text search on another thread while this one searches vectors.
  auto text_future = std::async(std::launch::async, [&tq] { return tq.ToBatch(); });
  Result<BatchPtr> vector_rows = vq.ToBatch();
  Result<BatchPtr> text_rows = text_future.get();
  QUIVER_RETURN_NOT_OK(vector_rows.status().WithContext("hybrid search, vector side"));
  QUIVER_RETURN_NOT_OK(text_rows.status().WithContext("hybrid search, text side"));
  const RecordBatch& v = **vector_rows;
  const RecordBatch& t = **text_rows;
  // Output columns are the fields before _distance / _score.
  const int num_columns = v.num_columns() - 2;  // minus _distance, _rowid

  RerankInput in;
  std::unordered_map<uint64_t, size_t> where;
  std::vector<int64_t> source_row;  // candidate -> row of the concatenated batch
  auto add = [&](const RecordBatch& batch, bool vector_side, int64_t offset) {
    const uint64_t* ids = batch.GetColumn("_rowid")->values<uint64_t>();
    const float* value = batch.GetColumn(vector_side ? "_distance" : "_score")->values<float>();
    for (int64_t i = 0; i < batch.num_rows(); ++i) {
      auto [it, inserted] = where.emplace(ids[i], in.row_ids.size());
      if (inserted) {
        in.row_ids.push_back(ids[i]);
        in.distances.emplace_back();
        in.scores.emplace_back();
        in.vector_ranks.push_back(-1);
        in.text_ranks.push_back(-1);
        source_row.push_back(offset + i);
      }
      const size_t c = it->second;
      if (vector_side) {
        in.distances[c] = value[i];
        in.vector_ranks[c] = static_cast<int>(i);
      } else {
        in.scores[c] = value[i];
        in.text_ranks[c] = static_cast<int>(i);
      }
    }
  };
  add(v, true, 0);
  add(t, false, v.num_rows());
  std::vector<Field> fields;
  std::vector<ArrayPtr> combined;
  for (int c = 0; c < num_columns; ++c) {
    fields.push_back(v.schema()->field(c));
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr both, Concatenate({v.column(c), t.column(c)}));
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr taken, Take(*both, source_row));
    combined.push_back(std::move(taken));
  }
  QUIVER_ASSIGN_OR_RETURN(in.rows, RecordBatch::Make(std::make_shared<Schema>(fields), combined));

  const RerankerPtr reranker = reranker_ ? reranker_ : RrfReranker();
  QUIVER_ASSIGN_OR_RETURN(std::vector<float> relevance, reranker->Score(in));
  if (relevance.size() != in.row_ids.size()) {
    return Status::InvalidArgument("reranker \"" + reranker->name() + "\" returned " +
                                   std::to_string(relevance.size()) + " scores for " +
                                   std::to_string(in.row_ids.size()) + " rows");
  }
  std::vector<int64_t> order(in.row_ids.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    if (relevance[a] != relevance[b]) return relevance[a] > relevance[b];
    return in.row_ids[a] < in.row_ids[b];
  });
  if (static_cast<int64_t>(order.size()) > limit_) order.resize(static_cast<size_t>(limit_));

  std::vector<ArrayPtr> out_columns;
  for (const ArrayPtr& c : combined) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr taken, Take(*c, order));
    out_columns.push_back(std::move(taken));
  }
  fields.emplace_back("_distance", float32(), true);
  out_columns.push_back(OptionalFloats(in.distances, order));
  fields.emplace_back("_score", float32(), true);
  out_columns.push_back(OptionalFloats(in.scores, order));
  std::vector<std::optional<float>> rel(relevance.begin(), relevance.end());
  fields.emplace_back("_relevance_score", float32(), false);
  out_columns.push_back(OptionalFloats(rel, order));
  if (with_row_id_) {
    auto ids = ArrayBuilder::Make(uint64());
    for (int64_t i : order) QUIVER_RETURN_NOT_OK(ids->AppendUInt(in.row_ids[i]));
    fields.emplace_back("_rowid", uint64(), false);
    out_columns.push_back(ids->Finish());
  }
  return RecordBatch::Make(std::make_shared<Schema>(std::move(fields)), std::move(out_columns));
}

}  // namespace quiver

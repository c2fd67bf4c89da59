// Full-text search over a table version: the FTS indexes of its text
// columns, in-memory segments for rows added since each build, deletions,
// prefilters and postfilters, and the output rows.
#include <algorithm>

#include "expr/bind.h"
#include "expr/eval.h"
#include "index/fts/search.h"
#include "quiver/table.h"
#include "table/explain.h"
#include "table/fts_indexes.h"
#include "table/prefilter.h"
#include "table/search_output.h"
#include "table/table_impl.h"

namespace quiver {

TextQuery Table::TextSearch(std::string query_string) const {
  auto parsed = ParseFtsQuery(query_string);
  TextQuery query = TextSearch(parsed.ok() ? *parsed : nullptr);
  if (!parsed.ok()) query.error_ = parsed.status();
  return query;
}

TextQuery Table::TextSearch(FtsQueryPtr fts_query) const {
  auto snap = impl()->ReadSnapshot();
  TextQuery query(snap.ok() ? *snap : nullptr, std::move(fts_query));
  if (!snap.ok()) query.error_ = snap.status();
  if (query.error_.ok() && query.query_ == nullptr)
    query.error_ = Status::InvalidArgument("no full-text query given");
  return query;
}

TextQuery& TextQuery::Where(std::string predicate) {
  where_ = std::move(predicate);
  return *this;
}
TextQuery& TextQuery::Prefilter(bool prefilter) {
  prefilter_ = prefilter;
  return *this;
}
TextQuery& TextQuery::Limit(int64_t limit) {
  limit_ = limit;
  return *this;
}
TextQuery& TextQuery::Offset(int64_t offset) {
  offset_ = offset;
  return *this;
}
TextQuery& TextQuery::Columns(std::vector<std::string> columns) {
  columns_ = std::move(columns);
  return *this;
}
TextQuery& TextQuery::WithRowId(bool with_row_id) {
  with_row_id_ = with_row_id;
  return *this;
}
TextQuery& TextQuery::Bm25(float k1, float b) {
  k1_ = k1;
  b_ = b;
  return *this;
}

namespace {

using index::fts::ColumnSource;
using index::fts::DocSet;
using index::fts::Segment;

// One FTS-indexed column of the version.
struct TextColumn {
  const IndexMeta* index = nullptr;
  int field = -1;
  std::string name;
  std::shared_ptr<const index::fts::FtsIndexReader> reader;
  std::vector<const Fragment*> covered;    // in the version and in the index
  std::vector<const Fragment*> unindexed;  // added since the build
  // Holds the in-memory segment and document sets used by `source`.
  std::vector<std::shared_ptr<const void>> keep;
  ColumnSource source;
};

struct TextPlan {
  std::shared_ptr<const Snapshot> snap;
  std::vector<TextColumn> columns;
  expr::BoundExprPtr predicate;
  std::vector<int> output_fields;
  int64_t want = 0;
};

// The documents of `reader` that are live rows of `covered` (null when
// that is every document).
Result<std::shared_ptr<const DocSet>> LiveDocs(const Snapshot& snap, const TextColumn& c) {
  QUIVER_ASSIGN_OR_RETURN(auto covered, CoveredRows::Make(snap, *c.index, c.covered));
  if (covered == nullptr) return std::shared_ptr<const DocSet>();
  const auto row_ids = c.reader->row_ids();
  auto docs = std::make_shared<DocSet>(static_cast<uint32_t>(row_ids.size()));
  for (uint32_t d = 0; d < row_ids.size(); ++d) {
    if (covered->Contains(row_ids[d])) docs->Add(d);
  }
  return std::shared_ptr<const DocSet>(std::move(docs));
}

// The documents of `segment` whose rows pass the prefilter (and, when
// `live` is given, are live).
std::shared_ptr<const DocSet> AllowedDocs(const Segment& segment, const Allowed& allowed,
                                          const DocSet* live) {
  const auto row_ids = segment.row_ids();
  auto docs = std::make_shared<DocSet>(static_cast<uint32_t>(row_ids.size()));
  for (uint32_t d = 0; d < row_ids.size(); ++d) {
    if ((live == nullptr || live->Contains(d)) && allowed.row_ids.contains(row_ids[d])) docs->Add(d);
  }
  return docs;
}

Result<TextPlan> MakePlan(std::shared_ptr<const Snapshot> snap, const std::string& where,
                          const std::vector<std::string>& columns, int64_t limit, int64_t offset) {
  TextPlan plan;
  plan.snap = snap;
  const Manifest& m = *snap->manifest;
  if (limit < 0) return Status::InvalidArgument("limit must not be negative, got " + std::to_string(limit));
  if (offset < 0)
    return Status::InvalidArgument("offset must not be negative, got " + std::to_string(offset));
  plan.want = limit + offset;
  for (const IndexMeta& meta : m.indexes) {
    auto type = ParseIndexType(meta.type);
    if (!type.ok() || !IsFtsIndexType(*type) || meta.field_ids.size() != 1) continue;
    const int field = m.FieldIndexById(meta.field_ids[0]);
    if (field < 0) continue;
    const std::string& name = m.schema->field(field).name;
    if (std::any_of(plan.columns.begin(), plan.columns.end(),
                    [&](const TextColumn& c) { return c.name == name; })) {
      continue;  // one index per column is searched: the first listed
    }
    TextColumn c;
    c.index = &meta;
    c.field = field;
    c.name = name;
    for (const Fragment& f : m.fragments) {
      const bool covered =
          std::find(meta.fragment_ids.begin(), meta.fragment_ids.end(), f.id) != meta.fragment_ids.end();
      (covered ? c.covered : c.unindexed).push_back(&f);
    }
    plan.columns.push_back(std::move(c));
  }
  if (plan.columns.empty()) {
    return Status::InvalidArgument(
        "the table has no full-text index; create one on a text column first (CreateIndex(column, "
        "IndexType::kFts), or `quiver index <db> <table> <column> --type FTS`)");
  }
  if (!where.empty()) {
    QUIVER_ASSIGN_OR_RETURN(plan.predicate, expr::CompilePredicate(where, *m.schema));
  }
  QUIVER_ASSIGN_OR_RETURN(plan.output_fields, snap->ResolveColumns(columns));
  return plan;
}

// Opens each column's index and segments, and its admitted documents.
Status Prepare(TextPlan& plan, const Allowed* allowed) {
  const Snapshot& snap = *plan.snap;
  for (TextColumn& c : plan.columns) {
    QUIVER_ASSIGN_OR_RETURN(c.reader, snap.files->OpenFtsIndex(*c.index));
    c.source.column = c.name;
    c.source.analyzer = &c.reader->analyzer();
    c.source.segments.push_back(c.reader.get());
    // Live documents of the index, cached per index and version.
    const std::string live_key = "fts-live:" + c.index->uuid + "@" + std::to_string(snap.version());
    QUIVER_ASSIGN_OR_RETURN(auto live_any,
                            snap.files->CachedDerived(live_key, [&]() -> Result<std::shared_ptr<const void>> {
                              QUIVER_ASSIGN_OR_RETURN(auto docs, LiveDocs(snap, c));
                              return std::shared_ptr<const void>(docs);
                            }));
    auto live = std::static_pointer_cast<const DocSet>(live_any);
    c.keep.push_back(live);
    if (allowed != nullptr) {
      auto docs = AllowedDocs(*c.reader, *allowed, live.get());
      c.source.allowed.push_back(docs.get());
      c.keep.push_back(docs);
    } else {
      c.source.allowed.push_back(live.get());
    }
    if (c.unindexed.empty()) continue;
    // Rows added since the build: each fragment analyzed once (again only
    // when its deletions change), one in-memory segment each.
    const index::fts::Analyzer& analyzer = c.reader->analyzer();
    const bool positions = c.reader->has_positions();
    for (const Fragment* f : c.unindexed) {
      const std::string key = "fts-mem:" + c.index->uuid + ":" + std::to_string(f->id) + ":" +
                              (f->deletion ? f->deletion->key : std::string());
      QUIVER_ASSIGN_OR_RETURN(
          auto segment_any, snap.files->CachedDerived(key, [&]() -> Result<std::shared_ptr<const void>> {
            QUIVER_ASSIGN_OR_RETURN(auto segment, TextSegmentOf(snap, c.field, {f}, analyzer, positions));
            return std::shared_ptr<const void>(segment);
          }));
      auto segment = std::static_pointer_cast<const index::fts::MemorySegment>(segment_any);
      c.keep.push_back(segment);
      c.source.segments.push_back(segment.get());
      if (allowed != nullptr) {
        auto docs = AllowedDocs(*segment, *allowed, nullptr);
        c.source.allowed.push_back(docs.get());
        c.keep.push_back(docs);
      } else {
        c.source.allowed.push_back(nullptr);  // the segment holds live rows only
      }
    }
  }
  return Status::OK();
}

}  // namespace

// Runs a TextQuery (a friend, so it can read the builder's settings).
struct TextSearcher {
  static Result<TextPlan> PlanOf(const TextQuery& q) {
    QUIVER_RETURN_NOT_OK(q.error_);
    return MakePlan(q.snapshot_, q.where_, q.columns_, q.limit_, q.offset_);
  }

  static Result<BatchPtr> Run(const TextQuery& q) {
    QUIVER_ASSIGN_OR_RETURN(TextPlan plan, PlanOf(q));
    std::optional<Allowed> allowed;
    if (plan.predicate && q.prefilter_) {
      QUIVER_ASSIGN_OR_RETURN(allowed, RunPrefilter(plan.snap, plan.predicate));
    }
    QUIVER_RETURN_NOT_OK(Prepare(plan, allowed ? &*allowed : nullptr));
    std::vector<ColumnSource> sources;
    for (const TextColumn& c : plan.columns) sources.push_back(c.source);
    index::fts::Bm25Params params{q.k1_, q.b_};
    QUIVER_ASSIGN_OR_RETURN(auto hits, index::fts::SearchText(*q.query_, sources, plan.want, params));
    return Materialize(plan, q, hits);
  }

  // Output rows: the offset, the postfilter, the projected columns taken by
  // row id, then _score and _rowid.
  static Result<BatchPtr> Materialize(const TextPlan& plan, const TextQuery& q,
                                      const std::vector<index::fts::TextHit>& hits) {
    std::vector<uint64_t> ids;
    std::vector<float> scores;
    for (size_t i = static_cast<size_t>(q.offset_); i < hits.size(); ++i) {
      ids.push_back(hits[i].row_id);
      scores.push_back(hits[i].score);
    }
    const expr::BoundExprPtr postfilter = q.prefilter_ ? nullptr : plan.predicate;
    QUIVER_ASSIGN_OR_RETURN(TakenRows taken,
                            TakeRowsForOutput(*plan.snap, ids, plan.output_fields, postfilter));
    std::vector<int64_t>& selected = taken.passing;
    if (static_cast<int64_t>(selected.size()) > q.limit_) selected.resize(static_cast<size_t>(q.limit_));
    std::vector<std::pair<Field, ArrayPtr>> extra;
    extra.emplace_back(Field("_score", float32(), false), SelectedFloats(scores, selected));
    if (q.with_row_id_) extra.emplace_back(Field("_rowid", uint64(), false), SelectedUInt64s(ids, selected));
    return AssembleOutput(taken.rows, plan.output_fields.size(), selected, std::move(extra));
  }

  static Result<std::string> Explain(const TextQuery& q) {
    QUIVER_ASSIGN_OR_RETURN(TextPlan plan, PlanOf(q));
    std::string out = "TextSearch: " + q.query_->ToString() + ", limit " + std::to_string(q.limit_) +
                      (q.offset_ ? ", offset " + std::to_string(q.offset_) : "") + "\n";
    if (plan.predicate) {
      out += std::string(q.prefilter_ ? "  Prefilter" : "  Postfilter") + ": " + q.where_ +
             (q.prefilter_ ? " (rows matching it are the only candidates)\n"
                           : " (applied to the best rows; fewer may come back)\n");
    }
    for (const TextColumn& c : plan.columns) {
      int64_t indexed = 0, unindexed = 0;
      for (const Fragment* f : c.covered) indexed += f->live_rows();
      for (const Fragment* f : c.unindexed) unindexed += f->live_rows();
      out += "  Index: \"" + c.index->name + "\" (FTS) on \"" + c.name + "\" over " +
             std::to_string(indexed) + " rows";
      if (unindexed > 0) out += "; " + std::to_string(unindexed) + " rows added since are analyzed in memory";
      out += "\n";
    }
    out += "  Scoring: BM25 k1 " + std::to_string(q.k1_).substr(0, 4) + ", b " +
           std::to_string(q.b_).substr(0, 4) + "\n";
    return out;
  }
};

Result<BatchPtr> TextQuery::ToBatch() const { return TextSearcher::Run(*this); }
Result<std::string> TextQuery::Explain() const { return TextSearcher::Explain(*this); }

Result<std::string> TextQuery::ExplainAnalyze() const {
  QUIVER_ASSIGN_OR_RETURN(std::string plan, Explain());
  return quiver::ExplainAnalyze(std::move(plan), [this] { return ToBatch(); });
}

}  // namespace quiver

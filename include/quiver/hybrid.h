// Hybrid search: one query answered by a vector search and a full-text
// search together, their results fused by a reranker.
//
//   HybridQuery q(*table, {0.1f, ...}, "boundary layer flutter");
//   q.Where("year > 1960").Limit(10).Columns({"id", "title"}).Rerank(RrfReranker());
//   auto rows = q.ToBatch();
//
// Both searches run at the same time (the text search on another thread),
// each for `limit` rows and with the same `where` filter. The result holds
// the projected columns plus, as in LanceDB, `_distance` (null for rows only
// the text search found), `_score` (null for rows only the vector search
// found) and `_relevance_score` (float32, best first), and `_rowid` on
// request.
//
// Thread-safety: a HybridQuery is not thread-safe; rerankers must be (one
// may serve many queries at once).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quiver/fts_query.h"
#include "quiver/table.h"

namespace quiver {

// The candidates a reranker orders: the union of both result lists, each
// row once.
struct RerankInput {
  std::vector<uint64_t> row_ids;
  std::vector<std::optional<float>> distances;  // the vector search's _distance
  std::vector<std::optional<float>> scores;     // the text search's _score
  std::vector<int> vector_ranks;                // 0-based rank in the vector results, -1 if absent
  std::vector<int> text_ranks;                  // 0-based rank in the text results, -1 if absent
  // The candidates' projected columns, in the same order (for rerankers that
  // read the text, such as cross-encoders).
  BatchPtr rows;
};

class Reranker {
 public:
  virtual ~Reranker() = default;
  virtual std::string name() const = 0;
  // A relevance score for every candidate (higher is better).
  virtual Result<std::vector<float>> Score(const RerankInput& input) const = 0;
};
using RerankerPtr = std::shared_ptr<const Reranker>;

// Reciprocal rank fusion: the sum over both lists of 1 / (k + rank), ranks
// counted from 0 (LanceDB's RRFReranker; its top row scores 1/60).
RerankerPtr RrfReranker(float k = 60.0f);
// weight * vector relevance + (1 - weight) * text relevance, each min-max
// normalised over the candidates (vector relevance is 1 - normalised
// distance), a missing side counting 0 (LanceDB's LinearCombinationReranker).
RerankerPtr LinearCombinationReranker(float weight = 0.7f);

class HybridQuery {
 public:
  HybridQuery(const Table& table, std::vector<float> vector, std::string text_query);
  HybridQuery(const Table& table, std::vector<float> vector, FtsQueryPtr text_query);

  // Applies to both searches (see VectorQuery and TextQuery).
  HybridQuery& Where(std::string predicate);
  HybridQuery& Prefilter(bool prefilter = true);
  HybridQuery& Limit(int64_t limit);  // default 10
  HybridQuery& Columns(std::vector<std::string> columns);
  HybridQuery& WithRowId(bool with_row_id = true);
  // The fusion (default RrfReranker()).
  HybridQuery& Rerank(RerankerPtr reranker);
  // The vector side's settings.
  VectorQuery& vector() { return vector_; }
  // The text side's settings.
  TextQuery& text() { return text_; }

  Result<BatchPtr> ToBatch() const;

 private:
  VectorQuery vector_;
  TextQuery text_;
  int64_t limit_ = 10;
  std::vector<std::string> columns_;
  bool with_row_id_ = false;
  RerankerPtr reranker_;
};

}  // namespace quiver

// Full-text search: evaluates an FtsQuery over the segments of one or more
// text columns and returns the best rows by BM25 score.
//
// Each column is searched through its segments (the index file, plus an
// in-memory segment for rows added since the build) with statistics summed
// over all of them: document count, average length and each term's document
// frequency. So a row scores the same whichever segment holds it.
//
// Scoring: idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)) and
//   score(t, d) = idf(t) * (k1 + 1) * tf / (tf + k1 * (1 - b + b * len(d) / avglen)),
// summed over the matching terms (times any boosts). A phrase scores like
// one term whose frequency counts the phrase's matches (a sloppy match
// counts 1 / (1 + distance)) and whose idf is the sum of its terms' idfs.
// A fuzzy term matches the index terms within its edit distance; each
// scores with its own idf.
//
// Pruning: a query that is one term or an OR of terms (the common case)
// runs MaxScore over per-block score bounds (postings.h), so documents that
// cannot enter the top k are skipped without being scored and blocks of
// postings that cannot are skipped without being decoded. Other queries
// score every matching document. Queries that span several columns are
// evaluated per column and combined by row id.
//
// Thread-safety: plain functions over immutable segments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index/fts/analyzer.h"
#include "index/fts/segment.h"
#include "quiver/fts_query.h"

namespace quiver::index::fts {

// Documents of one segment a search may return.
class DocSet {
 public:
  explicit DocSet(uint32_t num_docs) : bits_((num_docs + 63) / 64, 0) {}
  void Add(uint32_t doc) { bits_[doc >> 6] |= uint64_t{1} << (doc & 63); }
  bool Contains(uint32_t doc) const { return (bits_[doc >> 6] >> (doc & 63)) & 1; }

 private:
  std::vector<uint64_t> bits_;
};

// One searchable text column.
struct ColumnSource {
  std::string column;
  const Analyzer* analyzer = nullptr;
  std::vector<const Segment*> segments;
  // Per segment: the documents admitted (live rows passing any prefilter);
  // null admits every document.
  std::vector<const DocSet*> allowed;
};

struct Bm25Params {
  float k1 = 1.2f;
  float b = 0.75f;
};

struct TextHit {
  uint64_t row_id = 0;
  float score = 0;
  bool operator<(const TextHit& o) const {  // best first; ties by row id
    return score != o.score ? score > o.score : row_id < o.row_id;
  }
};

// What a search did, for Explain() and tests.
struct TextSearchStats {
  uint64_t postings_scored = 0;  // documents whose score was computed
  uint64_t blocks_skipped = 0;   // posting blocks passed over by block-max pruning
  bool pruned = false;           // MaxScore / block-max pruning was used
};

// The `k` best rows for `query` (best first, ties by row id). A query
// naming a column that is not among `sources` is InvalidArgument listing
// them; a phrase query on an index built without positions is
// InvalidArgument saying how to rebuild it.
Result<std::vector<TextHit>> SearchText(const FtsQuery& query, const std::vector<ColumnSource>& sources,
                                        int64_t k, const Bm25Params& params,
                                        TextSearchStats* stats = nullptr);

// Levenshtein distance between UTF-8 strings, counted in code points, or
// max + 1 when it exceeds `max`.
int BoundedEditDistance(std::string_view a, std::string_view b, int max);

}  // namespace quiver::index::fts

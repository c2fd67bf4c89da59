// A search or scan described in JSON, as both APIs send it, and running it
// on a table. Field names follow LanceDB's query body (`vector`, `k`,
// `filter`, `columns`, `nprobes`, `refine_factor`, `full_text_query`, ...);
// Quiver's API also accepts `limit`, `where`, `text` and `reranker`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "quiver/fts_query.h"
#include "quiver/sort.h"
#include "quiver/table.h"

namespace quiver::server {

struct SearchRequest {
  std::vector<std::vector<float>> vectors;  // empty: no vector search
  std::string vector_column;
  std::string metric;
  FtsQueryPtr text;  // null: no text search
  std::string filter;
  bool prefilter = true;
  int64_t limit = 10;  // -1: no limit (scans only)
  int64_t offset = 0;
  std::vector<std::string> columns;                          // projected names
  std::vector<std::pair<std::string, std::string>> aliases;  // alias -> SQL expression (scans)
  bool with_row_id = false;
  int nprobes = 0;                 // the minimum; 0: the query's default
  std::optional<int> max_nprobes;  // 0: every partition; unset: nprobes
  int refine_factor = 0;
  int ef = 0;
  bool bypass_vector_index = false;
  std::optional<float> lower_bound, upper_bound;
  std::string reranker = "rrf";  // hybrid: "rrf" or "linear"
  float rrf_k = 60.0f;
  float linear_weight = 0.7f;
  std::optional<uint64_t> version;  // read this version instead of the latest
  std::vector<SortKey> order_by;    // scans only: sort, then offset and limit
};

// `lance` selects LanceDB's reading of the body: `full_text_query.query` as
// plain words to match (Quiver's `text` is the query-string syntax) and
// `k` = 2^63-1 as "no limit". InvalidArgument naming the field otherwise.
Result<SearchRequest> ParseSearchRequest(const nlohmann::ordered_json& body, bool lance);

// Parses LanceDB's structured full-text query JSON ({"match": {...}},
// {"phrase": ...}, {"boolean": ...}, {"boost": ...}, {"multi_match": ...}).
Result<FtsQueryPtr> ParseLanceFtsQuery(const nlohmann::ordered_json& query);

// "hybrid" (vector and text), "vector", "text" or "scan".
std::string SearchKind(const SearchRequest& request);

// Runs the request as SearchKind says.
Result<BatchPtr> RunSearch(const Table& table, const SearchRequest& request);

// Applies the server's cap on result rows: an explicit limit above it is
// InvalidArgument; a scan without a limit is capped at max_rows + 1 rows, so
// that CheckResultRows can tell the caller to page instead of silently
// returning part of the rows.
Status LimitResultRows(SearchRequest* request, int64_t max_rows);
Status CheckResultRows(const RecordBatch& batch, int64_t max_rows);

}  // namespace quiver::server

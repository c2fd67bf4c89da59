// Request pieces both APIs share: table names from paths, rows from a body
// (JSON rows or Arrow IPC), index parameters, and JSON forms of table
// information. Internal to src/server.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "server/context.h"

namespace quiver::server {

// A table name from a path or body, checked (no empty names, no '/', no
// "..": InvalidArgument naming the rule).
Result<std::string> CheckedTableName(const std::string& name);

// Rows of a request. Arrow bodies (IPC stream or file, any compression) are
// decoded; otherwise `json_rows` (a JSON array of objects) is parsed into
// `schema` (or an inferred schema when null). Enforces the server's
// max_rows_per_request (ResourceExhausted, answered 413).
struct RowsBody {
  SchemaPtr schema;
  std::vector<BatchPtr> batches;
  int64_t num_rows = 0;
};
Result<RowsBody> ArrowRows(const Call& call);
Result<RowsBody> JsonRows(const Call& call, const Json& json_rows, const SchemaPtr& schema);

// Index type and options from a JSON body: "index_type" (or "type"),
// "name", "replace", "metric_type" (or "metric", "distance_type"),
// "num_partitions", "num_sub_vectors", "num_bits", "sample_rate",
// "max_iterations", "m", "ef_construction", and the FTS options
// ("base_tokenizer", "language", "with_position", "lower_case", "stem",
// "remove_stop_words", "ascii_folding", "max_token_length",
// "min_ngram_length", "max_ngram_length", "prefix_only"). Unknown fields are
// ignored (LanceDB's client sends fields Quiver does not use).
Result<std::pair<IndexType, IndexOptions>> ParseIndexRequest(const Json& body);

// The column names in body["columns"] (a list of strings, at least one);
// InvalidArgument otherwise. For drop_columns on both APIs.
Result<std::vector<std::string>> ColumnNamesField(const Json& body);

Json IndexInfoJson(const IndexInfo& info);
Json VersionJson(const VersionInfo& v);
// Quiver's schema JSON: [{"name", "type" (Quiver's type string), "nullable"}].
Json SchemaJson(const Schema& schema);

// Search results in the format the caller asked for: Arrow IPC (stream or
// file) when the Accept header or `format` names it, else JSON
// {"rows": [...], "num_rows": n}.
Status ReplyBatch(Call& call, const BatchPtr& batch, const std::string& format);

// Runs `fn` under the request's timeout (Call::Timeout): on the query pool,
// answering Cancelled ("timed out after N ms", 504) if it has not finished
// by then; the abandoned search runs on and its result is dropped.
Result<BatchPtr> RunWithTimeout(Call& call, std::function<Result<BatchPtr>()> fn);

// The body "version" field (null or absent: the latest).
Result<std::optional<uint64_t>> BodyVersion(const Json& body);

// A handler for a route whose first parameter is a table name: the name
// checked, the JSON body parsed (when `json_body` and the body is not
// Arrow; an object is required), the table opened (at the body's "version"
// when `versioned`), then `fn` called with them.
using TableHandler = std::function<Status(Call&, TablePtr, const Json&)>;
Handler OnTable(TableHandler fn, bool json_body = true, bool versioned = false);

}  // namespace quiver::server

// The OpenAPI 3.1 document of Quiver's own API, served at /openapi.json.
// Kept beside the routes (routes_quiver.cc); docs/server.md explains them.
#include "server/context.h"

namespace quiver::server {

namespace {

const char* kDocument = R"json({
  "openapi": "3.1.0",
  "info": {
    "title": "Quiver",
    "version": "0.1.0",
    "description": "Quiver's HTTP API: tables, rows, vector / full-text / hybrid search, indexes and versions. Errors are {\"error\": {\"code\", \"message\"}}. LanceDB's remote protocol is served under /v1/ as well (not described here)."
  },
  "components": {
    "securitySchemes": {
      "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
      "bearer": {"type": "http", "scheme": "bearer"}
    },
    "parameters": {
      "table": {"name": "name", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"}}
    },
    "schemas": {
      "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
      "Rows": {"type": "array", "items": {"type": "object"}, "description": "One JSON object per row; vectors are arrays of numbers."},
      "Search": {
        "type": "object",
        "description": "A vector search (vector), full-text search (text), hybrid search (both) or filtered scan (neither).",
        "properties": {
          "table": {"type": "string", "description": "POST /search only: the table."},
          "vector": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}]},
          "vector_column": {"type": "string"},
          "metric": {"type": "string", "enum": ["l2", "cosine", "dot", "hamming"]},
          "text": {"type": "string", "description": "Full-text query in the query-string syntax: words, \"phrases\"~slop, +required, -excluded, fuzzy~1, column:word, word^2, AND/OR/NOT."},
          "where": {"type": "string", "description": "SQL predicate (DataFusion dialect)."},
          "prefilter": {"type": "boolean", "default": true},
          "limit": {"type": "integer", "default": 10},
          "offset": {"type": "integer", "default": 0},
          "columns": {"type": "array", "items": {"type": "string"}},
          "with_row_id": {"type": "boolean"},
          "nprobes": {"type": "integer", "description": "IVF: partitions probed (default 20); also the maximum unless maximum_nprobes is given. minimum_nprobes is a synonym."},
          "maximum_nprobes": {"type": "integer", "description": "IVF: probe more partitions, up to this many (0: all), while fewer than k rows were found."},
          "refine_factor": {"type": "integer"},
          "ef": {"type": "integer"},
          "bypass_vector_index": {"type": "boolean"},
          "lower_bound": {"type": "number"},
          "upper_bound": {"type": "number"},
          "reranker": {"type": "string", "enum": ["rrf", "linear"]},
          "rrf_k": {"type": "number", "default": 60},
          "weight": {"type": "number", "default": 0.7},
          "version": {"type": "integer", "description": "Read this version instead of the latest."},
          "format": {"type": "string", "enum": ["json", "arrow", "arrow-file"]}
        }
      },
      "SearchResult": {"type": "object", "properties": {"num_rows": {"type": "integer"}, "rows": {"$ref": "#/components/schemas/Rows"}}}
    },
    "responses": {
      "Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Ok": {"description": "Done", "content": {"application/json": {"schema": {"type": "object"}}}},
      "Results": {"description": "Rows (JSON, or Arrow IPC when asked with Accept or format)", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/SearchResult"}},
        "application/vnd.apache.arrow.stream": {}, "application/vnd.apache.arrow.file": {}}}
    }
  },
  "security": [{"apiKey": []}, {"bearer": []}],
  "paths": {
    "/health": {"get": {"summary": "Liveness and readiness", "security": [], "responses": {"200": {"$ref": "#/components/responses/Ok"}, "503": {"$ref": "#/components/responses/Ok"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "security": [], "responses": {"200": {"description": "text/plain exposition format"}}}},
    "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}},
    "/tables": {
      "get": {"summary": "List tables", "responses": {"200": {"description": "{\"tables\": [names]}"}}},
      "post": {"summary": "Create a table", "description": "JSON {name, rows, mode: create|overwrite|exist_ok}, or an Arrow IPC body with ?name=&mode=.",
        "parameters": [{"name": "name", "in": "query", "schema": {"type": "string"}}, {"name": "mode", "in": "query", "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name", "rows"], "properties": {"name": {"type": "string"}, "rows": {"$ref": "#/components/schemas/Rows"}, "mode": {"type": "string"}}}},
          "application/vnd.apache.arrow.stream": {}, "application/vnd.apache.arrow.file": {}}},
        "responses": {"201": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}}}
    },
    "/tables/{name}": {
      "parameters": [{"$ref": "#/components/parameters/table"}],
      "get": {"summary": "Schema, rows, version and indexes", "responses": {"200": {"$ref": "#/components/responses/Ok"}, "404": {"$ref": "#/components/responses/Error"}}},
      "delete": {"summary": "Drop a table", "responses": {"200": {"$ref": "#/components/responses/Ok"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/tables/{name}/rows": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Add rows", "description": "JSON {rows, mode: append|overwrite} or an Arrow IPC body (?mode=).",
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"rows": {"$ref": "#/components/schemas/Rows"}, "mode": {"type": "string"}}}}, "application/vnd.apache.arrow.stream": {}}},
        "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}}}},
    "/tables/{name}/search": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Search or scan", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Search"}}}},
        "responses": {"200": {"$ref": "#/components/responses/Results"}, "400": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}}},
    "/search": {"post": {"summary": "Search or scan the table named in the body", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Search"}}}},
        "responses": {"200": {"$ref": "#/components/responses/Results"}, "400": {"$ref": "#/components/responses/Error"}}}},
    "/tables/{name}/count": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Count rows", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"where": {"type": "string"}, "version": {"type": "integer"}}}}}},
        "responses": {"200": {"description": "{\"count\": n}"}}}},
    "/tables/{name}/delete": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Delete rows matching a predicate", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["where"], "properties": {"where": {"type": "string"}}}}}},
        "responses": {"200": {"description": "{\"num_deleted_rows\", \"version\"}"}}}},
    "/tables/{name}/update": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Update rows", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["set"], "properties": {"set": {"type": "object", "additionalProperties": {"type": "string"}, "description": "column: SQL expression"}, "where": {"type": "string"}}}}}},
        "responses": {"200": {"description": "{\"rows_updated\", \"version\"}"}}}},
    "/tables/{name}/merge": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Merge-insert (upsert) on key columns",
        "description": "JSON {on, rows, when_matched_update_all, when_matched_update_all_filt, when_not_matched_insert_all, when_not_matched_by_source_delete, when_not_matched_by_source_delete_filt}; or an Arrow body with these as query parameters (on=a,b).",
        "responses": {"200": {"description": "{\"version\", \"num_inserted_rows\", \"num_updated_rows\", \"num_deleted_rows\"}"}}}},
    "/tables/{name}/indexes": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "get": {"summary": "List indexes", "responses": {"200": {"description": "{\"indexes\": [...]}"}}},
      "post": {"summary": "Create (or replace) an index",
        "description": "{column, index_type: BTREE|BITMAP|LABEL_LIST|IVF_FLAT|IVF_PQ|IVF_SQ|IVF_RQ|IVF_HNSW_SQ|IVF_HNSW_PQ|HNSW|FTS, name, metric, num_partitions, num_sub_vectors, num_bits, sample_rate, max_iterations, m, ef_construction, FTS options (base_tokenizer, language, with_position, lower_case, stem, remove_stop_words, ascii_folding, max_token_length, min_ngram_length, max_ngram_length, prefix_only)}",
        "responses": {"201": {"description": "{\"version\"}"}}}},
    "/tables/{name}/indexes/{index}": {"parameters": [{"$ref": "#/components/parameters/table"}, {"name": "index", "in": "path", "required": true, "schema": {"type": "string"}}],
      "delete": {"summary": "Drop an index", "responses": {"200": {"$ref": "#/components/responses/Ok"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/tables/{name}/versions": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "get": {"summary": "List versions", "responses": {"200": {"description": "{\"versions\": [{version, timestamp_millis, operation, num_rows, metadata}]}"}}}},
    "/tables/{name}/restore": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Make an old version the latest", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["version"], "properties": {"version": {"type": "integer"}}}}}},
        "responses": {"200": {"description": "{\"version\"}"}}}},
    "/tables/{name}/stats": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "get": {"summary": "Row, fragment and byte counts", "responses": {"200": {"$ref": "#/components/responses/Ok"}}}},
    "/tables/{name}/columns": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Add columns from SQL expressions", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"columns": {"type": "object", "additionalProperties": {"type": "string"}}}}}}},
        "responses": {"200": {"description": "{\"version\"}"}}}},
    "/tables/{name}/columns/drop": {"parameters": [{"$ref": "#/components/parameters/table"}],
      "post": {"summary": "Drop columns", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"columns": {"type": "array", "items": {"type": "string"}}}}}}},
        "responses": {"200": {"description": "{\"version\"}"}}}}
  }
})json";

}  // namespace

const Json& OpenApiDocument() {
  static const Json document = Json::parse(kDocument);
  return document;
}

}  // namespace quiver::server

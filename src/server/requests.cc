#include "server/requests.h"

#include <future>

#include "common/io_account.h"
#include "convert/arrow_ipc.h"
#include "convert/json_rows.h"
#include "convert/output.h"

namespace quiver::server {

Result<std::string> CheckedTableName(const std::string& name) {
  QUIVER_RETURN_NOT_OK(ValidateTableName(name));
  return name;
}

namespace {

Status CheckRowLimit(const Call& call, int64_t rows) {
  if (rows > call.ctx.options.max_rows_per_request) {
    return Status(StatusCode::kResourceExhausted,
                  "the request holds " + std::to_string(rows) + " rows; the server accepts at most " +
                      std::to_string(call.ctx.options.max_rows_per_request) + " per request");
  }
  return Status::OK();
}

template <typename T>
Status ReadNumber(const Json& body, const char* field, T* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return Status::OK();
  if (!it->is_number())
    return Status::InvalidArgument(std::string("field \"") + field + "\": expected a number");
  *out = it->get<T>();
  return Status::OK();
}

Status ReadFlag(const Json& body, const char* field, bool* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return Status::OK();
  if (!it->is_boolean())
    return Status::InvalidArgument(std::string("field \"") + field + "\": expected true or false");
  *out = it->get<bool>();
  return Status::OK();
}

Status ReadText(const Json& body, const char* field, std::string* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return Status::OK();
  if (!it->is_string())
    return Status::InvalidArgument(std::string("field \"") + field + "\": expected a string");
  *out = it->get<std::string>();
  return Status::OK();
}

}  // namespace

Result<RowsBody> ArrowRows(const Call& call) {
  QUIVER_ASSIGN_OR_RETURN(convert::IpcData data, convert::ReadIpc(call.body));
  RowsBody rows;
  rows.schema = data.schema;
  for (const BatchPtr& b : data.batches) rows.num_rows += b->num_rows();
  QUIVER_RETURN_NOT_OK(CheckRowLimit(call, rows.num_rows));
  rows.batches = std::move(data.batches);
  return rows;
}

Result<RowsBody> JsonRows(const Call& call, const Json& json_rows, const SchemaPtr& schema) {
  if (!json_rows.is_array()) return Status::InvalidArgument("field \"rows\": expected an array of objects");
  QUIVER_RETURN_NOT_OK(CheckRowLimit(call, static_cast<int64_t>(json_rows.size())));
  // Json keeps the keys in the caller's order: inferred columns follow it.
  QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, convert::JsonRowsToBatch(json_rows, schema));
  RowsBody rows;
  rows.schema = batch->schema();
  rows.num_rows = batch->num_rows();
  rows.batches.push_back(std::move(batch));
  return rows;
}

Result<std::pair<IndexType, IndexOptions>> ParseIndexRequest(const Json& body) {
  std::string type_name;
  QUIVER_RETURN_NOT_OK(ReadText(body, "type", &type_name));
  QUIVER_RETURN_NOT_OK(ReadText(body, "index_type", &type_name));
  if (type_name.empty())
    return Status::InvalidArgument("field \"index_type\" is required (e.g. \"IVF_PQ\", \"BTREE\", \"FTS\")");
  QUIVER_ASSIGN_OR_RETURN(IndexType type, ParseIndexType(type_name));
  IndexOptions o;
  QUIVER_RETURN_NOT_OK(ReadText(body, "name", &o.name));
  QUIVER_RETURN_NOT_OK(ReadFlag(body, "replace", &o.replace));
  for (const char* field : {"metric", "distance_type", "metric_type"}) {
    QUIVER_RETURN_NOT_OK(ReadText(body, field, &o.metric));
  }
  for (char& c : o.metric) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "num_partitions", &o.num_partitions));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "num_sub_vectors", &o.num_sub_vectors));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "num_bits", &o.num_bits));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "sample_rate", &o.sample_rate));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "max_iterations", &o.max_iterations));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "m", &o.m));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "ef_construction", &o.ef_construction));
  IndexOptions::Fts& f = o.fts;
  QUIVER_RETURN_NOT_OK(ReadText(body, "base_tokenizer", &f.base_tokenizer));
  QUIVER_RETURN_NOT_OK(ReadText(body, "language", &f.language));
  QUIVER_RETURN_NOT_OK(ReadFlag(body, "with_position", &f.with_position));
  QUIVER_RETURN_NOT_OK(ReadFlag(body, "lower_case", &f.lower_case));
  QUIVER_RETURN_NOT_OK(ReadFlag(body, "stem", &f.stem));
  QUIVER_RETURN_NOT_OK(ReadFlag(body, "remove_stop_words", &f.remove_stop_words));
  QUIVER_RETURN_NOT_OK(ReadFlag(body, "ascii_folding", &f.ascii_folding));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "max_token_length", &f.max_token_length));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "min_ngram_length", &f.ngram_min_length));
  QUIVER_RETURN_NOT_OK(ReadNumber(body, "max_ngram_length", &f.ngram_max_length));
  QUIVER_RETURN_NOT_OK(ReadFlag(body, "prefix_only", &f.prefix_only));
  return std::make_pair(type, std::move(o));
}

Json IndexInfoJson(const IndexInfo& info) {
  Json j{{"name", info.name},
         {"type", info.type},
         {"columns", info.columns},
         {"built_on_version", info.built_on_version},
         {"num_indexed_rows", info.num_indexed_rows},
         {"num_unindexed_rows", info.num_unindexed_rows},
         {"size_bytes", info.size_bytes}};
  if (!info.metric.empty()) j["metric"] = info.metric;
  if (info.num_partitions > 0) j["num_partitions"] = info.num_partitions;
  if (!info.details.empty()) {
    Json details = Json::parse(info.details, nullptr, false);
    if (!details.is_discarded()) j["details"] = std::move(details);
  }
  return j;
}

Result<std::vector<std::string>> ColumnNamesField(const Json& body) {
  std::vector<std::string> columns;
  auto it = body.find("columns");
  if (it != body.end() && it->is_array()) {
    for (const Json& c : *it) {
      if (!c.is_string())
        return Status::InvalidArgument("field \"columns\": expected column names (strings)");
      columns.push_back(c.get<std::string>());
    }
  }
  if (columns.empty()) return Status::InvalidArgument("field \"columns\" is required (a list of names)");
  return columns;
}

Json VersionJson(const VersionInfo& v) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(v.timestamp.time_since_epoch()).count();
  return Json{{"version", v.version},
              {"timestamp_millis", ms},
              {"operation", v.operation},
              {"num_rows", v.num_rows},
              {"metadata", v.metadata}};
}

Json SchemaJson(const Schema& schema) {
  Json fields = Json::array();
  for (const Field& f : schema.fields()) {
    fields.push_back({{"name", f.name}, {"type", f.type->ToString()}, {"nullable", f.nullable}});
  }
  return fields;
}

Status ReplyBatch(Call& call, const BatchPtr& batch, const std::string& format) {
  std::string accept = call.req.get_header_value("Accept");
  bool stream = format == "arrow" || format == "arrow-stream" ||
                accept.find("application/vnd.apache.arrow.stream") != std::string::npos;
  bool file = format == "arrow-file" || accept.find("application/vnd.apache.arrow.file") != std::string::npos;
  if (stream || file) {
    std::vector<BatchPtr> batches{batch};
    QUIVER_ASSIGN_OR_RETURN(std::string bytes, file ? convert::WriteIpcFile(batch->schema(), batches)
                                                    : convert::WriteIpcStream(batch->schema(), batches));
    call.ReplyBytes(std::move(bytes),
                    file ? "application/vnd.apache.arrow.file" : "application/vnd.apache.arrow.stream");
    return Status::OK();
  }
  if (!format.empty() && format != "json") {
    return Status::InvalidArgument(
        "field \"format\": expected \"json\", \"arrow\" or \"arrow-file\", got \"" + format + "\"");
  }
  std::string out = "{\"num_rows\":" + std::to_string(batch->num_rows()) + ",\"rows\":";
  out += convert::BatchToJsonRows(*batch);
  out += "}";
  call.ReplyBytes(std::move(out), "application/json");
  return Status::OK();
}

Result<BatchPtr> RunWithTimeout(Call& call, std::function<Result<BatchPtr>()> fn) {
  // The search's own IO, wherever it runs (shared: a timed-out search may
  // finish after the request).
  auto account = std::make_shared<IoAccount>();
  auto counted = [account, fn = std::move(fn)] {
    ScopedIoAccount scope(account.get());
    return fn();
  };
  auto report = [&call, &account](Result<BatchPtr> result) {
    const uint64_t requests = account->requests.load(), bytes = account->bytes_read.load();
    const uint64_t hits = account->cache_hits.load();
    call.ctx.metrics.AddSearchIo(requests, bytes, hits);
    call.res.set_header("x-quiver-store-requests", std::to_string(requests));
    call.res.set_header("x-quiver-store-bytes", std::to_string(bytes));
    call.res.set_header("x-quiver-cache-hits", std::to_string(hits));
    return result;
  };
  std::chrono::milliseconds timeout = call.Timeout();
  if (timeout.count() <= 0 || !call.ctx.query_pool) return report(counted());
  auto result = std::make_shared<std::promise<Result<BatchPtr>>>();
  std::future<Result<BatchPtr>> done = result->get_future();
  (void)call.ctx.query_pool->Submit([result, counted = std::move(counted)] {
    try {
      result->set_value(counted());
    } catch (const std::exception& e) {
      result->set_value(Status::Internal(std::string("search failed: ") + e.what()));
    }
  });
  if (done.wait_for(timeout) != std::future_status::ready) {
    return Status(StatusCode::kCancelled,
                  "the query timed out after " + std::to_string(timeout.count()) + " ms");
  }
  return report(done.get());
}

Handler OnTable(TableHandler fn, bool json_body, bool versioned) {
  return [fn = std::move(fn), json_body, versioned](Call& call) -> Status {
    QUIVER_ASSIGN_OR_RETURN(std::string name, CheckedTableName(call.Param(1)));
    Json body = Json::object();
    if (json_body && !call.BodyIsArrow()) {
      QUIVER_ASSIGN_OR_RETURN(body, call.JsonBody());
      if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
    }
    std::optional<uint64_t> version;
    if (versioned) {
      QUIVER_ASSIGN_OR_RETURN(version, BodyVersion(body));
    }
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, call.ctx.tables.Get(name, version));
    return fn(call, std::move(table), body);
  };
}

Result<std::optional<uint64_t>> BodyVersion(const Json& body) {
  auto it = body.find("version");
  if (it == body.end() || it->is_null()) return std::optional<uint64_t>();
  if (!it->is_number_integer() || it->get<int64_t>() < 1) {
    return Status::InvalidArgument("field \"version\": expected a positive integer or null");
  }
  return std::optional<uint64_t>(it->get<uint64_t>());
}

}  // namespace quiver::server

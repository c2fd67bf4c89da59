// LanceDB's remote REST protocol (the /v1/table/... routes its Rust, Python
// and Node clients call when connected with a host override). Bodies and
// answers follow what the 0.39 clients send and accept: Arrow IPC stream
// uploads (LZ4-compressed buffers), Arrow IPC file answers to /query/,
// Lance's JSON schema in describe, plain-text error bodies. Routes are
// matched with and without their trailing slash.
#include <ctime>
#include <string>

#include "convert/arrow_ipc.h"
#include "server/context.h"
#include "server/lance_schema.h"
#include "server/requests.h"
#include "server/search_request.h"

namespace quiver::server {

namespace {

// "/v1/table/{t}/<verb>/" with an optional trailing slash.
std::string TableRoute(const std::string& verb) { return "/v1/table/([^/]+)/" + verb + "/?"; }

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

Result<CreateMode> LanceCreateMode(const std::string& mode) {
  if (mode.empty() || mode == "create") return CreateMode::kCreate;
  if (mode == "overwrite") return CreateMode::kOverwrite;
  if (mode == "exist_ok") return CreateMode::kExistOk;
  return Status::InvalidArgument("unknown create mode \"" + mode + "\"");
}

void SetVersionHeader(Call& call, uint64_t version) {
  call.res.set_header("x-lancedb-version", std::to_string(version));
}

std::string Str(const Json& body, const char* field) {
  auto it = body.find(field);
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

bool QueryFlag(const Call& call, const std::string& name) { return call.Query(name) == "true"; }

std::optional<std::string> QueryString(const Call& call, const std::string& name) {
  if (!call.HasQuery(name) || call.Query(name).empty()) return std::nullopt;
  return call.Query(name);
}

Status Describe(Call& call, TablePtr table, const Json&) {
  Json stats = Json::object();
  if (auto s = table->Stats(); s.ok()) {
    stats = {{"num_deleted_rows", s->num_deleted_rows}, {"num_fragments", s->num_fragments}};
  }
  SetVersionHeader(call, table->version());
  call.ReplyJson({{"table", table->name()},
                  {"version", table->version()},
                  {"schema", LanceSchemaJson(*table->schema())},
                  {"stats", stats}});
  return Status::OK();
}

// LanceDB puts query_index (several query vectors) first; so do we here.
BatchPtr QueryIndexFirst(const BatchPtr& batch) {
  const auto& fields = batch->schema()->fields();
  if (fields.empty() || fields.back().name != "query_index") return batch;
  std::vector<Field> reordered = {fields.back()};
  std::vector<ArrayPtr> columns = {batch->column(batch->num_columns() - 1)};
  for (int c = 0; c + 1 < batch->num_columns(); ++c) {
    reordered.push_back(fields[c]);
    columns.push_back(batch->column(c));
  }
  return std::make_shared<RecordBatch>(std::make_shared<Schema>(std::move(reordered)), batch->num_rows(),
                                       std::move(columns));
}

Status Query(Call& call, TablePtr table, const Json& body) {
  QUIVER_ASSIGN_OR_RETURN(SearchRequest request, ParseSearchRequest(body, /*lance=*/true));
  QUIVER_RETURN_NOT_OK(LimitResultRows(&request, call.ctx.options.max_result_rows));
  QUIVER_ASSIGN_OR_RETURN(BatchPtr batch,
                          RunWithTimeout(call, [table, request] { return RunSearch(*table, request); }));
  batch = QueryIndexFirst(batch);
  QUIVER_RETURN_NOT_OK(CheckResultRows(*batch, call.ctx.options.max_result_rows));
  call.ctx.metrics.AddSearch(SearchKind(request));
  QUIVER_ASSIGN_OR_RETURN(std::string bytes, convert::WriteIpcFile(batch->schema(), {batch}));
  SetVersionHeader(call, table->version());
  call.ReplyBytes(std::move(bytes), "application/vnd.apache.arrow.file");
  return Status::OK();
}

Status Insert(Call& call, TablePtr table, const Json&) {
  WriteOptions options;
  if (call.Query("mode") == "overwrite")
    options.mode = WriteMode::kOverwrite;
  else if (!call.Query("mode").empty() && call.Query("mode") != "append") {
    return Status::InvalidArgument("unknown insert mode \"" + call.Query("mode") + "\"");
  }
  if (call.HasQuery("upload_id"))
    return Status::NotSupported("multipart writes are not supported by this server");
  QUIVER_ASSIGN_OR_RETURN(RowsBody rows, ArrowRows(call));
  uint64_t version = table->version();
  if (rows.num_rows > 0 || options.mode == WriteMode::kOverwrite) {
    QUIVER_ASSIGN_OR_RETURN(version, table->Add(rows.batches, options));
  }
  call.ctx.metrics.AddRowsWritten(rows.num_rows);
  call.ReplyJson({{"version", version}});
  return Status::OK();
}

Status MergeInsert(Call& call, TablePtr table, const Json&) {
  std::string on = call.Query("on");
  if (on.empty()) return Status::InvalidArgument("query parameter \"on\" (the key column) is required");
  QUIVER_ASSIGN_OR_RETURN(RowsBody rows, ArrowRows(call));
  MergeInsertBuilder merge = table->MergeInsert({on});
  if (QueryFlag(call, "when_matched_update_all")) {
    merge.WhenMatchedUpdateAll(QueryString(call, "when_matched_update_all_filt"));
  }
  if (QueryFlag(call, "when_not_matched_insert_all")) merge.WhenNotMatchedInsertAll();
  if (QueryFlag(call, "when_not_matched_by_source_delete")) {
    merge.WhenNotMatchedBySourceDelete(QueryString(call, "when_not_matched_by_source_delete_filt"));
  }
  QUIVER_ASSIGN_OR_RETURN(MergeInsertResult r, merge.Execute(rows.batches));
  call.ctx.metrics.AddRowsWritten(rows.num_rows);
  call.ReplyJson({{"version", r.version},
                  {"num_inserted_rows", r.num_inserted_rows},
                  {"num_updated_rows", r.num_updated_rows},
                  {"num_deleted_rows", r.num_deleted_rows},
                  {"num_attempts", 1}});
  return Status::OK();
}

Result<IndexInfo> FindIndex(const Table& table, const std::string& name) {
  QUIVER_ASSIGN_OR_RETURN(auto indexes, table.ListIndices());
  for (IndexInfo& i : indexes) {
    if (i.name == name) return std::move(i);
  }
  return Status::NotFound("index \"" + name + "\" does not exist on table \"" + table.name() + "\"");
}

Json LanceIndexJson(const IndexInfo& i) {
  Json j{{"index_name", i.name},
         {"columns", i.columns},
         {"index_type", i.type},
         {"index_status", "done"},
         {"num_indexed_rows", i.num_indexed_rows},
         {"num_unindexed_rows", i.num_unindexed_rows},
         {"size_bytes", i.size_bytes}};
  if (!i.metric.empty()) j["distance_type"] = i.metric;
  return j;
}

Status AlterColumns(Call& call, TablePtr table, const Json& body) {
  if (!body.contains("alterations") || !body["alterations"].is_array()) {
    return Status::InvalidArgument("field \"alterations\" is required (a list)");
  }
  std::vector<ColumnAlteration> alterations;
  for (const Json& a : body["alterations"]) {
    ColumnAlteration alt;
    alt.path = Str(a, "path");
    if (alt.path.empty()) return Status::InvalidArgument("each alteration needs a \"path\"");
    if (a.contains("rename") && a["rename"].is_string()) alt.rename = a["rename"].get<std::string>();
    if (a.contains("nullable") && a["nullable"].is_boolean()) alt.nullable = a["nullable"].get<bool>();
    if (a.contains("data_type") && !a["data_type"].is_null()) {
      QUIVER_ASSIGN_OR_RETURN(alt.data_type, ParseLanceType(a["data_type"]));
    }
    alterations.push_back(std::move(alt));
  }
  QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->AlterColumns(alterations));
  call.ReplyJson({{"version", version}});
  return Status::OK();
}

Status TableStatsJson(Call& call, TablePtr table, const Json&) {
  QUIVER_ASSIGN_OR_RETURN(TableStats s, table->Stats());
  QUIVER_ASSIGN_OR_RETURN(auto indexes, table->ListIndices());
  double mean = s.num_fragments > 0 ? static_cast<double>(s.num_rows) / s.num_fragments : 0;
  int64_t typical = static_cast<int64_t>(mean);
  call.ReplyJson({{"total_bytes", s.total_bytes},
                  {"num_rows", s.num_rows},
                  {"num_indices", indexes.size()},
                  {"fragment_stats",
                   {{"num_fragments", s.num_fragments},
                    {"num_small_fragments", s.num_small_fragments},
                    // Per-fragment row counts are not kept in TableStats; the
                    // mean stands in for each statistic.
                    {"lengths",
                     {{"min", typical},
                      {"max", typical},
                      {"mean", typical},
                      {"p25", typical},
                      {"p50", typical},
                      {"p75", typical},
                      {"p99", typical}}}}}});
  return Status::OK();
}

}  // namespace

void AddLanceRoutes(const AddRoute& add) {
  add("GET", "/v1/table/?", "/v1/table/", Scope::kRead, Api::kLance, [](Call& call) -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto names, call.ctx.tables.db()->TableNames());
    // page_token: the last name of the previous page.
    std::string after = call.Query("page_token");
    int64_t limit = call.Query("limit").empty() ? 0 : std::atoll(call.Query("limit").c_str());
    Json tables = Json::array();
    for (const std::string& n : names) {
      if (!after.empty() && n <= after) continue;
      if (limit > 0 && static_cast<int64_t>(tables.size()) == limit) break;
      tables.push_back(n);
    }
    Json answer{{"tables", tables}};
    if (limit > 0 && static_cast<int64_t>(tables.size()) == limit && tables.back() != names.back()) {
      answer["page_token"] = tables.back();
    }
    call.ReplyJson(answer);
    return Status::OK();
  });
  add("POST", TableRoute("create"), "/v1/table/{t}/create/", Scope::kWrite, Api::kLance,
      [](Call& call) -> Status {
        QUIVER_ASSIGN_OR_RETURN(std::string name, CheckedTableName(call.Param(1)));
        CreateTableOptions options;
        QUIVER_ASSIGN_OR_RETURN(options.mode, LanceCreateMode(call.Query("mode")));
        QUIVER_ASSIGN_OR_RETURN(RowsBody rows, ArrowRows(call));
        auto& db = call.ctx.tables.db();
        Result<TablePtr> table = rows.num_rows == 0 ? db->CreateEmptyTable(name, rows.schema, options)
                                                    : db->CreateTable(name, rows.batches, options);
        if (!table.ok() && table.status().code() == StatusCode::kAlreadyExists) {
          // LanceDB's client recognises "already exists" in a 400.
          call.ReplyError(400, "AlreadyExists", "table \"" + name + "\" already exists");
          return Status::OK();
        }
        QUIVER_RETURN_NOT_OK(table.status());
        call.ctx.tables.Put(name, *table);
        call.ctx.metrics.AddRowsWritten(rows.num_rows);
        SetVersionHeader(call, (*table)->version());
        call.ReplyJson({{"version", (*table)->version()}});
        return Status::OK();
      });
  add("POST", TableRoute("describe"), "/v1/table/{t}/describe/", Scope::kRead, Api::kLance,
      OnTable(Describe, true, true));
  add("POST", TableRoute("drop"), "/v1/table/{t}/drop/", Scope::kWrite, Api::kLance,
      [](Call& call) -> Status {
        QUIVER_ASSIGN_OR_RETURN(std::string name, CheckedTableName(call.Param(1)));
        QUIVER_RETURN_NOT_OK(call.ctx.tables.db()->DropTable(name));
        call.ctx.tables.Forget(name);
        call.ReplyJson(Json::object());
        return Status::OK();
      });
  add("POST", TableRoute("rename"), "/v1/table/{t}/rename/", Scope::kWrite, Api::kLance,
      [](Call& call) -> Status {
        QUIVER_ASSIGN_OR_RETURN(std::string name, CheckedTableName(call.Param(1)));
        QUIVER_ASSIGN_OR_RETURN(Json body, call.JsonBody());
        QUIVER_ASSIGN_OR_RETURN(std::string to, CheckedTableName(Str(body, "new_table_name")));
        if (body.contains("new_namespace") && body["new_namespace"].is_array() &&
            !body["new_namespace"].empty()) {
          return Status::NotSupported("namespaces are not supported by this server");
        }
        QUIVER_RETURN_NOT_OK(call.ctx.tables.db()->RenameTable(name, to));
        call.ctx.tables.Forget(name);
        call.ctx.tables.Forget(to);
        call.ReplyJson(Json::object());
        return Status::OK();
      });
  add("POST", TableRoute("query"), "/v1/table/{t}/query/", Scope::kRead, Api::kLance,
      OnTable(Query, true, true));
  add("POST", TableRoute("count_rows"), "/v1/table/{t}/count_rows/", Scope::kRead, Api::kLance,
      OnTable(
          [](Call& call, TablePtr table, const Json& body) -> Status {
            std::string predicate = Str(body, "predicate");
            QUIVER_ASSIGN_OR_RETURN(int64_t count,
                                    predicate.empty() ? table->CountRows() : table->CountRows(predicate));
            SetVersionHeader(call, table->version());
            call.ReplyJson(count);
            return Status::OK();
          },
          true, true));
  add("POST", TableRoute("insert"), "/v1/table/{t}/insert/", Scope::kWrite, Api::kLance,
      OnTable(Insert, false));
  add("POST", TableRoute("merge_insert"), "/v1/table/{t}/merge_insert/", Scope::kWrite, Api::kLance,
      OnTable(MergeInsert, false));
  add("POST", TableRoute("update"), "/v1/table/{t}/update/", Scope::kWrite, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        std::vector<std::pair<std::string, std::string>> values;
        if (body.contains("updates") && body["updates"].is_array()) {
          for (const Json& u : body["updates"]) {
            if (!u.is_array() || u.size() != 2 || !u[0].is_string() || !u[1].is_string()) {
              return Status::InvalidArgument("field \"updates\": expected [[column, SQL expression], ...]");
            }
            values.emplace_back(u[0].get<std::string>(), u[1].get<std::string>());
          }
        }
        if (values.empty()) return Status::InvalidArgument("field \"updates\" is required");
        QUIVER_ASSIGN_OR_RETURN(UpdateResult r, table->Update(values, Str(body, "predicate")));
        call.ReplyJson({{"rows_updated", r.rows_updated}, {"version", r.version}});
        return Status::OK();
      }));
  add("POST", TableRoute("delete"), "/v1/table/{t}/delete/", Scope::kWrite, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        std::string predicate = Str(body, "predicate");
        if (predicate.empty()) return Status::InvalidArgument("field \"predicate\" is required");
        QUIVER_ASSIGN_OR_RETURN(DeleteResult r, table->Delete(predicate));
        call.ReplyJson({{"num_deleted_rows", r.num_deleted_rows}, {"version", r.version}});
        return Status::OK();
      }));
  for (const char* verb : {"create_index", "create_scalar_index"}) {
    add("POST", TableRoute(verb), std::string("/v1/table/{t}/") + verb + "/", Scope::kWrite, Api::kLance,
        OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
          std::string column = Str(body, "column");
          if (column.empty()) return Status::InvalidArgument("field \"column\" is required");
          QUIVER_ASSIGN_OR_RETURN(auto parsed, ParseIndexRequest(body));
          QUIVER_RETURN_NOT_OK(table->CreateIndex(column, parsed.first, parsed.second).status());
          call.ReplyJson(Json::object());
          return Status::OK();
        }));
  }
  add("POST", TableRoute("index/list"), "/v1/table/{t}/index/list/", Scope::kRead, Api::kLance,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_ASSIGN_OR_RETURN(auto indexes, table->ListIndices());
            Json list = Json::array();
            for (const IndexInfo& i : indexes) list.push_back(LanceIndexJson(i));
            call.ReplyJson({{"indexes", list}});
            return Status::OK();
          },
          true, true));
  add("POST", "/v1/table/([^/]+)/index/([^/]+)/stats/?", "/v1/table/{t}/index/{i}/stats/", Scope::kRead,
      Api::kLance,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_ASSIGN_OR_RETURN(IndexInfo i, FindIndex(*table, call.Param(2)));
            Json j{{"num_indexed_rows", i.num_indexed_rows},
                   {"num_unindexed_rows", i.num_unindexed_rows},
                   {"index_type", i.type},
                   {"num_indices", 1}};
            if (!i.metric.empty()) j["distance_type"] = i.metric;
            call.ReplyJson(j);
            return Status::OK();
          },
          true, true));
  add("POST", "/v1/table/([^/]+)/index/([^/]+)/drop/?", "/v1/table/{t}/index/{i}/drop/", Scope::kWrite,
      Api::kLance,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_RETURN_NOT_OK(table->DropIndex(call.Param(2)));
            call.ReplyJson(Json::object());
            return Status::OK();
          },
          false));
  add("POST", TableRoute("version/list"), "/v1/table/{t}/version/list/", Scope::kRead, Api::kLance,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_ASSIGN_OR_RETURN(auto versions, table->ListVersions());
            Json list = Json::array();
            for (const VersionInfo& v : versions) {
              list.push_back(
                  {{"version", v.version}, {"timestamp", Rfc3339(v.timestamp)}, {"metadata", v.metadata}});
            }
            call.ReplyJson({{"versions", list}});
            return Status::OK();
          },
          false));
  add("POST", TableRoute("restore"), "/v1/table/{t}/restore/", Scope::kWrite, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        QUIVER_ASSIGN_OR_RETURN(auto version, BodyVersion(body));
        QUIVER_ASSIGN_OR_RETURN(uint64_t restored, table->Restore(version));
        call.ReplyJson({{"version", restored}});
        return Status::OK();
      }));
  add("POST", TableRoute("add_columns"), "/v1/table/{t}/add_columns/", Scope::kWrite, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        std::vector<std::pair<std::string, std::string>> columns;
        if (body.contains("new_columns") && body["new_columns"].is_array()) {
          for (const Json& c : body["new_columns"]) {
            if (Str(c, "name").empty() || Str(c, "expression").empty()) {
              return Status::InvalidArgument("each new column needs \"name\" and \"expression\"");
            }
            columns.emplace_back(Str(c, "name"), Str(c, "expression"));
          }
        }
        if (columns.empty()) return Status::InvalidArgument("field \"new_columns\" is required");
        QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->AddColumns(columns));
        call.ReplyJson({{"version", version}});
        return Status::OK();
      }));
  add("POST", TableRoute("alter_columns"), "/v1/table/{t}/alter_columns/", Scope::kWrite, Api::kLance,
      OnTable(AlterColumns));
  add("POST", TableRoute("drop_columns"), "/v1/table/{t}/drop_columns/", Scope::kWrite, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        QUIVER_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnNamesField(body));
        QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->DropColumns(columns));
        call.ReplyJson({{"version", version}});
        return Status::OK();
      }));
  add("POST", TableRoute("stats"), "/v1/table/{t}/stats/", Scope::kRead, Api::kLance,
      OnTable(TableStatsJson));
  add("POST", TableRoute("explain_plan"), "/v1/table/{t}/explain_plan/", Scope::kRead, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        QUIVER_ASSIGN_OR_RETURN(SearchRequest r,
                                ParseSearchRequest(body.value("query", Json::object()), true));
        Result<std::string> plan =
            Status::NotSupported("explain is available for vector, text and scan queries");
        if (SearchKind(r) == "vector") {
          VectorQuery q = table->Search(r.vectors[0]);
          if (!r.filter.empty()) q.Where(r.filter);
          plan = q.Prefilter(r.prefilter).Explain();
        } else if (SearchKind(r) == "text") {
          TextQuery q = table->TextSearch(r.text);
          if (!r.filter.empty()) q.Where(r.filter);
          plan = q.Explain();
        } else if (SearchKind(r) == "scan") {
          ScanBuilder q = table->Scan();
          if (!r.filter.empty()) q.Where(r.filter);
          plan = q.Explain();
        }
        QUIVER_RETURN_NOT_OK(plan.status());
        call.ReplyJson(*plan);
        return Status::OK();
      }));
  add("POST", TableRoute("tags/list"), "/v1/table/{t}/tags/list/", Scope::kRead, Api::kLance,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_ASSIGN_OR_RETURN(auto tags, table->ListTags());
            Json map = Json::object();
            for (const TagInfo& t : tags) map[t.name] = {{"version", t.version}};
            call.ReplyJson(map);
            return Status::OK();
          },
          false));
  add("POST", TableRoute("tags/create"), "/v1/table/{t}/tags/create/", Scope::kWrite, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        QUIVER_ASSIGN_OR_RETURN(auto version, BodyVersion(body));
        if (Str(body, "tag").empty() || !version)
          return Status::InvalidArgument("fields \"tag\" and \"version\" are required");
        QUIVER_RETURN_NOT_OK(table->CreateTag(Str(body, "tag"), *version));
        call.ReplyJson(Json::object());
        return Status::OK();
      }));
  add("POST", TableRoute("tags/delete"), "/v1/table/{t}/tags/delete/", Scope::kWrite, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        QUIVER_RETURN_NOT_OK(table->DeleteTag(Str(body, "tag")));
        call.ReplyJson(Json::object());
        return Status::OK();
      }));
  add("POST", TableRoute("tags/version"), "/v1/table/{t}/tags/version/", Scope::kRead, Api::kLance,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        QUIVER_ASSIGN_OR_RETURN(auto tags, table->ListTags());
        for (const TagInfo& t : tags) {
          if (t.name == Str(body, "tag")) {
            call.ReplyJson({{"version", t.version}});
            return Status::OK();
          }
        }
        return Status::NotFound("tag \"" + Str(body, "tag") + "\" does not exist");
      }));
  // Everything else under /v1/ that LanceDB's clients may call (multipart
  // writes, branches, blobs, jobs, namespaces, LSM, optimize): a clear 501
  // rather than a 404, which the client would read as "table not found".
  for (const char* method : {"GET", "POST"}) {
    add(method, "/v1/.*", "/v1/unsupported", Scope::kRead, Api::kLance, [](Call& call) -> Status {
      return Status::NotSupported("this server does not support " + call.req.method + " " + call.req.path);
    });
  }
}

}  // namespace quiver::server

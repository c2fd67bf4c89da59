// Quiver's own JSON API (documented in openapi.cc and docs/server.md).
#include <string>

#include "server/context.h"
#include "server/requests.h"
#include "server/search_request.h"

namespace quiver::server {

namespace {

const char* kName = "([^/]+)";

Result<CreateMode> ParseCreateMode(const std::string& mode) {
  if (mode.empty() || mode == "create") return CreateMode::kCreate;
  if (mode == "overwrite") return CreateMode::kOverwrite;
  if (mode == "exist_ok") return CreateMode::kExistOk;
  return Status::InvalidArgument("mode must be \"create\", \"overwrite\" or \"exist_ok\", got \"" + mode +
                                 "\"");
}

Result<WriteMode> ParseWriteMode(const std::string& mode) {
  if (mode.empty() || mode == "append") return WriteMode::kAppend;
  if (mode == "overwrite") return WriteMode::kOverwrite;
  return Status::InvalidArgument("mode must be \"append\" or \"overwrite\", got \"" + mode + "\"");
}

std::string StringField(const Json& body, const char* field) {
  auto it = body.find(field);
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

Json TableJson(const Table& table) {
  Json j{{"name", table.name()}, {"version", table.version()}, {"schema", SchemaJson(*table.schema())}};
  if (auto rows = table.CountRows(); rows.ok()) j["num_rows"] = *rows;
  if (auto indexes = table.ListIndices(); indexes.ok()) {
    Json list = Json::array();
    for (const IndexInfo& i : *indexes) list.push_back(IndexInfoJson(i));
    j["indexes"] = std::move(list);
  }
  return j;
}

Status CreateTable(Call& call) {
  std::string name;
  CreateTableOptions options;
  RowsBody rows;
  if (call.BodyIsArrow()) {
    name = call.Query("name");
    QUIVER_ASSIGN_OR_RETURN(options.mode, ParseCreateMode(call.Query("mode")));
    QUIVER_ASSIGN_OR_RETURN(rows, ArrowRows(call));
  } else {
    QUIVER_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    name = StringField(body, "name");
    QUIVER_ASSIGN_OR_RETURN(options.mode, ParseCreateMode(StringField(body, "mode")));
    if (!body.contains("rows"))
      return Status::InvalidArgument("field \"rows\" is required (an array of objects)");
    QUIVER_ASSIGN_OR_RETURN(rows, JsonRows(call, body["rows"], nullptr));
  }
  if (name.empty()) return Status::InvalidArgument("the table name is required (\"name\")");
  QUIVER_ASSIGN_OR_RETURN(name, CheckedTableName(name));
  auto& db = call.ctx.tables.db();
  QUIVER_ASSIGN_OR_RETURN(TablePtr table, rows.batches.empty()
                                              ? db->CreateEmptyTable(name, rows.schema, options)
                                              : db->CreateTable(name, rows.batches, options));
  call.ctx.tables.Put(name, table);
  call.ctx.metrics.AddRowsWritten(rows.num_rows);
  call.ReplyJson({{"name", name}, {"version", table->version()}, {"num_rows", rows.num_rows}}, 201);
  return Status::OK();
}

Status AddRows(Call& call, TablePtr table) {
  WriteOptions options;
  RowsBody rows;
  if (call.BodyIsArrow()) {
    QUIVER_ASSIGN_OR_RETURN(options.mode, ParseWriteMode(call.Query("mode")));
    QUIVER_ASSIGN_OR_RETURN(rows, ArrowRows(call));
  } else {
    QUIVER_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    QUIVER_ASSIGN_OR_RETURN(options.mode, ParseWriteMode(StringField(body, "mode")));
    if (!body.contains("rows"))
      return Status::InvalidArgument("field \"rows\" is required (an array of objects)");
    QUIVER_ASSIGN_OR_RETURN(rows, JsonRows(call, body["rows"], table->schema()));
  }
  QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->Add(rows.batches, options));
  call.ctx.metrics.AddRowsWritten(rows.num_rows);
  call.ReplyJson({{"version", version}, {"num_rows_added", rows.num_rows}});
  return Status::OK();
}

Status Search(Call& call, const std::string& name, const Json& body) {
  QUIVER_ASSIGN_OR_RETURN(SearchRequest request, ParseSearchRequest(body, /*lance=*/false));
  QUIVER_RETURN_NOT_OK(LimitResultRows(&request, call.ctx.options.max_result_rows));
  QUIVER_ASSIGN_OR_RETURN(TablePtr table, call.ctx.tables.Get(name, request.version));
  QUIVER_ASSIGN_OR_RETURN(BatchPtr batch,
                          RunWithTimeout(call, [table, request] { return RunSearch(*table, request); }));
  QUIVER_RETURN_NOT_OK(CheckResultRows(*batch, call.ctx.options.max_result_rows));
  call.ctx.metrics.AddSearch(SearchKind(request));
  return ReplyBatch(call, batch, StringField(body, "format"));
}

Result<std::vector<std::pair<std::string, std::string>>> ParseSet(const Json& set) {
  std::vector<std::pair<std::string, std::string>> values;
  if (set.is_object()) {
    for (const auto& [column, expr] : set.items()) {
      if (!expr.is_string())
        return Status::InvalidArgument("field \"set\": values must be SQL expressions (strings)");
      values.emplace_back(column, expr.get<std::string>());
    }
  } else if (set.is_array()) {
    for (const Json& pair : set) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
        return Status::InvalidArgument("field \"set\": expected [[column, expression], ...]");
      }
      values.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  } else {
    return Status::InvalidArgument("field \"set\": expected {column: expression}");
  }
  if (values.empty()) return Status::InvalidArgument("field \"set\": nothing to update");
  return values;
}

bool Flag(const Json& body, const char* field) {
  auto it = body.find(field);
  return it != body.end() && it->is_boolean() && it->get<bool>();
}

std::optional<std::string> OptionalString(const Json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

void AddQuiverRoutes(const AddRoute& add) {
  const std::string t = std::string("/tables/") + kName;

  add("GET", "/tables", "/tables", Scope::kRead, Api::kQuiver, [](Call& call) -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto names, call.ctx.tables.db()->TableNames());
    call.ReplyJson({{"tables", names}});
    return Status::OK();
  });
  add("POST", "/tables", "/tables", Scope::kWrite, Api::kQuiver, CreateTable);
  add("GET", t, "/tables/{name}", Scope::kRead, Api::kQuiver,
      OnTable(
          [](Call& call, TablePtr table, const Json&) {
            call.ReplyJson(TableJson(*table));
            return Status::OK();
          },
          false));
  add("DELETE", t, "/tables/{name}", Scope::kWrite, Api::kQuiver, [](Call& call) -> Status {
    QUIVER_ASSIGN_OR_RETURN(std::string name, CheckedTableName(call.Param(1)));
    QUIVER_RETURN_NOT_OK(call.ctx.tables.db()->DropTable(name));
    call.ctx.tables.Forget(name);
    call.ReplyJson({{"dropped", name}});
    return Status::OK();
  });
  add("POST", t + "/rows", "/tables/{name}/rows", Scope::kWrite, Api::kQuiver,
      OnTable([](Call& call, TablePtr table, const Json&) { return AddRows(call, std::move(table)); },
              false));
  add("POST", t + "/search", "/tables/{name}/search", Scope::kRead, Api::kQuiver, [](Call& call) -> Status {
    QUIVER_ASSIGN_OR_RETURN(std::string name, CheckedTableName(call.Param(1)));
    QUIVER_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    return Search(call, name, body);
  });
  add("POST", "/search", "/search", Scope::kRead, Api::kQuiver, [](Call& call) -> Status {
    QUIVER_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    std::string name = StringField(body, "table");
    if (name.empty()) return Status::InvalidArgument("field \"table\" is required");
    QUIVER_ASSIGN_OR_RETURN(name, CheckedTableName(name));
    return Search(call, name, body);
  });
  add("POST", t + "/count", "/tables/{name}/count", Scope::kRead, Api::kQuiver,
      OnTable(
          [](Call& call, TablePtr table, const Json& body) -> Status {
            std::string where = StringField(body, "where");
            QUIVER_ASSIGN_OR_RETURN(int64_t count,
                                    where.empty() ? table->CountRows() : table->CountRows(where));
            call.ReplyJson({{"count", count}});
            return Status::OK();
          },
          /*json_body=*/true, /*versioned=*/true));
  add("POST", t + "/delete", "/tables/{name}/delete", Scope::kWrite, Api::kQuiver,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        std::string where = StringField(body, "where");
        if (where.empty())
          return Status::InvalidArgument("field \"where\" is required (use \"true\" to delete every row)");
        QUIVER_ASSIGN_OR_RETURN(DeleteResult r, table->Delete(where));
        call.ReplyJson({{"num_deleted_rows", r.num_deleted_rows}, {"version", r.version}});
        return Status::OK();
      }));
  add("POST", t + "/update", "/tables/{name}/update", Scope::kWrite, Api::kQuiver,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        if (!body.contains("set"))
          return Status::InvalidArgument("field \"set\" is required ({column: expression})");
        QUIVER_ASSIGN_OR_RETURN(auto values, ParseSet(body["set"]));
        QUIVER_ASSIGN_OR_RETURN(UpdateResult r, table->Update(values, StringField(body, "where")));
        call.ReplyJson({{"rows_updated", r.rows_updated}, {"version", r.version}});
        return Status::OK();
      }));
  add("POST", t + "/merge", "/tables/{name}/merge", Scope::kWrite, Api::kQuiver,
      OnTable(
          [](Call& call, TablePtr table, const Json& json) -> Status {
            // Arrow bodies carry the options as query parameters.
            Json body = json;
            if (call.BodyIsArrow()) {
              for (const auto& [key, value] : call.req.params) {
                body[key] = value == "true" ? Json(true) : value == "false" ? Json(false) : Json(value);
              }
              if (body.contains("on") && body["on"].is_string()) {
                Json on = Json::array();
                std::string list = body["on"].get<std::string>();
                for (size_t start = 0; start <= list.size();) {
                  size_t comma = std::min(list.find(',', start), list.size());
                  on.push_back(list.substr(start, comma - start));
                  start = comma + 1;
                }
                body["on"] = on;
              }
            }
            std::vector<std::string> on;
            if (body.contains("on") && body["on"].is_array()) {
              for (const Json& k : body["on"]) {
                if (k.is_string()) on.push_back(k.get<std::string>());
              }
            } else if (body.contains("on") && body["on"].is_string()) {
              on.push_back(body["on"].get<std::string>());
            }
            if (on.empty()) return Status::InvalidArgument("field \"on\" is required (the key columns)");
            RowsBody rows;
            if (call.BodyIsArrow()) {
              QUIVER_ASSIGN_OR_RETURN(rows, ArrowRows(call));
            } else {
              if (!body.contains("rows")) return Status::InvalidArgument("field \"rows\" is required");
              QUIVER_ASSIGN_OR_RETURN(rows, JsonRows(call, body["rows"], table->schema()));
            }
            MergeInsertBuilder merge = table->MergeInsert(on);
            bool any = false;
            if (Flag(body, "when_matched_update_all") || Flag(body, "update_all")) {
              merge.WhenMatchedUpdateAll(OptionalString(body, "when_matched_update_all_filt"));
              any = true;
            }
            if (Flag(body, "when_not_matched_insert_all") || Flag(body, "insert_all")) {
              merge.WhenNotMatchedInsertAll();
              any = true;
            }
            if (Flag(body, "when_not_matched_by_source_delete") || Flag(body, "delete_not_in_source")) {
              merge.WhenNotMatchedBySourceDelete(
                  OptionalString(body, "when_not_matched_by_source_delete_filt"));
              any = true;
            }
            if (!any) {
              return Status::InvalidArgument(
                  "merge does nothing: set when_matched_update_all, when_not_matched_insert_all or "
                  "when_not_matched_by_source_delete");
            }
            QUIVER_ASSIGN_OR_RETURN(MergeInsertResult r, merge.Execute(rows.batches));
            call.ctx.metrics.AddRowsWritten(rows.num_rows);
            call.ReplyJson({{"version", r.version},
                            {"num_inserted_rows", r.num_inserted_rows},
                            {"num_updated_rows", r.num_updated_rows},
                            {"num_deleted_rows", r.num_deleted_rows}});
            return Status::OK();
          },
          /*json_body=*/true));
  add("GET", t + "/indexes", "/tables/{name}/indexes", Scope::kRead, Api::kQuiver,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_ASSIGN_OR_RETURN(auto indexes, table->ListIndices());
            Json list = Json::array();
            for (const IndexInfo& i : indexes) list.push_back(IndexInfoJson(i));
            call.ReplyJson({{"indexes", list}});
            return Status::OK();
          },
          false));
  add("POST", t + "/indexes", "/tables/{name}/indexes", Scope::kWrite, Api::kQuiver,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        std::string column = StringField(body, "column");
        if (column.empty()) return Status::InvalidArgument("field \"column\" is required");
        QUIVER_ASSIGN_OR_RETURN(auto parsed, ParseIndexRequest(body));
        QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->CreateIndex(column, parsed.first, parsed.second));
        call.ReplyJson({{"version", version}}, 201);
        return Status::OK();
      }));
  add("DELETE", t + "/indexes/([^/]+)", "/tables/{name}/indexes/{index}", Scope::kWrite, Api::kQuiver,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_RETURN_NOT_OK(table->DropIndex(call.Param(2)));
            call.ReplyJson({{"dropped", call.Param(2)}, {"version", table->version()}});
            return Status::OK();
          },
          false));
  add("GET", t + "/versions", "/tables/{name}/versions", Scope::kRead, Api::kQuiver,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_ASSIGN_OR_RETURN(auto versions, table->ListVersions());
            Json list = Json::array();
            for (const VersionInfo& v : versions) list.push_back(VersionJson(v));
            call.ReplyJson({{"versions", list}});
            return Status::OK();
          },
          false));
  add("POST", t + "/restore", "/tables/{name}/restore", Scope::kWrite, Api::kQuiver,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        QUIVER_ASSIGN_OR_RETURN(auto version, BodyVersion(body));
        if (!version) return Status::InvalidArgument("field \"version\" is required");
        QUIVER_ASSIGN_OR_RETURN(uint64_t restored, table->Restore(version));
        call.ReplyJson({{"version", restored}});
        return Status::OK();
      }));
  add("GET", t + "/stats", "/tables/{name}/stats", Scope::kRead, Api::kQuiver,
      OnTable(
          [](Call& call, TablePtr table, const Json&) -> Status {
            QUIVER_ASSIGN_OR_RETURN(TableStats s, table->Stats());
            call.ReplyJson({{"version", s.version},
                            {"num_rows", s.num_rows},
                            {"num_deleted_rows", s.num_deleted_rows},
                            {"num_fragments", s.num_fragments},
                            {"num_small_fragments", s.num_small_fragments},
                            {"num_data_files", s.num_data_files},
                            {"data_bytes", s.data_bytes},
                            {"total_bytes", s.total_bytes},
                            {"num_versions", s.num_versions}});
            return Status::OK();
          },
          false));
  add("POST", t + "/columns", "/tables/{name}/columns", Scope::kWrite, Api::kQuiver,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        if (!body.contains("columns"))
          return Status::InvalidArgument("field \"columns\" is required ({name: expression})");
        QUIVER_ASSIGN_OR_RETURN(auto columns, ParseSet(body["columns"]));
        QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->AddColumns(columns));
        call.ReplyJson({{"version", version}});
        return Status::OK();
      }));
  add("POST", t + "/columns/drop", "/tables/{name}/columns/drop", Scope::kWrite, Api::kQuiver,
      OnTable([](Call& call, TablePtr table, const Json& body) -> Status {
        QUIVER_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnNamesField(body));
        QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->DropColumns(columns));
        call.ReplyJson({{"version", version}});
        return Status::OK();
      }));
}

}  // namespace quiver::server

#include "convert/json_rows.h"

#include <string>

namespace quiver::convert {

namespace {

Status AtRow(const Status& status, size_t row) {
  return Status(status.code(), "row " + std::to_string(row) + ": " + status.message());
}

}  // namespace

Result<BatchPtr> JsonRowsToBatch(const Json& rows, const SchemaPtr& schema) {
  if (!rows.is_array()) {
    return Status::InvalidArgument("rows must be a JSON array of objects, got " + DescribeJson(rows));
  }
  SchemaPtr target = schema;
  if (!target) {
    if (rows.empty()) return Status::InvalidArgument("cannot infer a schema from zero rows");
    JsonTypeInference inference;
    for (size_t i = 0; i < rows.size(); ++i) {
      Status st = inference.AddRow(rows[i], static_cast<int64_t>(i));
      if (!st.ok()) return AtRow(st, i);
    }
    target = inference.ToSchema();
  }
  JsonRowAppender appender(target, "; the table's columns are: " + target->ToString());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].is_object()) {
      return Status::InvalidArgument("row " + std::to_string(i) + ": expected a JSON object, got " +
                                     DescribeJson(rows[i]));
    }
    Status st = appender.AppendRow(rows[i]);
    if (!st.ok()) return AtRow(st, i);
  }
  return appender.Finish();
}

}  // namespace quiver::convert

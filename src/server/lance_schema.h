// Lance's JSON form of a schema, as LanceDB's remote clients expect it in
// `describe` answers and send it in `alter_columns`:
//   {"fields": [{"name": "vector", "nullable": true,
//                "type": {"type": "fixed_size_list", "length": 4,
//                         "fields": [{"name": "item", "type": {"type": "float"}, "nullable": true}]}}],
//    "metadata": {}}
// Type names are Lance's logical type strings: "float" (float32), "double",
// "halffloat", "string", "large_string", "timestamp:us:UTC", "date32:day", ...
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "quiver/schema.h"

namespace quiver::server {

nlohmann::ordered_json LanceSchemaJson(const Schema& schema);
nlohmann::ordered_json LanceFieldJson(const Field& field);
// The "type" object of a field.
nlohmann::ordered_json LanceTypeJson(const DataType& type);

// The inverse of LanceTypeJson; InvalidArgument naming an unknown type.
// Also accepts Quiver's own type names ("float32", "fixed_size_list<float>[4]")
// as a plain string.
Result<TypePtr> ParseLanceType(const nlohmann::ordered_json& type);

}  // namespace quiver::server

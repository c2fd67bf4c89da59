// Schema JSON: the JSON form of a Schema, stored in data file footers and in
// manifests. The form is specified in docs/format.md ("Schema JSON"); it
// covers every type of quiver/schema.h, including nested element and member
// fields, nullability, timestamp units and time zones, and field and schema
// metadata, so that SchemaFromJson(SchemaToJson(s)) equals `s` exactly
// (metadata and list element names included).
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "quiver/schema.h"

namespace quiver {

// The JSON object for `schema`. Strings that are not valid UTF-8 (names,
// metadata, time zones) are encoded as {"base64": "..."} so that the result
// can always be dumped.
nlohmann::json SchemaToJson(const Schema& schema);
nlohmann::json FieldToJson(const Field& field);
nlohmann::json TypeToJson(const DataType& type);

// Parses the form SchemaToJson writes. Unknown members are ignored. A
// malformed document (missing or mistyped member, unknown type id, bad
// fixed-size-list size, nesting deeper than 64 levels) is InvalidArgument
// saying what and where ("fields[2].type: unknown type id \"int128\"");
// readers of persisted files turn it into Corruption naming the file.
Result<SchemaPtr> SchemaFromJson(const nlohmann::json& json);
Result<Field> FieldFromJson(const nlohmann::json& json);
Result<TypePtr> TypeFromJson(const nlohmann::json& json);

}  // namespace quiver

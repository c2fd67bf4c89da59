#include "server/lance_schema.h"

#include <charconv>

namespace quiver::server {

using Json = nlohmann::ordered_json;

namespace {

const char* UnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond:
      return "s";
    case TimeUnit::kMilli:
      return "ms";
    case TimeUnit::kMicro:
      return "us";
    case TimeUnit::kNano:
      return "ns";
  }
  return "us";
}

// Lance's names of the types without parameters.
const char* SimpleName(TypeId id) {
  switch (id) {
    case TypeId::kNull:
      return "null";
    case TypeId::kBool:
      return "bool";
    case TypeId::kInt8:
      return "int8";
    case TypeId::kInt16:
      return "int16";
    case TypeId::kInt32:
      return "int32";
    case TypeId::kInt64:
      return "int64";
    case TypeId::kUInt8:
      return "uint8";
    case TypeId::kUInt16:
      return "uint16";
    case TypeId::kUInt32:
      return "uint32";
    case TypeId::kUInt64:
      return "uint64";
    case TypeId::kFloat16:
      return "halffloat";
    case TypeId::kFloat32:
      return "float";
    case TypeId::kFloat64:
      return "double";
    case TypeId::kUtf8:
      return "string";
    case TypeId::kLargeUtf8:
      return "large_string";
    case TypeId::kBinary:
      return "binary";
    case TypeId::kLargeBinary:
      return "large_binary";
    case TypeId::kDate32:
      return "date32:day";
    default:
      return nullptr;
  }
}

Result<Field> ParseLanceField(const Json& field) {
  if (!field.is_object() || !field.contains("name") || !field["name"].is_string() ||
      !field.contains("type")) {
    return Status::InvalidArgument("a field must be an object with \"name\" and \"type\", got " +
                                   field.dump());
  }
  QUIVER_ASSIGN_OR_RETURN(TypePtr type, ParseLanceType(field["type"]));
  bool nullable = !field.contains("nullable") || field["nullable"].is_null() || field["nullable"].get<bool>();
  return Field(field["name"].get<std::string>(), std::move(type), nullable);
}

Result<std::vector<Field>> ParseChildren(const Json& type, std::string_view name) {
  if (!type.contains("fields") || !type["fields"].is_array()) {
    return Status::InvalidArgument("type \"" + std::string(name) + "\" needs a \"fields\" array");
  }
  std::vector<Field> fields;
  for (const Json& f : type["fields"]) {
    QUIVER_ASSIGN_OR_RETURN(Field field, ParseLanceField(f));
    fields.push_back(std::move(field));
  }
  return fields;
}

}  // namespace

Json LanceTypeJson(const DataType& type) {
  if (const char* name = SimpleName(type.id())) return Json{{"type", name}};
  switch (type.id()) {
    case TypeId::kTimestamp: {
      std::string tz = type.timezone().empty() ? "-" : type.timezone();
      return Json{{"type", std::string("timestamp:") + UnitName(type.unit()) + ":" + tz}};
    }
    case TypeId::kFixedSizeList:
      return Json{{"type", "fixed_size_list"},
                  {"fields", Json::array({LanceFieldJson(type.children()[0])})},
                  {"length", type.list_size()}};
    case TypeId::kList:
    case TypeId::kLargeList:
      return Json{{"type", type.id() == TypeId::kList ? "list" : "large_list"},
                  {"fields", Json::array({LanceFieldJson(type.children()[0])})}};
    case TypeId::kStruct: {
      Json fields = Json::array();
      for (const Field& f : type.children()) fields.push_back(LanceFieldJson(f));
      return Json{{"type", "struct"}, {"fields", std::move(fields)}};
    }
    default:
      return Json{{"type", type.ToString()}};
  }
}

Json LanceFieldJson(const Field& field) {
  Json out{{"name", field.name}, {"type", LanceTypeJson(*field.type)}, {"nullable", field.nullable}};
  if (!field.metadata.empty()) out["metadata"] = field.metadata;
  return out;
}

Json LanceSchemaJson(const Schema& schema) {
  Json fields = Json::array();
  for (const Field& f : schema.fields()) fields.push_back(LanceFieldJson(f));
  return Json{{"fields", std::move(fields)}, {"metadata", schema.metadata()}};
}

Result<TypePtr> ParseLanceType(const Json& type) {
  if (type.is_string()) return ParseType(type.get<std::string>());
  if (!type.is_object() || !type.contains("type") || !type["type"].is_string()) {
    return Status::InvalidArgument("a data type must be an object with a \"type\" name, got " + type.dump());
  }
  const std::string name = type["type"].get<std::string>();
  for (int id = 0; id <= static_cast<int>(TypeId::kDate32); ++id) {
    const char* simple = SimpleName(static_cast<TypeId>(id));
    if (simple && name == simple) return DataType::Make(static_cast<TypeId>(id));
  }
  if (name == "date32") return date32();
  if (name.starts_with("timestamp")) {
    // timestamp:UNIT:TZ, TZ "-" for none.
    std::string rest = name.size() > 10 ? name.substr(10) : "us:-";
    size_t colon = rest.find(':');
    std::string unit = rest.substr(0, colon);
    std::string tz = colon == std::string::npos ? "-" : rest.substr(colon + 1);
    TimeUnit u;
    if (unit == "s")
      u = TimeUnit::kSecond;
    else if (unit == "ms")
      u = TimeUnit::kMilli;
    else if (unit == "us")
      u = TimeUnit::kMicro;
    else if (unit == "ns")
      u = TimeUnit::kNano;
    else
      return Status::InvalidArgument("unknown timestamp unit \"" + unit + "\" in \"" + name + "\"");
    return timestamp(u, tz == "-" ? "" : tz);
  }
  if (name == "fixed_size_list" || name == "list" || name == "large_list") {
    QUIVER_ASSIGN_OR_RETURN(auto children, ParseChildren(type, name));
    if (children.size() != 1) return Status::InvalidArgument("type \"" + name + "\" needs exactly one field");
    if (name != "fixed_size_list") return DataType::List(std::move(children[0]), name == "large_list");
    if (!type.contains("length") || !type["length"].is_number_integer() ||
        type["length"].get<int64_t>() <= 0) {
      return Status::InvalidArgument("type \"fixed_size_list\" needs a positive \"length\"");
    }
    return DataType::FixedSizeList(std::move(children[0]), type["length"].get<int32_t>());
  }
  if (name == "struct") {
    QUIVER_ASSIGN_OR_RETURN(auto children, ParseChildren(type, name));
    return DataType::Struct(std::move(children));
  }
  return Status::InvalidArgument("unsupported data type \"" + name + "\"");
}

}  // namespace quiver::server

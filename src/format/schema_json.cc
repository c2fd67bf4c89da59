#include "format/schema_json.h"

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace quiver {

using nlohmann::json;

namespace {

constexpr int kMaxDepth = 64;

struct TypeName {
  TypeId id;
  const char* name;
};

// The JSON ids of types without parameters.
constexpr std::array<TypeName, 18> kPrimitiveNames = {{
    {TypeId::kNull, "null"},
    {TypeId::kBool, "bool"},
    {TypeId::kInt8, "int8"},
    {TypeId::kInt16, "int16"},
    {TypeId::kInt32, "int32"},
    {TypeId::kInt64, "int64"},
    {TypeId::kUInt8, "uint8"},
    {TypeId::kUInt16, "uint16"},
    {TypeId::kUInt32, "uint32"},
    {TypeId::kUInt64, "uint64"},
    {TypeId::kFloat16, "float16"},
    {TypeId::kFloat32, "float32"},
    {TypeId::kFloat64, "float64"},
    {TypeId::kUtf8, "utf8"},
    {TypeId::kLargeUtf8, "large_utf8"},
    {TypeId::kBinary, "binary"},
    {TypeId::kLargeBinary, "large_binary"},
    {TypeId::kDate32, "date32"},
}};

constexpr std::array<const char*, 4> kUnitNames = {"s", "ms", "us", "ns"};

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= n) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

constexpr char kBase64Chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    out.push_back(kBase64Chars[(v >> 18) & 63]);
    out.push_back(kBase64Chars[(v >> 12) & 63]);
    out.push_back(kBase64Chars[(v >> 6) & 63]);
    out.push_back(kBase64Chars[v & 63]);
  }
  const size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out.push_back(kBase64Chars[(v >> 18) & 63]);
    out.push_back(kBase64Chars[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Chars[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool Base64Decode(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  out->clear();
  out->reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int pad = 0;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + k];
      int d;
      if (c == '=' && last && k >= 2) {
        d = 0;
        ++pad;
      } else {
        if (pad > 0) return false;  // data after padding
        d = Base64Value(c);
        if (d < 0) return false;
      }
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out->push_back(static_cast<char>((v >> 16) & 0xFF));
    if (pad < 2) out->push_back(static_cast<char>((v >> 8) & 0xFF));
    if (pad < 1) out->push_back(static_cast<char>(v & 0xFF));
  }
  return true;
}

// A string, or {"base64": ...} when it is not valid UTF-8 (JSON text must be).
json StringToJson(const std::string& s) {
  if (IsValidUtf8(s)) return s;
  return json{{"base64", Base64Encode(s)}};
}

Status Invalid(const std::string& path, std::string_view what) {
  return Status::InvalidArgument("schema JSON: " + (path.empty() ? std::string("(root)") : path) + ": " +
                                 std::string(what));
}

Result<std::string> StringFromJson(const json& j, const std::string& path) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.size() == 1 && j.contains("base64") && j["base64"].is_string()) {
    std::string out;
    if (!Base64Decode(j["base64"].get_ref<const std::string&>(), &out)) return Invalid(path, "bad base64");
    return out;
  }
  return Invalid(path, "expected a string");
}

json MetadataToJson(const Metadata& metadata) {
  bool keys_utf8 = true;
  for (const auto& [k, v] : metadata) keys_utf8 = keys_utf8 && IsValidUtf8(k);
  if (keys_utf8) {
    json out = json::object();
    for (const auto& [k, v] : metadata) out[k] = StringToJson(v);
    return out;
  }
  json out = json::array();
  for (const auto& [k, v] : metadata) out.push_back(json::array({StringToJson(k), StringToJson(v)}));
  return out;
}

Result<Metadata> MetadataFromJson(const json& j, const std::string& path) {
  Metadata out;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      QUIVER_ASSIGN_OR_RETURN(std::string v, StringFromJson(it.value(), path + "." + it.key()));
      out.emplace(it.key(), std::move(v));
    }
    return out;
  }
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      if (!j[i].is_array() || j[i].size() != 2) return Invalid(p, "expected a [key, value] pair");
      QUIVER_ASSIGN_OR_RETURN(std::string k, StringFromJson(j[i][0], p));
      QUIVER_ASSIGN_OR_RETURN(std::string v, StringFromJson(j[i][1], p));
      out[std::move(k)] = std::move(v);
    }
    return out;
  }
  return Invalid(path, "expected an object");
}

Result<TypePtr> ParseTypeJson(const json& j, const std::string& path, int depth);

Result<Field> ParseFieldJson(const json& j, const std::string& path, int depth) {
  if (depth > kMaxDepth) return Invalid(path, "nested deeper than 64 levels");
  if (!j.is_object()) return Invalid(path, "expected a field object");
  Field field;
  auto name = j.find("name");
  if (name == j.end()) return Invalid(path, "missing \"name\"");
  QUIVER_ASSIGN_OR_RETURN(field.name, StringFromJson(*name, path + ".name"));
  auto type = j.find("type");
  if (type == j.end()) return Invalid(path, "missing \"type\"");
  QUIVER_ASSIGN_OR_RETURN(field.type, ParseTypeJson(*type, path + ".type", depth + 1));
  auto nullable = j.find("nullable");
  if (nullable != j.end()) {
    if (!nullable->is_boolean()) return Invalid(path + ".nullable", "expected true or false");
    field.nullable = nullable->get<bool>();
  }
  auto metadata = j.find("metadata");
  if (metadata != j.end()) {
    QUIVER_ASSIGN_OR_RETURN(field.metadata, MetadataFromJson(*metadata, path + ".metadata"));
  }
  return field;
}

Result<TypePtr> ParseTypeJson(const json& j, const std::string& path, int depth) {
  if (depth > kMaxDepth) return Invalid(path, "nested deeper than 64 levels");
  if (!j.is_object()) return Invalid(path, "expected a type object");
  auto id_it = j.find("id");
  if (id_it == j.end() || !id_it->is_string()) return Invalid(path, "missing \"id\"");
  const auto& id = id_it->get_ref<const std::string&>();
  for (const auto& p : kPrimitiveNames) {
    if (id == p.name) return DataType::Make(p.id);
  }
  if (id == "timestamp") {
    auto unit_it = j.find("unit");
    if (unit_it == j.end() || !unit_it->is_string()) return Invalid(path, "timestamp without \"unit\"");
    const auto& unit_name = unit_it->get_ref<const std::string&>();
    int unit = -1;
    for (size_t u = 0; u < kUnitNames.size(); ++u) {
      if (unit_name == kUnitNames[u]) unit = static_cast<int>(u);
    }
    if (unit < 0) return Invalid(path + ".unit", "unknown time unit \"" + unit_name + "\"");
    std::string tz;
    auto tz_it = j.find("timezone");
    if (tz_it != j.end()) {
      QUIVER_ASSIGN_OR_RETURN(tz, StringFromJson(*tz_it, path + ".timezone"));
    }
    return DataType::Timestamp(static_cast<TimeUnit>(unit), std::move(tz));
  }
  if (id == "fixed_size_list" || id == "list" || id == "large_list") {
    auto field_it = j.find("field");
    if (field_it == j.end()) return Invalid(path, id + " without \"field\"");
    QUIVER_ASSIGN_OR_RETURN(Field element, ParseFieldJson(*field_it, path + ".field", depth + 1));
    if (id == "fixed_size_list") {
      auto size_it = j.find("size");
      if (size_it == j.end() || !size_it->is_number_integer()) {
        return Invalid(path, "fixed_size_list without an integer \"size\"");
      }
      // Non-negative JSON integers parse as unsigned; a negative one is out of range.
      const uint64_t size = size_it->is_number_unsigned() ? size_it->get<uint64_t>() : 0;
      if (size == 0 || size > (uint64_t{1} << 30)) {
        return Invalid(path + ".size", "fixed_size_list size " + size_it->dump() + " out of range");
      }
      return DataType::FixedSizeList(std::move(element), static_cast<int32_t>(size));
    }
    return DataType::List(std::move(element), id == "large_list");
  }
  if (id == "struct") {
    auto fields_it = j.find("fields");
    if (fields_it == j.end() || !fields_it->is_array())
      return Invalid(path, "struct without \"fields\" array");
    std::vector<Field> fields;
    fields.reserve(fields_it->size());
    for (size_t i = 0; i < fields_it->size(); ++i) {
      QUIVER_ASSIGN_OR_RETURN(
          Field f, ParseFieldJson((*fields_it)[i], path + ".fields[" + std::to_string(i) + "]", depth + 1));
      fields.push_back(std::move(f));
    }
    return DataType::Struct(std::move(fields));
  }
  return Invalid(path + ".id", "unknown type id \"" + id + "\"");
}

}  // namespace

json TypeToJson(const DataType& type) {
  json out = json::object();
  switch (type.id()) {
    case TypeId::kTimestamp:
      out["id"] = "timestamp";
      out["unit"] = kUnitNames[static_cast<int>(type.unit())];
      if (!type.timezone().empty()) out["timezone"] = StringToJson(type.timezone());
      return out;
    case TypeId::kFixedSizeList:
      out["id"] = "fixed_size_list";
      out["size"] = type.list_size();
      out["field"] = FieldToJson(type.children()[0]);
      return out;
    case TypeId::kList:
    case TypeId::kLargeList:
      out["id"] = type.id() == TypeId::kList ? "list" : "large_list";
      out["field"] = FieldToJson(type.children()[0]);
      return out;
    case TypeId::kStruct: {
      out["id"] = "struct";
      json fields = json::array();
      for (const Field& f : type.children()) fields.push_back(FieldToJson(f));
      out["fields"] = std::move(fields);
      return out;
    }
    default:
      for (const auto& p : kPrimitiveNames) {
        if (p.id == type.id()) out["id"] = p.name;
      }
      return out;
  }
}

json FieldToJson(const Field& field) {
  json out = json::object();
  out["name"] = StringToJson(field.name);
  out["nullable"] = field.nullable;
  out["type"] = field.type ? TypeToJson(*field.type) : json{{"id", "null"}};
  if (!field.metadata.empty()) out["metadata"] = MetadataToJson(field.metadata);
  return out;
}

json SchemaToJson(const Schema& schema) {
  json out = json::object();
  json fields = json::array();
  for (const Field& f : schema.fields()) fields.push_back(FieldToJson(f));
  out["fields"] = std::move(fields);
  if (!schema.metadata().empty()) out["metadata"] = MetadataToJson(schema.metadata());
  return out;
}

Result<TypePtr> TypeFromJson(const json& j) { return ParseTypeJson(j, "type", 0); }

Result<Field> FieldFromJson(const json& j) { return ParseFieldJson(j, "field", 0); }

Result<SchemaPtr> SchemaFromJson(const json& j) {
  if (!j.is_object()) return Invalid("", "expected a schema object");
  auto fields_it = j.find("fields");
  if (fields_it == j.end() || !fields_it->is_array()) return Invalid("", "missing \"fields\" array");
  std::vector<Field> fields;
  fields.reserve(fields_it->size());
  for (size_t i = 0; i < fields_it->size(); ++i) {
    QUIVER_ASSIGN_OR_RETURN(Field f, ParseFieldJson((*fields_it)[i], "fields[" + std::to_string(i) + "]", 1));
    fields.push_back(std::move(f));
  }
  Metadata metadata;
  auto metadata_it = j.find("metadata");
  if (metadata_it != j.end()) {
    QUIVER_ASSIGN_OR_RETURN(metadata, MetadataFromJson(*metadata_it, "metadata"));
  }
  return std::make_shared<const Schema>(std::move(fields), std::move(metadata));
}

}  // namespace quiver

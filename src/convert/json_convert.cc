#include "convert/json_convert.h"

#include <algorithm>
#include <limits>

#include "convert/text_util.h"

namespace quiver::convert {

std::string JsonPath::ToString() const {
  std::vector<std::string_view> parts;
  for (const JsonPath* p = this; p != nullptr; p = p->parent) parts.push_back(p->name);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += '.';
    out += *it;
  }
  return out;
}

namespace {

constexpr size_t kMaxDescribedBytes = 40;

Status ColumnError(const JsonPath& path, std::string_view what) {
  return Status::InvalidArgument("column \"" + path.ToString() + "\": " + std::string(what));
}

Status Mismatch(const JsonPath& path, const DataType& expected, const Json& got) {
  return ColumnError(path, "expected " + expected.ToString() + ", got " + DescribeJson(got));
}

Status WrapBuilder(const JsonPath& path, Status st) {
  if (st.ok()) return st;
  return ColumnError(path, st.message());
}

// True for an array of numbers (nulls allowed, at least one number): a vector.
bool IsNumericArray(const Json& v) {
  bool any_number = false;
  for (const Json& e : v) {
    if (e.is_number()) {
      any_number = true;
    } else if (!e.is_null()) {
      return false;
    }
  }
  return any_number;
}

}  // namespace

std::string DescribeJson(const Json& value) {
  std::string kind;
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return value.get<bool>() ? "bool true" : "bool false";
    case Json::value_t::string:
      kind = "string ";
      break;
    case Json::value_t::array:
      kind = "array ";
      break;
    case Json::value_t::object:
      kind = "object ";
      break;
    default:
      kind = "number ";
      break;
  }
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > kMaxDescribedBytes) {
    text = std::string(Utf8Prefix(text, kMaxDescribedBytes)) + "…";
  }
  return kind + text;
}

// ---------------------------------------------------------------------------
// Inference

struct JsonTypeInference::Node {
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kVector, kList, kStruct };
  Kind kind = Kind::kNull;
  int64_t dim = 0;       // kVector: values per row
  int64_t dim_line = 0;  // kVector: the line that set dim
  std::unique_ptr<Node> element;
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> fields;  // first-seen order

  TypePtr ToType() const {
    switch (kind) {
      case Kind::kNull:
      case Kind::kString:
        return utf8();
      case Kind::kBool:
        return boolean();
      case Kind::kInt:
        return int64();
      case Kind::kFloat:
        return float64();
      case Kind::kVector:
        return vector_type(static_cast<int32_t>(dim));
      case Kind::kList:
        return list(element->ToType());
      case Kind::kStruct: {
        std::vector<Field> out;
        out.reserve(fields.size());
        for (const auto& [name, node] : fields) out.emplace_back(name, node->ToType());
        return struct_(std::move(out));
      }
    }
    return utf8();
  }

  // Rows usually list their keys in the same order, so look at `hint` first.
  Node* FindOrAddField(std::string_view name, size_t hint) {
    if (hint < fields.size() && fields[hint].first == name) return fields[hint].second.get();
    for (auto& [n, node] : fields) {
      if (n == name) return node.get();
    }
    fields.emplace_back(std::string(name), std::make_unique<Node>());
    return fields.back().second.get();
  }

  Status Conflict(const JsonPath& path, const Json& v) const { return Mismatch(path, *ToType(), v); }

  Status Merge(const Json& v, const JsonPath& path, int64_t line) {
    switch (v.type()) {
      case Json::value_t::null:
      case Json::value_t::discarded:
        return Status::OK();
      case Json::value_t::boolean:
        if (kind == Kind::kNull) kind = Kind::kBool;
        return kind == Kind::kBool ? Status::OK() : Conflict(path, v);
      case Json::value_t::number_unsigned:
        if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return MergeFloat(v, path);
        }
        [[fallthrough]];
      case Json::value_t::number_integer:
        if (kind == Kind::kNull) kind = Kind::kInt;
        return (kind == Kind::kInt || kind == Kind::kFloat) ? Status::OK() : Conflict(path, v);
      case Json::value_t::number_float:
        return MergeFloat(v, path);
      case Json::value_t::string:
        if (kind == Kind::kNull) kind = Kind::kString;
        return kind == Kind::kString ? Status::OK() : Conflict(path, v);
      case Json::value_t::binary:
        return Conflict(path, v);
      case Json::value_t::array:
        return MergeArray(v, path, line);
      case Json::value_t::object: {
        if (kind == Kind::kNull) kind = Kind::kStruct;
        if (kind != Kind::kStruct) return Conflict(path, v);
        size_t i = 0;
        for (auto it = v.begin(); it != v.end(); ++it, ++i) {
          Node* child = FindOrAddField(it.key(), i);
          JsonPath child_path{&path, it.key()};
          QUIVER_RETURN_NOT_OK(child->Merge(it.value(), child_path, line));
        }
        return Status::OK();
      }
    }
    return Conflict(path, v);
  }

  Status MergeFloat(const Json& v, const JsonPath& path) {
    if (kind == Kind::kNull || kind == Kind::kInt) kind = Kind::kFloat;
    return kind == Kind::kFloat ? Status::OK() : Conflict(path, v);
  }

  Status MergeArray(const Json& v, const JsonPath& path, int64_t line) {
    const int64_t size = static_cast<int64_t>(v.size());
    if (IsNumericArray(v)) {
      if (kind == Kind::kNull) {
        kind = Kind::kVector;
        dim = size;
        dim_line = line;
        return Status::OK();
      }
      if (kind == Kind::kVector) {
        if (size == dim) return Status::OK();
        return ColumnError(path, "vector has " + std::to_string(size) + " values, expected " +
                                     std::to_string(dim) + " (the length on line " +
                                     std::to_string(dim_line) + ")");
      }
    } else if (kind == Kind::kVector && size == 0) {
      return ColumnError(path, "vector has 0 values, expected " + std::to_string(dim) +
                                   " (the length on line " + std::to_string(dim_line) + ")");
    }
    if (kind == Kind::kNull) {
      kind = Kind::kList;
      element = std::make_unique<Node>();
    }
    if (kind != Kind::kList) return Conflict(path, v);
    for (const Json& e : v) QUIVER_RETURN_NOT_OK(element->Merge(e, path, line));
    return Status::OK();
  }
};

JsonTypeInference::JsonTypeInference() : root_(std::make_unique<Node>()), value_(std::make_unique<Node>()) {
  root_->kind = Node::Kind::kStruct;
}
JsonTypeInference::~JsonTypeInference() = default;

Status JsonTypeInference::AddRow(const Json& row, int64_t line) {
  if (!row.is_object()) return Status::InvalidArgument("expected a JSON object, got " + DescribeJson(row));
  size_t i = 0;
  for (auto it = row.begin(); it != row.end(); ++it, ++i) {
    Node* child = root_->FindOrAddField(it.key(), i);
    JsonPath path{nullptr, it.key()};
    QUIVER_RETURN_NOT_OK(child->Merge(it.value(), path, line));
  }
  return Status::OK();
}

Status JsonTypeInference::AddValue(const Json& value, std::string_view column, int64_t line) {
  JsonPath path{nullptr, column};
  return value_->Merge(value, path, line);
}

SchemaPtr JsonTypeInference::ToSchema() const {
  std::vector<Field> fields;
  fields.reserve(root_->fields.size());
  for (const auto& [name, node] : root_->fields) fields.emplace_back(name, node->ToType());
  return std::make_shared<Schema>(std::move(fields));
}

TypePtr JsonTypeInference::ValueType() const { return value_->ToType(); }

// ---------------------------------------------------------------------------
// Appending, from a DOM value or a tape value (json_tape.h)

namespace {

// nlohmann::ordered_json seen through the interface of TapeValue.
class DomValue {
 public:
  explicit DomValue(const Json& j) : j_(&j) {}

  bool is_null() const { return j_->is_null(); }
  bool is_bool() const { return j_->is_boolean(); }
  bool is_uint() const { return j_->is_number_unsigned(); }
  bool is_int() const { return j_->is_number_integer() && !j_->is_number_unsigned(); }
  bool is_double() const { return j_->is_number_float(); }
  bool is_number() const { return j_->is_number(); }
  bool is_string() const { return j_->is_string(); }
  bool is_array() const { return j_->is_array(); }
  bool is_object() const { return j_->is_object(); }

  bool as_bool() const { return j_->get<bool>(); }
  int64_t as_int() const { return j_->get<int64_t>(); }
  uint64_t as_uint() const { return j_->get<uint64_t>(); }
  double as_double() const { return j_->get<double>(); }
  std::string_view as_string() const { return j_->get_ref<const std::string&>(); }
  size_t size() const { return j_->size(); }

  template <typename F>
  Status ForEachElement(F&& f) const {
    for (const Json& e : *j_) QUIVER_RETURN_NOT_OK(f(DomValue(e)));
    return Status::OK();
  }
  template <typename F>
  Status ForEachMember(F&& f) const {
    for (auto it = j_->begin(); it != j_->end(); ++it) {
      QUIVER_RETURN_NOT_OK(f(std::string_view(it.key()), DomValue(it.value())));
    }
    return Status::OK();
  }
  bool Find(std::string_view key, DomValue* out) const {
    for (auto it = j_->begin(); it != j_->end(); ++it) {
      if (it.key() == key) {
        *out = DomValue(it.value());
        return true;
      }
    }
    return false;
  }
  std::string Describe() const { return DescribeJson(*j_); }

 private:
  const Json* j_;
};

template <typename V>
Status MismatchV(const JsonPath& path, const DataType& expected, const V& got) {
  return ColumnError(path, "expected " + expected.ToString() + ", got " + got.Describe());
}

template <typename V>
Status AppendValue(const V& v, const Field& field, ArrayBuilder* b, const JsonPath& path,
                   std::vector<float>* scratch) {
  const DataType& type = *field.type;
  if (v.is_null()) {
    if (!field.nullable) return ColumnError(path, "is not nullable, got null");
    return WrapBuilder(path, b->AppendNull());
  }
  switch (type.id()) {
    case TypeId::kNull:
      return MismatchV(path, type, v);
    case TypeId::kBool:
      if (!v.is_bool()) return MismatchV(path, type, v);
      return WrapBuilder(path, b->AppendBool(v.as_bool()));
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
    case TypeId::kTimestamp:
    case TypeId::kDate32:
      // Dates and timestamps also come as ISO 8601 text (the builder parses it).
      if (v.is_string() && (type.id() == TypeId::kTimestamp || type.id() == TypeId::kDate32)) {
        return WrapBuilder(path, b->AppendString(v.as_string()));
      }
      if (v.is_uint()) return WrapBuilder(path, b->AppendUInt(v.as_uint()));
      if (v.is_int()) return WrapBuilder(path, b->AppendInt(v.as_int()));
      if (v.is_double()) return WrapBuilder(path, b->AppendDouble(v.as_double()));
      return MismatchV(path, type, v);
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      if (!v.is_string()) return MismatchV(path, type, v);
      return WrapBuilder(path, b->AppendString(v.as_string()));
    case TypeId::kFixedSizeList: {
      if (!v.is_array()) return MismatchV(path, type, v);
      if (static_cast<int64_t>(v.size()) != type.list_size()) {
        return ColumnError(path, "vector has " + std::to_string(v.size()) + " values, expected " +
                                     std::to_string(type.list_size()));
      }
      const TypeId element_id = type.value_type()->id();
      if (element_id == TypeId::kFloat32 || element_id == TypeId::kFloat16) {
        // The common case, a float vector: one append for the whole row.
        scratch->clear();
        bool all_numbers = true;
        (void)v.ForEachElement([&](const V& e) {
          if (!e.is_number()) {
            all_numbers = false;
            return Status::Cancelled("");
          }
          scratch->push_back(static_cast<float>(e.as_double()));
          return Status::OK();
        });
        if (all_numbers) {
          return WrapBuilder(path, b->AppendVector(scratch->data(), static_cast<int64_t>(scratch->size())));
        }
      }
      const Field& element = type.children()[0];
      QUIVER_RETURN_NOT_OK(
          v.ForEachElement([&](const V& e) { return AppendValue(e, element, b->child(0), path, scratch); }));
      return WrapBuilder(path, b->AppendList());
    }
    case TypeId::kList:
    case TypeId::kLargeList: {
      if (!v.is_array()) return MismatchV(path, type, v);
      const Field& element = type.children()[0];
      QUIVER_RETURN_NOT_OK(
          v.ForEachElement([&](const V& e) { return AppendValue(e, element, b->child(0), path, scratch); }));
      return WrapBuilder(path, b->AppendList());
    }
    case TypeId::kStruct: {
      if (!v.is_object()) return MismatchV(path, type, v);
      const auto& children = type.children();
      size_t matched = 0;
      for (size_t i = 0; i < children.size(); ++i) {
        JsonPath child_path{&path, children[i].name};
        ArrayBuilder* child = b->child(static_cast<int>(i));
        V member = v;
        if (v.Find(children[i].name, &member)) {
          ++matched;
          QUIVER_RETURN_NOT_OK(AppendValue(member, children[i], child, child_path, scratch));
        } else if (!children[i].nullable) {
          return ColumnError(child_path, "is missing and not nullable");
        } else {
          QUIVER_RETURN_NOT_OK(WrapBuilder(child_path, child->AppendNull()));
        }
      }
      if (matched < v.size()) {
        return v.ForEachMember([&](std::string_view key, const V&) {
          bool known =
              std::any_of(children.begin(), children.end(), [&](const Field& f) { return f.name == key; });
          if (known) return Status::OK();
          return ColumnError(path,
                             "has no field \"" + std::string(key) + "\" (type " + type.ToString() + ")");
        });
      }
      return WrapBuilder(path, b->AppendStruct());
    }
  }
  return MismatchV(path, type, v);
}

}  // namespace

Status AppendJsonValue(const Json& v, const Field& field, ArrayBuilder* b, const JsonPath& path,
                       std::vector<float>* scratch) {
  return AppendValue(DomValue(v), field, b, path, scratch);
}

// ---------------------------------------------------------------------------
// Rows

JsonRowAppender::JsonRowAppender(SchemaPtr schema, std::string unknown_key_hint)
    : schema_(std::move(schema)), unknown_key_hint_(std::move(unknown_key_hint)) {
  const int n = schema_->num_fields();
  builders_.reserve(n);
  for (int i = 0; i < n; ++i) {
    builders_.push_back(ArrayBuilder::Make(schema_->field(i).type));
    index_.emplace(schema_->field(i).name, i);
  }
  seen_.assign(n, -1);
}

template <typename V>
Status JsonRowAppender::AppendRowValue(const V& row) {
  if (!row.is_object()) return Status::InvalidArgument("expected a JSON object, got " + row.Describe());
  QUIVER_RETURN_NOT_OK(row.ForEachMember([&](std::string_view key, const V& value) {
    auto found = index_.find(key);
    if (found == index_.end()) {
      return Status::InvalidArgument("column \"" + std::string(key) + "\" is not in the schema" +
                                     unknown_key_hint_);
    }
    const int i = found->second;
    seen_[i] = num_rows_;
    const Field& field = schema_->field(i);
    return AppendValue(value, field, builders_[i].get(), JsonPath{nullptr, field.name}, &scratch_);
  }));
  for (size_t i = 0; i < builders_.size(); ++i) {
    if (seen_[i] == num_rows_) continue;
    const Field& field = schema_->field(static_cast<int>(i));
    if (!field.nullable)
      return Status::InvalidArgument("column \"" + field.name + "\" is missing and not nullable");
    QUIVER_RETURN_NOT_OK(WrapBuilder(JsonPath{nullptr, field.name}, builders_[i]->AppendNull()));
  }
  ++num_rows_;
  return Status::OK();
}

Status JsonRowAppender::AppendRow(const Json& row) { return AppendRowValue(DomValue(row)); }
Status JsonRowAppender::AppendRow(const JsonTape& row) { return AppendRowValue(TapeValue(&row, 0)); }

Result<BatchPtr> JsonRowAppender::Finish() {
  std::vector<ArrayPtr> columns;
  columns.reserve(builders_.size());
  for (auto& b : builders_) columns.push_back(b->Finish());
  const int64_t rows = num_rows_;
  num_rows_ = 0;
  std::fill(seen_.begin(), seen_.end(), -1);
  return std::make_shared<const RecordBatch>(schema_, rows, std::move(columns));
}

}  // namespace quiver::convert

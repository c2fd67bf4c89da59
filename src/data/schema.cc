#include "quiver/schema.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <unordered_set>

#include "common/suggest.h"

namespace quiver {

namespace {

// Names that print without quotes inside type strings: an identifier.
bool IsBareName(std::string_view name) {
  if (name.empty()) return false;
  char c0 = name[0];
  if (!(std::isalpha(static_cast<unsigned char>(c0)) || c0 == '_')) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// A field name as it appears in type strings: bare when it is an identifier,
// otherwise double-quoted with '"' and '\' escaped, so ParseType can read it
// back.
std::string QuoteName(std::string_view name) {
  if (IsBareName(name)) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

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
  return "?";
}

// The element of a list printed inside "<...>": the name only when it is not
// the default "item".
std::string ElementToString(const Field& f) {
  std::string out;
  if (f.name != "item") out = QuoteName(f.name) + ": ";
  out += f.type ? f.type->ToString() : "<null type>";
  if (!f.nullable) out += " not null";
  return out;
}

bool TypesEqual(const TypePtr& a, const TypePtr& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return a->Equals(*b);
}

}  // namespace

// ---------------------------------------------------------------------------
// Field

bool Field::Equals(const Field& other, bool check_metadata) const {
  if (name != other.name || nullable != other.nullable) return false;
  if (!TypesEqual(type, other.type)) return false;
  return !check_metadata || metadata == other.metadata;
}

std::string Field::ToString() const {
  std::string out = QuoteName(name) + ": " + (type ? type->ToString() : "<null type>");
  if (!nullable) out += " not null";
  return out;
}

// ---------------------------------------------------------------------------
// DataType

bool DataType::Equals(const DataType& other) const {
  if (this == &other) return true;
  if (id_ != other.id_) return false;
  switch (id_) {
    case TypeId::kTimestamp:
      return unit_ == other.unit_ && timezone_ == other.timezone_;
    case TypeId::kFixedSizeList:
      if (list_size_ != other.list_size_) return false;
      [[fallthrough]];
    case TypeId::kList:
    case TypeId::kLargeList:
      // The element's name is a label ("item", "element", ...) that differs
      // between producers; it does not change what the column holds.
      return children_[0].nullable == other.children_[0].nullable &&
             TypesEqual(children_[0].type, other.children_[0].type);
    case TypeId::kStruct:
      if (children_.size() != other.children_.size()) return false;
      for (size_t i = 0; i < children_.size(); ++i) {
        if (!children_[i].Equals(other.children_[i])) return false;
      }
      return true;
    default:
      return true;
  }
}

std::string DataType::ToString() const {
  switch (id_) {
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
      return "date32";
    case TypeId::kTimestamp: {
      std::string out = std::string("timestamp[") + UnitName(unit_);
      if (!timezone_.empty()) out += ", tz=" + timezone_;
      return out + "]";
    }
    case TypeId::kFixedSizeList:
      return "fixed_size_list<" + ElementToString(children_[0]) + ">[" + std::to_string(list_size_) + "]";
    case TypeId::kList:
      return "list<" + ElementToString(children_[0]) + ">";
    case TypeId::kLargeList:
      return "large_list<" + ElementToString(children_[0]) + ">";
    case TypeId::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < children_.size(); ++i) {
        if (i > 0) out += ", ";
        out += children_[i].ToString();
      }
      return out + ">";
    }
  }
  return "unknown";
}

int DataType::bit_width() const {
  switch (id_) {
    case TypeId::kBool:
      return 1;
    case TypeId::kInt8:
    case TypeId::kUInt8:
      return 8;
    case TypeId::kInt16:
    case TypeId::kUInt16:
    case TypeId::kFloat16:
      return 16;
    case TypeId::kInt32:
    case TypeId::kUInt32:
    case TypeId::kFloat32:
    case TypeId::kDate32:
      return 32;
    case TypeId::kInt64:
    case TypeId::kUInt64:
    case TypeId::kFloat64:
    case TypeId::kTimestamp:
      return 64;
    default:
      return 0;
  }
}

bool DataType::is_integer() const {
  switch (id_) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
      return true;
    default:
      return false;
  }
}

bool DataType::is_floating() const {
  return id_ == TypeId::kFloat16 || id_ == TypeId::kFloat32 || id_ == TypeId::kFloat64;
}

bool DataType::is_string_like() const {
  return id_ == TypeId::kUtf8 || id_ == TypeId::kLargeUtf8 || id_ == TypeId::kBinary ||
         id_ == TypeId::kLargeBinary;
}

bool DataType::is_large_offsets() const {
  return id_ == TypeId::kLargeUtf8 || id_ == TypeId::kLargeBinary || id_ == TypeId::kLargeList;
}

bool DataType::is_list_like() const {
  return id_ == TypeId::kList || id_ == TypeId::kLargeList || id_ == TypeId::kFixedSizeList;
}

bool DataType::is_vector() const {
  if (id_ != TypeId::kFixedSizeList) return false;
  TypeId e = children_[0].type->id();
  return e == TypeId::kFloat16 || e == TypeId::kFloat32 || e == TypeId::kInt8 || e == TypeId::kUInt8;
}

int DataType::num_buffers() const {
  if (id_ == TypeId::kNull) return 0;
  if (is_fixed_width()) return 2;
  if (is_string_like()) return 3;
  if (id_ == TypeId::kList || id_ == TypeId::kLargeList) return 2;
  return 1;  // fixed_size_list, struct: validity only
}

TypePtr DataType::Make(TypeId id) {
  constexpr int kNumIds = static_cast<int>(TypeId::kDate32) + 1;
  // Primitive types are built once and shared; the lambda runs with
  // DataType's access to the private constructor.
  static const std::vector<TypePtr>* singletons = [] {
    auto* v = new std::vector<TypePtr>(kNumIds);
    for (int i = 0; i < kNumIds; ++i) {
      (*v)[i] = std::shared_ptr<const DataType>(new DataType(static_cast<TypeId>(i)));
    }
    return v;
  }();
  switch (id) {
    case TypeId::kFixedSizeList:
    case TypeId::kList:
    case TypeId::kLargeList:
      return nullptr;  // need an element type
    case TypeId::kStruct:
      return Struct({});
    case TypeId::kTimestamp:
      return Timestamp(TimeUnit::kMicro);
    default:
      if (static_cast<int>(id) >= kNumIds) return nullptr;
      return (*singletons)[static_cast<int>(id)];
  }
}

TypePtr DataType::FixedSizeList(Field element, int32_t size) {
  std::shared_ptr<DataType> t(new DataType(TypeId::kFixedSizeList));
  t->list_size_ = size;
  t->children_.push_back(std::move(element));
  return t;
}

TypePtr DataType::List(Field element, bool large) {
  std::shared_ptr<DataType> t(new DataType(large ? TypeId::kLargeList : TypeId::kList));
  t->children_.push_back(std::move(element));
  return t;
}

TypePtr DataType::Struct(std::vector<Field> fields) {
  std::shared_ptr<DataType> t(new DataType(TypeId::kStruct));
  t->children_ = std::move(fields);
  return t;
}

TypePtr DataType::Timestamp(TimeUnit unit, std::string timezone) {
  std::shared_ptr<DataType> t(new DataType(TypeId::kTimestamp));
  t->unit_ = unit;
  t->timezone_ = std::move(timezone);
  return t;
}

// ---------------------------------------------------------------------------
// Shorthands

TypePtr null_type() { return DataType::Make(TypeId::kNull); }
TypePtr boolean() { return DataType::Make(TypeId::kBool); }
TypePtr int8() { return DataType::Make(TypeId::kInt8); }
TypePtr int16() { return DataType::Make(TypeId::kInt16); }
TypePtr int32() { return DataType::Make(TypeId::kInt32); }
TypePtr int64() { return DataType::Make(TypeId::kInt64); }
TypePtr uint8() { return DataType::Make(TypeId::kUInt8); }
TypePtr uint16() { return DataType::Make(TypeId::kUInt16); }
TypePtr uint32() { return DataType::Make(TypeId::kUInt32); }
TypePtr uint64() { return DataType::Make(TypeId::kUInt64); }
TypePtr float16() { return DataType::Make(TypeId::kFloat16); }
TypePtr float32() { return DataType::Make(TypeId::kFloat32); }
TypePtr float64() { return DataType::Make(TypeId::kFloat64); }
TypePtr utf8() { return DataType::Make(TypeId::kUtf8); }
TypePtr large_utf8() { return DataType::Make(TypeId::kLargeUtf8); }
TypePtr binary() { return DataType::Make(TypeId::kBinary); }
TypePtr large_binary() { return DataType::Make(TypeId::kLargeBinary); }
TypePtr date32() { return DataType::Make(TypeId::kDate32); }
TypePtr timestamp(TimeUnit unit, std::string timezone) {
  return DataType::Timestamp(unit, std::move(timezone));
}

TypePtr vector_type(int32_t dim, TypePtr element_type) {
  if (!element_type) element_type = float32();
  return DataType::FixedSizeList(Field("item", std::move(element_type), true), dim);
}

TypePtr list(TypePtr element_type) { return DataType::List(Field("item", std::move(element_type), true)); }

TypePtr struct_(std::vector<Field> fields) { return DataType::Struct(std::move(fields)); }

// ---------------------------------------------------------------------------
// Schema

int Schema::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Result<const Field*> Schema::GetField(std::string_view name) const {
  int i = FieldIndex(name);
  if (i >= 0) return &fields_[i];
  std::string msg = "no column named \"" + std::string(name) + "\"";
  if (fields_.empty()) return Status::NotFound(msg + " (the schema has no columns)");
  std::vector<std::string> names;
  for (const Field& f : fields_) names.push_back(f.name);
  msg += DidYouMean(name, names);
  return Status::NotFound(std::move(msg));
}

Result<SchemaPtr> Schema::Project(const std::vector<std::string>& names) const {
  std::vector<Field> out;
  out.reserve(names.size());
  std::unordered_set<std::string_view> seen;
  for (const auto& name : names) {
    if (!seen.insert(name).second) {
      return Status::InvalidArgument("column \"" + name + "\" is listed twice in the projection");
    }
    QUIVER_ASSIGN_OR_RETURN(const Field* f, GetField(name));
    out.push_back(*f);
  }
  return std::make_shared<const Schema>(std::move(out), metadata_);
}

bool Schema::Equals(const Schema& other, bool check_metadata) const {
  if (fields_.size() != other.fields_.size()) return false;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!fields_[i].Equals(other.fields_[i], check_metadata)) return false;
  }
  return !check_metadata || metadata_ == other.metadata_;
}

std::string Schema::ToString() const {
  std::string out;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i > 0) out += '\n';
    out += fields_[i].ToString();
  }
  return out;
}

namespace {

// Whether data of type `data` can be stored in a column of type `table`: the
// same type, except that nullability of nested fields is not compared (as at
// the top level, whether nulls actually occur is a property of the values).
bool StorableAs(const DataType& table, const DataType& data) {
  if (table.id() != data.id()) return false;
  switch (table.id()) {
    case TypeId::kTimestamp:
      return table.unit() == data.unit() && table.timezone() == data.timezone();
    case TypeId::kFixedSizeList:
      if (table.list_size() != data.list_size()) return false;
      [[fallthrough]];
    case TypeId::kList:
    case TypeId::kLargeList:
      return StorableAs(*table.value_type(), *data.value_type());
    case TypeId::kStruct: {
      const auto& a = table.children();
      const auto& b = data.children();
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || !StorableAs(*a[i].type, *b[i].type)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

std::string FieldNames(const std::vector<Field>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ", ";
    out += fields[i].name;
  }
  return out;
}

}  // namespace

Status Schema::CheckCompatible(const Schema& other) const {
  std::unordered_set<std::string_view> seen;
  for (const Field& data_field : other.fields_) {
    if (!seen.insert(data_field.name).second) {
      return Status::InvalidArgument("column \"" + data_field.name + "\" appears twice in the data");
    }
    int i = FieldIndex(data_field.name);
    if (i < 0) {
      return Status::InvalidArgument("column \"" + data_field.name + "\" (" + data_field.type->ToString() +
                                     ") is not in the table schema (table columns: " + FieldNames(fields_) +
                                     ")");
    }
    const Field& table_field = fields_[i];
    if (!StorableAs(*table_field.type, *data_field.type)) {
      return Status::InvalidArgument("column \"" + data_field.name + "\" has type " +
                                     data_field.type->ToString() + ", table expects " +
                                     table_field.type->ToString());
    }
  }
  for (const Field& table_field : fields_) {
    if (other.FieldIndex(table_field.name) < 0) {
      return Status::InvalidArgument("column \"" + table_field.name + "\" (" + table_field.type->ToString() +
                                     ") is missing from the data");
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// ParseType: a recursive-descent parser for the ToString() grammar
//
//   type    := name | timestamp | list | struct
//   list    := ("list" | "large_list") "<" element ">"
//            | "fixed_size_list" "<" element ">" "[" int "]"
//   element := [fname ":"] type ["not null"]
//   struct  := "struct" "<" [field ("," field)*] ">"
//   field   := fname ":" type ["not null"]
//   fname   := identifier | '"' escaped-chars '"'

namespace {

class TypeParser {
 public:
  explicit TypeParser(std::string_view text) : text_(text) {}

  Result<TypePtr> ParseAll() {
    QUIVER_ASSIGN_OR_RETURN(TypePtr t, ParseTypeExpr());
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected trailing text");
    return t;
  }

 private:
  Status Error(std::string_view what) const {
    return Status::InvalidArgument("cannot parse type \"" + std::string(text_) + "\": " + std::string(what) +
                                   " at position " + std::to_string(pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Status Expect(char c) {
    if (Consume(c)) return Status::OK();
    return Error(std::string("expected '") + c + "'");
  }

  // An identifier-like word (letters, digits, '_'), possibly empty.
  std::string_view Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  // A quoted field name; pos_ is at the opening quote.
  Result<std::string> QuotedName() {
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') {
        ++pos_;
        if (pos_ >= text_.size()) break;
      }
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) return Error("unterminated quoted name");
    ++pos_;
    return out;
  }

  // Reads an optional "name:" prefix; returns nullopt (and rewinds) when the
  // text is a type rather than a name.
  Result<std::optional<std::string>> OptionalFieldName() {
    SkipSpace();
    size_t start = pos_;
    std::string name;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      QUIVER_ASSIGN_OR_RETURN(name, QuotedName());
    } else {
      name = std::string(Word());
    }
    if (Consume(':')) return std::optional<std::string>(std::move(name));
    pos_ = start;
    return std::optional<std::string>();
  }

  bool NotNull() {
    SkipSpace();
    size_t start = pos_;
    if (Word() == "not" && Word() == "null") return true;
    pos_ = start;
    return false;
  }

  Result<Field> ParseElement(bool name_required) {
    QUIVER_ASSIGN_OR_RETURN(std::optional<std::string> name, OptionalFieldName());
    if (!name && name_required) return Error("expected a field name followed by ':'");
    QUIVER_ASSIGN_OR_RETURN(TypePtr type, ParseTypeExpr());
    bool nullable = !NotNull();
    return Field(name ? *name : "item", std::move(type), nullable);
  }

  Result<TypePtr> ParseTypeExpr() {
    if (++depth_ > kMaxDepth) return Error("type nested too deeply");
    auto result = ParseTypeInner();
    --depth_;
    return result;
  }

  Result<TypePtr> ParseTypeInner() {
    size_t word_pos = (SkipSpace(), pos_);
    std::string_view w = Word();
    if (w.empty()) return Error("expected a type name");
    static const std::pair<std::string_view, TypeId> kPrimitive[] = {
        {"null", TypeId::kNull},
        {"bool", TypeId::kBool},
        {"boolean", TypeId::kBool},
        {"int8", TypeId::kInt8},
        {"int16", TypeId::kInt16},
        {"int32", TypeId::kInt32},
        {"int64", TypeId::kInt64},
        {"uint8", TypeId::kUInt8},
        {"uint16", TypeId::kUInt16},
        {"uint32", TypeId::kUInt32},
        {"uint64", TypeId::kUInt64},
        {"halffloat", TypeId::kFloat16},
        {"float16", TypeId::kFloat16},
        {"float", TypeId::kFloat32},
        {"float32", TypeId::kFloat32},
        {"double", TypeId::kFloat64},
        {"float64", TypeId::kFloat64},
        {"string", TypeId::kUtf8},
        {"utf8", TypeId::kUtf8},
        {"large_string", TypeId::kLargeUtf8},
        {"large_utf8", TypeId::kLargeUtf8},
        {"binary", TypeId::kBinary},
        {"large_binary", TypeId::kLargeBinary},
        {"date32", TypeId::kDate32},
    };
    for (const auto& [name, id] : kPrimitive) {
      if (w == name) return DataType::Make(id);
    }
    if (w == "timestamp") return ParseTimestamp();
    if (w == "list" || w == "large_list") {
      QUIVER_RETURN_NOT_OK(Expect('<'));
      QUIVER_ASSIGN_OR_RETURN(Field element, ParseElement(false));
      QUIVER_RETURN_NOT_OK(Expect('>'));
      return DataType::List(std::move(element), w == "large_list");
    }
    if (w == "fixed_size_list") {
      QUIVER_RETURN_NOT_OK(Expect('<'));
      QUIVER_ASSIGN_OR_RETURN(Field element, ParseElement(false));
      QUIVER_RETURN_NOT_OK(Expect('>'));
      QUIVER_RETURN_NOT_OK(Expect('['));
      SkipSpace();
      int32_t size = 0;
      auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), size);
      if (ec != std::errc() || size < 0) return Error("expected a non-negative list size");
      pos_ = end - text_.data();
      QUIVER_RETURN_NOT_OK(Expect(']'));
      return DataType::FixedSizeList(std::move(element), size);
    }
    if (w == "struct") {
      QUIVER_RETURN_NOT_OK(Expect('<'));
      std::vector<Field> fields;
      if (!Consume('>')) {
        do {
          QUIVER_ASSIGN_OR_RETURN(Field f, ParseElement(true));
          fields.push_back(std::move(f));
        } while (Consume(','));
        QUIVER_RETURN_NOT_OK(Expect('>'));
      }
      return DataType::Struct(std::move(fields));
    }
    pos_ = word_pos;
    return Error("unknown type \"" + std::string(w) + "\"");
  }

  Result<TypePtr> ParseTimestamp() {
    QUIVER_RETURN_NOT_OK(Expect('['));
    std::string_view u = Word();
    TimeUnit unit;
    if (u == "s") {
      unit = TimeUnit::kSecond;
    } else if (u == "ms") {
      unit = TimeUnit::kMilli;
    } else if (u == "us") {
      unit = TimeUnit::kMicro;
    } else if (u == "ns") {
      unit = TimeUnit::kNano;
    } else {
      return Error("expected a time unit (s, ms, us, ns)");
    }
    std::string tz;
    if (Consume(',')) {
      if (Word() != "tz" || !Consume('=')) return Error("expected \"tz=\"");
      SkipSpace();
      size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != ']') ++pos_;
      tz = std::string(text_.substr(start, pos_ - start));
      while (!tz.empty() && std::isspace(static_cast<unsigned char>(tz.back()))) tz.pop_back();
      if (tz.empty()) return Error("empty time zone");
    }
    QUIVER_RETURN_NOT_OK(Expect(']'));
    return DataType::Timestamp(unit, std::move(tz));
  }

  static constexpr int kMaxDepth = 64;
  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<TypePtr> ParseType(std::string_view text) { return TypeParser(text).ParseAll(); }

}  // namespace quiver

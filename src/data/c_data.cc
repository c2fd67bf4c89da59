#include "quiver/c_data.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace quiver {

namespace {

// Foreign structures could nest without end (or form cycles); recursion stops
// here.
constexpr int kMaxNestingDepth = 64;

// ===========================================================================
// Export: types and fields

// Owns the strings and child structs an exported ArrowSchema points to.
struct SchemaPrivate {
  std::string format;
  std::string name;
  std::string metadata;  // encoded; empty means none
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> child_ptrs;
};

void ReleaseSchema(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) return;
  auto* priv = static_cast<SchemaPrivate*>(schema->private_data);
  // Children the consumer moved out are marked released and skipped.
  for (auto& child : priv->children) {
    if (child.release != nullptr) child.release(&child);
  }
  delete priv;
  schema->release = nullptr;
  schema->private_data = nullptr;
}

// Arrow's metadata encoding: int32 count, then for each pair an int32 key
// length, the key bytes, an int32 value length and the value bytes (native
// byte order).
std::string EncodeMetadata(const Metadata& metadata) {
  if (metadata.empty()) return {};
  std::string out;
  auto put32 = [&out](int32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
  put32(static_cast<int32_t>(metadata.size()));
  for (const auto& [key, value] : metadata) {
    put32(static_cast<int32_t>(key.size()));
    out += key;
    put32(static_cast<int32_t>(value.size()));
    out += value;
  }
  return out;
}

Result<std::string> FormatString(const DataType& type) {
  switch (type.id()) {
    case TypeId::kNull:
      return std::string("n");
    case TypeId::kBool:
      return std::string("b");
    case TypeId::kInt8:
      return std::string("c");
    case TypeId::kUInt8:
      return std::string("C");
    case TypeId::kInt16:
      return std::string("s");
    case TypeId::kUInt16:
      return std::string("S");
    case TypeId::kInt32:
      return std::string("i");
    case TypeId::kUInt32:
      return std::string("I");
    case TypeId::kInt64:
      return std::string("l");
    case TypeId::kUInt64:
      return std::string("L");
    case TypeId::kFloat16:
      return std::string("e");
    case TypeId::kFloat32:
      return std::string("f");
    case TypeId::kFloat64:
      return std::string("g");
    case TypeId::kUtf8:
      return std::string("u");
    case TypeId::kLargeUtf8:
      return std::string("U");
    case TypeId::kBinary:
      return std::string("z");
    case TypeId::kLargeBinary:
      return std::string("Z");
    case TypeId::kDate32:
      return std::string("tdD");
    case TypeId::kTimestamp: {
      static const char kUnits[] = {'s', 'm', 'u', 'n'};
      return std::string("ts") + kUnits[static_cast<int>(type.unit())] + ":" + type.timezone();
    }
    case TypeId::kFixedSizeList:
      return "+w:" + std::to_string(type.list_size());
    case TypeId::kList:
      return std::string("+l");
    case TypeId::kLargeList:
      return std::string("+L");
    case TypeId::kStruct:
      return std::string("+s");
  }
  return Status::NotSupported("cannot export type " + type.ToString());
}

// Fills `out` for a field with the given parts; on failure `out` is left
// released (release == nullptr).
Status ExportSchemaNode(const DataType& type, std::string_view name, bool nullable, const Metadata& metadata,
                        const std::vector<Field>* override_children, ArrowSchema* out, int depth) {
  out->release = nullptr;
  if (depth > kMaxNestingDepth) return Status::InvalidArgument("type nested too deeply to export");
  auto format = FormatString(type);
  if (!format.ok()) return format.status();
  auto priv = std::make_unique<SchemaPrivate>();
  priv->format = std::move(*format);
  priv->name = std::string(name);
  priv->metadata = EncodeMetadata(metadata);
  const std::vector<Field>& children = override_children ? *override_children : type.children();
  priv->children.resize(children.size());
  for (size_t i = 0; i < children.size(); ++i) {
    const Field& f = children[i];
    Status st =
        ExportSchemaNode(*f.type, f.name, f.nullable, f.metadata, nullptr, &priv->children[i], depth + 1);
    if (!st.ok()) {
      for (size_t k = 0; k < i; ++k) ReleaseSchema(&priv->children[k]);
      return st;
    }
    priv->child_ptrs.push_back(&priv->children[i]);
  }
  out->format = priv->format.c_str();
  out->name = priv->name.c_str();
  out->metadata = priv->metadata.empty() ? nullptr : priv->metadata.data();
  out->flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  out->n_children = static_cast<int64_t>(priv->children.size());
  out->children = priv->child_ptrs.empty() ? nullptr : priv->child_ptrs.data();
  out->dictionary = nullptr;
  out->release = &ReleaseSchema;
  out->private_data = priv.release();
  return Status::OK();
}

// ===========================================================================
// Export: arrays

// Keeps the exported Quiver data alive until the consumer releases it.
struct ArrayPrivate {
  ArrayPtr array;
  BatchPtr batch;  // for ExportRecordBatch
  std::vector<const void*> buffers;
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> child_ptrs;
};

void ReleaseArray(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) return;
  auto* priv = static_cast<ArrayPrivate*>(array->private_data);
  for (auto& child : priv->children) {
    if (child.release != nullptr) child.release(&child);
  }
  delete priv;
  array->release = nullptr;
  array->private_data = nullptr;
}

void FinishArrayExport(std::unique_ptr<ArrayPrivate> priv, int64_t length, int64_t null_count, int64_t offset,
                       ArrowArray* out) {
  out->length = length;
  out->null_count = null_count;
  out->offset = offset;
  out->n_buffers = static_cast<int64_t>(priv->buffers.size());
  out->n_children = static_cast<int64_t>(priv->children.size());
  out->buffers = priv->buffers.empty() ? nullptr : priv->buffers.data();
  out->children = priv->child_ptrs.empty() ? nullptr : priv->child_ptrs.data();
  out->dictionary = nullptr;
  out->release = &ReleaseArray;
  out->private_data = priv.release();
}

Status ExportArrayNode(const ArrayPtr& array, ArrowArray* out, int depth) {
  out->release = nullptr;
  if (!array) return Status::InvalidArgument("cannot export a null array");
  if (depth > kMaxNestingDepth) return Status::InvalidArgument("array nested too deeply to export");
  auto priv = std::make_unique<ArrayPrivate>();
  priv->array = array;
  for (const auto& b : array->buffers()) priv->buffers.push_back(b ? b->data() : nullptr);
  priv->children.resize(array->children().size());
  for (size_t i = 0; i < array->children().size(); ++i) {
    Status st = ExportArrayNode(array->child(static_cast<int>(i)), &priv->children[i], depth + 1);
    if (!st.ok()) {
      for (size_t k = 0; k < i; ++k) ReleaseArray(&priv->children[k]);
      return st;
    }
    priv->child_ptrs.push_back(&priv->children[i]);
  }
  FinishArrayExport(std::move(priv), array->length(), array->null_count(), array->offset(), out);
  return Status::OK();
}

// ===========================================================================
// Import: types

Status Invalid(const std::string& msg) { return Status::InvalidArgument("Arrow C import: " + msg); }

// Parses Arrow's metadata encoding. The C interface carries no length, so
// only the stated sizes can be checked (non-negative, bounded).
Result<Metadata> DecodeMetadata(const char* p) {
  Metadata out;
  if (p == nullptr) return out;
  auto get32 = [&p]() {
    int32_t v;
    std::memcpy(&v, p, sizeof(v));
    p += sizeof(v);
    return v;
  };
  int32_t count = get32();
  if (count < 0) return Invalid("metadata has a negative entry count");
  for (int32_t i = 0; i < count; ++i) {
    int32_t klen = get32();
    if (klen < 0) return Invalid("metadata key has a negative length");
    std::string key(p, static_cast<size_t>(klen));
    p += klen;
    int32_t vlen = get32();
    if (vlen < 0) return Invalid("metadata value has a negative length");
    std::string value(p, static_cast<size_t>(vlen));
    p += vlen;
    out[std::move(key)] = std::move(value);
  }
  return out;
}

Result<Field> ImportFieldNode(const ArrowSchema* schema, int depth);

Result<std::vector<Field>> ImportChildren(const ArrowSchema* schema, int depth) {
  if (schema->n_children < 0) return Invalid("negative n_children");
  if (schema->n_children > 0 && schema->children == nullptr) return Invalid("children pointer is null");
  std::vector<Field> out;
  for (int64_t i = 0; i < schema->n_children; ++i) {
    if (schema->children[i] == nullptr) return Invalid("child " + std::to_string(i) + " is null");
    auto f = ImportFieldNode(schema->children[i], depth + 1);
    if (!f.ok()) return f.status();
    out.push_back(std::move(*f));
  }
  return out;
}

Result<TypePtr> ImportTypeNode(const ArrowSchema* schema, int depth) {
  if (depth > kMaxNestingDepth)
    return Invalid("schema nested more than " + std::to_string(kMaxNestingDepth) + " levels deep");
  if (schema->format == nullptr) return Invalid("format string is null");
  if (schema->dictionary != nullptr)
    return Status::NotSupported("Arrow C import: dictionary-encoded columns");
  std::string_view fmt(schema->format);
  auto expect_children = [&](int64_t n) -> Status {
    if (schema->n_children != n) {
      return Invalid("format \"" + std::string(fmt) + "\" needs " + std::to_string(n) + " children, got " +
                     std::to_string(schema->n_children));
    }
    return Status::OK();
  };

  static const std::pair<std::string_view, TypeId> kPrimitive[] = {
      {"n", TypeId::kNull},    {"b", TypeId::kBool},        {"c", TypeId::kInt8},
      {"C", TypeId::kUInt8},   {"s", TypeId::kInt16},       {"S", TypeId::kUInt16},
      {"i", TypeId::kInt32},   {"I", TypeId::kUInt32},      {"l", TypeId::kInt64},
      {"L", TypeId::kUInt64},  {"e", TypeId::kFloat16},     {"f", TypeId::kFloat32},
      {"g", TypeId::kFloat64}, {"u", TypeId::kUtf8},        {"U", TypeId::kLargeUtf8},
      {"z", TypeId::kBinary},  {"Z", TypeId::kLargeBinary}, {"tdD", TypeId::kDate32},
  };
  for (const auto& [f, id] : kPrimitive) {
    if (fmt == f) {
      QUIVER_RETURN_NOT_OK(expect_children(0));
      return DataType::Make(id);
    }
  }
  if (fmt.size() >= 4 && fmt.substr(0, 2) == "ts" && fmt[3] == ':') {
    TimeUnit unit;
    switch (fmt[2]) {
      case 's':
        unit = TimeUnit::kSecond;
        break;
      case 'm':
        unit = TimeUnit::kMilli;
        break;
      case 'u':
        unit = TimeUnit::kMicro;
        break;
      case 'n':
        unit = TimeUnit::kNano;
        break;
      default:
        return Invalid("bad timestamp format \"" + std::string(fmt) + "\"");
    }
    QUIVER_RETURN_NOT_OK(expect_children(0));
    return DataType::Timestamp(unit, std::string(fmt.substr(4)));
  }
  if (fmt == "+l" || fmt == "+L") {
    QUIVER_RETURN_NOT_OK(expect_children(1));
    QUIVER_ASSIGN_OR_RETURN(auto children, ImportChildren(schema, depth));
    return DataType::List(std::move(children[0]), fmt == "+L");
  }
  if (fmt.substr(0, 3) == "+w:") {
    std::string_view digits = fmt.substr(3);
    int32_t size = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
    if (ec != std::errc() || end != digits.data() + digits.size() || size < 0) {
      return Invalid("bad fixed-size list format \"" + std::string(fmt) + "\"");
    }
    QUIVER_RETURN_NOT_OK(expect_children(1));
    QUIVER_ASSIGN_OR_RETURN(auto children, ImportChildren(schema, depth));
    return DataType::FixedSizeList(std::move(children[0]), size);
  }
  if (fmt == "+s") {
    QUIVER_ASSIGN_OR_RETURN(auto children, ImportChildren(schema, depth));
    return DataType::Struct(std::move(children));
  }
  // Valid Arrow types Quiver does not model.
  static const std::string_view kKnownUnsupported[] = {"vz", "vu", "d:", "w:", "tdm", "tt",  "tD",
                                                       "ti", "+m", "+u", "+r", "+v",  "+vl", "+vL"};
  for (std::string_view prefix : kKnownUnsupported) {
    if (fmt.substr(0, prefix.size()) == prefix) {
      return Status::NotSupported("Arrow C import: Arrow type with format \"" + std::string(fmt) +
                                  "\" is not supported by Quiver");
    }
  }
  return Invalid("unknown format string \"" + std::string(fmt) + "\"");
}

Result<Field> ImportFieldNode(const ArrowSchema* schema, int depth) {
  auto type = ImportTypeNode(schema, depth);
  if (!type.ok()) {
    if (schema->name && *schema->name)
      return type.status().WithContext("field \"" + std::string(schema->name) + "\"");
    return type.status();
  }
  QUIVER_ASSIGN_OR_RETURN(Metadata metadata, DecodeMetadata(schema->metadata));
  return Field(schema->name ? schema->name : "", std::move(*type), (schema->flags & ARROW_FLAG_NULLABLE) != 0,
               std::move(metadata));
}

// Releases a consumed ArrowSchema whatever the outcome.
struct SchemaReleaser {
  ArrowSchema* schema;
  ~SchemaReleaser() {
    if (schema->release != nullptr) schema->release(schema);
  }
};

// ===========================================================================
// Import: arrays

// The moved-in root of an imported ArrowArray tree; every Buffer wrapping
// its memory holds a reference, and the producer's release runs once, when
// the last one goes away.
struct ImportedArray {
  ArrowArray root;
  ~ImportedArray() {
    if (root.release != nullptr) root.release(&root);
  }
};

class ArrayImporter {
 public:
  explicit ArrayImporter(std::shared_ptr<ImportedArray> owner) : owner_(std::move(owner)) {}

  Result<ArrayPtr> Import(const ArrowArray* a, const TypePtr& type, int depth) {
    if (depth > kMaxNestingDepth) return Invalid("array nested too deeply");
    const std::string tname = type->ToString();
    auto invalid = [&](const std::string& what) { return Invalid(tname + " array: " + what); };
    if (a->length < 0) return invalid("negative length " + std::to_string(a->length));
    if (a->offset < 0) return invalid("negative offset " + std::to_string(a->offset));
    if (a->null_count < -1 || a->null_count > a->length) {
      return invalid("null count " + std::to_string(a->null_count) + " is outside [-1, length]");
    }
    if (a->dictionary != nullptr) return Status::NotSupported("Arrow C import: dictionary-encoded arrays");
    int64_t end;
    if (__builtin_add_overflow(a->offset, a->length, &end)) return invalid("offset + length overflows");
    const int expected_buffers = type->num_buffers();
    if (a->n_buffers != expected_buffers) {
      return invalid("has " + std::to_string(a->n_buffers) + " buffers, expected " +
                     std::to_string(expected_buffers));
    }
    if (expected_buffers > 0 && a->buffers == nullptr) return invalid("buffers pointer is null");
    int64_t expected_children = 0;
    if (type->is_list_like()) expected_children = 1;
    if (type->id() == TypeId::kStruct) expected_children = static_cast<int64_t>(type->children().size());
    if (a->n_children != expected_children) {
      return invalid("has " + std::to_string(a->n_children) + " children, expected " +
                     std::to_string(expected_children));
    }
    if (expected_children > 0 && a->children == nullptr) return invalid("children pointer is null");
    for (int64_t i = 0; i < expected_children; ++i) {
      if (a->children[i] == nullptr) return invalid("child " + std::to_string(i) + " is null");
    }

    if (type->id() == TypeId::kNull) {
      return std::make_shared<const Array>(type, a->length, std::vector<BufferPtr>{}, std::vector<ArrayPtr>{},
                                           a->length, a->offset);
    }

    std::vector<BufferPtr> buffers(expected_buffers);
    // Validity: optional; absent means no nulls.
    if (a->buffers[0] != nullptr) {
      buffers[0] = Wrap(a->buffers[0], (end + 7) / 8);
    } else if (a->null_count > 0) {
      return invalid("null count " + std::to_string(a->null_count) + " but no validity buffer");
    }
    int64_t null_count = a->null_count;  // -1: counted lazily

    int width = type->bit_width();
    if (width == 1) {
      QUIVER_ASSIGN_OR_RETURN(buffers[1], Required(a, 1, (end + 7) / 8, invalid));
      return Make(type, a, std::move(buffers), {}, null_count);
    }
    if (width > 0) {
      int64_t bytes;
      if (__builtin_mul_overflow(end, width / 8, &bytes)) return invalid("values size overflows");
      QUIVER_ASSIGN_OR_RETURN(buffers[1], Required(a, 1, bytes, invalid));
      return Make(type, a, std::move(buffers), {}, null_count);
    }

    std::vector<ArrayPtr> children;
    switch (type->id()) {
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8:
      case TypeId::kBinary:
      case TypeId::kLargeBinary:
      case TypeId::kList:
      case TypeId::kLargeList: {
        int w = type->is_large_offsets() ? 8 : 4;
        int64_t bytes;
        if (__builtin_mul_overflow(end + 1, w, &bytes)) return invalid("offsets size overflows");
        if (a->buffers[1] == nullptr && end == 0) {
          // Some producers export no offsets for empty arrays; use one zero.
          buffers[1] = Buffer::Allocate(static_cast<size_t>(w));
        } else {
          QUIVER_ASSIGN_OR_RETURN(buffers[1], Required(a, 1, bytes, invalid));
        }
        if (type->is_string_like()) {
          // The data size is the last offset; Array::Validate then checks
          // that the offsets are non-negative and increasing.
          int64_t last = w == 8 ? buffers[1]->data_as<int64_t>()[end] : buffers[1]->data_as<int32_t>()[end];
          if (last < 0) return invalid("last offset " + std::to_string(last) + " is negative");
          if (a->buffers[2] == nullptr && last == 0) {
            buffers[2] = Buffer::Allocate(0);
          } else {
            QUIVER_ASSIGN_OR_RETURN(buffers[2], Required(a, 2, last, invalid));
          }
        } else {
          QUIVER_ASSIGN_OR_RETURN(auto child, Import(a->children[0], type->value_type(), depth + 1));
          children.push_back(std::move(child));
        }
        return Make(type, a, std::move(buffers), std::move(children), null_count);
      }
      case TypeId::kFixedSizeList: {
        QUIVER_ASSIGN_OR_RETURN(auto child, Import(a->children[0], type->value_type(), depth + 1));
        children.push_back(std::move(child));
        return Make(type, a, std::move(buffers), std::move(children), null_count);
      }
      case TypeId::kStruct: {
        for (size_t i = 0; i < type->children().size(); ++i) {
          QUIVER_ASSIGN_OR_RETURN(auto child, Import(a->children[i], type->children()[i].type, depth + 1));
          children.push_back(std::move(child));
        }
        return Make(type, a, std::move(buffers), std::move(children), null_count);
      }
      default:
        return Status::NotSupported("Arrow C import: type " + tname);
    }
  }

 private:
  BufferPtr Wrap(const void* data, int64_t size) {
    auto owner = owner_;
    return Buffer::Wrap(data, static_cast<size_t>(size), [owner] {});
  }

  template <typename Invalid>
  Result<BufferPtr> Required(const ArrowArray* a, int i, int64_t size, const Invalid& invalid) {
    if (a->buffers[i] == nullptr) {
      if (size == 0) return Buffer::Allocate(0);
      return invalid("buffer " + std::to_string(i) + " is null but " + std::to_string(size) +
                     " bytes are needed");
    }
    return Wrap(a->buffers[i], size);
  }

  static Result<ArrayPtr> Make(const TypePtr& type, const ArrowArray* a, std::vector<BufferPtr> buffers,
                               std::vector<ArrayPtr> children, int64_t null_count) {
    return std::make_shared<const Array>(type, a->length, std::move(buffers), std::move(children), null_count,
                                         a->offset);
  }

  std::shared_ptr<ImportedArray> owner_;
};

// Moves `array` into a shared owner (marking the source released) and
// imports it as `type`, validated.
Result<ArrayPtr> ImportOwned(ArrowArray* array, const TypePtr& type) {
  if (array == nullptr) return Invalid("ArrowArray pointer is null");
  if (array->release == nullptr) return Invalid("ArrowArray is already released");
  auto owner = std::make_shared<ImportedArray>();
  owner->root = *array;
  array->release = nullptr;
  if (!type) return Invalid("no type given for the array");
  ArrayImporter importer(owner);
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, importer.Import(&owner->root, type, 0));
  QUIVER_RETURN_NOT_OK(out->Validate().WithContext("Arrow C import"));
  return out;
}

// ===========================================================================
// Streams

int ErrnoFor(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
      return EINVAL;
    case StatusCode::kNotSupported:
      return ENOSYS;
    case StatusCode::kResourceExhausted:
      return ENOMEM;
    default:
      return EIO;
  }
}

struct StreamPrivate {
  std::unique_ptr<BatchReader> reader;
  std::string last_error;
};

int StreamGetSchema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  Status st = ExportSchema(*priv->reader->schema(), out);
  if (!st.ok()) {
    priv->last_error = st.ToString();
    return ErrnoFor(st);
  }
  return 0;
}

int StreamGetNext(ArrowArrayStream* stream, ArrowArray* out) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  auto batch = priv->reader->Next();
  Status st = batch.status();
  if (st.ok()) {
    if (*batch == nullptr) {
      out->release = nullptr;  // end of stream
      return 0;
    }
    st = ExportRecordBatch(*batch, out);
  }
  if (!st.ok()) {
    priv->last_error = st.ToString();
    return ErrnoFor(st);
  }
  return 0;
}

const char* StreamGetLastError(ArrowArrayStream* stream) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  return priv->last_error.empty() ? nullptr : priv->last_error.c_str();
}

void StreamRelease(ArrowArrayStream* stream) {
  if (stream == nullptr || stream->release == nullptr) return;
  delete static_cast<StreamPrivate*>(stream->private_data);
  stream->release = nullptr;
  stream->private_data = nullptr;
}

// A BatchReader over a foreign ArrowArrayStream (moved in; released when the
// reader goes away). Batches stay valid after that: each owns its arrays.
class StreamReader final : public BatchReader {
 public:
  StreamReader(ArrowArrayStream stream, SchemaPtr schema) : stream_(stream), schema_(std::move(schema)) {}
  ~StreamReader() override {
    if (stream_.release != nullptr) stream_.release(&stream_);
  }

  const SchemaPtr& schema() const override { return schema_; }

  Result<BatchPtr> Next() override {
    if (done_) return BatchPtr();
    ArrowArray array;
    std::memset(&array, 0, sizeof(array));
    int rc = stream_.get_next(&stream_, &array);
    if (rc != 0) {
      done_ = true;  // the stream is unusable after an error (Arrow spec)
      const char* err = stream_.get_last_error ? stream_.get_last_error(&stream_) : nullptr;
      return Status::IOError("Arrow C stream get_next failed (error " + std::to_string(rc) +
                             "): " + (err ? err : "no message"));
    }
    if (array.release == nullptr) {
      done_ = true;
      return BatchPtr();
    }
    return ImportRecordBatch(&array, schema_);
  }

 private:
  ArrowArrayStream stream_;
  SchemaPtr schema_;
  bool done_ = false;
};

}  // namespace

// ===========================================================================
// Public entry points

Status ExportType(const DataType& type, ArrowSchema* out) {
  return ExportSchemaNode(type, "", true, {}, nullptr, out, 0);
}

Status ExportField(const Field& field, ArrowSchema* out) {
  if (!field.type) {
    out->release = nullptr;
    return Status::InvalidArgument("field \"" + field.name + "\" has no type");
  }
  return ExportSchemaNode(*field.type, field.name, field.nullable, field.metadata, nullptr, out, 0);
}

Status ExportSchema(const Schema& schema, ArrowSchema* out) {
  static const TypePtr kEmptyStruct = struct_({});
  return ExportSchemaNode(*kEmptyStruct, "", false, schema.metadata(), &schema.fields(), out, 0);
}

Status ExportArray(const ArrayPtr& array, ArrowArray* out) { return ExportArrayNode(array, out, 0); }

Status ExportRecordBatch(const BatchPtr& batch, ArrowArray* out) {
  out->release = nullptr;
  if (!batch) return Status::InvalidArgument("cannot export a null record batch");
  auto priv = std::make_unique<ArrayPrivate>();
  priv->batch = batch;
  priv->buffers.push_back(nullptr);  // struct validity: no nulls
  priv->children.resize(batch->columns().size());
  for (size_t i = 0; i < batch->columns().size(); ++i) {
    Status st = ExportArrayNode(batch->column(static_cast<int>(i)), &priv->children[i], 1);
    if (!st.ok()) {
      for (size_t k = 0; k < i; ++k) ReleaseArray(&priv->children[k]);
      return st.WithContext("column \"" + batch->schema()->field(static_cast<int>(i)).name + "\"");
    }
    priv->child_ptrs.push_back(&priv->children[i]);
  }
  FinishArrayExport(std::move(priv), batch->num_rows(), 0, 0, out);
  return Status::OK();
}

Status ExportBatchReader(std::unique_ptr<BatchReader> reader, ArrowArrayStream* out) {
  out->release = nullptr;
  if (!reader) return Status::InvalidArgument("cannot export a null batch reader");
  auto priv = new StreamPrivate{std::move(reader), {}};
  out->get_schema = &StreamGetSchema;
  out->get_next = &StreamGetNext;
  out->get_last_error = &StreamGetLastError;
  out->release = &StreamRelease;
  out->private_data = priv;
  return Status::OK();
}

Result<Field> ImportField(ArrowSchema* schema) {
  if (schema == nullptr) return Invalid("ArrowSchema pointer is null");
  if (schema->release == nullptr) return Invalid("ArrowSchema is already released");
  SchemaReleaser releaser{schema};
  return ImportFieldNode(schema, 0);
}

Result<TypePtr> ImportType(ArrowSchema* schema) {
  QUIVER_ASSIGN_OR_RETURN(Field field, ImportField(schema));
  return field.type;
}

Result<SchemaPtr> ImportSchema(ArrowSchema* schema) {
  if (schema == nullptr) return Invalid("ArrowSchema pointer is null");
  if (schema->release == nullptr) return Invalid("ArrowSchema is already released");
  SchemaReleaser releaser{schema};
  if (schema->format == nullptr || std::string_view(schema->format) != "+s") {
    return Invalid(std::string("a schema must have struct format \"+s\", got \"") +
                   (schema->format ? schema->format : "(null)") + "\"");
  }
  QUIVER_ASSIGN_OR_RETURN(auto fields, ImportChildren(schema, 0));
  QUIVER_ASSIGN_OR_RETURN(Metadata metadata, DecodeMetadata(schema->metadata));
  return std::make_shared<const Schema>(std::move(fields), std::move(metadata));
}

Result<ArrayPtr> ImportArray(ArrowArray* array, const TypePtr& type) { return ImportOwned(array, type); }

Result<BatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema) {
  if (!schema) {
    if (array && array->release) array->release(array);
    return Invalid("no schema given for the record batch");
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr root, ImportOwned(array, struct_(schema->fields())));
  if (root->null_count() != 0) {
    return Invalid("a record batch's struct array must not have nulls (has " +
                   std::to_string(root->null_count()) + ")");
  }
  // Struct children are indexed through the parent's offset; columns are
  // therefore the children sliced to the parent's window.
  std::vector<ArrayPtr> columns;
  columns.reserve(root->children().size());
  for (const auto& child : root->children()) {
    bool whole = root->offset() == 0 && child->length() == root->length();
    columns.push_back(whole ? child : child->Slice(root->offset(), root->length()));
  }
  return RecordBatch::Make(schema, std::move(columns));
}

Result<std::unique_ptr<BatchReader>> ImportBatchReader(ArrowArrayStream* stream) {
  if (stream == nullptr) return Invalid("ArrowArrayStream pointer is null");
  if (stream->release == nullptr) return Invalid("ArrowArrayStream is already released");
  ArrowArrayStream moved = *stream;
  stream->release = nullptr;
  auto release_moved = [&moved] {
    if (moved.release != nullptr) moved.release(&moved);
  };
  if (moved.get_schema == nullptr || moved.get_next == nullptr) {
    release_moved();
    return Invalid("stream callbacks are null");
  }
  ArrowSchema c_schema;
  std::memset(&c_schema, 0, sizeof(c_schema));
  int rc = moved.get_schema(&moved, &c_schema);
  if (rc != 0) {
    const char* err = moved.get_last_error ? moved.get_last_error(&moved) : nullptr;
    Status st = Status::IOError("Arrow C stream get_schema failed (error " + std::to_string(rc) +
                                "): " + (err ? err : "no message"));
    release_moved();
    return st;
  }
  auto schema = ImportSchema(&c_schema);
  if (!schema.ok()) {
    release_moved();
    return schema.status();
  }
  return std::unique_ptr<BatchReader>(std::make_unique<StreamReader>(moved, std::move(*schema)));
}

}  // namespace quiver

// Data types, fields and schemas: the logical shape of a table.
//
// The type system mirrors Apache Arrow's, restricted to what vector-database
// users store: booleans, signed/unsigned integers, float16/32/64, utf8 and
// binary (32- and 64-bit offsets), fixed-size lists (the vector type),
// variable lists, structs, timestamps and date32. Types are immutable and
// shared through `TypePtr`; compare them with `Equals`, not pointers.
//
// Thread-safety: all types here are immutable after construction.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/status.h"

namespace quiver {

enum class TypeId : uint8_t {
  kNull = 0,
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat16,
  kFloat32,
  kFloat64,
  kUtf8,
  kLargeUtf8,
  kBinary,
  kLargeBinary,
  kFixedSizeList,
  kList,
  kLargeList,
  kStruct,
  kTimestamp,
  kDate32,
};

enum class TimeUnit : uint8_t { kSecond, kMilli, kMicro, kNano };

// Key/value metadata on fields and schemas, ordered for stable output.
using Metadata = std::map<std::string, std::string>;

class DataType;
using TypePtr = std::shared_ptr<const DataType>;
struct Field;

struct Field {
  std::string name;
  TypePtr type;
  bool nullable = true;
  Metadata metadata;

  Field() = default;
  Field(std::string name, TypePtr type, bool nullable = true, Metadata metadata = {})
      : name(std::move(name)), type(std::move(type)), nullable(nullable), metadata(std::move(metadata)) {}

  bool Equals(const Field& other, bool check_metadata = false) const;
  // e.g. "vector: fixed_size_list<float>[128] not null".
  std::string ToString() const;
};

class DataType {
 public:
  TypeId id() const { return id_; }

  // Children: the element field of list types, the member fields of structs.
  const std::vector<Field>& children() const { return children_; }
  // For kFixedSizeList: the number of elements per value.
  int32_t list_size() const { return list_size_; }
  // For kTimestamp.
  TimeUnit unit() const { return unit_; }
  const std::string& timezone() const { return timezone_; }

  // Element type of list types; precondition: a list type.
  const TypePtr& value_type() const { return children_[0].type; }

  bool Equals(const DataType& other) const;
  // A readable name in Lance/Arrow style: "int64", "float", "double",
  // "string", "fixed_size_list<float>[128]", "struct<a: int32, b: string>",
  // "timestamp[us, tz=UTC]".
  std::string ToString() const;

  // Width in bits of one value in the values buffer for fixed-width types
  // (1 for bool, 8..64 for numbers, dates, timestamps); 0 otherwise.
  int bit_width() const;
  bool is_fixed_width() const { return bit_width() > 0; }
  bool is_integer() const;
  bool is_floating() const;
  bool is_numeric() const { return is_integer() || is_floating(); }
  bool is_string_like() const;  // utf8 and binary, both widths
  bool is_large_offsets() const;  // large_utf8, large_binary, large_list
  bool is_list_like() const;  // list, large_list, fixed_size_list
  // True for fixed-size lists of float16/32, int8 or uint8: a vector column.
  bool is_vector() const;

  // Number of Arrow buffers in this type's layout (validity included).
  int num_buffers() const;

  // Constructors for parameterised types (primitive types are singletons below).
  static TypePtr Make(TypeId id);
  static TypePtr FixedSizeList(Field element, int32_t size);
  static TypePtr List(Field element, bool large = false);
  static TypePtr Struct(std::vector<Field> fields);
  static TypePtr Timestamp(TimeUnit unit, std::string timezone = "");

 private:
  explicit DataType(TypeId id) : id_(id) {}
  TypeId id_;
  int32_t list_size_ = 0;
  TimeUnit unit_ = TimeUnit::kMicro;
  std::string timezone_;
  std::vector<Field> children_;
};

// Shorthands for common types.
TypePtr null_type();
TypePtr boolean();
TypePtr int8();
TypePtr int16();
TypePtr int32();
TypePtr int64();
TypePtr uint8();
TypePtr uint16();
TypePtr uint32();
TypePtr uint64();
TypePtr float16();
TypePtr float32();
TypePtr float64();
TypePtr utf8();
TypePtr large_utf8();
TypePtr binary();
TypePtr large_binary();
TypePtr date32();
TypePtr timestamp(TimeUnit unit, std::string timezone = "");
// fixed_size_list<element_type>[dim], element named "item", nullable.
TypePtr vector_type(int32_t dim, TypePtr element_type = nullptr /* float32 */);
TypePtr list(TypePtr element_type);
TypePtr struct_(std::vector<Field> fields);

class Schema;
using SchemaPtr = std::shared_ptr<const Schema>;

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields, Metadata metadata = {})
      : fields_(std::move(fields)), metadata_(std::move(metadata)) {}

  const std::vector<Field>& fields() const { return fields_; }
  int num_fields() const { return static_cast<int>(fields_.size()); }
  const Field& field(int i) const { return fields_[i]; }
  const Metadata& metadata() const { return metadata_; }

  // Index of the top-level field named `name`, or -1.
  int FieldIndex(std::string_view name) const;
  // The field named `name`, or NotFound naming the closest existing names.
  Result<const Field*> GetField(std::string_view name) const;

  // A schema holding only the named columns, in the given order.
  Result<SchemaPtr> Project(const std::vector<std::string>& names) const;

  bool Equals(const Schema& other, bool check_metadata = false) const;
  // One field per line.
  std::string ToString() const;

  // Checks that `other` (the schema of data being written) can be stored in a
  // table of this schema: same column names and types, nullability respected.
  // The error names the column and both types.
  Status CheckCompatible(const Schema& other) const;

 private:
  std::vector<Field> fields_;
  Metadata metadata_;
};

// Parses a type from its ToString() form (used by the manifest and CLI).
Result<TypePtr> ParseType(std::string_view text);

}  // namespace quiver

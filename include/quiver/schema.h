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

  // Structural equality: ids, list sizes, time units and zones, child types
  // and nullability, struct member names. The element name of list types
  // ("item", "element", ...) is a label that differs between producers and
  // is ignored; field metadata is ignored.
  bool Equals(const DataType& other) const;
  // A readable name in Lance/Arrow style: "null", "bool", "int8".."uint64",
  // "halffloat" (float16), "float", "double", "string", "large_string",
  // "binary", "large_binary", "date32", "timestamp[us]",
  // "timestamp[us, tz=UTC]", "fixed_size_list<float>[128]", "list<string>",
  // "large_list<int32>", "struct<a: int32, b: string not null>". A list
  // element is shown as "name: type" only when its name is not "item", and
  // field names that are not identifiers are double-quoted, so that
  // ParseType(ToString()) gives back an equal type with the same names.
  std::string ToString() const;

  // Width in bits of one value in the values buffer for fixed-width types
  // (1 for bool, 8..64 for numbers, dates, timestamps); 0 otherwise.
  int bit_width() const;
  bool is_fixed_width() const { return bit_width() > 0; }
  bool is_integer() const;
  bool is_floating() const;
  bool is_numeric() const { return is_integer() || is_floating(); }
  bool is_string_like() const;    // utf8 and binary, both widths
  bool is_large_offsets() const;  // large_utf8, large_binary, large_list
  bool is_list_like() const;      // list, large_list, fixed_size_list
  // True for fixed-size lists of float16/32, int8 or uint8: a vector column.
  bool is_vector() const;

  // Number of Arrow buffers in this type's layout (validity included); 0 for
  // the null type, as in the Arrow C Data Interface.
  int num_buffers() const;

  // The shared instance of a primitive type. For kStruct an empty struct, for
  // kTimestamp timestamp[us]; nullptr for the list types (they need an
  // element: use FixedSizeList / List).
  static TypePtr Make(TypeId id);
  // Constructors for parameterised types (primitive types are singletons below).
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
  // The field named `name`, or NotFound naming the closest existing names
  // (by case-insensitive edit distance): `no column named "vectr"; did you
  // mean "vector"?`.
  Result<const Field*> GetField(std::string_view name) const;

  // A schema holding only the named columns, in the given order (metadata
  // kept). NotFound for an unknown name, InvalidArgument for a repeated one.
  Result<SchemaPtr> Project(const std::vector<std::string>& names) const;

  bool Equals(const Schema& other, bool check_metadata = false) const;
  // One field per line.
  std::string ToString() const;

  // Checks that `other` (the schema of data being written) can be stored in a
  // table of this schema: the same set of column names, each with the same
  // type. InvalidArgument otherwise, naming the column and both types, e.g.
  // `column "vector" has type fixed_size_list<float>[96], table expects
  // fixed_size_list<float>[128]`, or the missing / extra column.
  //
  // Columns are matched by name, so their order may differ: writers must
  // line the data up with the table (RecordBatch::Project with the table's
  // field names does this without copying).
  //
  // Nullability is not compared: a nullable field in the data may go into a
  // non-nullable table column (at any depth), because whether nulls actually
  // occur is a property of the values, not the schema. Writers check values
  // with RecordBatch::CheckNulls(table_schema). Metadata is ignored.
  Status CheckCompatible(const Schema& other) const;

 private:
  std::vector<Field> fields_;
  Metadata metadata_;
};

// Parses a type from its ToString() form (used by the manifest and CLI);
// also accepts the aliases "boolean", "float16", "float32", "float64",
// "utf8" and "large_utf8", and any spacing. InvalidArgument, with the
// position, on anything else.
Result<TypePtr> ParseType(std::string_view text);

}  // namespace quiver

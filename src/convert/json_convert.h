// Conversions between parsed JSON values (nlohmann::ordered_json, which keeps
// the file's key order) and Quiver types: inferring a type from sample
// values, and appending a value to an ArrayBuilder of a given type.
//
// Errors carry no line number; the readers prefix it. Their message names the
// column path ("column \"meta.author\": expected string, got number 5").
//
// Thread-safety: JsonTypeInference and JsonRowAppender are not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "convert/json_tape.h"
#include "quiver/array.h"
#include "quiver/builder.h"
#include "quiver/schema.h"

namespace quiver::convert {

using Json = nlohmann::ordered_json;

// A column path for error messages, built only when an error happens: each
// nesting level points at its parent.
struct JsonPath {
  const JsonPath* parent = nullptr;
  std::string_view name;
  std::string ToString() const;
};

// A short description of a JSON value for error messages: `string "abc"`,
// `number 1.5`, `array [1,2,…]`, `object {"a":1}`.
std::string DescribeJson(const Json& value);

// Infers column types from sample rows (JSON objects), as described in
// file_reader.h.
class JsonTypeInference {
 public:
  JsonTypeInference();
  ~JsonTypeInference();
  // Widens the inferred types to admit `row`, found on `line` (named in
  // vector length errors). InvalidArgument when a value conflicts with the
  // type seen so far or `row` is not an object.
  Status AddRow(const Json& row, int64_t line);
  // Widens the type of a single value (used for one CSV column).
  Status AddValue(const Json& value, std::string_view column, int64_t line);
  // The schema of the rows added so far, columns in first-seen order. Columns
  // that only held nulls are nullable strings.
  SchemaPtr ToSchema() const;
  // The type of the single column fed through AddValue().
  TypePtr ValueType() const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::unique_ptr<Node> value_;
};

// Appends `value` to `builder`, whose type is `field.type`. Numbers convert
// between integer and floating types (a non-integral number into an integer
// column fails); a JSON array into a fixed_size_list must have list_size
// elements. `scratch` is reused between calls to avoid allocations.
Status AppendJsonValue(const Json& value, const Field& field, ArrayBuilder* builder, const JsonPath& path,
                       std::vector<float>* scratch);

// Appends JSON objects as rows of a schema: one builder per column; keys are
// matched to columns by name; missing keys are null.
class JsonRowAppender {
 public:
  // `unknown_key_hint` is appended to the error for a key that is not a column.
  JsonRowAppender(SchemaPtr schema, std::string unknown_key_hint);
  // Appends one row (a parsed DOM or a tape). On error the builders are left
  // partially appended; the caller must stop using this appender.
  Status AppendRow(const Json& row);
  Status AppendRow(const JsonTape& row);
  int64_t num_rows() const { return num_rows_; }
  // The rows appended since the last call, as a batch; resets the builders.
  Result<BatchPtr> Finish();

 private:
  template <typename V>
  Status AppendRowValue(const V& row);

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  SchemaPtr schema_;
  std::string unknown_key_hint_;
  std::vector<std::unique_ptr<ArrayBuilder>> builders_;
  std::unordered_map<std::string, int, Hash, std::equal_to<>> index_;
  std::vector<int64_t> seen_;  // per column, the row number it was last set in
  std::vector<float> scratch_;
  int64_t num_rows_ = 0;
};

}  // namespace quiver::convert

// JsonTape: a fast, reusable parse of one JSON text into a flat array of
// nodes, for the rows after schema inference (nlohmann's DOM allocates per
// value and is several times slower on vector-heavy rows).
//
// Strings without escapes are views into the parsed text; escaped strings are
// unescaped into an arena reused between rows, so parsing a row allocates
// nothing once the buffers have grown. The parse is strict RFC 8259; callers
// re-parse a rejected text with nlohmann::json to report its error message.
//
// Thread-safety: not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/status.h"

namespace quiver::convert {

class JsonTape {
 public:
  enum class Kind : uint8_t { kNull, kBool, kInt, kUInt, kDouble, kString, kArray, kObject };

  struct Node {
    Kind kind;
    bool boolean = false;
    uint32_t next = 0;   // index of the node after this value and its children
    uint32_t count = 0;  // kArray: elements; kObject: members (each a key node, then the value)
    uint32_t begin = 0;  // the value's bytes in the text, for messages
    uint32_t end = 0;
    union {
      int64_t i;
      uint64_t u;
      double d;
    } number = {0};
    std::string_view str;  // kString (and object keys)
  };

  // Parses `text` (one JSON value, surrounding whitespace allowed). The nodes
  // and strings stay valid until the next Parse and while `text` lives.
  // InvalidArgument with a short reason on malformed input.
  Status Parse(std::string_view text);

  const Node& node(uint32_t i) const { return nodes_[i]; }
  std::string_view text() const { return text_; }
  // The root value is node 0.

 private:
  Status ParseValue(int depth);
  Status ParseString(std::string_view* out);
  Status ParseNumber(Node* node);
  Status Error(const char* what) const;
  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::vector<Node> nodes_;
  std::string arena_;  // unescaped strings; reserved to the text size so views stay put
};

// A value on a tape, with the interface the JSON appenders expect.
class TapeValue {
 public:
  TapeValue(const JsonTape* tape, uint32_t index) : tape_(tape), index_(index) {}

  bool is_null() const { return node().kind == JsonTape::Kind::kNull; }
  bool is_bool() const { return node().kind == JsonTape::Kind::kBool; }
  bool is_uint() const { return node().kind == JsonTape::Kind::kUInt; }
  bool is_int() const { return node().kind == JsonTape::Kind::kInt; }
  bool is_double() const { return node().kind == JsonTape::Kind::kDouble; }
  bool is_number() const { return is_int() || is_uint() || is_double(); }
  bool is_string() const { return node().kind == JsonTape::Kind::kString; }
  bool is_array() const { return node().kind == JsonTape::Kind::kArray; }
  bool is_object() const { return node().kind == JsonTape::Kind::kObject; }

  bool as_bool() const { return node().boolean; }
  int64_t as_int() const { return node().number.i; }
  uint64_t as_uint() const { return node().number.u; }
  double as_double() const {
    switch (node().kind) {
      case JsonTape::Kind::kInt:
        return static_cast<double>(node().number.i);
      case JsonTape::Kind::kUInt:
        return static_cast<double>(node().number.u);
      default:
        return node().number.d;
    }
  }
  std::string_view as_string() const { return node().str; }
  size_t size() const { return node().count; }

  // Calls f(TapeValue) for each element; stops at the first error.
  template <typename F>
  Status ForEachElement(F&& f) const {
    uint32_t i = index_ + 1;
    for (uint32_t k = 0; k < node().count; ++k) {
      QUIVER_RETURN_NOT_OK(f(TapeValue(tape_, i)));
      i = tape_->node(i).next;
    }
    return Status::OK();
  }
  // Calls f(key, TapeValue) for each member; stops at the first error.
  template <typename F>
  Status ForEachMember(F&& f) const {
    uint32_t i = index_ + 1;
    for (uint32_t k = 0; k < node().count; ++k) {
      std::string_view key = tape_->node(i).str;
      QUIVER_RETURN_NOT_OK(f(key, TapeValue(tape_, i + 1)));
      i = tape_->node(i + 1).next;
    }
    return Status::OK();
  }
  // The member named `key`, or false.
  bool Find(std::string_view key, TapeValue* out) const {
    uint32_t i = index_ + 1;
    for (uint32_t k = 0; k < node().count; ++k) {
      if (tape_->node(i).str == key) {
        *out = TapeValue(tape_, i + 1);
        return true;
      }
      i = tape_->node(i + 1).next;
    }
    return false;
  }
  // `string "abc"`, `number 1.5`, `array [1, 2]` (the text as written).
  std::string Describe() const;

 private:
  const JsonTape::Node& node() const { return tape_->node(index_); }
  const JsonTape* tape_;
  uint32_t index_;
};

}  // namespace quiver::convert

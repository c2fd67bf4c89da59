// A minimal FlatBuffers encoder and bounds-checked decoder: just what the
// Arrow IPC metadata (Schema, Message, RecordBatch, Footer) needs, so that
// reading and writing Arrow needs no FlatBuffers library or generated code.
//
// The wire format, in brief: a buffer starts with a uint32 offset to its root
// table. A table starts with an int32 distance back to its vtable; the vtable
// holds uint16 sizes (of itself, of the table) and then, per field id, the
// field's position inside the table (0: absent, read as the default).
// References to strings, vectors and tables are uint32 offsets that point
// forward from where they are stored. A vector is a uint32 count followed by
// its elements; a string a uint32 length, the bytes and a NUL. A union is two
// fields: a uint8 type code (id n) and a table reference (id n + 1). All
// integers are little-endian.
//
// Builder writes back to front, as the reference implementation does: an
// object's children are created first and end up after it, so every offset
// points forward. Scalars and vectors are aligned to their size within the
// finished buffer, whose length is a multiple of 8.
//
// Parser never reads outside its input: every offset, vtable and vector is
// checked against the buffer, and the first problem is recorded in status()
// while accessors return defaults, so decoding code can read fields freely
// and check status() once.
//
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/status.h"

namespace quiver::convert::flatbuf {

class Builder {
 public:
  // A created object: its distance from the end of the buffer.
  using Ref = uint32_t;

  Builder();

  Ref CreateString(std::string_view s);
  // A vector of `count` inline elements (scalars or structs) of `elem_size`
  // bytes each, already encoded little-endian in `bytes`, aligned to
  // `alignment` (a power of two, at most 8).
  Ref CreateVector(std::string_view bytes, size_t count, size_t elem_size, size_t alignment);
  // A vector of references to tables or strings.
  Ref CreateRefVector(const std::vector<Ref>& refs);

  // Tables: StartTable, the fields in any order, EndTable. Tables cannot
  // nest: create children before starting their parent. Every field given
  // is written, default values included.
  void StartTable();
  void AddUint8(int id, uint8_t v);
  void AddInt16(int id, int16_t v);
  void AddInt32(int id, int32_t v);
  void AddInt64(int id, int64_t v);
  void AddRef(int id, Ref ref);
  Ref EndTable();

  // The finished buffer with `root` as its root table; length a multiple of
  // 8. The builder is left empty.
  std::string Finish(Ref root);

 private:
  uint32_t size() const { return static_cast<uint32_t>(buf_.size() - head_); }
  void Reserve(size_t n);
  void Push(const void* bytes, size_t n);
  void PushLittleEndian(uint64_t v, size_t n);
  void Pad(size_t n);
  // Pads so that the next object of size `alignment` is aligned.
  void Align(size_t alignment);
  // Pads so that after `len` more bytes the size is a multiple of `alignment`.
  void PreAlign(size_t len, size_t alignment);
  // The uint32 value of a reference to `ref` stored at the current position
  // (after alignment).
  uint32_t ReferTo(Ref ref);

  // The buffer grows downwards: bytes live in buf_[head_, buf_.size()).
  std::vector<uint8_t> buf_;
  size_t head_;
  size_t min_align_ = 8;
  // The table being built: where it started and its fields (id, position).
  uint32_t table_start_ = 0;
  std::vector<std::pair<int, uint32_t>> fields_;
};

class Parser;

// A table inside a parsed buffer. A default-constructed Table stands for an
// absent one: every field reads as its default.
class Table {
 public:
  Table() = default;
  bool present() const { return parser_ != nullptr; }
  // Whether field `id` is stored.
  bool Has(int id) const;

  uint8_t GetUint8(int id, uint8_t def = 0) const;
  bool GetBool(int id, bool def = false) const { return GetUint8(id, def ? 1 : 0) != 0; }
  int16_t GetInt16(int id, int16_t def = 0) const;
  int32_t GetInt32(int id, int32_t def = 0) const;
  int64_t GetInt64(int id, int64_t def = 0) const;
  // "" when absent.
  std::string_view GetString(int id) const;
  Table GetTable(int id) const;

  // A vector of tables: its length and element i.
  struct TableVector {
    const Parser* parser = nullptr;
    uint32_t data = 0;  // position of the first element
    uint32_t length = 0;
    Table at(uint32_t i) const;
    std::string_view string_at(uint32_t i) const;
  };
  TableVector GetTableVector(int id) const;
  // A vector of inline elements of `elem_size` bytes each (structs or
  // scalars): element i is bytes [i * elem_size, (i + 1) * elem_size).
  std::string_view GetInlineVector(int id, size_t elem_size, uint32_t* length) const;

 private:
  friend class Parser;
  // Position of field `id` when it is stored and its `size` bytes lie inside
  // the table; 0 otherwise (a field can never be at position 0).
  uint32_t FieldPos(int id, size_t size) const;

  const Parser* parser_ = nullptr;
  uint32_t pos_ = 0;
  uint32_t vtable_ = 0;
  uint16_t vtable_size_ = 0;
  uint16_t table_size_ = 0;
};

class Parser {
 public:
  // `bytes` must outlive the parser and the tables read from it.
  explicit Parser(std::string_view bytes) : bytes_(bytes) {}
  Table Root() const;
  size_t size() const { return bytes_.size(); }
  // OK, or InvalidArgument describing the first out-of-bounds or malformed
  // structure met so far.
  const Status& status() const { return status_; }

 private:
  friend class Table;
  // Records the first problem; later ones are consequences of it.
  void Fail(const std::string& what, uint64_t pos) const;
  // Reads `n` (<= 8) little-endian bytes at `pos`; 0 and Fail when outside.
  uint64_t Read(uint64_t pos, size_t n) const;
  // The table at `pos` (absent, with Fail, when malformed).
  Table TableAt(uint64_t pos) const;
  // Follows the uint32 reference stored at `pos`; 0 with Fail when it
  // points outside the buffer.
  uint32_t Follow(uint64_t pos) const;
  // The vector whose count is at `pos`, with elements of `elem_size` bytes;
  // sets *length and returns the position of the first element.
  uint32_t VectorAt(uint64_t pos, size_t elem_size, uint32_t* length) const;
  std::string_view StringAt(uint64_t pos) const;

  std::string_view bytes_;
  mutable Status status_;
};

}  // namespace quiver::convert::flatbuf

// Byte coding for persisted formats: little-endian fixed-width integers and
// LEB128 varints (7 bits per byte, low groups first, high bit = "more").
//
//   std::string out;
//   PutFixed32(&out, kMagic);
//   PutVarint64(&out, num_rows);
//   PutLengthPrefixed(&out, name);
//
//   std::string_view in = out;
//   uint32_t magic;
//   uint64_t rows;
//   std::string_view name;
//   if (!GetFixed32(&in, &magic) || !GetVarint64(&in, &rows) || !GetLengthPrefixed(&in, &name))
//     return Status::Corruption("truncated header");
//
// The Get* functions never read past the end of their input: on truncated or
// malformed input they return false and leave the input unchanged. On
// success they advance the input past what they consumed. Encoding is
// independent of the host's byte order.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace quiver {

// Longest encodings.
inline constexpr int kMaxVarint32Bytes = 5;
inline constexpr int kMaxVarint64Bytes = 10;

// --- Fixed width, little-endian. `buf` must hold 4 (or 8) bytes.

inline void EncodeFixed32(uint8_t* buf, uint32_t v) {
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void EncodeFixed64(uint8_t* buf, uint64_t v) {
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint32_t DecodeFixed32(const uint8_t* buf) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(buf[i]) << (8 * i);
  return v;
}
inline uint64_t DecodeFixed64(const uint8_t* buf) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(buf[i]) << (8 * i);
  return v;
}
inline uint32_t DecodeFixed32(const char* buf) {
  return DecodeFixed32(reinterpret_cast<const uint8_t*>(buf));
}
inline uint64_t DecodeFixed64(const char* buf) {
  return DecodeFixed64(reinterpret_cast<const uint8_t*>(buf));
}

// Appends 4 (or 8) bytes to `out`.
void PutFixed32(std::string* out, uint32_t v);
void PutFixed64(std::string* out, uint64_t v);

// Reads 4 (or 8) bytes; false when fewer remain.
bool GetFixed32(std::string_view* in, uint32_t* v);
bool GetFixed64(std::string_view* in, uint64_t* v);

// --- Varints

// Writes the varint of `v` at `buf` (room for kMaxVarint*Bytes) and returns
// the byte past its end.
uint8_t* EncodeVarint32(uint8_t* buf, uint32_t v);
uint8_t* EncodeVarint64(uint8_t* buf, uint64_t v);
// Number of bytes the varint of `v` takes (1..10).
int VarintLength(uint64_t v);

void PutVarint32(std::string* out, uint32_t v);
void PutVarint64(std::string* out, uint64_t v);

// Reads a varint. False when the input ends inside it, when it is longer
// than the maximum encoding, or when its value does not fit the type.
bool GetVarint32(std::string_view* in, uint32_t* v);
bool GetVarint64(std::string_view* in, uint64_t* v);

// Decodes a varint from [p, limit) and returns the byte past it, or nullptr
// on malformed or truncated input (the pointer form used by tight loops).
const uint8_t* DecodeVarint32(const uint8_t* p, const uint8_t* limit, uint32_t* v);
const uint8_t* DecodeVarint64(const uint8_t* p, const uint8_t* limit, uint64_t* v);

// --- Length-prefixed bytes: varint64 length, then the bytes.

void PutLengthPrefixed(std::string* out, std::string_view bytes);
// `bytes` points into the input. False when the input is shorter than the
// stated length.
bool GetLengthPrefixed(std::string_view* in, std::string_view* bytes);

}  // namespace quiver

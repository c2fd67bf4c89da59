// Page compression codecs: zstd and lz4 (raw block format), used by data
// files for every page and available to other file kinds.
//
// Thread-safety: Compressor is not thread-safe (it keeps a zstd context);
// use one per writer. Decompress is thread-safe (contexts are per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "quiver/status.h"

namespace quiver {

// kBitpack is frame-of-reference bit packing of integer words
// (format/bitpack.h) and kDecimal doubles kept as decimal integers
// (format/decimal.h): writers choose them for integer and float64 columns
// on their own, so they are not names users pass, and Compressor::Compress
// does not do them (they need a parameter: see CompressChunked).
enum class Compression : uint8_t { kNone = 0, kZstd = 1, kLz4 = 2, kBitpack = 3, kDecimal = 4 };

// Parses "zstd", "lz4", "none" (InvalidArgument naming anything else).
Result<Compression> ParseCompression(std::string_view name);
// "zstd", "lz4", "bitpack", "decimal", "none", or "unknown".
std::string_view CompressionName(Compression c);

// Upper bound of the compressed size of `n` bytes.
size_t MaxCompressedSize(Compression c, size_t n);

class Compressor {
 public:
  Compressor();
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Compresses `src` into `dst` (capacity `dst_capacity`, at least
  // MaxCompressedSize) and returns the compressed size. `level` applies to
  // zstd only. kNone is InvalidArgument.
  Result<size_t> Compress(Compression c, int level, const void* src, size_t src_size, void* dst,
                          size_t dst_capacity);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> contexts_;
};

// Decompresses `src` into exactly `dst_size` bytes at `dst`. Malformed input,
// or input that does not decompress to exactly `dst_size` bytes, is
// Corruption (the caller adds which file and page); an unknown codec is
// NotSupported.
Status Decompress(Compression c, const void* src, size_t src_size, void* dst, size_t dst_size);

}  // namespace quiver

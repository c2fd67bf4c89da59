#include "format/compression.h"

#include <lz4.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "format/bitpack.h"
#include "format/decimal.h"

namespace quiver {

namespace {

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One decompression context per thread: ZSTD_decompress would allocate a
// fresh one (~100 KiB) on every call.
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
  return dctx.get();
}

}  // namespace

Result<Compression> ParseCompression(std::string_view name) {
  if (name == "zstd") return Compression::kZstd;
  if (name == "lz4") return Compression::kLz4;
  if (name == "none") return Compression::kNone;
  return Status::InvalidArgument("unknown compression \"" + std::string(name) +
                                 "\", expected zstd, lz4 or none");
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kZstd:
      return "zstd";
    case Compression::kLz4:
      return "lz4";
    case Compression::kBitpack:
      return "bitpack";
    case Compression::kDecimal:
      return "decimal";
  }
  return "unknown";
}

size_t MaxCompressedSize(Compression c, size_t n) {
  switch (c) {
    case Compression::kZstd:
      return ZSTD_compressBound(n);
    case Compression::kLz4:
      return n > static_cast<size_t>(LZ4_MAX_INPUT_SIZE) ? 0 : static_cast<size_t>(LZ4_compressBound(int(n)));
    case Compression::kBitpack:
      return BitpackMaxSize(n);
    case Compression::kDecimal:
      return DecimalMaxSize(n);
    default:
      return n;
  }
}

struct Compressor::Contexts {
  ZSTD_CCtx* zstd = nullptr;
  ~Contexts() { ZSTD_freeCCtx(zstd); }
};

Compressor::Compressor() : contexts_(std::make_unique<Contexts>()) {}
Compressor::~Compressor() = default;

Result<size_t> Compressor::Compress(Compression c, int level, const void* src, size_t src_size, void* dst,
                                    size_t dst_capacity) {
  switch (c) {
    case Compression::kZstd: {
      if (contexts_->zstd == nullptr) contexts_->zstd = ZSTD_createCCtx();
      if (contexts_->zstd == nullptr) return Status::ResourceExhausted("cannot create a zstd context");
      size_t n = ZSTD_compressCCtx(contexts_->zstd, dst, dst_capacity, src, src_size, level);
      if (ZSTD_isError(n))
        return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
      return n;
    }
    case Compression::kLz4: {
      if (src_size > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
        return Status::InvalidArgument("lz4 cannot compress " + std::to_string(src_size) + " bytes at once");
      }
      const int cap = static_cast<int>(std::min<size_t>(dst_capacity, std::numeric_limits<int>::max()));
      int n =
          LZ4_compress_default(static_cast<const char*>(src), static_cast<char*>(dst), int(src_size), cap);
      if (n <= 0) return Status::Internal("lz4 compression failed");
      return static_cast<size_t>(n);
    }
    default:
      return Status::InvalidArgument("cannot compress with codec \"" + std::string(CompressionName(c)) +
                                     "\"");
  }
}

Status Decompress(Compression c, const void* src, size_t src_size, void* dst, size_t dst_size) {
  switch (c) {
    case Compression::kNone:
      if (src_size != dst_size) {
        return Status::Corruption("stored size " + std::to_string(src_size) + " != expected " +
                                  std::to_string(dst_size));
      }
      if (dst_size > 0) std::memcpy(dst, src, dst_size);
      return Status::OK();
    case Compression::kZstd: {
      ZSTD_DCtx* dctx = ThreadDCtx();
      if (dctx == nullptr) return Status::ResourceExhausted("cannot create a zstd context");
      size_t n = ZSTD_decompressDCtx(dctx, dst, dst_size, src, src_size);
      if (ZSTD_isError(n)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
      if (n != dst_size) {
        return Status::Corruption("zstd frame holds " + std::to_string(n) + " bytes, expected " +
                                  std::to_string(dst_size));
      }
      return Status::OK();
    }
    case Compression::kLz4: {
      if (src_size > static_cast<size_t>(std::numeric_limits<int>::max()) ||
          dst_size > static_cast<size_t>(std::numeric_limits<int>::max())) {
        return Status::Corruption("lz4 block too large");
      }
      int n = LZ4_decompress_safe(static_cast<const char*>(src), static_cast<char*>(dst), int(src_size),
                                  int(dst_size));
      if (n < 0) return Status::Corruption("malformed lz4 block");
      if (static_cast<size_t>(n) != dst_size) {
        return Status::Corruption("lz4 block holds " + std::to_string(n) + " bytes, expected " +
                                  std::to_string(dst_size));
      }
      return Status::OK();
    }
    case Compression::kBitpack:
      return BitpackDecode(static_cast<const uint8_t*>(src), src_size, static_cast<uint8_t*>(dst), dst_size);
    case Compression::kDecimal:
      return DecimalDecode(static_cast<const uint8_t*>(src), src_size, static_cast<uint8_t*>(dst), dst_size);
  }
  return Status::NotSupported("unknown compression code " + std::to_string(static_cast<int>(c)));
}

}  // namespace quiver

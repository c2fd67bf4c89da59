#include "format/deletion_file.h"

#include <xxhash.h>

#include <cstring>

namespace quiver {
namespace {

constexpr char kMagic[4] = {'Q', 'V', 'D', 'L'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderSize = 8;   // magic + format version
constexpr size_t kTrailerSize = 8;  // xxh3-64 of everything before it

}  // namespace

std::string EncodeDeletionFile(const Roaring& deleted) {
  Roaring copy = deleted;
  copy.runOptimize();
  const size_t body = copy.getSizeInBytes(/*portable=*/true);
  std::string out(kHeaderSize + body + kTrailerSize, '\0');
  std::memcpy(out.data(), kMagic, 4);
  std::memcpy(out.data() + 4, &kFormatVersion, 4);
  copy.write(out.data() + kHeaderSize, /*portable=*/true);
  const uint64_t checksum = XXH3_64bits(out.data(), kHeaderSize + body);
  std::memcpy(out.data() + kHeaderSize + body, &checksum, 8);
  return out;
}

Result<Roaring> DecodeDeletionFile(std::string_view bytes, std::string_view key) {
  const std::string where(key);
  if (bytes.size() < kHeaderSize + kTrailerSize || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Status::Corruption(where + ": not a Quiver deletion file (bad magic or truncated)");
  }
  uint32_t version;
  std::memcpy(&version, bytes.data() + 4, 4);
  if (version > kFormatVersion) {
    return Status::NotSupported(where + ": deletion file format version " + std::to_string(version) +
                                " is newer than this build supports");
  }
  const size_t checked = bytes.size() - kTrailerSize;
  uint64_t stored;
  std::memcpy(&stored, bytes.data() + checked, 8);
  if (XXH3_64bits(bytes.data(), checked) != stored) {
    return Status::Corruption(where + ": deletion file checksum mismatch");
  }
  try {
    return Roaring::readSafe(bytes.data() + kHeaderSize, checked - kHeaderSize);
  } catch (const std::exception& e) {
    return Status::Corruption(where + ": malformed deletion bitmap: " + e.what());
  }
}

}  // namespace quiver

#include "index/scalar/row_ids.h"

#include <cstring>
#include <exception>
#include <vector>

#include "common/coding.h"

namespace quiver::index {

Roaring& RowIdCollector::Part(uint32_t high) {
  if (last_ == nullptr || high != last_high_) {
    last_ = &parts_[high];
    last_high_ = high;
  }
  return *last_;
}

void RowIdCollector::Add(uint64_t row_id) {
  Part(static_cast<uint32_t>(row_id >> 32)).add(static_cast<uint32_t>(row_id));
}

void RowIdCollector::AddMany(const uint64_t* row_ids, size_t n) {
  constexpr size_t kChunk = 1024;
  uint32_t low[kChunk];
  size_t i = 0;
  while (i < n) {
    // Runs of ids sharing their high 32 bits go in with one addMany.
    const uint32_t high = static_cast<uint32_t>(row_ids[i] >> 32);
    size_t k = 0;
    while (i < n && k < kChunk && static_cast<uint32_t>(row_ids[i] >> 32) == high) {
      low[k++] = static_cast<uint32_t>(row_ids[i++]);
    }
    Part(high).addMany(k, low);
  }
}

void RowIdCollector::AddBitmap(const Roaring64Map& rows) { extra_ |= rows; }

Roaring64Map RowIdCollector::Finish() {
  Roaring64Map out;
  if (parts_.size() == 1 && parts_.begin()->first == 0) {
    out = Roaring64Map(parts_.begin()->second);
  } else if (!parts_.empty()) {
    // Roaring64Map has no public way to install a 32-bit part under a
    // high key, so go through its portable serialisation: a u64 count,
    // then per part the u32 high key and the part's portable bytes.
    std::string bytes;
    PutFixed64(&bytes, parts_.size());
    for (auto& [high, part] : parts_) {
      PutFixed32(&bytes, high);
      size_t at = bytes.size();
      bytes.resize(at + part.getSizeInBytes(true));
      part.write(bytes.data() + at, true);
    }
    out = Roaring64Map::read(bytes.data(), true);
  }
  if (!extra_.isEmpty()) out |= extra_;
  parts_.clear();
  last_ = nullptr;
  extra_ = Roaring64Map();
  return out;
}

std::string EncodeRowIds(const Roaring64Map& rows) {
  Roaring64Map copy = rows;
  copy.shrinkToFit();  // no empty parts on disk
  copy.runOptimize();
  std::string out(copy.getSizeInBytes(true), '\0');
  copy.write(out.data(), true);
  return out;
}

Result<Roaring64Map> DecodeRowIds(std::string_view bytes, std::string_view where) {
  // Roaring64Map::readSafe (CRoaring 0.2.66) reads the u64 part count
  // without a bounds check and does not count it against `maxbytes`.
  if (bytes.size() < 8) {
    return Status::Corruption(std::string(where) + ": row id bitmap of " + std::to_string(bytes.size()) +
                              " bytes is truncated");
  }
  uint64_t parts = DecodeFixed64(bytes.data());
  if (parts > (bytes.size() - 8) / 12) {  // each part needs a key and a header
    return Status::Corruption(std::string(where) + ": row id bitmap claims " + std::to_string(parts) +
                              " parts in " + std::to_string(bytes.size()) + " bytes");
  }
  try {
    Roaring64Map rows = Roaring64Map::readSafe(bytes.data(), bytes.size() - 8);
    if (rows.getSizeInBytes(true) != bytes.size()) {
      return Status::Corruption(std::string(where) + ": row id bitmap size mismatch");
    }
    return rows;
  } catch (const std::exception& e) {
    return Status::Corruption(std::string(where) + ": malformed row id bitmap: " + e.what());
  }
}

}  // namespace quiver::index

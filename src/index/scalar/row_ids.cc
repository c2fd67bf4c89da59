#include "index/scalar/row_ids.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <vector>

#include "common/coding.h"

namespace quiver::index {

namespace {

// Sorts `ids` ascending: LSD radix sort on 16-bit digits, as many passes as
// the largest id needs (two for ids below 2^32).
void SortIds(std::vector<uint64_t>* ids) {
  if (ids->size() < 512) {
    std::sort(ids->begin(), ids->end());
    return;
  }
  uint64_t max = 0;
  for (uint64_t v : *ids) max |= v;
  std::vector<uint64_t> tmp(ids->size());
  std::vector<uint32_t> count(1 << 16);
  for (int shift = 0; shift < 64 && (max >> shift) != 0; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (uint64_t v : *ids) ++count[(v >> shift) & 0xffff];
    uint32_t sum = 0;
    for (uint32_t& c : count) {
      uint32_t n = c;
      c = sum;
      sum += n;
    }
    for (uint64_t v : *ids) tmp[count[(v >> shift) & 0xffff]++] = v;
    ids->swap(tmp);
  }
}

}  // namespace

void RowIdCollector::AddMany(const uint64_t* row_ids, size_t n) {
  while (n > 0) {
    const size_t take = std::min(n, kChunk - ids_.size());
    ids_.insert(ids_.end(), row_ids, row_ids + take);
    row_ids += take;
    n -= take;
    if (ids_.size() >= kChunk) Flush();
  }
}

void RowIdCollector::Flush() {
  SortIds(&ids_);
  std::vector<uint32_t> low;
  size_t i = 0;
  while (i < ids_.size()) {
    const uint32_t high = static_cast<uint32_t>(ids_[i] >> 32);
    low.clear();
    for (; i < ids_.size() && static_cast<uint32_t>(ids_[i] >> 32) == high; ++i) {
      low.push_back(static_cast<uint32_t>(ids_[i]));
    }
    Roaring chunk;
    chunk.addMany(low.size(), low.data());  // sorted: appends
    auto it = parts_.find(high);
    if (it == parts_.end()) {
      parts_.emplace(high, std::move(chunk));
    } else {
      it->second |= chunk;
    }
  }
  ids_.clear();
}

Roaring64Map RowIdCollector::Finish() {
  Flush();
  // Roaring64Map has no public way to install a 32-bit part under a high
  // key, so parts other than 0 go through its portable serialisation: a u64
  // count, then per part the u32 high key and the part's portable bytes.
  Roaring64Map out;
  if (parts_.size() == 1 && parts_.begin()->first == 0) {
    out = Roaring64Map(parts_.begin()->second);
  } else if (!parts_.empty()) {
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
  std::vector<uint64_t>().swap(ids_);
  parts_.clear();
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
  // readSafe also loads that count as a uint64_t in place, so the bytes
  // must be 8-byte aligned (a bitmap inside a page may not be).
  std::vector<uint64_t> aligned;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint64_t) != 0) {
    aligned.resize((bytes.size() + 7) / 8);
    std::memcpy(aligned.data(), bytes.data(), bytes.size());
    bytes = std::string_view(reinterpret_cast<const char*>(aligned.data()), bytes.size());
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

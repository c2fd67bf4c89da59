// Row id sets: collecting matches quickly into a Roaring64Map, and the
// serialised form of a row id bitmap inside index files.
//
// Thread-safety: RowIdCollector is not thread-safe; the functions are pure.
#pragma once

#include <roaring/roaring64map.hh>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/status.h"

namespace quiver::index {

// Accumulates row ids (any order, duplicates allowed) and produces a
// Roaring64Map. Much cheaper than Roaring64Map::add per id: that looks up
// the high 32 bits in a std::map on every call, and inserting unsorted ids
// into Roaring array containers moves their tails. Ids are buffered in
// chunks, and each chunk is radix-sorted, turned into bitmaps and OR-ed into
// the result, so memory stays that of the bitmap plus one chunk.
class RowIdCollector {
 public:
  void Add(uint64_t row_id) {
    ids_.push_back(row_id);
    if (ids_.size() >= kChunk) Flush();
  }
  void AddMany(const uint64_t* row_ids, size_t n);
  // The set; the collector is left empty.
  Roaring64Map Finish();

 private:
  static constexpr size_t kChunk = size_t{1} << 16;
  void Flush();
  std::vector<uint64_t> ids_;
  std::map<uint32_t, Roaring> parts_;
};

// The portable serialisation of `rows` (run-optimised).
std::string EncodeRowIds(const Roaring64Map& rows);
// Parses EncodeRowIds' output; Corruption prefixed with `where` when it is
// malformed. The caller has checked the bytes' checksum already.
Result<Roaring64Map> DecodeRowIds(std::string_view bytes, std::string_view where);

}  // namespace quiver::index

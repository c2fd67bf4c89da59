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

#include "quiver/status.h"

namespace quiver::index {

// Accumulates row ids (any order, duplicates allowed) and produces a
// Roaring64Map. Cheaper than Roaring64Map::add per id, which looks up the
// high 32 bits in a std::map on every call.
class RowIdCollector {
 public:
  void Add(uint64_t row_id);
  void AddMany(const uint64_t* row_ids, size_t n);
  // Also adds every id of `rows`.
  void AddBitmap(const Roaring64Map& rows);
  // The set; the collector is left empty.
  Roaring64Map Finish();

 private:
  Roaring& Part(uint32_t high);
  std::map<uint32_t, Roaring> parts_;
  Roaring* last_ = nullptr;
  uint32_t last_high_ = 0;
  Roaring64Map extra_;
};

// The portable serialisation of `rows` (run-optimised).
std::string EncodeRowIds(const Roaring64Map& rows);
// Parses EncodeRowIds' output; Corruption prefixed with `where` when it is
// malformed. The caller has checked the bytes' checksum already.
Result<Roaring64Map> DecodeRowIds(std::string_view bytes, std::string_view where);

}  // namespace quiver::index

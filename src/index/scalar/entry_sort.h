// Sorting (key, row id) entries for a BTREE with bounded memory.
//
// EntrySorter holds entries in memory up to a budget; past it, it sorts them
// and spills a run to the store (temporary objects under the index prefix,
// deleted by Cleanup). Finish returns one sorted cursor per run, and
// MergeEntries merges any set of sorted cursors (spilled runs, the run in
// memory, an old index's pages) into one ascending stream.
//
// Entries order by key, then row id.
//
// Thread-safety: none of these are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/scalar/index_key.h"
#include "io/object_store.h"
#include "quiver/status.h"

namespace quiver::index {

// A stream of entries in ascending order.
class EntryCursor {
 public:
  virtual ~EntryCursor() = default;
  // Moves to the next entry; false at the end. The key stays valid until
  // the next call.
  virtual Result<bool> Next() = 0;
  const KeyView& key() const { return key_; }
  uint64_t row() const { return row_; }

 protected:
  KeyView key_;
  uint64_t row_ = 0;
};

class EntrySorter {
 public:
  // Spilled runs go to `spill_prefix` + "sort-run-<n>.tmp" in `store`.
  EntrySorter(KeyKind kind, ObjectStore& store, std::string spill_prefix, uint64_t memory_bytes);
  ~EntrySorter();

  Status AddFixed(uint64_t key, uint64_t row) {
    // Reserve the whole budget once (untouched pages cost no memory) rather
    // than let doubling overshoot it by up to 2x.
    if (fixed_.capacity() == 0) fixed_.reserve(memory_bytes_ / sizeof(FixedEntry) + 1);
    fixed_.push_back({key, row});
    return fixed_.size() * sizeof(FixedEntry) >= memory_bytes_ ? Spill() : Status::OK();
  }
  Status AddBytes(std::string_view key, uint64_t row);

  // Sorts the entries held in memory and returns a cursor per run (the
  // sorter must outlive them).
  Result<std::vector<std::unique_ptr<EntryCursor>>> Finish();
  // Deletes the spilled runs.
  Status Cleanup();

  uint64_t num_entries() const { return num_entries_ + fixed_.size() + bytes_.size(); }
  size_t spilled_runs() const { return runs_.size(); }

 private:
  struct FixedEntry {
    uint64_t key;
    uint64_t row;
  };
  struct BytesEntry {
    uint64_t offset;  // in arena_
    uint32_t length;
    uint64_t row;
  };
  struct Run {
    std::string key;
    uint64_t size;
  };
  class MemoryCursor;
  class RunCursor;

  void SortMemory();
  Status Spill();

  KeyKind kind_;
  ObjectStore& store_;
  std::string spill_prefix_;
  uint64_t memory_bytes_;
  std::vector<FixedEntry> fixed_;
  std::vector<BytesEntry> bytes_;
  std::string arena_;
  std::vector<Run> runs_;
  uint64_t num_entries_ = 0;  // spilled
};

// Feeds the union of `cursors` (each ascending) to `sink` in ascending
// order; stops at the first error.
Status MergeEntries(KeyKind kind, std::vector<std::unique_ptr<EntryCursor>> cursors,
                    const std::function<Status(const KeyView& key, uint64_t row)>& sink);

}  // namespace quiver::index

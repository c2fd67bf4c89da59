// Snapshot: one immutable table version, opened for reading.
//
// A snapshot pairs a manifest with the table's shared state (its store, its
// root key and caches of opened data files and deletion bitmaps). Scans,
// takes and counts work on a snapshot, so a reader keeps seeing the version
// it started with while writers commit newer ones.
//
// Thread-safety: Snapshot is immutable; TableFiles is thread-safe.
#pragma once

#include <roaring/roaring.hh>

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "format/data_file.h"
#include "format/manifest.h"
#include "index/fts/fts_index.h"
#include "index/scalar/scalar_index.h"
#include "index/vector/vector_index.h"
#include "io/object_store.h"
#include "quiver/array.h"

namespace quiver {

struct VectorColumn;

// The files of one table, with caches shared by all its snapshots. Data and
// deletion files are immutable, so cached entries never go stale.
class TableFiles {
 public:
  TableFiles(ObjectStorePtr store, std::string root);

  ObjectStore* store() const { return store_.get(); }
  const ObjectStorePtr& store_ptr() const { return store_; }
  // The table's root key, ending with '/': "name.quiver/".
  const std::string& root() const { return root_; }
  // root() + relative key.
  std::string Key(std::string_view relative) const { return root_ + std::string(relative); }

  Result<std::shared_ptr<DataFileReader>> OpenDataFile(const DataFileRef& file);
  // Null when the fragment has no deletions.
  Result<std::shared_ptr<const Roaring>> LoadDeletions(const Fragment& fragment);
  // The scalar index described by `meta` (files under "_indices/<uuid>/"),
  // opened once and shared.
  Result<std::shared_ptr<const index::ScalarIndex>> OpenScalarIndex(const IndexMeta& meta);
  // The vector index described by `meta`, opened once and shared.
  Result<std::shared_ptr<const index::VectorIndex>> OpenVectorIndex(const IndexMeta& meta);
  // The vector index's description (meta.details), parsed once; Corruption
  // when it is malformed.
  Result<index::VectorIndexMeta> VectorIndexDetails(const IndexMeta& meta);

  // The full-text index described by `meta`, opened once and shared.
  Result<std::shared_ptr<const index::fts::FtsIndexReader>> OpenFtsIndex(const IndexMeta& meta);

  // Objects derived from immutable files and kept between queries (the
  // in-memory text segment of fragments an FTS index does not cover, the
  // documents of an index that are still live), under `key`. At most
  // kDerivedEntries stay; the least recently used leave first.
  using DerivedLoader = std::function<Result<std::shared_ptr<const void>>()>;
  Result<std::shared_ptr<const void>> CachedDerived(const std::string& key, const DerivedLoader& load);
  static constexpr size_t kDerivedEntries = 256;

  using VectorLoader = std::function<Result<std::shared_ptr<const VectorColumn>>()>;
  // The vector column cached under `key`, or load() (its result cached).
  // The cache holds at most vector_cache_bytes(); the least recently used
  // entries leave first.
  Result<std::shared_ptr<const VectorColumn>> CachedVectors(const std::string& key, const VectorLoader& load);
  // The vector column cached under `key`, or null; loads nothing.
  std::shared_ptr<const VectorColumn> PeekVectors(const std::string& key);
  // Counts one more query that took rows of `key`'s column instead of
  // loading it; returns the count so far.
  int CountPartialVectorRead(const std::string& key);
  static uint64_t vector_cache_bytes();

 private:
  ObjectStorePtr store_;
  std::string root_;
  // Decompressed chunks and pages of data files (chunk_cache.h, shared by
  // every table of the process); null when QUIVER_CHUNK_CACHE_MB is 0.
  std::shared_ptr<DecodedChunkCache> chunk_cache_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<DataFileReader>> readers_;
  std::map<std::string, std::shared_ptr<const Roaring>> deletions_;
  std::map<std::string, std::shared_ptr<const index::ScalarIndex>> indexes_;
  std::map<std::string, std::shared_ptr<const index::VectorIndex>> vector_indexes_;
  std::map<std::string, index::VectorIndexMeta> vector_details_;
  std::map<std::string, std::shared_ptr<const index::fts::FtsIndexReader>> fts_indexes_;
  std::list<std::pair<std::string, std::shared_ptr<const void>>> derived_;  // most recent first
  std::unordered_map<std::string, decltype(derived_)::iterator> derived_index_;
  // Most recently used first.
  std::list<std::pair<std::string, std::shared_ptr<const VectorColumn>>> vectors_;
  uint64_t vector_bytes_ = 0;
  std::unordered_map<std::string, int> partial_vector_reads_;
};

struct Snapshot {
  std::shared_ptr<TableFiles> files;
  std::shared_ptr<const Manifest> manifest;

  const Schema& schema() const { return *manifest->schema; }
  uint64_t version() const { return manifest->version; }

  // Schema field indexes for `columns` (all fields when empty); NotFound
  // naming the closest column otherwise.
  Result<std::vector<int>> ResolveColumns(const std::vector<std::string>& columns) const;
  // The schema of a projection.
  SchemaPtr ProjectedSchema(const std::vector<int>& fields) const;

  // Physical rows [start, start + length) of `fragment`, deleted rows
  // included, for the given schema fields. Fields absent from the fragment's
  // files (added after it was written) read as nulls. On a remote store the
  // pages are fetched ahead on the IO pool.
  Result<BatchPtr> ReadFragment(const Fragment& fragment, const std::vector<int>& fields, int64_t start,
                                int64_t length) const;
  // Physical rows `offsets` (ascending) of `fragment`.
  Result<BatchPtr> TakeFromFragment(const Fragment& fragment, const std::vector<int>& fields,
                                    std::span<const int64_t> offsets) const;
};

// Rows by stable row id, in the order given (an id may repeat), with the
// schema fields `fields`; NotFound naming the first id that does not exist
// (or was deleted) in this version.
Result<BatchPtr> TakeRows(const Snapshot& snap, std::span<const uint64_t> row_ids,
                          const std::vector<int>& fields);

// Indexes i in [0, length) whose physical row start + i is not deleted.
std::vector<int64_t> LiveOffsets(int64_t start, int64_t length, const Roaring& deleted);
// The rows `indices` of every column of `batch`, in that order (copies).
Result<BatchPtr> TakeBatch(const RecordBatch& batch, std::span<const int64_t> indices);
// A batch of `schema` with no rows.
BatchPtr EmptyBatch(const SchemaPtr& schema);

// The stable row id of physical row `offset` of `fragment`.
uint64_t RowIdAt(const Fragment& fragment, int64_t offset);
// Row ids of physical rows [start, start + length) as a uint64 array.
ArrayPtr RowIdArray(const Fragment& fragment, int64_t start, int64_t length, const Roaring* deleted);

}  // namespace quiver

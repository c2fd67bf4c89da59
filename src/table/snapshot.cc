#include "table/snapshot.h"

#include <algorithm>
#include <cstdlib>

#include "common/thread_pool.h"
#include "format/deletion_file.h"
#include "table/chunk_cache.h"
#include "table/vector_column.h"
#include "table/vector_indexes.h"

namespace quiver {

TableFiles::TableFiles(ObjectStorePtr store, std::string root)
    : store_(std::move(store)), root_(std::move(root)) {
  chunk_cache_ = LruChunkCache::Shared();
}

Result<std::shared_ptr<DataFileReader>> TableFiles::OpenDataFile(const DataFileRef& file) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = readers_.find(file.key);
    if (it != readers_.end()) return it->second;
  }
  // Opened outside the lock: a slow store must not serialise every reader.
  QUIVER_ASSIGN_OR_RETURN(auto reader, DataFileReader::Open(store_, Key(file.key), file.size, chunk_cache_));
  std::lock_guard<std::mutex> lock(mu_);
  return readers_.emplace(file.key, std::move(reader)).first->second;
}

Result<std::shared_ptr<const Roaring>> TableFiles::LoadDeletions(const Fragment& fragment) {
  if (!fragment.deletion) return std::shared_ptr<const Roaring>();
  const std::string& key = fragment.deletion->key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = deletions_.find(key);
    if (it != deletions_.end()) return it->second;
  }
  QUIVER_ASSIGN_OR_RETURN(BufferPtr bytes, store_->Read(Key(key)));
  QUIVER_ASSIGN_OR_RETURN(Roaring bitmap, DecodeDeletionFile(bytes->view(), Key(key)));
  auto shared = std::make_shared<const Roaring>(std::move(bitmap));
  std::lock_guard<std::mutex> lock(mu_);
  return deletions_.emplace(key, std::move(shared)).first->second;
}

Result<std::shared_ptr<const index::ScalarIndex>> TableFiles::OpenScalarIndex(const IndexMeta& meta) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = indexes_.find(meta.uuid);
    if (it != indexes_.end()) return it->second;
  }
  index::ScalarIndexMeta details;
  try {
    QUIVER_ASSIGN_OR_RETURN(details, index::ScalarIndexMeta::FromJson(nlohmann::json::parse(meta.details)));
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("index \"" + meta.name + "\": malformed details in the manifest: " + e.what());
  }
  QUIVER_ASSIGN_OR_RETURN(auto opened,
                          index::OpenScalarIndex(store_, Key("_indices/" + meta.uuid + "/"), details));
  std::shared_ptr<const index::ScalarIndex> shared = std::move(opened);
  std::lock_guard<std::mutex> lock(mu_);
  return indexes_.emplace(meta.uuid, std::move(shared)).first->second;
}

Result<std::shared_ptr<const index::VectorIndex>> TableFiles::OpenVectorIndex(const IndexMeta& meta) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = vector_indexes_.find(meta.uuid);
    if (it != vector_indexes_.end()) return it->second;
  }
  QUIVER_ASSIGN_OR_RETURN(index::VectorIndexMeta details, VectorIndexDetails(meta));
  QUIVER_ASSIGN_OR_RETURN(auto opened,
                          index::OpenVectorIndex(store_, Key("_indices/" + meta.uuid + "/"), details));
  std::shared_ptr<const index::VectorIndex> shared = std::move(opened);
  std::lock_guard<std::mutex> lock(mu_);
  return vector_indexes_.emplace(meta.uuid, std::move(shared)).first->second;
}

Result<index::VectorIndexMeta> TableFiles::VectorIndexDetails(const IndexMeta& meta) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = vector_details_.find(meta.uuid);
    if (it != vector_details_.end()) return it->second;
  }
  QUIVER_ASSIGN_OR_RETURN(index::VectorIndexMeta details, ParseVectorIndexDetails(meta));
  std::lock_guard<std::mutex> lock(mu_);
  return vector_details_.emplace(meta.uuid, std::move(details)).first->second;
}

Result<std::shared_ptr<const index::fts::FtsIndexReader>> TableFiles::OpenFtsIndex(const IndexMeta& meta) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = fts_indexes_.find(meta.uuid);
    if (it != fts_indexes_.end()) return it->second;
  }
  index::fts::FtsIndexMeta details;
  try {
    QUIVER_ASSIGN_OR_RETURN(details, index::fts::FtsIndexMeta::FromJson(nlohmann::json::parse(meta.details)));
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("index \"" + meta.name + "\": malformed details in the manifest: " + e.what());
  }
  QUIVER_ASSIGN_OR_RETURN(
      auto opened, index::fts::FtsIndexReader::Open(store_, Key("_indices/" + meta.uuid + "/"), details));
  std::shared_ptr<const index::fts::FtsIndexReader> shared = std::move(opened);
  std::lock_guard<std::mutex> lock(mu_);
  return fts_indexes_.emplace(meta.uuid, std::move(shared)).first->second;
}

Result<std::shared_ptr<const void>> TableFiles::CachedDerived(const std::string& key,
                                                              const DerivedLoader& load) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = derived_index_.find(key);
    if (it != derived_index_.end()) {
      derived_.splice(derived_.begin(), derived_, it->second);
      return it->second->second;
    }
  }
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<const void> value, load());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = derived_index_.find(key);
  if (it != derived_index_.end()) return it->second->second;  // another thread loaded it first
  derived_.emplace_front(key, value);
  derived_index_[key] = derived_.begin();
  while (derived_.size() > kDerivedEntries) {
    derived_index_.erase(derived_.back().first);
    derived_.pop_back();
  }
  return value;
}

uint64_t TableFiles::vector_cache_bytes() {
  static const uint64_t bytes = [] {
    // QUIVER_VECTOR_CACHE_MB overrides the default of 4 GiB.
    if (const char* env = std::getenv("QUIVER_VECTOR_CACHE_MB")) {
      char* end = nullptr;
      const unsigned long long mb = std::strtoull(env, &end, 10);
      if (end != env) return static_cast<uint64_t>(mb) << 20;
    }
    return uint64_t{4} << 30;
  }();
  return bytes;
}

Result<std::shared_ptr<const VectorColumn>> TableFiles::CachedVectors(const std::string& key,
                                                                      const VectorLoader& load) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = vectors_.begin(); it != vectors_.end(); ++it) {
      if (it->first == key) {
        vectors_.splice(vectors_.begin(), vectors_, it);
        return vectors_.front().second;
      }
    }
  }
  // Loaded outside the lock; two threads may load the same column at once,
  // and the second simply replaces nothing (the first insert wins).
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<const VectorColumn> loaded, load());
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& entry : vectors_) {
    if (entry.first == key) return entry.second;
  }
  vectors_.emplace_front(key, loaded);
  vector_bytes_ += loaded->memory_bytes();
  while (vector_bytes_ > vector_cache_bytes() && vectors_.size() > 1) {
    vector_bytes_ -= vectors_.back().second->memory_bytes();
    vectors_.pop_back();
  }
  return loaded;
}

std::shared_ptr<const VectorColumn> TableFiles::PeekVectors(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = vectors_.begin(); it != vectors_.end(); ++it) {
    if (it->first == key) {
      vectors_.splice(vectors_.begin(), vectors_, it);
      return vectors_.front().second;
    }
  }
  return nullptr;
}

int TableFiles::CountPartialVectorRead(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  return ++partial_vector_reads_[key];
}

Result<std::vector<int>> Snapshot::ResolveColumns(const std::vector<std::string>& columns) const {
  std::vector<int> fields;
  if (columns.empty()) {
    for (int i = 0; i < schema().num_fields(); ++i) fields.push_back(i);
    return fields;
  }
  for (const std::string& name : columns) {
    QUIVER_ASSIGN_OR_RETURN(const Field* field, schema().GetField(name));
    fields.push_back(static_cast<int>(field - schema().fields().data()));
  }
  return fields;
}

SchemaPtr Snapshot::ProjectedSchema(const std::vector<int>& fields) const {
  std::vector<Field> out;
  out.reserve(fields.size());
  for (int i : fields) out.push_back(schema().field(i));
  return std::make_shared<Schema>(std::move(out), schema().metadata());
}

namespace {

// Local takes of fewer values (rows x fields) than this run on the caller.
constexpr size_t kParallelTakeCells = 64;

// Where a schema field lives in a fragment: which file and which column.
struct FieldLocation {
  const DataFileRef* file = nullptr;
  int column = -1;
};

FieldLocation Locate(const Fragment& fragment, int32_t field_id) {
  for (const DataFileRef& file : fragment.files) {
    for (size_t c = 0; c < file.field_ids.size(); ++c) {
      if (file.field_ids[c] == field_id) return {&file, static_cast<int>(c)};
    }
  }
  return {};
}

// Reads the projected fields of one fragment with one call per data file,
// through `read_file(reader, file_columns)`.
template <typename ReadFn>
Result<BatchPtr> AssembleFragment(const Snapshot& snap, const Fragment& fragment,
                                  const std::vector<int>& fields, int64_t num_rows, ReadFn read_file) {
  std::vector<ArrayPtr> columns(fields.size());
  // Group the projection by data file, keeping each field's output slot.
  std::map<const DataFileRef*, std::vector<std::pair<int, size_t>>> by_file;  // file -> (column, slot)
  for (size_t slot = 0; slot < fields.size(); ++slot) {
    FieldLocation loc = Locate(fragment, snap.manifest->field_ids[fields[slot]]);
    if (loc.file == nullptr) {
      columns[slot] = MakeNullArray(snap.schema().field(fields[slot]).type, num_rows);
    } else {
      by_file[loc.file].emplace_back(loc.column, slot);
    }
  }
  for (auto& [file, wanted] : by_file) {
    QUIVER_ASSIGN_OR_RETURN(auto reader, snap.files->OpenDataFile(*file));
    std::vector<int> file_columns;
    for (auto& [column, slot] : wanted) file_columns.push_back(column);
    QUIVER_ASSIGN_OR_RETURN(BatchPtr part, read_file(*reader, file_columns));
    if (part->num_rows() != num_rows) {
      return Status::Corruption(file->key + ": holds " + std::to_string(part->num_rows()) +
                                " rows where the manifest expects " + std::to_string(num_rows));
    }
    for (size_t i = 0; i < wanted.size(); ++i) columns[wanted[i].second] = part->column(static_cast<int>(i));
  }
  return std::make_shared<RecordBatch>(snap.ProjectedSchema(fields), num_rows, std::move(columns));
}

}  // namespace

Result<BatchPtr> Snapshot::ReadFragment(const Fragment& fragment, const std::vector<int>& fields,
                                        int64_t start, int64_t length) const {
  // On a remote store, groups of pages are fetched in parallel ahead of the
  // assembly; locally the callers already read fragments in parallel.
  ThreadPool* pool = files->store()->is_local() ? nullptr : IoThreadPool();
  return AssembleFragment(*this, fragment, fields, length,
                          [&](const DataFileReader& reader, const std::vector<int>& cols) {
                            return reader.Read(cols, start, length, pool);
                          });
}

Result<BatchPtr> Snapshot::TakeFromFragment(const Fragment& fragment, const std::vector<int>& fields,
                                            std::span<const int64_t> offsets) const {
  // A take is latency-bound (many small reads and decompressions), so the
  // pages of a file are taken in parallel: with many requests in flight on
  // a remote store, and on the cores locally once the take is big enough to
  // repay waking a worker (tens of microseconds, more than taking a search's
  // ten result rows from cached pages costs).
  ThreadPool* pool = nullptr;
  if (!files->store()->is_local()) {
    pool = IoThreadPool();
  } else if (offsets.size() * fields.size() >= kParallelTakeCells) {
    pool = DefaultThreadPool();
  }
  return AssembleFragment(*this, fragment, fields, static_cast<int64_t>(offsets.size()),
                          [&](const DataFileReader& reader, const std::vector<int>& cols) {
                            return reader.Take(cols, offsets, pool);
                          });
}

std::vector<int64_t> LiveOffsets(int64_t start, int64_t length, const Roaring& deleted) {
  std::vector<int64_t> live;
  live.reserve(static_cast<size_t>(length));
  for (int64_t i = 0; i < length; ++i) {
    if (!deleted.contains(static_cast<uint32_t>(start + i))) live.push_back(i);
  }
  return live;
}

Result<BatchPtr> TakeBatch(const RecordBatch& batch, std::span<const int64_t> indices) {
  std::vector<ArrayPtr> columns;
  columns.reserve(batch.columns().size());
  for (const ArrayPtr& column : batch.columns()) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr taken, Take(*column, indices));
    columns.push_back(std::move(taken));
  }
  return std::make_shared<RecordBatch>(batch.schema(), static_cast<int64_t>(indices.size()),
                                       std::move(columns));
}

BatchPtr EmptyBatch(const SchemaPtr& schema) {
  std::vector<ArrayPtr> columns;
  for (const Field& field : schema->fields()) columns.push_back(MakeNullArray(field.type, 0));
  return std::make_shared<RecordBatch>(schema, 0, std::move(columns));
}

uint64_t RowIdAt(const Fragment& fragment, int64_t offset) {
  uint64_t remaining = static_cast<uint64_t>(offset);
  for (const RowIdRange& r : fragment.row_ids) {
    if (remaining < r.size()) return r.start + remaining;
    remaining -= r.size();
  }
  return UINT64_MAX;  // offset beyond the fragment: a programmer error
}

ArrayPtr RowIdArray(const Fragment& fragment, int64_t start, int64_t length, const Roaring* deleted) {
  auto values = Buffer::Allocate(static_cast<size_t>(length) * sizeof(uint64_t));
  uint64_t* out = reinterpret_cast<uint64_t*>(values->mutable_data());
  int64_t n = 0;
  // Walk the ranges once instead of a RowIdAt search per row.
  int64_t range_begin = 0;  // physical offset of the current range's first row
  for (const RowIdRange& r : fragment.row_ids) {
    const int64_t range_end = range_begin + static_cast<int64_t>(r.size());
    const int64_t lo = std::max(start, range_begin);
    const int64_t hi = std::min(start + length, range_end);
    for (int64_t o = lo; o < hi; ++o) {
      if (deleted != nullptr && deleted->contains(static_cast<uint32_t>(o))) continue;
      out[n++] = r.start + static_cast<uint64_t>(o - range_begin);
    }
    range_begin = range_end;
    if (range_begin >= start + length) break;
  }
  return std::make_shared<Array>(uint64(), n, std::vector<BufferPtr>{nullptr, values},
                                 std::vector<ArrayPtr>{}, 0);
}

}  // namespace quiver

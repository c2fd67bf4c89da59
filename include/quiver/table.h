// Table: a versioned collection of rows with one schema.
//
// Every write (add, overwrite, restore, compaction, ...) commits a new
// immutable version. A Table handle reads one version at a time: the latest
// it knows of (refreshed on demand with Refresh(), or automatically when the
// connection has a read consistency interval), or a version checked out with
// Checkout(), which makes the handle read-only until CheckoutLatest().
//
// Thread-safety: a Table is safe to share between threads. Each read works on
// the version that was current when it started (a consistent snapshot) and
// never waits for a writer; writers in one process serialise their commits,
// and writers in different processes are ordered by the commit protocol
// (docs/format.md, "Commits").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "quiver/array.h"
#include "quiver/batch_reader.h"

namespace quiver {

class ObjectStore;
class TableImpl;
struct Snapshot;

enum class WriteMode {
  kAppend,     // add rows to the current version
  kOverwrite,  // replace all rows (and the schema) in a new version
};

// Reports how many rows a long write has taken in so far.
using ProgressFn = std::function<void(int64_t rows_done)>;

struct WriteOptions {
  WriteMode mode = WriteMode::kAppend;
  // Rows per data file; a large import is split over several files.
  int64_t max_rows_per_file = 1024 * 1024;
  // "zstd" (default), "lz4" or "none".
  std::string compression = "zstd";
  ProgressFn progress;
};

struct VersionInfo {
  uint64_t version = 0;
  std::chrono::system_clock::time_point timestamp;
  std::string operation;  // "create", "append", "overwrite", "restore", ...
  int64_t num_rows = 0;
  std::map<std::string, std::string> metadata;
};

struct TagInfo {
  std::string name;
  uint64_t version = 0;
};

struct TableStats {
  uint64_t version = 0;
  int64_t num_rows = 0;
  int64_t num_deleted_rows = 0;
  int64_t num_fragments = 0;
  int64_t num_small_fragments = 0;  // below the compaction target
  int64_t num_data_files = 0;
  uint64_t data_bytes = 0;   // data files of this version
  uint64_t total_bytes = 0;  // everything stored under the table, all versions
  int64_t num_versions = 0;
};

struct CompactOptions {
  // Fragments with fewer live rows than this are merged.
  int64_t target_rows_per_fragment = 1024 * 1024;
  // Fragments where more than this fraction of rows is deleted are rewritten.
  double materialize_deletions_threshold = 0.1;
};

struct CompactStats {
  int64_t fragments_removed = 0;
  int64_t fragments_added = 0;
  int64_t files_removed = 0;
  int64_t files_added = 0;
  uint64_t new_version = 0;  // 0 when nothing needed compacting
};

struct CleanupOptions {
  // Remove versions whose timestamp is older than this (when set).
  std::optional<std::chrono::system_clock::time_point> older_than;
  // Keep at least this many most recent versions (when set).
  std::optional<int64_t> keep_versions;
};

struct CleanupStats {
  int64_t versions_removed = 0;
  int64_t files_removed = 0;
  uint64_t bytes_removed = 0;
};

// Builds a scan: projection, limit, offset, row ids. Run it with
// ToReader() (streaming) or ToBatch() (all rows in one batch).
class ScanBuilder {
 public:
  ScanBuilder& Columns(std::vector<std::string> columns);
  ScanBuilder& Limit(int64_t limit);
  ScanBuilder& Offset(int64_t offset);
  // Adds a uint64 `_rowid` column holding each row's stable row id.
  ScanBuilder& WithRowId(bool with_row_id = true);
  // Rows per output batch (default 8192).
  ScanBuilder& BatchSize(int64_t rows);

  Result<std::unique_ptr<BatchReader>> ToReader() const;
  Result<BatchPtr> ToBatch() const;

 private:
  friend class Table;
  explicit ScanBuilder(std::shared_ptr<const Snapshot> snapshot) : snapshot_(std::move(snapshot)) {}
  std::shared_ptr<const Snapshot> snapshot_;
  std::vector<std::string> columns_;
  int64_t limit_ = -1;
  int64_t offset_ = 0;
  bool with_row_id_ = false;
  int64_t batch_size_ = 8192;
};

class Table {
 public:
  ~Table();
  const std::string& name() const;
  // The schema of the version this handle reads.
  SchemaPtr schema() const;
  // The version this handle reads.
  uint64_t version() const;
  // True after Checkout(): writes fail until CheckoutLatest().
  bool is_checked_out() const;

  // Adds rows (or replaces all rows with WriteMode::kOverwrite) in one new
  // version. The data's schema must match the table's (see
  // Schema::CheckCompatible) unless overwriting; on any error nothing is
  // committed. Returns the new version.
  Result<uint64_t> Add(BatchReader& data, const WriteOptions& options = {});
  Result<uint64_t> Add(const std::vector<BatchPtr>& batches, const WriteOptions& options = {});

  Result<int64_t> CountRows() const;
  ScanBuilder Scan() const;
  // Rows by stable row id, in the order given; NotFound naming the first id
  // that does not exist (or was deleted) in this version.
  Result<BatchPtr> TakeRowIds(std::span<const uint64_t> row_ids, const std::vector<std::string>& columns = {}) const;

  Result<TableStats> Stats() const;

  // Versions, oldest first.
  Result<std::vector<VersionInfo>> ListVersions() const;
  // Reads `version` from now on (read-only). NotFound if it does not exist.
  Status Checkout(uint64_t version);
  Status CheckoutTag(const std::string& tag);
  // Back to reading (and writing) the latest version.
  Status CheckoutLatest();
  // Picks up versions committed by other handles or processes.
  Status Refresh();
  // Commits the checked-out version (or `version`, when given) as a new
  // latest version; returns it. The handle then reads the latest version.
  Result<uint64_t> Restore(std::optional<uint64_t> version = std::nullopt);

  Status CreateTag(const std::string& tag, uint64_t version);
  Status DeleteTag(const std::string& tag);
  Result<std::vector<TagInfo>> ListTags() const;

  Result<CompactStats> Compact(const CompactOptions& options = {});
  Result<CleanupStats> Cleanup(const CleanupOptions& options);

  // Internal: tables are made by Connection.
  explicit Table(std::unique_ptr<TableImpl> impl);
  TableImpl* impl() const { return impl_.get(); }

 private:
  std::unique_ptr<TableImpl> impl_;
};

using TablePtr = std::shared_ptr<Table>;

}  // namespace quiver

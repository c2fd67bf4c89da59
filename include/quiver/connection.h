// Connection: the entry point. Connect to a database (a local directory by
// default, or "memory://name"), then list, create, open, drop and rename its
// tables.
//
//   QUIVER_ASSIGN_OR_RETURN(auto db, quiver::Connect("data/db"));
//   QUIVER_ASSIGN_OR_RETURN(auto table, db->CreateTable("items", batches));
//
// Thread-safety: a Connection is safe to share between threads.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quiver/table.h"

namespace quiver {

class ObjectStore;

struct ConnectOptions {
  // When set, table handles check for newer versions committed elsewhere at
  // most this often before a read (0 = before every read). When unset, a
  // handle refreshes only on Refresh() and after its own writes.
  std::optional<std::chrono::milliseconds> read_consistency_interval;
  // Local directories: fsync data files and manifests before a commit
  // returns, so a committed version survives a power loss. false keeps every
  // commit atomic (a crash never leaves a half-written version) but the
  // latest commits may be lost on power failure; LanceDB never fsyncs.
  bool durable_writes = true;
  // s3:// databases: endpoint, region, credentials and limits by name, as
  // LanceDB's storage_options ("aws_access_key_id", "aws_endpoint",
  // "aws_region", "single_writer", ...; docs/storage.md lists them). They
  // win over the AWS environment variables and profile files.
  std::map<std::string, std::string> storage_options;
  // s3:// databases read through a cache of the bytes of data, deletion and
  // index files (never manifests, which decide what is current): this many
  // bytes in memory, and, with a directory, up to read_cache_disk_bytes
  // there too (kept across restarts, so a new process starts warm).
  uint64_t read_cache_bytes = 256ull << 20;
  std::string read_cache_dir;
  uint64_t read_cache_disk_bytes = 4ull << 30;
  // Use this store instead of opening one from the URI (tests wrap stores
  // for fault injection and IO metrics this way).
  std::shared_ptr<ObjectStore> store;
};

// Counters of an s3:// connection's read cache (ConnectOptions::read_cache_*).
struct ReadCacheStatistics {
  bool enabled = false;
  uint64_t hits = 0;       // reads answered from memory or disk
  uint64_t disk_hits = 0;  // of which from the disk directory
  uint64_t misses = 0;     // cacheable reads that went to the bucket
  uint64_t bytes_hit = 0;
  uint64_t bytes_missed = 0;
  uint64_t memory_bytes = 0;  // held now
  uint64_t disk_bytes = 0;
};

enum class CreateMode {
  kCreate,     // AlreadyExists if the table exists
  kOverwrite,  // replace an existing table's contents in a new version
  kExistOk,    // open the existing table (its schema must match)
};

struct CreateTableOptions {
  CreateMode mode = CreateMode::kCreate;
  WriteOptions write;
};

class Connection {
 public:
  ~Connection();
  const std::string& uri() const;

  // Table names, sorted.
  Result<std::vector<std::string>> TableNames() const;
  Result<TablePtr> CreateTable(const std::string& name, BatchReader& data,
                               const CreateTableOptions& options = {});
  Result<TablePtr> CreateTable(const std::string& name, const std::vector<BatchPtr>& data,
                               const CreateTableOptions& options = {});
  // A table with a schema and no rows.
  Result<TablePtr> CreateEmptyTable(const std::string& name, SchemaPtr schema,
                                    const CreateTableOptions& options = {});
  // NotFound naming the table (and the closest existing names) if absent.
  Result<TablePtr> OpenTable(const std::string& name) const;
  Status DropTable(const std::string& name);
  Status RenameTable(const std::string& from, const std::string& to);

  std::shared_ptr<ObjectStore> store() const;
  // The read cache's counters (enabled == false without one).
  ReadCacheStatistics read_cache_statistics() const;

  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

using ConnectionPtr = std::shared_ptr<Connection>;

// Opens a database: a local directory path or file:// URI (created when
// missing), memory://name, or s3://bucket/prefix (an S3 or S3-compatible
// bucket; see ConnectOptions::storage_options). Opening makes no request;
// unsupported schemes are NotSupported.
Result<ConnectionPtr> Connect(const std::string& uri, ConnectOptions options = {});

// Table names: 1-128 characters from [A-Za-z0-9_.-], not starting with '.'.
Status ValidateTableName(const std::string& name);

}  // namespace quiver

#include "quiver/connection.h"

#include <algorithm>

#include "common/suggest.h"
#include "common/thread_pool.h"
#include "io/read_cache.h"
#include "table/fragment_writer.h"
#include "table/table_impl.h"

namespace quiver {
namespace {

constexpr std::string_view kTableSuffix = ".quiver";

std::string TableRoot(const std::string& name) { return name + std::string(kTableSuffix) + "/"; }

// Keys never rewritten under the same name (docs/format.md): data,
// deletion and index files carry fresh random names. Manifests are left
// out: a dropped and re-created table reuses their names.
bool IsImmutableTableKey(std::string_view key) {
  for (std::string_view folder : {".quiver/data/", ".quiver/_deletions/", ".quiver/_indices/"}) {
    if (key.find(folder) != std::string_view::npos) return true;
  }
  return false;
}

// An empty stream with a schema, for tables created without rows.
class EmptyReader : public BatchReader {
 public:
  explicit EmptyReader(SchemaPtr schema) : schema_(std::move(schema)) {}
  const SchemaPtr& schema() const override { return schema_; }
  Result<BatchPtr> Next() override { return BatchPtr(); }

 private:
  SchemaPtr schema_;
};

}  // namespace

struct Connection::Impl {
  std::string uri;
  ObjectStorePtr store;
  std::shared_ptr<ReadCacheStore> cache;  // in `store`, for s3:// databases
  ConnectOptions options;

  bool Exists(const std::string& name) const {
    auto versions = ListVersionNumbers(store.get(), TableRoot(name));
    return versions.ok() && !versions->empty();
  }

  Result<TablePtr> Open(const std::string& name) const {
    const std::string root = TableRoot(name);
    QUIVER_ASSIGN_OR_RETURN(auto versions, ListVersionNumbers(store.get(), root));
    if (versions.empty()) return Status::NotFound("table \"" + name + "\" not found");
    QUIVER_ASSIGN_OR_RETURN(auto manifest, LoadManifest(store.get(), root, versions.back()));
    auto files = std::make_shared<TableFiles>(store, root);
    return std::make_shared<Table>(std::make_unique<TableImpl>(name, std::move(files), std::move(manifest),
                                                               options.read_consistency_interval));
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

const std::string& Connection::uri() const { return impl_->uri; }
std::shared_ptr<ObjectStore> Connection::store() const { return impl_->store; }

Status ValidateTableName(const std::string& name) {
  if (name.empty() || name.size() > 128) {
    return Status::InvalidArgument("name must be 1 to 128 characters, got " + std::to_string(name.size()));
  }
  if (name[0] == '.') return Status::InvalidArgument("name \"" + name + "\" must not start with '.'");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) {
      return Status::InvalidArgument("name \"" + name + "\" has the character '" + std::string(1, c) +
                                     "'; use letters, digits, '_', '-' and '.'");
    }
  }
  return Status::OK();
}

Result<std::vector<std::string>> Connection::TableNames() const {
  // A table is a "<name>.quiver" folder with a version in it (a create that
  // died before its first commit leaves data files only). One listing of
  // the root's folders, then one of each candidate's, in parallel: on S3 a
  // request per table instead of listing every object of the database.
  QUIVER_ASSIGN_OR_RETURN(std::vector<std::string> folders, impl_->store->ListFolders(""));
  std::vector<std::string> candidates;
  for (const std::string& folder : folders) {
    if (folder.size() > kTableSuffix.size() && folder.ends_with(kTableSuffix)) candidates.push_back(folder);
  }
  std::vector<Status> checks(candidates.size());
  std::vector<char> is_table(candidates.size(), 0);
  auto check = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      auto inside = impl_->store->ListFolders(candidates[i] + "/");
      if (!inside.ok()) {
        checks[i] = inside.status();
        continue;
      }
      is_table[i] = std::binary_search(inside->begin(), inside->end(), std::string("_versions"));
    }
  };
  ThreadPool* pool = impl_->store->is_local() ? nullptr : IoThreadPool();
  if (pool != nullptr && candidates.size() > 1) {
    pool->ParallelFor(static_cast<int64_t>(candidates.size()), check);
  } else {
    check(0, static_cast<int64_t>(candidates.size()));
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < candidates.size(); ++i) {
    QUIVER_RETURN_NOT_OK(checks[i]);
    if (is_table[i]) names.push_back(candidates[i].substr(0, candidates[i].size() - kTableSuffix.size()));
  }
  std::sort(names.begin(), names.end());  // "a-b.quiver" sorts before "a.quiver", "a" before "a-b"
  return names;
}

Result<TablePtr> Connection::OpenTable(const std::string& name) const {
  QUIVER_RETURN_NOT_OK(ValidateTableName(name).WithContext("table name"));
  auto table = impl_->Open(name);
  if (table.ok() || !table.status().IsNotFound()) return table;
  // Suggest the closest names, as a user who mistyped one would want.
  std::string message = "table \"" + name + "\" not found in " + impl_->uri;
  auto names = TableNames();
  if (names.ok()) message += DidYouMean(name, *names);
  return Status::NotFound(message);
}

Result<TablePtr> Connection::CreateTable(const std::string& name, const std::vector<BatchPtr>& data,
                                         const CreateTableOptions& options) {
  if (data.empty())
    return Status::InvalidArgument("CreateTable needs at least one batch (or use CreateEmptyTable)");
  auto reader = MakeBatchReader(data.front()->schema(), data);
  return CreateTable(name, *reader, options);
}

Result<TablePtr> Connection::CreateEmptyTable(const std::string& name, SchemaPtr schema,
                                              const CreateTableOptions& options) {
  EmptyReader reader(std::move(schema));
  return CreateTable(name, reader, options);
}

Result<TablePtr> Connection::CreateTable(const std::string& name, BatchReader& data,
                                         const CreateTableOptions& options) {
  QUIVER_RETURN_NOT_OK(ValidateTableName(name).WithContext("table name"));
  if (data.schema()->num_fields() == 0) return Status::InvalidArgument("a table needs at least one column");
  if (impl_->Exists(name)) {
    switch (options.mode) {
      case CreateMode::kCreate:
        return Status::AlreadyExists("table \"" + name + "\" already exists");
      case CreateMode::kExistOk: {
        QUIVER_ASSIGN_OR_RETURN(TablePtr table, impl_->Open(name));
        if (!table->schema()->Equals(*data.schema())) {
          return Status::InvalidArgument("table \"" + name + "\" exists with a different schema:\n" +
                                         table->schema()->ToString() + "\ngiven:\n" +
                                         data.schema()->ToString());
        }
        return table;
      }
      case CreateMode::kOverwrite: {
        QUIVER_ASSIGN_OR_RETURN(TablePtr table, impl_->Open(name));
        WriteOptions write = options.write;
        write.mode = WriteMode::kOverwrite;
        QUIVER_RETURN_NOT_OK(table->Add(data, write).status());
        return table;
      }
    }
  }
  const std::string root = TableRoot(name);
  auto files = std::make_shared<TableFiles>(impl_->store, root);
  SchemaPtr schema = data.schema();
  std::vector<int32_t> field_ids;
  for (int i = 0; i < schema->num_fields(); ++i) field_ids.push_back(i);
  QUIVER_ASSIGN_OR_RETURN(WrittenFragments written,
                          WriteFragments(*files, schema, field_ids, data, options.write));
  Transaction txn;
  txn.operation = "create";
  txn.replace_all = true;
  txn.new_schema = schema;
  txn.new_fragments = std::move(written.fragments);
  auto committed = Commit(impl_->store.get(), root, nullptr, txn);
  if (!committed.ok()) {
    if (committed.status().IsAlreadyExists()) {
      // Another writer created the table while this one wrote its data.
      DeleteFiles(*files, written.keys);
      return Status::AlreadyExists("table \"" + name + "\" was created concurrently by another writer");
    }
    return committed.status();
  }
  return std::make_shared<Table>(std::make_unique<TableImpl>(name, std::move(files), *committed,
                                                             impl_->options.read_consistency_interval));
}

Status Connection::DropTable(const std::string& name) {
  QUIVER_RETURN_NOT_OK(ValidateTableName(name).WithContext("table name"));
  if (!impl_->Exists(name)) return Status::NotFound("table \"" + name + "\" not found in " + impl_->uri);
  return impl_->store->DeletePrefix(TableRoot(name));
}

Status Connection::RenameTable(const std::string& from, const std::string& to) {
  QUIVER_RETURN_NOT_OK(ValidateTableName(from).WithContext("table name"));
  QUIVER_RETURN_NOT_OK(ValidateTableName(to).WithContext("new table name"));
  if (!impl_->Exists(from)) return Status::NotFound("table \"" + from + "\" not found in " + impl_->uri);
  if (impl_->Exists(to)) return Status::AlreadyExists("table \"" + to + "\" already exists");
  return impl_->store->RenamePrefix(TableRoot(from), TableRoot(to));
}

Result<ConnectionPtr> Connect(const std::string& uri, ConnectOptions options) {
  auto impl = std::make_unique<Connection::Impl>();
  impl->uri = uri;
  if (options.store) {
    impl->store = options.store;
  } else {
    OpenStoreOptions store_options;
    store_options.sync = options.durable_writes;
    store_options.storage_options = options.storage_options;
    QUIVER_ASSIGN_OR_RETURN(impl->store, OpenObjectStore(uri, store_options));
  }
  // Remote stores read through a cache of immutable bytes (on top of a
  // store given in the options too, so that a caller's metrics wrapper
  // sees only what reaches the bucket).
  if (uri.starts_with("s3://") && (options.read_cache_bytes > 0 || !options.read_cache_dir.empty())) {
    ReadCacheOptions cache;
    cache.memory_bytes = options.read_cache_bytes;
    cache.disk_dir = options.read_cache_dir;
    cache.disk_bytes = options.read_cache_disk_bytes;
    cache.cacheable = IsImmutableTableKey;
    impl->cache = std::make_shared<ReadCacheStore>(impl->store, std::move(cache));
    impl->store = impl->cache;
  }
  impl->options = std::move(options);
  return std::make_shared<Connection>(std::move(impl));
}

ReadCacheStatistics Connection::read_cache_statistics() const {
  ReadCacheStatistics out;
  if (!impl_->cache) return out;
  ReadCacheStats s = impl_->cache->stats();
  out.enabled = true;
  out.hits = s.hits;
  out.disk_hits = s.disk_hits;
  out.misses = s.misses;
  out.bytes_hit = s.bytes_hit;
  out.bytes_missed = s.bytes_missed;
  out.memory_bytes = s.memory_bytes;
  out.disk_bytes = s.disk_bytes;
  return out;
}

}  // namespace quiver

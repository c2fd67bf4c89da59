#include "quiver/table.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "quiver/connection.h"
#include "table/fragment_writer.h"
#include "table/table_impl.h"

namespace quiver {

// ---------------------------------------------------------------- TableImpl

TableImpl::TableImpl(std::string name, std::shared_ptr<TableFiles> files,
                     std::shared_ptr<const Manifest> manifest,
                     std::optional<std::chrono::milliseconds> consistency_interval)
    : name_(std::move(name)),
      files_(std::move(files)),
      consistency_interval_(consistency_interval),
      snapshot_(std::make_shared<const Snapshot>(Snapshot{files_, std::move(manifest)})),
      last_refresh_(std::chrono::steady_clock::now()) {}

std::shared_ptr<const Snapshot> TableImpl::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

bool TableImpl::checked_out() const {
  std::lock_guard<std::mutex> lock(mu_);
  return checked_out_;
}

Result<std::shared_ptr<const Snapshot>> TableImpl::ReadSnapshot() const {
  if (consistency_interval_) {
    bool due;
    {
      std::lock_guard<std::mutex> lock(mu_);
      due = !checked_out_ && std::chrono::steady_clock::now() - last_refresh_ >= *consistency_interval_;
    }
    if (due) QUIVER_RETURN_NOT_OK(Refresh());
  }
  return current();
}

void TableImpl::SetManifest(std::shared_ptr<const Manifest> manifest, bool checked_out) {
  auto snap = std::make_shared<const Snapshot>(Snapshot{files_, std::move(manifest)});
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = std::move(snap);
  checked_out_ = checked_out;
}

void TableImpl::AdvanceTo(std::shared_ptr<const Manifest> manifest) const {
  auto snap = std::make_shared<const Snapshot>(Snapshot{files_, std::move(manifest)});
  std::lock_guard<std::mutex> lock(mu_);
  if (checked_out_ || snap->version() <= snapshot_->version()) return;
  snapshot_ = std::move(snap);
}

Status TableImpl::Refresh() const {
  auto snap = current();
  QUIVER_ASSIGN_OR_RETURN(uint64_t latest,
                          ProbeLatestVersion(files_->store(), files_->root(), snap->version()));
  if (latest != snap->version()) {
    QUIVER_ASSIGN_OR_RETURN(auto manifest, LoadManifest(files_->store(), files_->root(), latest));
    AdvanceTo(std::move(manifest));
  }
  std::lock_guard<std::mutex> lock(mu_);
  last_refresh_ = std::chrono::steady_clock::now();
  return Status::OK();
}

Status TableImpl::CheckWritable() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (checked_out_) {
    return Status::InvalidArgument("table \"" + name_ + "\" is checked out at version " +
                                   std::to_string(snapshot_->version()) +
                                   " and is read-only; call CheckoutLatest() or Restore() first");
  }
  return Status::OK();
}

Result<std::shared_ptr<const Manifest>> TableImpl::CommitWrite(const Transaction& txn, const Snapshot& base,
                                                               const std::vector<std::string>& written_keys) {
  auto committed = Commit(files_->store(), files_->root(), base.manifest, txn);
  if (!committed.ok()) {
    // After a conflict the manifest surely was not written, so the files are
    // garbage; after an IO error it may have been, so they must stay.
    if (committed.status().IsConflict() || committed.status().IsAlreadyExists())
      DeleteFiles(*files_, written_keys);
    return committed.status();
  }
  AdvanceTo(*committed);
  return committed;
}

// ---------------------------------------------------------------- Table

namespace {

constexpr std::string_view kTagsDir = "_tags/";

VersionInfo ToVersionInfo(const Manifest& m) {
  VersionInfo info;
  info.version = m.version;
  info.timestamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(m.timestamp_ms));
  info.operation = m.operation;
  info.num_rows = m.num_rows();
  info.metadata = m.metadata;
  return info;
}

}  // namespace

Table::Table(std::unique_ptr<TableImpl> impl) : impl_(std::move(impl)) {}
Table::~Table() = default;

const std::string& Table::name() const { return impl_->name(); }
SchemaPtr Table::schema() const { return impl_->current()->manifest->schema; }
uint64_t Table::version() const { return impl_->current()->version(); }
bool Table::is_checked_out() const { return impl_->checked_out(); }

Result<uint64_t> Table::Add(const std::vector<BatchPtr>& batches, const WriteOptions& options) {
  if (batches.empty()) return Status::InvalidArgument("Add needs at least one batch");
  auto reader = MakeBatchReader(batches.front()->schema(), batches);
  return Add(*reader, options);
}

Result<uint64_t> Table::Add(BatchReader& data, const WriteOptions& options) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto base = impl_->current();
  Transaction txn;
  txn.read_version = base->version();
  SchemaPtr schema;
  std::vector<int32_t> field_ids;
  if (options.mode == WriteMode::kOverwrite) {
    schema = data.schema();
    for (int i = 0; i < schema->num_fields(); ++i) field_ids.push_back(i);
    txn.operation = "overwrite";
    txn.replace_all = true;
    txn.new_schema = schema;
  } else {
    schema = base->manifest->schema;
    field_ids = base->manifest->field_ids;
    // Check the schema before writing anything, so a mismatch is reported
    // even when the data is empty.
    QUIVER_RETURN_NOT_OK(schema->CheckCompatible(*data.schema()));
    txn.operation = "append";
    txn.read_schema = schema;
  }
  QUIVER_ASSIGN_OR_RETURN(WrittenFragments written,
                          WriteFragments(*impl_->files(), schema, field_ids, data, options));
  txn.new_fragments = std::move(written.fragments);
  QUIVER_ASSIGN_OR_RETURN(auto committed, impl_->CommitWrite(txn, *base, written.keys));
  return committed->version;
}

Result<int64_t> Table::CountRows() const {
  QUIVER_ASSIGN_OR_RETURN(auto snap, impl_->ReadSnapshot());
  return snap->manifest->num_rows();
}

ScanBuilder Table::Scan() const {
  auto snap = impl_->ReadSnapshot();
  // A failed refresh falls back to the current snapshot; the scan itself
  // reports IO errors when it reads.
  return ScanBuilder(snap.ok() ? *snap : impl_->current());
}

Result<TableStats> Table::Stats() const {
  QUIVER_ASSIGN_OR_RETURN(auto snap, impl_->ReadSnapshot());
  const Manifest& m = *snap->manifest;
  TableStats stats;
  stats.version = m.version;
  stats.num_rows = m.num_rows();
  stats.num_deleted_rows = m.num_deleted_rows();
  stats.num_fragments = static_cast<int64_t>(m.fragments.size());
  const CompactOptions defaults;
  for (const Fragment& f : m.fragments) {
    if (f.live_rows() < defaults.target_rows_per_fragment) ++stats.num_small_fragments;
    stats.num_data_files += static_cast<int64_t>(f.files.size());
    for (const DataFileRef& file : f.files) stats.data_bytes += file.size;
  }
  QUIVER_ASSIGN_OR_RETURN(auto objects, snap->files->store()->List(snap->files->root()));
  for (const ObjectMeta& o : objects) stats.total_bytes += o.size;
  QUIVER_ASSIGN_OR_RETURN(auto versions, ListVersionNumbers(snap->files->store(), snap->files->root()));
  stats.num_versions = static_cast<int64_t>(versions.size());
  return stats;
}

Result<std::vector<VersionInfo>> Table::ListVersions() const {
  const auto& files = impl_->files();
  QUIVER_ASSIGN_OR_RETURN(auto numbers, ListVersionNumbers(files->store(), files->root()));
  std::vector<VersionInfo> out;
  out.reserve(numbers.size());
  for (uint64_t v : numbers) {
    QUIVER_ASSIGN_OR_RETURN(auto manifest, LoadManifest(files->store(), files->root(), v));
    out.push_back(ToVersionInfo(*manifest));
  }
  return out;
}

Status Table::Checkout(uint64_t version) {
  const auto& files = impl_->files();
  QUIVER_ASSIGN_OR_RETURN(auto manifest, LoadManifest(files->store(), files->root(), version));
  QUIVER_ASSIGN_OR_RETURN(uint64_t latest, LatestVersion(files->store(), files->root()));
  impl_->SetManifest(std::move(manifest), /*checked_out=*/version != latest);
  return Status::OK();
}

Status Table::CheckoutTag(const std::string& tag) {
  QUIVER_ASSIGN_OR_RETURN(auto tags, ListTags());
  for (const TagInfo& t : tags) {
    if (t.name == tag) return Checkout(t.version);
  }
  return Status::NotFound("tag \"" + tag + "\" does not exist in table \"" + name() + "\"");
}

Status Table::CheckoutLatest() {
  const auto& files = impl_->files();
  QUIVER_ASSIGN_OR_RETURN(uint64_t latest, LatestVersion(files->store(), files->root()));
  QUIVER_ASSIGN_OR_RETURN(auto manifest, LoadManifest(files->store(), files->root(), latest));
  impl_->SetManifest(std::move(manifest), /*checked_out=*/false);
  return Status::OK();
}

Status Table::Refresh() { return impl_->Refresh(); }

Result<uint64_t> Table::Restore(std::optional<uint64_t> version) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  const auto& files = impl_->files();
  std::shared_ptr<const Manifest> source = impl_->current()->manifest;
  if (version) {
    QUIVER_ASSIGN_OR_RETURN(source, LoadManifest(files->store(), files->root(), *version));
  }
  QUIVER_ASSIGN_OR_RETURN(uint64_t latest, LatestVersion(files->store(), files->root()));
  QUIVER_ASSIGN_OR_RETURN(auto base, LoadManifest(files->store(), files->root(), latest));
  Transaction txn;
  txn.operation = "restore";
  txn.read_version = latest;
  txn.restore_from = source;
  txn.metadata["restored_version"] = std::to_string(source->version);
  QUIVER_ASSIGN_OR_RETURN(auto committed, Commit(files->store(), files->root(), base, txn));
  impl_->SetManifest(committed, /*checked_out=*/false);
  return committed->version;
}

Status Table::CreateTag(const std::string& tag, uint64_t version) {
  QUIVER_RETURN_NOT_OK(ValidateTableName(tag).WithContext("tag name"));
  const auto& files = impl_->files();
  // The version must exist (LoadManifest says NotFound otherwise).
  QUIVER_RETURN_NOT_OK(LoadManifest(files->store(), files->root(), version).status());
  nlohmann::json body = {{"version", version}};
  Status st = files->store()->PutIfAbsent(files->Key(std::string(kTagsDir) + tag + ".json"), body.dump());
  if (st.IsAlreadyExists()) return Status::AlreadyExists("tag \"" + tag + "\" already exists");
  return st;
}

Status Table::DeleteTag(const std::string& tag) {
  QUIVER_RETURN_NOT_OK(ValidateTableName(tag).WithContext("tag name"));
  const auto& files = impl_->files();
  Status st = files->store()->Delete(files->Key(std::string(kTagsDir) + tag + ".json"));
  if (st.IsNotFound()) return Status::NotFound("tag \"" + tag + "\" does not exist");
  return st;
}

Result<std::vector<TagInfo>> Table::ListTags() const {
  const auto& files = impl_->files();
  const std::string dir = files->Key(kTagsDir);
  QUIVER_ASSIGN_OR_RETURN(auto objects, files->store()->List(dir));
  std::vector<TagInfo> tags;
  for (const ObjectMeta& o : objects) {
    std::string name = o.key.substr(dir.size());
    if (name.size() < 6 || name.substr(name.size() - 5) != ".json") continue;
    name.resize(name.size() - 5);
    QUIVER_ASSIGN_OR_RETURN(BufferPtr bytes, files->store()->Read(o.key));
    try {
      auto body = nlohmann::json::parse(bytes->view());
      tags.push_back({name, body.at("version").get<uint64_t>()});
    } catch (const nlohmann::json::exception& e) {
      return Status::Corruption(o.key + ": malformed tag: " + e.what());
    }
  }
  return tags;
}

}  // namespace quiver

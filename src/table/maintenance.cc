// Table maintenance: compaction of small or deletion-heavy fragments, and
// cleanup of old versions and the files only they use.
#include <algorithm>
#include <set>

#include "quiver/table.h"
#include "table/fragment_writer.h"
#include "table/table_impl.h"

namespace quiver {
namespace {

constexpr int64_t kCompactReadRows = 65536;
// Unreferenced files younger than this may belong to a write in progress.
constexpr auto kOrphanGrace = std::chrono::hours(1);

bool NeedsCompaction(const Fragment& f, const CompactOptions& options) {
  if (f.physical_rows == 0) return true;
  const double deleted = static_cast<double>(f.num_deleted()) / static_cast<double>(f.physical_rows);
  return f.live_rows() < options.target_rows_per_fragment ||
         deleted > options.materialize_deletions_threshold;
}

void AppendRowIds(std::vector<RowIdRange>& ranges, const Array& ids) {
  const uint64_t* v = ids.values<uint64_t>();
  for (int64_t i = 0; i < ids.length(); ++i) {
    if (!ranges.empty() && ranges.back().end == v[i]) {
      ++ranges.back().end;
    } else {
      ranges.push_back({v[i], v[i] + 1});
    }
  }
}

// Rewrites the live rows of `group` into one new fragment (with their row
// ids) stored in one data file; no fragment when no row is live.
Status RewriteGroup(const Snapshot& snap, const std::vector<const Fragment*>& group,
                    std::vector<Fragment>& out, std::vector<std::string>& written) {
  const Manifest& m = *snap.manifest;
  std::vector<int> fields(m.schema->num_fields());
  for (int i = 0; i < m.schema->num_fields(); ++i) fields[i] = i;
  const std::string key = "data/" + NewUniqueId() + ".qvd";
  QUIVER_ASSIGN_OR_RETURN(auto writer,
                          DataFileWriter::Open(snap.files->store(), snap.files->Key(key), m.schema));
  Fragment merged;
  for (const Fragment* f : group) {
    QUIVER_ASSIGN_OR_RETURN(auto deleted, snap.files->LoadDeletions(*f));
    for (int64_t start = 0; start < f->physical_rows; start += kCompactReadRows) {
      const int64_t length = std::min(kCompactReadRows, f->physical_rows - start);
      QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, snap.ReadFragment(*f, fields, start, length));
      ArrayPtr ids = RowIdArray(*f, start, length, deleted.get());
      if (deleted != nullptr) {
        QUIVER_ASSIGN_OR_RETURN(batch, TakeBatch(*batch, LiveOffsets(start, length, *deleted)));
      }
      if (batch->num_rows() == 0) continue;
      QUIVER_RETURN_NOT_OK(writer->Write(*batch));
      AppendRowIds(merged.row_ids, *ids);
    }
  }
  if (writer->num_rows() == 0) {
    writer->Abort();
    return Status::OK();
  }
  QUIVER_ASSIGN_OR_RETURN(DataFileMetadata meta, writer->Finish());
  written.push_back(key);
  merged.physical_rows = meta.num_rows;
  merged.files.push_back({key, m.field_ids, meta.file_size});
  out.push_back(std::move(merged));
  return Status::OK();
}

// The files a version needs, relative to the table root; an index counts
// as its folder "_indices/<uuid>/".
void CollectFiles(const Manifest& m, std::set<std::string>& keys) {
  for (const Fragment& f : m.fragments) {
    for (const DataFileRef& file : f.files) keys.insert(file.key);
    if (f.deletion) keys.insert(f.deletion->key);
  }
  for (const IndexMeta& index : m.indexes) keys.insert("_indices/" + index.uuid + "/");
}

// The key as CollectFiles names it: index files by their folder.
std::string CleanupUnit(const std::string& relative) {
  if (!relative.starts_with("_indices/")) return relative;
  const size_t slash = relative.find('/', 9);
  return slash == std::string::npos ? relative : relative.substr(0, slash + 1);
}

}  // namespace

Result<CompactStats> Table::Compact(const CompactOptions& options) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  QUIVER_RETURN_NOT_OK(impl_->Refresh());
  auto snap = impl_->current();
  const Manifest& m = *snap->manifest;

  // Runs of adjacent fragments that need compaction, each run cut when it
  // reaches the target size. A lone fragment without deletions is left as is:
  // rewriting it would gain nothing.
  std::vector<std::vector<const Fragment*>> groups;
  std::vector<const Fragment*> run;
  int64_t run_rows = 0;
  auto close_run = [&] {
    const bool useful =
        run.size() > 1 || (run.size() == 1 && (run[0]->num_deleted() > 0 || run[0]->physical_rows == 0));
    if (useful) groups.push_back(run);
    run.clear();
    run_rows = 0;
  };
  for (const Fragment& f : m.fragments) {
    if (!NeedsCompaction(f, options)) {
      close_run();
      continue;
    }
    if (run_rows + f.live_rows() > options.target_rows_per_fragment && !run.empty()) close_run();
    run.push_back(&f);
    run_rows += f.live_rows();
  }
  close_run();

  CompactStats stats;
  if (groups.empty()) return stats;
  Transaction txn;
  txn.operation = "compact";
  txn.read_version = m.version;
  txn.read_schema = m.schema;
  std::vector<std::string> written;
  for (const auto& group : groups) {
    Status st = RewriteGroup(*snap, group, txn.new_fragments, written);
    if (!st.ok()) {
      DeleteFiles(*snap->files, written);
      return st;
    }
    if (txn.new_fragments.size() > txn.new_fragment_sources.size()) {
      // The rewritten rows keep their ids and values, so indexes that
      // covered the whole group cover the new fragment.
      std::vector<uint64_t> sources;
      for (const Fragment* f : group) sources.push_back(f->id);
      txn.new_fragment_sources.push_back(std::move(sources));
    }
    for (const Fragment* f : group) {
      txn.removed_fragments.push_back(*f);
      stats.files_removed += static_cast<int64_t>(f->files.size());
    }
  }
  stats.fragments_removed = static_cast<int64_t>(txn.removed_fragments.size());
  stats.fragments_added = static_cast<int64_t>(txn.new_fragments.size());
  stats.files_added = static_cast<int64_t>(written.size());
  QUIVER_ASSIGN_OR_RETURN(auto committed, impl_->CommitWrite(txn, *snap, written));
  stats.new_version = committed->version;
  return stats;
}

Result<CleanupStats> Table::Cleanup(const CleanupOptions& options) {
  if (!options.older_than && !options.keep_versions) {
    return Status::InvalidArgument(
        "cleanup needs older_than or keep_versions to say which versions to remove");
  }
  if (options.keep_versions && *options.keep_versions < 1) {
    return Status::InvalidArgument("keep_versions must be at least 1, got " +
                                   std::to_string(*options.keep_versions));
  }
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  const auto& files = impl_->files();
  ObjectStore* store = files->store();
  QUIVER_ASSIGN_OR_RETURN(auto versions, ListVersionNumbers(store, files->root()));
  if (versions.empty()) return CleanupStats{};
  QUIVER_ASSIGN_OR_RETURN(auto tags, ListTags());
  std::set<uint64_t> tagged;
  for (const TagInfo& t : tags) tagged.insert(t.version);

  // Decide which versions go; the latest, tagged ones and (for keep_versions)
  // the newest N always stay.
  std::vector<std::shared_ptr<const Manifest>> kept, removed;
  for (size_t i = 0; i < versions.size(); ++i) {
    QUIVER_ASSIGN_OR_RETURN(auto manifest, LoadManifest(store, files->root(), versions[i]));
    const bool latest = i + 1 == versions.size();
    const int64_t newer = static_cast<int64_t>(versions.size() - 1 - i);
    bool keep = latest || tagged.count(versions[i]) > 0;
    if (options.keep_versions && newer < *options.keep_versions) keep = true;
    if (options.older_than) {
      const auto ts =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(manifest->timestamp_ms));
      if (ts >= *options.older_than) keep = true;
    }
    (keep ? kept : removed).push_back(std::move(manifest));
  }

  std::set<std::string> needed;
  for (const auto& m : kept) CollectFiles(*m, needed);
  std::set<std::string> garbage;
  for (const auto& m : removed) CollectFiles(*m, garbage);

  CleanupStats stats;
  // Manifests first: a crash midway then leaves unreferenced files (removed
  // by a later cleanup), never a listed version whose files are gone.
  for (const auto& m : removed) {
    QUIVER_RETURN_NOT_OK(store->Delete(files->Key(VersionKey(m->version))));
    ++stats.versions_removed;
  }
  // Files no manifest references any more and old enough not to belong to a
  // write in progress (left by crashed writers or interrupted cleanups).
  const int64_t grace_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               (std::chrono::system_clock::now() - kOrphanGrace).time_since_epoch())
                               .count();
  for (const char* dir : {"data/", "_deletions/", "_indices/"}) {
    QUIVER_ASSIGN_OR_RETURN(auto objects, store->List(files->Key(dir)));
    for (const ObjectMeta& o : objects) {
      const std::string rel = CleanupUnit(o.key.substr(files->root().size()));
      if (needed.count(rel) == 0 && (garbage.count(rel) > 0 || o.mtime_ms < grace_ms)) {
        Status st = store->Delete(o.key);
        if (!st.ok() && !st.IsNotFound()) return st;
        ++stats.files_removed;
        stats.bytes_removed += o.size;
      }
    }
  }
  QUIVER_ASSIGN_OR_RETURN(
      uint64_t temporaries,
      store->RemoveTempFiles(files->root(), std::chrono::milliseconds(kOrphanGrace).count()));
  stats.files_removed += static_cast<int64_t>(temporaries);
  return stats;
}

}  // namespace quiver

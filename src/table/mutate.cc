// Delete, and the steps delete, update and merge insert share.
#include "table/mutate.h"

#include <algorithm>
#include <unordered_map>

#include "common/thread_pool.h"
#include "expr/eval.h"
#include "expr/parser.h"
#include "format/deletion_file.h"
#include "quiver/table.h"
#include "table/fragment_writer.h"
#include "table/scan_reader.h"
#include "table/table_impl.h"

namespace quiver {

void AddRowAddresses(const Array& row_addr, RowsByFragment& rows) {
  const uint64_t* v = row_addr.values<uint64_t>();
  Roaring* current = nullptr;
  uint64_t current_id = UINT64_MAX;
  for (int64_t i = 0; i < row_addr.length(); ++i) {
    const uint64_t fragment = v[i] >> 32;
    if (fragment != current_id) {
      current = &rows[fragment];
      current_id = fragment;
    }
    current->add(static_cast<uint32_t>(v[i]));
  }
}

Result<RowsByFragment> MatchRows(std::shared_ptr<const Snapshot> snap, const expr::BoundExprPtr& predicate) {
  ScanSpec spec;
  spec.predicate = predicate;
  spec.with_row_addr = true;
  spec.batch_size = 65536;
  QUIVER_ASSIGN_OR_RETURN(auto reader, OpenScan(std::move(snap), std::move(spec)));
  RowsByFragment rows;
  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader->Next());
    if (batch == nullptr) break;
    AddRowAddresses(*batch->column(batch->num_columns() - 1), rows);
  }
  return rows;
}

Result<int64_t> StageDeletions(const Snapshot& snap, const RowsByFragment& rows, Transaction& txn,
                               std::vector<std::string>& written) {
  // One deletion file per touched fragment; they are written (and synced)
  // in parallel, since each is a separate small object.
  struct Staged {
    const Fragment* fragment = nullptr;
    Roaring deleted;
    int64_t now_deleted = 0;
    std::string key;  // empty: no live row is left, the fragment goes
    Status status;
  };
  std::vector<Staged> staged;
  for (const auto& [id, matched] : rows) {
    if (matched.isEmpty()) continue;
    const Fragment* f = snap.manifest->FindFragment(id);
    if (f == nullptr) return Status::Internal("row address names fragment " + std::to_string(id));
    QUIVER_ASSIGN_OR_RETURN(auto old, snap.files->LoadDeletions(*f));
    Staged s;
    s.fragment = f;
    s.deleted = matched;
    if (old) s.deleted |= *old;
    s.now_deleted = static_cast<int64_t>(s.deleted.cardinality());
    if (s.now_deleted < f->physical_rows) s.key = "_deletions/" + NewUniqueId() + ".del";
    staged.push_back(std::move(s));
  }
  DefaultThreadPool()->ParallelFor(static_cast<int64_t>(staged.size()), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      Staged& s = staged[i];
      if (s.key.empty()) continue;
      s.deleted.runOptimize();
      s.status = snap.files->store()->Put(snap.files->Key(s.key), EncodeDeletionFile(s.deleted));
    }
  });
  int64_t total = 0;
  Status first_error;
  for (Staged& s : staged) {
    if (!s.key.empty() && s.status.ok()) written.push_back(s.key);
    if (!s.status.ok() && first_error.ok()) first_error = s.status;
    total += s.now_deleted - s.fragment->num_deleted();
    txn.removed_fragments.push_back(*s.fragment);
    if (s.key.empty()) continue;
    Fragment updated = *s.fragment;
    updated.deletion = DeletionFileRef{s.key, s.now_deleted};
    txn.updated_fragments.push_back(std::move(updated));
  }
  QUIVER_RETURN_NOT_OK(first_error);
  return total;
}

Result<DeleteResult> Table::Delete(const std::string& predicate) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  if (predicate.empty()) {
    return Status::InvalidArgument("delete needs a predicate; use \"true\" to delete every row");
  }
  QUIVER_ASSIGN_OR_RETURN(auto pred, expr::CompilePredicate(predicate, snap->schema()));
  QUIVER_ASSIGN_OR_RETURN(RowsByFragment rows, MatchRows(snap, pred));
  DeleteResult result;
  result.version = snap->version();
  Transaction txn;
  txn.operation = "delete";
  txn.read_version = snap->version();
  txn.metadata["predicate"] = predicate;
  std::vector<std::string> written;
  auto staged = StageDeletions(*snap, rows, txn, written);
  if (!staged.ok()) {
    DeleteFiles(*impl_->files(), written);
    return staged.status();
  }
  if (*staged == 0) return result;
  QUIVER_ASSIGN_OR_RETURN(auto committed, impl_->CommitWrite(txn, *snap, written));
  result.num_deleted_rows = *staged;
  result.version = committed->version;
  return result;
}

}  // namespace quiver

#include "table/prefilter.h"

#include "table/scan_reader.h"

namespace quiver {

Result<std::unique_ptr<CoveredRows>> CoveredRows::Make(const Snapshot& snap, const IndexMeta& index,
                                                       const std::vector<const Fragment*>& covered) {
  bool exact = covered.size() == index.fragment_ids.size();
  for (const Fragment* f : covered) exact = exact && f->num_deleted() == 0;
  if (exact) return std::unique_ptr<CoveredRows>();
  auto rows = std::unique_ptr<CoveredRows>(new CoveredRows(covered));
  for (const Fragment* f : covered) {
    QUIVER_ASSIGN_OR_RETURN(auto deleted, snap.files->LoadDeletions(*f));
    if (deleted) rows->deleted_[f->id] = std::move(deleted);
  }
  return rows;
}

bool CoveredRows::Contains(uint64_t row_id) const {
  auto [fragment, offset] = locator_.Find(row_id);
  if (fragment == nullptr) return false;
  auto it = deleted_.find(fragment->id);
  return it == deleted_.end() || !it->second->contains(static_cast<uint32_t>(offset));
}

Result<Allowed> RunPrefilter(const std::shared_ptr<const Snapshot>& snap,
                             const expr::BoundExprPtr& predicate) {
  ScanSpec spec;
  spec.predicate = predicate;
  spec.with_row_id = true;
  spec.with_row_addr = true;
  spec.batch_size = 65536;
  QUIVER_ASSIGN_OR_RETURN(auto reader, OpenScan(snap, std::move(spec)));
  Allowed allowed;
  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader->Next());
    if (batch == nullptr) break;
    const uint64_t* id = batch->GetColumn("_rowid")->values<uint64_t>();
    const uint64_t* addr = batch->GetColumn("_rowaddr")->values<uint64_t>();
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      allowed.row_ids.add(id[i]);
      allowed.offsets[addr[i] >> 32].add(static_cast<uint32_t>(addr[i]));
    }
    allowed.count += batch->num_rows();
  }
  return allowed;
}

}  // namespace quiver

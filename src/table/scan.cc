// Scans (ScanBuilder) and takes by row id over one snapshot.
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "expr/eval.h"
#include "expr/parser.h"
#include "quiver/table.h"
#include "table/filter.h"
#include "table/scan_reader.h"
#include "table/snapshot.h"
#include "table/table_impl.h"

namespace quiver {

ScanBuilder& ScanBuilder::Where(std::string predicate) {
  where_ = std::move(predicate);
  return *this;
}
ScanBuilder& ScanBuilder::Columns(std::vector<std::string> columns) {
  columns_ = std::move(columns);
  return *this;
}
ScanBuilder& ScanBuilder::Select(std::string select_list) {
  select_ = std::move(select_list);
  return *this;
}
ScanBuilder& ScanBuilder::Limit(int64_t limit) {
  limit_ = limit;
  return *this;
}
ScanBuilder& ScanBuilder::Offset(int64_t offset) {
  offset_ = offset;
  return *this;
}
ScanBuilder& ScanBuilder::WithRowId(bool with_row_id) {
  with_row_id_ = with_row_id;
  return *this;
}
ScanBuilder& ScanBuilder::BatchSize(int64_t rows) {
  batch_size_ = rows;
  return *this;
}

Result<ScanSpec> ScanBuilder::MakeSpec() const {
  if (offset_ < 0) return Status::InvalidArgument("scan offset must be >= 0, got " + std::to_string(offset_));
  if (batch_size_ <= 0) return Status::InvalidArgument("scan batch size must be > 0");
  if (!select_.empty() && !columns_.empty()) {
    return Status::InvalidArgument("a scan takes either Columns() or Select(), not both");
  }
  ScanSpec spec;
  spec.offset = offset_;
  spec.limit = limit_;
  spec.with_row_id = with_row_id_;
  spec.batch_size = batch_size_;
  const Schema& schema = snapshot_->schema();
  if (!where_.empty()) {
    QUIVER_ASSIGN_OR_RETURN(spec.predicate, expr::CompilePredicate(where_, schema));
  }
  if (!select_.empty()) {
    QUIVER_ASSIGN_OR_RETURN(auto items, expr::ParseSelectList(select_));
    for (auto& item : items) {
      QUIVER_ASSIGN_OR_RETURN(auto bound, expr::Bind(*item.expr, schema));
      spec.select.push_back({item.alias, std::move(bound)});
    }
  } else {
    QUIVER_ASSIGN_OR_RETURN(spec.fields, snapshot_->ResolveColumns(columns_));
  }
  return spec;
}

Result<std::unique_ptr<BatchReader>> ScanBuilder::ToReader() const {
  QUIVER_ASSIGN_OR_RETURN(ScanSpec spec, MakeSpec());
  return OpenScan(snapshot_, std::move(spec));
}

Result<BatchPtr> ScanBuilder::ToBatch() const {
  QUIVER_ASSIGN_OR_RETURN(auto reader, ToReader());
  QUIVER_ASSIGN_OR_RETURN(auto batches, reader->ReadAll());
  if (batches.empty()) return EmptyBatch(reader->schema());
  if (batches.size() == 1) return batches.front();
  return ConcatenateBatches(batches);
}

Result<std::string> ScanBuilder::Explain() const {
  QUIVER_ASSIGN_OR_RETURN(ScanSpec spec, MakeSpec());
  QUIVER_ASSIGN_OR_RETURN(FilterPlan plan, PlanFilter(*snapshot_, spec.predicate));
  std::string out = "version " + std::to_string(snapshot_->version()) + "\n";
  if (plan.predicate == nullptr) out += "filter: none (full scan)\n";
  for (const std::string& step : plan.steps) out += step + "\n";
  return out;
}

Result<int64_t> Table::CountRows(const std::string& predicate) const {
  QUIVER_ASSIGN_OR_RETURN(auto snap, impl()->ReadSnapshot());
  if (predicate.empty()) return snap->manifest->num_rows();
  ScanSpec spec;
  QUIVER_ASSIGN_OR_RETURN(spec.predicate, expr::CompilePredicate(predicate, snap->schema()));
  spec.batch_size = 65536;
  QUIVER_ASSIGN_OR_RETURN(auto reader, OpenScan(snap, std::move(spec)));
  int64_t count = 0;
  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader->Next());
    if (batch == nullptr) return count;
    count += batch->num_rows();
  }
}

Result<BatchPtr> Table::TakeRowIds(std::span<const uint64_t> row_ids,
                                   const std::vector<std::string>& columns) const {
  QUIVER_ASSIGN_OR_RETURN(auto snap, impl()->ReadSnapshot());
  QUIVER_ASSIGN_OR_RETURN(std::vector<int> fields, snap->ResolveColumns(columns));
  return TakeRows(*snap, row_ids, fields);
}

Result<BatchPtr> TakeRows(const Snapshot& snapshot, std::span<const uint64_t> row_ids,
                          const std::vector<int>& fields) {
  const Snapshot* snap = &snapshot;
  const auto& fragments = snap->manifest->fragments;

  // Locate each id: (fragment index, physical offset). An id can occur in
  // more than one fragment only when all but one occurrence are deleted
  // (compaction's old copies are gone with their fragments, so in practice
  // this does not happen, but the search does not rely on it).
  struct Hit {
    size_t fragment;
    int64_t offset;
    size_t out_row;
  };
  std::vector<Hit> hits;
  hits.reserve(row_ids.size());
  for (size_t i = 0; i < row_ids.size(); ++i) {
    const uint64_t id = row_ids[i];
    bool found = false, deleted_seen = false;
    for (size_t fi = 0; fi < fragments.size() && !found; ++fi) {
      const Fragment& f = fragments[fi];
      if (f.row_ids.empty() || id < f.row_ids.front().start || id >= f.row_ids.back().end) continue;
      int64_t base = 0;
      for (const RowIdRange& r : f.row_ids) {
        if (id >= r.start && id < r.end) {
          const int64_t offset = base + static_cast<int64_t>(id - r.start);
          QUIVER_ASSIGN_OR_RETURN(auto deleted, snap->files->LoadDeletions(f));
          if (deleted && deleted->contains(static_cast<uint32_t>(offset))) {
            deleted_seen = true;
          } else {
            hits.push_back({fi, offset, i});
            found = true;
          }
          break;
        }
        base += static_cast<int64_t>(r.size());
      }
    }
    if (!found) {
      if (deleted_seen) return Status::NotFound("row id " + std::to_string(id) + " was deleted");
      return Status::NotFound("row id " + std::to_string(id) + " does not exist in version " +
                              std::to_string(snap->version()));
    }
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.fragment != b.fragment ? a.fragment < b.fragment : a.offset < b.offset;
  });

  // One take per fragment, then put rows back in the requested order.
  std::vector<BatchPtr> parts;
  std::vector<int64_t> order(row_ids.size());  // out_row -> row in concatenated parts
  int64_t produced = 0;
  for (size_t begin = 0; begin < hits.size();) {
    size_t end = begin;
    const Fragment& f = fragments[hits[begin].fragment];
    std::vector<int64_t> offsets;
    while (end < hits.size() && hits[end].fragment == hits[begin].fragment) {
      const Hit& h = hits[end];
      if (offsets.empty() || offsets.back() != h.offset) {
        offsets.push_back(h.offset);
        ++produced;
      }
      order[h.out_row] = produced - 1;
      ++end;
    }
    QUIVER_ASSIGN_OR_RETURN(BatchPtr part, snap->TakeFromFragment(f, fields, offsets));
    parts.push_back(std::move(part));
    begin = end;
  }
  if (parts.empty()) return EmptyBatch(snap->ProjectedSchema(fields));
  BatchPtr all = parts.front();
  if (parts.size() > 1) {
    QUIVER_ASSIGN_OR_RETURN(all, ConcatenateBatches(parts));
  }
  bool in_order = static_cast<int64_t>(order.size()) == all->num_rows();
  for (size_t i = 0; in_order && i < order.size(); ++i) in_order = order[i] == static_cast<int64_t>(i);
  if (in_order) return all;
  return TakeBatch(*all, order);
}

}  // namespace quiver

// Scans (ScanBuilder) and takes by row id over one snapshot.
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "quiver/table.h"
#include "table/snapshot.h"
#include "table/table_impl.h"

namespace quiver {
namespace {

// Streams the live rows of a snapshot's fragments in order, batch by batch.
class ScanReader : public BatchReader {
 public:
  ScanReader(std::shared_ptr<const Snapshot> snap, std::vector<int> fields, SchemaPtr schema, int64_t offset,
             int64_t limit, bool with_row_id, int64_t batch_size)
      : snap_(std::move(snap)),
        fields_(std::move(fields)),
        schema_(std::move(schema)),
        to_skip_(offset),
        remaining_(limit < 0 ? INT64_MAX : limit),
        with_row_id_(with_row_id),
        batch_size_(std::max<int64_t>(1, batch_size)) {}

  const SchemaPtr& schema() const override { return schema_; }

  Result<BatchPtr> Next() override {
    const auto& fragments = snap_->manifest->fragments;
    while (remaining_ > 0 && fragment_ < fragments.size()) {
      const Fragment& f = fragments[fragment_];
      if (position_ == 0) {
        // Skip whole fragments covered by the offset without reading them.
        if (to_skip_ >= f.live_rows()) {
          to_skip_ -= f.live_rows();
          ++fragment_;
          continue;
        }
        QUIVER_ASSIGN_OR_RETURN(deleted_, snap_->files->LoadDeletions(f));
      }
      if (position_ >= f.physical_rows) {
        ++fragment_;
        position_ = 0;
        continue;
      }
      const int64_t start = position_;
      const int64_t length = std::min(batch_size_, f.physical_rows - start);
      position_ += length;
      QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, ReadLive(f, start, length));
      if (batch == nullptr) continue;
      return batch;
    }
    return BatchPtr();
  }

 private:
  // Reads physical rows [start, start + length) and keeps the live ones that
  // fall inside offset/limit; null when none do.
  Result<BatchPtr> ReadLive(const Fragment& f, int64_t start, int64_t length) {
    std::vector<int64_t> live;  // indexes into the read range; empty = all
    int64_t live_count = length;
    if (deleted_ != nullptr) {
      live = LiveOffsets(start, length, *deleted_);
      live_count = static_cast<int64_t>(live.size());
    }
    if (to_skip_ >= live_count) {
      to_skip_ -= live_count;
      return BatchPtr();
    }
    const int64_t first = to_skip_;
    const int64_t count = std::min(live_count - first, remaining_);
    to_skip_ = 0;
    remaining_ -= count;

    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, snap_->ReadFragment(f, fields_, start, length));
    ArrayPtr row_ids;
    if (with_row_id_) row_ids = RowIdArray(f, start, length, deleted_.get());
    if (deleted_ != nullptr) {
      QUIVER_ASSIGN_OR_RETURN(batch, TakeBatch(*batch, std::span<const int64_t>(live.data() + first, count)));
      if (row_ids) row_ids = row_ids->Slice(first, count);
    } else if (first != 0 || count != length) {
      batch = batch->Slice(first, count);
      if (row_ids) row_ids = row_ids->Slice(first, count);
    }
    if (!with_row_id_) return batch;
    std::vector<ArrayPtr> columns = batch->columns();
    columns.push_back(std::move(row_ids));
    return std::make_shared<RecordBatch>(schema_, count, std::move(columns));
  }

  std::shared_ptr<const Snapshot> snap_;
  std::vector<int> fields_;
  SchemaPtr schema_;
  int64_t to_skip_;
  int64_t remaining_;
  bool with_row_id_;
  int64_t batch_size_;
  size_t fragment_ = 0;
  int64_t position_ = 0;
  std::shared_ptr<const Roaring> deleted_;
};

}  // namespace

ScanBuilder& ScanBuilder::Columns(std::vector<std::string> columns) {
  columns_ = std::move(columns);
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

Result<std::unique_ptr<BatchReader>> ScanBuilder::ToReader() const {
  if (offset_ < 0) return Status::InvalidArgument("scan offset must be >= 0, got " + std::to_string(offset_));
  if (batch_size_ <= 0) return Status::InvalidArgument("scan batch size must be > 0");
  QUIVER_ASSIGN_OR_RETURN(std::vector<int> fields, snapshot_->ResolveColumns(columns_));
  SchemaPtr schema = snapshot_->ProjectedSchema(fields);
  if (with_row_id_) {
    std::vector<Field> out = schema->fields();
    out.emplace_back("_rowid", uint64(), /*nullable=*/false);
    schema = std::make_shared<Schema>(std::move(out), schema->metadata());
  }
  return std::unique_ptr<BatchReader>(new ScanReader(snapshot_, std::move(fields), std::move(schema), offset_,
                                                     limit_, with_row_id_, batch_size_));
}

Result<BatchPtr> ScanBuilder::ToBatch() const {
  QUIVER_ASSIGN_OR_RETURN(auto reader, ToReader());
  QUIVER_ASSIGN_OR_RETURN(auto batches, reader->ReadAll());
  if (batches.empty()) return EmptyBatch(reader->schema());
  if (batches.size() == 1) return batches.front();
  return ConcatenateBatches(batches);
}

Result<BatchPtr> Table::TakeRowIds(std::span<const uint64_t> row_ids,
                                   const std::vector<std::string>& columns) const {
  QUIVER_ASSIGN_OR_RETURN(auto snap, impl()->ReadSnapshot());
  QUIVER_ASSIGN_OR_RETURN(std::vector<int> fields, snap->ResolveColumns(columns));
  const auto& fragments = snap->manifest->fragments;

  // Locate each id: (fragment index, physical offset). Ranges are scanned per
  // fragment; a table has few fragments and each has few ranges.
  struct Hit {
    size_t fragment;
    int64_t offset;
    size_t out_row;
  };
  std::vector<Hit> hits;
  hits.reserve(row_ids.size());
  for (size_t i = 0; i < row_ids.size(); ++i) {
    const uint64_t id = row_ids[i];
    bool found = false;
    for (size_t fi = 0; fi < fragments.size() && !found; ++fi) {
      const Fragment& f = fragments[fi];
      if (f.row_ids.empty() || id < f.row_ids.front().start || id >= f.row_ids.back().end) continue;
      int64_t base = 0;
      for (const RowIdRange& r : f.row_ids) {
        if (id >= r.start && id < r.end) {
          hits.push_back({fi, base + static_cast<int64_t>(id - r.start), i});
          found = true;
          break;
        }
        base += static_cast<int64_t>(r.size());
      }
    }
    if (!found)
      return Status::NotFound("row id " + std::to_string(id) + " does not exist in version " +
                              std::to_string(snap->version()));
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
    QUIVER_ASSIGN_OR_RETURN(auto deleted, snap->files->LoadDeletions(f));
    std::vector<int64_t> offsets;
    while (end < hits.size() && hits[end].fragment == hits[begin].fragment) {
      const Hit& h = hits[end];
      if (deleted && deleted->contains(static_cast<uint32_t>(h.offset))) {
        return Status::NotFound("row id " + std::to_string(row_ids[h.out_row]) + " was deleted");
      }
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

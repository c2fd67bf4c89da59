#include "table/scan_reader.h"

#include <algorithm>
#include <deque>
#include <future>
#include <numeric>

#include "common/thread_pool.h"
#include "expr/eval.h"
#include "table/filter.h"

namespace quiver {
namespace {

// Rows a filtered scan reads and tests at a time: large enough that a page
// is decoded about once, small enough to bound memory per chunk.
constexpr int64_t kFilterChunkRows = 65536;

// One unit of scan work: a physical row range of a fragment, or a list of
// candidate rows an index produced.
struct Chunk {
  size_t plan_index = 0;
  int64_t start = 0;
  int64_t length = 0;
  bool use_rows = false;
  std::vector<int64_t> rows;
};

// The rows of a chunk that match: their read fields and physical offsets.
struct ChunkRows {
  size_t plan_index = 0;
  BatchPtr batch;                // read fields only
  std::vector<int64_t> offsets;  // physical rows, ascending
};

BatchPtr ColumnlessBatch(int64_t rows) {
  static const SchemaPtr kEmpty = std::make_shared<Schema>();
  return std::make_shared<RecordBatch>(kEmpty, rows, std::vector<ArrayPtr>{});
}

// Sorted union of two field lists.
std::vector<int> Union(std::vector<int> a, const std::vector<int>& b) {
  for (int f : b) {
    if (std::find(a.begin(), a.end(), f) == a.end()) a.push_back(f);
  }
  return a;
}

class Scanner : public BatchReader {
 public:
  Scanner(std::shared_ptr<const Snapshot> snap, ScanSpec spec, FilterPlan plan, std::vector<int> read_fields,
          std::vector<int> pred_fields, SchemaPtr out_schema)
      : snap_(std::move(snap)),
        spec_(std::move(spec)),
        plan_(std::move(plan)),
        read_fields_(std::move(read_fields)),
        pred_fields_(std::move(pred_fields)),
        out_schema_(std::move(out_schema)),
        to_skip_(spec_.offset),
        remaining_(spec_.limit < 0 ? INT64_MAX : spec_.limit),
        chunk_rows_(spec_.predicate ? std::max(spec_.batch_size, kFilterChunkRows) : spec_.batch_size) {
    read_schema_ = snap_->ProjectedSchema(read_fields_);
    // Small limits read one chunk at a time; otherwise keep the pool busy.
    const bool small = spec_.limit >= 0 && spec_.limit + spec_.offset <= spec_.batch_size;
    window_ = small ? 1 : std::max(2, 2 * DefaultThreadPool()->num_threads());
  }

  ~Scanner() override {
    for (auto& p : pending_) p.done.wait();
  }

  const SchemaPtr& schema() const override { return out_schema_; }

  Result<BatchPtr> Next() override {
    while (remaining_ > 0) {
      if (current_ && current_pos_ < static_cast<int64_t>(current_->offsets.size())) return Emit();
      current_.reset();
      Fill();
      if (pending_.empty()) break;
      Pending p = std::move(pending_.front());
      pending_.pop_front();
      p.done.wait();
      if (!p.result->ok()) return p.result->status();
      auto rows = std::make_shared<ChunkRows>(std::move(**p.result));
      const int64_t n = static_cast<int64_t>(rows->offsets.size());
      if (to_skip_ >= n) {
        to_skip_ -= n;
        continue;
      }
      current_ = std::move(rows);
      current_pos_ = to_skip_;
      to_skip_ = 0;
    }
    return BatchPtr();
  }

 private:
  struct Pending {
    std::shared_ptr<Result<ChunkRows>> result;
    std::future<void> done;
  };

  // Emits up to batch_size rows of the current chunk.
  Result<BatchPtr> Emit() {
    const int64_t available = static_cast<int64_t>(current_->offsets.size()) - current_pos_;
    const int64_t count = std::min({available, remaining_, spec_.batch_size});
    const int64_t first = current_pos_;
    current_pos_ += count;
    remaining_ -= count;
    BatchPtr rows = current_->batch;
    if (first != 0 || count != rows->num_rows()) rows = rows->Slice(first, count);

    std::vector<ArrayPtr> columns;
    if (!spec_.select.empty()) {
      for (const auto& item : spec_.select) {
        QUIVER_ASSIGN_OR_RETURN(ArrayPtr value, expr::Evaluate(*item.expr, *rows));
        columns.push_back(std::move(value));
      }
    } else {
      columns = rows->columns();
    }
    if (spec_.with_row_id) {
      const Fragment& f = *plan_.fragments[current_->plan_index].fragment;
      std::vector<uint64_t> ids =
          RowIdsAt(f, std::span<const int64_t>(current_->offsets.data() + first, static_cast<size_t>(count)));
      auto values = Buffer::Copy(ids.data(), ids.size() * sizeof(uint64_t));
      columns.push_back(std::make_shared<Array>(uint64(), count, std::vector<BufferPtr>{nullptr, values},
                                                std::vector<ArrayPtr>{}, 0));
    }
    if (spec_.with_row_addr) {
      const uint64_t id = plan_.fragments[current_->plan_index].fragment->id;
      auto values = Buffer::Allocate(static_cast<size_t>(count) * sizeof(uint64_t));
      auto* out = reinterpret_cast<uint64_t*>(values->mutable_data());
      for (int64_t i = 0; i < count; ++i) out[i] = RowAddress(id, current_->offsets[first + i]);
      columns.push_back(std::make_shared<Array>(uint64(), count, std::vector<BufferPtr>{nullptr, values},
                                                std::vector<ArrayPtr>{}, 0));
    }
    return std::make_shared<RecordBatch>(out_schema_, count, std::move(columns));
  }

  // Schedules chunks until the window is full or the plan is exhausted.
  void Fill() {
    while (static_cast<int>(pending_.size()) < window_) {
      Chunk chunk;
      if (!NextChunk(&chunk)) return;
      auto result = std::make_shared<Result<ChunkRows>>(Status::Cancelled("not run"));
      auto task = [this, result, chunk = std::move(chunk)]() { *result = Process(chunk); };
      Pending p{result, {}};
      if (window_ == 1) {
        task();
        std::promise<void> ready;
        ready.set_value();
        p.done = ready.get_future();
      } else {
        p.done = DefaultThreadPool()->Submit(std::move(task));
      }
      pending_.push_back(std::move(p));
    }
  }

  // The next chunk of the plan; false at the end. Skips chunks that the
  // offset covers when their row count is known without reading.
  bool NextChunk(Chunk* out) {
    while (frag_ < plan_.fragments.size()) {
      const FragmentPlan& fp = plan_.fragments[frag_];
      if (fp.use_rows) {
        if (pos_ >= static_cast<int64_t>(fp.rows.size())) {
          Advance();
          continue;
        }
        const int64_t end = std::min<int64_t>(pos_ + chunk_rows_, static_cast<int64_t>(fp.rows.size()));
        out->plan_index = frag_;
        out->use_rows = true;
        out->rows.assign(fp.rows.begin() + pos_, fp.rows.begin() + end);
        pos_ = end;
        return true;
      }
      if (range_ >= fp.ranges.size()) {
        Advance();
        continue;
      }
      const auto [begin, end] = fp.ranges[range_];
      const int64_t start = begin + pos_;
      const int64_t length = std::min(chunk_rows_, end - start);
      pos_ += length;
      if (start + length >= end) {
        ++range_;
        pos_ = 0;
      }
      if (fp.exact && pending_.empty() && to_skip_ > 0 && !current_) {
        // Without a predicate the live rows are known from the deletions.
        auto deleted = snap_->files->LoadDeletions(*fp.fragment);
        if (deleted.ok()) {
          int64_t live = length;
          if (*deleted) live = static_cast<int64_t>(LiveOffsets(start, length, **deleted).size());
          if (to_skip_ >= live) {
            to_skip_ -= live;
            continue;
          }
        }
      }
      out->plan_index = frag_;
      out->start = start;
      out->length = length;
      return true;
    }
    return false;
  }

  void Advance() {
    ++frag_;
    range_ = 0;
    pos_ = 0;
  }

  // Reads `fields` of the given physical rows of a fragment: a take when
  // they are few compared to the range they span, else a read and a gather.
  Result<BatchPtr> Gather(const Fragment& f, const std::vector<int>& fields, int64_t start, int64_t length,
                          const std::vector<int64_t>& offsets) const {
    if (fields.empty()) return ColumnlessBatch(static_cast<int64_t>(offsets.size()));
    if (static_cast<int64_t>(offsets.size()) * 8 <= length)
      return snap_->TakeFromFragment(f, fields, offsets);
    QUIVER_ASSIGN_OR_RETURN(BatchPtr all, snap_->ReadFragment(f, fields, start, length));
    if (static_cast<int64_t>(offsets.size()) == length) return all;
    std::vector<int64_t> local(offsets.size());
    for (size_t i = 0; i < offsets.size(); ++i) local[i] = offsets[i] - start;
    return TakeBatch(*all, local);
  }

  // The batch's columns for `fields`, in that order, from a batch that
  // holds them (read as `have`).
  static BatchPtr Pick(const BatchPtr& batch, const std::vector<int>& have, const std::vector<int>& fields,
                       const SchemaPtr& schema) {
    std::vector<ArrayPtr> columns;
    for (int f : fields) {
      const size_t i = std::find(have.begin(), have.end(), f) - have.begin();
      columns.push_back(batch->column(static_cast<int>(i)));
    }
    return std::make_shared<RecordBatch>(schema, batch->num_rows(), std::move(columns));
  }

  Result<ChunkRows> Process(const Chunk& chunk) const {
    const FragmentPlan& fp = plan_.fragments[chunk.plan_index];
    const Fragment& f = *fp.fragment;
    ChunkRows out;
    out.plan_index = chunk.plan_index;
    QUIVER_ASSIGN_OR_RETURN(auto deleted, snap_->files->LoadDeletions(f));
    auto is_deleted = [&](int64_t o) { return deleted && deleted->contains(static_cast<uint32_t>(o)); };

    if (chunk.use_rows) {
      std::vector<int64_t> candidates;
      for (int64_t o : chunk.rows) {
        if (!is_deleted(o)) candidates.push_back(o);
      }
      if (candidates.empty()) {
        out.batch = ColumnlessBatch(0);
        return out;
      }
      if (fp.exact) {
        if (read_fields_.empty()) {
          out.batch = ColumnlessBatch(static_cast<int64_t>(candidates.size()));
        } else {
          QUIVER_ASSIGN_OR_RETURN(out.batch, snap_->TakeFromFragment(f, read_fields_, candidates));
        }
        out.offsets = std::move(candidates);
        return out;
      }
      const std::vector<int> fields = Union(pred_fields_, read_fields_);
      QUIVER_ASSIGN_OR_RETURN(BatchPtr all, snap_->TakeFromFragment(f, fields, candidates));
      QUIVER_ASSIGN_OR_RETURN(std::vector<int64_t> sel, expr::SelectRows(*plan_.predicate, *all));
      for (int64_t i : sel) out.offsets.push_back(candidates[i]);
      QUIVER_ASSIGN_OR_RETURN(BatchPtr taken, TakeBatch(*all, sel));
      out.batch = Pick(taken, fields, read_fields_, read_schema_);
      return out;
    }

    const int64_t start = chunk.start, length = chunk.length;
    if (fp.exact) {
      if (deleted) {
        for (int64_t i : LiveOffsets(start, length, *deleted)) out.offsets.push_back(start + i);
      } else {
        out.offsets.resize(static_cast<size_t>(length));
        std::iota(out.offsets.begin(), out.offsets.end(), start);
      }
      QUIVER_ASSIGN_OR_RETURN(out.batch, Gather(f, read_fields_, start, length, out.offsets));
      return out;
    }

    QUIVER_ASSIGN_OR_RETURN(BatchPtr pred_batch, snap_->ReadFragment(f, pred_fields_, start, length));
    QUIVER_ASSIGN_OR_RETURN(std::vector<int64_t> sel, expr::SelectRows(*plan_.predicate, *pred_batch));
    if (deleted) std::erase_if(sel, [&](int64_t i) { return is_deleted(start + i); });
    out.offsets.resize(sel.size());
    for (size_t i = 0; i < sel.size(); ++i) out.offsets[i] = start + sel[i];
    if (sel.empty()) {
      out.batch = ColumnlessBatch(0);
      return out;
    }
    // Output columns the predicate already read come from its batch; the
    // others are fetched for the matching rows only.
    std::vector<int> missing;
    for (int field : read_fields_) {
      if (std::find(pred_fields_.begin(), pred_fields_.end(), field) == pred_fields_.end()) {
        missing.push_back(field);
      }
    }
    BatchPtr fetched;
    if (!missing.empty()) {
      QUIVER_ASSIGN_OR_RETURN(fetched, Gather(f, missing, start, length, out.offsets));
    }
    BatchPtr from_pred;
    if (missing.size() < read_fields_.size()) {
      QUIVER_ASSIGN_OR_RETURN(from_pred, TakeBatch(*pred_batch, sel));
    }
    std::vector<ArrayPtr> columns;
    for (int field : read_fields_) {
      auto m = std::find(missing.begin(), missing.end(), field);
      if (m != missing.end()) {
        columns.push_back(fetched->column(static_cast<int>(m - missing.begin())));
      } else {
        const size_t i = std::find(pred_fields_.begin(), pred_fields_.end(), field) - pred_fields_.begin();
        columns.push_back(from_pred->column(static_cast<int>(i)));
      }
    }
    out.batch =
        std::make_shared<RecordBatch>(read_schema_, static_cast<int64_t>(sel.size()), std::move(columns));
    return out;
  }

  const std::shared_ptr<const Snapshot> snap_;
  const ScanSpec spec_;
  const FilterPlan plan_;
  const std::vector<int> read_fields_;
  const std::vector<int> pred_fields_;
  SchemaPtr read_schema_;
  const SchemaPtr out_schema_;

  int64_t to_skip_;
  int64_t remaining_;
  const int64_t chunk_rows_;
  int window_ = 1;

  size_t frag_ = 0;
  size_t range_ = 0;
  int64_t pos_ = 0;
  std::deque<Pending> pending_;
  std::shared_ptr<ChunkRows> current_;
  int64_t current_pos_ = 0;
};

Result<std::vector<int>> FieldsOf(const Snapshot& snap, const std::vector<std::string>& names) {
  std::vector<int> fields;
  for (const std::string& name : names) {
    const int i = snap.schema().FieldIndex(name);
    if (i < 0) return Status::Internal("bound expression names unknown column \"" + name + "\"");
    if (std::find(fields.begin(), fields.end(), i) == fields.end()) fields.push_back(i);
  }
  return fields;
}

}  // namespace

Result<std::unique_ptr<BatchReader>> OpenScan(std::shared_ptr<const Snapshot> snapshot, ScanSpec spec) {
  if (spec.batch_size <= 0) return Status::InvalidArgument("scan batch size must be > 0");
  if (spec.offset < 0) return Status::InvalidArgument("scan offset must be >= 0");
  std::vector<int> pred_fields;
  if (spec.predicate) {
    QUIVER_ASSIGN_OR_RETURN(pred_fields, FieldsOf(*snapshot, expr::ReferencedColumns(*spec.predicate)));
  }
  std::vector<int> read_fields = spec.fields;
  std::vector<Field> out;
  if (!spec.select.empty()) {
    std::vector<std::string> names;
    for (const auto& item : spec.select) {
      for (auto& n : expr::ReferencedColumns(*item.expr)) names.push_back(std::move(n));
      out.emplace_back(item.name, item.expr->type, item.expr->nullable);
    }
    QUIVER_ASSIGN_OR_RETURN(read_fields, FieldsOf(*snapshot, names));
  } else {
    for (int f : read_fields) out.push_back(snapshot->schema().field(f));
  }
  if (spec.with_row_id) out.emplace_back("_rowid", uint64(), /*nullable=*/false);
  if (spec.with_row_addr) out.emplace_back("_rowaddr", uint64(), /*nullable=*/false);
  auto out_schema = std::make_shared<Schema>(std::move(out), snapshot->schema().metadata());
  QUIVER_ASSIGN_OR_RETURN(FilterPlan plan, PlanFilter(*snapshot, spec.predicate));
  if (spec.only_fragments) {
    const auto& keep = *spec.only_fragments;
    std::erase_if(plan.fragments, [&](const FragmentPlan& fp) {
      return std::find(keep.begin(), keep.end(), fp.fragment->id) == keep.end();
    });
  }
  return std::unique_ptr<BatchReader>(new Scanner(std::move(snapshot), std::move(spec), std::move(plan),
                                                  std::move(read_fields), std::move(pred_fields),
                                                  std::move(out_schema)));
}

}  // namespace quiver

namespace quiver {

Result<std::unique_ptr<BatchReader>> OpenColumnScan(std::shared_ptr<const Snapshot> snapshot, int field,
                                                    std::optional<std::vector<uint64_t>> fragments) {
  ScanSpec spec;
  spec.fields = {field};
  spec.with_row_id = true;
  spec.batch_size = 65536;
  spec.only_fragments = std::move(fragments);
  return OpenScan(std::move(snapshot), std::move(spec));
}

int64_t LiveRows(const Snapshot& snapshot, const std::optional<std::vector<uint64_t>>& fragments) {
  int64_t total = 0;
  for (const Fragment& f : snapshot.manifest->fragments) {
    if (!fragments || std::find(fragments->begin(), fragments->end(), f.id) != fragments->end()) {
      total += f.live_rows();
    }
  }
  return total;
}

}  // namespace quiver

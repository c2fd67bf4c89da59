// Update: new values for some columns of the rows a predicate matches.
//
// Each fragment with matching rows is updated one of two ways, whichever
// reads and writes fewer bytes:
//  - by rows: the matching rows are taken whole, given their new values and
//    appended as a new fragment, and deleted from the old one. A take from a
//    compressed page decompresses a 2 KiB chunk per value, so this pays when
//    few rows match.
//  - by columns: the updated columns of the whole fragment are read, the
//    matching rows' values replaced, and the columns written as one new data
//    file; the fragment keeps its other files, its row ids and its place,
//    under a new id (indexes over the updated columns stop covering it,
//    indexes over other columns keep covering it). This pays when many rows
//    match, or when the rows are wide and the updated columns narrow.
#include <algorithm>

#include "common/thread_pool.h"
#include "expr/eval.h"
#include "expr/parser.h"
#include "format/data_file.h"
#include "format/page.h"
#include "quiver/table.h"
#include "table/fragment_writer.h"
#include "table/mutate.h"
#include "table/table_impl.h"

namespace quiver {
namespace {

constexpr int64_t kUpdateBatchRows = 65536;
constexpr double kRewriteBatchBytes = 16 << 20;
// What taking one value from a compressed page costs, in bytes decoded: the
// 2 KiB chunk holding it.
constexpr double kTakeBytesPerValue = 2048;
// A field id in a data file's field list that no schema field has: the
// column was superseded by a later file of the fragment.
constexpr int32_t kSupersededField = -1;

struct ColumnSet {
  int field = 0;               // schema index
  expr::BoundExprPtr value;    // bound to the table's schema (whole rows)
  expr::BoundExprPtr on_read;  // bound to the columns a rewrite reads
};

// Binds `sql` as a value for `field`, cast to its type when it differs.
Result<expr::BoundExprPtr> BindValue(std::string_view sql, const Field& field, const Schema& schema) {
  QUIVER_ASSIGN_OR_RETURN(expr::ExprPtr parsed, expr::ParseExpression(sql));
  QUIVER_ASSIGN_OR_RETURN(expr::BoundExprPtr bound, expr::Bind(*parsed, schema));
  if (bound->type->Equals(*field.type)) return bound;
  auto cast = std::make_unique<expr::Expr>();
  cast->kind = expr::ExprKind::kCast;
  cast->cast_type = field.type;
  cast->position = parsed->position;
  cast->args.push_back(std::move(parsed));
  auto result = expr::Bind(*cast, schema);
  if (!result.ok()) {
    return Status::InvalidArgument("cannot store " + bound->ToString() + " (" + bound->type->ToString() +
                                   ") in column \"" + field.name + "\" (" + field.type->ToString() +
                                   "): " + result.status().message());
  }
  return result;
}

// `old` with the rows `at` (ascending) replaced by the values of `values`,
// in order.
Result<ArrayPtr> ReplaceRows(const Field& field, const Array& old, std::span<const int64_t> at,
                             const Array& values) {
  ColumnLayout layout(field.type);
  ArrayAppender out(layout);
  out.Reserve(old.length());
  int64_t pos = 0;
  for (size_t i = 0; i < at.size();) {
    size_t run = 1;  // consecutive rows take their values in one append
    while (i + run < at.size() && at[i + run] == at[i] + static_cast<int64_t>(run)) ++run;
    if (at[i] > pos) QUIVER_RETURN_NOT_OK(out.Append(old, pos, at[i] - pos));
    QUIVER_RETURN_NOT_OK(out.Append(values, static_cast<int64_t>(i), static_cast<int64_t>(run)));
    pos = at[i] + static_cast<int64_t>(run);
    i += run;
  }
  if (pos < old.length()) QUIVER_RETURN_NOT_OK(out.Append(old, pos, old.length() - pos));
  return out.Finish();
}

// Decoded bytes per row of each schema field in `fragment` (0 for a field
// no file holds: it reads as nulls).
Result<std::vector<double>> FieldWidths(const Snapshot& snap, const Fragment& fragment) {
  std::vector<double> widths(snap.schema().num_fields(), 0.0);
  if (fragment.physical_rows == 0) return widths;
  for (const DataFileRef& file : fragment.files) {
    QUIVER_ASSIGN_OR_RETURN(auto reader, snap.files->OpenDataFile(file));
    for (size_t c = 0; c < file.field_ids.size(); ++c) {
      const int field = snap.manifest->FieldIndexById(file.field_ids[c]);
      if (field < 0) continue;  // dropped or superseded
      uint64_t bytes = 0;
      for (const PageInfo& page : reader->metadata().columns[c].pages) bytes += page.uncompressed_size;
      widths[field] = static_cast<double>(bytes) / static_cast<double>(fragment.physical_rows);
    }
  }
  return widths;
}

// Whether rewriting the updated columns of the whole fragment reads and
// writes fewer bytes than taking and rewriting the matching rows whole.
bool UpdateByColumns(const std::vector<double>& widths, int64_t physical_rows, int64_t matched,
                     const std::vector<int>& set_fields, const std::vector<int>& read_fields) {
  double by_rows = 0, by_columns = 0;
  for (size_t field = 0; field < widths.size(); ++field) {
    by_rows += static_cast<double>(matched) * std::max(widths[field], kTakeBytesPerValue);
  }
  for (int field : read_fields) by_columns += static_cast<double>(physical_rows) * widths[field];
  for (int field : set_fields) by_columns += static_cast<double>(physical_rows) * widths[field];
  return by_columns < by_rows;
}

// Writes the updated columns of `fragment` as a new data file (its key
// appended to `written`) and returns the fragment with that file and its
// older copies of those columns marked superseded.
// `read_bytes_per_row`: the decoded width of `read_fields` together.
Result<Fragment> RewriteColumns(const Snapshot& snap, const Fragment& fragment, const Roaring& matched,
                                const std::vector<ColumnSet>& sets, const std::vector<int>& read_fields,
                                double read_bytes_per_row, std::vector<std::string>& written) {
  const Schema& schema = snap.schema();
  std::vector<Field> file_fields;
  std::vector<int32_t> file_ids;
  for (const ColumnSet& set : sets) {
    file_fields.push_back(schema.field(set.field));
    file_ids.push_back(snap.manifest->field_ids[set.field]);
  }
  auto file_schema = std::make_shared<const Schema>(file_fields);
  const std::string key = "data/" + NewUniqueId() + ".qvd";
  DataFileOptions options;
  options.executor = DefaultThreadPool();
  QUIVER_ASSIGN_OR_RETURN(
      auto writer, DataFileWriter::Open(snap.files->store(), snap.files->Key(key), file_schema, options));
  written.push_back(key);
  // Batches of about kRewriteBatchBytes: the writer compresses a batch's
  // pages in parallel, and a narrow column's batch of 65,536 rows would
  // keep few threads busy.
  const int64_t batch_rows = std::max<int64_t>(
      kUpdateBatchRows, static_cast<int64_t>(kRewriteBatchBytes / std::max(read_bytes_per_row, 1.0)));
  Roaring::const_iterator next = matched.begin();
  std::vector<int64_t> at;
  for (int64_t start = 0; start < fragment.physical_rows; start += batch_rows) {
    const int64_t length = std::min(batch_rows, fragment.physical_rows - start);
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, snap.ReadFragment(fragment, read_fields, start, length));
    at.clear();
    for (; next != matched.end() && static_cast<int64_t>(*next) < start + length; ++next) {
      at.push_back(static_cast<int64_t>(*next) - start);
    }
    std::vector<ArrayPtr> columns;
    BatchPtr rows;  // the matching rows of the read columns
    if (!at.empty()) {
      QUIVER_ASSIGN_OR_RETURN(rows, TakeBatch(*batch, at));
    }
    for (const ColumnSet& set : sets) {
      const ArrayPtr& old = batch->column(static_cast<int>(
          std::find(read_fields.begin(), read_fields.end(), set.field) - read_fields.begin()));
      if (at.empty()) {
        columns.push_back(old);
        continue;
      }
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr values, expr::Evaluate(*set.on_read, *rows));
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr merged, ReplaceRows(schema.field(set.field), *old, at, *values));
      columns.push_back(std::move(merged));
    }
    RecordBatch out(file_schema, length, std::move(columns));
    QUIVER_RETURN_NOT_OK(out.CheckNulls(*file_schema));
    QUIVER_RETURN_NOT_OK(writer->Write(out));
  }
  QUIVER_ASSIGN_OR_RETURN(DataFileMetadata meta, writer->Finish());
  Fragment updated = fragment;
  for (DataFileRef& file : updated.files) {
    for (int32_t& id : file.field_ids) {
      if (std::find(file_ids.begin(), file_ids.end(), id) != file_ids.end()) id = kSupersededField;
    }
  }
  updated.files.push_back({key, file_ids, meta.file_size});
  return updated;
}

// The matching rows of fragments updated by rows, taken whole with their
// new values, a batch of at most kUpdateBatchRows at a time.
class TakenRowsReader : public BatchReader {
 public:
  TakenRowsReader(const Snapshot& snap, const RowsByFragment& rows, const std::vector<ColumnSet>& sets,
                  std::vector<int> all_fields)
      : snap_(snap), rows_(rows), next_(rows.begin()), sets_(sets), all_fields_(std::move(all_fields)) {}

  const SchemaPtr& schema() const override { return snap_.manifest->schema; }

  Result<BatchPtr> Next() override {
    while (next_ != rows_.end()) {
      const auto& [id, matched] = *next_;
      if (offsets_.empty()) {
        offsets_.reserve(matched.cardinality());
        for (uint32_t row : matched) offsets_.push_back(row);
      }
      if (taken_ == offsets_.size()) {
        offsets_.clear();
        taken_ = 0;
        ++next_;
        continue;
      }
      const size_t n = std::min<size_t>(kUpdateBatchRows, offsets_.size() - taken_);
      std::span<const int64_t> rows(offsets_.data() + taken_, n);
      taken_ += n;
      QUIVER_ASSIGN_OR_RETURN(BatchPtr batch,
                              snap_.TakeFromFragment(*snap_.manifest->FindFragment(id), all_fields_, rows));
      std::vector<ArrayPtr> columns = batch->columns();
      for (const ColumnSet& set : sets_) {
        QUIVER_ASSIGN_OR_RETURN(columns[set.field], expr::Evaluate(*set.value, *batch));
      }
      return std::make_shared<RecordBatch>(schema(), batch->num_rows(), std::move(columns));
    }
    return BatchPtr();
  }

 private:
  const Snapshot& snap_;
  const RowsByFragment& rows_;
  RowsByFragment::const_iterator next_;
  const std::vector<ColumnSet>& sets_;
  const std::vector<int> all_fields_;
  std::vector<int64_t> offsets_;
  size_t taken_ = 0;
};

}  // namespace

Result<UpdateResult> Table::Update(const std::vector<std::pair<std::string, std::string>>& values,
                                   const std::string& predicate) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const Schema& schema = snap->schema();
  if (values.empty()) return Status::InvalidArgument("update needs at least one column to set");

  std::vector<ColumnSet> sets;
  std::vector<int> set_fields;
  for (const auto& [column, sql] : values) {
    QUIVER_ASSIGN_OR_RETURN(const Field* field, schema.GetField(column));
    const int index = static_cast<int>(field - schema.fields().data());
    if (std::find(set_fields.begin(), set_fields.end(), index) != set_fields.end()) {
      return Status::InvalidArgument("column \"" + column + "\" is set twice");
    }
    auto bound = BindValue(sql, *field, schema);
    if (!bound.ok()) return bound.status().WithContext("update of column \"" + column + "\"");
    sets.push_back({index, std::move(*bound), nullptr});
    set_fields.push_back(index);
  }
  expr::BoundExprPtr pred;
  if (!predicate.empty()) {
    QUIVER_ASSIGN_OR_RETURN(pred, expr::CompilePredicate(predicate, schema));
  }
  // A column rewrite reads the updated columns and those the new values use.
  std::vector<int> read_fields = set_fields;
  for (const ColumnSet& set : sets) {
    QUIVER_ASSIGN_OR_RETURN(std::vector<int> used, snap->ResolveColumns(expr::ReferencedColumns(*set.value)));
    for (int field : used) {
      if (std::find(read_fields.begin(), read_fields.end(), field) == read_fields.end())
        read_fields.push_back(field);
    }
  }
  std::sort(read_fields.begin(), read_fields.end());
  // The same values bound to just those columns, in that order.
  const SchemaPtr read_schema = snap->ProjectedSchema(read_fields);
  for (size_t i = 0; i < sets.size(); ++i) {
    QUIVER_ASSIGN_OR_RETURN(sets[i].on_read,
                            BindValue(values[i].second, schema.field(sets[i].field), *read_schema));
  }

  QUIVER_ASSIGN_OR_RETURN(RowsByFragment matched, MatchRows(snap, pred));
  struct ColumnRewrite {
    const Fragment* fragment;
    const Roaring* rows;
    double read_bytes_per_row;
  };
  RowsByFragment by_rows;
  std::vector<ColumnRewrite> by_columns;
  int64_t rows_updated = 0;
  for (const auto& [id, rows] : matched) {
    if (rows.isEmpty()) continue;
    const Fragment* fragment = snap->manifest->FindFragment(id);
    if (fragment == nullptr) return Status::Internal("row address names fragment " + std::to_string(id));
    const int64_t n = static_cast<int64_t>(rows.cardinality());
    rows_updated += n;
    QUIVER_ASSIGN_OR_RETURN(std::vector<double> widths, FieldWidths(*snap, *fragment));
    if (UpdateByColumns(widths, fragment->physical_rows, n, set_fields, read_fields)) {
      double read_bytes = 0;
      for (int field : read_fields) read_bytes += widths[field];
      by_columns.push_back({fragment, &rows, read_bytes});
    } else {
      by_rows[id] = rows;
    }
  }
  UpdateResult result;
  result.version = snap->version();
  if (rows_updated == 0) return result;

  Transaction txn;
  txn.operation = "update";
  txn.read_version = snap->version();
  txn.read_schema = snap->manifest->schema;
  if (!predicate.empty()) txn.metadata["predicate"] = predicate;
  std::vector<std::string> written;
  auto stage = [&]() -> Status {
    if (!by_rows.empty()) {
      QUIVER_ASSIGN_OR_RETURN(std::vector<int> all_fields, snap->ResolveColumns({}));
      TakenRowsReader reader(*snap, by_rows, sets, std::move(all_fields));
      QUIVER_ASSIGN_OR_RETURN(WrittenFragments rows, WriteFragments(*impl_->files(), snap->manifest->schema,
                                                                    snap->manifest->field_ids, reader, {}));
      written.insert(written.end(), rows.keys.begin(), rows.keys.end());
      for (Fragment& f : rows.fragments) {
        txn.new_fragments.push_back(std::move(f));
        txn.new_fragment_sources.emplace_back();
        txn.new_fragment_in_place_of.push_back(Transaction::kAppendFragment);
      }
      QUIVER_RETURN_NOT_OK(StageDeletions(*snap, by_rows, txn, written).status());
    }
    // Fragments are rewritten in parallel (each also compresses its pages
    // on the pool).
    std::vector<Result<Fragment>> rewritten(by_columns.size(), Status::Internal("not rewritten"));
    std::vector<std::vector<std::string>> keys(by_columns.size());
    DefaultThreadPool()->ParallelFor(
        static_cast<int64_t>(by_columns.size()), [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) {
            const ColumnRewrite& c = by_columns[i];
            rewritten[i] =
                RewriteColumns(*snap, *c.fragment, *c.rows, sets, read_fields, c.read_bytes_per_row, keys[i]);
          }
        });
    for (size_t i = 0; i < by_columns.size(); ++i) {
      written.insert(written.end(), keys[i].begin(), keys[i].end());
    }
    for (size_t i = 0; i < by_columns.size(); ++i) {
      QUIVER_RETURN_NOT_OK(rewritten[i].status());
      const Fragment& fragment = *by_columns[i].fragment;
      txn.removed_fragments.push_back(fragment);
      txn.new_fragments.push_back(std::move(rewritten[i]).value());
      txn.new_fragment_sources.push_back({fragment.id});
      txn.new_fragment_in_place_of.push_back(fragment.id);
    }
    for (int field : set_fields) txn.rewritten_field_ids.push_back(snap->manifest->field_ids[field]);
    return Status::OK();
  };
  Status staged = stage();
  if (!staged.ok()) {
    DeleteFiles(*impl_->files(), written);
    return staged;
  }
  QUIVER_ASSIGN_OR_RETURN(auto committed, impl_->CommitWrite(txn, *snap, written));
  result.rows_updated = rows_updated;
  result.version = committed->version;
  return result;
}

}  // namespace quiver

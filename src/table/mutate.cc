// Delete, update and merge insert.
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

namespace {

// The table's columns of a scan batch that also holds `_rowaddr` (last),
// with some columns replaced by computed values. Records the addresses.
class RewriteReader : public BatchReader {
 public:
  using Transform = std::function<Result<BatchPtr>(const BatchPtr& rows)>;
  RewriteReader(std::unique_ptr<BatchReader> scan, SchemaPtr schema, Transform transform,
                RowsByFragment* rows)
      : scan_(std::move(scan)), schema_(std::move(schema)), transform_(std::move(transform)), rows_(rows) {}

  const SchemaPtr& schema() const override { return schema_; }

  Result<BatchPtr> Next() override {
    for (;;) {
      QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, scan_->Next());
      if (batch == nullptr) return batch;
      if (batch->num_rows() == 0) continue;
      AddRowAddresses(*batch->column(batch->num_columns() - 1), *rows_);
      std::vector<ArrayPtr> columns = batch->columns();
      columns.pop_back();
      auto rows = std::make_shared<RecordBatch>(schema_, batch->num_rows(), std::move(columns));
      return transform_(rows);
    }
  }

 private:
  std::unique_ptr<BatchReader> scan_;
  SchemaPtr schema_;
  Transform transform_;
  RowsByFragment* rows_;
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

}  // namespace

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

Result<UpdateResult> Table::Update(const std::vector<std::pair<std::string, std::string>>& values,
                                   const std::string& predicate) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const Schema& schema = snap->schema();
  if (values.empty()) return Status::InvalidArgument("update needs at least one column to set");

  // column index -> new value
  std::vector<std::pair<int, expr::BoundExprPtr>> sets;
  for (const auto& [column, sql] : values) {
    QUIVER_ASSIGN_OR_RETURN(const Field* field, schema.GetField(column));
    const int index = static_cast<int>(field - schema.fields().data());
    for (const auto& s : sets) {
      if (s.first == index) return Status::InvalidArgument("column \"" + column + "\" is set twice");
    }
    auto bound = BindValue(sql, *field, schema);
    if (!bound.ok()) return bound.status().WithContext("update of column \"" + column + "\"");
    sets.emplace_back(index, std::move(*bound));
  }
  expr::BoundExprPtr pred;
  if (!predicate.empty()) {
    QUIVER_ASSIGN_OR_RETURN(pred, expr::CompilePredicate(predicate, schema));
  }

  ScanSpec spec;
  spec.predicate = pred;
  QUIVER_ASSIGN_OR_RETURN(spec.fields, snap->ResolveColumns({}));
  spec.with_row_addr = true;
  spec.batch_size = 65536;
  QUIVER_ASSIGN_OR_RETURN(auto scan, OpenScan(snap, std::move(spec)));
  RowsByFragment rows;
  const SchemaPtr table_schema = snap->manifest->schema;
  RewriteReader rewritten(
      std::move(scan), table_schema,
      [&](const BatchPtr& batch) -> Result<BatchPtr> {
        std::vector<ArrayPtr> columns = batch->columns();
        for (const auto& [index, value] : sets) {
          QUIVER_ASSIGN_OR_RETURN(columns[index], expr::Evaluate(*value, *batch));
        }
        return std::make_shared<RecordBatch>(table_schema, batch->num_rows(), std::move(columns));
      },
      &rows);

  Transaction txn;
  txn.operation = "update";
  txn.read_version = snap->version();
  txn.read_schema = table_schema;
  if (!predicate.empty()) txn.metadata["predicate"] = predicate;
  QUIVER_ASSIGN_OR_RETURN(WrittenFragments written, WriteFragments(*impl_->files(), table_schema,
                                                                   snap->manifest->field_ids, rewritten, {}));
  UpdateResult result;
  result.version = snap->version();
  if (written.rows == 0) {
    DeleteFiles(*impl_->files(), written.keys);
    return result;
  }
  txn.new_fragments = std::move(written.fragments);
  auto staged = StageDeletions(*snap, rows, txn, written.keys);
  if (!staged.ok()) {
    DeleteFiles(*impl_->files(), written.keys);
    return staged.status();
  }
  QUIVER_ASSIGN_OR_RETURN(auto committed, impl_->CommitWrite(txn, *snap, written.keys));
  result.rows_updated = written.rows;
  result.version = committed->version;
  return result;
}

}  // namespace quiver

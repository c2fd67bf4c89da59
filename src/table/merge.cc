// Merge insert (upsert) keyed on one or more columns.
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "expr/eval.h"
#include "expr/parser.h"
#include "quiver/table.h"
#include "table/fragment_writer.h"
#include "table/mutate.h"
#include "table/scan_reader.h"
#include "table/table_impl.h"

namespace quiver {
namespace {

// Encodes the key columns of a row as bytes; false when a key is NULL
// (NULL keys never match).
class KeyEncoder {
 public:
  explicit KeyEncoder(std::vector<ArrayPtr> columns) : columns_(std::move(columns)) {}

  bool Encode(int64_t row, std::string* out) const {
    out->clear();
    for (const ArrayPtr& column : columns_) {
      const Array& a = *column;
      if (a.IsNull(row)) return false;
      const DataType& type = *a.type();
      if (type.id() == TypeId::kBool) {
        out->push_back(a.GetBool(row) ? 1 : 0);
      } else if (type.is_fixed_width()) {
        const int bytes = type.bit_width() / 8;
        const uint8_t* v = a.buffer(1)->data() + (a.offset() + row) * bytes;
        out->append(reinterpret_cast<const char*>(v), bytes);
      } else {
        const std::string_view v = a.GetView(row);
        const uint32_t size = static_cast<uint32_t>(v.size());
        out->append(reinterpret_cast<const char*>(&size), sizeof(size));
        out->append(v);
      }
    }
    return true;
  }

  // The key of `row` as SQL-ish text for error messages.
  std::string Describe(const std::vector<std::string>& names, int64_t row) const {
    std::string s;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i) s += ", ";
      s += names[i] + " = " + columns_[i]->FormatValue(row);
    }
    return s;
  }

 private:
  std::vector<ArrayPtr> columns_;
};

bool IsKeyType(const DataType& type) {
  return type.id() == TypeId::kBool || (type.is_fixed_width() && type.id() != TypeId::kFixedSizeList) ||
         type.is_string_like();
}

// A schema for conditions over matched pairs: the target's columns
// unqualified, plus structs "target" and "source" holding each side.
SchemaPtr PairSchema(const Schema& table) {
  std::vector<Field> fields = table.fields();
  fields.emplace_back("target", struct_(table.fields()));
  fields.emplace_back("source", struct_(table.fields()));
  return std::make_shared<Schema>(std::move(fields));
}

BatchPtr PairBatch(const SchemaPtr& pair_schema, const RecordBatch& target, const RecordBatch& source) {
  std::vector<ArrayPtr> columns = target.columns();
  const int64_t n = target.num_rows();
  columns.push_back(std::make_shared<Array>(pair_schema->field(pair_schema->num_fields() - 2).type, n,
                                            std::vector<BufferPtr>{nullptr}, target.columns(), 0));
  columns.push_back(std::make_shared<Array>(pair_schema->field(pair_schema->num_fields() - 1).type, n,
                                            std::vector<BufferPtr>{nullptr}, source.columns(), 0));
  return std::make_shared<RecordBatch>(pair_schema, n, std::move(columns));
}

}  // namespace

MergeInsertBuilder Table::MergeInsert(std::vector<std::string> on) {
  return MergeInsertBuilder(this, std::move(on));
}

MergeInsertBuilder& MergeInsertBuilder::WhenMatchedUpdateAll(std::optional<std::string> condition) {
  update_matched_ = true;
  update_condition_ = std::move(condition);
  return *this;
}
MergeInsertBuilder& MergeInsertBuilder::WhenNotMatchedInsertAll() {
  insert_unmatched_ = true;
  return *this;
}
MergeInsertBuilder& MergeInsertBuilder::WhenNotMatchedBySourceDelete(std::optional<std::string> condition) {
  delete_unmatched_by_source_ = true;
  delete_condition_ = std::move(condition);
  return *this;
}

Result<MergeInsertResult> MergeInsertBuilder::Execute(const std::vector<BatchPtr>& source) {
  if (source.empty()) return Status::InvalidArgument("merge insert needs a source batch (it may be empty)");
  auto reader = MakeBatchReader(source.front()->schema(), source);
  return Execute(*reader);
}

Result<MergeInsertResult> MergeInsertBuilder::Execute(BatchReader& source_reader) {
  TableImpl* impl = table_->impl();
  std::lock_guard<std::mutex> write_lock(impl->write_mu());
  QUIVER_RETURN_NOT_OK(impl->CheckWritable());
  auto snap = impl->current();
  const SchemaPtr& schema = snap->manifest->schema;
  if (on_.empty()) return Status::InvalidArgument("merge insert needs at least one key column (on)");
  if (!update_matched_ && !insert_unmatched_ && !delete_unmatched_by_source_) {
    return Status::InvalidArgument(
        "merge insert does nothing: choose when_matched_update_all, when_not_matched_insert_all and/or "
        "when_not_matched_by_source_delete");
  }

  // The source, lined up with the table's schema.
  QUIVER_RETURN_NOT_OK(schema->CheckCompatible(*source_reader.schema()).WithContext("merge insert source"));
  QUIVER_ASSIGN_OR_RETURN(auto source_batches, source_reader.ReadAll());
  BatchPtr source;
  if (source_batches.empty()) {
    source = EmptyBatch(schema);
  } else {
    QUIVER_ASSIGN_OR_RETURN(source, ConcatenateBatches(source_batches));
    QUIVER_ASSIGN_OR_RETURN(source, ConformBatch(schema, source));
  }

  std::vector<int> key_fields;
  for (const std::string& name : on_) {
    QUIVER_ASSIGN_OR_RETURN(const Field* field, schema->GetField(name));
    if (!IsKeyType(*field->type)) {
      return Status::InvalidArgument("merge key column \"" + name + "\" has type " + field->type->ToString() +
                                     "; keys must be numbers, strings, dates, timestamps or bools");
    }
    key_fields.push_back(static_cast<int>(field - schema->fields().data()));
  }

  // Source keys -> source row; a repeated key is an error.
  std::vector<ArrayPtr> source_keys;
  for (int f : key_fields) source_keys.push_back(source->column(f));
  KeyEncoder source_encoder(source_keys);
  std::unordered_map<std::string, int64_t> by_key;
  by_key.reserve(static_cast<size_t>(source->num_rows()));
  std::string key;
  for (int64_t i = 0; i < source->num_rows(); ++i) {
    if (!source_encoder.Encode(i, &key)) continue;
    auto [it, inserted] = by_key.emplace(key, i);
    if (!inserted) {
      return Status::InvalidArgument("merge insert source has the key (" + source_encoder.Describe(on_, i) +
                                     ") in rows " + std::to_string(it->second) + " and " + std::to_string(i) +
                                     "; each key may occur once");
    }
  }

  expr::BoundExprPtr update_condition, delete_condition;
  SchemaPtr pair_schema;
  if (update_condition_) {
    for (const char* side : {"target", "source"}) {
      if (schema->FieldIndex(side) >= 0) {
        return Status::NotSupported(std::string("the update condition names the two sides \"target\" and "
                                                "\"source\", but the table has a column named \"") +
                                    side + "\"; rename it (alter_columns) to use a condition");
      }
    }
    pair_schema = PairSchema(*schema);
    QUIVER_ASSIGN_OR_RETURN(update_condition, expr::CompilePredicate(*update_condition_, *pair_schema));
  }
  if (delete_condition_) {
    QUIVER_ASSIGN_OR_RETURN(delete_condition, expr::CompilePredicate(*delete_condition_, *schema));
  }

  // Scan the target: keys (and whole rows when a condition needs them).
  ScanSpec spec;
  if (update_condition || delete_condition) {
    QUIVER_ASSIGN_OR_RETURN(spec.fields, snap->ResolveColumns({}));
  } else {
    spec.fields = key_fields;
  }
  spec.with_row_addr = true;
  spec.batch_size = 65536;
  QUIVER_ASSIGN_OR_RETURN(auto scan, OpenScan(snap, spec));

  std::vector<char> source_matched(static_cast<size_t>(source->num_rows()), 0);
  std::vector<int64_t> update_rows;  // source rows that replace a target row
  RowsByFragment deleted;            // target rows replaced or deleted
  int64_t deleted_by_source = 0;
  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, scan->Next());
    if (batch == nullptr) break;
    const int64_t n = batch->num_rows();
    std::vector<ArrayPtr> target_keys;
    for (int f : key_fields) {
      const size_t slot = std::find(spec.fields.begin(), spec.fields.end(), f) - spec.fields.begin();
      target_keys.push_back(batch->column(static_cast<int>(slot)));
    }
    KeyEncoder target_encoder(target_keys);
    const ArrayPtr& addr = batch->column(batch->num_columns() - 1);
    const uint64_t* addrs = addr->values<uint64_t>();

    std::vector<int64_t> matched_target, matched_source, unmatched_target;
    for (int64_t i = 0; i < n; ++i) {
      auto it = target_encoder.Encode(i, &key) ? by_key.find(key) : by_key.end();
      if (it == by_key.end()) {
        unmatched_target.push_back(i);
        continue;
      }
      if (source_matched[it->second]) {
        return Status::InvalidArgument("merge insert: the table has more than one row with the key (" +
                                       source_encoder.Describe(on_, it->second) +
                                       "), so the source row would update several rows");
      }
      source_matched[it->second] = 1;
      matched_target.push_back(i);
      matched_source.push_back(it->second);
    }

    if (update_matched_ && !matched_target.empty()) {
      std::vector<char> take(matched_target.size(), 1);
      if (update_condition) {
        std::vector<int> all(static_cast<size_t>(schema->num_fields()));
        for (int f = 0; f < schema->num_fields(); ++f) all[f] = f;
        std::vector<ArrayPtr> target_columns(batch->columns().begin(), batch->columns().end() - 1);
        auto target_rows = std::make_shared<RecordBatch>(schema, n, std::move(target_columns));
        QUIVER_ASSIGN_OR_RETURN(BatchPtr t, TakeBatch(*target_rows, matched_target));
        QUIVER_ASSIGN_OR_RETURN(BatchPtr s, TakeBatch(*source, matched_source));
        QUIVER_ASSIGN_OR_RETURN(auto sel,
                                expr::SelectRows(*update_condition, *PairBatch(pair_schema, *t, *s)));
        std::fill(take.begin(), take.end(), 0);
        for (int64_t i : sel) take[i] = 1;
      }
      for (size_t i = 0; i < matched_target.size(); ++i) {
        if (!take[i]) continue;
        const uint64_t a = addrs[matched_target[i]];
        deleted[a >> 32].add(static_cast<uint32_t>(a));
        update_rows.push_back(matched_source[i]);
      }
    }

    if (delete_unmatched_by_source_ && !unmatched_target.empty()) {
      std::vector<int64_t> doomed = unmatched_target;
      if (delete_condition) {
        std::vector<ArrayPtr> target_columns(batch->columns().begin(), batch->columns().end() - 1);
        auto target_rows = std::make_shared<RecordBatch>(schema, n, std::move(target_columns));
        QUIVER_ASSIGN_OR_RETURN(BatchPtr t, TakeBatch(*target_rows, unmatched_target));
        QUIVER_ASSIGN_OR_RETURN(auto sel, expr::SelectRows(*delete_condition, *t));
        doomed.clear();
        for (int64_t i : sel) doomed.push_back(unmatched_target[i]);
      }
      for (int64_t i : doomed) deleted[addrs[i] >> 32].add(static_cast<uint32_t>(addrs[i]));
      deleted_by_source += static_cast<int64_t>(doomed.size());
    }
  }

  std::vector<int64_t> insert_rows;
  if (insert_unmatched_) {
    for (int64_t i = 0; i < source->num_rows(); ++i) {
      if (!source_matched[i]) insert_rows.push_back(i);
    }
  }

  MergeInsertResult result;
  result.version = snap->version();
  if (update_rows.empty() && insert_rows.empty() && deleted_by_source == 0) return result;

  Transaction txn;
  txn.operation = "merge";
  txn.read_version = snap->version();
  txn.read_schema = schema;
  std::vector<std::string> written_keys;
  if (!update_rows.empty() || !insert_rows.empty()) {
    std::vector<int64_t> rows = update_rows;
    rows.insert(rows.end(), insert_rows.begin(), insert_rows.end());
    QUIVER_ASSIGN_OR_RETURN(BatchPtr out, TakeBatch(*source, rows));
    auto reader = MakeBatchReader(schema, {out});
    QUIVER_ASSIGN_OR_RETURN(WrittenFragments written,
                            WriteFragments(*impl->files(), schema, snap->manifest->field_ids, *reader, {}));
    txn.new_fragments = std::move(written.fragments);
    written_keys = std::move(written.keys);
  }
  auto staged = StageDeletions(*snap, deleted, txn, written_keys);
  if (!staged.ok()) {
    DeleteFiles(*impl->files(), written_keys);
    return staged.status();
  }
  QUIVER_ASSIGN_OR_RETURN(auto committed, impl->CommitWrite(txn, *snap, written_keys));
  result.num_updated_rows = static_cast<int64_t>(update_rows.size());
  result.num_inserted_rows = static_cast<int64_t>(insert_rows.size());
  result.num_deleted_rows = deleted_by_source;
  result.version = committed->version;
  return result;
}

}  // namespace quiver

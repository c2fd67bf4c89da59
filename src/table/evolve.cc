// Schema evolution: add, alter and drop columns.
#include <algorithm>
#include <set>

#include "expr/eval.h"
#include "expr/parser.h"
#include "format/data_file.h"
#include "quiver/table.h"
#include "table/fragment_writer.h"
#include "table/table_impl.h"

namespace quiver {
namespace {

constexpr int64_t kEvolveReadRows = 65536;

// Computes `values` over every physical row of every fragment (deleted rows
// too: a fragment's files all hold the same rows) and stores them as a new
// data file per fragment holding `new_fields` under `new_ids`. Fills the
// transaction's removed/updated fragments.
Status WriteComputedColumns(const Snapshot& snap, const std::vector<expr::BoundExprPtr>& values,
                            const std::vector<Field>& new_fields, const std::vector<int32_t>& new_ids,
                            Transaction& txn, std::vector<std::string>& written) {
  std::vector<std::string> needed;
  for (const auto& v : values) {
    for (auto& name : expr::ReferencedColumns(*v)) {
      if (std::find(needed.begin(), needed.end(), name) == needed.end()) needed.push_back(std::move(name));
    }
  }
  QUIVER_ASSIGN_OR_RETURN(std::vector<int> read_fields, snap.ResolveColumns(needed));
  if (needed.empty()) read_fields.clear();
  auto file_schema = std::make_shared<Schema>(new_fields);
  for (const Fragment& f : snap.manifest->fragments) {
    const std::string key = "data/" + NewUniqueId() + ".qvd";
    QUIVER_ASSIGN_OR_RETURN(auto writer,
                            DataFileWriter::Open(snap.files->store(), snap.files->Key(key), file_schema));
    for (int64_t start = 0; start < f.physical_rows; start += kEvolveReadRows) {
      const int64_t length = std::min(kEvolveReadRows, f.physical_rows - start);
      BatchPtr input;
      if (read_fields.empty()) {
        input = std::make_shared<RecordBatch>(std::make_shared<Schema>(), length, std::vector<ArrayPtr>{});
      } else {
        QUIVER_ASSIGN_OR_RETURN(input, snap.ReadFragment(f, read_fields, start, length));
      }
      std::vector<ArrayPtr> columns;
      for (size_t i = 0; i < values.size(); ++i) {
        QUIVER_ASSIGN_OR_RETURN(ArrayPtr column, expr::Evaluate(*values[i], *input));
        columns.push_back(std::move(column));
      }
      auto batch = std::make_shared<RecordBatch>(file_schema, length, std::move(columns));
      QUIVER_RETURN_NOT_OK(batch->CheckNulls(*file_schema));
      QUIVER_RETURN_NOT_OK(writer->Write(*batch));
    }
    if (f.physical_rows == 0) {
      writer->Abort();
      continue;
    }
    QUIVER_ASSIGN_OR_RETURN(DataFileMetadata meta, writer->Finish());
    written.push_back(key);
    Fragment updated = f;
    updated.files.push_back({key, new_ids, meta.file_size});
    txn.removed_fragments.push_back(f);
    txn.updated_fragments.push_back(std::move(updated));
  }
  return Status::OK();
}

Status CheckNewName(const Schema& schema, const std::string& name, const std::set<std::string>& taken) {
  if (name.empty()) return Status::InvalidArgument("a column name must not be empty");
  if (name == "_rowid" || name == "_rowaddr" || name == "_distance" || name == "_score") {
    return Status::InvalidArgument("column name \"" + name + "\" is reserved");
  }
  if (schema.FieldIndex(name) >= 0 || taken.count(name)) {
    return Status::AlreadyExists("column \"" + name + "\" already exists");
  }
  return Status::OK();
}

// Whether every value of `from` has an equal value in `to` (checked casts
// between integers, which fail on values out of range, count as safe).
bool SafeCast(const DataType& from, const DataType& to) {
  if (from.Equals(to)) return true;
  auto bits = [](const DataType& t) { return t.bit_width(); };
  if (from.is_integer() && to.is_integer()) return true;  // range-checked per value
  if (from.is_integer() && to.is_floating()) {
    const int mantissa = to.id() == TypeId::kFloat64 ? 53 : to.id() == TypeId::kFloat32 ? 24 : 11;
    return bits(from) <= mantissa;
  }
  if (from.is_floating() && to.is_floating()) return bits(to) >= bits(from);
  if (from.is_string_like() && to.is_string_like()) {
    const bool from_text = from.id() == TypeId::kUtf8 || from.id() == TypeId::kLargeUtf8;
    const bool to_text = to.id() == TypeId::kUtf8 || to.id() == TypeId::kLargeUtf8;
    return from_text == to_text || !to_text;
  }
  if (from.id() == TypeId::kDate32 && to.id() == TypeId::kTimestamp) return true;
  if (from.id() == TypeId::kTimestamp && to.id() == TypeId::kTimestamp) {
    return static_cast<int>(to.unit()) >= static_cast<int>(from.unit());
  }
  return false;
}

// A transaction for a schema change of `snap`'s version named `operation`.
Transaction SchemaTransaction(const Snapshot& snap, std::string operation) {
  Transaction txn;
  txn.operation = std::move(operation);
  txn.read_version = snap.version();
  txn.read_schema = snap.manifest->schema;
  return txn;
}

// Commits `txn` with `fields` (field ids `ids`) as the table's new schema.
Result<uint64_t> CommitSchema(TableImpl& impl, const Snapshot& snap, Transaction& txn,
                              std::vector<Field> fields, std::vector<int32_t> ids,
                              const std::vector<std::string>& written) {
  txn.evolved_schema = std::make_shared<Schema>(std::move(fields), snap.schema().metadata());
  txn.evolved_field_ids = std::move(ids);
  QUIVER_ASSIGN_OR_RETURN(auto committed, impl.CommitWrite(txn, snap, written));
  return committed->version;
}

}  // namespace

Result<uint64_t> Table::AddColumns(const std::vector<std::pair<std::string, std::string>>& columns) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const Manifest& m = *snap->manifest;
  if (columns.empty()) return Status::InvalidArgument("add_columns needs at least one column");
  std::vector<expr::BoundExprPtr> values;
  std::vector<Field> new_fields;
  std::vector<int32_t> new_ids;
  std::set<std::string> taken;
  for (const auto& [name, sql] : columns) {
    QUIVER_RETURN_NOT_OK(CheckNewName(*m.schema, name, taken));
    taken.insert(name);
    auto bound = expr::CompileExpression(sql, *m.schema);
    if (!bound.ok()) return bound.status().WithContext("new column \"" + name + "\"");
    // A constant that is not NULL makes a non-nullable column (as in
    // LanceDB); anything computed stays nullable, since functions may
    // still give NULL for some rows.
    const bool constant = (*bound)->kind == expr::BoundExpr::Kind::kLiteral && !(*bound)->nullable;
    new_fields.emplace_back(name, (*bound)->type, /*nullable=*/!constant);
    new_ids.push_back(m.next_field_id + static_cast<int32_t>(new_ids.size()));
    values.push_back(std::move(*bound));
  }
  Transaction txn = SchemaTransaction(*snap, "add_columns");
  std::vector<std::string> written;
  Status st = WriteComputedColumns(*snap, values, new_fields, new_ids, txn, written);
  if (!st.ok()) {
    DeleteFiles(*impl_->files(), written);
    return st;
  }
  std::vector<Field> fields = m.schema->fields();
  fields.insert(fields.end(), new_fields.begin(), new_fields.end());
  std::vector<int32_t> ids = m.field_ids;
  ids.insert(ids.end(), new_ids.begin(), new_ids.end());
  return CommitSchema(*impl_, *snap, txn, std::move(fields), std::move(ids), written);
}

Result<uint64_t> Table::AddColumns(const std::vector<Field>& null_columns) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const Manifest& m = *snap->manifest;
  if (null_columns.empty()) return Status::InvalidArgument("add_columns needs at least one column");
  std::vector<Field> fields = m.schema->fields();
  std::vector<int32_t> ids = m.field_ids;
  std::set<std::string> taken;
  for (const Field& field : null_columns) {
    QUIVER_RETURN_NOT_OK(CheckNewName(*m.schema, field.name, taken));
    taken.insert(field.name);
    if (!field.nullable) {
      return Status::InvalidArgument("new column \"" + field.name +
                                     "\" starts all-null, so it must be nullable (make it non-nullable later "
                                     "with alter_columns once it is filled)");
    }
    if (field.type == nullptr)
      return Status::InvalidArgument("new column \"" + field.name + "\" needs a type");
    fields.push_back(field);
    ids.push_back(m.next_field_id + static_cast<int32_t>(ids.size() - m.field_ids.size()));
  }
  // Fragments simply lack the new fields: they read as nulls.
  Transaction txn = SchemaTransaction(*snap, "add_columns");
  return CommitSchema(*impl_, *snap, txn, std::move(fields), std::move(ids), {});
}

Result<uint64_t> Table::DropColumns(const std::vector<std::string>& columns) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const Manifest& m = *snap->manifest;
  if (columns.empty()) return Status::InvalidArgument("drop_columns needs at least one column");
  std::set<int> drop;
  for (const std::string& name : columns) {
    if (name.find('.') != std::string::npos && m.schema->FieldIndex(name) < 0) {
      return Status::NotSupported("dropping a struct member (\"" + name +
                                  "\") is not supported; drop the column");
    }
    QUIVER_ASSIGN_OR_RETURN(const Field* field, m.schema->GetField(name));
    drop.insert(static_cast<int>(field - m.schema->fields().data()));
  }
  if (static_cast<int>(drop.size()) == m.schema->num_fields()) {
    return Status::InvalidArgument("cannot drop every column of a table");
  }
  std::vector<Field> fields;
  std::vector<int32_t> ids;
  for (int i = 0; i < m.schema->num_fields(); ++i) {
    if (drop.count(i)) continue;
    fields.push_back(m.schema->field(i));
    ids.push_back(m.field_ids[i]);
  }
  Transaction txn = SchemaTransaction(*snap, "drop_columns");
  return CommitSchema(*impl_, *snap, txn, std::move(fields), std::move(ids), {});
}

Result<uint64_t> Table::AlterColumns(const std::vector<ColumnAlteration>& alterations) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const Manifest& m = *snap->manifest;
  if (alterations.empty()) return Status::InvalidArgument("alter_columns needs at least one alteration");
  std::vector<Field> fields = m.schema->fields();
  std::vector<int32_t> ids = m.field_ids;
  std::set<std::string> new_names;
  std::vector<expr::BoundExprPtr> casts;
  std::vector<Field> cast_fields;
  std::vector<int32_t> cast_ids;
  std::vector<int> cast_slots;
  std::set<int> seen;
  for (const ColumnAlteration& alt : alterations) {
    QUIVER_ASSIGN_OR_RETURN(const Field* field, m.schema->GetField(alt.path));
    const int index = static_cast<int>(field - m.schema->fields().data());
    if (!seen.insert(index).second) {
      return Status::InvalidArgument("column \"" + alt.path + "\" is altered twice; combine the changes");
    }
    Field& out = fields[index];
    if (alt.rename && *alt.rename != field->name) {
      QUIVER_RETURN_NOT_OK(CheckNewName(Schema(), *alt.rename, new_names));
      for (int i = 0; i < m.schema->num_fields(); ++i) {
        const bool renamed_away =
            std::any_of(alterations.begin(), alterations.end(), [&](const ColumnAlteration& a) {
              return a.path == m.schema->field(i).name && a.rename && *a.rename != a.path;
            });
        if (i != index && !renamed_away && m.schema->field(i).name == *alt.rename) {
          return Status::AlreadyExists("cannot rename \"" + alt.path + "\" to \"" + *alt.rename +
                                       "\": that column already exists");
        }
      }
      new_names.insert(*alt.rename);
      out.name = *alt.rename;
    }
    if (alt.nullable) out.nullable = *alt.nullable;
    if (alt.data_type && !alt.data_type->Equals(*field->type)) {
      if (!SafeCast(*field->type, *alt.data_type)) {
        return Status::InvalidArgument("cannot change column \"" + field->name + "\" from " +
                                       field->type->ToString() + " to " + alt.data_type->ToString() +
                                       " without losing values; allowed: integer to integer (values must "
                                       "fit), integer to a float that holds it exactly, wider floats, "
                                       "string and binary widths, date to timestamp, finer timestamp units");
      }
      auto column = std::make_unique<expr::Expr>();
      column->kind = expr::ExprKind::kColumn;
      column->path = {field->name};
      expr::Expr cast;
      cast.kind = expr::ExprKind::kCast;
      cast.cast_type = alt.data_type;
      cast.args.push_back(std::move(column));
      QUIVER_ASSIGN_OR_RETURN(auto bound, expr::Bind(cast, *m.schema));
      out.type = alt.data_type;
      casts.push_back(std::move(bound));
      cast_fields.push_back(out);
      cast_ids.push_back(m.next_field_id + static_cast<int32_t>(cast_ids.size()));
      cast_slots.push_back(index);
    }
  }
  // Making a column non-nullable: it must hold no nulls now.
  for (const ColumnAlteration& alt : alterations) {
    if (!alt.nullable || *alt.nullable) continue;
    const Field* field = *m.schema->GetField(alt.path);
    if (!field->nullable) continue;
    auto count = CountRows("\"" + field->name + "\" IS NULL");
    if (!count.ok()) return count.status();
    if (*count > 0) {
      return Status::InvalidArgument("cannot make column \"" + field->name +
                                     "\" non-nullable: " + std::to_string(*count) + " rows hold NULL");
    }
  }

  Transaction txn = SchemaTransaction(*snap, "alter_columns");
  std::vector<std::string> written;
  if (!casts.empty()) {
    Status st = WriteComputedColumns(*snap, casts, cast_fields, cast_ids, txn, written);
    if (!st.ok()) {
      DeleteFiles(*impl_->files(), written);
      return st.WithContext("alter_columns");
    }
    for (size_t i = 0; i < cast_slots.size(); ++i) ids[cast_slots[i]] = cast_ids[i];
  }
  return CommitSchema(*impl_, *snap, txn, std::move(fields), std::move(ids), written);
}

}  // namespace quiver

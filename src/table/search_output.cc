#include "table/search_output.h"

#include <algorithm>

#include "expr/eval.h"

namespace quiver {

Result<TakenRows> TakeRowsForOutput(const Snapshot& snap, std::span<const uint64_t> ids,
                                    const std::vector<int>& output_fields,
                                    const expr::BoundExprPtr& postfilter) {
  std::vector<int> fields = output_fields;
  if (postfilter) {
    for (const std::string& name : expr::ReferencedColumns(*postfilter)) {
      QUIVER_ASSIGN_OR_RETURN(const Field* f, snap.schema().GetField(name));
      const int index = static_cast<int>(f - snap.schema().fields().data());
      if (std::find(fields.begin(), fields.end(), index) == fields.end()) fields.push_back(index);
    }
  }
  TakenRows out;
  QUIVER_ASSIGN_OR_RETURN(out.rows, TakeRows(snap, ids, fields));
  if (postfilter) {
    QUIVER_ASSIGN_OR_RETURN(out.passing, expr::SelectRows(*postfilter, *out.rows));
  } else {
    out.passing.resize(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) out.passing[i] = static_cast<int64_t>(i);
  }
  return out;
}

namespace {

template <typename T>
ArrayPtr Selected(const TypePtr& type, const std::vector<T>& values, std::span<const int64_t> selected) {
  auto buffer = Buffer::Allocate(selected.size() * sizeof(T));
  T* out = reinterpret_cast<T*>(buffer->mutable_data());
  for (size_t i = 0; i < selected.size(); ++i) out[i] = values[selected[i]];
  return std::make_shared<Array>(type, static_cast<int64_t>(selected.size()),
                                 std::vector<BufferPtr>{nullptr, buffer}, std::vector<ArrayPtr>{}, 0);
}

}  // namespace

ArrayPtr SelectedFloats(const std::vector<float>& values, std::span<const int64_t> selected) {
  return Selected(float32(), values, selected);
}
ArrayPtr SelectedUInt64s(const std::vector<uint64_t>& values, std::span<const int64_t> selected) {
  return Selected(uint64(), values, selected);
}
ArrayPtr SelectedInt32s(const std::vector<int32_t>& values, std::span<const int64_t> selected) {
  return Selected(int32(), values, selected);
}

Result<BatchPtr> AssembleOutput(const BatchPtr& rows, size_t num_output, std::span<const int64_t> selected,
                                std::vector<std::pair<Field, ArrayPtr>> extra) {
  BatchPtr taken = rows;
  if (selected.size() != static_cast<size_t>(rows->num_rows())) {
    QUIVER_ASSIGN_OR_RETURN(taken, TakeBatch(*rows, selected));
  } else {
    for (size_t i = 0; i < selected.size(); ++i) {
      if (selected[i] != static_cast<int64_t>(i)) {
        QUIVER_ASSIGN_OR_RETURN(taken, TakeBatch(*rows, selected));
        break;
      }
    }
  }
  std::vector<Field> fields;
  std::vector<ArrayPtr> columns;
  for (size_t c = 0; c < num_output; ++c) {
    fields.push_back(taken->schema()->field(static_cast<int>(c)));
    columns.push_back(taken->column(static_cast<int>(c)));
  }
  for (auto& [field, column] : extra) {
    fields.push_back(std::move(field));
    columns.push_back(std::move(column));
  }
  return RecordBatch::Make(std::make_shared<Schema>(std::move(fields)), std::move(columns));
}

}  // namespace quiver

#include "index/scalar/index_input.h"

namespace quiver::index {

Result<IndexInputBatch> IndexInput::Next() {
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader_.Next());
    if (!batch) return IndexInputBatch{};
    if (batch->num_rows() == 0) continue;
    ArrayPtr rowid = batch->GetColumn("_rowid");
    if (!rowid) return Status::InvalidArgument("index input has no \"_rowid\" column");
    if (rowid->type()->id() != TypeId::kUInt64) {
      return Status::InvalidArgument("index input column \"_rowid\" has type " + rowid->type()->ToString() +
                                     ", expected uint64");
    }
    if (rowid->null_count() > 0) return Status::InvalidArgument("index input column \"_rowid\" holds NULLs");
    if (batch->num_columns() < 2 || batch->column(0) == rowid) {
      return Status::InvalidArgument("index input must have the indexed column first, then \"_rowid\"");
    }
    ArrayPtr values = batch->column(0);
    if (!values->type()->Equals(*column_.type)) {
      return Status::InvalidArgument("index input column \"" + batch->schema()->field(0).name +
                                     "\" has type " + values->type()->ToString() + ", the index is on " +
                                     column_.type->ToString());
    }
    rows_read_ += batch->num_rows();
    return IndexInputBatch{std::move(values), rowid->values<uint64_t>(), batch->num_rows(), std::move(batch)};
  }
}

}  // namespace quiver::index

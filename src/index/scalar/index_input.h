// The input of an index build: batches of (indexed column, "_rowid").
//
// Thread-safety: not thread-safe (it drives a BatchReader).
#pragma once

#include <cstdint>
#include <memory>

#include "quiver/array.h"
#include "quiver/batch_reader.h"
#include "quiver/schema.h"
#include "quiver/status.h"

namespace quiver::index {

// One batch of input: `values` (of the indexed column's type) and the row
// id of each of its rows.
struct IndexInputBatch {
  ArrayPtr values;
  const uint64_t* row_ids = nullptr;
  int64_t num_rows = 0;
  BatchPtr batch;  // keeps both alive
};

class IndexInput {
 public:
  IndexInput(BatchReader& reader, const Field& column) : reader_(reader), column_(column) {}
  // The next non-empty batch, or a null `values` at the end. InvalidArgument
  // when the batch has no uint64 "_rowid" column or its first column is not
  // of the indexed column's type.
  Result<IndexInputBatch> Next();
  uint64_t rows_read() const { return rows_read_; }

 private:
  BatchReader& reader_;
  const Field& column_;
  uint64_t rows_read_ = 0;
};

}  // namespace quiver::index

// BatchReader: a stream of record batches sharing one schema. The way data
// flows into a table (imports, appends) and out of it (scans) without
// holding everything in memory.
//
// Thread-safety: a reader is used by one thread at a time.
#pragma once

#include <memory>
#include <vector>

#include "quiver/array.h"

namespace quiver {

class BatchReader {
 public:
  virtual ~BatchReader() = default;
  virtual const SchemaPtr& schema() const = 0;
  // The next batch, or nullptr at the end of the stream.
  virtual Result<BatchPtr> Next() = 0;

  // Reads every remaining batch.
  Result<std::vector<BatchPtr>> ReadAll();
};

// A reader over batches already in memory (all must share `schema`).
std::unique_ptr<BatchReader> MakeBatchReader(SchemaPtr schema, std::vector<BatchPtr> batches);

}  // namespace quiver

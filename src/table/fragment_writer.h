// Writing rows into new fragments: conforming incoming batches to the
// table's schema and streaming them into data files.
//
// Thread-safety: plain functions; one call writes from one thread.
#pragma once

#include <string>
#include <vector>

#include "format/manifest.h"
#include "quiver/batch_reader.h"
#include "quiver/table.h"
#include "table/snapshot.h"

namespace quiver {

// Checks `batch` against `target` (column names and types, extra or missing
// columns, nulls in non-nullable columns) and returns it with `target`'s
// schema and column order. Errors name the column and both types.
Result<BatchPtr> ConformBatch(const SchemaPtr& target, const BatchPtr& batch);

struct WrittenFragments {
  std::vector<Fragment> fragments;  // ids and row ids unassigned
  std::vector<std::string> keys;    // data files written, relative to the table root
  int64_t rows = 0;
};

// Streams `data` into data files of at most options.max_rows_per_file rows
// each, one fragment per file. Every batch is conformed to `schema`; field i
// of `schema` is stored under `field_ids[i]`. On failure every file written
// so far is deleted and nothing is returned.
Result<WrittenFragments> WriteFragments(TableFiles& files, const SchemaPtr& schema,
                                        const std::vector<int32_t>& field_ids, BatchReader& data,
                                        const WriteOptions& options);

// Deletes data files by key (best effort: used to undo a failed write).
void DeleteFiles(TableFiles& files, const std::vector<std::string>& keys);

}  // namespace quiver

// Scalar indexes: which rows of a table hold a value, a range of values, a
// NULL, or (for list columns) a label, answered as a set of stable row ids
// without scanning the column. The three kinds LanceDB has:
//
//   BTREE       sorted (value, row id) pages, read by byte range through a
//               per-page min/max lookup loaded at open. Equality, ranges,
//               IN, IS NULL on numbers, strings, dates, timestamps, bools.
//   BITMAP      one row id bitmap per distinct value, behind a sorted
//               dictionary. For low-cardinality columns; the same operators.
//   LABEL_LIST  one bitmap per distinct element of list<T> columns:
//               array_has_any (union), array_has_all (intersection),
//               IS NULL of the list.
//
// An index covers the rows it was built from; deleted rows are the table
// layer's business (it filters results with its deletion state), except that
// UpdateScalarIndex drops the row ids it is told are gone.
//
//   ScalarIndexMeta meta = BuildScalarIndex(ScalarIndexType::kBTree, field, rows,
//                                           *store, "_indices/<uuid>/", {}).value();
//   auto index = OpenScalarIndex(store, "_indices/<uuid>/", meta).value();
//   Roaring64Map hits = index->Search(predicate).value();
//
// Files are specified in docs/format.md ("Scalar indexes").
#pragma once

#include <roaring/roaring64map.hh>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "expr/bind.h"
#include "format/compression.h"
#include "io/object_store.h"
#include "quiver/batch_reader.h"
#include "quiver/schema.h"
#include "quiver/status.h"

namespace quiver::index {

enum class ScalarIndexType : uint8_t { kBTree = 0, kBitmap = 1, kLabelList = 2 };

// "BTREE", "BITMAP", "LABEL_LIST".
std::string_view ScalarIndexTypeName(ScalarIndexType type);
// Parses those names, case-insensitively; InvalidArgument naming the text
// and the valid names otherwise.
Result<ScalarIndexType> ParseScalarIndexType(std::string_view name);

// OK when an index of `type` can be built over a column of `column_type`:
// BTREE and BITMAP over bool, integers, floats, strings, binaries, date32
// and timestamps; LABEL_LIST over list / large_list of those. NotSupported
// naming both otherwise.
Status CheckIndexable(ScalarIndexType type, const DataType& column_type);

// Reported while building; `stage` is "reading", "sorting" or "writing".
struct ScalarIndexProgress {
  std::string_view stage;
  uint64_t rows_done = 0;
};
// Returning a non-OK status cancels the build with that status.
using ScalarIndexProgressFn = std::function<Status(const ScalarIndexProgress&)>;

struct ScalarIndexBuildOptions {
  // Called after every input batch and every spilled run; may be empty.
  ScalarIndexProgressFn progress;
  // BTREE: memory for (value, row id) entries before a sorted run is
  // spilled to the store (under the index prefix, deleted at the end).
  uint64_t sort_memory_bytes = uint64_t{256} << 20;
  // BTREE: entries per page (at most), and for string and binary values
  // the uncompressed bytes at which a page is cut early.
  uint32_t btree_page_entries = 4096;
  uint32_t btree_page_bytes = 64 * 1024;
  // Page compression (BTREE pages). A page is stored uncompressed when
  // compression saves less than an eighth of it.
  Compression compression = Compression::kLz4;
  int zstd_level = 3;
};

// One file of an index, relative to its prefix.
struct ScalarIndexFile {
  std::string name;
  uint64_t size = 0;
};

// What the table layer stores in the manifest's index slot (ToJson) and
// hands back to OpenScalarIndex.
struct ScalarIndexMeta {
  ScalarIndexType type = ScalarIndexType::kBTree;
  TypePtr value_type;  // the indexed column's type (list<T> for LABEL_LIST)
  std::vector<ScalarIndexFile> files;
  uint64_t num_rows = 0;       // rows indexed, NULLs included
  uint64_t num_null_rows = 0;  // rows whose value (or list) is NULL
  uint64_t num_distinct = 0;   // distinct non-null values (labels for LABEL_LIST)
  uint32_t format_version = 1;

  // {"type": "BTREE", "value_type": "int64", "files": [{"name", "size"}],
  //  "num_rows", "num_null_rows", "num_distinct", "format_version"}
  nlohmann::json ToJson() const;
  // InvalidArgument naming the member that is missing or malformed.
  static Result<ScalarIndexMeta> FromJson(const nlohmann::json& json);
};

// What an open index has read so far (through its store), since open.
struct ScalarIndexStats {
  uint64_t read_requests = 0;
  uint64_t bytes_read = 0;
  uint64_t blocks_read = 0;  // pages (BTREE) or bitmaps verified and decoded
};

// An open index. Thread-safe: searches may run concurrently.
class ScalarIndex {
 public:
  virtual ~ScalarIndex() = default;

  virtual const ScalarIndexMeta& meta() const = 0;
  // Whether Search answers `op` (otherwise it returns NotSupported and the
  // planner scans). BTREE and BITMAP: kEq, kLt, kLe, kGt, kGe, kIn, kIsNull,
  // kIsNotNull. LABEL_LIST: kHasAny, kHasAll, kIsNull, kIsNotNull.
  virtual bool CanAnswer(expr::ColumnPredicate::Op op) const = 0;

  // The row ids of indexed rows satisfying `pred` (its path is not looked
  // at: the caller picked the index by column). `pred.values` are compared
  // as SQL would: a comparison never matches NULL rows, NaN equals NaN and
  // sorts above every number, -0.0 equals 0.0. InvalidArgument for a value
  // that cannot be compared with the column; Corruption naming the file
  // when the bytes read are damaged. The bitmap holds no empty 32-bit parts,
  // so Roaring64Map::operator== (which CRoaring 0.2.66 gets wrong on empty
  // parts) is safe on it.
  Result<Roaring64Map> Search(const expr::ColumnPredicate& pred) const;
  // The rows satisfying every one of `conjuncts` (all on this column). A
  // BTREE reads a two-sided range (x >= a AND x < b) in one pass; other
  // kinds intersect the answers. An empty span selects every indexed row.
  Result<Roaring64Map> SearchAll(std::span<const expr::ColumnPredicate> conjuncts) const;

  virtual ScalarIndexStats stats() const = 0;

  // See UpdateScalarIndex.
  virtual Result<ScalarIndexMeta> Update(BatchReader& new_rows, const Roaring64Map& removed_row_ids,
                                         ObjectStore& store, const std::string& new_prefix,
                                         const ScalarIndexBuildOptions& options) const = 0;

 protected:
  // Search and SearchAll without the final clean-up of empty parts.
  virtual Result<Roaring64Map> SearchImpl(const expr::ColumnPredicate& pred) const = 0;
  // Default: intersects SearchImpl of each conjunct.
  virtual Result<Roaring64Map> SearchAllImpl(std::span<const expr::ColumnPredicate> conjuncts) const;
};

// Builds an index of `type` over `column` from `input`: batches whose first
// column is the indexed one (of `column.type`; any name) and that have a
// uint64 "_rowid" column, rows in any order, NULLs allowed. Writes its files
// under `prefix` (a folder, "_indices/<uuid>/") in `store` and returns their
// description. InvalidArgument for input of the wrong shape, NotSupported
// for a column type the index cannot hold; whatever the store or the
// progress callback returns. A failed build may leave files under `prefix`.
Result<ScalarIndexMeta> BuildScalarIndex(ScalarIndexType type, const Field& column, BatchReader& input,
                                         ObjectStore& store, const std::string& prefix,
                                         const ScalarIndexBuildOptions& options = {});

// Opens an index written under `prefix` in `store`. Reads only each file's
// footer (its page lookup or value dictionary), never pages or bitmaps.
// Corruption naming the file when it is damaged or does not match `meta`;
// NotSupported for a newer format version.
Result<std::unique_ptr<ScalarIndex>> OpenScalarIndex(ObjectStorePtr store, const std::string& prefix,
                                                     const ScalarIndexMeta& meta);

// Writes under `new_prefix` a new index holding `old`'s entries whose row
// ids are not in `removed_row_ids`, plus `new_rows` (the shape
// BuildScalarIndex takes). Merges the old index's sorted entries with the
// new ones; it never reads the table. `old` stays valid.
Result<ScalarIndexMeta> UpdateScalarIndex(const ScalarIndex& old, BatchReader& new_rows,
                                          const Roaring64Map& removed_row_ids, ObjectStore& store,
                                          const std::string& new_prefix,
                                          const ScalarIndexBuildOptions& options = {});

}  // namespace quiver::index

// SingleFileIndex: what the scalar indexes kept in one index file (BTREE,
// BITMAP, LABEL_LIST) share. Such a file's footer opens alike in every kind
// (FooterHead: the column type, the key kind, the row counts), and the file
// holds, besides its entries, two row id bitmaps: the rows whose value is
// NULL and every indexed row. The base class holds the open file, reads
// those two bitmaps on first use and keeps them, counts what is read, and
// turns Update into the kind's own rewrite. Formats: docs/format.md,
// "Scalar indexes".
//
// Thread-safety: a SingleFileIndex, once open, is thread-safe.
#pragma once

#include <roaring/roaring64map.hh>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "index/scalar/index_file.h"
#include "index/scalar/index_input.h"
#include "index/scalar/index_key.h"
#include "index/scalar/scalar_index.h"

namespace quiver::index {

// The opening of every scalar index footer.
struct FooterHead {
  std::string_view value_type;  // the indexed column's type, as DataType::ToString
  uint8_t kind = 0;             // KeyKind
  uint64_t num_rows = 0;
  uint64_t num_null_rows = 0;
};

void PutFooterHead(std::string* out, const DataType& value_type, KeyKind kind, uint64_t num_rows,
                   uint64_t num_null_rows);
// Parses PutFooterHead's output off the front of `*in`; false when it is
// truncated. `head->value_type` points into `*in`.
bool GetFooterHead(std::string_view* in, FooterHead* head);

// Calls options.progress, when set, with `stage` and `rows`; returns what it
// returns.
Status ReportProgress(const ScalarIndexBuildOptions& options, std::string_view stage, uint64_t rows);

class SingleFileIndex : public ScalarIndex {
 public:
  const ScalarIndexMeta& meta() const override { return meta_; }
  ScalarIndexStats stats() const override;
  Result<ScalarIndexMeta> Update(BatchReader& new_rows, const Roaring64Map& removed_row_ids,
                                 ObjectStore& store, const std::string& new_prefix,
                                 const ScalarIndexBuildOptions& options) const final;

  KeyKind kind() const { return kind_; }
  // The rows whose value is NULL, and every indexed row; read on first use
  // and kept. Corruption naming the file when the bitmap is damaged.
  Result<std::shared_ptr<const Roaring64Map>> NullRows() const;
  Result<std::shared_ptr<const Roaring64Map>> AllRows() const;
  // Every indexed row whose value is not NULL.
  Result<Roaring64Map> NonNullRows() const;
  // The answer to `op`, kIsNull or kIsNotNull.
  Result<Roaring64Map> SearchNulls(expr::ColumnPredicate::Op op) const;
  // Adds this index's NULL rows and all its rows, less `removed`, to
  // `*null_rows` and `*all_rows` (for an update).
  Status AddRowsKept(const Roaring64Map& removed, Roaring64Map* null_rows, Roaring64Map* all_rows) const;

 protected:
  SingleFileIndex();

  // InvalidArgument unless `meta` names exactly the one file `file_name`.
  static Status CheckFiles(const ScalarIndexMeta& meta, const char* file_name);
  // Opens `file_name` under `prefix` (of the size `meta` records) with
  // `magic`; keys are of `key_type`. The errors of IndexFileReader::Open.
  Status OpenFile(ObjectStorePtr store, const std::string& prefix, const ScalarIndexMeta& meta,
                  const KeyType& key_type, const char* file_name, std::string_view magic);
  // Corruption unless the footer's column type and key kind are this
  // index's. The row counts are the caller's to check.
  Status CheckFooterHead(const FooterHead& head) const;
  // Checks null_ref_ and all_ref_ (parsed by the subclass) with CheckRef.
  Status CheckRowBitmapRefs() const;

  // Writes under `prefix` this index's entries whose row ids are not in
  // `removed`, plus those of `input` (whose values are of `column.type`).
  virtual Result<ScalarIndexMeta> Rewrite(const Field& column, IndexInput& input, const Roaring64Map& removed,
                                          ObjectStore& store, const std::string& prefix,
                                          const ScalarIndexBuildOptions& options) const = 0;

  ScalarIndexMeta meta_;
  KeyType key_type_;
  KeyKind kind_ = KeyKind::kFixed;
  std::unique_ptr<IndexFileReader> file_;
  BlockRef null_ref_;
  BlockRef all_ref_;

 private:
  Result<std::shared_ptr<const Roaring64Map>> CachedBitmap(const BlockRef& ref,
                                                           std::shared_ptr<const Roaring64Map>* slot,
                                                           std::string_view what) const;

  std::shared_ptr<ReadCounters> counters_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<const Roaring64Map> nulls_;
  mutable std::shared_ptr<const Roaring64Map> all_;
};

}  // namespace quiver::index

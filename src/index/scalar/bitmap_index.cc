#include "index/scalar/bitmap_index.h"

#include <algorithm>
#include <unordered_map>

#include "common/coding.h"
#include "index/scalar/row_ids.h"
#include "index/scalar/single_file_index.h"

namespace quiver::index {
namespace {

constexpr char kBitmapMagic[] = "QVBM";
constexpr char kLabelListMagic[] = "QVLL";

using Op = expr::ColumnPredicate::Op;

struct ValueEntry {
  Key key;
  BlockRef block;
  uint64_t cardinality = 0;
};

const char* MagicOf(ScalarIndexType type) {
  return type == ScalarIndexType::kLabelList ? kLabelListMagic : kBitmapMagic;
}
const char* FileNameOf(ScalarIndexType type) {
  return type == ScalarIndexType::kLabelList ? kLabelListFileName : kBitmapFileName;
}

// The type whose values are the dictionary's keys.
const DataType& KeyedType(ScalarIndexType type, const DataType& column) {
  return type == ScalarIndexType::kLabelList ? *column.value_type() : column;
}

class BitmapIndex;
Result<ScalarIndexMeta> WriteBitmaps(ScalarIndexType type, const Field& column, IndexInput& input,
                                     const BitmapIndex* old, const Roaring64Map* removed, ObjectStore& store,
                                     const std::string& prefix, const ScalarIndexBuildOptions& options);

class BitmapIndex final : public SingleFileIndex {
 public:
  static Result<std::unique_ptr<BitmapIndex>> Open(ObjectStorePtr store, const std::string& prefix,
                                                   const ScalarIndexMeta& meta) {
    const char* name = FileNameOf(meta.type);
    QUIVER_RETURN_NOT_OK(CheckFiles(meta, name));
    QUIVER_RETURN_NOT_OK(CheckIndexable(meta.type, *meta.value_type));
    QUIVER_ASSIGN_OR_RETURN(KeyType key_type, KeyTypeFor(KeyedType(meta.type, *meta.value_type)));
    std::unique_ptr<BitmapIndex> idx(new BitmapIndex());
    QUIVER_RETURN_NOT_OK(idx->OpenFile(std::move(store), prefix, meta, key_type, name, MagicOf(meta.type)));
    QUIVER_RETURN_NOT_OK(idx->ParseFooter());
    return idx;
  }

  bool is_labels() const { return meta_.type == ScalarIndexType::kLabelList; }

  bool CanAnswer(Op op) const override {
    if (op == Op::kIsNull || op == Op::kIsNotNull) return true;
    const bool list_op = op == Op::kHasAny || op == Op::kHasAll;
    return is_labels() == list_op;
  }

  Result<Roaring64Map> SearchImpl(const expr::ColumnPredicate& pred) const override {
    if (!CanAnswer(pred.op)) {
      return Status::NotSupported(std::string("a ") + std::string(ScalarIndexTypeName(meta_.type)) +
                                  " index cannot answer this operator");
    }
    if (IsComparison(pred.op)) {
      QUIVER_ASSIGN_OR_RETURN(KeyRange range, RangeFor(key_type_, pred));
      auto [first, end] = EntriesOf(range);
      return Union(first, end, {});
    }
    switch (pred.op) {
      case Op::kIn:
      case Op::kHasAny: {
        if (pred.op == Op::kHasAny && HasNull(pred.values)) return NullLabelNotSupported();
        bool missing;
        QUIVER_ASSIGN_OR_RETURN(std::vector<size_t> found, FindAll(pred.values, &missing));
        return Union(0, 0, std::move(found));
      }
      case Op::kHasAll: {
        if (HasNull(pred.values)) return NullLabelNotSupported();
        if (pred.values.empty()) return NonNullRows();  // every list holds every one of no labels
        bool missing;
        QUIVER_ASSIGN_OR_RETURN(std::vector<size_t> found, FindAll(pred.values, &missing));
        if (missing) return Roaring64Map();
        Roaring64Map out;
        bool first = true;
        QUIVER_RETURN_NOT_OK(ReadBitmaps(found, [&](size_t, Roaring64Map rows) {
          if (first) {
            out = std::move(rows);
            first = false;
          } else {
            out &= rows;
          }
          return Status::OK();
        }));
        return out;
      }
      case Op::kIsNull:
      case Op::kIsNotNull:
        return SearchNulls(pred.op);
      default:
        break;
    }
    return Status::NotSupported("unknown operator");
  }

  // --- Used by WriteBitmaps to merge this index into a new one.

  const std::vector<ValueEntry>& entries() const { return entries_; }

  // Reads the bitmaps of entries `which` (ascending, distinct), fetching
  // adjacent ones together, and calls fn(entry, rows) in that order.
  Status ReadBitmaps(const std::vector<size_t>& which,
                     const std::function<Status(size_t, Roaring64Map)>& fn) const {
    size_t i = 0;
    while (i < which.size()) {
      auto block = [&](size_t k) -> const BlockRef& { return entries_[which[i + k]].block; };
      auto what = [&](size_t k) { return "bitmap of value " + std::to_string(which[i + k]); };
      QUIVER_ASSIGN_OR_RETURN(std::vector<BufferPtr> blocks,
                              file_->ReadAdjacentBlocks(which.size() - i, block, what));
      for (size_t k = 0; k < blocks.size(); ++k) {
        QUIVER_ASSIGN_OR_RETURN(Roaring64Map rows,
                                DecodeRowIds(blocks[k]->view(), file_->key() + ": " + what(k)));
        QUIVER_RETURN_NOT_OK(fn(which[i + k], std::move(rows)));
      }
      i += blocks.size();
    }
    return Status::OK();
  }

 protected:
  Result<ScalarIndexMeta> Rewrite(const Field& column, IndexInput& input, const Roaring64Map& removed,
                                  ObjectStore& store, const std::string& prefix,
                                  const ScalarIndexBuildOptions& options) const override {
    return WriteBitmaps(meta_.type, column, input, this, &removed, store, prefix, options);
  }

 private:
  BitmapIndex() = default;

  static bool HasNull(const std::vector<expr::Scalar>& values) {
    return std::any_of(values.begin(), values.end(), [](const expr::Scalar& v) { return v.is_null(); });
  }
  static Status NullLabelNotSupported() {
    return Status::NotSupported("a LABEL_LIST index does not look up NULL elements");
  }

  Status ParseFooter() {
    std::string_view in = file_->footer();
    FooterHead head;
    uint64_t num_values;
    if (!GetFooterHead(&in, &head) || !GetBlockRef(&in, &null_ref_) || !GetBlockRef(&in, &all_ref_) ||
        !GetVarint64(&in, &num_values)) {
      return file_->Corrupt("truncated footer");
    }
    QUIVER_RETURN_NOT_OK(CheckFooterHead(head));
    if (head.num_rows != meta_.num_rows || head.num_null_rows != meta_.num_null_rows ||
        num_values != meta_.num_distinct) {
      return file_->Corrupt("footer counts do not match the index metadata");
    }
    QUIVER_RETURN_NOT_OK(CheckRowBitmapRefs());
    if (num_values > in.size() / 10)
      return file_->Corrupt("footer claims " + std::to_string(num_values) + " values");
    entries_.resize(num_values);
    for (uint64_t v = 0; v < num_values; ++v) {
      ValueEntry& e = entries_[v];
      if (!GetKey(&in, kind_, &e.key) || !GetBlockRef(&in, &e.block) || !GetVarint64(&in, &e.cardinality)) {
        return file_->Corrupt("truncated value dictionary");
      }
      QUIVER_RETURN_NOT_OK(file_->CheckRef(e.block, "bitmap of value " + std::to_string(v)));
      if (v > 0 && CompareKeys(kind_, entries_[v - 1].key, e.key) >= 0) {
        return file_->Corrupt("value dictionary is not sorted at entry " + std::to_string(v));
      }
    }
    if (!in.empty()) return file_->Corrupt("trailing bytes after the value dictionary");
    return Status::OK();
  }

  // Entries [first, end) whose key lies in `range`.
  std::pair<size_t, size_t> EntriesOf(const KeyRange& range) const {
    auto key = [](const ValueEntry& e) -> const Key& { return e.key; };
    return ItemsMeeting(kind_, entries_, range, key, key);
  }

  // The entries of `values` (ascending, distinct); `*missing` tells whether
  // some value has no entry.
  Result<std::vector<size_t>> FindAll(const std::vector<expr::Scalar>& values, bool* missing) const {
    std::vector<size_t> found;
    *missing = false;
    for (const expr::Scalar& v : values) {
      if (v.is_null()) continue;
      QUIVER_ASSIGN_OR_RETURN(std::optional<Key> k, ExactKey(key_type_, v));
      size_t e = entries_.size();
      if (k) {
        auto [first, end] = EntriesOf(KeyRange::Point(*k));
        if (first < end) e = first;
      }
      if (e == entries_.size()) {
        *missing = true;
        continue;
      }
      found.push_back(e);
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
  }

  // The union of the bitmaps of entries [first, end) and of `more`.
  Result<Roaring64Map> Union(size_t first, size_t end, std::vector<size_t> more) const {
    for (size_t e = first; e < end; ++e) more.push_back(e);
    std::sort(more.begin(), more.end());
    more.erase(std::unique(more.begin(), more.end()), more.end());
    Roaring64Map out;
    QUIVER_RETURN_NOT_OK(ReadBitmaps(more, [&](size_t, Roaring64Map rows) {
      if (out.isEmpty()) {
        out = std::move(rows);
      } else {
        out |= rows;
      }
      return Status::OK();
    }));
    return out;
  }

  std::vector<ValueEntry> entries_;
};

// Row id collectors per distinct key, for fixed or byte keys.
class ValueMap {
 public:
  explicit ValueMap(KeyKind kind) : kind_(kind) {}
  RowIdCollector& Fixed(uint64_t k) { return fixed_[k]; }
  RowIdCollector& Bytes(std::string_view k) {
    auto it = bytes_.find(std::string(k));
    if (it == bytes_.end()) it = bytes_.emplace(std::string(k), RowIdCollector()).first;
    return it->second;
  }
  // The keys in ascending order, with their row ids (the map is emptied).
  std::vector<std::pair<Key, Roaring64Map>> Drain() {
    std::vector<std::pair<Key, Roaring64Map>> out;
    if (kind_ == KeyKind::kFixed) {
      for (auto& [k, c] : fixed_) out.push_back({Key{k, {}}, c.Finish()});
    } else {
      for (auto& [k, c] : bytes_) out.push_back({Key{0, k}, c.Finish()});
    }
    fixed_.clear();
    bytes_.clear();
    std::sort(out.begin(), out.end(),
              [this](const auto& a, const auto& b) { return CompareKeys(kind_, a.first, b.first) < 0; });
    return out;
  }

 private:
  KeyKind kind_;
  std::unordered_map<uint64_t, RowIdCollector> fixed_;
  std::unordered_map<std::string, RowIdCollector> bytes_;
};

Result<ScalarIndexMeta> WriteBitmaps(ScalarIndexType type, const Field& column, IndexInput& input,
                                     const BitmapIndex* old, const Roaring64Map* removed, ObjectStore& store,
                                     const std::string& prefix, const ScalarIndexBuildOptions& options) {
  QUIVER_RETURN_NOT_OK(CheckIndexable(type, *column.type));
  const DataType& keyed = KeyedType(type, *column.type);
  QUIVER_ASSIGN_OR_RETURN(KeyType key_type, KeyTypeFor(keyed));
  const KeyKind kind = key_type.kind();
  const FixedKeyFn read_key = FixedKeyReader(keyed);
  const bool labels = type == ScalarIndexType::kLabelList;

  ValueMap values(kind);
  RowIdCollector nulls, all;
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(IndexInputBatch b, input.Next());
    if (!b.values) break;
    const Array& col = *b.values;
    all.AddMany(b.row_ids, b.num_rows);
    const Array& elems = labels ? *col.child(0) : col;
    for (int64_t i = 0; i < b.num_rows; ++i) {
      const uint64_t row = b.row_ids[i];
      if (col.IsNull(i)) {
        nulls.Add(row);
        continue;
      }
      int64_t begin = i, end = i + 1;
      if (labels) std::tie(begin, end) = col.ListRange(i);
      for (int64_t j = begin; j < end; ++j) {
        if (labels && elems.IsNull(j)) continue;  // NULL elements are not labels
        if (kind == KeyKind::kFixed) {
          values.Fixed(read_key(elems, j)).Add(row);
        } else {
          values.Bytes(elems.GetView(j)).Add(row);
        }
      }
    }
    QUIVER_RETURN_NOT_OK(ReportProgress(options, "reading", input.rows_read()));
  }
  Roaring64Map null_rows = nulls.Finish();
  Roaring64Map all_rows = all.Finish();
  std::vector<std::pair<Key, Roaring64Map>> fresh = values.Drain();
  if (old) QUIVER_RETURN_NOT_OK(old->AddRowsKept(*removed, &null_rows, &all_rows));
  QUIVER_RETURN_NOT_OK(ReportProgress(options, "writing", input.rows_read()));

  const char* name = FileNameOf(type);
  QUIVER_ASSIGN_OR_RETURN(auto file, IndexFileWriter::Open(store, JoinKey(prefix, name), MagicOf(type)));
  std::string dictionary;
  uint64_t num_values = 0;
  auto emit = [&](const Key& key, const Roaring64Map& rows) -> Status {
    if (rows.isEmpty()) return Status::OK();
    QUIVER_ASSIGN_OR_RETURN(BlockRef ref, file->AppendBlock(EncodeRowIds(rows)));
    PutKey(&dictionary, kind, key);
    PutBlockRef(&dictionary, ref);
    PutVarint64(&dictionary, rows.cardinality());
    ++num_values;
    return Status::OK();
  };

  // Merge the old dictionary (read in spans, minus removed rows) with the
  // new values, both ascending.
  size_t next_new = 0;
  if (old) {
    std::vector<size_t> every(old->entries().size());
    for (size_t e = 0; e < every.size(); ++e) every[e] = e;
    QUIVER_RETURN_NOT_OK(old->ReadBitmaps(every, [&](size_t e, Roaring64Map rows) -> Status {
      const Key& key = old->entries()[e].key;
      while (next_new < fresh.size() && CompareKeys(kind, fresh[next_new].first, key) < 0) {
        QUIVER_RETURN_NOT_OK(emit(fresh[next_new].first, fresh[next_new].second));
        ++next_new;
      }
      if (!removed->isEmpty()) rows -= *removed;
      if (next_new < fresh.size() && CompareKeys(kind, fresh[next_new].first, key) == 0) {
        rows |= fresh[next_new].second;
        ++next_new;
      }
      return emit(key, rows);
    }));
  }
  for (; next_new < fresh.size(); ++next_new) {
    QUIVER_RETURN_NOT_OK(emit(fresh[next_new].first, fresh[next_new].second));
  }
  QUIVER_ASSIGN_OR_RETURN(BlockRef null_ref, file->AppendBlock(EncodeRowIds(null_rows)));
  QUIVER_ASSIGN_OR_RETURN(BlockRef all_ref, file->AppendBlock(EncodeRowIds(all_rows)));

  ScalarIndexMeta meta;
  meta.type = type;
  meta.value_type = column.type;
  meta.num_rows = all_rows.cardinality();
  meta.num_null_rows = null_rows.cardinality();
  meta.num_distinct = num_values;

  std::string footer;
  PutFooterHead(&footer, *column.type, kind, meta.num_rows, meta.num_null_rows);
  PutBlockRef(&footer, null_ref);
  PutBlockRef(&footer, all_ref);
  PutVarint64(&footer, num_values);
  footer += dictionary;
  QUIVER_ASSIGN_OR_RETURN(uint64_t size, file->Finish(footer));
  meta.files.push_back({name, size});
  return meta;
}

}  // namespace

Result<ScalarIndexMeta> BuildBitmapIndex(ScalarIndexType type, const Field& column, IndexInput& input,
                                         ObjectStore& store, const std::string& prefix,
                                         const ScalarIndexBuildOptions& options) {
  return WriteBitmaps(type, column, input, nullptr, nullptr, store, prefix, options);
}

Result<std::unique_ptr<ScalarIndex>> OpenBitmapIndex(ObjectStorePtr store, const std::string& prefix,
                                                     const ScalarIndexMeta& meta) {
  QUIVER_ASSIGN_OR_RETURN(auto idx, BitmapIndex::Open(std::move(store), prefix, meta));
  return std::unique_ptr<ScalarIndex>(std::move(idx));
}

}  // namespace quiver::index

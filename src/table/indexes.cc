// Scalar indexes of a table: create, list, drop, optimize.
#include <algorithm>
#include <cctype>

#include "quiver/connection.h"
#include "quiver/table.h"
#include "table/filter.h"
#include "table/fts_indexes.h"
#include "table/scan_reader.h"
#include "table/table_impl.h"
#include "table/vector_indexes.h"

namespace quiver {
namespace {

index::ScalarIndexType ToScalarType(IndexType type) {
  switch (type) {
    case IndexType::kBitmap:
      return index::ScalarIndexType::kBitmap;
    case IndexType::kLabelList:
      return index::ScalarIndexType::kLabelList;
    case IndexType::kBTree:
    default:
      return index::ScalarIndexType::kBTree;
  }
}

std::string IndexPrefix(const TableFiles& files, const std::string& uuid) {
  return files.Key("_indices/" + uuid + "/");
}

// Streams (value, _rowid) batches to the index builder, counting rows.
class ProgressingReader : public BatchReader {
 public:
  ProgressingReader(std::unique_ptr<BatchReader> input, ProgressFn progress)
      : input_(std::move(input)), progress_(std::move(progress)) {}
  const SchemaPtr& schema() const override { return input_->schema(); }
  Result<BatchPtr> Next() override {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, input_->Next());
    if (batch) {
      rows_ += batch->num_rows();
      if (progress_) progress_(rows_);
    }
    return batch;
  }

 private:
  std::unique_ptr<BatchReader> input_;
  ProgressFn progress_;
  int64_t rows_ = 0;
};

}  // namespace

namespace {

struct IndexTypeEntry {
  IndexType type;
  const char* name;
};
constexpr IndexTypeEntry kIndexTypes[] = {
    {IndexType::kBTree, "BTREE"},
    {IndexType::kBitmap, "BITMAP"},
    {IndexType::kLabelList, "LABEL_LIST"},
    {IndexType::kIvfFlat, "IVF_FLAT"},
    {IndexType::kIvfPq, "IVF_PQ"},
    {IndexType::kIvfSq, "IVF_SQ"},
    {IndexType::kIvfRq, "IVF_RQ"},
    {IndexType::kIvfHnswSq, "IVF_HNSW_SQ"},
    {IndexType::kIvfHnswPq, "IVF_HNSW_PQ"},
    {IndexType::kHnsw, "HNSW"},
    {IndexType::kFts, "FTS"},
};

// New files for `meta` under `prefix`: its rows minus `removed`, plus those of
// the `unindexed` fragments. Returns the details for the manifest.
Result<std::string> UpdateIndexFiles(const std::shared_ptr<const Snapshot>& snap, const IndexMeta& meta,
                                     int field, const std::vector<uint64_t>& unindexed,
                                     const Roaring64Map& removed, const std::string& prefix) {
  auto type = ParseIndexType(meta.type);
  if (type.ok() && IsVectorIndexType(*type)) {
    return UpdateVectorIndexFiles(*snap, meta, field, unindexed, removed, prefix);
  }
  if (type.ok() && IsFtsIndexType(*type)) {
    return UpdateFtsIndexFiles(*snap, meta, field, unindexed, removed, prefix);
  }
  QUIVER_ASSIGN_OR_RETURN(auto old, snap->files->OpenScalarIndex(meta));
  QUIVER_ASSIGN_OR_RETURN(auto input, OpenColumnScan(snap, field, unindexed));
  QUIVER_ASSIGN_OR_RETURN(auto updated, old->Update(*input, removed, *snap->files->store(), prefix, {}));
  return updated.ToJson().dump();
}

}  // namespace

const char* IndexTypeName(IndexType type) {
  for (const IndexTypeEntry& e : kIndexTypes) {
    if (e.type == type) return e.name;
  }
  return "BTREE";
}

bool IsVectorIndexType(IndexType type) {
  return type != IndexType::kBTree && type != IndexType::kBitmap && type != IndexType::kLabelList &&
         type != IndexType::kFts;
}

bool IsFtsIndexType(IndexType type) { return type == IndexType::kFts; }

Result<IndexType> ParseIndexType(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "LABELLIST") return IndexType::kLabelList;
  if (upper == "INVERTED") return IndexType::kFts;
  for (const IndexTypeEntry& e : kIndexTypes) {
    if (upper == e.name) return e.type;
  }
  std::string names;
  for (const IndexTypeEntry& e : kIndexTypes) names += (names.empty() ? "" : ", ") + std::string(e.name);
  return Status::InvalidArgument("unknown index type \"" + std::string(name) + "\"; index types are " +
                                 names);
}

Result<uint64_t> Table::CreateIndex(const std::string& column, IndexType type, const IndexOptions& options) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const Manifest& m = *snap->manifest;
  QUIVER_ASSIGN_OR_RETURN(const Field* field, m.schema->GetField(column));
  const int field_index = static_cast<int>(field - m.schema->fields().data());
  const bool vector = IsVectorIndexType(type);
  const bool fts = IsFtsIndexType(type);
  const index::ScalarIndexType scalar_type = ToScalarType(type);
  if (!vector && !fts) {
    QUIVER_RETURN_NOT_OK(
        index::CheckIndexable(scalar_type, *field->type).WithContext("column \"" + column + "\""));
  }
  const std::string name = options.name.empty() ? column + "_idx" : options.name;
  QUIVER_RETURN_NOT_OK(ValidateTableName(name).WithContext("index name"));
  for (const IndexMeta& existing : m.indexes) {
    if (existing.name == name && !options.replace) {
      return Status::AlreadyExists("index \"" + name + "\" already exists (set replace to rebuild it)");
    }
  }

  const std::string uuid = NewUniqueId();
  const std::string prefix = IndexPrefix(*impl_->files(), uuid);
  Result<std::string> details = std::string();
  if (vector) {
    details = BuildVectorIndexFiles(*snap, field_index, type, options, prefix);
  } else if (fts) {
    details = BuildFtsIndexFiles(*snap, field_index, options, prefix);
  } else {
    QUIVER_ASSIGN_OR_RETURN(auto scan, OpenColumnScan(snap, field_index, std::nullopt));
    ProgressingReader input(std::move(scan), options.progress);
    auto built = index::BuildScalarIndex(scalar_type, *field, input, *impl_->files()->store(), prefix);
    details = built.ok() ? Result<std::string>(built->ToJson().dump()) : Result<std::string>(built.status());
  }
  if (!details.ok()) {
    (void)impl_->files()->store()->DeletePrefix(prefix);
    return details.status().WithContext("building index \"" + name + "\"");
  }

  IndexMeta meta;
  meta.uuid = uuid;
  meta.name = name;
  meta.type = IndexTypeName(type);
  meta.field_ids = {m.field_ids[field_index]};
  meta.dataset_version = m.version;
  for (const Fragment& f : m.fragments) meta.fragment_ids.push_back(f.id);
  meta.details = std::move(*details);

  Transaction txn;
  txn.operation = "create_index";
  txn.read_version = m.version;
  txn.new_indexes.push_back(std::move(meta));
  txn.metadata["index"] = name;
  auto committed = impl_->CommitWrite(txn, *snap, {});
  if (!committed.ok()) {
    if (committed.status().IsConflict()) (void)impl_->files()->store()->DeletePrefix(prefix);
    return committed.status();
  }
  return (*committed)->version;
}

Result<std::vector<IndexInfo>> Table::ListIndices() const {
  QUIVER_ASSIGN_OR_RETURN(auto snap, impl_->ReadSnapshot());
  const Manifest& m = *snap->manifest;
  std::vector<IndexInfo> out;
  for (const IndexMeta& meta : m.indexes) {
    IndexInfo info;
    info.name = meta.name;
    info.type = meta.type;
    for (int32_t id : meta.field_ids) {
      const int field = m.FieldIndexById(id);
      if (field >= 0) info.columns.push_back(m.schema->field(field).name);
    }
    info.built_on_version = meta.dataset_version;
    for (const Fragment& f : m.fragments) {
      const bool covered =
          std::find(meta.fragment_ids.begin(), meta.fragment_ids.end(), f.id) != meta.fragment_ids.end();
      (covered ? info.num_indexed_rows : info.num_unindexed_rows) += f.live_rows();
    }
    auto type = ParseIndexType(meta.type);
    if (type.ok() && IsVectorIndexType(*type)) {
      QUIVER_RETURN_NOT_OK(DescribeVectorIndex(meta, &info).WithContext("index \"" + meta.name + "\""));
    }
    if (type.ok() && IsFtsIndexType(*type)) {
      QUIVER_RETURN_NOT_OK(DescribeFtsIndex(meta, &info).WithContext("index \"" + meta.name + "\""));
    }
    out.push_back(std::move(info));
  }
  return out;
}

Status Table::DropIndex(const std::string& name) {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const auto& indexes = snap->manifest->indexes;
  if (std::none_of(indexes.begin(), indexes.end(), [&](const IndexMeta& i) { return i.name == name; })) {
    std::string names;
    for (const IndexMeta& i : indexes) names += (names.empty() ? "" : ", ") + i.name;
    return Status::NotFound(
        "index \"" + name + "\" does not exist" +
        (names.empty() ? std::string(" (the table has no indexes)") : "; indexes: " + names));
  }
  Transaction txn;
  txn.operation = "drop_index";
  txn.read_version = snap->version();
  txn.removed_indexes.push_back(name);
  txn.metadata["index"] = name;
  return impl_->CommitWrite(txn, *snap, {}).status();
}

Result<uint64_t> Table::OptimizeIndices() {
  std::lock_guard<std::mutex> write_lock(impl_->write_mu());
  QUIVER_RETURN_NOT_OK(impl_->CheckWritable());
  auto snap = impl_->current();
  const Manifest& m = *snap->manifest;
  Transaction txn;
  txn.operation = "optimize_indices";
  txn.read_version = m.version;
  std::vector<std::string> prefixes;
  auto undo = [&] {
    for (const std::string& p : prefixes) (void)impl_->files()->store()->DeletePrefix(p);
  };
  for (const IndexMeta& meta : m.indexes) {
    if (meta.field_ids.size() != 1) continue;
    const int field = m.FieldIndexById(meta.field_ids[0]);
    if (field < 0) continue;
    std::vector<uint64_t> unindexed;
    Roaring64Map removed;
    for (const Fragment& f : m.fragments) {
      const bool covered =
          std::find(meta.fragment_ids.begin(), meta.fragment_ids.end(), f.id) != meta.fragment_ids.end();
      if (!covered) {
        unindexed.push_back(f.id);
        // An update by column rewrite keeps row ids but changes values: the
        // index's entries for those rows (if any) are stale. Rows never
        // indexed are simply not found.
        for (const RowIdRange& r : f.row_ids) {
          for (uint64_t id = r.start; id < r.end; ++id) removed.add(id);
        }
        continue;
      }
      // Rows deleted since the index was built leave it.
      QUIVER_ASSIGN_OR_RETURN(auto deleted, snap->files->LoadDeletions(f));
      if (!deleted) continue;
      std::vector<int64_t> offsets;
      for (uint32_t o : *deleted) offsets.push_back(o);
      for (uint64_t id : RowIdsAt(f, offsets)) removed.add(id);
    }
    if (unindexed.empty() && removed.isEmpty()) continue;

    const std::string uuid = NewUniqueId();
    const std::string prefix = IndexPrefix(*impl_->files(), uuid);
    prefixes.push_back(prefix);
    auto updated = UpdateIndexFiles(snap, meta, field, unindexed, removed, prefix);
    if (!updated.ok()) {
      undo();
      return updated.status().WithContext("optimizing index \"" + meta.name + "\"");
    }
    IndexMeta next = meta;
    next.uuid = uuid;
    next.dataset_version = m.version;
    next.fragment_ids.clear();
    for (const Fragment& f : m.fragments) next.fragment_ids.push_back(f.id);
    next.details = std::move(*updated);
    txn.new_indexes.push_back(std::move(next));
  }
  if (txn.new_indexes.empty()) return m.version;
  auto committed = impl_->CommitWrite(txn, *snap, {});
  if (!committed.ok()) {
    if (committed.status().IsConflict()) undo();
    return committed.status();
  }
  return (*committed)->version;
}

}  // namespace quiver

#include "index/scalar/single_file_index.h"

#include "common/coding.h"
#include "index/scalar/row_ids.h"

namespace quiver::index {

void PutFooterHead(std::string* out, const DataType& value_type, KeyKind kind, uint64_t num_rows,
                   uint64_t num_null_rows) {
  PutLengthPrefixed(out, value_type.ToString());
  out->push_back(static_cast<char>(kind));
  PutVarint64(out, num_rows);
  PutVarint64(out, num_null_rows);
}

bool GetFooterHead(std::string_view* in, FooterHead* head) {
  if (!GetLengthPrefixed(in, &head->value_type) || in->empty()) return false;
  head->kind = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return GetVarint64(in, &head->num_rows) && GetVarint64(in, &head->num_null_rows);
}

Status ReportProgress(const ScalarIndexBuildOptions& options, std::string_view stage, uint64_t rows) {
  if (!options.progress) return Status::OK();
  return options.progress(ScalarIndexProgress{stage, rows});
}

SingleFileIndex::SingleFileIndex() : counters_(std::make_shared<ReadCounters>()) {}

ScalarIndexStats SingleFileIndex::stats() const {
  return {counters_->read_requests.load(), counters_->bytes_read.load(), counters_->blocks_read.load()};
}

Result<ScalarIndexMeta> SingleFileIndex::Update(BatchReader& new_rows, const Roaring64Map& removed_row_ids,
                                                ObjectStore& store, const std::string& new_prefix,
                                                const ScalarIndexBuildOptions& options) const {
  Field column("", meta_.value_type);
  IndexInput input(new_rows, column);
  return Rewrite(column, input, removed_row_ids, store, new_prefix, options);
}

Result<std::shared_ptr<const Roaring64Map>> SingleFileIndex::NullRows() const {
  return CachedBitmap(null_ref_, &nulls_, "NULL row bitmap");
}

Result<std::shared_ptr<const Roaring64Map>> SingleFileIndex::AllRows() const {
  return CachedBitmap(all_ref_, &all_, "row bitmap");
}

Result<Roaring64Map> SingleFileIndex::NonNullRows() const {
  QUIVER_ASSIGN_OR_RETURN(auto all, AllRows());
  QUIVER_ASSIGN_OR_RETURN(auto nulls, NullRows());
  return *all - *nulls;
}

Result<Roaring64Map> SingleFileIndex::SearchNulls(expr::ColumnPredicate::Op op) const {
  if (op != expr::ColumnPredicate::Op::kIsNull) return NonNullRows();
  QUIVER_ASSIGN_OR_RETURN(auto nulls, NullRows());
  return *nulls;
}

Status SingleFileIndex::AddRowsKept(const Roaring64Map& removed, Roaring64Map* null_rows,
                                    Roaring64Map* all_rows) const {
  QUIVER_ASSIGN_OR_RETURN(auto old_nulls, NullRows());
  QUIVER_ASSIGN_OR_RETURN(auto old_all, AllRows());
  *null_rows |= *old_nulls - removed;
  *all_rows |= *old_all - removed;
  return Status::OK();
}

Status SingleFileIndex::CheckFiles(const ScalarIndexMeta& meta, const char* file_name) {
  if (meta.files.size() != 1 || meta.files[0].name != file_name) {
    return Status::InvalidArgument(std::string(ScalarIndexTypeName(meta.type)) +
                                   " index metadata must name exactly the file \"" + file_name + "\"");
  }
  return Status::OK();
}

Status SingleFileIndex::OpenFile(ObjectStorePtr store, const std::string& prefix, const ScalarIndexMeta& meta,
                                 const KeyType& key_type, const char* file_name, std::string_view magic) {
  meta_ = meta;
  key_type_ = key_type;
  kind_ = key_type.kind();
  QUIVER_ASSIGN_OR_RETURN(file_, IndexFileReader::Open(std::move(store), JoinKey(prefix, file_name),
                                                       meta.files[0].size, magic, counters_));
  return Status::OK();
}

Status SingleFileIndex::CheckFooterHead(const FooterHead& head) const {
  auto type = ParseType(head.value_type);
  if (!type.ok() || !(*type)->Equals(*meta_.value_type) || head.kind != static_cast<uint8_t>(kind_)) {
    return file_->Corrupt("footer describes values of type \"" + std::string(head.value_type) +
                          "\", the index metadata says " + meta_.value_type->ToString());
  }
  return Status::OK();
}

Status SingleFileIndex::CheckRowBitmapRefs() const {
  QUIVER_RETURN_NOT_OK(file_->CheckRef(null_ref_, "NULL row bitmap"));
  return file_->CheckRef(all_ref_, "row bitmap");
}

Result<std::shared_ptr<const Roaring64Map>> SingleFileIndex::CachedBitmap(
    const BlockRef& ref, std::shared_ptr<const Roaring64Map>* slot, std::string_view what) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (*slot) return *slot;
  }
  QUIVER_ASSIGN_OR_RETURN(BufferPtr bytes, file_->ReadBlock(ref, what));
  QUIVER_ASSIGN_OR_RETURN(Roaring64Map rows,
                          DecodeRowIds(bytes->view(), file_->key() + ": " + std::string(what)));
  auto shared = std::make_shared<const Roaring64Map>(std::move(rows));
  std::lock_guard<std::mutex> lock(mu_);
  if (!*slot) *slot = shared;
  return *slot;
}

}  // namespace quiver::index

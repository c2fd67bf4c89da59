#include "index/scalar/scalar_index.h"

#include <cctype>

#include "index/scalar/bitmap_index.h"
#include "index/scalar/btree_index.h"
#include "index/scalar/index_file.h"
#include "index/scalar/index_input.h"
#include "index/scalar/index_key.h"

namespace quiver::index {

std::string_view ScalarIndexTypeName(ScalarIndexType type) {
  switch (type) {
    case ScalarIndexType::kBTree:
      return "BTREE";
    case ScalarIndexType::kBitmap:
      return "BITMAP";
    case ScalarIndexType::kLabelList:
      return "LABEL_LIST";
  }
  return "UNKNOWN";
}

Result<ScalarIndexType> ParseScalarIndexType(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (ScalarIndexType t : {ScalarIndexType::kBTree, ScalarIndexType::kBitmap, ScalarIndexType::kLabelList}) {
    if (upper == ScalarIndexTypeName(t)) return t;
  }
  return Status::InvalidArgument("unknown scalar index type \"" + std::string(name) +
                                 "\"; expected BTREE, BITMAP or LABEL_LIST");
}

Status CheckIndexable(ScalarIndexType type, const DataType& column_type) {
  const DataType* keyed = &column_type;
  if (type == ScalarIndexType::kLabelList) {
    if (column_type.id() != TypeId::kList && column_type.id() != TypeId::kLargeList) {
      return Status::NotSupported("a LABEL_LIST index needs a list or large_list column, not " +
                                  column_type.ToString());
    }
    keyed = column_type.value_type().get();
  }
  auto key_type = KeyTypeFor(*keyed);
  if (!key_type.ok()) {
    return Status::NotSupported("cannot build a " + std::string(ScalarIndexTypeName(type)) + " index on a " +
                                column_type.ToString() + " column");
  }
  return Status::OK();
}

nlohmann::json ScalarIndexMeta::ToJson() const {
  nlohmann::json files_json = nlohmann::json::array();
  for (const ScalarIndexFile& f : files) files_json.push_back({{"name", f.name}, {"size", f.size}});
  return {{"type", std::string(ScalarIndexTypeName(type))},
          {"value_type", value_type ? value_type->ToString() : std::string("null")},
          {"files", std::move(files_json)},
          {"num_rows", num_rows},
          {"num_null_rows", num_null_rows},
          {"num_distinct", num_distinct},
          {"format_version", format_version}};
}

Result<ScalarIndexMeta> ScalarIndexMeta::FromJson(const nlohmann::json& json) {
  auto bad = [](std::string_view member) {
    return Status::InvalidArgument("scalar index metadata: member \"" + std::string(member) +
                                   "\" is missing or malformed");
  };
  if (!json.is_object()) return Status::InvalidArgument("scalar index metadata is not a JSON object");
  ScalarIndexMeta meta;
  auto str = [&](const char* name) -> const std::string* {
    auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  auto u64 = [&](const char* name, uint64_t* out) {
    auto it = json.find(name);
    if (it == json.end() || !it->is_number_unsigned()) return false;
    *out = it->get<uint64_t>();
    return true;
  };
  const std::string* type = str("type");
  if (!type) return bad("type");
  QUIVER_ASSIGN_OR_RETURN(meta.type, ParseScalarIndexType(*type));
  const std::string* value_type = str("value_type");
  if (!value_type) return bad("value_type");
  auto parsed = ParseType(*value_type);
  if (!parsed.ok()) return bad("value_type");
  meta.value_type = *parsed;
  auto files = json.find("files");
  if (files == json.end() || !files->is_array()) return bad("files");
  for (const auto& f : *files) {
    auto name = f.find("name");
    auto size = f.find("size");
    if (!f.is_object() || name == f.end() || !name->is_string() || size == f.end() ||
        !size->is_number_unsigned()) {
      return bad("files");
    }
    meta.files.push_back({name->get<std::string>(), size->get<uint64_t>()});
  }
  uint64_t version = 0;
  if (!u64("num_rows", &meta.num_rows)) return bad("num_rows");
  if (!u64("num_null_rows", &meta.num_null_rows)) return bad("num_null_rows");
  if (!u64("num_distinct", &meta.num_distinct)) return bad("num_distinct");
  if (!u64("format_version", &version)) return bad("format_version");
  if (version > kIndexFormatVersion) {
    return Status::NotSupported("scalar index format version " + std::to_string(version) +
                                " is newer than this build supports");
  }
  meta.format_version = static_cast<uint32_t>(version);
  return meta;
}

Result<Roaring64Map> ScalarIndex::Search(const expr::ColumnPredicate& pred) const {
  QUIVER_ASSIGN_OR_RETURN(Roaring64Map rows, SearchImpl(pred));
  rows.shrinkToFit();
  return rows;
}

Result<Roaring64Map> ScalarIndex::SearchAll(std::span<const expr::ColumnPredicate> conjuncts) const {
  QUIVER_ASSIGN_OR_RETURN(Roaring64Map rows, SearchAllImpl(conjuncts));
  rows.shrinkToFit();
  return rows;
}

Result<Roaring64Map> ScalarIndex::SearchAllImpl(std::span<const expr::ColumnPredicate> conjuncts) const {
  if (conjuncts.empty()) {
    expr::ColumnPredicate all;
    all.op = expr::ColumnPredicate::Op::kIsNull;
    QUIVER_ASSIGN_OR_RETURN(Roaring64Map nulls, SearchImpl(all));
    all.op = expr::ColumnPredicate::Op::kIsNotNull;
    QUIVER_ASSIGN_OR_RETURN(Roaring64Map rest, SearchImpl(all));
    return nulls | rest;
  }
  QUIVER_ASSIGN_OR_RETURN(Roaring64Map out, SearchImpl(conjuncts[0]));
  for (size_t i = 1; i < conjuncts.size() && !out.isEmpty(); ++i) {
    QUIVER_ASSIGN_OR_RETURN(Roaring64Map part, SearchImpl(conjuncts[i]));
    out &= part;
  }
  return out;
}

Result<ScalarIndexMeta> BuildScalarIndex(ScalarIndexType type, const Field& column, BatchReader& input,
                                         ObjectStore& store, const std::string& prefix,
                                         const ScalarIndexBuildOptions& options) {
  QUIVER_RETURN_NOT_OK(CheckIndexable(type, *column.type));
  IndexInput in(input, column);
  if (type == ScalarIndexType::kBTree) return BuildBTreeIndex(column, in, store, prefix, options);
  return BuildBitmapIndex(type, column, in, store, prefix, options);
}

Result<std::unique_ptr<ScalarIndex>> OpenScalarIndex(ObjectStorePtr store, const std::string& prefix,
                                                     const ScalarIndexMeta& meta) {
  if (!meta.value_type) return Status::InvalidArgument("scalar index metadata has no value type");
  if (meta.format_version > kIndexFormatVersion) {
    return Status::NotSupported("scalar index format version " + std::to_string(meta.format_version) +
                                " is newer than this build supports");
  }
  if (meta.type == ScalarIndexType::kBTree) return OpenBTreeIndex(std::move(store), prefix, meta);
  return OpenBitmapIndex(std::move(store), prefix, meta);
}

Result<ScalarIndexMeta> UpdateScalarIndex(const ScalarIndex& old, BatchReader& new_rows,
                                          const Roaring64Map& removed_row_ids, ObjectStore& store,
                                          const std::string& new_prefix,
                                          const ScalarIndexBuildOptions& options) {
  return old.Update(new_rows, removed_row_ids, store, new_prefix, options);
}

}  // namespace quiver::index

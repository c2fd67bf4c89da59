#include "format/manifest.h"

#include <xxhash.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "format/schema_json.h"

namespace quiver {
namespace {

using json = nlohmann::json;

constexpr char kMagic[4] = {'Q', 'V', 'R', 'M'};
constexpr uint32_t kFormatVersion = 1;
// magic(4) + format version(4) ... body ... checksum(8) + magic(4)
constexpr size_t kHeaderSize = 8;
constexpr size_t kTrailerSize = 12;

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian hosts only (checked at build)
  out->append(b, 4);
}
void PutU64(std::string* out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}
uint32_t GetU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

json FragmentToJson(const Fragment& f) {
  json files = json::array();
  for (const DataFileRef& file : f.files) {
    files.push_back({{"key", file.key}, {"fields", file.field_ids}, {"size", file.size}});
  }
  json ranges = json::array();
  for (const RowIdRange& r : f.row_ids) ranges.push_back({r.start, r.end});
  json j = {{"id", f.id}, {"rows", f.physical_rows}, {"files", files}, {"row_ids", ranges}};
  if (f.deletion) j["deletion"] = {{"key", f.deletion->key}, {"count", f.deletion->num_deleted}};
  return j;
}

Fragment FragmentFromJson(const json& j) {
  Fragment f;
  f.id = j.at("id").get<uint64_t>();
  f.physical_rows = j.at("rows").get<int64_t>();
  for (const json& file : j.at("files")) {
    f.files.push_back({file.at("key").get<std::string>(), file.at("fields").get<std::vector<int32_t>>(),
                       file.at("size").get<uint64_t>()});
  }
  for (const json& r : j.at("row_ids"))
    f.row_ids.push_back({r.at(0).get<uint64_t>(), r.at(1).get<uint64_t>()});
  if (j.contains("deletion")) {
    f.deletion =
        DeletionFileRef{j["deletion"].at("key").get<std::string>(), j["deletion"].at("count").get<int64_t>()};
  }
  return f;
}

json IndexToJson(const IndexMeta& index) {
  return {{"uuid", index.uuid},
          {"name", index.name},
          {"type", index.type},
          {"fields", index.field_ids},
          {"dataset_version", index.dataset_version},
          {"fragments", index.fragment_ids},
          {"details", index.details}};
}

IndexMeta IndexFromJson(const json& j) {
  IndexMeta index;
  index.uuid = j.at("uuid").get<std::string>();
  index.name = j.at("name").get<std::string>();
  index.type = j.at("type").get<std::string>();
  index.field_ids = j.at("fields").get<std::vector<int32_t>>();
  index.dataset_version = j.at("dataset_version").get<uint64_t>();
  index.fragment_ids = j.at("fragments").get<std::vector<uint64_t>>();
  index.details = j.value("details", std::string());
  return index;
}

Status CheckConsistency(const Manifest& m, std::string_view key) {
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption(std::string(key) + ": inconsistent manifest: " + what);
  };
  if (static_cast<int>(m.field_ids.size()) != m.schema->num_fields()) {
    return corrupt("field id count differs from the schema's field count");
  }
  for (const Fragment& f : m.fragments) {
    uint64_t covered = 0;
    for (const RowIdRange& r : f.row_ids) {
      if (r.end < r.start)
        return corrupt("fragment " + std::to_string(f.id) + " has a reversed row id range");
      covered += r.size();
    }
    if (covered != static_cast<uint64_t>(f.physical_rows)) {
      return corrupt("fragment " + std::to_string(f.id) + " row ids cover " + std::to_string(covered) +
                     " rows, expected " + std::to_string(f.physical_rows));
    }
    if (f.num_deleted() < 0 || f.num_deleted() > f.physical_rows) {
      return corrupt("fragment " + std::to_string(f.id) + " deletes more rows than it has");
    }
  }
  return Status::OK();
}

}  // namespace

int64_t Manifest::num_rows() const {
  int64_t n = 0;
  for (const Fragment& f : fragments) n += f.live_rows();
  return n;
}

int64_t Manifest::num_deleted_rows() const {
  int64_t n = 0;
  for (const Fragment& f : fragments) n += f.num_deleted();
  return n;
}

int Manifest::FieldIndexById(int32_t field_id) const {
  for (size_t i = 0; i < field_ids.size(); ++i) {
    if (field_ids[i] == field_id) return static_cast<int>(i);
  }
  return -1;
}

const Fragment* Manifest::FindFragment(uint64_t id) const {
  for (const Fragment& f : fragments) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::string EncodeManifest(const Manifest& m) {
  json fragments = json::array();
  for (const Fragment& f : m.fragments) fragments.push_back(FragmentToJson(f));
  json indexes = json::array();
  for (const IndexMeta& i : m.indexes) indexes.push_back(IndexToJson(i));
  json body = {{"version", m.version},
               {"timestamp_ms", m.timestamp_ms},
               {"schema", SchemaToJson(*m.schema)},
               {"field_ids", m.field_ids},
               {"next_field_id", m.next_field_id},
               {"fragments", fragments},
               {"next_fragment_id", m.next_fragment_id},
               {"next_row_id", m.next_row_id},
               {"indexes", indexes},
               {"operation", m.operation},
               {"read_version", m.read_version},
               {"metadata", m.metadata},
               {"writer", m.writer}};
  std::string text = body.dump();
  std::string out;
  out.reserve(kHeaderSize + text.size() + kTrailerSize);
  out.append(kMagic, 4);
  PutU32(&out, kFormatVersion);
  out.append(text);
  PutU64(&out, XXH3_64bits(out.data(), out.size()));
  out.append(kMagic, 4);
  return out;
}

Result<Manifest> DecodeManifest(std::string_view bytes, std::string_view key) {
  const std::string where(key);
  if (bytes.size() < kHeaderSize + kTrailerSize || std::memcmp(bytes.data(), kMagic, 4) != 0 ||
      std::memcmp(bytes.data() + bytes.size() - 4, kMagic, 4) != 0) {
    return Status::Corruption(where + ": not a Quiver manifest (bad magic or truncated, " +
                              std::to_string(bytes.size()) + " bytes)");
  }
  const uint32_t format_version = GetU32(bytes.data() + 4);
  const size_t checked = bytes.size() - kTrailerSize;
  const uint64_t stored = GetU64(bytes.data() + checked);
  if (XXH3_64bits(bytes.data(), checked) != stored) {
    return Status::Corruption(where + ": manifest checksum mismatch");
  }
  if (format_version > kFormatVersion) {
    return Status::NotSupported(where + ": manifest format version " + std::to_string(format_version) +
                                " is newer than this build supports (" + std::to_string(kFormatVersion) +
                                ")");
  }
  Manifest m;
  try {
    json body = json::parse(bytes.substr(kHeaderSize, checked - kHeaderSize));
    m.version = body.at("version").get<uint64_t>();
    m.timestamp_ms = body.at("timestamp_ms").get<int64_t>();
    auto schema = SchemaFromJson(body.at("schema"));
    if (!schema.ok()) return schema.status().WithContext(where);
    m.schema = *schema;
    m.field_ids = body.at("field_ids").get<std::vector<int32_t>>();
    m.next_field_id = body.at("next_field_id").get<int32_t>();
    for (const json& f : body.at("fragments")) m.fragments.push_back(FragmentFromJson(f));
    m.next_fragment_id = body.at("next_fragment_id").get<uint64_t>();
    m.next_row_id = body.at("next_row_id").get<uint64_t>();
    for (const json& i : body.at("indexes")) m.indexes.push_back(IndexFromJson(i));
    m.operation = body.at("operation").get<std::string>();
    m.read_version = body.value("read_version", uint64_t{0});
    m.metadata = body.value("metadata", Metadata{});
    m.writer = body.value("writer", std::string());
  } catch (const json::exception& e) {
    return Status::Corruption(where + ": malformed manifest: " + e.what());
  }
  QUIVER_RETURN_NOT_OK(CheckConsistency(m, key));
  return m;
}

}  // namespace quiver

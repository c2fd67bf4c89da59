// Manifests: the immutable description of one table version. The byte layout
// is specified in docs/format.md ("Manifests").
//
// A manifest lists the table's schema (with a stable id per top-level field),
// its fragments (each a set of data files holding the same rows, a deletion
// file, and the stable row ids of its rows), index metadata, the operation
// that produced it and user metadata. Everything a reader needs to read a
// version is reachable from its manifest; nothing in it is ever modified.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quiver/schema.h"
#include "quiver/status.h"

namespace quiver {

// A data file and which of the table's fields it holds, in file column order.
struct DataFileRef {
  std::string key;  // relative to the table root, e.g. "data/3f2a....qvd"
  std::vector<int32_t> field_ids;
  uint64_t size = 0;  // bytes, so readers can skip a Head request

  bool operator==(const DataFileRef&) const = default;
};

struct DeletionFileRef {
  std::string key;  // relative to the table root
  int64_t num_deleted = 0;

  bool operator==(const DeletionFileRef&) const = default;
};

// A half-open range [start, end) of stable row ids.
struct RowIdRange {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t size() const { return end - start; }
  bool operator==(const RowIdRange&) const = default;
};

struct Fragment {
  uint64_t id = 0;
  int64_t physical_rows = 0;  // rows stored in each data file, deleted ones included
  std::vector<DataFileRef> files;
  std::optional<DeletionFileRef> deletion;
  // The stable row id of each physical row, in order, as ascending ranges
  // whose sizes add up to physical_rows. Empty until the commit assigns them.
  std::vector<RowIdRange> row_ids;

  int64_t num_deleted() const { return deletion ? deletion->num_deleted : 0; }
  int64_t live_rows() const { return physical_rows - num_deleted(); }
  bool operator==(const Fragment&) const = default;
};

// An index over some columns, valid for the listed fragments. The index's
// own files live under "_indices/<uuid>/"; `details` is index-specific JSON.
struct IndexMeta {
  std::string uuid;
  std::string name;
  std::string type;
  std::vector<int32_t> field_ids;
  uint64_t dataset_version = 0;  // version the index was built on
  std::vector<uint64_t> fragment_ids;
  std::string details;  // JSON text

  bool operator==(const IndexMeta&) const = default;
};

struct Manifest {
  uint64_t version = 0;
  int64_t timestamp_ms = 0;  // commit time, milliseconds since the epoch
  SchemaPtr schema;
  std::vector<int32_t> field_ids;  // one per top-level schema field
  int32_t next_field_id = 0;
  std::vector<Fragment> fragments;
  uint64_t next_fragment_id = 0;
  uint64_t next_row_id = 0;  // row ids are never reused, even after deletes
  std::vector<IndexMeta> indexes;
  std::string operation;      // "create", "append", "overwrite", "restore", ...
  uint64_t read_version = 0;  // the version the writer started from
  Metadata metadata;          // user metadata of this version
  std::string writer;         // "quiver 0.1.0"

  int64_t num_rows() const;
  int64_t num_deleted_rows() const;
  // Index of the field with this id in the schema, or -1.
  int FieldIndexById(int32_t field_id) const;
  const Fragment* FindFragment(uint64_t id) const;
};

// Serialises a manifest: magic, format version, JSON body, checksum.
std::string EncodeManifest(const Manifest& manifest);
// Parses and checks a manifest; Corruption naming `key` when the bytes are
// damaged, NotSupported for a newer format version.
Result<Manifest> DecodeManifest(std::string_view bytes, std::string_view key);

}  // namespace quiver

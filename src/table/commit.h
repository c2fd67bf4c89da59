// Commits: turning a write into the next table version.
//
// A write first stores its data files (under unique names, invisible to
// readers), then describes itself as a Transaction against the version it
// read. Commit() applies the transaction to the latest manifest and writes
// the result as "_versions/<next>.manifest" with PutIfAbsent, so two writers
// can never both claim one version. The loser reloads the winner's manifest
// and, when the two operations do not conflict (two appends, say), applies
// its transaction on top and tries the next version; when they do conflict
// (both rewrote one fragment), it fails with Conflict and commits nothing.
// See docs/format.md ("Commits").
//
// Thread-safety: the functions are thread-safe; concurrency control is the
// store's PutIfAbsent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "format/manifest.h"
#include "io/object_store.h"

namespace quiver {

struct Transaction {
  std::string operation;      // recorded in the manifest: "append", "overwrite", ...
  uint64_t read_version = 0;  // 0 when creating the table

  // Fragments to add. Ids are assigned at commit; row ids too, unless set
  // (compaction carries its rows' ids over).
  std::vector<Fragment> new_fragments;
  // Compaction: for each new fragment, the ids of the fragments whose rows
  // (ids and values unchanged) it holds. An index covering all of them
  // covers the new fragment too. Empty, or one entry per new fragment.
  std::vector<std::vector<uint64_t>> new_fragment_sources;
  // Update by column rewrite: the new fragments hold the same rows as their
  // sources, but new values for these fields, so indexes over any of them
  // do not carry their sources' coverage over.
  std::vector<int32_t> rewritten_field_ids;
  // For each new fragment, the id of a removed fragment whose place in the
  // fragment order it takes (kAppendFragment: after the others, the
  // default). Empty, or one entry per new fragment.
  static constexpr uint64_t kAppendFragment = UINT64_MAX;
  std::vector<uint64_t> new_fragment_in_place_of;
  // Fragments this write replaces or removes, as they were at read_version.
  // The commit fails with Conflict if any of them changed since then.
  std::vector<Fragment> removed_fragments;
  // Replacements for existing fragments (same id, e.g. a new deletion file);
  // their read_version state must be in removed_fragments too.
  std::vector<Fragment> updated_fragments;

  // Overwrite (and create): the new schema; the old fragments all go.
  bool replace_all = false;
  SchemaPtr new_schema;
  // Restore: the whole state of this manifest becomes the latest again.
  std::shared_ptr<const Manifest> restore_from;

  // Schema evolution (add, drop, alter columns): the new schema and the
  // field id of each of its fields; fragments that gained data files come
  // as updated_fragments. Needs read_schema. Indexes on fields that are
  // gone are dropped.
  SchemaPtr evolved_schema;
  std::vector<int32_t> evolved_field_ids;

  // Indexes to add (replacing any index of the same name) and names of
  // indexes to remove. A new index's fragment_ids are trimmed to the
  // fragments that still exist at commit time.
  std::vector<IndexMeta> new_indexes;
  std::vector<std::string> removed_indexes;

  // The schema the writer validated against; appends conflict when a
  // concurrent commit changed it.
  SchemaPtr read_schema;
  Metadata metadata;
};

// "_versions/00000000000000000042.manifest"
std::string VersionKey(uint64_t version);
// Parses a key made by VersionKey (relative to the table root); 0 if not one.
uint64_t ParseVersionKey(std::string_view relative_key);

// Loads and decodes version `version` of the table under `root`.
Result<std::shared_ptr<const Manifest>> LoadManifest(ObjectStore* store, const std::string& root,
                                                     uint64_t version);
// All committed versions, ascending (by listing "_versions/").
Result<std::vector<uint64_t>> ListVersionNumbers(ObjectStore* store, const std::string& root);
// The newest version, by listing; NotFound when the table has none.
Result<uint64_t> LatestVersion(ObjectStore* store, const std::string& root);
// The newest version at or after `known`, found by probing known+1, known+2,
// ... (cheaper than a listing when few commits happened since).
Result<uint64_t> ProbeLatestVersion(ObjectStore* store, const std::string& root, uint64_t known);

// Applies `txn` on top of `base` (null when creating) and returns the
// manifest of version base->version + 1. Conflict when the transaction
// touches fragments that changed after its read version.
Result<std::shared_ptr<const Manifest>> ApplyTransaction(const Manifest* base, const Transaction& txn);

struct CommitOptions {
  int max_retries = 32;
};

// Commits `txn` as the next version after the latest one, retrying on top of
// concurrent commits as described above. `base` is the manifest the writer
// read (null when creating). Returns the committed manifest.
Result<std::shared_ptr<const Manifest>> Commit(ObjectStore* store, const std::string& root,
                                               std::shared_ptr<const Manifest> base, const Transaction& txn,
                                               const CommitOptions& options = {});

// A random 128-bit identifier as 32 hex characters, for file names.
std::string NewUniqueId();

}  // namespace quiver

#include "table/commit.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <random>

namespace quiver {
namespace {

constexpr std::string_view kVersionsDir = "_versions/";
constexpr std::string_view kManifestSuffix = ".manifest";
constexpr char kWriter[] = "quiver 0.1.0";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckUnchanged(const Manifest& latest, const Fragment& as_read, const Transaction& txn) {
  const Fragment* current = latest.FindFragment(as_read.id);
  if (current == nullptr || !(*current == as_read)) {
    return Status::Conflict(txn.operation + " read version " + std::to_string(txn.read_version) +
                            ", but version " + std::to_string(latest.version) + " (" + latest.operation +
                            ") " + (current ? "changed" : "removed") + " fragment " +
                            std::to_string(as_read.id) +
                            " that it also changes; retry the operation on the latest version");
  }
  return Status::OK();
}

}  // namespace

std::string VersionKey(uint64_t version) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu", static_cast<unsigned long long>(version));
  return std::string(kVersionsDir) + name + std::string(kManifestSuffix);
}

uint64_t ParseVersionKey(std::string_view key) {
  if (key.substr(0, kVersionsDir.size()) != kVersionsDir) return 0;
  key.remove_prefix(kVersionsDir.size());
  if (key.size() <= kManifestSuffix.size() ||
      key.substr(key.size() - kManifestSuffix.size()) != kManifestSuffix) {
    return 0;
  }
  key.remove_suffix(kManifestSuffix.size());
  uint64_t version = 0;
  auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), version);
  if (ec != std::errc() || end != key.data() + key.size()) return 0;
  return version;
}

Result<std::shared_ptr<const Manifest>> LoadManifest(ObjectStore* store, const std::string& root,
                                                     uint64_t version) {
  const std::string key = root + VersionKey(version);
  auto bytes = store->Read(key);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound())
      return Status::NotFound("version " + std::to_string(version) + " does not exist");
    return bytes.status();
  }
  QUIVER_ASSIGN_OR_RETURN(Manifest manifest, DecodeManifest((*bytes)->view(), key));
  if (manifest.version != version) {
    return Status::Corruption(key + ": holds version " + std::to_string(manifest.version));
  }
  return std::make_shared<const Manifest>(std::move(manifest));
}

Result<std::vector<uint64_t>> ListVersionNumbers(ObjectStore* store, const std::string& root) {
  QUIVER_ASSIGN_OR_RETURN(auto objects, store->List(root + std::string(kVersionsDir)));
  std::vector<uint64_t> versions;
  for (const ObjectMeta& meta : objects) {
    uint64_t v = ParseVersionKey(std::string_view(meta.key).substr(root.size()));
    if (v != 0) versions.push_back(v);
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

Result<uint64_t> LatestVersion(ObjectStore* store, const std::string& root) {
  QUIVER_ASSIGN_OR_RETURN(auto versions, ListVersionNumbers(store, root));
  if (versions.empty()) return Status::NotFound("no versions under " + root);
  return versions.back();
}

Result<uint64_t> ProbeLatestVersion(ObjectStore* store, const std::string& root, uint64_t known) {
  for (;;) {
    auto head = store->Head(root + VersionKey(known + 1));
    if (head.ok()) {
      ++known;
      continue;
    }
    if (head.status().IsNotFound()) return known;
    return head.status();
  }
}

Result<std::shared_ptr<const Manifest>> ApplyTransaction(const Manifest* base, const Transaction& txn) {
  auto m = std::make_shared<Manifest>();
  if (base != nullptr) *m = *base;
  m->version = base ? base->version + 1 : 1;
  m->timestamp_ms = NowMs();
  m->operation = txn.operation;
  m->read_version = txn.read_version;
  m->metadata = txn.metadata;
  m->writer = kWriter;

  if (txn.restore_from) {
    const Manifest& old = *txn.restore_from;
    m->schema = old.schema;
    m->field_ids = old.field_ids;
    m->next_field_id = std::max(m->next_field_id, old.next_field_id);
    m->fragments = old.fragments;
    m->indexes = old.indexes;
    m->next_fragment_id = std::max(m->next_fragment_id, old.next_fragment_id);
    m->next_row_id = std::max(m->next_row_id, old.next_row_id);
    return std::shared_ptr<const Manifest>(std::move(m));
  }

  if (txn.replace_all) {
    // New data files number their fields by position in the new schema.
    m->schema = txn.new_schema;
    m->field_ids.clear();
    for (int i = 0; i < txn.new_schema->num_fields(); ++i) m->field_ids.push_back(i);
    m->next_field_id = std::max(m->next_field_id, txn.new_schema->num_fields());
    m->fragments.clear();
    m->indexes.clear();
  } else {
    if (base == nullptr) return Status::Internal(txn.operation + " needs an existing table version");
    if (txn.read_schema && !txn.read_schema->Equals(*m->schema)) {
      return Status::Conflict(txn.operation + " read version " + std::to_string(txn.read_version) +
                              ", but version " + std::to_string(base->version) +
                              " changed the table's schema; retry the operation on the latest version");
    }
    for (const Fragment& f : txn.removed_fragments) QUIVER_RETURN_NOT_OK(CheckUnchanged(*m, f, txn));
  }

  // New fragments get their ids (and row ids, unless carried over), and
  // indexes covering all of a fragment's sources cover it too.
  std::vector<Fragment> added;
  for (size_t i = 0; i < txn.new_fragments.size(); ++i) {
    Fragment f = txn.new_fragments[i];
    f.id = m->next_fragment_id++;
    if (f.row_ids.empty() && f.physical_rows > 0) {
      f.row_ids.push_back({m->next_row_id, m->next_row_id + static_cast<uint64_t>(f.physical_rows)});
      m->next_row_id += static_cast<uint64_t>(f.physical_rows);
    }
    if (i < txn.new_fragment_sources.size()) {
      const auto& sources = txn.new_fragment_sources[i];
      for (IndexMeta& index : m->indexes) {
        const bool rewritten = std::any_of(index.field_ids.begin(), index.field_ids.end(), [&](int32_t id) {
          return std::find(txn.rewritten_field_ids.begin(), txn.rewritten_field_ids.end(), id) !=
                 txn.rewritten_field_ids.end();
        });
        const bool covers_all =
            !rewritten && !sources.empty() && std::all_of(sources.begin(), sources.end(), [&](uint64_t s) {
              return std::find(index.fragment_ids.begin(), index.fragment_ids.end(), s) !=
                     index.fragment_ids.end();
            });
        if (covers_all) index.fragment_ids.push_back(f.id);
      }
    }
    added.push_back(std::move(f));
  }
  auto in_place_of = [&](size_t i) {
    return i < txn.new_fragment_in_place_of.size() ? txn.new_fragment_in_place_of[i]
                                                   : Transaction::kAppendFragment;
  };

  if (!txn.replace_all) {
    std::vector<Fragment> kept;
    for (Fragment& f : m->fragments) {
      auto removed = std::find_if(txn.removed_fragments.begin(), txn.removed_fragments.end(),
                                  [&](const Fragment& r) { return r.id == f.id; });
      if (removed == txn.removed_fragments.end()) {
        kept.push_back(std::move(f));
        continue;
      }
      auto updated = std::find_if(txn.updated_fragments.begin(), txn.updated_fragments.end(),
                                  [&](const Fragment& u) { return u.id == f.id; });
      if (updated != txn.updated_fragments.end()) kept.push_back(*updated);
      for (size_t i = 0; i < added.size(); ++i) {
        if (in_place_of(i) == f.id) kept.push_back(added[i]);
      }
    }
    m->fragments = std::move(kept);
  }
  for (size_t i = 0; i < added.size(); ++i) {
    const uint64_t place = in_place_of(i);
    const bool placed = place != Transaction::kAppendFragment && !txn.replace_all &&
                        std::any_of(txn.removed_fragments.begin(), txn.removed_fragments.end(),
                                    [&](const Fragment& r) { return r.id == place; });
    if (!placed) m->fragments.push_back(std::move(added[i]));
  }

  if (txn.evolved_schema) {
    if (txn.evolved_field_ids.size() != static_cast<size_t>(txn.evolved_schema->num_fields())) {
      return Status::Internal(txn.operation + ": field ids do not match the new schema");
    }
    m->schema = txn.evolved_schema;
    m->field_ids = txn.evolved_field_ids;
    for (int32_t id : m->field_ids) m->next_field_id = std::max(m->next_field_id, id + 1);
    // Indexes over a field that is gone go with it.
    std::erase_if(m->indexes, [&](const IndexMeta& index) {
      return std::any_of(index.field_ids.begin(), index.field_ids.end(),
                         [&](int32_t id) { return m->FieldIndexById(id) < 0; });
    });
  }

  if (!txn.new_indexes.empty() || !txn.removed_indexes.empty()) {
    std::erase_if(m->indexes, [&](const IndexMeta& index) {
      auto named = [&](const std::string& name) { return name == index.name; };
      return std::any_of(txn.removed_indexes.begin(), txn.removed_indexes.end(), named) ||
             std::any_of(txn.new_indexes.begin(), txn.new_indexes.end(),
                         [&](const IndexMeta& n) { return n.name == index.name; });
    });
    for (IndexMeta index : txn.new_indexes) {
      for (int32_t id : index.field_ids) {
        if (m->FieldIndexById(id) < 0) {
          return Status::Conflict(txn.operation + ": a concurrent commit dropped the column index \"" +
                                  index.name + "\" is built on; retry");
        }
      }
      std::erase_if(index.fragment_ids, [&](uint64_t id) { return m->FindFragment(id) == nullptr; });
      m->indexes.push_back(std::move(index));
    }
  }
  return std::shared_ptr<const Manifest>(std::move(m));
}

Result<std::shared_ptr<const Manifest>> Commit(ObjectStore* store, const std::string& root,
                                               std::shared_ptr<const Manifest> base, const Transaction& txn,
                                               const CommitOptions& options) {
  for (int attempt = 0; attempt <= options.max_retries; ++attempt) {
    QUIVER_ASSIGN_OR_RETURN(auto next, ApplyTransaction(base.get(), txn));
    const std::string key = root + VersionKey(next->version);
    Status st = store->PutIfAbsent(key, EncodeManifest(*next));
    if (st.ok()) return next;
    if (!st.IsAlreadyExists()) return st;
    if (base == nullptr) return Status::AlreadyExists("table already exists");
    // Another writer took this version: rebase on it (ApplyTransaction
    // decides whether the two operations conflict).
    QUIVER_ASSIGN_OR_RETURN(base, LoadManifest(store, root, next->version));
  }
  return Status::Conflict("gave up committing " + txn.operation + " after " +
                          std::to_string(options.max_retries) + " concurrent commits won the race");
}

std::string NewUniqueId() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  char out[33];
  std::snprintf(out, sizeof(out), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return out;
}

}  // namespace quiver

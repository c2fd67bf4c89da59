// TableImpl: the state behind a quiver::Table handle.
//
// It holds the snapshot the handle reads (swapped atomically under a mutex,
// so readers copy a shared_ptr and never wait for a writer) and serialises
// this handle's writes. Cross-handle and cross-process ordering comes from
// the commit protocol (commit.h).
//
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "quiver/table.h"
#include "table/commit.h"
#include "table/snapshot.h"

namespace quiver {

struct Snapshot;

class TableImpl {
 public:
  TableImpl(std::string name, std::shared_ptr<TableFiles> files, std::shared_ptr<const Manifest> manifest,
            std::optional<std::chrono::milliseconds> consistency_interval);

  const std::string& name() const { return name_; }
  const std::shared_ptr<TableFiles>& files() const { return files_; }

  // The snapshot reads should use: the current one, refreshed first when the
  // consistency interval has passed.
  Result<std::shared_ptr<const Snapshot>> ReadSnapshot() const;
  // The current snapshot, never refreshed.
  std::shared_ptr<const Snapshot> current() const;
  bool checked_out() const;

  // Makes `manifest` the handle's version; `checked_out` marks it read-only.
  void SetManifest(std::shared_ptr<const Manifest> manifest, bool checked_out);
  // Installs `manifest` unless the handle already reads a newer version.
  void AdvanceTo(std::shared_ptr<const Manifest> manifest) const;
  Status Refresh() const;

  // Commits `txn` on top of the handle's version (writers hold write_mu()).
  // Data files the transaction wrote are deleted when the commit definitely
  // failed (a conflict), and left for cleanup when the outcome is unknown.
  Result<std::shared_ptr<const Manifest>> CommitWrite(const Transaction& txn, const Snapshot& base,
                                                      const std::vector<std::string>& written_keys);
  // Fails when the handle is checked out at an old version.
  Status CheckWritable() const;
  std::mutex& write_mu() { return write_mu_; }

 private:
  const std::string name_;
  const std::shared_ptr<TableFiles> files_;
  const std::optional<std::chrono::milliseconds> consistency_interval_;

  mutable std::mutex mu_;
  mutable std::shared_ptr<const Snapshot> snapshot_;
  bool checked_out_ = false;
  mutable std::chrono::steady_clock::time_point last_refresh_;

  std::mutex write_mu_;
};

}  // namespace quiver

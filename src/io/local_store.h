// LocalObjectStore: an ObjectStore over a directory of the local file system.
//
// Key "a/b/c" is the file <root>/a/b/c; parent directories are created on
// write and removed again when a Delete empties them. Every write goes to a
// temporary file ".tmp-<unique>" beside its target, which List never shows:
//  - Put and ObjectWriter::Close fsync the temporary file, rename(2) it over
//    the target and fsync the directory, so the object appears whole or not
//    at all, and survives a power loss once the call returns.
//  - PutIfAbsent fsyncs the temporary file and link(2)s it to the target,
//    which fails with EEXIST if the target exists: exclusive across threads
//    and processes on one machine (and on NFS, where link is atomic).
//  - RenamePrefix renames the prefix's directory in one rename(2).
// A crash can leave temporary files behind; RemoveTempFiles deletes them.
//
// A directory cannot be both a file and a folder, so unlike the memory store
// it cannot hold both "a" and "a/b"; the second write fails with IOError.
// Failed system calls are IOError naming the call, path and reason:
// "open /data/t/x.data: Permission denied". (Should the final fsync of the
// directory fail, the call returns IOError although the object has already
// been renamed into place.)
//
// Thread-safety: thread-safe (the store has no mutable state; the file system
// orders concurrent calls). An ObjectWriter is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/object_store.h"

namespace quiver {

class LocalObjectStore : public ObjectStore {
 public:
  struct Options {
    // fsync files and directories when publishing. Turning it off keeps
    // atomicity (a reader never sees a partial object) but a power loss may
    // lose recent writes; for tests and scratch data only.
    bool sync = true;
  };

  // Opens the store rooted at `root` (absolute, or relative to the working
  // directory), creating the directory and its parents if missing. IOError if
  // it cannot be created or is not a directory; InvalidArgument if empty.
  static Result<std::unique_ptr<LocalObjectStore>> Open(std::string root, Options options);
  static Result<std::unique_ptr<LocalObjectStore>> Open(std::string root) {
    return Open(std::move(root), {});
  }
  ~LocalObjectStore() override;

  Result<BufferPtr> Read(std::string_view key) override;
  Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectMeta> Head(std::string_view key) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override;
  Result<std::vector<ObjectMeta>> List(std::string_view prefix) override;
  // Reads the one directory, keeping subdirectories that hold an object.
  Result<std::vector<std::string>> ListFolders(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  Status RenamePrefix(std::string_view from, std::string_view to) override;
  std::string uri() const override { return root_.empty() ? "/" : root_; }
  bool is_local() const override { return true; }

  // Deletes the temporary files under `prefix` (see List) last modified at
  // least `min_age_ms` milliseconds ago, which crashed writers left behind.
  // A younger file may belong to a write in progress. Returns how many were
  // deleted.
  Result<uint64_t> RemoveTempFiles(std::string_view prefix, int64_t min_age_ms) override;

  // The absolute root directory, without a trailing '/'.
  const std::string& root() const { return root_; }

 private:
  class Writer;
  struct TempFile;

  // Read descriptors kept open across ReadRange calls (see local_store.cc).
  class FdCache;

  LocalObjectStore(std::string root, Options options);

  std::string PathOf(std::string_view key_or_prefix) const;
  // Creates `dir` (absolute) and its missing parents.
  Status MakeDirs(const std::string& dir) const;
  // Removes `dir` and its parents up to (not including) the root while empty.
  void PruneEmptyDirs(std::string dir) const;
  // Creates a fresh temporary file in `dir`, creating `dir` if needed.
  Result<TempFile> CreateTemp(const std::string& dir) const;
  // Writes `data` to a new temporary file in `dir`, fsyncs and closes it.
  Result<std::string> WriteTemp(const std::string& dir, std::string_view data) const;
  // Walks the folder of `prefix`, collecting objects (or, with `temp_files`,
  // the temporary files) whose key starts with `prefix`.
  Status Walk(std::string_view prefix, bool temp_files, std::vector<ObjectMeta>* out) const;

  std::string root_;  // absolute, no trailing '/'; "" for the file system root
  Options options_;
  std::unique_ptr<FdCache> fds_;
};

}  // namespace quiver

// ObjectStore: the one interface through which Quiver reads and writes bytes.
//
// A store is rooted at a location (a local directory, an in-memory namespace,
// later an S3 bucket prefix) and addresses objects by relative keys made of
// '/'-separated parts ("t.quiver/_versions/00000000000000000001.manifest").
// Keys never start with '/' and never contain "." or ".." parts.
// Keys also never end with '/', never have empty parts ("a//b"), never hold a
// NUL byte, and no part starts with ".tmp-" (reserved for a store's
// in-flight writes, which List never shows).
//
// Semantics every implementation guarantees:
//  - Put is atomic: a reader sees the old object, the new one, or (for a new
//    key) NotFound, never a partial object.
//  - PutIfAbsent is atomic and exclusive: of several concurrent callers for
//    one key, across threads and processes, exactly one succeeds; the others
//    get AlreadyExists. This is what the commit protocol stands on.
//  - An ObjectWriter's bytes become visible only at Close(), atomically, as
//    with Put. Abort() (or destruction without Close) leaves no object.
//  - Reads of a missing key return NotFound; a range past the end is
//    InvalidArgument (a short object is not silently padded).
//
// Thread-safety: implementations are thread-safe.
//
// Implementations: LocalObjectStore (io/local_store.h), MemoryObjectStore
// (io/memory_store.h); decorators for metrics and fault injection in
// io/store_wrapper.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/buffer.h"
#include "quiver/status.h"

namespace quiver {

struct ObjectMeta {
  std::string key;       // relative to the store's root
  uint64_t size = 0;     // bytes
  int64_t mtime_ms = 0;  // last modification, milliseconds since the epoch
};

// Streams one object's bytes; see ObjectStore::OpenWriter.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status Append(std::string_view data) = 0;
  // Publishes the object. After a failed Close no object is visible.
  virtual Status Close() = 0;
  // Discards everything written; safe to call after a failure.
  virtual void Abort() = 0;
  virtual uint64_t bytes_written() const = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The whole object.
  virtual Result<BufferPtr> Read(std::string_view key) = 0;
  // `length` bytes from `offset`; InvalidArgument when past the end.
  virtual Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) = 0;
  // Size and modification time; NotFound if absent.
  virtual Result<ObjectMeta> Head(std::string_view key) = 0;

  // Creates or replaces the object atomically.
  virtual Status Put(std::string_view key, std::string_view data) = 0;
  // Creates the object only if no object has that key; else AlreadyExists.
  virtual Status PutIfAbsent(std::string_view key, std::string_view data) = 0;
  // A writer for a large object, published atomically at Close().
  virtual Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) = 0;

  // Every object whose key starts with `prefix` (a "dir/" prefix lists that
  // folder recursively), sorted by key. A missing prefix lists nothing.
  virtual Result<std::vector<ObjectMeta>> List(std::string_view prefix) = 0;
  // The names of the folders directly under the folder `prefix` ("" or
  // ending with '/'): the next path component of every object below it that
  // has a '/' after it, sorted and unique ("a/x" and "a/b/y" under "" give
  // {"a"}). The default lists everything below; stores that can list one
  // level (S3's delimiter listing, a directory read) override it.
  virtual Result<std::vector<std::string>> ListFolders(std::string_view prefix);
  // Removes the object; NotFound if absent.
  virtual Status Delete(std::string_view key) = 0;
  // Removes every object under `prefix` (which must end with '/').
  // Nothing under `prefix` is not an error. The default lists and deletes
  // one object at a time.
  virtual Status DeletePrefix(std::string_view prefix);
  // Moves every object under `from` to `to` (both ending with '/').
  // Not atomic across objects; implementations that can, rename in one step.
  // NotFound if nothing is under `from`; AlreadyExists if something is under
  // `to`; InvalidArgument if one prefix contains the other. The default
  // copies every object (Read + Put), then deletes the originals, so an
  // interruption leaves duplicates, never a loss.
  virtual Status RenamePrefix(std::string_view from, std::string_view to);

  // A printable location of the store's root, e.g. "/data/db" or "memory://x".
  virtual std::string uri() const = 0;
  // Whether OpenWriter/Put leave partial files in a crash that a later
  // cleanup must remove (local temp files); informational.
  virtual bool is_local() const { return false; }
  // Removes leftovers of interrupted writes (a local store's temporary files)
  // under `prefix` that are at least `min_age_ms` old; returns how many.
  // Stores that never leave any return 0.
  virtual Result<uint64_t> RemoveTempFiles(std::string_view prefix, int64_t min_age_ms) {
    return uint64_t{0};
  }
};

using ObjectStorePtr = std::shared_ptr<ObjectStore>;

// Opens the store for `uri`: "memory://name" (a process-wide namespace
// shared by every store opened with the same name), "file:///abs/dir" or a
// plain path (local directory, created if missing), or "s3://bucket/prefix"
// (io/s3_store.h). Unknown schemes are NotSupported naming the scheme.
struct OpenStoreOptions {
  // Local stores: fsync files and folders when publishing (see
  // LocalObjectStore::Options::sync). Other stores ignore it.
  bool sync = true;
  // s3:// stores: endpoint, region, credentials, timeouts... by name (see
  // io/s3_config.h); they win over the environment. Other stores refuse
  // any, so a misspelt URI does not silently ignore them.
  std::map<std::string, std::string> storage_options;
};
Result<ObjectStorePtr> OpenObjectStore(std::string_view uri, const OpenStoreOptions& options);
inline Result<ObjectStorePtr> OpenObjectStore(std::string_view uri) { return OpenObjectStore(uri, {}); }

// Checks a key for the rules above; InvalidArgument naming the key if not.
Status ValidateKey(std::string_view key);

// Checks a List/DeletePrefix/RenamePrefix prefix: "" (everything), a folder
// ending with '/', or a folder plus the start of a name ("dir/fi"). Its
// complete parts follow the key rules; InvalidArgument naming it if not.
Status ValidatePrefix(std::string_view prefix);

// Checks a DeletePrefix/RenamePrefix argument: a valid, non-empty prefix
// ending with '/'; InvalidArgument naming it if not.
Status ValidateFolderPrefix(std::string_view prefix);

// Checks a ListFolders argument: "" (the root) or a valid prefix ending
// with '/'; InvalidArgument naming it if not.
Status ValidateListFoldersPrefix(std::string_view prefix);

// Checks RenamePrefix's arguments: both valid folder prefixes, neither
// containing the other; InvalidArgument naming them if not.
Status ValidateRenamePrefix(std::string_view from, std::string_view to);

// What a RenamePrefix implementation moves: the objects under `from`, after
// checking the arguments (ValidateRenamePrefix), that there is something to
// move (else NotFound) and that nothing is under `to` (else AlreadyExists).
Result<std::vector<ObjectMeta>> ListRenameSources(ObjectStore& store, std::string_view from,
                                                  std::string_view to);

// Joins key parts with '/': JoinKey("t", "a.data") == "t/a.data". A trailing
// '/' on `a` or leading '/' on `b` is not doubled; an empty side yields the
// other side unchanged.
std::string JoinKey(std::string_view a, std::string_view b);

// The part-name prefix of a store's in-flight temporary objects.
inline constexpr std::string_view kTempPrefix = ".tmp-";

}  // namespace quiver

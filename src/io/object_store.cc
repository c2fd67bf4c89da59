#include "io/object_store.h"

#include <algorithm>
#include <string>
#include <utility>

#include "io/local_store.h"
#include "io/memory_store.h"
#include "io/s3_store.h"

namespace quiver {

namespace {

// Checks `parts`, a '/'-separated run of complete parts (no leading or
// trailing '/'), against the key rules. `what` and `whole` name the value in
// the message ("key", "prefix").
Status ValidateParts(std::string_view parts, std::string_view what, std::string_view whole) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(what) + " \"" + std::string(whole) +
                                   "\" is invalid: " + std::string(why));
  };
  if (parts.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  size_t start = 0;
  while (true) {
    size_t end = parts.find('/', start);
    std::string_view part = parts.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty()) return bad("has an empty part");
    if (part == "." || part == "..") return bad("has a \".\" or \"..\" part");
    if (part.starts_with(kTempPrefix)) {
      return bad("has a part starting with \"" + std::string(kTempPrefix) + "\" (reserved)");
    }
    if (end == std::string_view::npos) return Status::OK();
    start = end + 1;
  }
}

}  // namespace

Status ValidateKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("key is empty");
  if (key.front() == '/') {
    return Status::InvalidArgument("key \"" + std::string(key) + "\" is invalid: starts with '/'");
  }
  if (key.back() == '/') {
    return Status::InvalidArgument("key \"" + std::string(key) + "\" is invalid: ends with '/'");
  }
  return ValidateParts(key, "key", key);
}

Status ValidatePrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::OK();
  if (prefix.front() == '/') {
    return Status::InvalidArgument("prefix \"" + std::string(prefix) + "\" is invalid: starts with '/'");
  }
  if (prefix.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("prefix \"" + std::string(prefix) + "\" is invalid: contains a NUL byte");
  }
  // Only the complete parts are checked: "dir/." is a fine prefix of
  // "dir/.hidden".
  size_t last_slash = prefix.rfind('/');
  if (last_slash == std::string_view::npos) return Status::OK();
  return ValidateParts(prefix.substr(0, last_slash), "prefix", prefix);
}

std::string JoinKey(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (out.back() == '/') out.pop_back();
  if (b.front() == '/') b.remove_prefix(1);
  out += '/';
  out += b;
  return out;
}

Status ValidateFolderPrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.back() != '/') {
    return Status::InvalidArgument("prefix \"" + std::string(prefix) +
                                   "\" must be non-empty and end with '/'");
  }
  return ValidatePrefix(prefix);
}

Status ValidateListFoldersPrefix(std::string_view prefix) {
  return prefix.empty() ? Status::OK() : ValidateFolderPrefix(prefix);
}

Status ValidateRenamePrefix(std::string_view from, std::string_view to) {
  QUIVER_RETURN_NOT_OK(ValidateFolderPrefix(from));
  QUIVER_RETURN_NOT_OK(ValidateFolderPrefix(to));
  if (from.starts_with(to) || to.starts_with(from)) {
    return Status::InvalidArgument("cannot rename prefix \"" + std::string(from) + "\" to \"" +
                                   std::string(to) + "\": one contains the other");
  }
  return Status::OK();
}

Result<std::vector<std::string>> ObjectStore::ListFolders(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidateListFoldersPrefix(prefix));
  QUIVER_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, List(prefix));
  std::vector<std::string> folders;
  for (const ObjectMeta& meta : objects) {
    std::string_view rest = std::string_view(meta.key).substr(prefix.size());
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos) continue;
    std::string_view folder = rest.substr(0, slash);
    // Keys are sorted, so a folder's objects are adjacent.
    if (folders.empty() || folders.back() != folder) folders.emplace_back(folder);
  }
  // By name: key order puts "a-b/..." before "a/...".
  std::sort(folders.begin(), folders.end());
  return folders;
}

Status ObjectStore::DeletePrefix(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidateFolderPrefix(prefix));
  QUIVER_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, List(prefix));
  for (const ObjectMeta& meta : objects) {
    Status st = Delete(meta.key);
    // Someone else deleting the same object concurrently is fine.
    if (!st.ok() && !st.IsNotFound()) return st;
  }
  return Status::OK();
}

Result<std::vector<ObjectMeta>> ListRenameSources(ObjectStore& store, std::string_view from,
                                                  std::string_view to) {
  QUIVER_RETURN_NOT_OK(ValidateRenamePrefix(from, to));
  QUIVER_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, store.List(from));
  if (objects.empty()) return Status::NotFound("no objects under prefix \"" + std::string(from) + "\"");
  QUIVER_ASSIGN_OR_RETURN(std::vector<ObjectMeta> existing, store.List(to));
  if (!existing.empty()) {
    return Status::AlreadyExists("cannot rename prefix \"" + std::string(from) + "\" to \"" +
                                 std::string(to) + "\": \"" + existing.front().key + "\" exists");
  }
  return objects;
}

Status ObjectStore::RenamePrefix(std::string_view from, std::string_view to) {
  QUIVER_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, ListRenameSources(*this, from, to));
  // Copy everything before deleting anything, so an interruption leaves
  // duplicates rather than losing objects.
  for (const ObjectMeta& meta : objects) {
    QUIVER_ASSIGN_OR_RETURN(BufferPtr data, Read(meta.key));
    std::string target = std::string(to) + meta.key.substr(from.size());
    QUIVER_RETURN_NOT_OK(Put(target, data->view()));
  }
  for (const ObjectMeta& meta : objects) {
    Status st = Delete(meta.key);
    if (!st.ok() && !st.IsNotFound()) return st;
  }
  return Status::OK();
}

Result<ObjectStorePtr> OpenObjectStore(std::string_view uri, const OpenStoreOptions& options) {
  LocalObjectStore::Options local;
  local.sync = options.sync;
  if (uri.empty()) return Status::InvalidArgument("object store URI is empty");
  if (uri.starts_with("s3://")) {
    QUIVER_ASSIGN_OR_RETURN(S3Config config, ResolveS3Config(uri, options.storage_options));
    QUIVER_ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(std::move(config)));
    return ObjectStorePtr(std::move(store));
  }
  if (!options.storage_options.empty()) {
    return Status::InvalidArgument("storage options apply to s3:// URIs only, not \"" + std::string(uri) +
                                   "\"");
  }
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos) {
    QUIVER_ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(std::string(uri), local));
    return ObjectStorePtr(std::move(store));
  }
  std::string_view scheme = uri.substr(0, sep);
  std::string_view rest = uri.substr(sep + 3);
  if (scheme == "memory") return ObjectStorePtr(MemoryObjectStore::Named(rest));
  if (scheme == "file") {
    if (rest.empty() || rest.front() != '/') {
      return Status::InvalidArgument("file URI \"" + std::string(uri) +
                                     "\" must name an absolute path (file:///dir)");
    }
    QUIVER_ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(std::string(rest), local));
    return ObjectStorePtr(std::move(store));
  }
  return Status::NotSupported("unknown object store scheme \"" + std::string(scheme) + "\" in \"" +
                              std::string(uri) + "\"");
}

}  // namespace quiver

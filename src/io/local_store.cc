#include "io/local_store.h"

#include "common/io_account.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <list>
#include <mutex>
#include <random>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace quiver {

namespace {

std::string ErrnoText(int err) { return std::system_category().message(err); }

// "open /data/x: Permission denied"
Status ErrnoError(std::string_view op, const std::string& path, int err) {
  return Status::IOError(std::string(op) + " " + path + ": " + ErrnoText(err));
}

Status KeyNotFound(std::string_view key) {
  return Status::NotFound("object \"" + std::string(key) + "\" not found");
}

// errno values meaning "no such object" for a path inside the store.
bool IsMissing(int err) { return err == ENOENT || err == ENOTDIR; }

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A name no other writer, in this or another process, is using.
std::string UniqueTempName() {
  static const uint64_t process_salt = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) | rd();
  }();
  static std::atomic<uint64_t> counter{0};
  char name[96];
  std::snprintf(name, sizeof(name), "%.*s%ld-%llu-%016llx", static_cast<int>(kTempPrefix.size()),
                kTempPrefix.data(), static_cast<long>(getpid()),
                static_cast<unsigned long long>(counter.fetch_add(1, std::memory_order_relaxed)),
                static_cast<unsigned long long>(process_salt));
  return name;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

// Reads exactly `length` bytes at `offset` into `out`.
Status ReadAll(int fd, uint8_t* out, uint64_t length, uint64_t offset, const std::string& path) {
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path, errno);
    }
    if (n == 0) {
      return Status::IOError("read " + path + ": unexpected end of file after " + std::to_string(done) +
                             " of " + std::to_string(length) + " bytes at offset " + std::to_string(offset));
    }
    done += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

// Closes a file descriptor on scope exit unless released.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// Opens `path` for reading as an object: NotFound when there is no regular
// file there. On success `*fd` is open and `*st` filled.
Status OpenObject(const std::string& path, std::string_view key, int* fd, struct stat* st) {
  int f = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f < 0) {
    int err = errno;
    if (IsMissing(err)) return KeyNotFound(key);
    return ErrnoError("open", path, err);
  }
  if (::fstat(f, st) != 0) {
    int err = errno;
    ::close(f);
    return ErrnoError("fstat", path, err);
  }
  if (!S_ISREG(st->st_mode)) {  // a folder of other objects, not an object
    ::close(f);
    return KeyNotFound(key);
  }
  *fd = f;
  return Status::OK();
}

// fsyncs directory `dir` when `sync`, so the entries just made in it last.
// A directory that is gone (a concurrent Delete pruned it) has nothing left
// to make durable.
Status SyncDir(const std::string& dir, bool sync) {
  if (!sync) return Status::OK();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::OK() : ErrnoError("open", dir, errno);
  FdCloser closer(fd);
  if (::fsync(fd) != 0) return ErrnoError("fsync", dir, errno);
  return Status::OK();
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Status::IOError("remove " + path + ": " + ec.message());
  return Status::OK();
}

}  // namespace

struct LocalObjectStore::TempFile {
  int fd = -1;
  std::string path;
};

// Streams into a temporary file; Close renames it over the target.
class LocalObjectStore::Writer : public ObjectWriter {
 public:
  Writer(std::string key, std::string path, bool sync, TempFile temp)
      : key_(std::move(key)),
        path_(std::move(path)),
        sync_(sync),
        fd_(temp.fd),
        temp_path_(std::move(temp.path)) {}

  ~Writer() override {
    if (fd_ >= 0 || !temp_path_.empty()) Abort();
  }

  Status Append(std::string_view data) override {
    QUIVER_RETURN_NOT_OK(CheckOpen());
    bytes_written_ += data.size();
    if (buffer_.size() + data.size() <= kBufferSize) {
      buffer_.append(data);
      return Status::OK();
    }
    Status st = Flush();
    if (st.ok()) {
      if (data.size() >= kBufferSize) {
        st = WriteOut(data);
      } else {
        buffer_.assign(data);
      }
    }
    if (!st.ok()) Fail(st);
    return st;
  }

  Status Close() override {
    QUIVER_RETURN_NOT_OK(CheckOpen());
    Status st = Flush();
    if (st.ok() && sync_ && ::fsync(fd_) != 0) st = ErrnoError("fsync", temp_path_, errno);
    if (st.ok()) {
      int fd = fd_;
      fd_ = -1;
      if (::close(fd) != 0) st = ErrnoError("close", temp_path_, errno);
    }
    if (st.ok() && ::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      st = Status::IOError("rename " + temp_path_ + " to " + path_ + ": " + ErrnoText(errno));
    }
    if (!st.ok()) {
      Fail(st);
      return st;
    }
    temp_path_.clear();
    closed_ = true;
    return SyncDir(ParentOf(path_), sync_);
  }

  void Abort() override {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (!temp_path_.empty()) {
      ::unlink(temp_path_.c_str());
      temp_path_.clear();
    }
    buffer_.clear();
    if (!closed_ && failure_.ok())
      failure_ = Status::InvalidArgument("writer for \"" + key_ + "\" was aborted");
  }

  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  static constexpr size_t kBufferSize = 1 << 20;

  Status CheckOpen() const {
    if (closed_) return Status::InvalidArgument("writer for \"" + key_ + "\" is already closed");
    if (!failure_.ok()) return failure_;
    return Status::OK();
  }

  Status Flush() {
    Status st = WriteOut(buffer_);
    buffer_.clear();
    return st;
  }

  // Writes `data` at the end of the file. When syncing, also starts the
  // kernel's writeback of every full kWritebackChunk written so far, so the
  // disk works while the caller encodes more data and the fsync at Close
  // has little left to wait for (as rocksdb's bytes_per_sync does).
  Status WriteOut(std::string_view data) {
    QUIVER_RETURN_NOT_OK(WriteAll(fd_, data, temp_path_));
    on_disk_ += data.size();
    if (sync_ && on_disk_ - writeback_from_ >= kWritebackChunk) {
      // Advisory: a failure here only means Close's fsync does all the work.
      (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                              static_cast<off_t>(on_disk_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
      writeback_from_ = on_disk_;
    }
    return Status::OK();
  }

  // Discards the temporary file; later calls return `st`.
  void Fail(const Status& st) {
    failure_ = st;
    Abort();
  }

  const std::string key_;
  const std::string path_;  // the target
  const bool sync_;
  int fd_;
  std::string temp_path_;  // empty once renamed or removed
  std::string buffer_;     // coalesces small appends into large writes
  uint64_t bytes_written_ = 0;
  uint64_t on_disk_ = 0;         // bytes handed to the kernel
  uint64_t writeback_from_ = 0;  // start of the range not yet sent to writeback
  static constexpr uint64_t kWritebackChunk = 8 << 20;
  bool closed_ = false;
  Status failure_;  // the first failure, or why the writer is unusable
};

// Ranged reads of the same few files (data file pages) are the hot path of
// scans and takes, and an open/fstat/close per read costs more than the read.
// The cache keeps up to kCapacity descriptors, least recently used evicted.
// A cached descriptor is checked with fstat on every use: a file replaced by
// rename or deleted (by any process) has no links left, so it is reopened
// and a reader always sees the current object, as without the cache.
class LocalObjectStore::FdCache {
 public:
  struct File {
    int fd = -1;
    uint64_t size = 0;
    ~File() {
      if (fd >= 0) ::close(fd);
    }
  };

  // An open descriptor of `path` with its current size; NotFound as
  // OpenObject says.
  Result<std::shared_ptr<File>> Get(const std::string& path, std::string_view key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(path);
    if (it != files_.end()) {
      struct stat st;
      if (::fstat(it->second.file->fd, &st) == 0 && st.st_nlink > 0 && S_ISREG(st.st_mode)) {
        it->second.file->size = static_cast<uint64_t>(st.st_size);
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second.file;
      }
      lru_.erase(it->second.lru);
      files_.erase(it);
    }
    auto file = std::make_shared<File>();
    struct stat st;
    QUIVER_RETURN_NOT_OK(OpenObject(path, key, &file->fd, &st));
    file->size = static_cast<uint64_t>(st.st_size);
    lru_.push_front(path);
    files_.emplace(path, Entry{file, lru_.begin()});
    if (files_.size() > kCapacity) {
      files_.erase(lru_.back());
      lru_.pop_back();
    }
    return file;
  }

  // Drops every cached descriptor (after deletes, so space is freed now).
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    files_.clear();
    lru_.clear();
  }

 private:
  static constexpr size_t kCapacity = 64;
  struct Entry {
    std::shared_ptr<File> file;  // shared: a reader may use it while evicted
    std::list<std::string>::iterator lru;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> files_;
  std::list<std::string> lru_;  // most recent first
};

LocalObjectStore::LocalObjectStore(std::string root, Options options)
    : root_(std::move(root)), options_(options), fds_(std::make_unique<FdCache>()) {}

LocalObjectStore::~LocalObjectStore() = default;

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(std::string root, Options options) {
  if (root.empty()) return Status::InvalidArgument("local store root is empty");
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(root, ec);
  if (ec) return Status::IOError("resolve " + root + ": " + ec.message());
  std::string normal = absolute.lexically_normal().string();
  while (!normal.empty() && normal.back() == '/') normal.pop_back();
  std::unique_ptr<LocalObjectStore> store(new LocalObjectStore(normal, options));
  if (!normal.empty()) QUIVER_RETURN_NOT_OK(store->MakeDirs(normal));
  return store;
}

std::string LocalObjectStore::PathOf(std::string_view key_or_prefix) const {
  std::string path = root_;
  path += '/';
  path += key_or_prefix;
  return path;
}

Status LocalObjectStore::MakeDirs(const std::string& dir) const {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::IOError("mkdir " + dir + ": exists and is not a directory");
  }
  if (::mkdir(dir.c_str(), 0777) != 0) {
    int err = errno;
    if (err == ENOENT && dir != "/") {
      QUIVER_RETURN_NOT_OK(MakeDirs(ParentOf(dir)));
      if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) return ErrnoError("mkdir", dir, errno);
    } else if (err != EEXIST) {
      return ErrnoError("mkdir", dir, err);
    }
  }
  // The new entry must survive a crash along with whatever goes into it.
  return SyncDir(ParentOf(dir), options_.sync);
}

void LocalObjectStore::PruneEmptyDirs(std::string dir) const {
  while (dir.size() > root_.size() && dir.starts_with(root_)) {
    if (::rmdir(dir.c_str()) != 0) return;  // not empty (or gone): stop
    dir = ParentOf(dir);
  }
}

Result<LocalObjectStore::TempFile> LocalObjectStore::CreateTemp(const std::string& dir) const {
  // A concurrent Delete may prune (part of) `dir` while we create it or
  // before the file is opened in it; try again a few times.
  constexpr int kAttempts = 8;
  for (int attempt = 1;; ++attempt) {
    Status made = MakeDirs(dir);
    if (!made.ok()) {
      if (attempt < kAttempts) continue;
      return made;
    }
    TempFile temp;
    temp.path = dir + "/" + UniqueTempName();
    temp.fd = ::open(temp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (temp.fd >= 0) return temp;
    int err = errno;
    if (attempt < kAttempts && (err == EEXIST || err == ENOENT)) continue;
    return ErrnoError("open", temp.path, err);
  }
}

Result<std::string> LocalObjectStore::WriteTemp(const std::string& dir, std::string_view data) const {
  QUIVER_ASSIGN_OR_RETURN(TempFile temp, CreateTemp(dir));
  Status st = WriteAll(temp.fd, data, temp.path);
  if (st.ok() && options_.sync && ::fsync(temp.fd) != 0) st = ErrnoError("fsync", temp.path, errno);
  if (::close(temp.fd) != 0 && st.ok()) st = ErrnoError("close", temp.path, errno);
  if (!st.ok()) {
    ::unlink(temp.path.c_str());
    return st;
  }
  return temp.path;
}

Result<BufferPtr> LocalObjectStore::Read(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::string path = PathOf(key);
  int fd = -1;
  struct stat st;
  QUIVER_RETURN_NOT_OK(OpenObject(path, key, &fd, &st));
  FdCloser closer(fd);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  std::shared_ptr<Buffer> buffer = Buffer::AllocateUninitialized(size);
  QUIVER_RETURN_NOT_OK(ReadAll(fd, buffer->mutable_data(), size, 0, path));
  CountStoreRead(size);
  return buffer;
}

Result<BufferPtr> LocalObjectStore::ReadRange(std::string_view key, uint64_t offset, uint64_t length) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::string path = PathOf(key);
  QUIVER_ASSIGN_OR_RETURN(auto file, fds_->Get(path, key));
  const int fd = file->fd;
  const uint64_t size = file->size;
  if (offset > size || length > size - offset) {
    return Status::InvalidArgument("range [" + std::to_string(offset) + ", +" + std::to_string(length) +
                                   ") is past the end of \"" + std::string(key) + "\" (" +
                                   std::to_string(size) + " bytes)");
  }
  std::shared_ptr<Buffer> buffer = Buffer::AllocateUninitialized(length);
  QUIVER_RETURN_NOT_OK(ReadAll(fd, buffer->mutable_data(), length, offset, path));
  CountStoreRead(length);
  return buffer;
}

Result<ObjectMeta> LocalObjectStore::Head(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::string path = PathOf(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (IsMissing(err)) return KeyNotFound(key);
    return ErrnoError("stat", path, err);
  }
  if (!S_ISREG(st.st_mode)) return KeyNotFound(key);
  return ObjectMeta{std::string(key), static_cast<uint64_t>(st.st_size), MtimeMs(st)};
}

Status LocalObjectStore::Put(std::string_view key, std::string_view data) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::string path = PathOf(key);
  std::string dir = ParentOf(path);
  QUIVER_ASSIGN_OR_RETURN(std::string temp, WriteTemp(dir, data));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status st = Status::IOError("rename " + temp + " to " + path + ": " + ErrnoText(errno));
    ::unlink(temp.c_str());
    return st;
  }
  return SyncDir(dir, options_.sync);
}

Status LocalObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::string path = PathOf(key);
  std::string dir = ParentOf(path);
  QUIVER_ASSIGN_OR_RETURN(std::string temp, WriteTemp(dir, data));
  // link(2) never replaces its target: of racing callers exactly one wins.
  int rc = ::link(temp.c_str(), path.c_str());
  int err = rc == 0 ? 0 : errno;
#if defined(RENAME_NOREPLACE)
  // File systems without hard links; renameat2 is exclusive the same way.
  if (rc != 0 && (err == EPERM || err == EOPNOTSUPP || err == ENOSYS)) {
    rc = ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
    err = rc == 0 ? 0 : errno;
  }
#endif
  ::unlink(temp.c_str());  // a no-op (ENOENT) after a successful renameat2
  if (rc != 0) {
    if (err == EEXIST) {
      struct stat st;
      if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        return Status::IOError("link " + temp + " to " + path + ": is a directory of other objects");
      }
      return Status::AlreadyExists("object \"" + std::string(key) + "\" already exists");
    }
    return Status::IOError("link " + temp + " to " + path + ": " + ErrnoText(err));
  }
  return SyncDir(dir, options_.sync);
}

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::OpenWriter(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::string path = PathOf(key);
  QUIVER_ASSIGN_OR_RETURN(TempFile temp, CreateTemp(ParentOf(path)));
  return std::unique_ptr<ObjectWriter>(new Writer(std::string(key), path, options_.sync, std::move(temp)));
}

Status LocalObjectStore::Walk(std::string_view prefix, bool temp_files, std::vector<ObjectMeta>* out) const {
  // Start in the deepest folder `prefix` names completely.
  size_t slash = prefix.rfind('/');
  std::string start_rel = slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash + 1));

  // Depth-first over folders; each entry holds a folder's key with a
  // trailing '/' ("" for the root).
  std::vector<std::string> pending = {start_rel};
  while (!pending.empty()) {
    std::string rel = std::move(pending.back());
    pending.pop_back();
    std::string dir_path =
        rel.empty() ? (root_.empty() ? "/" : root_) : PathOf(rel.substr(0, rel.size() - 1));
    DIR* dir = ::opendir(dir_path.c_str());
    if (dir == nullptr) {
      int err = errno;
      if (IsMissing(err)) continue;  // nothing there (or deleted meanwhile)
      return ErrnoError("opendir", dir_path, err);
    }
    int dir_fd = ::dirfd(dir);
    Status status;
    while (true) {
      errno = 0;
      struct dirent* entry = ::readdir(dir);
      if (entry == nullptr) {
        if (errno != 0) status = ErrnoError("readdir", dir_path, errno);
        break;
      }
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      bool is_temp = name.starts_with(kTempPrefix);
      std::string key = rel + std::string(name);
      struct stat st;
      if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // removed since readdir
        status = ErrnoError("stat", dir_path + "/" + std::string(name), errno);
        break;
      }
      if (S_ISDIR(st.st_mode)) {
        if (!is_temp && (key + "/").starts_with(prefix)) pending.push_back(key + "/");
      } else if (S_ISREG(st.st_mode) && is_temp == temp_files && key.starts_with(prefix)) {
        out->push_back(ObjectMeta{std::move(key), static_cast<uint64_t>(st.st_size), MtimeMs(st)});
      }
    }
    ::closedir(dir);
    QUIVER_RETURN_NOT_OK(status);
  }
  std::sort(out->begin(), out->end(), [](const ObjectMeta& a, const ObjectMeta& b) { return a.key < b.key; });
  return Status::OK();
}

Result<std::vector<ObjectMeta>> LocalObjectStore::List(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidatePrefix(prefix));
  std::vector<ObjectMeta> out;
  QUIVER_RETURN_NOT_OK(Walk(prefix, /*temp_files=*/false, &out));
  return out;
}

Result<std::vector<std::string>> LocalObjectStore::ListFolders(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidateListFoldersPrefix(prefix));
  namespace fs = std::filesystem;
  const std::string dir_path =
      prefix.empty() ? (root_.empty() ? "/" : root_) : PathOf(prefix.substr(0, prefix.size() - 1));
  // Whether a folder holds an object (a regular file that is not a
  // temporary, at any depth); stops at the first.
  auto holds_object = [](const fs::path& folder) -> Result<bool> {
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const bool temp = it->path().filename().string().starts_with(kTempPrefix);
      const fs::file_status st = it->symlink_status(ec);
      if (ec) break;
      if (fs::is_directory(st)) {
        if (temp) it.disable_recursion_pending();
      } else if (fs::is_regular_file(st) && !temp) {
        return true;
      }
    }
    if (ec && !IsMissing(ec.value())) return ErrnoError("list", folder.string(), ec.value());
    return false;
  };
  std::vector<std::string> folders;
  std::error_code ec;
  fs::directory_iterator it(dir_path, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(kTempPrefix)) continue;
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (!fs::is_directory(st)) continue;
    QUIVER_ASSIGN_OR_RETURN(bool holds, holds_object(it->path()));
    if (holds) folders.push_back(std::move(name));
  }
  if (ec && !IsMissing(ec.value())) return ErrnoError("opendir", dir_path, ec.value());
  std::sort(folders.begin(), folders.end());
  return folders;
}

Result<uint64_t> LocalObjectStore::RemoveTempFiles(std::string_view prefix, int64_t min_age_ms) {
  QUIVER_RETURN_NOT_OK(ValidatePrefix(prefix));
  std::vector<ObjectMeta> temps;
  QUIVER_RETURN_NOT_OK(Walk(prefix, /*temp_files=*/true, &temps));
  int64_t cutoff = NowMs() - min_age_ms;
  uint64_t removed = 0;
  for (const ObjectMeta& temp : temps) {
    if (temp.mtime_ms > cutoff) continue;
    std::string path = PathOf(temp.key);
    if (::unlink(path.c_str()) == 0) {
      ++removed;
    } else if (errno != ENOENT) {
      return ErrnoError("unlink", path, errno);
    }
  }
  return removed;
}

Status LocalObjectStore::Delete(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    int err = errno;
    if (IsMissing(err)) return KeyNotFound(key);
    struct stat st;
    if ((err == EISDIR || err == EPERM) && ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return KeyNotFound(key);  // a folder of other objects
    }
    return ErrnoError("unlink", path, err);
  }
  fds_->Clear();  // frees the space now rather than at eviction
  std::string dir = ParentOf(path);
  QUIVER_RETURN_NOT_OK(SyncDir(dir, options_.sync));
  PruneEmptyDirs(dir);
  return Status::OK();
}

Status LocalObjectStore::DeletePrefix(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidateFolderPrefix(prefix));
  std::string path = PathOf(prefix.substr(0, prefix.size() - 1));
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (IsMissing(errno)) return Status::OK();
    return ErrnoError("stat", path, errno);
  }
  if (!S_ISDIR(st.st_mode)) return Status::OK();  // object "a" is not under "a/"
  fds_->Clear();
  QUIVER_RETURN_NOT_OK(RemoveTree(path));
  std::string parent = ParentOf(path);
  QUIVER_RETURN_NOT_OK(SyncDir(parent, options_.sync));
  PruneEmptyDirs(parent);
  return Status::OK();
}

Status LocalObjectStore::RenamePrefix(std::string_view from, std::string_view to) {
  QUIVER_RETURN_NOT_OK(ListRenameSources(*this, from, to).status());
  std::string from_path = PathOf(from.substr(0, from.size() - 1));
  std::string to_path = PathOf(to.substr(0, to.size() - 1));
  // No objects under `to`, but its folder may hold empty folders or stale
  // temporary files, which would make rename(2) fail with ENOTEMPTY.
  struct stat st;
  if (::lstat(to_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) QUIVER_RETURN_NOT_OK(RemoveTree(to_path));
  std::string to_parent = ParentOf(to_path);
  QUIVER_RETURN_NOT_OK(MakeDirs(to_parent));
  // Cached descriptors would keep reading the moved files under old keys.
  fds_->Clear();
  if (::rename(from_path.c_str(), to_path.c_str()) != 0) {
    return Status::IOError("rename " + from_path + " to " + to_path + ": " + ErrnoText(errno));
  }
  fds_->Clear();  // and those a concurrent reader opened just before the rename
  QUIVER_RETURN_NOT_OK(SyncDir(to_parent, options_.sync));
  std::string from_parent = ParentOf(from_path);
  if (from_parent != to_parent) QUIVER_RETURN_NOT_OK(SyncDir(from_parent, options_.sync));
  PruneEmptyDirs(from_parent);
  return Status::OK();
}

}  // namespace quiver

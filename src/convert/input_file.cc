#include "convert/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace quiver::convert {

Result<std::unique_ptr<InputFile>> InputFile::Open(const std::string& path, size_t buffer_size) {
  int fd = 0;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  int64_t size = -1;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Status::InvalidArgument(path + " is a directory, not a file");
    }
    if (S_ISREG(st.st_mode)) size = static_cast<int64_t>(st.st_size);
  }
#ifdef POSIX_FADV_SEQUENTIAL
  if (size > 0) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::unique_ptr<InputFile>(new InputFile(path, fd, size, buffer_size < 4096 ? 4096 : buffer_size));
}

InputFile::InputFile(std::string path, int fd, int64_t size, size_t buffer_size)
    : path_(std::move(path)), fd_(fd), owns_fd_(path_ != "-"), size_(size), buffer_(buffer_size) {}

InputFile::~InputFile() {
  if (owns_fd_) ::close(fd_);
}

Result<size_t> InputFile::ReadFromFile(char* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::read(fd_, out + done, n - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("read " + path_ + ": " + std::strerror(errno));
    }
    if (got == 0) {
      eof_ = true;
      break;
    }
    done += static_cast<size_t>(got);
    // A pipe returns what it has; hand it over rather than wait for more.
    if (size_ < 0) break;
  }
  return done;
}

Result<bool> InputFile::Refill() {
  if (eof_) return false;
  size_t live = end_ - begin_;
  if (begin_ > 0) {
    // Keep the unconsumed bytes, at the front of the buffer.
    std::memmove(buffer_.data(), buffer_.data() + begin_, live);
    begin_ = 0;
    end_ = live;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // one record fills the buffer
  QUIVER_ASSIGN_OR_RETURN(size_t got, ReadFromFile(buffer_.data() + end_, buffer_.size() - end_));
  end_ += got;
  return got > 0;
}

Result<size_t> InputFile::Read(void* out, size_t n) {
  char* dst = static_cast<char*>(out);
  size_t from_window = std::min(n, end_ - begin_);
  if (from_window > 0) std::memcpy(dst, buffer_.data() + begin_, from_window);
  Consume(from_window);
  size_t done = from_window;
  while (done < n && !eof_) {
    QUIVER_ASSIGN_OR_RETURN(size_t got, ReadFromFile(dst + done, n - done));
    done += got;
    position_ += static_cast<int64_t>(got);
  }
  return done;
}

}  // namespace quiver::convert

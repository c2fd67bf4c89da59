// InputFile: a sequential, buffered reader over a local file (or standard
// input) that the text and binary parsers of this folder share.
//
// Text parsers look at the buffered bytes through window(), mark what they
// have parsed with Consume() and call Refill() when a record runs past the end
// of the window; the buffer grows when one record is larger than it. Binary
// parsers use Read(). position() counts the bytes handed to the parser, which
// is what a progress bar wants.
//
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/status.h"

namespace quiver::convert {

class InputFile {
 public:
  // Opens `path` for reading; "-" is standard input. IOError when the file
  // cannot be opened (the message names the path and the OS error).
  static Result<std::unique_ptr<InputFile>> Open(const std::string& path, size_t buffer_size = 1 << 20);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return path_; }
  // Size of the file in bytes, or -1 when unknown (a pipe).
  int64_t size() const { return size_; }
  // Bytes consumed so far (by Consume() and Read()).
  int64_t position() const { return position_; }

  // The buffered bytes not consumed yet. Invalidated by Refill() and Read().
  std::string_view window() const { return {buffer_.data() + begin_, end_ - begin_}; }
  // Marks the first `n` bytes of the window as parsed. Precondition: n <= window().size().
  void Consume(size_t n) {
    begin_ += n;
    position_ += static_cast<int64_t>(n);
  }
  // Appends more bytes of the file to the window, keeping the unconsumed
  // ones. Returns false when the file has no more bytes, IOError on failure.
  Result<bool> Refill();
  // True once Refill() has reached the end of the file.
  bool at_eof() const { return eof_; }

  // Copies up to `n` bytes into `out` (window first, then the file). Fewer
  // than `n` only at the end of the file.
  Result<size_t> Read(void* out, size_t n);

 private:
  InputFile(std::string path, int fd, int64_t size, size_t buffer_size);
  Result<size_t> ReadFromFile(char* out, size_t n);

  std::string path_;
  int fd_;
  bool owns_fd_;
  int64_t size_;
  int64_t position_ = 0;
  std::vector<char> buffer_;
  size_t begin_ = 0;  // window is buffer_[begin_, end_)
  size_t end_ = 0;
  bool eof_ = false;
};

}  // namespace quiver::convert

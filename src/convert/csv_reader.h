// The CSV reader behind OpenFileReader (see file_reader.h for the type
// rules), and the RFC 4180 record parser it is built on.
//
// The parser is hand-written for speed: fields that need no unescaping are
// views into the read buffer, so parsing a record allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "convert/file_reader.h"
#include "convert/input_file.h"

namespace quiver::convert {

struct CsvField {
  std::string_view text;  // unescaped, without the surrounding quotes
  bool quoted = false;    // the field was written in quotes
};

// Splits a file into records. Quoted fields may hold the delimiter, newlines
// and doubled quotes. Lines end with LF or CRLF; empty lines are skipped.
//
// Thread-safety: not thread-safe.
class CsvParser {
 public:
  CsvParser(InputFile* in, char delimiter);
  // The next record's fields (valid until the next call) and the 1-based
  // line it starts on; false at the end of the file. InvalidArgument naming
  // the line for an unterminated quote or text after a closing quote.
  Result<bool> Next(std::vector<CsvField>* fields, int64_t* line);

 private:
  struct Span {
    size_t begin;
    size_t size;
    bool in_scratch;
    bool quoted;
  };
  enum class Parse { kComplete, kNeedMore };
  Result<Parse> ParseRecord(std::string_view w, size_t* consumed, int64_t* newlines);

  InputFile* in_;
  char delimiter_;
  bool special_[256] = {};  // delimiter, CR, LF, quote
  int64_t line_ = 1;
  bool first_ = true;
  std::vector<Span> spans_;
  std::string scratch_;  // fields with doubled quotes, unescaped
};

// Reads the header and, without options.schema, the first infer_rows records.
Result<std::unique_ptr<FileReader>> OpenCsvReader(std::unique_ptr<InputFile> file, char delimiter,
                                                  const FileReadOptions& options);

}  // namespace quiver::convert

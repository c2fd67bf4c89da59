#include "convert/json_reader.h"

#include <deque>
#include <string>

#include "convert/json_convert.h"
#include "convert/json_tape.h"
#include "convert/text_util.h"

namespace quiver::convert {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

Status LineError(int64_t line, const Status& st) {
  return Status(st.code(), "line " + std::to_string(line) + ": " + st.message());
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the
// rest ("parse error at line 1, column 5: syntax error ...") is useful. A
// record of JSON lines is one line, so its "line 1" is noise.
std::string CleanParseError(std::string_view what, bool single_line) {
  if (!what.empty() && what[0] == '[') {
    size_t close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  std::string msg(what);
  if (single_line) {
    size_t at = msg.find("at line 1, column");
    if (at != std::string::npos) msg.replace(at, 17, "at column");
  }
  return msg;
}

// Yields the text of one record at a time, with the line it starts on.
class JsonRecordSource {
 public:
  virtual ~JsonRecordSource() = default;
  // The next record (valid until the next call) and its 1-based first line;
  // false at the end of the file.
  virtual Result<bool> Next(std::string_view* text, int64_t* line) = 0;
};

class JsonLinesSource final : public JsonRecordSource {
 public:
  explicit JsonLinesSource(InputFile* in) : in_(in) {}

  Result<bool> Next(std::string_view* text, int64_t* line) override {
    while (true) {
      std::string_view w = in_->window();
      size_t nl = w.find('\n', scan_from_);
      size_t consumed;
      if (nl == std::string_view::npos) {
        if (!in_->at_eof()) {
          scan_from_ = w.size();
          QUIVER_RETURN_NOT_OK(in_->Refill().status());
          continue;
        }
        if (w.empty()) return false;
        nl = w.size();
        consumed = w.size();
      } else {
        consumed = nl + 1;
      }
      scan_from_ = 0;
      std::string_view l = w.substr(0, nl);
      // The window stays valid until the next Refill, so consume now.
      in_->Consume(consumed);
      ++line_;
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      if (line_ == 1 && l.starts_with(kUtf8Bom)) l.remove_prefix(kUtf8Bom.size());
      if (TrimSpace(l).empty()) continue;
      *text = l;
      *line = line_;
      return true;
    }
  }

 private:
  InputFile* in_;
  size_t scan_from_ = 0;  // bytes of the window already searched for '\n'
  int64_t line_ = 0;
};

// The elements of a top-level JSON array, or a sequence of concatenated
// top-level objects when the file starts with '{'.
class JsonArraySource final : public JsonRecordSource {
 public:
  explicit JsonArraySource(InputFile* in) : in_(in) {}

  Result<bool> Next(std::string_view* text, int64_t* line) override {
    if (done_) return false;
    if (!started_) {
      QUIVER_RETURN_NOT_OK(Start());
      if (done_) return false;
    }
    while (true) {
      QUIVER_ASSIGN_OR_RETURN(bool more, SkipSpace());
      if (!more) {
        if (array_) return Error("unexpected end of file: the top-level array is not closed with ']'");
        done_ = true;
        return false;
      }
      const char c = in_->window()[0];
      if (array_) {
        if (need_separator_) {
          if (c == ',') {
            in_->Consume(1);
            need_separator_ = false;
            continue;
          }
          if (c == ']') return Finish();
          return Error(std::string("expected ',' or ']' after an array element, got '") + c + "'");
        }
        if (c == ']') {
          if (count_ == 0) return Finish();
          return Error("expected a value after ',', got ']'");
        }
      }
      const int64_t start_line = line_;
      QUIVER_ASSIGN_OR_RETURN(size_t size, ScanValue());
      *text = in_->window().substr(0, size);
      *line = start_line;
      in_->Consume(size);
      need_separator_ = true;
      ++count_;
      return true;
    }
  }

 private:
  Status Error(const std::string& msg) const {
    return Status::InvalidArgument("line " + std::to_string(line_) + ": " + msg);
  }

  Status Start() {
    started_ = true;
    QUIVER_ASSIGN_OR_RETURN(bool more, SkipSpace());
    if (more && in_->window().starts_with(kUtf8Bom)) {
      in_->Consume(kUtf8Bom.size());
      QUIVER_ASSIGN_OR_RETURN(more, SkipSpace());
    }
    if (!more) {
      done_ = true;  // an empty file: no rows
      return Status::OK();
    }
    const char c = in_->window()[0];
    if (c == '[') {
      array_ = true;
      in_->Consume(1);
      return Status::OK();
    }
    if (c == '{') return Status::OK();
    return Error(std::string("expected a JSON array of objects ('[') or an object ('{'), got '") + c + "'");
  }

  Result<bool> Finish() {
    in_->Consume(1);
    QUIVER_ASSIGN_OR_RETURN(bool more, SkipSpace());
    if (more) return Error("unexpected text after the top-level array");
    done_ = true;
    return false;
  }

  // Consumes whitespace; false when the file ends first.
  Result<bool> SkipSpace() {
    while (true) {
      std::string_view w = in_->window();
      size_t i = 0;
      while (i < w.size() && (w[i] == ' ' || w[i] == '\t' || w[i] == '\r' || w[i] == '\n')) {
        if (w[i] == '\n') ++line_;
        ++i;
      }
      in_->Consume(i);
      if (i < w.size()) return true;
      QUIVER_ASSIGN_OR_RETURN(bool got, in_->Refill());
      if (!got) return false;
    }
  }

  // The byte length of the value at the start of the window, refilling until
  // it is complete. Counts its newlines into line_. Malformed values end
  // somewhere plausible; the JSON parser then reports what is wrong.
  Result<size_t> ScanValue() {
    while (true) {
      std::string_view w = in_->window();
      int64_t newlines = 0;
      size_t end = 0;
      const char first = w[0];
      if (first == '{' || first == '[' || first == '"') {
        int depth = 0;
        bool in_string = false;
        for (size_t i = 0; i < w.size(); ++i) {
          const char c = w[i];
          if (c == '\n') ++newlines;
          if (in_string) {
            if (c == '\\') {
              ++i;
            } else if (c == '"') {
              in_string = false;
              if (depth == 0) {
                end = i + 1;
                break;
              }
            }
          } else if (c == '"') {
            in_string = true;
          } else if (c == '{' || c == '[') {
            ++depth;
          } else if (c == '}' || c == ']') {
            if (--depth == 0) {
              end = i + 1;
              break;
            }
          }
        }
      } else {
        size_t i = 0;
        while (i < w.size() && w[i] != ',' && w[i] != ']' && w[i] != '}' && w[i] != ' ' && w[i] != '\n' &&
               w[i] != '\r' && w[i] != '\t') {
          ++i;
        }
        if (i < w.size()) end = i;
      }
      if (end > 0) {
        line_ += newlines;
        return end;
      }
      if (in_->at_eof()) {
        line_ += newlines;
        return w.size();
      }
      QUIVER_RETURN_NOT_OK(in_->Refill().status());
    }
  }

  InputFile* in_;
  bool started_ = false;
  bool done_ = false;
  bool array_ = false;
  bool need_separator_ = false;
  int64_t count_ = 0;
  int64_t line_ = 1;  // line of the window's first byte
};

class JsonFileReader final : public FileReader {
 public:
  JsonFileReader(std::unique_ptr<InputFile> file, FileFormat format, const FileReadOptions& options)
      : file_(std::move(file)), single_line_records_(format == FileFormat::kJsonLines), options_(options) {
    if (single_line_records_) {
      source_ = std::make_unique<JsonLinesSource>(file_.get());
    } else {
      source_ = std::make_unique<JsonArraySource>(file_.get());
    }
  }

  Status Init() {
    std::string hint;
    if (options_.schema) {
      schema_ = options_.schema;
      hint = " (columns:";
      for (const Field& f : schema_->fields()) hint += " " + f.name;
      hint += ")";
    } else {
      JsonTypeInference inference;
      const int64_t infer_rows = std::max<int64_t>(1, options_.infer_rows);
      while (static_cast<int64_t>(lookahead_.size()) < infer_rows) {
        Json row;
        int64_t line = 0;
        QUIVER_ASSIGN_OR_RETURN(bool more, ParseNext(&row, &line));
        if (!more) break;
        Status st = inference.AddRow(row, line);
        if (!st.ok()) return LineError(line, st);
        lookahead_.emplace_back(line, std::move(row));
      }
      if (lookahead_.empty()) {
        return Status::InvalidArgument(file_->path() + " holds no rows to infer a schema from");
      }
      schema_ = inference.ToSchema();
      hint = " (it first appears after the " + std::to_string(lookahead_.size()) +
             " rows used to infer the schema; raise infer_rows)";
    }
    appender_ = std::make_unique<JsonRowAppender>(schema_, std::move(hint));
    return Status::OK();
  }

  const SchemaPtr& schema() const override { return schema_; }
  int64_t bytes_read() const override { return file_->position(); }
  int64_t total_bytes() const override { return file_->size(); }

  Result<BatchPtr> Next() override {
    if (!error_.ok()) return error_;
    const int64_t batch_size = std::max<int64_t>(1, options_.batch_size);
    while (!done_ && appender_->num_rows() < batch_size) {
      Json row;
      int64_t line = 0;
      if (!lookahead_.empty()) {
        line = lookahead_.front().first;
        row = std::move(lookahead_.front().second);
        lookahead_.pop_front();
      } else {
        std::string_view text;
        Result<bool> more = source_->Next(&text, &line);
        if (!more.ok()) return Fail(more.status());
        if (!*more) {
          done_ = true;
          break;
        }
        // The fast parse; anything it rejects goes through nlohmann::json,
        // whose message the user sees (or whose parse succeeds after all).
        if (tape_.Parse(text).ok()) {
          Status st = appender_->AppendRow(tape_);
          if (!st.ok()) return Fail(LineError(line, st));
          continue;
        }
        Status st = ParseText(text, line, &row);
        if (!st.ok()) return Fail(st);
      }
      Status st = appender_->AppendRow(row);
      if (!st.ok()) return Fail(LineError(line, st));
    }
    if (appender_->num_rows() == 0) return BatchPtr();
    return appender_->Finish();
  }

 private:
  Status Fail(Status st) {
    error_ = st;
    return st;
  }

  Result<bool> ParseNext(Json* row, int64_t* line) {
    std::string_view text;
    QUIVER_ASSIGN_OR_RETURN(bool more, source_->Next(&text, line));
    if (!more) return false;
    QUIVER_RETURN_NOT_OK(ParseText(text, *line, row));
    return true;
  }

  Status ParseText(std::string_view text, int64_t line, Json* row) const {
    try {
      *row = Json::parse(text.begin(), text.end());
    } catch (const Json::exception& e) {
      return Status::InvalidArgument("line " + std::to_string(line) + ": " +
                                     CleanParseError(e.what(), single_line_records_));
    }
    return Status::OK();
  }

  std::unique_ptr<InputFile> file_;
  std::unique_ptr<JsonRecordSource> source_;
  bool single_line_records_;
  FileReadOptions options_;
  SchemaPtr schema_;
  std::deque<std::pair<int64_t, Json>> lookahead_;  // rows read for inference
  std::unique_ptr<JsonRowAppender> appender_;
  JsonTape tape_;
  Status error_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<FileReader>> OpenJsonReader(std::unique_ptr<InputFile> file, FileFormat format,
                                                   const FileReadOptions& options) {
  auto reader = std::make_unique<JsonFileReader>(std::move(file), format, options);
  QUIVER_RETURN_NOT_OK(reader->Init());
  return std::unique_ptr<FileReader>(std::move(reader));
}

}  // namespace quiver::convert

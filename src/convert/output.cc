#include "convert/output.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/float16.h"
#include "convert/arrow_ipc.h"
#include "convert/text_util.h"

namespace quiver::convert {

namespace {

constexpr std::string_view kEllipsis = "…";
// Output is handed to the stream in chunks of about this many bytes.
constexpr size_t kFlushBytes = 1 << 20;

// ---------------------------------------------------------------------------
// Scalars

template <typename T>
void AppendInteger(T v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

// Appends ".0" when `text` would read back as an integer.
void ForceDecimal(const char* begin, const char* end, std::string* out) {
  for (const char* p = begin; p < end; ++p) {
    if (*p == '.' || *p == 'e' || *p == 'E') return;
  }
  out->append(".0");
}

// Finite values only. `force_decimal`: see ForceDecimal.
void AppendFinite(double v, TypeId id, bool force_decimal, std::string* out) {
  char buf[40];
  std::to_chars_result r;
  if (id == TypeId::kFloat64) {
    r = std::to_chars(buf, buf + sizeof(buf), v);
  } else if (id == TypeId::kFloat32) {
    r = std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v));
  } else {
    // float16: the fewest digits that convert back to the same half.
    const uint16_t bits = FloatToHalf(static_cast<float>(v));
    for (int precision = 1; precision <= 6; ++precision) {
      r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, precision);
      double back = 0;
      std::from_chars(buf, r.ptr, back);
      if (FloatToHalf(static_cast<float>(back)) == bits) break;
    }
  }
  out->append(buf, r.ptr);
  if (force_decimal) ForceDecimal(buf, r.ptr, out);
}

double FloatValue(const Array& a, int64_t i) {
  switch (a.type()->id()) {
    case TypeId::kFloat16:
      return HalfToFloat(a.values<uint16_t>()[i]);
    case TypeId::kFloat32:
      return a.values<float>()[i];
    default:
      return a.values<double>()[i];
  }
}

// Integers and booleans as decimal text; false for other types.
bool AppendIntegerValue(const Array& a, int64_t i, std::string* out) {
  switch (a.type()->id()) {
    case TypeId::kBool:
      out->append(a.GetBool(i) ? "true" : "false");
      return true;
    case TypeId::kInt8:
      AppendInteger(a.values<int8_t>()[i], out);
      return true;
    case TypeId::kInt16:
      AppendInteger(a.values<int16_t>()[i], out);
      return true;
    case TypeId::kInt32:
      AppendInteger(a.values<int32_t>()[i], out);
      return true;
    case TypeId::kInt64:
      AppendInteger(a.values<int64_t>()[i], out);
      return true;
    case TypeId::kUInt8:
      AppendInteger(a.values<uint8_t>()[i], out);
      return true;
    case TypeId::kUInt16:
      AppendInteger(a.values<uint16_t>()[i], out);
      return true;
    case TypeId::kUInt32:
      AppendInteger(a.values<uint32_t>()[i], out);
      return true;
    case TypeId::kUInt64:
      AppendInteger(a.values<uint64_t>()[i], out);
      return true;
    default:
      return false;
  }
}

// Dates and timestamps in ISO 8601 ("2024-05-01T12:00:00.000000Z").
std::string TemporalText(const Array& a, int64_t i) {
  std::string text = a.FormatValue(i);
  if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
  return text;
}

void AppendBase64(std::string_view bytes, std::string* out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  const auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out->push_back(kAlphabet[(v >> 18) & 63]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    const uint32_t v = (byte(i) << 16) | (rest == 2 ? byte(i + 1) << 8 : 0);
    out->push_back(kAlphabet[(v >> 18) & 63]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
}

// ---------------------------------------------------------------------------
// JSON

// Escapes quotes, backslashes and control characters; invalid UTF-8 bytes
// become U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const int len = Utf8SequenceLength(s, i);
      if (len > 0) {
        i += len;
        continue;
      }
    }
    out->append(s.substr(run, i - run));
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c >= 0x80) {
          out->append("\\ufffd");
        } else {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        }
    }
    ++i;
    run = i;
  }
  out->append(s.substr(run));
  out->push_back('"');
}

// `element`: inside a list, where floats need no forced decimal point.
void AppendJson(const Array& a, int64_t i, bool element, std::string* out) {
  if (a.IsNull(i)) {
    out->append("null");
    return;
  }
  const DataType& type = *a.type();
  if (AppendIntegerValue(a, i, out)) return;
  switch (type.id()) {
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      const double v = FloatValue(a, i);
      if (std::isfinite(v)) {
        AppendFinite(v, type.id(), !element, out);
      } else {
        out->append("null");
      }
      return;
    }
    case TypeId::kDate32:
    case TypeId::kTimestamp:
      AppendJsonString(TemporalText(a, i), out);
      return;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
      AppendJsonString(a.GetView(i), out);
      return;
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      out->push_back('"');
      AppendBase64(a.GetView(i), out);
      out->push_back('"');
      return;
    case TypeId::kFixedSizeList:
    case TypeId::kList:
    case TypeId::kLargeList: {
      const auto [begin, end] = a.ListRange(i);
      const Array& child = *a.child(0);
      out->push_back('[');
      if (child.type()->id() == TypeId::kFloat32 && child.null_count() == 0) {
        const float* v = child.values<float>();  // the common case: a float vector
        for (int64_t k = begin; k < end; ++k) {
          if (k > begin) out->push_back(',');
          if (std::isfinite(v[k])) {
            char buf[32];
            auto r = std::to_chars(buf, buf + sizeof(buf), v[k]);
            out->append(buf, r.ptr);
          } else {
            out->append("null");
          }
        }
      } else {
        for (int64_t k = begin; k < end; ++k) {
          if (k > begin) out->push_back(',');
          AppendJson(child, k, true, out);
        }
      }
      out->push_back(']');
      return;
    }
    case TypeId::kStruct: {
      out->push_back('{');
      for (size_t c = 0; c < a.children().size(); ++c) {
        if (c > 0) out->push_back(',');
        AppendJsonString(type.children()[c].name, out);
        out->push_back(':');
        AppendJson(*a.child(static_cast<int>(c)), a.offset() + i, false, out);
      }
      out->push_back('}');
      return;
    }
    default:
      out->append("null");
      return;
  }
}

// ---------------------------------------------------------------------------
// CSV

bool NeedsQuotes(std::string_view s, char delimiter) {
  if (s.empty()) return true;  // "" is the empty string, an empty field null
  for (char c : s) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

void AppendCsvText(std::string_view s, char delimiter, std::string* out) {
  if (!NeedsQuotes(s, delimiter)) {
    out->append(s);
    return;
  }
  out->push_back('"');
  size_t from = 0;
  for (size_t q = s.find('"'); q != std::string_view::npos; q = s.find('"', q + 1)) {
    out->append(s.substr(from, q + 1 - from));
    out->push_back('"');
    from = q + 1;
  }
  out->append(s.substr(from));
  out->push_back('"');
}

void AppendCsv(const Array& a, int64_t i, char delimiter, std::string* out, std::string* scratch) {
  if (a.IsNull(i)) return;
  if (AppendIntegerValue(a, i, out)) return;
  const TypeId id = a.type()->id();
  switch (id) {
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      const double v = FloatValue(a, i);
      if (std::isnan(v)) {
        out->append("nan");
      } else if (std::isinf(v)) {
        out->append(v > 0 ? "inf" : "-inf");
      } else {
        AppendFinite(v, id, true, out);
      }
      return;
    }
    case TypeId::kDate32:
    case TypeId::kTimestamp:
      out->append(TemporalText(a, i));
      return;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
      AppendCsvText(a.GetView(i), delimiter, out);
      return;
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      scratch->clear();
      AppendBase64(a.GetView(i), scratch);
      AppendCsvText(*scratch, delimiter, out);
      return;
    default:
      scratch->clear();
      AppendJson(a, i, false, scratch);
      AppendCsvText(*scratch, delimiter, out);
      return;
  }
}

// ---------------------------------------------------------------------------
// Table

// Cuts `s` to `width` code points, the last one "…".
std::string Truncate(std::string s, int width) {
  if (width < 1) width = 1;
  if (Utf8Length(s) <= width) return s;
  size_t bytes = 0;
  int kept = 0;
  while (bytes < s.size() && kept < width - 1) {
    ++bytes;
    while (bytes < s.size() && (static_cast<unsigned char>(s[bytes]) & 0xC0) == 0x80) ++bytes;
    ++kept;
  }
  s.resize(bytes);
  s.append(kEllipsis);
  return s;
}

// Text shown in a cell: control characters escaped so rows stay on one line.
void AppendDisplayText(std::string_view s, std::string* out) {
  for (char c : s) {
    if (c == '\n') {
      out->append("\\n");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out->push_back('?');
    } else {
      out->push_back(c);
    }
  }
}

// `nested`: inside a list or struct, where strings are quoted.
void AppendDisplay(const Array& a, int64_t i, bool nested, const OutputOptions& options, std::string* out) {
  if (a.IsNull(i)) {
    out->append("null");
    return;
  }
  if (AppendIntegerValue(a, i, out)) return;
  const DataType& type = *a.type();
  switch (type.id()) {
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      const double v = FloatValue(a, i);
      if (std::isnan(v)) {
        out->append("NaN");
      } else if (std::isinf(v)) {
        out->append(v > 0 ? "inf" : "-inf");
      } else {
        AppendFinite(v, type.id(), false, out);
      }
      return;
    }
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
      if (nested) {
        std::string quoted;
        AppendJsonString(a.GetView(i), &quoted);
        AppendDisplayText(quoted, out);
      } else {
        AppendDisplayText(a.GetView(i), out);
      }
      return;
    case TypeId::kFixedSizeList:
    case TypeId::kList:
    case TypeId::kLargeList: {
      const auto [begin, end] = a.ListRange(i);
      const size_t start = out->size();
      const int64_t count = end - begin;
      out->push_back('[');
      for (int64_t k = begin; k < end; ++k) {
        if (k > begin) out->append(", ");
        AppendDisplay(*a.child(0), k, true, options, out);
        // Stop early on long lists: only the first few items can be shown.
        if (Utf8Length(std::string_view(*out).substr(start)) > options.max_cell_width) break;
      }
      out->push_back(']');
      if (Utf8Length(std::string_view(*out).substr(start)) <= options.max_cell_width) return;
      out->resize(start);
      out->push_back('[');
      const int64_t shown = std::min<int64_t>(count, std::max(1, options.max_list_items));
      for (int64_t k = begin; k < begin + shown; ++k) {
        AppendDisplay(*a.child(0), k, true, options, out);
        out->append(", ");
      }
      out->append(kEllipsis);
      out->append(" " + std::to_string(count) + " values]");
      return;
    }
    case TypeId::kStruct: {
      out->push_back('{');
      for (size_t c = 0; c < a.children().size(); ++c) {
        if (c > 0) out->append(", ");
        out->append(type.children()[c].name);
        out->append(": ");
        AppendDisplay(*a.child(static_cast<int>(c)), a.offset() + i, true, options, out);
        if (Utf8Length(*out) > options.max_cell_width) break;
      }
      out->push_back('}');
      return;
    }
    default:
      AppendDisplayText(a.FormatValue(i), out);  // dates, timestamps, binary as hex
      return;
  }
}

bool RightAligned(const DataType& type) { return type.is_numeric(); }

// Gathers cells until max_rows, then lays them out.
class TableLayout {
 public:
  TableLayout(const Schema& schema, const OutputOptions& options) : options_(options) {
    for (const Field& f : schema.fields()) {
      names_.push_back(Truncate(f.name, options_.max_cell_width));
      right_.push_back(RightAligned(*f.type));
    }
  }

  bool full() const { return options_.max_rows >= 0 && rows_ >= options_.max_rows; }
  void set_more(bool more) { more_ = more; }

  // Adds rows of `batch` until full(); returns the number added.
  int64_t Add(const RecordBatch& batch) {
    int64_t n = batch.num_rows();
    if (options_.max_rows >= 0) n = std::min(n, options_.max_rows - rows_);
    std::string cell;
    for (int64_t r = 0; r < n; ++r) {
      for (int c = 0; c < batch.num_columns(); ++c) {
        cell.clear();
        AppendDisplay(*batch.column(c), r, false, options_, &cell);
        cells_.push_back(Truncate(cell, options_.max_cell_width));
      }
    }
    rows_ += n;
    return n;
  }

  std::string Render() const {
    const size_t columns = names_.size();
    std::vector<int64_t> widths(columns);
    for (size_t c = 0; c < columns; ++c) widths[c] = Utf8Length(names_[c]);
    for (size_t k = 0; k < cells_.size(); ++k) {
      widths[k % columns] = std::max(widths[k % columns], Utf8Length(cells_[k]));
    }
    std::string out;
    if (columns > 0) {
      AppendLine(names_.data(), widths, &out);
      for (size_t c = 0; c < columns; ++c) {
        if (c > 0) out.push_back('+');
        out.append(static_cast<size_t>(widths[c] + 2), '-');
      }
      out.push_back('\n');
      for (int64_t r = 0; r < rows_; ++r) AppendLine(cells_.data() + r * columns, widths, &out);
    }
    if (options_.row_count_footer) {
      if (more_) {
        out += "(first " + std::to_string(rows_) + " rows shown)\n";
      } else {
        out += "(" + std::to_string(rows_) + (rows_ == 1 ? " row)\n" : " rows)\n");
      }
    }
    return out;
  }

 private:
  void AppendLine(const std::string* cells, const std::vector<int64_t>& widths, std::string* out) const {
    const size_t line_start = out->size();
    for (size_t c = 0; c < widths.size(); ++c) {
      if (c > 0) out->push_back('|');
      const size_t pad = static_cast<size_t>(widths[c] - Utf8Length(cells[c]));
      out->push_back(' ');
      if (right_[c]) out->append(pad, ' ');
      out->append(cells[c]);
      if (!right_[c]) out->append(pad, ' ');
      out->push_back(' ');
    }
    while (out->size() > line_start && out->back() == ' ') out->pop_back();
    out->push_back('\n');
  }

  OutputOptions options_;
  std::vector<std::string> names_;
  std::vector<bool> right_;
  std::vector<std::string> cells_;  // row-major
  int64_t rows_ = 0;
  bool more_ = false;
};

Status Flush(std::string* buffer, std::ostream& out) {
  out.write(buffer->data(), static_cast<std::streamsize>(buffer->size()));
  buffer->clear();
  if (!out) return Status::IOError("writing the output failed");
  return Status::OK();
}

void AppendCsvHeader(const Schema& schema, char delimiter, std::string* out) {
  for (int c = 0; c < schema.num_fields(); ++c) {
    if (c > 0) out->push_back(delimiter);
    AppendCsvText(schema.field(c).name, delimiter, out);
  }
  out->push_back('\n');
}

void AppendCsvRows(const RecordBatch& batch, char delimiter, std::string* out, std::string* scratch) {
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    for (int c = 0; c < batch.num_columns(); ++c) {
      if (c > 0) out->push_back(delimiter);
      AppendCsv(*batch.column(c), r, delimiter, out, scratch);
    }
    out->push_back('\n');
  }
}

}  // namespace

std::string_view OutputFormatName(OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable:
      return "table";
    case OutputFormat::kJsonLines:
      return "json";
    case OutputFormat::kCsv:
      return "csv";
    case OutputFormat::kArrow:
      return "arrow";
    case OutputFormat::kArrowFile:
      return "arrow-file";
  }
  return "unknown";
}

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json" || name == "jsonl" || name == "ndjson") return OutputFormat::kJsonLines;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "arrow") return OutputFormat::kArrow;
  if (name == "arrow-file") return OutputFormat::kArrowFile;
  return Status::InvalidArgument("unknown output format \"" + std::string(name) +
                                 "\" (known: table, json, csv, arrow, arrow-file)");
}

void AppendValueAsJson(const Array& array, int64_t row, std::string* out) {
  AppendJson(array, row, false, out);
}

void AppendRowAsJson(const RecordBatch& batch, int64_t row, std::string* out) {
  out->push_back('{');
  for (int c = 0; c < batch.num_columns(); ++c) {
    if (c > 0) out->push_back(',');
    AppendJsonString(batch.schema()->field(c).name, out);
    out->push_back(':');
    AppendJson(*batch.column(c), row, false, out);
  }
  out->push_back('}');
}

namespace {

void AppendJsonRows(const RecordBatch& batch, std::string* out) {
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    if (out->back() != '[') out->push_back(',');
    AppendRowAsJson(batch, r, out);
  }
}

}  // namespace

std::string BatchToJsonRows(const RecordBatch& batch) {
  std::string out = "[";
  AppendJsonRows(batch, &out);
  out.push_back(']');
  return out;
}

std::string BatchesToJsonRows(const std::vector<BatchPtr>& batches) {
  std::string out = "[";
  for (const BatchPtr& batch : batches) AppendJsonRows(*batch, &out);
  out.push_back(']');
  return out;
}

Status WriteJsonLines(const RecordBatch& batch, std::ostream& out) {
  std::string buffer;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    AppendRowAsJson(batch, r, &buffer);
    buffer.push_back('\n');
    if (buffer.size() >= kFlushBytes) QUIVER_RETURN_NOT_OK(Flush(&buffer, out));
  }
  return Flush(&buffer, out);
}

Status WriteJsonLines(BatchReader& reader, std::ostream& out) {
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader.Next());
    if (!batch) return Status::OK();
    QUIVER_RETURN_NOT_OK(WriteJsonLines(*batch, out));
  }
}

Status WriteCsv(const RecordBatch& batch, std::ostream& out, const OutputOptions& options) {
  std::string buffer;
  std::string scratch;
  if (options.csv_header) AppendCsvHeader(*batch.schema(), options.csv_delimiter, &buffer);
  AppendCsvRows(batch, options.csv_delimiter, &buffer, &scratch);
  return Flush(&buffer, out);
}

Status WriteCsv(BatchReader& reader, std::ostream& out, const OutputOptions& options) {
  std::string buffer;
  std::string scratch;
  if (options.csv_header) AppendCsvHeader(*reader.schema(), options.csv_delimiter, &buffer);
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader.Next());
    if (!batch) break;
    AppendCsvRows(*batch, options.csv_delimiter, &buffer, &scratch);
    if (buffer.size() >= kFlushBytes) QUIVER_RETURN_NOT_OK(Flush(&buffer, out));
  }
  return Flush(&buffer, out);
}

std::string FormatTable(const RecordBatch& batch, const OutputOptions& options) {
  TableLayout layout(*batch.schema(), options);
  const int64_t added = layout.Add(batch);
  layout.set_more(added < batch.num_rows());
  return layout.Render();
}

Status WriteTable(BatchReader& reader, std::ostream& out, const OutputOptions& options) {
  TableLayout layout(*reader.schema(), options);
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader.Next());
    if (!batch) break;
    if (layout.full()) {
      layout.set_more(batch->num_rows() > 0);
      if (batch->num_rows() > 0) break;
      continue;
    }
    const int64_t added = layout.Add(*batch);
    if (added < batch->num_rows()) {
      layout.set_more(true);
      break;
    }
  }
  std::string text = layout.Render();
  return Flush(&text, out);
}

Status WriteArrowIpc(BatchReader& reader, std::ostream& out, bool file_format) {
  const auto framing = file_format ? IpcStreamWriter::Framing::kFile : IpcStreamWriter::Framing::kStream;
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<IpcStreamWriter> writer,
                          IpcStreamWriter::Open(out, reader.schema(), framing));
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader.Next());
    if (!batch) break;
    QUIVER_RETURN_NOT_OK(writer->WriteBatch(*batch));
  }
  QUIVER_RETURN_NOT_OK(writer->Close());
  out.flush();
  return out.good() ? Status::OK() : Status::IOError("writing Arrow IPC output failed");
}

Status WriteBatches(BatchReader& reader, OutputFormat format, std::ostream& out,
                    const OutputOptions& options) {
  switch (format) {
    case OutputFormat::kTable:
      return WriteTable(reader, out, options);
    case OutputFormat::kJsonLines:
      return WriteJsonLines(reader, out);
    case OutputFormat::kCsv:
      return WriteCsv(reader, out, options);
    case OutputFormat::kArrow:
      return WriteArrowIpc(reader, out, /*file_format=*/false);
    case OutputFormat::kArrowFile:
      return WriteArrowIpc(reader, out, /*file_format=*/true);
  }
  return Status::InvalidArgument("unknown output format");
}

}  // namespace quiver::convert

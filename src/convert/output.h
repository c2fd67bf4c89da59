// Writing record batches to any std::ostream: as text (an aligned
// human-readable table, JSON lines or CSV) or as Arrow IPC (binary, see
// arrow_ipc.h) for the CLI's `scan --format table|json|csv|arrow|arrow-file`,
// and as JSON rows for the HTTP server's responses.
//
// Values in JSON and CSV keep full precision: floats are written in the
// shortest form that reads back to the same value (float32 as float32, so
// 0.1f is "0.1"); float columns always show a decimal point or exponent
// ("2.0"), so reading the output back infers a float column again. NaN and
// infinities are null in JSON and "nan"/"inf"/"-inf" in CSV. Vectors and
// lists are JSON arrays, structs JSON objects (in CSV as JSON text), binary
// values base64 strings, dates "YYYY-MM-DD" and timestamps
// "YYYY-MM-DDTHH:MM:SS[.fff…][Z]". In CSV a null is an empty field and an
// empty string is "" (the readers of file_reader.h read both back).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/array.h"
#include "quiver/batch_reader.h"

namespace quiver::convert {

enum class OutputFormat {
  kTable,      // aligned columns for people
  kJsonLines,  // one JSON object per row
  kCsv,        // RFC 4180, header line first
  kArrow,      // Arrow IPC stream format, uncompressed (binary)
  kArrowFile,  // Arrow IPC file format (also Feather v2), uncompressed (binary)
};

// "table", "json", "csv", "arrow", "arrow-file".
std::string_view OutputFormatName(OutputFormat format);
// Inverse of OutputFormatName; also accepts "jsonl" and "ndjson".
// InvalidArgument listing the known names otherwise.
Result<OutputFormat> ParseOutputFormat(std::string_view name);

struct OutputOptions {
  // Table: the widest a cell may be, in characters; longer values are cut
  // and end with "…".
  int max_cell_width = 40;
  // Table: a vector or list too wide for its cell shows this many values and
  // then the count: [0.12, -0.5, … 128 values].
  int max_list_items = 2;
  // Table: the most rows read and shown; -1 for all (every cell of every row
  // is then held in memory until the widths are known).
  int64_t max_rows = -1;
  // Table: end with "(3 rows)".
  bool row_count_footer = true;
  // CSV: start with the column names.
  bool csv_header = true;
  // CSV: the field separator.
  char csv_delimiter = ',';
};

// Writes every remaining batch of `reader` to `out` in `format`. Returns the
// reader's error, or IOError when `out` fails. The Arrow formats write bytes
// as they are: `out` must not translate line ends (std::cout does not on
// POSIX; open files with std::ios::binary).
Status WriteBatches(BatchReader& reader, OutputFormat format, std::ostream& out,
                    const OutputOptions& options = {});

Status WriteTable(BatchReader& reader, std::ostream& out, const OutputOptions& options = {});
Status WriteJsonLines(BatchReader& reader, std::ostream& out);
Status WriteCsv(BatchReader& reader, std::ostream& out, const OutputOptions& options = {});
// Arrow IPC, batch by batch as the reader yields them: the stream format, or
// with `file_format` the file format (which needs no seeking either).
Status WriteArrowIpc(BatchReader& reader, std::ostream& out, bool file_format = false);

// One batch at a time (a caller streaming its own batches writes the CSV
// header only with the first).
Status WriteJsonLines(const RecordBatch& batch, std::ostream& out);
Status WriteCsv(const RecordBatch& batch, std::ostream& out, const OutputOptions& options = {});
// The table of one batch (all its rows, or options.max_rows).
std::string FormatTable(const RecordBatch& batch, const OutputOptions& options = {});

// The rows of `batch` as a JSON array of objects: [{"id":1,"v":[0.5,1.0]},…].
std::string BatchToJsonRows(const RecordBatch& batch);
// The rows of all `batches` as one JSON array of objects.
std::string BatchesToJsonRows(const std::vector<BatchPtr>& batches);
// Appends row `row` of `batch` as a JSON object to `out`.
void AppendRowAsJson(const RecordBatch& batch, int64_t row, std::string* out);
// Appends value `row` of `array` as JSON to `out` (null for nulls).
void AppendValueAsJson(const Array& array, int64_t row, std::string* out);

}  // namespace quiver::convert

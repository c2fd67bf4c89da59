// Reading external files as a stream of record batches: JSON lines, JSON,
// CSV/TSV, NumPy .npy, the TEXMEX .fvecs/.bvecs/.ivecs vector formats and
// Arrow IPC.
//
//   FileReadOptions options;                  // format from the extension
//   QUIVER_ASSIGN_OR_RETURN(auto reader, OpenFileReader("items.jsonl", options));
//   while (true) {
//     QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader->Next());
//     if (!batch) break;
//     ... reader->bytes_read() / reader->total_bytes() for a progress bar
//   }
//
// Files are read in batches of `batch_size` rows, so the whole file never sits
// in memory. Without an explicit schema the column types are inferred:
//   JSON  integers -> int64, other numbers -> float64 (int64 and float64 in
//         one column -> float64), strings -> string (timestamps stay
//         strings), booleans -> bool, only nulls -> string, an array of
//         numbers -> fixed_size_list<float>[d] (a vector; every row must have
//         d values), other arrays -> list<element>, objects -> struct.
//         Missing keys are null. Types come from the first `infer_rows` rows;
//         a later row that does not fit them is an error naming its line.
//   CSV   header row required; RFC 4180 quoting. Per column: int64, float64,
//         bool (true/false), a JSON array of numbers ("[0.1, 0.2]", as
//         WriteCsv emits vectors) -> vector, else string. An empty field is
//         null; a quoted empty field ("") is the empty string in a string
//         column.
//   .npy  little-endian, C order. 2-D n x d -> columns `id` (int64, 0-based
//         row) and `vector` (fixed_size_list[d] of float for float32/float64
//         files, of halffloat for float16, of the integer type for int files);
//         1-D -> `id` and `value`.
//   .fvecs/.bvecs/.ivecs  -> `id` and `vector` of float / uint8 / int32.
//   Arrow IPC (.arrow, .arrows, .ipc, .feather; the file or the stream
//         framing, told apart by content) -> the file's own schema and
//         batches, as their writer sized them (batch_size is not applied).
//         Regular files are memory-mapped and the batches point into the
//         mapping; standard input is read whole first.
// With `options.schema` nothing is inferred: values are converted to the
// schema's types (an integer into a float column, a JSON array into a vector
// of the schema's dimension), and a value that does not convert is an error.
// Arrow columns are matched by name and cast where CastArray can (numbers,
// vectors of numbers); other type differences are an error naming the column.
//
// Errors are InvalidArgument naming where in the file and what was wrong
// ("line 17: column \"age\": expected int64, got string \"x\""), NotSupported
// for valid files this reader cannot handle (Fortran-order .npy), IOError for
// failed reads. Lines are 1-based; vector file records are 0-based, as ids.
//
// These are pure conversions: no table, store or index knowledge.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "quiver/array.h"
#include "quiver/batch_reader.h"

namespace quiver::convert {

enum class FileFormat {
  kAuto,       // from the file name's extension
  kJsonLines,  // .jsonl, .ndjson: one JSON object per line
  kJson,       // .json: one top-level array of objects (or objects one after another)
  kCsv,        // .csv
  kTsv,        // .tsv: CSV with tabs between fields
  kNpy,        // .npy
  kFvecs,      // .fvecs: per record int32 d, then d float32
  kBvecs,      // .bvecs: per record int32 d, then d uint8
  kIvecs,      // .ivecs: per record int32 d, then d int32
  kArrow,      // .arrow, .arrows, .ipc, .feather: Arrow IPC, file or stream framing
};

// "jsonl", "json", "csv", "tsv", "npy", "fvecs", "bvecs", "ivecs", "arrow"
// ("auto" for kAuto).
std::string_view FileFormatName(FileFormat format);
// Inverse of FileFormatName; also accepts "ndjson" and the other Arrow
// extensions ("arrows", "ipc", "feather"). InvalidArgument listing the known
// names otherwise.
Result<FileFormat> ParseFileFormat(std::string_view name);
// The format of `path` from its extension (case-insensitive), or
// InvalidArgument naming the extension and the supported ones.
Result<FileFormat> DetectFileFormat(const std::string& path);

struct FileReadOptions {
  FileFormat format = FileFormat::kAuto;
  // Rows per batch returned by Next() (the last one may be shorter).
  int64_t batch_size = 8192;
  // JSON and CSV: rows read ahead to infer column types before the first batch.
  int64_t infer_rows = 1000;
  // When set, the file is parsed into exactly this schema instead of an
  // inferred one: columns are matched by name, in any order; schema columns
  // absent from the file are null (an error if not nullable), file columns
  // absent from the schema are an error. For .npy and vector files the
  // `vector` column (or the schema's only vector column) receives the vectors
  // and `id`, when present, the row numbers.
  SchemaPtr schema;
  // CSV field separator; 0 means ',' for kCsv and '\t' for kTsv.
  char csv_delimiter = 0;
};

// A BatchReader over a file that also reports how far it has got.
class FileReader : public BatchReader {
 public:
  // Bytes of the file parsed so far (read-ahead for inference included).
  virtual int64_t bytes_read() const = 0;
  // Size of the file, or -1 when unknown (standard input).
  virtual int64_t total_bytes() const = 0;
  // bytes_read() / total_bytes() in [0, 1]; 0 when the size is unknown.
  double progress() const;
};

// Opens `path` ("-" reads standard input; then options.format must be set)
// and reads enough of it to know the schema (inference, .npy header, first
// vector record). Returns the reader or the error of the first rows. The
// reader owns the open file.
Result<std::unique_ptr<FileReader>> OpenFileReader(const std::string& path,
                                                   const FileReadOptions& options = {});

// Reads the whole file into one batch (small files and tests).
Result<BatchPtr> ReadFileToBatch(const std::string& path, const FileReadOptions& options = {});

}  // namespace quiver::convert

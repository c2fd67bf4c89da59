// Arrow IPC: reading and writing record batches in the Apache Arrow
// interprocess format, both of its framings, so that Quiver exchanges data
// with pyarrow, Arrow JS, Polars, DuckDB and the rest without a conversion.
//
// A message is the continuation marker 0xFFFFFFFF, an int32 metadata length,
// a FlatBuffer `Message` padded to 8 bytes, then the body: the buffers of a
// record batch, each starting at a multiple of 8. The stream format is a
// Schema message, record batch messages and the end-of-stream marker
// (0xFFFFFFFF, 0). The file format (also Feather v2) is "ARROW1\0\0", the
// stream, a FlatBuffer `Footer` locating every batch, the int32 footer
// length and "ARROW1". Metadata version V5, little-endian.
//
// Types: each Quiver type is the Arrow type of the same name (float16 is
// HalfFloat, date32 Date(DAY), timestamps keep their unit and time zone),
// with field and schema metadata, nullability and list element names.
// Reading data with other Arrow types (dictionary-encoded fields, unions,
// maps, decimals, time of day, durations, intervals, fixed-size binary,
// date64, view and run-end encoded layouts) fails with InvalidArgument
// naming the type and the field.
//
// Compression follows the format's BodyCompression: every non-empty body
// buffer is stored as its int64 uncompressed length and the LZ4 frame or
// Zstandard data (a length of -1 means the bytes that follow are not
// compressed; readers accept both).
//
// Reading checks every offset and length against the input and validates
// every batch (RecordBatch::Validate), so malformed, truncated or hostile
// input gives InvalidArgument naming the problem and the byte where it was
// found ("Arrow IPC: truncated message body at byte 1234"), never a crash.
// Nothing is allocated from a size read in the input before that size has
// been checked against the input's length (or, for decompressed buffers,
// against IpcReadOptions::max_decompressed_bytes).
//
// Thread-safety: the functions are pure; an IpcStreamWriter or IpcReader is
// used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/array.h"
#include "quiver/batch_reader.h"

namespace quiver::convert {

enum class IpcCompression { kNone, kLz4Frame, kZstd };

struct IpcWriteOptions {
  // Compression of record batch bodies (the schema is never compressed).
  IpcCompression compression = IpcCompression::kNone;
};

// The stream format: schema, `batches`, end-of-stream marker. Every batch
// must have `schema`'s column types (InvalidArgument naming the column
// otherwise). Arrays that are slices are written as their visible rows only.
Result<std::string> WriteIpcStream(const SchemaPtr& schema, const std::vector<BatchPtr>& batches,
                                   const IpcWriteOptions& options = {});
// The file format, readable with random access by other implementations.
Result<std::string> WriteIpcFile(const SchemaPtr& schema, const std::vector<BatchPtr>& batches,
                                 const IpcWriteOptions& options = {});

// Writes batches one at a time to an std::ostream, in the stream or the file
// format, so that a scan is exported without collecting it first. The
// stream does not need to be seekable.
class IpcStreamWriter {
 public:
  enum class Framing { kStream, kFile };

  // Writes the start (file magic, schema message) to `out`, which must
  // outlive the writer. IOError when `out` fails.
  static Result<std::unique_ptr<IpcStreamWriter>> Open(std::ostream& out, SchemaPtr schema,
                                                       Framing framing = Framing::kStream,
                                                       const IpcWriteOptions& options = {});
  ~IpcStreamWriter();
  IpcStreamWriter(const IpcStreamWriter&) = delete;
  IpcStreamWriter& operator=(const IpcStreamWriter&) = delete;

  // InvalidArgument when the batch's column types differ from the schema's,
  // IOError when the stream fails.
  Status WriteBatch(const RecordBatch& batch);
  // Writes the end-of-stream marker (and for files the footer). Call once;
  // without it the output is a stream lacking its end marker, which readers
  // accept, or an unreadable file.
  Status Close();

 private:
  class Impl;
  explicit IpcStreamWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct IpcData {
  SchemaPtr schema;
  std::vector<BatchPtr> batches;
};

struct IpcReadOptions {
  // The most bytes the compressed buffers of one record batch may expand
  // to, together; larger stated sizes are rejected before anything is
  // allocated.
  int64_t max_decompressed_bytes = int64_t{4} << 30;
};

// Reads either framing: an IPC file (starting with "ARROW1") or a stream,
// with or without the end-of-stream marker, possibly holding no batches.
// The input is copied once; the batches share that copy.
Result<IpcData> ReadIpc(std::string_view bytes);
Result<IpcData> ReadIpc(std::string_view bytes, const IpcReadOptions& options);

// Decodes the batches of an IPC file or stream held in a Buffer one at a
// time, so a large input is decoded as it is consumed. The batches' buffers
// are views into `bytes` (no copy) unless compressed or misaligned.
class IpcReader final : public BatchReader {
 public:
  // Reads the schema (and for files the footer). InvalidArgument when the
  // input is not Arrow IPC or the schema is malformed or unsupported.
  static Result<std::unique_ptr<IpcReader>> Open(BufferPtr bytes, const IpcReadOptions& options = {});
  ~IpcReader() override;

  const SchemaPtr& schema() const override;
  // The next batch, validated; nullptr after the last one.
  Result<BatchPtr> Next() override;
  // Bytes of the input decoded so far, for progress reports.
  int64_t position() const;

 private:
  class Impl;
  explicit IpcReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace quiver::convert

// Zero-copy exchange with other Arrow implementations through the Arrow C
// Data Interface (https://arrow.apache.org/docs/format/CDataInterface.html).
//
// Export hands out ArrowSchema/ArrowArray structs whose buffers point at
// Quiver's own memory; the consumer's call to `release` drops Quiver's
// references. Import wraps the producer's buffers without copying; the
// producer's `release` runs when the last Quiver array using them goes away.
// Imported data is validated (buffer sizes, offsets) before it is used.
//
// Import errors: InvalidArgument for malformed input (unknown format string,
// wrong buffer or child counts, null buffers that must hold data, lengths,
// offsets or null counts that do not add up); NotSupported for valid Arrow
// types Quiver does not model (decimal, dictionary, map, union, date64,
// time, duration, view types). The C interface carries no buffer sizes, so
// sizes are derived from the type, length, offset and offsets; a producer
// that lies about those cannot be detected. Zero-sized buffers may be null.
// The producer's release callback runs exactly once: when the last Quiver
// array (or slice, or child) using the imported memory goes away, or before
// the import returns if it fails.
//
// Thread-safety: the functions are thread-safe; the structs are not.
#pragma once

#include <cstdint>
#include <memory>

#include "quiver/array.h"
#include "quiver/batch_reader.h"

extern "C" {
// The ABI-stable structs, exactly as specified by Apache Arrow.
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
#endif  // ARROW_C_DATA_INTERFACE

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
#endif  // ARROW_C_STREAM_INTERFACE
}

namespace quiver {

// Export: fill `out` (caller-allocated, uninitialised) with a struct the
// caller must release.
Status ExportType(const DataType& type, ArrowSchema* out);
Status ExportField(const Field& field, ArrowSchema* out);
// The schema as a struct-typed ArrowSchema, as Arrow does for batches.
Status ExportSchema(const Schema& schema, ArrowSchema* out);
Status ExportArray(const ArrayPtr& array, ArrowArray* out);
// The batch as a struct array with one child per column.
Status ExportRecordBatch(const BatchPtr& batch, ArrowArray* out);
// Takes ownership of `reader`. get_next exports each batch like
// ExportRecordBatch; a reader error is returned as an errno code (EINVAL,
// ENOSYS, ENOMEM or EIO) with the Status text from get_last_error.
Status ExportBatchReader(std::unique_ptr<BatchReader> reader, ArrowArrayStream* out);

// Import: takes ownership of the struct contents (the struct is marked
// released on return, on success and on failure alike; a struct that is
// already released is InvalidArgument).
Result<Field> ImportField(ArrowSchema* schema);
Result<TypePtr> ImportType(ArrowSchema* schema);
Result<SchemaPtr> ImportSchema(ArrowSchema* schema);
// `type` comes from a matching ImportType.
Result<ArrayPtr> ImportArray(ArrowArray* array, const TypePtr& type);
// A struct array without nulls whose children match `schema`; a struct
// offset is applied to the columns (zero-copy slices).
Result<BatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema);
// The reader owns the stream and releases it when destroyed; batches it
// returned stay valid. Stream errors come back as IOError with the
// producer's get_last_error text.
Result<std::unique_ptr<BatchReader>> ImportBatchReader(ArrowArrayStream* stream);

}  // namespace quiver

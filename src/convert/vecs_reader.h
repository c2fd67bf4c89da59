// Readers for the TEXMEX vector formats (.fvecs, .bvecs, .ivecs), and the
// helpers that build their `id` and `vector` columns (shared with .npy).
//
// Every record is a little-endian int32 dimension d followed by d values
// (float32, uint8 or int32). All records must have the first record's d.
#pragma once

#include <cstdint>
#include <memory>

#include "convert/file_reader.h"
#include "convert/input_file.h"

namespace quiver::convert {

// The most values per vector the binary readers accept.
inline constexpr int64_t kMaxVectorDim = int64_t{1} << 24;
// A batch of a binary reader holds at most this many bytes of values, so
// very wide vectors get fewer rows per batch than options.batch_size.
inline constexpr int64_t kMaxBatchBytes = int64_t{64} << 20;

// `format` is kFvecs, kBvecs or kIvecs. Columns: `id` (int64, 0-based record
// number) and `vector` (fixed_size_list<float|uint8|int32>[d]). Ignores
// options.schema (OpenFileReader conforms the batches).
Result<std::unique_ptr<FileReader>> OpenVecsReader(std::unique_ptr<InputFile> file, FileFormat format,
                                                   const FileReadOptions& options);

// int64 values first, first + 1, ..., first + n - 1.
ArrayPtr MakeIdArray(int64_t first, int64_t n);
// n rows of fixed_size_list<element>[dim] over `values` (n * dim elements of
// `element`, row-major, no nulls).
ArrayPtr MakeVectorArray(const TypePtr& element, int32_t dim, int64_t n, BufferPtr values);

}  // namespace quiver::convert

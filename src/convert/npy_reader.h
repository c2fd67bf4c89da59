// The NumPy .npy reader behind OpenFileReader.
//
// Format: magic "\x93NUMPY", version (1.0, 2.0 or 3.0), a little-endian
// header length (uint16 for 1.0, uint32 after), then a Python dict literal
// such as {'descr': '<f4', 'fortran_order': False, 'shape': (10, 128), }
// and the array data. Supported: little-endian (or single-byte) float16/32/64
// and signed/unsigned 8..64-bit integers, 1-D or 2-D, C order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "convert/file_reader.h"
#include "convert/input_file.h"

namespace quiver::convert {

struct NpyHeader {
  std::string descr;  // e.g. "<f4"
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// Parses the dict literal of an .npy header. InvalidArgument when it is not
// one (the message quotes the offending text).
Result<NpyHeader> ParseNpyHeader(std::string_view text);

// Columns: `id` (int64, 0-based row) and, for an n x d array, `vector`
// (fixed_size_list[d] of float32 for float32/float64 data, of float16 for
// float16, of the integer type for integer data); for a 1-D array, `value`
// of the file's type. Ignores options.schema (OpenFileReader conforms the
// batches). NotSupported for Fortran order, big-endian data, other dtypes
// and other ranks.
Result<std::unique_ptr<FileReader>> OpenNpyReader(std::unique_ptr<InputFile> file,
                                                  const FileReadOptions& options);

}  // namespace quiver::convert

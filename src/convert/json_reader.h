// The JSON-lines and JSON readers behind OpenFileReader (see file_reader.h for
// the type rules).
//
// JSON lines are parsed one line at a time. A .json file is streamed too: a
// small scanner finds each element of the top-level array (or each object of
// a file of concatenated objects) and only that element is parsed, so errors
// name the line where the element starts.
#pragma once

#include <memory>

#include "convert/file_reader.h"
#include "convert/input_file.h"

namespace quiver::convert {

// `format` is kJsonLines or kJson. Reads the first options.infer_rows rows
// when no schema is given.
Result<std::unique_ptr<FileReader>> OpenJsonReader(std::unique_ptr<InputFile> file, FileFormat format,
                                                   const FileReadOptions& options);

}  // namespace quiver::convert

// Helpers for this folder's tests: writing input files and looking at
// batches compactly.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "convert/file_reader.h"
#include "quiver/array.h"

namespace quiver::convert::testing {

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// "a: int64, b: string".
inline std::string SchemaString(const Schema& schema) {
  std::string out;
  for (const Field& f : schema.fields()) {
    if (!out.empty()) out += ", ";
    out += f.name + ": " + f.type->ToString();
  }
  return out;
}

// Every value of column `name` as Array::FormatValue shows it.
inline std::vector<std::string> Values(const RecordBatch& batch, const std::string& name) {
  std::vector<std::string> out;
  ArrayPtr column = batch.GetColumn(name);
  EXPECT_NE(column, nullptr) << name;
  if (!column) return out;
  for (int64_t i = 0; i < column->length(); ++i) out.push_back(column->FormatValue(i));
  return out;
}

// Reads `path` to one batch, failing the test on error.
inline BatchPtr ReadOk(const std::string& path, const FileReadOptions& options = {}) {
  Result<BatchPtr> batch = ReadFileToBatch(path, options);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  return batch.ok() ? *batch : nullptr;
}

// The error of reading all of `path` (OK when it reads cleanly).
inline Status ReadError(const std::string& path, const FileReadOptions& options = {}) {
  return ReadFileToBatch(path, options).status();
}

}  // namespace quiver::convert::testing

#include "convert/file_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "convert/arrow_ipc.h"
#include "convert/cast.h"
#include "convert/csv_reader.h"
#include "convert/input_file.h"
#include "convert/json_reader.h"
#include "convert/npy_reader.h"
#include "convert/vecs_reader.h"

namespace quiver::convert {

namespace {

struct FormatName {
  std::string_view name;
  FileFormat format;
};

// Names and extensions, in the order error messages list them.
constexpr std::array<FormatName, 13> kFormatNames = {{
    {"jsonl", FileFormat::kJsonLines},
    {"ndjson", FileFormat::kJsonLines},
    {"json", FileFormat::kJson},
    {"csv", FileFormat::kCsv},
    {"tsv", FileFormat::kTsv},
    {"npy", FileFormat::kNpy},
    {"fvecs", FileFormat::kFvecs},
    {"bvecs", FileFormat::kBvecs},
    {"ivecs", FileFormat::kIvecs},
    {"arrow", FileFormat::kArrow},
    {"arrows", FileFormat::kArrow},
    {"ipc", FileFormat::kArrow},
    {"feather", FileFormat::kArrow},
}};

std::string KnownNames() {
  std::string out;
  for (const FormatName& f : kFormatNames) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string Extension(const std::string& path) {
  size_t slash = path.find_last_of('/');
  size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return Lower(std::string_view(path).substr(dot + 1));
}

std::vector<ArrayPtr> EmptyColumns(const Schema& schema) {
  std::vector<ArrayPtr> columns;
  for (const Field& f : schema.fields()) columns.push_back(MakeNullArray(f.type, 0));
  return columns;
}

// Presents the batches of a binary reader in an explicit schema.
class ConformingReader final : public FileReader {
 public:
  ConformingReader(std::unique_ptr<FileReader> inner, SchemaConformer conformer)
      : inner_(std::move(inner)), conformer_(std::move(conformer)) {}

  const SchemaPtr& schema() const override { return conformer_.schema(); }
  int64_t bytes_read() const override { return inner_->bytes_read(); }
  int64_t total_bytes() const override { return inner_->total_bytes(); }

  Result<BatchPtr> Next() override {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, inner_->Next());
    if (!batch) return batch;
    Result<BatchPtr> out = conformer_.Conform(batch);
    if (!out.ok()) return out.status().WithContext("rows from " + std::to_string(rows_));
    rows_ += batch->num_rows();
    return out;
  }

 private:
  std::unique_ptr<FileReader> inner_;
  SchemaConformer conformer_;
  int64_t rows_ = 0;
};

// All of `file`'s remaining bytes (a pipe or standard input).
Result<BufferPtr> ReadToEnd(InputFile& file) {
  std::string bytes;
  size_t chunk = 1 << 20;
  while (true) {
    const size_t old_size = bytes.size();
    bytes.resize(old_size + chunk);
    QUIVER_ASSIGN_OR_RETURN(size_t n, file.Read(bytes.data() + old_size, chunk));
    bytes.resize(old_size + n);
    if (n < chunk) break;
    chunk = std::min<size_t>(chunk * 2, size_t{64} << 20);
  }
  return Buffer::FromString(std::move(bytes));
}

// The whole of `path`, memory-mapped when it is a regular file: the batches
// of an Arrow file then point into the mapping, nothing is copied and the
// operating system pages the data in as it is used.
Result<BufferPtr> MapOrReadFile(const std::string& path) {
  if (path != "-") {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
    struct stat st;
    void* mapped = MAP_FAILED;
    size_t size = 0;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      size = static_cast<size_t>(st.st_size);
      if (size == 0) {
        ::close(fd);
        return Buffer::Allocate(0);
      }
      mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    ::close(fd);
    if (mapped != MAP_FAILED) return Buffer::Wrap(mapped, size, [mapped, size] { ::munmap(mapped, size); });
  }
  // Standard input, pipes, and files that cannot be mapped.
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  return ReadToEnd(*file);
}

// Arrow IPC batches as a FileReader: progress is how far into the input
// the decoded batches reach.
class ArrowFileReader final : public FileReader {
 public:
  ArrowFileReader(std::unique_ptr<IpcReader> ipc, int64_t total) : ipc_(std::move(ipc)), total_(total) {}

  const SchemaPtr& schema() const override { return ipc_->schema(); }
  Result<BatchPtr> Next() override { return ipc_->Next(); }
  int64_t bytes_read() const override { return ipc_->position(); }
  int64_t total_bytes() const override { return total_; }

 private:
  std::unique_ptr<IpcReader> ipc_;
  int64_t total_;
};

Result<std::unique_ptr<FileReader>> OpenArrowReader(const std::string& path, const FileReadOptions& options) {
  QUIVER_ASSIGN_OR_RETURN(BufferPtr bytes, MapOrReadFile(path));
  const int64_t total = static_cast<int64_t>(bytes->size());
  Result<std::unique_ptr<IpcReader>> ipc = IpcReader::Open(std::move(bytes));
  if (!ipc.ok()) return ipc.status().WithContext(path);
  std::unique_ptr<FileReader> reader = std::make_unique<ArrowFileReader>(std::move(ipc).value(), total);
  if (!options.schema) return reader;
  // Columns by name; no generated ids, no renamed vector column.
  QUIVER_ASSIGN_OR_RETURN(SchemaConformer conformer,
                          SchemaConformer::Make(reader->schema(), options.schema, {}, /*vector_column=*/""));
  return std::unique_ptr<FileReader>(
      std::make_unique<ConformingReader>(std::move(reader), std::move(conformer)));
}

}  // namespace

std::string_view FileFormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kAuto:
      return "auto";
    case FileFormat::kJsonLines:
      return "jsonl";
    case FileFormat::kJson:
      return "json";
    case FileFormat::kCsv:
      return "csv";
    case FileFormat::kTsv:
      return "tsv";
    case FileFormat::kNpy:
      return "npy";
    case FileFormat::kFvecs:
      return "fvecs";
    case FileFormat::kBvecs:
      return "bvecs";
    case FileFormat::kIvecs:
      return "ivecs";
    case FileFormat::kArrow:
      return "arrow";
  }
  return "unknown";
}

Result<FileFormat> ParseFileFormat(std::string_view name) {
  const std::string lower = Lower(name);
  if (lower == "auto") return FileFormat::kAuto;
  for (const FormatName& f : kFormatNames) {
    if (f.name == lower) return f.format;
  }
  return Status::InvalidArgument("unknown file format \"" + std::string(name) + "\" (known: " + KnownNames() +
                                 ")");
}

Result<FileFormat> DetectFileFormat(const std::string& path) {
  const std::string ext = Extension(path);
  for (const FormatName& f : kFormatNames) {
    if (f.name == ext) return f.format;
  }
  if (ext.empty()) {
    return Status::InvalidArgument("cannot tell the format of " + path + " without an extension (known: " +
                                   KnownNames() + "); name the format explicitly");
  }
  return Status::InvalidArgument("unknown file extension \"." + ext + "\" of " + path +
                                 " (known: " + KnownNames() + ")");
}

double FileReader::progress() const {
  const int64_t total = total_bytes();
  if (total <= 0) return 0.0;
  return std::clamp(static_cast<double>(bytes_read()) / static_cast<double>(total), 0.0, 1.0);
}

Result<std::unique_ptr<FileReader>> OpenFileReader(const std::string& path, const FileReadOptions& options) {
  FileFormat format = options.format;
  if (format == FileFormat::kAuto) {
    if (path == "-") return Status::InvalidArgument("reading standard input needs an explicit format");
    QUIVER_ASSIGN_OR_RETURN(format, DetectFileFormat(path));
  }
  if (format == FileFormat::kArrow) return OpenArrowReader(path, options);
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  std::unique_ptr<FileReader> reader;
  switch (format) {
    case FileFormat::kJsonLines:
    case FileFormat::kJson: {
      QUIVER_ASSIGN_OR_RETURN(reader, OpenJsonReader(std::move(file), format, options));
      return reader;
    }
    case FileFormat::kCsv:
    case FileFormat::kTsv: {
      char delimiter = options.csv_delimiter;
      if (delimiter == 0) delimiter = format == FileFormat::kTsv ? '\t' : ',';
      QUIVER_ASSIGN_OR_RETURN(reader, OpenCsvReader(std::move(file), delimiter, options));
      return reader;
    }
    case FileFormat::kNpy: {
      QUIVER_ASSIGN_OR_RETURN(reader, OpenNpyReader(std::move(file), options));
      break;
    }
    case FileFormat::kFvecs:
    case FileFormat::kBvecs:
    case FileFormat::kIvecs: {
      QUIVER_ASSIGN_OR_RETURN(reader, OpenVecsReader(std::move(file), format, options));
      break;
    }
    case FileFormat::kArrow:  // handled above: it reads the whole file at once
    case FileFormat::kAuto:
      return Status::InvalidArgument("no file format given");
  }
  if (!options.schema) return reader;
  // Binary formats have a fixed natural schema; fit it to the requested one.
  QUIVER_ASSIGN_OR_RETURN(SchemaConformer conformer,
                          SchemaConformer::Make(reader->schema(), options.schema, {"id"}, "vector"));
  return std::unique_ptr<FileReader>(
      std::make_unique<ConformingReader>(std::move(reader), std::move(conformer)));
}

Result<BatchPtr> ReadFileToBatch(const std::string& path, const FileReadOptions& options) {
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, OpenFileReader(path, options));
  QUIVER_ASSIGN_OR_RETURN(std::vector<BatchPtr> batches, reader->ReadAll());
  if (batches.empty())
    return std::make_shared<const RecordBatch>(reader->schema(), 0, EmptyColumns(*reader->schema()));
  if (batches.size() == 1) return batches[0];
  return ConcatenateBatches(batches);
}

}  // namespace quiver::convert

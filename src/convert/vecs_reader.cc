#include "convert/vecs_reader.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace quiver::convert {

ArrayPtr MakeIdArray(int64_t first, int64_t n) {
  BufferPtr values = Buffer::Allocate(static_cast<size_t>(n) * sizeof(int64_t));
  int64_t* ids = reinterpret_cast<int64_t*>(values->mutable_data());
  for (int64_t i = 0; i < n; ++i) ids[i] = first + i;
  return std::make_shared<const Array>(int64(), n, std::vector<BufferPtr>{nullptr, std::move(values)},
                                       std::vector<ArrayPtr>{}, 0);
}

ArrayPtr MakeVectorArray(const TypePtr& element, int32_t dim, int64_t n, BufferPtr values) {
  auto child = std::make_shared<const Array>(
      element, n * dim, std::vector<BufferPtr>{nullptr, std::move(values)}, std::vector<ArrayPtr>{}, 0);
  return std::make_shared<const Array>(vector_type(dim, element), n, std::vector<BufferPtr>{nullptr},
                                       std::vector<ArrayPtr>{std::move(child)}, 0);
}

namespace {

int32_t LoadInt32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));  // the formats are little-endian, as are the hosts we build for
  return v;
}

class VecsReader final : public FileReader {
 public:
  VecsReader(std::unique_ptr<InputFile> file, FileFormat format, const FileReadOptions& options)
      : file_(std::move(file)), format_(format), options_(options) {
    switch (format) {
      case FileFormat::kBvecs:
        element_ = uint8();
        element_size_ = 1;
        break;
      case FileFormat::kIvecs:
        element_ = int32();
        element_size_ = 4;
        break;
      default:
        element_ = float32();
        element_size_ = 4;
        break;
    }
  }

  Status Init() {
    uint8_t header[4];
    QUIVER_ASSIGN_OR_RETURN(size_t got, file_->Read(header, sizeof(header)));
    if (got == 0) return Status::InvalidArgument(file_->path() + " is empty");
    if (got < sizeof(header)) return Truncated(0, got);
    const int32_t d = LoadInt32(header);
    if (d <= 0 || d > kMaxVectorDim) {
      return Status::InvalidArgument("record 0 of " + file_->path() + " has dimension " + std::to_string(d) +
                                     " (expected 1 to " + std::to_string(kMaxVectorDim) +
                                     "); is it really a ." + std::string(FileFormatName(format_)) + " file?");
    }
    dim_ = d;
    record_bytes_ = 4 + static_cast<int64_t>(dim_) * element_size_;
    header_pending_ = true;
    schema_ = std::make_shared<Schema>(
        std::vector<Field>{Field("id", int64()), Field("vector", vector_type(dim_, element_))});
    return Status::OK();
  }

  const SchemaPtr& schema() const override { return schema_; }
  int64_t bytes_read() const override { return file_->position(); }
  int64_t total_bytes() const override { return file_->size(); }

  Result<BatchPtr> Next() override {
    if (!error_.ok()) return error_;
    if (done_) return BatchPtr();
    const int64_t rows =
        std::clamp<int64_t>(kMaxBatchBytes / record_bytes_, 1, std::max<int64_t>(1, options_.batch_size));
    const size_t want = static_cast<size_t>(rows * record_bytes_);
    scratch_.resize(want);
    size_t have = 0;
    if (header_pending_) {
      std::memcpy(scratch_.data(), &dim_, sizeof(dim_));
      have = sizeof(dim_);
      header_pending_ = false;
    }
    Result<size_t> got = file_->Read(scratch_.data() + have, want - have);
    if (!got.ok()) return Fail(got.status());
    have += *got;
    if (have < want) done_ = true;
    const int64_t full = static_cast<int64_t>(have) / record_bytes_;
    const int64_t rest = static_cast<int64_t>(have) % record_bytes_;
    const int64_t first = next_record_;
    const size_t row_bytes = static_cast<size_t>(dim_) * element_size_;
    BufferPtr values = Buffer::Allocate(static_cast<size_t>(full) * row_bytes);
    uint8_t* out = values->mutable_data();
    for (int64_t r = 0; r < full; ++r) {
      const uint8_t* rec = scratch_.data() + r * record_bytes_;
      Status st = CheckDim(first + r, LoadInt32(rec));
      if (!st.ok()) return Fail(st);
      std::memcpy(out + r * row_bytes, rec + 4, row_bytes);
    }
    if (rest > 0) {
      const uint8_t* rec = scratch_.data() + full * record_bytes_;
      if (rest >= 4) {
        Status st = CheckDim(first + full, LoadInt32(rec));
        if (!st.ok()) return Fail(st);
      }
      return Fail(Truncated(first + full, rest));
    }
    next_record_ += full;
    if (full == 0) return BatchPtr();
    return std::make_shared<const RecordBatch>(
        schema_, full,
        std::vector<ArrayPtr>{MakeIdArray(first, full), MakeVectorArray(element_, dim_, full, values)});
  }

 private:
  Status Fail(Status st) {
    error_ = st;
    return st;
  }

  Status CheckDim(int64_t record, int32_t d) const {
    if (d == dim_) return Status::OK();
    return Status::InvalidArgument("record " + std::to_string(record) + " of " + file_->path() +
                                   " has dimension " + std::to_string(d) + ", expected " +
                                   std::to_string(dim_) + " (the dimension of record 0)");
  }

  Status Truncated(int64_t record, int64_t have) const {
    return Status::InvalidArgument("record " + std::to_string(record) + " of " + file_->path() +
                                   " is truncated: it needs " +
                                   std::to_string(record_bytes_ ? record_bytes_ : 4) +
                                   " bytes, the file ends after " + std::to_string(have));
  }

  std::unique_ptr<InputFile> file_;
  FileFormat format_;
  FileReadOptions options_;
  TypePtr element_;
  int element_size_ = 4;
  int32_t dim_ = 0;
  int64_t record_bytes_ = 0;
  bool header_pending_ = false;  // Init read record 0's dimension already
  SchemaPtr schema_;
  std::vector<uint8_t> scratch_;
  int64_t next_record_ = 0;
  Status error_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<FileReader>> OpenVecsReader(std::unique_ptr<InputFile> file, FileFormat format,
                                                   const FileReadOptions& options) {
  auto reader = std::make_unique<VecsReader>(std::move(file), format, options);
  QUIVER_RETURN_NOT_OK(reader->Init());
  return std::unique_ptr<FileReader>(std::move(reader));
}

}  // namespace quiver::convert

#include "convert/npy_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "convert/text_util.h"
#include "convert/vecs_reader.h"

namespace quiver::convert {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr uint32_t kMaxHeaderBytes = 1 << 20;

// A cursor over the dict literal.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  Result<NpyHeader> Parse() {
    NpyHeader header;
    bool have_descr = false;
    bool have_shape = false;
    SkipSpace();
    if (!Eat('{')) return Error("expected '{'");
    while (true) {
      SkipSpace();
      if (Eat('}')) break;
      QUIVER_ASSIGN_OR_RETURN(std::string key, ParseString());
      SkipSpace();
      if (!Eat(':')) return Error("expected ':' after '" + key + "'");
      SkipSpace();
      if (key == "descr") {
        if (Peek() != '\'' && Peek() != '"') {
          return Status::NotSupported(".npy structured dtypes are not supported (descr " +
                                      std::string(Utf8Prefix(text_.substr(pos_), 40)) + ")");
        }
        QUIVER_ASSIGN_OR_RETURN(header.descr, ParseString());
        have_descr = true;
      } else if (key == "fortran_order") {
        if (text_.substr(pos_).starts_with("True")) {
          header.fortran_order = true;
          pos_ += 4;
        } else if (text_.substr(pos_).starts_with("False")) {
          pos_ += 5;
        } else {
          return Error("expected True or False for 'fortran_order'");
        }
      } else if (key == "shape") {
        QUIVER_ASSIGN_OR_RETURN(header.shape, ParseShape());
        have_shape = true;
      } else {
        return Error("unexpected key '" + key + "'");
      }
      SkipSpace();
      if (Eat(',')) continue;
      SkipSpace();
      if (Eat('}')) break;
      return Error("expected ',' or '}'");
    }
    if (!have_descr || !have_shape) return Error("'descr' or 'shape' is missing");
    return header;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t')) ++pos_;
  }
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("bad .npy header: " + what + " at offset " + std::to_string(pos_) +
                                   " of \"" + std::string(Utf8Prefix(TrimSpace(text_), 120)) + "\"");
  }

  Result<std::string> ParseString() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return Error("expected a quoted string");
    size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) return Error("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }

  Result<std::vector<int64_t>> ParseShape() {
    std::vector<int64_t> shape;
    if (!Eat('(')) return Error("expected '(' for 'shape'");
    while (true) {
      SkipSpace();
      if (Eat(')')) break;
      size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      int64_t v;
      if (!ParseInt64(text_.substr(start, pos_ - start), &v)) return Error("expected a dimension");
      shape.push_back(v);
      Eat('L');  // Python 2 longs
      SkipSpace();
      if (Eat(',')) continue;
      if (Eat(')')) break;
      return Error("expected ',' or ')' in 'shape'");
    }
    return shape;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// What one element of the file is and what it becomes.
struct NpyDtype {
  TypePtr file_type;    // the element as stored
  TypePtr column_type;  // the element in the batches (float64 vectors become float32)
  int size = 0;
};

Result<NpyDtype> ParseDtype(const std::string& descr, bool one_dimensional) {
  if (descr.size() < 3) return Status::NotSupported(".npy dtype '" + descr + "' is not supported");
  const char order = descr[0];
  const char kind = descr[1];
  int64_t parsed = 0;
  if (!ParseInt64(std::string_view(descr).substr(2), &parsed)) {
    return Status::NotSupported(".npy dtype '" + descr + "' is not supported");
  }
  const int size = static_cast<int>(parsed);
  if (order == '>' && size > 1) {
    return Status::NotSupported(".npy dtype '" + descr +
                                "' is big-endian; only little-endian data is supported");
  }
  if (order != '<' && order != '|' && order != '=' && order != '>') {
    return Status::NotSupported(".npy dtype '" + descr + "' is not supported");
  }
  NpyDtype d;
  d.size = size;
  if (kind == 'f') {
    if (size == 2) d.file_type = float16();
    if (size == 4) d.file_type = float32();
    if (size == 8) d.file_type = float64();
  } else if (kind == 'i') {
    if (size == 1) d.file_type = int8();
    if (size == 2) d.file_type = int16();
    if (size == 4) d.file_type = int32();
    if (size == 8) d.file_type = int64();
  } else if (kind == 'u') {
    if (size == 1) d.file_type = uint8();
    if (size == 2) d.file_type = uint16();
    if (size == 4) d.file_type = uint32();
    if (size == 8) d.file_type = uint64();
  }
  if (!d.file_type) {
    return Status::NotSupported(".npy dtype '" + descr +
                                "' is not supported (expected float16/32/64 or 8 to 64-bit integers)");
  }
  d.column_type = (!one_dimensional && kind == 'f' && size == 8) ? float32() : d.file_type;
  return d;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

class NpyReader final : public FileReader {
 public:
  NpyReader(std::unique_ptr<InputFile> file, const FileReadOptions& options)
      : file_(std::move(file)), options_(options) {}

  Status Init() {
    uint8_t prelude[10];
    QUIVER_ASSIGN_OR_RETURN(size_t got, file_->Read(prelude, 8));
    if (got < 8 || std::memcmp(prelude, kMagic.data(), kMagic.size()) != 0) {
      return Status::InvalidArgument(file_->path() + " is not an .npy file (no \\x93NUMPY magic)");
    }
    const uint8_t major = prelude[6];
    uint32_t header_len = 0;
    if (major == 1) {
      QUIVER_ASSIGN_OR_RETURN(got, file_->Read(prelude + 8, 2));
      if (got < 2) return Status::InvalidArgument(file_->path() + ": .npy header is truncated");
      header_len = prelude[8] | (uint32_t{prelude[9]} << 8);
    } else if (major == 2 || major == 3) {
      uint8_t len[4];
      QUIVER_ASSIGN_OR_RETURN(got, file_->Read(len, 4));
      if (got < 4) return Status::InvalidArgument(file_->path() + ": .npy header is truncated");
      header_len = len[0] | (uint32_t{len[1]} << 8) | (uint32_t{len[2]} << 16) | (uint32_t{len[3]} << 24);
    } else {
      return Status::NotSupported(file_->path() + ": .npy format version " + std::to_string(major) +
                                  " is not supported");
    }
    if (header_len > kMaxHeaderBytes) {
      return Status::InvalidArgument(file_->path() + ": .npy header length " + std::to_string(header_len) +
                                     " is implausible");
    }
    std::string text(header_len, '\0');
    QUIVER_ASSIGN_OR_RETURN(got, file_->Read(text.data(), header_len));
    if (got < header_len) return Status::InvalidArgument(file_->path() + ": .npy header is truncated");
    QUIVER_ASSIGN_OR_RETURN(NpyHeader header, ParseNpyHeader(text));
    if (header.fortran_order) {
      return Status::NotSupported(file_->path() +
                                  ": Fortran-order .npy arrays are not supported; save with "
                                  "np.ascontiguousarray(a)");
    }
    if (header.shape.size() != 1 && header.shape.size() != 2) {
      return Status::NotSupported(file_->path() + ": .npy array of shape " + ShapeString(header.shape) +
                                  " is not supported; expected (n,) or (n, d)");
    }
    one_dimensional_ = header.shape.size() == 1;
    QUIVER_ASSIGN_OR_RETURN(dtype_, ParseDtype(header.descr, one_dimensional_));
    rows_ = header.shape[0];
    dim_ = one_dimensional_ ? 1 : header.shape[1];
    if (dim_ <= 0 || dim_ > kMaxVectorDim) {
      return Status::InvalidArgument(file_->path() + ": .npy array of shape " + ShapeString(header.shape) +
                                     " has rows of " + std::to_string(dim_) + " values (expected 1 to " +
                                     std::to_string(kMaxVectorDim) + ")");
    }
    if (rows_ > std::numeric_limits<int64_t>::max() / (dim_ * dtype_.size)) {
      return Status::InvalidArgument(file_->path() + ": .npy shape " + ShapeString(header.shape) +
                                     " is too large");
    }
    if (file_->size() >= 0) {
      const int64_t need = rows_ * dim_ * dtype_.size;
      const int64_t have = file_->size() - file_->position();
      if (have < need) {
        return Status::InvalidArgument(file_->path() + " is truncated: shape " + ShapeString(header.shape) +
                                       " of " + header.descr + " needs " + std::to_string(need) +
                                       " bytes of data, it has " + std::to_string(have));
      }
    }
    TypePtr data_type =
        one_dimensional_ ? dtype_.column_type : vector_type(static_cast<int32_t>(dim_), dtype_.column_type);
    schema_ = std::make_shared<Schema>(
        std::vector<Field>{Field("id", int64()), Field(one_dimensional_ ? "value" : "vector", data_type)});
    return Status::OK();
  }

  const SchemaPtr& schema() const override { return schema_; }
  int64_t bytes_read() const override { return file_->position(); }
  int64_t total_bytes() const override { return file_->size(); }

  Result<BatchPtr> Next() override {
    if (!error_.ok()) return error_;
    const int64_t row_bytes = dim_ * dtype_.size;
    const int64_t rows = std::min(
        rows_ - next_row_,
        std::clamp<int64_t>(kMaxBatchBytes / row_bytes, 1, std::max<int64_t>(1, options_.batch_size)));
    if (rows <= 0) return BatchPtr();
    const size_t bytes = static_cast<size_t>(rows * row_bytes);
    const bool narrow = !dtype_.file_type->Equals(*dtype_.column_type);  // float64 -> float32
    BufferPtr values;
    uint8_t* dst;
    if (narrow) {
      scratch_.resize(bytes);
      dst = scratch_.data();
    } else {
      values = Buffer::Allocate(bytes);
      dst = values->mutable_data();
    }
    Result<size_t> got = file_->Read(dst, bytes);
    if (!got.ok()) return Fail(got.status());
    if (*got < bytes) {
      const int64_t row = next_row_ + static_cast<int64_t>(*got) / row_bytes;
      return Fail(Status::InvalidArgument(file_->path() + " is truncated: the data ends in row " +
                                          std::to_string(row) + " of " + std::to_string(rows_)));
    }
    if (narrow) {
      const int64_t count = rows * dim_;
      values = Buffer::Allocate(static_cast<size_t>(count) * sizeof(float));
      float* out = reinterpret_cast<float*>(values->mutable_data());
      for (int64_t i = 0; i < count; ++i) {
        double v;
        std::memcpy(&v, scratch_.data() + i * sizeof(double), sizeof(v));
        out[i] = static_cast<float>(v);
      }
    }
    const int64_t first = next_row_;
    next_row_ += rows;
    ArrayPtr data;
    if (one_dimensional_) {
      data = std::make_shared<const Array>(dtype_.column_type, rows,
                                           std::vector<BufferPtr>{nullptr, std::move(values)},
                                           std::vector<ArrayPtr>{}, 0);
    } else {
      data = MakeVectorArray(dtype_.column_type, static_cast<int32_t>(dim_), rows, std::move(values));
    }
    return std::make_shared<const RecordBatch>(schema_, rows,
                                               std::vector<ArrayPtr>{MakeIdArray(first, rows), data});
  }

 private:
  Status Fail(Status st) {
    error_ = st;
    return st;
  }

  std::unique_ptr<InputFile> file_;
  FileReadOptions options_;
  NpyDtype dtype_;
  bool one_dimensional_ = false;
  int64_t rows_ = 0;
  int64_t dim_ = 0;
  int64_t next_row_ = 0;
  SchemaPtr schema_;
  std::vector<uint8_t> scratch_;
  Status error_;
};

}  // namespace

Result<NpyHeader> ParseNpyHeader(std::string_view text) { return HeaderParser(text).Parse(); }

Result<std::unique_ptr<FileReader>> OpenNpyReader(std::unique_ptr<InputFile> file,
                                                  const FileReadOptions& options) {
  auto reader = std::make_unique<NpyReader>(std::move(file), options);
  QUIVER_RETURN_NOT_OK(reader->Init());
  return std::unique_ptr<FileReader>(std::move(reader));
}

}  // namespace quiver::convert

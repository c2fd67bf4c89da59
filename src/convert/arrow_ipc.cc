#include "convert/arrow_ipc.h"

#include <lz4frame.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "common/coding.h"
#include "convert/flatbuf.h"

namespace quiver::convert {

namespace {

using flatbuf::Builder;
using Ref = flatbuf::Builder::Ref;

// ---------------------------------------------------------------------------
// The format's constants: Arrow's Schema.fbs, Message.fbs and File.fbs.

constexpr uint32_t kContinuation = 0xFFFFFFFF;
constexpr std::string_view kFileMagic = "ARROW1";
// Messages, bodies and body buffers start at multiples of this (the
// format's minimum; enough for every Quiver value type).
constexpr int64_t kAlignment = 8;
constexpr int16_t kMetadataV4 = 3;
constexpr int16_t kMetadataV5 = 4;

// Codes of the `Type` union.
enum ArrowType : uint8_t {
  kArrowNull = 1,
  kArrowInt = 2,
  kArrowFloatingPoint = 3,
  kArrowBinary = 4,
  kArrowUtf8 = 5,
  kArrowBool = 6,
  kArrowDecimal = 7,
  kArrowDate = 8,
  kArrowTime = 9,
  kArrowTimestamp = 10,
  kArrowInterval = 11,
  kArrowList = 12,
  kArrowStruct = 13,
  kArrowUnion = 14,
  kArrowFixedSizeBinary = 15,
  kArrowFixedSizeList = 16,
  kArrowMap = 17,
  kArrowDuration = 18,
  kArrowLargeBinary = 19,
  kArrowLargeUtf8 = 20,
  kArrowLargeList = 21,
  kArrowRunEndEncoded = 22,
  kArrowBinaryView = 23,
  kArrowUtf8View = 24,
  kArrowListView = 25,
  kArrowLargeListView = 26,
};

// Codes of the `MessageHeader` union.
enum MessageType : uint8_t { kSchemaMessage = 1, kDictionaryBatchMessage = 2, kRecordBatchMessage = 3 };

// Field ids of the tables used (a union takes two ids: type code, table).
namespace field_id {
constexpr int kFieldName = 0, kFieldNullable = 1, kFieldTypeType = 2, kFieldType = 3, kFieldDictionary = 4,
              kFieldChildren = 5, kFieldMetadata = 6;
constexpr int kSchemaEndianness = 0, kSchemaFields = 1, kSchemaMetadata = 2;
constexpr int kKeyValueKey = 0, kKeyValueValue = 1;
constexpr int kMessageVersion = 0, kMessageHeaderType = 1, kMessageHeader = 2, kMessageBodyLength = 3;
constexpr int kBatchLength = 0, kBatchNodes = 1, kBatchBuffers = 2, kBatchCompression = 3;
constexpr int kCompressionCodec = 0, kCompressionMethod = 1;
constexpr int kFooterVersion = 0, kFooterSchema = 1, kFooterDictionaries = 2, kFooterBatches = 3;
constexpr int kIntBitWidth = 0, kIntSigned = 1;
constexpr int kFloatPrecision = 0;
constexpr int kDateUnit = 0;
constexpr int kTimestampUnit = 0, kTimestampZone = 1;
constexpr int kFixedSizeListSize = 0;
}  // namespace field_id

// Inline struct sizes: FieldNode {length, null_count}, Buffer {offset,
// length}, Block {offset, metaDataLength (+4 padding), bodyLength}.
constexpr size_t kFieldNodeSize = 16;
constexpr size_t kBufferSize = 16;
constexpr size_t kBlockSize = 24;

// BodyCompression codec values.
constexpr uint8_t kCodecLz4Frame = 0;
constexpr uint8_t kCodecZstd = 1;

// Nested types deeper than this are rejected (the schema parser recurses).
constexpr int kMaxNesting = 64;

Status Invalid(const std::string& what) { return Status::InvalidArgument("Arrow IPC: " + what); }

int64_t PaddedLength(int64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

int64_t ReadInt64(std::string_view bytes, size_t at) {
  return static_cast<int64_t>(DecodeFixed64(bytes.data() + at));
}

// ---------------------------------------------------------------------------
// Writing the schema

Ref EncodeMetadata(Builder& b, const Metadata& metadata) {
  std::vector<Ref> pairs;
  for (const auto& [key, value] : metadata) {
    const Ref k = b.CreateString(key);
    const Ref v = b.CreateString(value);
    b.StartTable();
    b.AddRef(field_id::kKeyValueKey, k);
    b.AddRef(field_id::kKeyValueValue, v);
    pairs.push_back(b.EndTable());
  }
  return b.CreateRefVector(pairs);
}

int16_t ArrowTimeUnit(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond:
      return 0;
    case TimeUnit::kMilli:
      return 1;
    case TimeUnit::kMicro:
      return 2;
    case TimeUnit::kNano:
      return 3;
  }
  return 2;
}

Ref IntType(Builder& b, int bit_width, bool is_signed) {
  b.StartTable();
  b.AddInt32(field_id::kIntBitWidth, bit_width);
  b.AddUint8(field_id::kIntSigned, is_signed ? 1 : 0);
  return b.EndTable();
}

Ref FloatType(Builder& b, int16_t precision) {
  b.StartTable();
  b.AddInt16(field_id::kFloatPrecision, precision);
  return b.EndTable();
}

Ref EmptyTable(Builder& b) {
  b.StartTable();
  return b.EndTable();
}

// The type table of `type`; sets *code to its `Type` union code.
Ref EncodeType(Builder& b, const DataType& type, uint8_t* code) {
  switch (type.id()) {
    case TypeId::kNull:
      *code = kArrowNull;
      return EmptyTable(b);
    case TypeId::kBool:
      *code = kArrowBool;
      return EmptyTable(b);
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      *code = kArrowInt;
      return IntType(b, type.bit_width(), true);
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
      *code = kArrowInt;
      return IntType(b, type.bit_width(), false);
    case TypeId::kFloat16:
      *code = kArrowFloatingPoint;
      return FloatType(b, 0);
    case TypeId::kFloat32:
      *code = kArrowFloatingPoint;
      return FloatType(b, 1);
    case TypeId::kFloat64:
      *code = kArrowFloatingPoint;
      return FloatType(b, 2);
    case TypeId::kUtf8:
      *code = kArrowUtf8;
      return EmptyTable(b);
    case TypeId::kLargeUtf8:
      *code = kArrowLargeUtf8;
      return EmptyTable(b);
    case TypeId::kBinary:
      *code = kArrowBinary;
      return EmptyTable(b);
    case TypeId::kLargeBinary:
      *code = kArrowLargeBinary;
      return EmptyTable(b);
    case TypeId::kFixedSizeList:
      *code = kArrowFixedSizeList;
      b.StartTable();
      b.AddInt32(field_id::kFixedSizeListSize, type.list_size());
      return b.EndTable();
    case TypeId::kList:
      *code = kArrowList;
      return EmptyTable(b);
    case TypeId::kLargeList:
      *code = kArrowLargeList;
      return EmptyTable(b);
    case TypeId::kStruct:
      *code = kArrowStruct;
      return EmptyTable(b);
    case TypeId::kTimestamp: {
      *code = kArrowTimestamp;
      const Ref zone = type.timezone().empty() ? 0 : b.CreateString(type.timezone());
      b.StartTable();
      b.AddInt16(field_id::kTimestampUnit, ArrowTimeUnit(type.unit()));
      if (zone) b.AddRef(field_id::kTimestampZone, zone);
      return b.EndTable();
    }
    case TypeId::kDate32:
      *code = kArrowDate;
      b.StartTable();
      b.AddInt16(field_id::kDateUnit, 0);  // DAY; the format's default is MILLISECOND
      return b.EndTable();
  }
  *code = kArrowNull;
  return EmptyTable(b);
}

Ref EncodeField(Builder& b, const Field& field) {
  // Children, strings and vectors first: a table cannot be open meanwhile.
  std::vector<Ref> children;
  for (const Field& child : field.type->children()) children.push_back(EncodeField(b, child));
  const Ref children_ref = b.CreateRefVector(children);
  const Ref name = b.CreateString(field.name);
  const Ref metadata = field.metadata.empty() ? 0 : EncodeMetadata(b, field.metadata);
  uint8_t code = 0;
  const Ref type = EncodeType(b, *field.type, &code);
  b.StartTable();
  b.AddRef(field_id::kFieldName, name);
  b.AddUint8(field_id::kFieldNullable, field.nullable ? 1 : 0);
  b.AddUint8(field_id::kFieldTypeType, code);
  b.AddRef(field_id::kFieldType, type);
  b.AddRef(field_id::kFieldChildren, children_ref);
  if (metadata) b.AddRef(field_id::kFieldMetadata, metadata);
  return b.EndTable();
}

Ref EncodeSchema(Builder& b, const Schema& schema) {
  std::vector<Ref> fields;
  for (const Field& f : schema.fields()) fields.push_back(EncodeField(b, f));
  const Ref fields_ref = b.CreateRefVector(fields);
  const Ref metadata = schema.metadata().empty() ? 0 : EncodeMetadata(b, schema.metadata());
  b.StartTable();
  b.AddInt16(field_id::kSchemaEndianness, 0);  // little-endian
  b.AddRef(field_id::kSchemaFields, fields_ref);
  if (metadata) b.AddRef(field_id::kSchemaMetadata, metadata);
  return b.EndTable();
}

// A Message flatbuffer around a header table built in `b`.
std::string EncodeMessage(Builder& b, MessageType type, Ref header, int64_t body_length) {
  b.StartTable();
  b.AddInt16(field_id::kMessageVersion, kMetadataV5);
  b.AddUint8(field_id::kMessageHeaderType, type);
  b.AddRef(field_id::kMessageHeader, header);
  b.AddInt64(field_id::kMessageBodyLength, body_length);
  return b.Finish(b.EndTable());
}

// The encapsulated form of a message's metadata: continuation marker,
// length, flatbuffer, padding to 8 bytes (the body follows).
std::string FrameMetadata(const std::string& flatbuffer) {
  const int64_t padded = PaddedLength(8 + static_cast<int64_t>(flatbuffer.size()));
  std::string out;
  out.reserve(padded);
  PutFixed32(&out, kContinuation);
  PutFixed32(&out, static_cast<uint32_t>(padded - 8));
  out += flatbuffer;
  out.resize(padded, '\0');
  return out;
}

// ---------------------------------------------------------------------------
// Writing record batch bodies

struct FieldNode {
  int64_t length;
  int64_t null_count;
};

// Collects the field nodes and body buffers of arrays in the format's
// order (depth first, a parent before its children), trimming slices to
// their visible rows.
class BodyCollector {
 public:
  void Add(const Array& array);

  std::vector<FieldNode> nodes;
  std::vector<BufferPtr> buffers;  // null for an empty buffer

 private:
  void AddSlice(const BufferPtr& buffer, int64_t offset, int64_t size);
  void AddBitmap(const BufferPtr& bits, int64_t bit_offset, int64_t length);
  // Adds offsets [offset, offset + length] rebased to start at 0; returns
  // the range of the data (or child) they cover.
  std::pair<int64_t, int64_t> AddOffsets(const Array& array);
};

void BodyCollector::AddSlice(const BufferPtr& buffer, int64_t offset, int64_t size) {
  buffers.push_back(buffer && size > 0 ? Buffer::Slice(buffer, offset, size) : nullptr);
}

void BodyCollector::AddBitmap(const BufferPtr& bits, int64_t bit_offset, int64_t length) {
  const int64_t bytes = (length + 7) / 8;
  if (!bits || bit_offset % 8 == 0) return AddSlice(bits, bit_offset / 8, bytes);
  // Shift the bits down so that row 0 is bit 0 of byte 0.
  BufferPtr out = Buffer::Allocate(bytes);
  const uint8_t* src = bits->data() + bit_offset / 8;
  const int shift = static_cast<int>(bit_offset % 8);
  const int64_t src_bytes = (bit_offset % 8 + length + 7) / 8;
  uint8_t* dst = out->mutable_data();
  for (int64_t i = 0; i < bytes; ++i) {
    const uint8_t high = i + 1 < src_bytes ? src[i + 1] : 0;
    dst[i] = static_cast<uint8_t>((src[i] >> shift) | (high << (8 - shift)));
  }
  if (length % 8 != 0) dst[bytes - 1] &= static_cast<uint8_t>((1u << (length % 8)) - 1);
  buffers.push_back(std::move(out));
}

std::pair<int64_t, int64_t> BodyCollector::AddOffsets(const Array& array) {
  const bool large = array.type()->is_large_offsets();
  const int64_t width = large ? 8 : 4;
  const int64_t n = array.length() + 1;
  const BufferPtr& offsets = array.buffer(1);
  auto at = [&](int64_t i) -> int64_t {
    const uint8_t* p = offsets->data() + (array.offset() + i) * width;
    return large ? static_cast<int64_t>(DecodeFixed64(p)) : static_cast<int32_t>(DecodeFixed32(p));
  };
  if (!offsets) {  // only empty arrays may lack offsets; the format wants one
    buffers.push_back(Buffer::Allocate(width));
    return {0, 0};
  }
  const int64_t first = at(0);
  const int64_t last = at(array.length());
  if (first == 0) {
    AddSlice(offsets, array.offset() * width, n * width);
    return {first, last};
  }
  BufferPtr out = Buffer::Allocate(n * width);
  uint8_t* dst = out->mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    if (large) {
      EncodeFixed64(dst + i * 8, static_cast<uint64_t>(at(i) - first));
    } else {
      EncodeFixed32(dst + i * 4, static_cast<uint32_t>(at(i) - first));
    }
  }
  buffers.push_back(std::move(out));
  return {first, last};
}

void BodyCollector::Add(const Array& array) {
  const DataType& type = *array.type();
  const int64_t length = array.length();
  if (type.id() == TypeId::kNull) {  // no buffers at all, not even validity
    nodes.push_back({length, length});
    return;
  }
  const int64_t null_count = array.null_count();
  nodes.push_back({length, null_count});
  if (null_count > 0) {
    AddBitmap(array.buffer(0), array.offset(), length);
  } else {
    buffers.push_back(nullptr);
  }
  const int width = type.bit_width();
  if (width == 1) return AddBitmap(array.buffer(1), array.offset(), length);
  if (width > 0) return AddSlice(array.buffer(1), array.offset() * (width / 8), length * (width / 8));
  switch (type.id()) {
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary: {
      const auto [first, last] = AddOffsets(array);
      AddSlice(array.buffer(2), first, last - first);
      return;
    }
    case TypeId::kList:
    case TypeId::kLargeList: {
      const auto [first, last] = AddOffsets(array);
      Add(*array.child(0)->Slice(first, last - first));
      return;
    }
    case TypeId::kFixedSizeList: {
      const int64_t size = type.list_size();
      Add(*array.child(0)->Slice(array.offset() * size, length * size));
      return;
    }
    case TypeId::kStruct:
      for (const ArrayPtr& child : array.children()) Add(*child->Slice(array.offset(), length));
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------
// Compression

// `in` as the format stores a compressed buffer: int64 uncompressed length,
// then one LZ4 frame or Zstandard frame.
Result<BufferPtr> CompressBuffer(IpcCompression codec, const Buffer& in) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof(prefs));
  prefs.frameInfo.contentSize = in.size();  // lets readers check the length
  const size_t bound = codec == IpcCompression::kLz4Frame ? LZ4F_compressFrameBound(in.size(), &prefs)
                                                          : ZSTD_compressBound(in.size());
  BufferPtr out = Buffer::AllocateUninitialized(8 + bound);
  EncodeFixed64(out->mutable_data(), in.size());
  uint8_t* dst = out->mutable_data() + 8;
  size_t written;
  if (codec == IpcCompression::kLz4Frame) {
    written = LZ4F_compressFrame(dst, bound, in.data(), in.size(), &prefs);
    if (LZ4F_isError(written)) {
      return Status::Internal(std::string("Arrow IPC: LZ4 compression failed: ") +
                              LZ4F_getErrorName(written));
    }
  } else {
    // Level 1, as Arrow's own writers default to: exports favour speed.
    written = ZSTD_compress(dst, bound, in.data(), in.size(), 1);
    if (ZSTD_isError(written)) {
      return Status::Internal(std::string("Arrow IPC: zstd compression failed: ") +
                              ZSTD_getErrorName(written));
    }
  }
  return Buffer::Slice(std::move(out), 0, 8 + written);
}

// ---------------------------------------------------------------------------
// The writer

class Sink {
 public:
  explicit Sink(std::ostream* out) : out_(out) {}
  explicit Sink(std::string* out) : str_(out) {}

  Status Write(std::string_view bytes) {
    position_ += static_cast<int64_t>(bytes.size());
    if (str_) {
      str_->append(bytes);
      return Status::OK();
    }
    out_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out_->good()) return Status::IOError("Arrow IPC: writing the output failed");
    return Status::OK();
  }
  Status Zeros(int64_t n) {
    static constexpr char kZeros[kAlignment] = {};
    return Write(std::string_view(kZeros, static_cast<size_t>(n)));
  }
  int64_t position() const { return position_; }

 private:
  std::ostream* out_ = nullptr;
  std::string* str_ = nullptr;
  int64_t position_ = 0;
};

struct Block {
  int64_t offset;
  int32_t metadata_length;
  int64_t body_length;
};

// Writes the messages of one stream or file to a sink.
class MessageWriter {
 public:
  using Framing = IpcStreamWriter::Framing;
  MessageWriter(Sink sink, SchemaPtr schema, Framing framing, const IpcWriteOptions& options)
      : sink_(sink), schema_(std::move(schema)), framing_(framing), options_(options) {}

  Status Start();
  Status WriteBatch(const RecordBatch& batch);
  Status Close();

 private:
  Status CheckSchema(const RecordBatch& batch) const;
  Status WriteFooter();

  Sink sink_;
  SchemaPtr schema_;
  Framing framing_;
  IpcWriteOptions options_;
  std::vector<Block> blocks_;
  bool closed_ = false;
};

Status MessageWriter::Start() {
  if (framing_ == Framing::kFile) {
    QUIVER_RETURN_NOT_OK(sink_.Write(kFileMagic));
    QUIVER_RETURN_NOT_OK(sink_.Zeros(2));
  }
  Builder b;
  const Ref schema = EncodeSchema(b, *schema_);
  return sink_.Write(FrameMetadata(EncodeMessage(b, kSchemaMessage, schema, 0)));
}

Status MessageWriter::CheckSchema(const RecordBatch& batch) const {
  if (batch.num_columns() != schema_->num_fields()) {
    return Status::InvalidArgument("Arrow IPC: batch has " + std::to_string(batch.num_columns()) +
                                   " columns, the schema has " + std::to_string(schema_->num_fields()));
  }
  for (int i = 0; i < batch.num_columns(); ++i) {
    const Field& f = schema_->field(i);
    const ArrayPtr& column = batch.column(i);
    if (!column || column->length() != batch.num_rows()) {
      return Status::InvalidArgument("Arrow IPC: column \"" + f.name + "\" does not have the batch's " +
                                     std::to_string(batch.num_rows()) + " rows");
    }
    if (!column->type()->Equals(*f.type)) {
      return Status::InvalidArgument("Arrow IPC: column \"" + f.name + "\" has type " +
                                     column->type()->ToString() + ", the schema has " + f.type->ToString());
    }
  }
  return Status::OK();
}

Status MessageWriter::WriteBatch(const RecordBatch& batch) {
  if (closed_) return Status::InvalidArgument("Arrow IPC: WriteBatch after Close");
  QUIVER_RETURN_NOT_OK(CheckSchema(batch));
  BodyCollector body;
  for (const ArrayPtr& column : batch.columns()) body.Add(*column);
  if (options_.compression != IpcCompression::kNone) {
    for (BufferPtr& buffer : body.buffers) {
      // Empty buffers stay empty, without a length prefix, as Arrow does.
      if (buffer && buffer->size() > 0) {
        QUIVER_ASSIGN_OR_RETURN(buffer, CompressBuffer(options_.compression, *buffer));
      }
    }
  }
  // Where each buffer goes in the body: {offset, length}, 8-byte aligned.
  std::string nodes, spans;
  for (const FieldNode& n : body.nodes) {
    PutFixed64(&nodes, static_cast<uint64_t>(n.length));
    PutFixed64(&nodes, static_cast<uint64_t>(n.null_count));
  }
  int64_t body_length = 0;
  for (const BufferPtr& buffer : body.buffers) {
    const int64_t size = buffer ? static_cast<int64_t>(buffer->size()) : 0;
    PutFixed64(&spans, static_cast<uint64_t>(body_length));
    PutFixed64(&spans, static_cast<uint64_t>(size));
    body_length += PaddedLength(size);
  }
  Builder b;
  const Ref nodes_ref = b.CreateVector(nodes, body.nodes.size(), kFieldNodeSize, 8);
  const Ref spans_ref = b.CreateVector(spans, body.buffers.size(), kBufferSize, 8);
  Ref compression = 0;
  if (options_.compression != IpcCompression::kNone) {
    b.StartTable();
    b.AddUint8(field_id::kCompressionCodec,
               options_.compression == IpcCompression::kZstd ? kCodecZstd : kCodecLz4Frame);
    b.AddUint8(field_id::kCompressionMethod, 0);  // BUFFER: each buffer on its own
    compression = b.EndTable();
  }
  b.StartTable();
  b.AddInt64(field_id::kBatchLength, batch.num_rows());
  b.AddRef(field_id::kBatchNodes, nodes_ref);
  b.AddRef(field_id::kBatchBuffers, spans_ref);
  if (compression) b.AddRef(field_id::kBatchCompression, compression);
  const Ref header = b.EndTable();
  const std::string metadata = FrameMetadata(EncodeMessage(b, kRecordBatchMessage, header, body_length));

  blocks_.push_back({sink_.position(), static_cast<int32_t>(metadata.size()), body_length});
  QUIVER_RETURN_NOT_OK(sink_.Write(metadata));
  for (const BufferPtr& buffer : body.buffers) {
    if (!buffer) continue;
    QUIVER_RETURN_NOT_OK(sink_.Write(buffer->view()));
    const int64_t size = static_cast<int64_t>(buffer->size());
    QUIVER_RETURN_NOT_OK(sink_.Zeros(PaddedLength(size) - size));
  }
  return Status::OK();
}

Status MessageWriter::WriteFooter() {
  std::string blocks;
  for (const Block& block : blocks_) {
    PutFixed64(&blocks, static_cast<uint64_t>(block.offset));
    PutFixed32(&blocks, static_cast<uint32_t>(block.metadata_length));
    PutFixed32(&blocks, 0);  // struct padding
    PutFixed64(&blocks, static_cast<uint64_t>(block.body_length));
  }
  Builder b;
  const Ref schema = EncodeSchema(b, *schema_);
  const Ref dictionaries = b.CreateVector("", 0, kBlockSize, 8);
  const Ref batches = b.CreateVector(blocks, blocks_.size(), kBlockSize, 8);
  b.StartTable();
  b.AddInt16(field_id::kFooterVersion, kMetadataV5);
  b.AddRef(field_id::kFooterSchema, schema);
  b.AddRef(field_id::kFooterDictionaries, dictionaries);
  b.AddRef(field_id::kFooterBatches, batches);
  const std::string footer = b.Finish(b.EndTable());
  QUIVER_RETURN_NOT_OK(sink_.Write(footer));
  std::string tail;
  PutFixed32(&tail, static_cast<uint32_t>(footer.size()));
  tail += kFileMagic;
  return sink_.Write(tail);
}

Status MessageWriter::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  std::string end;
  PutFixed32(&end, kContinuation);
  PutFixed32(&end, 0);
  QUIVER_RETURN_NOT_OK(sink_.Write(end));
  return framing_ == Framing::kFile ? WriteFooter() : Status::OK();
}

}  // namespace

class IpcStreamWriter::Impl : public MessageWriter {
 public:
  using MessageWriter::MessageWriter;
};

IpcStreamWriter::IpcStreamWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IpcStreamWriter::~IpcStreamWriter() = default;

Result<std::unique_ptr<IpcStreamWriter>> IpcStreamWriter::Open(std::ostream& out, SchemaPtr schema,
                                                               Framing framing,
                                                               const IpcWriteOptions& options) {
  if (!schema) return Status::InvalidArgument("Arrow IPC: no schema");
  auto impl = std::make_unique<Impl>(Sink(&out), std::move(schema), framing, options);
  QUIVER_RETURN_NOT_OK(impl->Start());
  return std::unique_ptr<IpcStreamWriter>(new IpcStreamWriter(std::move(impl)));
}

Status IpcStreamWriter::WriteBatch(const RecordBatch& batch) { return impl_->WriteBatch(batch); }
Status IpcStreamWriter::Close() { return impl_->Close(); }

namespace {

Result<std::string> WriteAll(const SchemaPtr& schema, const std::vector<BatchPtr>& batches,
                             IpcStreamWriter::Framing framing, const IpcWriteOptions& options) {
  if (!schema) return Status::InvalidArgument("Arrow IPC: no schema");
  std::string out;
  MessageWriter writer(Sink(&out), schema, framing, options);
  QUIVER_RETURN_NOT_OK(writer.Start());
  for (const BatchPtr& batch : batches) {
    if (!batch) return Status::InvalidArgument("Arrow IPC: a batch is null");
    QUIVER_RETURN_NOT_OK(writer.WriteBatch(*batch));
  }
  QUIVER_RETURN_NOT_OK(writer.Close());
  return out;
}

}  // namespace

Result<std::string> WriteIpcStream(const SchemaPtr& schema, const std::vector<BatchPtr>& batches,
                                   const IpcWriteOptions& options) {
  return WriteAll(schema, batches, IpcStreamWriter::Framing::kStream, options);
}

Result<std::string> WriteIpcFile(const SchemaPtr& schema, const std::vector<BatchPtr>& batches,
                                 const IpcWriteOptions& options) {
  return WriteAll(schema, batches, IpcStreamWriter::Framing::kFile, options);
}

// ---------------------------------------------------------------------------
// Reading the schema

namespace {

using flatbuf::Table;

Metadata DecodeMetadata(const Table& table, int id) {
  Metadata out;
  const Table::TableVector pairs = table.GetTableVector(id);
  for (uint32_t i = 0; i < pairs.length; ++i) {
    const Table kv = pairs.at(i);
    out[std::string(kv.GetString(field_id::kKeyValueKey))] =
        std::string(kv.GetString(field_id::kKeyValueValue));
  }
  return out;
}

std::string_view UnsupportedTypeName(uint8_t code) {
  switch (code) {
    case kArrowDecimal:
      return "Decimal";
    case kArrowTime:
      return "Time";
    case kArrowInterval:
      return "Interval";
    case kArrowUnion:
      return "Union";
    case kArrowFixedSizeBinary:
      return "FixedSizeBinary";
    case kArrowMap:
      return "Map";
    case kArrowDuration:
      return "Duration";
    case kArrowRunEndEncoded:
      return "RunEndEncoded";
    case kArrowBinaryView:
      return "BinaryView";
    case kArrowUtf8View:
      return "Utf8View";
    case kArrowListView:
      return "ListView";
    case kArrowLargeListView:
      return "LargeListView";
    default:
      return "";
  }
}

class SchemaDecoder {
 public:
  // A legitimate field takes at least 8 bytes of metadata (its table and
  // the reference to it); more fields than that means shared subtrees, a
  // way to make a small input decode into an exponentially large schema.
  explicit SchemaDecoder(const flatbuf::Parser& parser)
      : parser_(parser), fields_left_(static_cast<int64_t>(parser.size() / 8)) {}
  Result<SchemaPtr> Decode(const Table& schema);

 private:
  Result<Field> DecodeField(const Table& field, int depth);
  Result<TypePtr> DecodeType(const std::string& name, uint8_t code, const Table& type,
                             std::vector<Field> children);
  Status Unsupported(const std::string& name, std::string_view arrow_type) const {
    return Invalid("field \"" + name + "\" has Arrow type " + std::string(arrow_type) +
                   ", which Quiver does not support");
  }
  // The parser's first error, if any, as an IPC error.
  Status Malformed() const {
    return parser_.status().ok() ? Status::OK() : Invalid("malformed schema: " + parser_.status().message());
  }

  const flatbuf::Parser& parser_;
  int64_t fields_left_;
};

Result<SchemaPtr> SchemaDecoder::Decode(const Table& schema) {
  if (!schema.present()) {
    QUIVER_RETURN_NOT_OK(Malformed());
    return Invalid("the schema message has no schema");
  }
  if (schema.GetInt16(field_id::kSchemaEndianness, 0) != 0)
    return Invalid("big-endian data is not supported");
  std::vector<Field> fields;
  const Table::TableVector list = schema.GetTableVector(field_id::kSchemaFields);
  for (uint32_t i = 0; i < list.length; ++i) {
    QUIVER_ASSIGN_OR_RETURN(Field f, DecodeField(list.at(i), 0));
    fields.push_back(std::move(f));
  }
  Metadata metadata = DecodeMetadata(schema, field_id::kSchemaMetadata);
  QUIVER_RETURN_NOT_OK(Malformed());
  return std::make_shared<const Schema>(std::move(fields), std::move(metadata));
}

Result<Field> SchemaDecoder::DecodeField(const Table& field, int depth) {
  QUIVER_RETURN_NOT_OK(Malformed());
  if (!field.present()) return Invalid("malformed schema: a field is missing");
  std::string name(field.GetString(field_id::kFieldName));
  if (depth > kMaxNesting) return Invalid("field \"" + name + "\" is nested too deeply");
  if (--fields_left_ < 0) return Invalid("malformed schema: more fields than its metadata can hold");
  if (field.Has(field_id::kFieldDictionary)) return Unsupported(name, "Dictionary");
  std::vector<Field> children;
  const Table::TableVector list = field.GetTableVector(field_id::kFieldChildren);
  for (uint32_t i = 0; i < list.length; ++i) {
    QUIVER_ASSIGN_OR_RETURN(Field child, DecodeField(list.at(i), depth + 1));
    children.push_back(std::move(child));
  }
  const uint8_t code = field.GetUint8(field_id::kFieldTypeType);
  QUIVER_ASSIGN_OR_RETURN(TypePtr type,
                          DecodeType(name, code, field.GetTable(field_id::kFieldType), std::move(children)));
  // Every value of the null type is null, whatever the flag says (Arrow JS
  // writes such fields as non-nullable).
  const bool nullable = field.GetBool(field_id::kFieldNullable) || type->id() == TypeId::kNull;
  Metadata metadata = DecodeMetadata(field, field_id::kFieldMetadata);
  QUIVER_RETURN_NOT_OK(Malformed());
  return Field(std::move(name), std::move(type), nullable, std::move(metadata));
}

Result<TypePtr> SchemaDecoder::DecodeType(const std::string& name, uint8_t code, const Table& type,
                                          std::vector<Field> children) {
  auto one_child = [&]() -> Status {
    if (children.size() != 1) {
      return Invalid("list field \"" + name + "\" has " + std::to_string(children.size()) +
                     " children, expected 1");
    }
    return Status::OK();
  };
  switch (code) {
    case kArrowNull:
      return null_type();
    case kArrowBool:
      return boolean();
    case kArrowInt: {
      const int32_t width = type.GetInt32(field_id::kIntBitWidth);
      const bool is_signed = type.GetBool(field_id::kIntSigned);
      switch (width) {
        case 8:
          return is_signed ? int8() : uint8();
        case 16:
          return is_signed ? int16() : uint16();
        case 32:
          return is_signed ? int32() : uint32();
        case 64:
          return is_signed ? int64() : uint64();
      }
      return Invalid("field \"" + name + "\" has an integer type of " + std::to_string(width) + " bits");
    }
    case kArrowFloatingPoint:
      switch (type.GetInt16(field_id::kFloatPrecision)) {
        case 0:
          return float16();
        case 1:
          return float32();
        case 2:
          return float64();
      }
      return Invalid("field \"" + name + "\" has an unknown floating point precision");
    case kArrowUtf8:
      return utf8();
    case kArrowLargeUtf8:
      return large_utf8();
    case kArrowBinary:
      return binary();
    case kArrowLargeBinary:
      return large_binary();
    case kArrowDate:
      // The format's default unit is MILLISECOND (date64).
      if (type.GetInt16(field_id::kDateUnit, 1) != 0) return Unsupported(name, "Date(MILLISECOND) (date64)");
      return date32();
    case kArrowTimestamp: {
      const int16_t unit = type.GetInt16(field_id::kTimestampUnit);
      if (unit < 0 || unit > 3)
        return Invalid("field \"" + name + "\" has an unknown time unit " + std::to_string(unit));
      static constexpr TimeUnit kUnits[] = {TimeUnit::kSecond, TimeUnit::kMilli, TimeUnit::kMicro,
                                            TimeUnit::kNano};
      return timestamp(kUnits[unit], std::string(type.GetString(field_id::kTimestampZone)));
    }
    case kArrowList:
    case kArrowLargeList:
      QUIVER_RETURN_NOT_OK(one_child());
      return DataType::List(std::move(children[0]), code == kArrowLargeList);
    case kArrowFixedSizeList: {
      QUIVER_RETURN_NOT_OK(one_child());
      const int32_t size = type.GetInt32(field_id::kFixedSizeListSize);
      if (size < 0) return Invalid("field \"" + name + "\" has list size " + std::to_string(size));
      return DataType::FixedSizeList(std::move(children[0]), size);
    }
    case kArrowStruct:
      return DataType::Struct(std::move(children));
  }
  const std::string_view known = UnsupportedTypeName(code);
  if (!known.empty()) return Unsupported(name, known);
  return Invalid("field \"" + name + "\" has unknown Arrow type code " + std::to_string(code));
}

// ---------------------------------------------------------------------------
// Reading messages

// One encapsulated message located in the input.
struct Frame {
  int64_t offset = 0;         // of its first byte
  std::string_view metadata;  // the Message flatbuffer (with padding)
  int64_t body_offset = 0;
  int64_t body_length = 0;
  int64_t end() const { return body_offset + body_length; }
};

// A Message's header, parsed; `parser` keeps the tables readable.
struct Message {
  std::unique_ptr<flatbuf::Parser> parser;
  uint8_t type = 0;
  Table header;
};

// Locates the message at `pos`. nullopt at the end-of-stream marker or the
// end of the input (a stream may end without its marker).
Result<std::optional<Frame>> ReadFrame(std::string_view input, int64_t pos) {
  const int64_t size = static_cast<int64_t>(input.size());
  if (pos == size) return std::optional<Frame>();
  if (size - pos < 4) return Invalid("truncated message prefix at byte " + std::to_string(pos));
  int64_t metadata_start = pos + 4;
  int32_t length = static_cast<int32_t>(DecodeFixed32(input.data() + pos));
  if (static_cast<uint32_t>(length) == kContinuation) {
    if (size - pos < 8) return Invalid("truncated message prefix at byte " + std::to_string(pos));
    length = static_cast<int32_t>(DecodeFixed32(input.data() + pos + 4));
    metadata_start = pos + 8;
  }  // else the pre-1.0 prefix: the length alone
  if (length == 0) return std::optional<Frame>();
  if (length < 0) {
    return Invalid("negative metadata length " + std::to_string(length) + " at byte " + std::to_string(pos));
  }
  if (length > size - metadata_start) {
    return Invalid("truncated message metadata at byte " + std::to_string(metadata_start) + " (" +
                   std::to_string(length) + " bytes stated, " + std::to_string(size - metadata_start) +
                   " left)");
  }
  Frame frame;
  frame.offset = pos;
  frame.metadata = input.substr(metadata_start, length);
  frame.body_offset = metadata_start + length;
  return std::optional<Frame>(frame);
}

// Parses the Message of `frame` and sets the frame's body length, checked
// against the input's `size`.
Result<Message> ParseMessage(Frame* frame, int64_t size) {
  Message m;
  m.parser = std::make_unique<flatbuf::Parser>(frame->metadata);
  const Table root = m.parser->Root();
  const int16_t version = root.GetInt16(field_id::kMessageVersion);
  m.type = root.GetUint8(field_id::kMessageHeaderType);
  m.header = root.GetTable(field_id::kMessageHeader);
  const int64_t body_length = root.GetInt64(field_id::kMessageBodyLength);
  const std::string where = " at byte " + std::to_string(frame->offset);
  if (!m.parser->status().ok())
    return Invalid("malformed message" + where + ": " + m.parser->status().message());
  if (version < kMetadataV4 || version > kMetadataV5) {
    return Invalid("message" + where + " has metadata version " + std::to_string(version + 1) +
                   " (supported: V4 and V5)");
  }
  if (!m.header.present()) return Invalid("message" + where + " has no header");
  if (body_length < 0 || body_length > size - frame->body_offset) {
    return Invalid("truncated message body at byte " + std::to_string(frame->body_offset) + " (" +
                   std::to_string(body_length) + " bytes stated, " +
                   std::to_string(size - frame->body_offset) + " left)");
  }
  frame->body_length = body_length;
  return m;
}

// ---------------------------------------------------------------------------
// Reading record batches

// `buffer` itself when its address suits any value type, else a copy (a
// producer may place buffers at any offset; loads must stay aligned).
BufferPtr AlignedBuffer(BufferPtr buffer) {
  if (reinterpret_cast<uintptr_t>(buffer->data()) % kAlignment == 0) return buffer;
  return Buffer::Copy(buffer->data(), buffer->size());
}

// The decompressed (or, for -1, stored) contents of a compressed body
// buffer. `budget` is how many bytes the batch's buffers may still expand
// to; it is reduced by this buffer's size.
Result<BufferPtr> Decompress(uint8_t codec, BufferPtr in, int64_t* budget, const std::string& where);

class BatchDecoder {
 public:
  // `batch` is the RecordBatch table read by `parser`.
  BatchDecoder(const SchemaPtr& schema, const flatbuf::Parser& parser, const Table& batch, BufferPtr body,
               const IpcReadOptions& options, std::string where)
      : schema_(schema),
        parser_(parser),
        batch_(batch),
        body_(std::move(body)),
        options_(options),
        where_(std::move(where)) {}

  Result<BatchPtr> Decode();

 private:
  Result<ArrayPtr> DecodeArray(const Field& field);
  Result<FieldNode> NextNode(const Field& field);
  Result<BufferPtr> NextBuffer(const Field& field);
  Status Error(const std::string& what) const { return Invalid("record batch" + where_ + ": " + what); }

  SchemaPtr schema_;
  const flatbuf::Parser& parser_;
  Table batch_;
  BufferPtr body_;
  const IpcReadOptions& options_;
  std::string where_;
  std::optional<uint8_t> codec_;
  int64_t decompress_budget_ = 0;
  std::string_view nodes_;
  uint32_t num_nodes_ = 0;
  uint32_t next_node_ = 0;
  std::string_view buffers_;
  uint32_t num_buffers_ = 0;
  uint32_t next_buffer_ = 0;
};

Result<FieldNode> BatchDecoder::NextNode(const Field& field) {
  if (next_node_ >= num_nodes_) {
    return Error("has " + std::to_string(num_nodes_) + " field nodes, too few for the schema (at field \"" +
                 field.name + "\")");
  }
  const size_t at = static_cast<size_t>(next_node_++) * kFieldNodeSize;
  FieldNode node{ReadInt64(nodes_, at), ReadInt64(nodes_, at + 8)};
  if (node.length < 0 || node.null_count < 0) {
    return Error("field \"" + field.name + "\" has length " + std::to_string(node.length) +
                 " and null count " + std::to_string(node.null_count));
  }
  return node;
}

Result<BufferPtr> BatchDecoder::NextBuffer(const Field& field) {
  if (next_buffer_ >= num_buffers_) {
    return Error("has " + std::to_string(num_buffers_) + " buffers, too few for the schema (at field \"" +
                 field.name + "\")");
  }
  const size_t at = static_cast<size_t>(next_buffer_++) * kBufferSize;
  const int64_t offset = ReadInt64(buffers_, at);
  const int64_t length = ReadInt64(buffers_, at + 8);
  const int64_t body_size = static_cast<int64_t>(body_->size());
  if (offset < 0 || length < 0 || offset > body_size || length > body_size - offset) {
    return Error("buffer " + std::to_string(next_buffer_ - 1) + " of field \"" + field.name + "\" at [" +
                 std::to_string(offset) + ", +" + std::to_string(length) + ") lies outside the body of " +
                 std::to_string(body_size) + " bytes");
  }
  if (length == 0) return Buffer::Allocate(0);
  BufferPtr slice = Buffer::Slice(body_, offset, length);
  if (!codec_) return AlignedBuffer(std::move(slice));
  return Decompress(
      *codec_, std::move(slice), &decompress_budget_,
      where_ + ", buffer " + std::to_string(next_buffer_ - 1) + " of field \"" + field.name + "\"");
}

Result<ArrayPtr> BatchDecoder::DecodeArray(const Field& field) {
  const TypePtr& type = field.type;
  QUIVER_ASSIGN_OR_RETURN(FieldNode node, NextNode(field));
  if (type->id() == TypeId::kNull) {
    return std::make_shared<const Array>(type, node.length, std::vector<BufferPtr>{}, std::vector<ArrayPtr>{},
                                         node.length);
  }
  QUIVER_ASSIGN_OR_RETURN(BufferPtr validity, NextBuffer(field));
  std::vector<BufferPtr> buffers = {node.null_count > 0 ? validity : nullptr};
  std::vector<ArrayPtr> children;
  const int64_t bitmap_bytes = node.length / 8 + (node.length % 8 != 0);
  const int width = type->bit_width();
  if (width > 0) {
    QUIVER_ASSIGN_OR_RETURN(BufferPtr values, NextBuffer(field));
    // Arrow JS writes no values for a bool array of nulls only. The
    // validity bitmap bounds the allocation by the input's size.
    if (width == 1 && static_cast<int64_t>(values->size()) < bitmap_bytes && node.null_count == node.length &&
        static_cast<int64_t>(validity->size()) >= bitmap_bytes) {
      values = Buffer::Allocate(bitmap_bytes);
    }
    buffers.push_back(std::move(values));
  } else if (type->is_string_like() || type->id() == TypeId::kList || type->id() == TypeId::kLargeList) {
    QUIVER_ASSIGN_OR_RETURN(BufferPtr offsets, NextBuffer(field));
    // An empty array may come without its single 0 offset.
    if (node.length == 0 && offsets->size() == 0) offsets = Buffer::Allocate(8);
    buffers.push_back(std::move(offsets));
    if (type->is_string_like()) {
      QUIVER_ASSIGN_OR_RETURN(BufferPtr data, NextBuffer(field));
      buffers.push_back(std::move(data));
    }
  }
  for (const Field& child : type->children()) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr array, DecodeArray(child));
    children.push_back(std::move(array));
  }
  return std::make_shared<const Array>(type, node.length, std::move(buffers), std::move(children),
                                       node.null_count > 0 ? node.null_count : 0);
}

Result<BatchPtr> BatchDecoder::Decode() {
  const int64_t length = batch_.GetInt64(field_id::kBatchLength);
  nodes_ = batch_.GetInlineVector(field_id::kBatchNodes, kFieldNodeSize, &num_nodes_);
  buffers_ = batch_.GetInlineVector(field_id::kBatchBuffers, kBufferSize, &num_buffers_);
  const Table compression = batch_.GetTable(field_id::kBatchCompression);
  const uint8_t codec = compression.GetUint8(field_id::kCompressionCodec, kCodecLz4Frame);
  const uint8_t method = compression.GetUint8(field_id::kCompressionMethod);
  if (!parser_.status().ok()) return Error("malformed metadata: " + parser_.status().message());
  if (compression.present()) {
    if (codec != kCodecLz4Frame && codec != kCodecZstd) {
      return Error("unknown compression codec " + std::to_string(codec));
    }
    if (method != 0) return Error("unknown compression method " + std::to_string(method));
    codec_ = codec;
    decompress_budget_ = options_.max_decompressed_bytes;
  }
  if (length < 0) return Error("negative length " + std::to_string(length));
  std::vector<ArrayPtr> columns;
  for (const Field& field : schema_->fields()) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr column, DecodeArray(field));
    columns.push_back(std::move(column));
  }
  if (next_node_ != num_nodes_ || next_buffer_ != num_buffers_) {
    return Error("has " + std::to_string(num_nodes_) + " field nodes and " + std::to_string(num_buffers_) +
                 " buffers, the schema uses " + std::to_string(next_node_) + " and " +
                 std::to_string(next_buffer_));
  }
  auto batch = std::make_shared<const RecordBatch>(schema_, length, std::move(columns));
  Status valid = batch->Validate();
  if (!valid.ok()) return Error(valid.message());
  return BatchPtr(std::move(batch));
}

Result<BufferPtr> DecompressLz4(const BufferPtr& in, int64_t size, const std::string& where) {
  const uint8_t* src = in->data() + 8;
  const size_t src_size = in->size() - 8;
  BufferPtr out = Buffer::AllocateUninitialized(static_cast<size_t>(size));
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return Status::ResourceExhausted("Arrow IPC: cannot create an LZ4 decompression context");
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(raw,
                                                                           LZ4F_freeDecompressionContext);
  size_t src_pos = 0, dst_pos = 0, hint = 0;
  // Concatenated frames are decoded one after another.
  while (src_pos < src_size) {
    size_t dst_n = static_cast<size_t>(size) - dst_pos;
    size_t src_n = src_size - src_pos;
    hint = LZ4F_decompress(ctx.get(), out->mutable_data() + dst_pos, &dst_n, src + src_pos, &src_n, nullptr);
    if (LZ4F_isError(hint)) return Invalid(where + ": LZ4 data is corrupt (" + LZ4F_getErrorName(hint) + ")");
    src_pos += src_n;
    dst_pos += dst_n;
    if (hint != 0 && src_n == 0 && dst_n == 0) break;  // the output is full
  }
  if (hint != 0 || src_pos != src_size || dst_pos != static_cast<size_t>(size)) {
    return Invalid(where + ": LZ4 data does not decompress to the stated " + std::to_string(size) + " bytes");
  }
  return out;
}

Result<BufferPtr> DecompressZstd(const BufferPtr& in, int64_t size, const std::string& where) {
  const uint8_t* src = in->data() + 8;
  const size_t src_size = in->size() - 8;
  const unsigned long long stated = ZSTD_getFrameContentSize(src, src_size);
  if (stated == ZSTD_CONTENTSIZE_ERROR) return Invalid(where + ": not zstd data");
  if (stated != ZSTD_CONTENTSIZE_UNKNOWN && stated != static_cast<unsigned long long>(size)) {
    return Invalid(where + ": zstd frame holds " + std::to_string(stated) + " bytes, the buffer states " +
                   std::to_string(size));
  }
  BufferPtr out = Buffer::AllocateUninitialized(static_cast<size_t>(size));
  const size_t n = ZSTD_decompress(out->mutable_data(), static_cast<size_t>(size), src, src_size);
  if (ZSTD_isError(n)) return Invalid(where + ": zstd data is corrupt (" + ZSTD_getErrorName(n) + ")");
  if (n != static_cast<size_t>(size)) {
    return Invalid(where + ": zstd data decompresses to " + std::to_string(n) + " bytes, not the stated " +
                   std::to_string(size));
  }
  return out;
}

Result<BufferPtr> Decompress(uint8_t codec, BufferPtr in, int64_t* budget, const std::string& where) {
  if (in->size() < 8)
    return Invalid(where + ": compressed buffer of " + std::to_string(in->size()) +
                   " bytes lacks its length");
  const int64_t size = static_cast<int64_t>(DecodeFixed64(in->data()));
  if (size == -1) {  // stored uncompressed: compression did not pay off
    const size_t stored = in->size() - 8;
    return AlignedBuffer(Buffer::Slice(std::move(in), 8, stored));
  }
  if (size < 0) return Invalid(where + ": negative uncompressed length " + std::to_string(size));
  if (size == 0) return Buffer::Allocate(0);
  if (size > *budget) {
    return Invalid(where + ": uncompressed length " + std::to_string(size) +
                   " takes the batch past the limit of " + std::to_string(*budget) +
                   " bytes left of IpcReadOptions::max_decompressed_bytes");
  }
  *budget -= size;
  if (codec == kCodecLz4Frame) {
    // An LZ4 sequence expands by at most 255 bytes per input byte; refuse
    // to reserve memory for a claim the data cannot back.
    const int64_t compressed = static_cast<int64_t>(in->size()) - 8;
    if (size / 256 > compressed) {
      return Invalid(where + ": " + std::to_string(compressed) +
                     " bytes of LZ4 data cannot hold the stated " + std::to_string(size));
    }
    return DecompressLz4(in, size, where);
  }
  return DecompressZstd(in, size, where);
}

}  // namespace

// ---------------------------------------------------------------------------
// IpcReader

class IpcReader::Impl {
 public:
  Impl(BufferPtr input, const IpcReadOptions& options) : input_(std::move(input)), options_(options) {}

  Status Open();
  Result<BatchPtr> Next();
  const SchemaPtr& schema() const { return schema_; }
  int64_t position() const { return position_; }

 private:
  Status OpenStream();
  Status OpenFile();
  // The next record batch message listed in a file's footer; nullopt after
  // the last.
  Result<std::optional<Frame>> NextBlock();
  // Decodes the record batch message `frame` of an input ending at `limit`.
  Result<BatchPtr> DecodeBatch(Frame frame, int64_t limit);
  std::string_view input() const { return input_->view(); }
  int64_t size() const { return static_cast<int64_t>(input_->size()); }

  BufferPtr input_;
  IpcReadOptions options_;
  SchemaPtr schema_;
  bool is_file_ = false;
  std::vector<Block> blocks_;  // file: where the batches are
  size_t next_block_ = 0;
  int64_t footer_start_ = 0;
  int64_t position_ = 0;  // stream: where the next message starts
  bool done_ = false;
};

Status IpcReader::Impl::Open() {
  if (input().substr(0, kFileMagic.size()) == kFileMagic) {
    is_file_ = true;
    return OpenFile();
  }
  return OpenStream();
}

Status IpcReader::Impl::OpenStream() {
  if (input().empty()) return Invalid("the input is empty");
  Result<std::optional<Frame>> first = ReadFrame(input(), 0);
  if (!first.ok()) {
    if (size() >= 4 && DecodeFixed32(input().data()) == kContinuation) return first.status();
    return Invalid(
        "not Arrow IPC: the input starts with neither \"ARROW1\" nor the message marker 0xFFFFFFFF");
  }
  std::optional<Frame> frame = *first;
  if (!frame) return Invalid("the stream ends before its schema");
  QUIVER_ASSIGN_OR_RETURN(Message m, ParseMessage(&*frame, size()));
  if (m.type != kSchemaMessage) {
    return Invalid("the stream starts with a message of type " + std::to_string(m.type) + ", not a schema");
  }
  QUIVER_ASSIGN_OR_RETURN(schema_, SchemaDecoder(*m.parser).Decode(m.header));
  position_ = frame->end();
  return Status::OK();
}

Status IpcReader::Impl::OpenFile() {
  // "ARROW1", 2 bytes of padding, ..., footer, int32 footer length, "ARROW1".
  constexpr int64_t kTail = 4 + 6;
  if (size() < 8 + kTail || input().substr(size() - 6) != kFileMagic) {
    return Invalid("the file does not end with \"ARROW1\" (truncated?)");
  }
  const int64_t footer_length = static_cast<int32_t>(DecodeFixed32(input().data() + size() - kTail));
  if (footer_length <= 0 || footer_length > size() - 8 - kTail) {
    return Invalid("footer length " + std::to_string(footer_length) + " at byte " +
                   std::to_string(size() - kTail) + " does not fit the file's " + std::to_string(size()) +
                   " bytes");
  }
  footer_start_ = size() - kTail - footer_length;
  flatbuf::Parser parser(input().substr(footer_start_, footer_length));
  const Table footer = parser.Root();
  const int16_t version = footer.GetInt16(field_id::kFooterVersion);
  uint32_t num_dictionaries = 0, num_batches = 0;
  footer.GetInlineVector(field_id::kFooterDictionaries, kBlockSize, &num_dictionaries);
  const std::string_view blocks = footer.GetInlineVector(field_id::kFooterBatches, kBlockSize, &num_batches);
  const Table schema = footer.GetTable(field_id::kFooterSchema);
  if (!parser.status().ok()) return Invalid("malformed footer: " + parser.status().message());
  if (version < kMetadataV4 || version > kMetadataV5) {
    return Invalid("the footer has metadata version " + std::to_string(version + 1) +
                   " (supported: V4 and V5)");
  }
  QUIVER_ASSIGN_OR_RETURN(schema_, SchemaDecoder(parser).Decode(schema));
  if (num_dictionaries > 0) return Invalid("the file has dictionary batches, which Quiver does not support");
  for (uint32_t i = 0; i < num_batches; ++i) {
    const size_t at = static_cast<size_t>(i) * kBlockSize;
    blocks_.push_back({ReadInt64(blocks, at), static_cast<int32_t>(DecodeFixed32(blocks.data() + at + 8)),
                       ReadInt64(blocks, at + 16)});
  }
  position_ = 8;
  return Status::OK();
}

Result<BatchPtr> IpcReader::Impl::DecodeBatch(Frame frame, int64_t limit) {
  QUIVER_ASSIGN_OR_RETURN(Message m, ParseMessage(&frame, limit));
  const std::string where = " at byte " + std::to_string(frame.offset);
  switch (m.type) {
    case kRecordBatchMessage:
      break;
    case kDictionaryBatchMessage:
      return Invalid("dictionary batch" + where + ": dictionary-encoded data is not supported");
    case kSchemaMessage:
      return Invalid("a second schema message" + where);
    default:
      return Invalid("message" + where + " has type " + std::to_string(m.type) + ", expected a record batch");
  }
  position_ = frame.end();
  BufferPtr body = Buffer::Slice(input_, frame.body_offset, frame.body_length);
  try {
    return BatchDecoder(schema_, *m.parser, m.header, std::move(body), options_, where).Decode();
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("Arrow IPC: out of memory decompressing the record batch" + where);
  }
}

Result<BatchPtr> IpcReader::Impl::Next() {
  if (done_) return BatchPtr();
  std::optional<Frame> frame;
  int64_t limit = size();
  if (is_file_) {
    QUIVER_ASSIGN_OR_RETURN(frame, NextBlock());
    limit = footer_start_;
  } else {
    QUIVER_ASSIGN_OR_RETURN(frame, ReadFrame(input(), position_));
  }
  if (!frame) {  // the last block, the end-of-stream marker or the end of the input
    done_ = true;
    position_ = size();
    return BatchPtr();
  }
  return DecodeBatch(*frame, limit);
}

Result<std::optional<Frame>> IpcReader::Impl::NextBlock() {
  if (next_block_ == blocks_.size()) return std::optional<Frame>();
  const Block& block = blocks_[next_block_++];
  const std::string which = "record batch " + std::to_string(next_block_ - 1) + " of the footer, at byte " +
                            std::to_string(block.offset) + ",";
  if (block.offset < 8 || block.offset >= footer_start_)
    return Invalid(which + " lies outside the file's data");
  // Blocks that overlap (or repeat) could make a small file decode into
  // far more batches than it holds; writers list them in file order.
  if (block.offset < position_) return Invalid(which + " overlaps the previous batch");
  QUIVER_ASSIGN_OR_RETURN(std::optional<Frame> frame,
                          ReadFrame(input().substr(0, footer_start_), block.offset));
  if (!frame) return Invalid(which + " holds no message");
  return frame;
}

IpcReader::IpcReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IpcReader::~IpcReader() = default;

Result<std::unique_ptr<IpcReader>> IpcReader::Open(BufferPtr bytes, const IpcReadOptions& options) {
  if (!bytes) return Status::InvalidArgument("Arrow IPC: no input");
  auto impl = std::make_unique<Impl>(std::move(bytes), options);
  QUIVER_RETURN_NOT_OK(impl->Open());
  return std::unique_ptr<IpcReader>(new IpcReader(std::move(impl)));
}

const SchemaPtr& IpcReader::schema() const { return impl_->schema(); }
Result<BatchPtr> IpcReader::Next() { return impl_->Next(); }
int64_t IpcReader::position() const { return impl_->position(); }

Result<IpcData> ReadIpc(std::string_view bytes, const IpcReadOptions& options) {
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<IpcReader> reader,
                          IpcReader::Open(Buffer::Copy(bytes.data(), bytes.size()), options));
  IpcData data;
  data.schema = reader->schema();
  QUIVER_ASSIGN_OR_RETURN(data.batches, reader->ReadAll());
  return data;
}

Result<IpcData> ReadIpc(std::string_view bytes) { return ReadIpc(bytes, IpcReadOptions()); }

}  // namespace quiver::convert

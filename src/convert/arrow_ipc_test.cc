#include "convert/arrow_ipc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "common/coding.h"
#include "convert/file_reader.h"
#include "convert/flatbuf.h"
#include "convert/json_convert.h"
#include "convert/output.h"
#include "convert/test_util.h"
#include "quiver/builder.h"
#include "testing.h"

namespace quiver::convert {
namespace {

using ::testing::HasSubstr;

// A column of `type` from a JSON array (as the JSON reader would append it).
ArrayPtr Column(const TypePtr& type, const Json& values) {
  auto builder = ArrayBuilder::Make(type);
  const Field field("c", type);
  std::vector<float> scratch;
  for (const Json& v : values) {
    const Status st = AppendJsonValue(v, field, builder.get(), JsonPath{}, &scratch);
    EXPECT_TRUE(st.ok()) << st.ToString() << " appending " << v.dump() << " to " << type->ToString();
  }
  return builder->Finish();
}

BatchPtr MakeBatch(std::vector<Field> fields, const std::vector<Json>& columns, Metadata metadata = {}) {
  std::vector<ArrayPtr> arrays;
  for (size_t i = 0; i < fields.size(); ++i) arrays.push_back(Column(fields[i].type, columns[i]));
  auto schema = std::make_shared<const Schema>(std::move(fields), std::move(metadata));
  Result<BatchPtr> batch = RecordBatch::Make(schema, std::move(arrays));
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_TRUE((*batch)->Validate().ok());
  return *batch;
}

// Seven rows of every Quiver type, nulls included, nested types nested.
BatchPtr EveryTypeBatch() {
  const Json n = nullptr;
  TypePtr point = struct_({Field("a", int32()), Field("b", utf8())});
  TypePtr nested = struct_({Field("x", float64()), Field("tags", list(utf8())), Field("inner", point)});
  std::vector<Field> fields = {
      Field("null", null_type()),
      Field("bool", boolean()),
      Field("i8", int8()),
      Field("i16", int16()),
      Field("i32", int32(), /*nullable=*/false),
      Field("i64", int64()),
      Field("u8", uint8()),
      Field("u16", uint16()),
      Field("u32", uint32()),
      Field("u64", uint64()),
      Field("f16", float16()),
      Field("f32", float32()),
      Field("f64", float64()),
      Field("str", utf8()),
      Field("large_str", large_utf8()),
      Field("bin", binary()),
      Field("large_bin", large_binary()),
      Field("vec", vector_type(3)),
      Field("vec_str", DataType::FixedSizeList(Field("element", utf8()), 2)),
      Field("list", list(int32())),
      Field("large_list", DataType::List(Field("item", utf8()), /*large=*/true)),
      Field("list_struct", list(point)),
      Field("struct", nested),
      Field("ts_s", timestamp(TimeUnit::kSecond)),
      Field("ts_ms", timestamp(TimeUnit::kMilli, "UTC")),
      Field("ts_us", timestamp(TimeUnit::kMicro, "Europe/Paris")),
      Field("ts_ns", timestamp(TimeUnit::kNano, "+02:00")),
      Field("date", date32()),
  };
  std::vector<Json> columns = {
      {n, n, n, n, n, n, n},
      {true, false, n, true, true, false, n},
      {-128, 127, n, 0, 1, -1, 5},
      {-32768, 32767, n, 0, 1, -1, 5},
      {-2147483648LL, 2147483647, 0, 0, 1, -1, 5},
      {INT64_MIN, INT64_MAX, n, 0, 1, -1, 5},
      {0, 255, n, 1, 2, 3, 4},
      {0, 65535, n, 1, 2, 3, 4},
      {0, 4294967295ULL, n, 1, 2, 3, 4},
      {0, UINT64_MAX, n, 1, 2, 3, 4},
      {0.5, -2.0, n, 65504.0, 0.0, 1.0, -0.25},
      {0.1, -1e30, n, 3.5, 0.0, 1.0, -0.25},
      {0.1, -1e300, n, 3.5, 0.0, 1.0, -0.25},
      {"", "héllo", n, "a", "bb", "ccc", "dddd"},
      {"x", n, "", "long", "text", "here", "!"},
      {"\x01\x02", "", n, "bin", "b", "c", "d"},
      {n, "z", "", "bin", "b", "c", "d"},
      {Json::array({1, 2, 3}), n, Json::array({0.5, 0.25, -1}), Json::array({4, 5, 6}),
       Json::array({7, 8, 9}), Json::array({0, 0, 0}), Json::array({1, 1, 1})},
      {Json::array({"a", "b"}), Json::array({"c", n}), n, Json::array({"", "d"}), Json::array({"e", "f"}),
       Json::array({"g", "h"}), Json::array({"i", "j"})},
      {Json::array({1, 2}), Json::array(), n, Json::array({3}), Json::array({4, n, 6}), Json::array({7}),
       Json::array({8, 9, 10, 11})},
      {Json::array({"a"}), n, Json::array(), Json::array({"b", "c"}), Json::array({n}), Json::array({"d"}),
       Json::array({"e"})},
      {Json::array({{{"a", 1}, {"b", "x"}}, n}), Json::array(), n,
       Json::array({{{"a", n}, {"b", "y"}}, {{"a", 3}, {"b", n}}}), Json::array({{{"a", 4}, {"b", "z"}}}),
       Json::array(), Json::array({{{"a", 5}, {"b", "w"}}})},
      {{{"x", 1.5}, {"tags", Json::array({"p", "q"})}, {"inner", {{"a", 1}, {"b", "s"}}}},
       n,
       {{"x", n}, {"tags", n}, {"inner", n}},
       {{"x", 2.5}, {"tags", Json::array()}, {"inner", {{"a", n}, {"b", "t"}}}},
       {{"x", 3.5}, {"tags", Json::array({"r"})}, {"inner", {{"a", 2}, {"b", "u"}}}},
       {{"x", 4.5}, {"tags", Json::array({"s", n})}, {"inner", {{"a", 3}, {"b", "v"}}}},
       {{"x", 5.5}, {"tags", Json::array({"t"})}, {"inner", {{"a", 4}, {"b", "w"}}}}},
      {0, 1700000000, n, -1, 1, 2, 3},
      {0, 1700000000123LL, n, -1, 1, 2, 3},
      {0, 1700000000123456LL, n, -1, 1, 2, 3},
      {0, 1700000000123456789LL, n, -1, 1, 2, 3},
      {0, 19723, n, -1, 1, 2, 3},
  };
  return MakeBatch(std::move(fields), columns, {{"origin", "test"}, {"empty", ""}});
}

IpcData ReadOk(std::string_view bytes) {
  Result<IpcData> data = ReadIpc(bytes);
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  return data.ok() ? *data : IpcData{};
}

void ExpectSameBatches(const std::vector<BatchPtr>& expected, const IpcData& data) {
  ASSERT_EQ(data.batches.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(data.batches[i]->Validate().ok());
    EXPECT_TRUE(data.batches[i]->Equals(*expected[i])) << "batch " << i;
    for (int c = 0; c < expected[i]->num_columns(); ++c) {
      const Array& want = *expected[i]->column(c);
      const Array& got = *data.batches[i]->column(c);
      for (int64_t r = 0; r < want.length(); ++r) {
        EXPECT_EQ(got.FormatValue(r), want.FormatValue(r))
            << "batch " << i << " column " << expected[i]->schema()->field(c).name << " row " << r;
      }
    }
  }
}

struct Flavour {
  bool file;
  IpcCompression compression;
};

std::string Write(const Flavour& f, const SchemaPtr& schema, const std::vector<BatchPtr>& batches) {
  IpcWriteOptions options;
  options.compression = f.compression;
  Result<std::string> out =
      f.file ? WriteIpcFile(schema, batches, options) : WriteIpcStream(schema, batches, options);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : std::string();
}

class ArrowIpcRoundTripTest : public ::testing::TestWithParam<Flavour> {};

TEST_P(ArrowIpcRoundTripTest, EveryType) {
  BatchPtr batch = EveryTypeBatch();
  std::vector<BatchPtr> batches = {batch, batch->Slice(2, 4), batch->Slice(7, 0)};
  const std::string bytes = Write(GetParam(), batch->schema(), batches);
  IpcData data = ReadOk(bytes);
  ASSERT_TRUE(data.schema);
  EXPECT_TRUE(data.schema->Equals(*batch->schema(), /*check_metadata=*/true)) << data.schema->ToString();
  ExpectSameBatches(batches, data);
}

TEST_P(ArrowIpcRoundTripTest, ZeroBatches) {
  BatchPtr batch = EveryTypeBatch();
  IpcData data = ReadOk(Write(GetParam(), batch->schema(), {}));
  ASSERT_TRUE(data.schema);
  EXPECT_TRUE(data.schema->Equals(*batch->schema(), true));
  EXPECT_TRUE(data.batches.empty());
}

TEST_P(ArrowIpcRoundTripTest, EverySliceOfEveryType) {
  // Offsets that are not multiples of 8 shift validity and bool bitmaps.
  BatchPtr batch = EveryTypeBatch();
  for (int64_t offset = 0; offset <= batch->num_rows(); ++offset) {
    for (int64_t length = 0; offset + length <= batch->num_rows(); ++length) {
      BatchPtr slice = batch->Slice(offset, length);
      IpcData data = ReadOk(Write(GetParam(), batch->schema(), {slice}));
      ExpectSameBatches({slice}, data);
    }
  }
}

TEST_P(ArrowIpcRoundTripTest, LargeBatch) {
  // Enough rows for the compressors to find something to compress.
  auto ids = ArrayBuilder::Make(int64());
  auto vectors = ArrayBuilder::Make(vector_type(8));
  auto names = ArrayBuilder::Make(utf8());
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(ids->AppendInt(i).ok());
    float v[8];
    for (int k = 0; k < 8; ++k) v[k] = static_cast<float>(i % 17) * 0.5f + static_cast<float>(k);
    ASSERT_TRUE(vectors->AppendVector(v, 8).ok());
    ASSERT_TRUE(
        (i % 10 == 0 ? names->AppendNull() : names->AppendString("name " + std::to_string(i % 100))).ok());
  }
  auto schema = std::make_shared<const Schema>(
      std::vector<Field>{Field("id", int64()), Field("vector", vector_type(8)), Field("name", utf8())});
  BatchPtr batch = *RecordBatch::Make(schema, {ids->Finish(), vectors->Finish(), names->Finish()});
  const std::string bytes = Write(GetParam(), schema, {batch, batch->Slice(1234, 5000)});
  if (GetParam().compression != IpcCompression::kNone) {
    const std::string plain =
        Write({GetParam().file, IpcCompression::kNone}, schema, {batch, batch->Slice(1234, 5000)});
    EXPECT_LT(bytes.size(), plain.size() / 2);
  }
  ExpectSameBatches({batch, batch->Slice(1234, 5000)}, ReadOk(bytes));
}

INSTANTIATE_TEST_SUITE_P(
    Flavours, ArrowIpcRoundTripTest,
    ::testing::Values(Flavour{false, IpcCompression::kNone}, Flavour{true, IpcCompression::kNone},
                      Flavour{false, IpcCompression::kLz4Frame}, Flavour{true, IpcCompression::kLz4Frame},
                      Flavour{false, IpcCompression::kZstd}, Flavour{true, IpcCompression::kZstd}),
    [](const ::testing::TestParamInfo<Flavour>& info) {
      std::string name = info.param.file ? "File" : "Stream";
      switch (info.param.compression) {
        case IpcCompression::kNone:
          return name;
        case IpcCompression::kLz4Frame:
          return name + "Lz4";
        case IpcCompression::kZstd:
          return name + "Zstd";
      }
      return name;
    });

TEST(ArrowIpcTest, MetadataNullabilityAndListElementNames) {
  Field element("element", float32(), /*nullable=*/false, {{"unit", "m"}});
  std::vector<Field> fields = {
      Field("v", DataType::FixedSizeList(element, 2), false, {{"k", "v"}, {"k2", ""}}),
      Field("l", DataType::List(Field("value", utf8(), true), false)),
      Field("s", struct_({Field("a", int8(), false, {{"doc", "x"}})}))};
  BatchPtr batch = MakeBatch(
      fields,
      {Json::array({Json::array({1, 2})}), Json::array({Json::array({"a"})}), Json::array({{{"a", 1}}})},
      {{"schema-key", "schema-value"}});
  IpcData data = ReadOk(*WriteIpcStream(batch->schema(), {batch}));
  ASSERT_TRUE(data.schema);
  const Schema& s = *data.schema;
  EXPECT_EQ(s.metadata(), (Metadata{{"schema-key", "schema-value"}}));
  EXPECT_FALSE(s.field(0).nullable);
  EXPECT_EQ(s.field(0).metadata, (Metadata{{"k", "v"}, {"k2", ""}}));
  const Field& vec_element = s.field(0).type->children()[0];
  EXPECT_EQ(vec_element.name, "element");
  EXPECT_FALSE(vec_element.nullable);
  EXPECT_EQ(vec_element.metadata, (Metadata{{"unit", "m"}}));
  EXPECT_EQ(s.field(1).type->children()[0].name, "value");
  EXPECT_TRUE(s.field(1).nullable);
  EXPECT_EQ(s.field(2).type->children()[0].metadata, (Metadata{{"doc", "x"}}));
  EXPECT_FALSE(s.field(2).type->children()[0].nullable);
}

TEST(ArrowIpcTest, EmptySchema) {
  auto schema = std::make_shared<const Schema>();
  auto batch = std::make_shared<const RecordBatch>(schema, 3, std::vector<ArrayPtr>{});
  IpcData data = ReadOk(*WriteIpcFile(schema, {batch}));
  ASSERT_EQ(data.batches.size(), 1u);
  EXPECT_EQ(data.batches[0]->num_rows(), 3);
  EXPECT_EQ(data.schema->num_fields(), 0);
}

TEST(ArrowIpcTest, StreamWithoutEndMarker) {
  BatchPtr batch = EveryTypeBatch();
  std::string bytes = *WriteIpcStream(batch->schema(), {batch, batch});
  ASSERT_EQ(bytes.substr(bytes.size() - 8), std::string("\xff\xff\xff\xff\0\0\0\0", 8));
  bytes.resize(bytes.size() - 8);
  ExpectSameBatches({batch, batch}, ReadOk(bytes));
}

TEST(ArrowIpcTest, FramingAndAlignment) {
  BatchPtr batch = EveryTypeBatch();
  const std::string stream = *WriteIpcStream(batch->schema(), {batch});
  EXPECT_EQ(DecodeFixed32(stream.data()), 0xFFFFFFFFu);
  EXPECT_EQ(DecodeFixed32(stream.data() + 4) % 8, 0u);  // metadata padded to 8
  const std::string file = *WriteIpcFile(batch->schema(), {batch});
  EXPECT_EQ(file.substr(0, 8), std::string("ARROW1\0\0", 8));
  EXPECT_EQ(file.substr(file.size() - 6), "ARROW1");
  // The file embeds the same stream after its 8-byte magic.
  EXPECT_EQ(file.substr(8, stream.size()), stream);
}

TEST(ArrowIpcTest, StreamWriterMatchesWholeBufferForm) {
  BatchPtr batch = EveryTypeBatch();
  for (auto framing : {IpcStreamWriter::Framing::kStream, IpcStreamWriter::Framing::kFile}) {
    std::ostringstream out;
    auto writer = IpcStreamWriter::Open(out, batch->schema(), framing);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->WriteBatch(*batch).ok());
    ASSERT_TRUE((*writer)->WriteBatch(*batch->Slice(1, 3)).ok());
    ASSERT_TRUE((*writer)->Close().ok());
    const std::vector<BatchPtr> batches = {batch, batch->Slice(1, 3)};
    const std::string whole = framing == IpcStreamWriter::Framing::kFile
                                  ? *WriteIpcFile(batch->schema(), batches)
                                  : *WriteIpcStream(batch->schema(), batches);
    EXPECT_EQ(out.str(), whole);
  }
}

TEST(ArrowIpcTest, WriterRejectsMismatchedBatch) {
  BatchPtr batch = EveryTypeBatch();
  auto other = std::make_shared<const Schema>(std::vector<Field>{Field("x", int32())});
  Result<std::string> out = WriteIpcStream(other, {batch});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsInvalidArgument());
  BatchPtr ints = MakeBatch({Field("x", int64())}, {Json::array({1})});
  out = WriteIpcFile(other, {ints});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("column \"x\" has type int64"));
}

TEST(ArrowIpcTest, ReadsWithoutCopying) {
  BatchPtr batch = MakeBatch({Field("v", vector_type(4)), Field("s", utf8())},
                             {Json::array({Json::array({1, 2, 3, 4})}), Json::array({"abc"})});
  const std::string bytes = *WriteIpcStream(batch->schema(), {batch});
  BufferPtr input = Buffer::Copy(bytes.data(), bytes.size());
  auto reader = IpcReader::Open(input);
  ASSERT_TRUE(reader.ok());
  Result<BatchPtr> read = (*reader)->Next();
  ASSERT_TRUE(read.ok() && *read);
  const uint8_t* values = (*read)->column(0)->child(0)->buffer(1)->data();
  EXPECT_GE(values, input->data());
  EXPECT_LT(values, input->data() + input->size());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(values) % 8, 0u);
  EXPECT_EQ((*reader)->Next()->get(), nullptr);
  EXPECT_EQ((*reader)->position(), static_cast<int64_t>(bytes.size()));
}

// ---------------------------------------------------------------------------
// Malformed input

void ExpectCleanFailure(std::string_view bytes, const std::string& what) {
  Result<IpcData> data = ReadIpc(bytes);
  if (data.ok()) return;
  EXPECT_TRUE(data.status().IsInvalidArgument()) << what << ": " << data.status().ToString();
  EXPECT_THAT(data.status().message(), HasSubstr("Arrow IPC: ")) << what;
}

class ArrowIpcCorruptionTest : public ::testing::TestWithParam<Flavour> {};

TEST_P(ArrowIpcCorruptionTest, EveryPrefix) {
  BatchPtr batch = EveryTypeBatch();
  const std::string bytes = Write(GetParam(), batch->schema(), {batch->Slice(1, 4), batch});
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string_view prefix(bytes.data(), n);
    Result<IpcData> data = ReadIpc(prefix);
    if (GetParam().file) {
      EXPECT_FALSE(data.ok()) << "a file cut to " << n << " bytes was read";
    } else if (data.ok()) {
      // A stream cut between messages is a shorter, valid stream.
      EXPECT_LT(data->batches.size(), 3u);
    }
    ExpectCleanFailure(prefix, "prefix of " + std::to_string(n) + " bytes");
  }
}

TEST_P(ArrowIpcCorruptionTest, RandomByteFlips) {
  BatchPtr batch = EveryTypeBatch();
  const std::string bytes = Write(GetParam(), batch->schema(), {batch->Slice(1, 4), batch});
  std::mt19937 rng(42);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string damaged = bytes;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      const size_t at = rng() % damaged.size();
      damaged[at] = static_cast<char>(trial % 2 ? rng() & 0xff : damaged[at] ^ (1 << (rng() % 8)));
    }
    ExpectCleanFailure(damaged, "trial " + std::to_string(trial));
  }
}

INSTANTIATE_TEST_SUITE_P(Flavours, ArrowIpcCorruptionTest,
                         ::testing::Values(Flavour{false, IpcCompression::kNone},
                                           Flavour{true, IpcCompression::kNone},
                                           Flavour{false, IpcCompression::kLz4Frame},
                                           Flavour{true, IpcCompression::kZstd}),
                         [](const ::testing::TestParamInfo<Flavour>& info) {
                           return std::string(info.param.file ? "File" : "Stream") +
                                  (info.param.compression == IpcCompression::kNone       ? ""
                                   : info.param.compression == IpcCompression::kLz4Frame ? "Lz4"
                                                                                         : "Zstd");
                         });

TEST(ArrowIpcTest, NotArrow) {
  for (std::string_view bytes : {std::string_view(""), std::string_view("id,name\n1,a\n"),
                                 std::string_view("ARROW1"), std::string_view("\xff\xff\xff\xff", 4)}) {
    Result<IpcData> data = ReadIpc(bytes);
    ASSERT_FALSE(data.ok()) << bytes;
    EXPECT_TRUE(data.status().IsInvalidArgument());
    EXPECT_THAT(data.status().message(), HasSubstr("Arrow IPC"));
  }
  EXPECT_THAT(ReadIpc("").status().message(), HasSubstr("empty"));
}

TEST(ArrowIpcTest, TruncatedBodyNamesTheByte) {
  BatchPtr batch = EveryTypeBatch();
  std::string bytes = *WriteIpcStream(batch->schema(), {batch});
  bytes.resize(bytes.size() - 8 - 16);  // no end marker, body cut short
  Result<IpcData> data = ReadIpc(bytes);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(), HasSubstr("Arrow IPC: truncated message body at byte "));
}

// ---------------------------------------------------------------------------
// Hand-made messages: foreign types and hostile record batches.

using flatbuf::Builder;

std::string Frame(const std::string& flatbuffer, const std::string& body = "") {
  std::string out;
  PutFixed32(&out, 0xFFFFFFFF);
  const size_t padded = (flatbuffer.size() + 7) / 8 * 8;
  PutFixed32(&out, static_cast<uint32_t>(padded));
  out += flatbuffer;
  out.resize(8 + padded, '\0');
  return out + body;
}

// A Message around `header` (already built in `b`).
std::string Message(Builder& b, uint8_t type, Builder::Ref header, int64_t body_length) {
  b.StartTable();
  b.AddInt16(0, 4);  // V5
  b.AddUint8(1, type);
  b.AddRef(2, header);
  b.AddInt64(3, body_length);
  return b.Finish(b.EndTable());
}

// A schema message with one field "f" whose type has union code `code` and
// an empty type table (or a Date table with `date_unit`); `dictionary` adds
// a DictionaryEncoding, `children` int32 child fields.
std::string SchemaWithField(uint8_t code, bool dictionary = false, int16_t date_unit = -1, int children = 0) {
  Builder b;
  std::vector<Builder::Ref> kids;
  for (int i = 0; i < children; ++i) {  // int32 fields named "item"
    const Builder::Ref child_name = b.CreateString("item");
    b.StartTable();
    b.AddInt32(0, 32);
    b.AddUint8(1, 1);
    const Builder::Ref int_type = b.EndTable();
    b.StartTable();
    b.AddRef(0, child_name);
    b.AddUint8(1, 1);
    b.AddUint8(2, 2);
    b.AddRef(3, int_type);
    kids.push_back(b.EndTable());
  }
  const Builder::Ref children_ref = b.CreateRefVector(kids);
  const Builder::Ref name = b.CreateString("f");
  b.StartTable();
  if (date_unit >= 0) b.AddInt16(0, date_unit);
  const Builder::Ref type = b.EndTable();
  Builder::Ref encoding = 0;
  if (dictionary) {
    b.StartTable();
    b.AddInt64(0, 0);
    encoding = b.EndTable();
  }
  b.StartTable();
  b.AddRef(0, name);
  b.AddUint8(1, 1);
  b.AddUint8(2, code);
  b.AddRef(3, type);
  if (dictionary) b.AddRef(4, encoding);
  b.AddRef(5, children_ref);
  const Builder::Ref field = b.EndTable();
  const Builder::Ref fields = b.CreateRefVector({field});
  b.StartTable();
  b.AddRef(1, fields);
  const Builder::Ref schema = b.EndTable();
  return Frame(Message(b, 1, schema, 0));
}

TEST(ArrowIpcTest, UnsupportedTypesAreNamed) {
  const std::vector<std::pair<uint8_t, std::string>> cases = {{7, "Decimal"},
                                                              {9, "Time"},
                                                              {11, "Interval"},
                                                              {14, "Union"},
                                                              {15, "FixedSizeBinary"},
                                                              {17, "Map"},
                                                              {18, "Duration"},
                                                              {22, "RunEndEncoded"},
                                                              {23, "BinaryView"},
                                                              {24, "Utf8View"},
                                                              {25, "ListView"},
                                                              {26, "LargeListView"},
                                                              {99, "unknown Arrow type code 99"}};
  for (const auto& [code, name] : cases) {
    Result<IpcData> data = ReadIpc(SchemaWithField(code));
    ASSERT_FALSE(data.ok()) << name;
    EXPECT_TRUE(data.status().IsInvalidArgument());
    EXPECT_THAT(data.status().message(), HasSubstr(name));
    EXPECT_THAT(data.status().message(), HasSubstr("field \"f\""));
  }
  Result<IpcData> dict = ReadIpc(SchemaWithField(5, /*dictionary=*/true));
  EXPECT_THAT(dict.status().message(), HasSubstr("Dictionary"));
  Result<IpcData> date64 = ReadIpc(SchemaWithField(8, false, /*date_unit=*/1));
  EXPECT_THAT(date64.status().message(), HasSubstr("date64"));
  Result<IpcData> date_default = ReadIpc(SchemaWithField(8));  // the format's default unit is MILLISECOND
  EXPECT_THAT(date_default.status().message(), HasSubstr("date64"));
  Result<IpcData> date32 = ReadIpc(SchemaWithField(8, false, /*date_unit=*/0));
  ASSERT_TRUE(date32.ok()) << date32.status().ToString();
  EXPECT_EQ(date32->schema->field(0).type->id(), TypeId::kDate32);
  // A list with two children is malformed.
  Result<IpcData> list = ReadIpc(SchemaWithField(12, false, -1, 2));
  EXPECT_THAT(list.status().message(), HasSubstr("2 children"));
}

// A stream: the schema of `batch`, then one record batch message with the
// given nodes, buffers, body and compression codec (-1: none).
std::string HandMadeStream(const Schema& schema, int64_t length,
                           const std::vector<std::pair<int64_t, int64_t>>& nodes,
                           const std::vector<std::pair<int64_t, int64_t>>& buffers, const std::string& body,
                           int codec = -1) {
  std::string out = *WriteIpcStream(std::make_shared<const Schema>(schema), {});
  out.resize(out.size() - 8);  // drop the end marker
  std::string node_bytes, buffer_bytes;
  for (auto [a, b] : nodes) {
    PutFixed64(&node_bytes, a);
    PutFixed64(&node_bytes, b);
  }
  for (auto [a, b] : buffers) {
    PutFixed64(&buffer_bytes, a);
    PutFixed64(&buffer_bytes, b);
  }
  Builder b;
  const Builder::Ref nodes_ref = b.CreateVector(node_bytes, nodes.size(), 16, 8);
  const Builder::Ref buffers_ref = b.CreateVector(buffer_bytes, buffers.size(), 16, 8);
  Builder::Ref compression = 0;
  if (codec >= 0) {
    b.StartTable();
    b.AddUint8(0, static_cast<uint8_t>(codec));
    compression = b.EndTable();
  }
  b.StartTable();
  b.AddInt64(0, length);
  b.AddRef(1, nodes_ref);
  b.AddRef(2, buffers_ref);
  if (compression) b.AddRef(3, compression);
  const Builder::Ref header = b.EndTable();
  return out + Frame(Message(b, 3, header, static_cast<int64_t>(body.size())), body);
}

std::string Int64s(std::vector<int64_t> values) {
  std::string out;
  for (int64_t v : values) PutFixed64(&out, static_cast<uint64_t>(v));
  return out;
}

TEST(ArrowIpcTest, StoredUncompressedBuffers) {
  // -1 as the uncompressed length: the bytes follow as they are.
  Schema schema({Field("x", int64())});
  const std::string body = Int64s({-1, 7, 8, 9});
  IpcData data = ReadOk(HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {0, 32}}, body, /*codec=*/1));
  ASSERT_EQ(data.batches.size(), 1u);
  EXPECT_EQ(data.batches[0]->column(0)->FormatValue(2), "9");
}

TEST(ArrowIpcTest, HostileRecordBatches) {
  Schema schema({Field("x", int64())});
  struct Case {
    std::string name;
    std::string bytes;
    std::string error;
  };
  const std::string three = Int64s({1, 2, 3});
  const std::vector<Case> cases = {
      {"buffer past the body", HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {8, 24}}, three),
       "lies outside the body"},
      {"negative offset", HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {-8, 8}}, three),
       "lies outside the body"},
      {"values too short", HandMadeStream(schema, 4, {{4, 0}}, {{0, 0}, {0, 24}}, three),
       "values buffer has 24 bytes"},
      {"too few nodes", HandMadeStream(schema, 3, {}, {{0, 0}, {0, 24}}, three), "too few for the schema"},
      {"too few buffers", HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}}, three), "too few for the schema"},
      {"extra nodes", HandMadeStream(schema, 3, {{3, 0}, {3, 0}}, {{0, 0}, {0, 24}}, three),
       "the schema uses 1"},
      {"nulls without bitmap", HandMadeStream(schema, 3, {{3, 1}}, {{0, 0}, {0, 24}}, three), "validity"},
      {"column length differs", HandMadeStream(schema, 2, {{3, 0}}, {{0, 0}, {0, 24}}, three), "rows"},
      {"negative length", HandMadeStream(schema, 3, {{-3, 0}}, {{0, 0}, {0, 24}}, three), "length -3"},
      {"huge decompressed size",
       HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {0, 16}}, Int64s({int64_t{1} << 40, 0}), 1),
       "past the limit"},
      {"lz4 claim beyond its ratio",
       HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {0, 16}}, Int64s({int64_t{1} << 30, 0}), 0),
       "cannot hold"},
      {"garbage lz4", HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {0, 16}}, Int64s({24, 0x1234}), 0), "LZ4"},
      {"garbage zstd", HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {0, 16}}, Int64s({24, 0x1234}), 1),
       "zstd"},
      {"short compressed buffer", HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {0, 4}}, Int64s({24}), 1),
       "lacks its length"},
      {"unknown codec", HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {0, 24}}, three, 7), "codec 7"},
  };
  for (const Case& c : cases) {
    Result<IpcData> data = ReadIpc(c.bytes);
    ASSERT_FALSE(data.ok()) << c.name;
    EXPECT_TRUE(data.status().IsInvalidArgument()) << c.name << ": " << data.status().ToString();
    EXPECT_THAT(data.status().message(), HasSubstr(c.error)) << c.name;
  }
}

TEST(ArrowIpcTest, DecompressionLimitCoversTheWholeBatch) {
  BatchPtr batch = MakeBatch({Field("a", int64()), Field("b", int64())},
                             {Json::array({1, 2, 3, 4}), Json::array({5, 6, 7, 8})});
  IpcWriteOptions write;
  write.compression = IpcCompression::kZstd;
  const std::string bytes = *WriteIpcStream(batch->schema(), {batch}, write);
  IpcReadOptions read;
  read.max_decompressed_bytes = 64;  // both value buffers: 32 bytes each
  EXPECT_TRUE(ReadIpc(bytes, read).ok());
  read.max_decompressed_bytes = 63;
  Result<IpcData> data = ReadIpc(bytes, read);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(), HasSubstr("field \"b\": uncompressed length 32 takes the batch past"));
}

TEST(ArrowIpcTest, OverlappingFooterBlocks) {
  // A footer listing one batch twice would let a small file decode into
  // many batches.
  BatchPtr batch = EveryTypeBatch();
  std::string file = *WriteIpcFile(batch->schema(), {batch, batch});
  const std::string stream = *WriteIpcStream(batch->schema(), {batch});
  const std::string schema_only = *WriteIpcStream(batch->schema(), {});
  const uint64_t first = 8 + schema_only.size() - 8;
  const uint64_t second = first + (stream.size() - schema_only.size());
  std::string from, to;
  PutFixed64(&from, second);
  PutFixed64(&to, first);
  const size_t footer_length = DecodeFixed32(file.data() + file.size() - 10);
  const size_t at = file.find(from, file.size() - 10 - footer_length);
  ASSERT_NE(at, std::string::npos);
  file.replace(at, 8, to);
  Result<IpcData> data = ReadIpc(file);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(), HasSubstr("record batch 1 of the footer"));
  EXPECT_THAT(data.status().message(), HasSubstr("overlaps the previous batch"));
}

TEST(ArrowIpcTest, SharedSchemaSubtreesAreRejected) {
  // Each level's struct lists the level below twice: 2^40 fields from a
  // few hundred bytes, unless the decoder notices.
  Builder b;
  const Builder::Ref int_name = b.CreateString("leaf");
  b.StartTable();
  b.AddInt32(0, 32);
  b.AddUint8(1, 1);
  const Builder::Ref int_type = b.EndTable();
  b.StartTable();
  b.AddRef(0, int_name);
  b.AddUint8(2, 2);  // Int
  b.AddRef(3, int_type);
  Builder::Ref level = b.EndTable();
  for (int depth = 0; depth < 40; ++depth) {
    const Builder::Ref children = b.CreateRefVector({level, level});
    const Builder::Ref name = b.CreateString("s");
    b.StartTable();
    const Builder::Ref struct_type = b.EndTable();
    b.StartTable();
    b.AddRef(0, name);
    b.AddUint8(2, 13);  // Struct_
    b.AddRef(3, struct_type);
    b.AddRef(5, children);
    level = b.EndTable();
  }
  const Builder::Ref fields = b.CreateRefVector({level});
  b.StartTable();
  b.AddRef(1, fields);
  const Builder::Ref schema = b.EndTable();
  Result<IpcData> data = ReadIpc(Frame(Message(b, 1, schema, 0)));
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(), HasSubstr("more fields than its metadata can hold"));
}

TEST(ArrowIpcTest, StringOffsetsAreChecked) {
  Schema schema({Field("s", utf8())});
  std::string offsets;
  for (int32_t v : {0, 2, 1, 3}) PutFixed32(&offsets, static_cast<uint32_t>(v));
  offsets.resize(16, '\0');
  const std::string body = offsets + "abc" + std::string(5, '\0');
  Result<IpcData> data = ReadIpc(HandMadeStream(schema, 3, {{3, 0}}, {{0, 0}, {0, 16}, {16, 3}}, body));
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(), HasSubstr("offsets decrease"));
}

TEST(ArrowIpcTest, AllNullBoolWithoutValues) {
  // Arrow JS writes no values buffer for a bool array holding only nulls.
  Schema schema({Field("b", boolean())});
  IpcData data = ReadOk(HandMadeStream(schema, 3, {{3, 3}}, {{0, 1}, {8, 0}}, std::string(8, '\0')));
  ASSERT_EQ(data.batches.size(), 1u);
  EXPECT_EQ(data.batches[0]->column(0)->null_count(), 3);
}

TEST(ArrowIpcTest, EmptyArraysWithoutOffsets) {
  // Some writers leave the offsets of an empty string array empty.
  Schema schema({Field("s", utf8()), Field("l", list(int32()))});
  IpcData data = ReadOk(HandMadeStream(schema, 0, {{0, 0}, {0, 0}, {0, 0}},
                                       {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}, ""));
  ASSERT_EQ(data.batches.size(), 1u);
  EXPECT_EQ(data.batches[0]->num_rows(), 0);
}

// ---------------------------------------------------------------------------
// Through file_reader.h and output.h

TEST(ArrowFileReaderTest, FormatNames) {
  for (const char* path : {"a.arrow", "b.ARROWS", "c.ipc", "d.feather"}) {
    EXPECT_EQ(*DetectFileFormat(path), FileFormat::kArrow) << path;
  }
  EXPECT_EQ(*ParseFileFormat("arrow"), FileFormat::kArrow);
  EXPECT_EQ(FileFormatName(FileFormat::kArrow), "arrow");
}

TEST(ArrowFileReaderTest, ReadsBothFramingsBatchByBatch) {
  ::quiver::testing::TempDir dir;
  BatchPtr batch = EveryTypeBatch();
  const std::vector<BatchPtr> batches = {batch, batch->Slice(2, 3)};
  for (const std::string name : {"x.arrow", "x.arrows", "x.feather", "x.ipc"}) {
    const bool file = name == "x.arrow" || name == "x.feather";
    IpcWriteOptions options;
    options.compression = name == "x.ipc" ? IpcCompression::kZstd : IpcCompression::kNone;
    const std::string bytes = file ? *WriteIpcFile(batch->schema(), batches, options)
                                   : *WriteIpcStream(batch->schema(), batches, options);
    testing::WriteFile(dir.Join(name), bytes);
    auto reader = OpenFileReader(dir.Join(name));
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_TRUE((*reader)->schema()->Equals(*batch->schema(), true));
    EXPECT_EQ((*reader)->total_bytes(), static_cast<int64_t>(bytes.size()));
    int64_t last = (*reader)->bytes_read();
    std::vector<BatchPtr> read;
    while (true) {
      Result<BatchPtr> next = (*reader)->Next();
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      if (!*next) break;
      EXPECT_GT((*reader)->bytes_read(), last);
      last = (*reader)->bytes_read();
      read.push_back(*next);
    }
    EXPECT_EQ((*reader)->progress(), 1.0);
    ExpectSameBatches(batches, IpcData{batch->schema(), read});
  }
}

TEST(ArrowFileReaderTest, CastsToAGivenSchema) {
  ::quiver::testing::TempDir dir;
  BatchPtr batch =
      MakeBatch({Field("id", int32()), Field("vector", vector_type(2, float16()))},
                {Json::array({1, 2}), Json::array({Json::array({0.5, 1}), Json::array({2, 3})})});
  testing::WriteFile(dir.Join("v.arrow"), *WriteIpcFile(batch->schema(), {batch}));
  FileReadOptions options;
  options.schema = std::make_shared<const Schema>(
      std::vector<Field>{Field("vector", vector_type(2)), Field("id", int64()), Field("note", utf8())});
  BatchPtr read = testing::ReadOk(dir.Join("v.arrow"), options);
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->schema()->Equals(*options.schema));
  EXPECT_EQ(testing::Values(*read, "vector"), (std::vector<std::string>{"[0.5, 1]", "[2, 3]"}));
  EXPECT_EQ(testing::Values(*read, "note"), (std::vector<std::string>{"null", "null"}));

  options.schema = std::make_shared<const Schema>(
      std::vector<Field>{Field("id", utf8()), Field("vector", vector_type(2))});
  Status st = testing::ReadError(dir.Join("v.arrow"), options);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_THAT(st.message(), HasSubstr("cannot be stored in column \"id\""));
}

TEST(ArrowFileReaderTest, ErrorsNameTheFile) {
  ::quiver::testing::TempDir dir;
  testing::WriteFile(dir.Join("bad.arrow"), "not arrow at all");
  Status st = testing::ReadError(dir.Join("bad.arrow"));
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_THAT(st.message(), HasSubstr("bad.arrow: Arrow IPC"));
  testing::WriteFile(dir.Join("empty.arrows"), "");
  EXPECT_THAT(testing::ReadError(dir.Join("empty.arrows")).message(), HasSubstr("empty"));
  EXPECT_TRUE(testing::ReadError(dir.Join("missing.arrow")).IsIOError());
}

TEST(ArrowOutputTest, WritesBothFramings) {
  EXPECT_EQ(*ParseOutputFormat("arrow"), OutputFormat::kArrow);
  EXPECT_EQ(*ParseOutputFormat("arrow-file"), OutputFormat::kArrowFile);
  EXPECT_EQ(OutputFormatName(OutputFormat::kArrowFile), "arrow-file");
  BatchPtr batch = EveryTypeBatch();
  for (OutputFormat format : {OutputFormat::kArrow, OutputFormat::kArrowFile}) {
    std::ostringstream out;
    auto reader = MakeBatchReader(batch->schema(), {batch, batch->Slice(3, 2)});
    ASSERT_TRUE(WriteBatches(*reader, format, out).ok());
    const std::string bytes = out.str();
    EXPECT_EQ(bytes.substr(0, 6) == "ARROW1", format == OutputFormat::kArrowFile);
    ExpectSameBatches({batch, batch->Slice(3, 2)}, ReadOk(bytes));
  }
}

}  // namespace
}  // namespace quiver::convert

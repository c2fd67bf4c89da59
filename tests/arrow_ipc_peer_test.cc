// Arrow IPC against another implementation: Arrow JS (the npm package
// apache-arrow, installed in bench/node by scripts/install_bench_peers.sh)
// reads the files and streams Quiver writes, and Quiver reads the ones Arrow
// JS writes. tests/node/arrow_ipc_peer.mjs prints the values it sees as
// canonical JSON (its header describes the form); Canonical() below gives
// the same form for Quiver's arrays, and the two must be equal.
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/float16.h"
#include "convert/arrow_ipc.h"
#include "convert/json_convert.h"
#include "quiver/builder.h"
#include "test_files.h"
#include "testing.h"

namespace quiver {
namespace {

using quiver::testing::ReadFile;
using quiver::testing::ShellQuote;

using nlohmann::json;

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// ---------------------------------------------------------------------------
// Quiver's values in the peer script's canonical JSON form.

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

json Float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

json Canonical(const Array& a, int64_t i) {
  if (a.IsNull(i)) return nullptr;
  switch (a.type()->id()) {
    case TypeId::kNull:
      return nullptr;
    case TypeId::kBool:
      return a.GetBool(i);
    case TypeId::kInt8:
      return std::to_string(a.values<int8_t>()[i]);
    case TypeId::kInt16:
      return std::to_string(a.values<int16_t>()[i]);
    case TypeId::kInt32:
    case TypeId::kDate32:
      return std::to_string(a.values<int32_t>()[i]);
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return std::to_string(a.values<int64_t>()[i]);
    case TypeId::kUInt8:
      return std::to_string(a.values<uint8_t>()[i]);
    case TypeId::kUInt16:
      return std::to_string(a.values<uint16_t>()[i]);
    case TypeId::kUInt32:
      return std::to_string(a.values<uint32_t>()[i]);
    case TypeId::kUInt64:
      return std::to_string(a.values<uint64_t>()[i]);
    case TypeId::kFloat16:
      return Float(HalfToFloat(a.values<uint16_t>()[i]));
    case TypeId::kFloat32:
      return Float(a.values<float>()[i]);
    case TypeId::kFloat64:
      return Float(a.values<double>()[i]);
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
      return std::string(a.GetView(i));
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      return Hex(a.GetView(i));
    case TypeId::kList:
    case TypeId::kLargeList: {
      json out = json::array();
      const auto [begin, end] = a.ListRange(i);
      for (int64_t k = begin; k < end; ++k) out.push_back(Canonical(*a.child(0), k));
      return out;
    }
    case TypeId::kFixedSizeList: {
      json out = json::array();
      const int64_t size = a.type()->list_size();
      for (int64_t k = 0; k < size; ++k) out.push_back(Canonical(*a.child(0), (a.offset() + i) * size + k));
      return out;
    }
    case TypeId::kStruct: {
      json out = json::object();
      for (size_t c = 0; c < a.children().size(); ++c) {
        out[a.type()->children()[c].name] = Canonical(*a.child(c), a.offset() + i);
      }
      return out;
    }
  }
  return "unknown type";
}

// {"column": [values of every batch, in order], ...}
json CanonicalColumns(const Schema& schema, const std::vector<BatchPtr>& batches) {
  json out = json::object();
  for (int c = 0; c < schema.num_fields(); ++c) {
    json values = json::array();
    for (const BatchPtr& batch : batches) {
      for (int64_t r = 0; r < batch->num_rows(); ++r) values.push_back(Canonical(*batch->column(c), r));
    }
    out[schema.field(c).name] = values;
  }
  return out;
}

// ---------------------------------------------------------------------------

ArrayPtr Column(const TypePtr& type, const json& values) {
  auto builder = ArrayBuilder::Make(type);
  const Field field("c", type);
  std::vector<float> scratch;
  for (const auto& v : values) {
    const Status st =
        convert::AppendJsonValue(convert::Json(v), field, builder.get(), convert::JsonPath{}, &scratch);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  return builder->Finish();
}

// Doubles JSON cannot spell.
ArrayPtr SpecialFloats() {
  auto builder = ArrayBuilder::Make(float64());
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (double v : {1.5, std::nan(""), kInf, -kInf, -0.0}) EXPECT_TRUE(builder->AppendDouble(v).ok());
  return builder->Finish();
}

// Five rows of the types Quiver and Arrow JS share (Arrow JS has no
// large_list), with nulls and nesting.
BatchPtr QuiverBatch() {
  const json n = nullptr;
  TypePtr point = struct_({Field("a", int32()), Field("b", utf8())});
  std::vector<Field> fields = {
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
      Field("f64", float64(), true, {{"unit", "metres"}}),
      Field("bool", boolean()),
      Field("str", utf8()),
      Field("large_str", large_utf8()),
      Field("bin", binary()),
      Field("large_bin", large_binary()),
      Field("vector", vector_type(3)),
      Field("half_vector", vector_type(2, float16())),
      Field("list", list(int32())),
      Field("point", point),
      Field("points", list(point)),
      Field("ts_s", timestamp(TimeUnit::kSecond)),
      Field("ts_ms", timestamp(TimeUnit::kMilli, "UTC")),
      Field("ts_us", timestamp(TimeUnit::kMicro, "Europe/Paris")),
      Field("ts_ns", timestamp(TimeUnit::kNano, "+05:30")),
      Field("date", date32()),
      Field("nothing", null_type()),
  };
  std::vector<json> columns = {
      {-128, 127, n, 0, 5},
      {-32768, 32767, n, 0, 5},
      {-2147483648LL, 2147483647, 0, 1, 5},
      {INT64_MIN, INT64_MAX, n, 0, 5},
      {0, 255, n, 1, 5},
      {0, 65535, n, 1, 5},
      {0, 4294967295ULL, n, 1, 5},
      {0, UINT64_MAX, n, 1, 5},
      {0.5, -2.0, n, 65504.0, 0.000061035156},
      {0.1, -1e30, n, 3.5, 1e-40},
      nullptr,  // SpecialFloats()
      {true, false, n, true, false},
      {"", "héllo", n, "a", "日本"},
      {"x", n, "", "long", "text"},
      {"\x01\x02", "", n, "\xff", "b"},
      {n, "z", "", "bin", "\x7f"},
      {json::array({1, 2, 3}), n, json::array({0.5, 0.25, -1}), json::array({4, 5, 6}),
       json::array({7, 8, 9})},
      {json::array({1, 2}), json::array({0.5, n}), n, json::array({3, 4}), json::array({-1, 0})},
      {json::array({1, 2}), json::array(), n, json::array({3, n}), json::array({4})},
      {{{"a", 1}, {"b", "x"}}, n, {{"a", n}, {"b", "y"}}, {{"a", 3}, {"b", n}}, {{"a", 4}, {"b", "w"}}},
      {json::array({{{"a", 1}, {"b", "p"}}}), json::array(), n,
       json::array({{{"a", 2}, {"b", "q"}}, n, {{"a", n}, {"b", "r"}}}),
       json::array({{{"a", 5}, {"b", "s"}}})},
      {0, 1700000000, n, -1, 5},
      {0, 1700000000123LL, n, -1, 5},
      {0, 1700000000123456LL, n, -1, 5},
      {0, 1700000000123456789LL, n, -1, 5},
      {0, 19723, n, -1, 5},
      {n, n, n, n, n},
  };
  std::vector<ArrayPtr> arrays;
  for (size_t i = 0; i < fields.size(); ++i) {
    arrays.push_back(fields[i].name == "f64" ? SpecialFloats() : Column(fields[i].type, columns[i]));
  }
  auto schema = std::make_shared<const Schema>(std::move(fields), Metadata{{"writer", "quiver"}});
  Result<BatchPtr> batch = RecordBatch::Make(schema, std::move(arrays));
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  return batch.ok() ? *batch : nullptr;
}

class ArrowIpcPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string source = QUIVER_SOURCE_DIR;
    script_ = source + "/tests/node/arrow_ipc_peer.mjs";
    const std::string arrow = source + "/bench/node/node_modules/apache-arrow/package.json";
    if (std::system("node --version >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "node is not installed (see scripts/install_bench_peers.sh)";
    }
    if (!std::filesystem::exists(arrow)) {
      GTEST_SKIP()
          << "apache-arrow is not installed in bench/node/node_modules: run scripts/install_bench_peers.sh";
    }
  }

  // Runs the peer script and returns the JSON it printed.
  json Peer(const std::string& mode, const std::string& path) {
    const std::string out = dir_.Join("peer.out"), err = dir_.Join("peer.err");
    const std::string cmd = "node " + ShellQuote(script_) + " " + mode + " " + ShellQuote(path) + " >" +
                            ShellQuote(out) + " 2>" + ShellQuote(err);
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << "\n" << ReadFile(err);
    json parsed = json::parse(ReadFile(out), nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << "peer output is not JSON: " << ReadFile(out).substr(0, 200);
    return parsed;
  }

  // Runs `quiver args...` (QUIVER_BIN), stdout to `out_path`; returns the exit code.
  int Quiver(const std::vector<std::string>& args, const std::string& out_path) {
    const char* bin = std::getenv("QUIVER_BIN");
    if (bin == nullptr || *bin == '\0') return -1;
    std::string cmd = ShellQuote(bin);
    for (const std::string& a : args) cmd += " " + ShellQuote(a);
    cmd += " </dev/null >" + ShellQuote(out_path) + " 2>" + ShellQuote(dir_.Join("quiver.err"));
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  ::quiver::testing::TempDir dir_;
  std::string script_;
};

// The JS type names of QuiverBatch's columns.
const std::vector<std::pair<std::string, std::string>> kJsTypes = {
    {"i8", "Int8"},
    {"u64", "Uint64"},
    {"f16", "Float16"},
    {"f32", "Float32"},
    {"f64", "Float64"},
    {"bool", "Bool"},
    {"str", "Utf8"},
    {"large_str", "LargeUtf8"},
    {"bin", "Binary"},
    {"large_bin", "LargeBinary"},
    {"vector", "FixedSizeList[3]<Float32>"},
    {"half_vector", "FixedSizeList[2]<Float16>"},
    {"list", "List<Int32>"},
    {"point", "Struct<{a:Int32, b:Utf8}>"},
    {"points", "List<Struct<{a:Int32, b:Utf8}>>"},
    {"ts_s", "Timestamp<SECOND>"},
    {"ts_ms", "Timestamp<MILLISECOND, UTC>"},
    {"ts_us", "Timestamp<MICROSECOND, Europe/Paris>"},
    {"ts_ns", "Timestamp<NANOSECOND, +05:30>"},
    {"date", "Date32<DAY>"},
    {"nothing", "Null"},
};

TEST_F(ArrowIpcPeerTest, ArrowJsReadsWhatQuiverWrites) {
  BatchPtr batch = QuiverBatch();
  ASSERT_TRUE(batch);
  // Slices exercise the rebasing of offsets and bitmaps.
  const std::vector<BatchPtr> batches = {batch, batch->Slice(1, 3), batch->Slice(3, 2)};
  const json expected = CanonicalColumns(*batch->schema(), batches);
  for (const bool file : {true, false}) {
    SCOPED_TRACE(file ? "file" : "stream");
    const std::string path = dir_.Join(file ? "quiver.arrow" : "quiver.arrows");
    Result<std::string> bytes = file ? convert::WriteIpcFile(batch->schema(), batches)
                                     : convert::WriteIpcStream(batch->schema(), batches);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    WriteFile(path, *bytes);
    const json seen = Peer("read", path);
    ASSERT_TRUE(seen.is_object());
    EXPECT_EQ(seen["num_rows"], 10);
    EXPECT_EQ(seen["metadata"], json({{"writer", "quiver"}}));
    std::map<std::string, json> fields;
    for (const json& f : seen["schema"]) fields[f["name"].get<std::string>()] = f;
    ASSERT_EQ(fields.size(), static_cast<size_t>(batch->num_columns()));
    for (const auto& [name, type] : kJsTypes) EXPECT_EQ(fields[name]["type"], type) << name;
    EXPECT_EQ(fields["i32"]["nullable"], false);
    EXPECT_EQ(fields["f64"]["metadata"], json({{"unit", "metres"}}));
    for (const auto& [name, values] : expected.items()) {
      EXPECT_EQ(seen["columns"][name], values) << "column " << name;
    }
  }
}

TEST_F(ArrowIpcPeerTest, QuiverReadsWhatArrowJsWrites) {
  const json written = Peer("write", dir_.path());
  ASSERT_TRUE(written.is_object());
  const std::map<std::string, std::string> quiver_types = {
      {"f16", "halffloat"},
      {"large_str", "large_string"},
      {"large_bin", "large_binary"},
      {"vector", "fixed_size_list<float>[3]"},
      {"points", "list<struct<a: int32, b: string>>"},
      {"ts_ms", "timestamp[ms, tz=UTC]"},
      {"ts_us", "timestamp[us]"},
      {"date", "date32"},
      {"nothing", "null"},
  };
  for (const std::string name : {"js.arrow", "js.arrows"}) {
    SCOPED_TRACE(name);
    Result<convert::IpcData> data = convert::ReadIpc(ReadFile(dir_.Join(name)));
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    for (const auto& [column, type] : quiver_types) {
      const Result<const Field*> field = data->schema->GetField(column);
      ASSERT_TRUE(field.ok()) << column;
      EXPECT_EQ((*field)->type->ToString(), type);
    }
    const json seen = CanonicalColumns(*data->schema, data->batches);
    EXPECT_EQ(seen.size(), written["columns"].size());
    for (const auto& [column, values] : written["columns"].items()) {
      EXPECT_EQ(seen[column], values) << "column " << column;
    }
  }
}

TEST_F(ArrowIpcPeerTest, CliImportsArrowAndExportsItToArrowJs) {
  if (std::getenv("QUIVER_BIN") == nullptr) GTEST_SKIP() << "QUIVER_BIN is not set";
  const json written = Peer("write", dir_.path());
  const std::string db = dir_.Join("db");
  ASSERT_EQ(Quiver({"create", db, "items", dir_.Join("js.arrow")}, dir_.Join("create.out")), 0)
      << ReadFile(dir_.Join("quiver.err"));
  for (const std::string format : {"arrow", "arrow-file"}) {
    SCOPED_TRACE(format);
    const std::string out = dir_.Join("scan." + format);
    ASSERT_EQ(Quiver({"scan", db, "items", "--format", format}, out), 0) << ReadFile(dir_.Join("quiver.err"));
    const json seen = Peer("read", out);
    for (const auto& [column, values] : written["columns"].items()) {
      EXPECT_EQ(seen["columns"][column], values) << "column " << column;
    }
  }
}

}  // namespace
}  // namespace quiver

#include "convert/json_tape.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "convert/file_reader.h"
#include "convert/json_convert.h"
#include "convert/test_util.h"
#include "testing.h"

namespace quiver::convert {
namespace {

using ::quiver::convert::testing::ReadError;
using ::quiver::convert::testing::ReadOk;
using ::quiver::convert::testing::Values;
using ::quiver::convert::testing::WriteFile;
using ::testing::ElementsAre;
using ::testing::StartsWith;

TEST(JsonTapeTest, ParsesValues) {
  JsonTape tape;
  // 1e999… is out of range (nlohmann rejects it too).
  EXPECT_TRUE(tape.Parse(R"({"a": [1, 1e999999999999999999999]})").IsInvalidArgument());
  Status st = tape.Parse(
      R"( {"i": -9223372036854775808, "u": 18446744073709551615, "big": 99999999999999999999, "d": 3.5e2,
           "s": "tab\there \"q\" \u00e9 \ud83d\ude00", "plain": "x", "t": true, "f": false, "n": null,
           "arr": [1, [2, {}], []], "obj": {"k": "v"}} )");
  ASSERT_TRUE(st.ok()) << st.ToString();
  TapeValue root(&tape, 0);
  ASSERT_TRUE(root.is_object());
  EXPECT_EQ(root.size(), 11u);
  TapeValue v = root;
  ASSERT_TRUE(root.Find("i", &v));
  EXPECT_TRUE(v.is_int());
  EXPECT_EQ(v.as_int(), std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(root.Find("u", &v));
  EXPECT_TRUE(v.is_uint());
  EXPECT_EQ(v.as_uint(), std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(root.Find("big", &v));
  EXPECT_TRUE(v.is_double());
  EXPECT_EQ(v.as_double(), 1e20);
  ASSERT_TRUE(root.Find("d", &v));
  EXPECT_EQ(v.as_double(), 350.0);
  ASSERT_TRUE(root.Find("s", &v));
  EXPECT_EQ(v.as_string(), "tab\there \"q\" \xc3\xa9 \xf0\x9f\x98\x80");
  ASSERT_TRUE(root.Find("plain", &v));
  EXPECT_EQ(v.as_string(), "x");
  ASSERT_TRUE(root.Find("t", &v));
  EXPECT_TRUE(v.is_bool() && v.as_bool());
  ASSERT_TRUE(root.Find("n", &v));
  EXPECT_TRUE(v.is_null());
  ASSERT_TRUE(root.Find("arr", &v));
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v.Describe(), "array [1, [2, {}], []]");
  std::vector<std::string> kinds;
  ASSERT_TRUE(v.ForEachElement([&](const TapeValue& e) {
                 kinds.push_back(e.is_array() ? "array" : e.is_int() ? "int" : "?");
                 return Status::OK();
               }).ok());
  EXPECT_THAT(kinds, ElementsAre("int", "array", "array"));
  ASSERT_TRUE(root.Find("obj", &v));
  std::string members;
  ASSERT_TRUE(v.ForEachMember([&](std::string_view k, const TapeValue& e) {
                 members += std::string(k) + "=" + std::string(e.as_string());
                 return Status::OK();
               }).ok());
  EXPECT_EQ(members, "k=v");
  EXPECT_FALSE(root.Find("missing", &v));
}

TEST(JsonTapeTest, RejectsWhatJsonRejects) {
  JsonTape tape;
  for (const char* bad :
       {"", "{", "{\"a\" 1}", "{\"a\": 1,}", "[1 2]", "01", "1.", "-", ".5", "tru", "nul", "\"unterminated",
        "\"bad \\x escape\"", "\"\\ud800 lone\"", "\"ctl \x01\"", "{} {}", "{a: 1}", "[1,]", "NaN"}) {
    EXPECT_FALSE(tape.Parse(bad).ok()) << bad;
    // nlohmann agrees.
    EXPECT_FALSE(Json::accept(bad)) << bad;
  }
}

TEST(JsonTapeTest, RowsAfterInferenceUseTheSameRules) {
  quiver::testing::TempDir dir;
  // Row 1 is inferred through the DOM, row 2 and on go through the tape.
  std::string path = dir.Join("rows.jsonl");
  WriteFile(path,
            "{\"s\": \"a\", \"v\": [1, 2], \"m\": {\"k\": 1}, \"n\": 1.5}\n"
            "{\"s\": \"\\u00e9\\n\", \"v\": [3, null], \"m\": {}, \"n\": 2}\n"
            "{\"v\": [5, 6], \"m\": {\"k\": 7}, \"n\": -1e3}\n");
  FileReadOptions options;
  options.infer_rows = 1;
  BatchPtr batch = ReadOk(path, options);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->GetColumn("s")->GetView(1), "\xc3\xa9\n");
  EXPECT_THAT(Values(*batch, "v"), ElementsAre("[1, 2]", "[3, null]", "[5, 6]"));
  EXPECT_THAT(Values(*batch, "m"), ElementsAre("{k: 1}", "{k: null}", "{k: 7}"));
  EXPECT_THAT(Values(*batch, "n"), ElementsAre("1.5", "2", "-1000"));

  WriteFile(path, "{\"m\": {\"k\": 1}}\n{\"m\": {\"k\": 1, \"z\": 2}}\n");
  EXPECT_EQ(ReadError(path, options).message(),
            "line 2: column \"m\": has no field \"z\" (type struct<k: int64>)");
  WriteFile(path, "{\"m\": {\"k\": 1}}\n{\"m\": [1,  2]}\n");
  EXPECT_EQ(ReadError(path, options).message(),
            "line 2: column \"m\": expected struct<k: int64>, got array [1,  2]");
  WriteFile(path, "{\"m\": 1}\n{\"m\": 1}}\n");
  EXPECT_THAT(ReadError(path, options).message(), StartsWith("line 2: parse error at column 9"));
}

}  // namespace
}  // namespace quiver::convert

namespace quiver::convert {
namespace {

// Random texts built from JSON's special characters: the tape accepts exactly
// what nlohmann accepts, and never reads out of bounds (run under ASan).
TEST(JsonTapeTest, AgreesWithNlohmannOnRandomText) {
  const std::vector<std::string> pieces = {"{",     "}",       "[",       "]",    ",", ":",  "\"", "\"k\"",
                                           "\\",    "\\u00e9", "\\ud83d", "1",    "-", "0",  ".5", "e3",
                                           "E-",    "true",    "fals",    "null", " ", "\n", "\t", "x",
                                           "\"s\"", "{\"a\":", "[1,2]",   "1.25", "-0"};
  std::mt19937 rng(42);
  JsonTape tape;
  int accepted = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    const bool ours = tape.Parse(text).ok();
    ASSERT_EQ(ours, Json::accept(text)) << text;
    accepted += ours;
  }
  EXPECT_GT(accepted, 100);  // the generator does produce valid JSON too
}

}  // namespace
}  // namespace quiver::convert

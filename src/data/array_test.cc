#include "quiver/array.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "quiver/builder.h"

namespace quiver {
namespace {

using ::testing::HasSubstr;

#define ASSERT_OK(expr)                      \
  do {                                       \
    ::quiver::Status _st = (expr);           \
    ASSERT_TRUE(_st.ok()) << _st.ToString(); \
  } while (0)

// Builds an int64 array; std::nullopt is a null.
ArrayPtr Int64s(std::vector<std::optional<int64_t>> values) {
  auto b = ArrayBuilder::Make(int64());
  for (auto v : values) EXPECT_TRUE((v ? b->AppendInt(*v) : b->AppendNull()).ok());
  return b->Finish();
}

ArrayPtr Strings(std::vector<std::optional<std::string>> values, TypePtr type = utf8()) {
  auto b = ArrayBuilder::Make(type);
  for (const auto& v : values) EXPECT_TRUE((v ? b->AppendString(*v) : b->AppendNull()).ok());
  return b->Finish();
}

ArrayPtr Vectors(int dim, int rows, bool with_nulls) {
  auto b = ArrayBuilder::Make(vector_type(dim));
  std::vector<float> v(dim);
  for (int r = 0; r < rows; ++r) {
    if (with_nulls && r % 3 == 1) {
      EXPECT_TRUE(b->AppendNull().ok());
      continue;
    }
    for (int k = 0; k < dim; ++k) v[k] = static_cast<float>(r * 10 + k);
    EXPECT_TRUE(b->AppendVector(v.data(), dim).ok());
  }
  return b->Finish();
}

std::string FormatAll(const Array& a) {
  std::string out;
  for (int64_t i = 0; i < a.length(); ++i) {
    if (i > 0) out += ", ";
    out += a.FormatValue(i);
  }
  return out;
}

ArrayPtr ListsOfStrings() {
  auto b = ArrayBuilder::Make(list(utf8()));
  auto row = [&](std::vector<std::string> items) {
    for (auto& s : items) EXPECT_TRUE(b->child(0)->AppendString(s).ok());
    EXPECT_TRUE(b->AppendList().ok());
  };
  row({"a", "b"});
  EXPECT_TRUE(b->AppendNull().ok());
  row({});
  row({"c"});
  row({"d", "e", "f"});
  return b->Finish();
}

ArrayPtr Structs() {
  auto b = ArrayBuilder::Make(struct_({Field("x", int32()), Field("s", utf8())}));
  for (int i = 0; i < 6; ++i) {
    if (i == 2) {
      EXPECT_TRUE(b->AppendNull().ok());
      continue;
    }
    EXPECT_TRUE(b->child(0)->AppendInt(i).ok());
    EXPECT_TRUE((i == 4 ? b->child(1)->AppendNull() : b->child(1)->AppendString(std::string(i, 'z'))).ok());
    EXPECT_TRUE(b->AppendStruct().ok());
  }
  return b->Finish();
}

TEST(ArrayTest, NullCountIsLazy) {
  auto base = Int64s({1, std::nullopt, 3, std::nullopt, 5});
  Array a(int64(), 5, base->buffers());
  EXPECT_EQ(a.null_count(), 2);
  EXPECT_EQ(a.null_count(), 2);
  Array no_bitmap(int64(), 5, {nullptr, base->buffer(1)});
  EXPECT_EQ(no_bitmap.null_count(), 0);
}

TEST(ArrayTest, NullCountFromManyThreads) {
  auto base = Int64s({1, std::nullopt, 3, std::nullopt, 5, std::nullopt});
  auto a = std::make_shared<const Array>(int64(), 6, base->buffers());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([a] { EXPECT_EQ(a->null_count(), 3); });
  for (auto& t : threads) t.join();
}

TEST(ArrayTest, SliceIsZeroCopy) {
  auto a = Int64s({0, 1, std::nullopt, 3, 4, 5});
  auto s = a->Slice(2, 3);
  EXPECT_EQ(s->length(), 3);
  EXPECT_EQ(s->offset(), 2);
  EXPECT_EQ(s->buffer(1), a->buffer(1));
  EXPECT_EQ(s->null_count(), 1);
  EXPECT_TRUE(s->IsNull(0));
  EXPECT_EQ(s->values<int64_t>()[1], 3);
  EXPECT_EQ(FormatAll(*s), "null, 3, 4");
  auto ss = s->Slice(1, 10);  // clamped
  EXPECT_EQ(ss->length(), 2);
  EXPECT_EQ(ss->offset(), 3);
  EXPECT_EQ(ss->null_count(), 0);
  EXPECT_EQ(a->Slice(10, 2)->length(), 0);
  ASSERT_OK(ss->Validate());
}

TEST(ArrayTest, SlicedStringsListsAndStructs) {
  auto s = Strings({"aa", std::nullopt, "bbb", "", "c"})->Slice(1, 3);
  EXPECT_EQ(FormatAll(*s), "null, \"bbb\", \"\"");
  EXPECT_EQ(s->GetView(1), "bbb");
  ASSERT_OK(s->Validate());

  auto l = ListsOfStrings()->Slice(1, 3);
  EXPECT_EQ(FormatAll(*l), "null, [], [\"c\"]");
  ASSERT_OK(l->Validate());

  auto st = Structs()->Slice(1, 4);
  EXPECT_EQ(FormatAll(*st), "{x: 1, s: \"z\"}, null, {x: 3, s: \"zzz\"}, {x: 4, s: null}");
  ASSERT_OK(st->Validate());

  auto v = Vectors(2, 5, true)->Slice(3, 2);
  EXPECT_EQ(FormatAll(*v), "[30, 31], null");
  EXPECT_EQ(v->ListRange(0), (std::pair<int64_t, int64_t>(6, 8)));
}

TEST(ArrayTest, FormatValues) {
  auto b = ArrayBuilder::Make(float64());
  ASSERT_OK(b->AppendDouble(0.1));
  ASSERT_OK(b->AppendDouble(1e300));
  ASSERT_OK(b->AppendDouble(-std::numeric_limits<double>::infinity()));
  ASSERT_OK(b->AppendDouble(std::nan("")));
  EXPECT_EQ(FormatAll(*b->Finish()), "0.1, 1e+300, -inf, nan");
  auto f = ArrayBuilder::Make(float32());
  ASSERT_OK(f->AppendDouble(0.1));
  EXPECT_EQ(f->Finish()->FormatValue(0), "0.1");
  EXPECT_EQ(Strings({"quote\"d\n\x01"})->FormatValue(0), "\"quote\\\"d\\n\\u0001\"");
  auto u = ArrayBuilder::Make(uint8());
  ASSERT_OK(u->AppendInt(200));
  EXPECT_EQ(u->Finish()->FormatValue(0), "200");
  auto i8 = ArrayBuilder::Make(int8());
  ASSERT_OK(i8->AppendInt(-5));
  EXPECT_EQ(i8->Finish()->FormatValue(0), "-5");
}

TEST(ArrayTest, EqualsIgnoresOffsetsAndComparesValues) {
  auto a = Int64s({1, 2, std::nullopt, 4});
  auto b = Int64s({0, 1, 2, std::nullopt, 4, 9})->Slice(1, 4);
  EXPECT_TRUE(a->Equals(*b));
  EXPECT_TRUE(b->Equals(*a));
  EXPECT_FALSE(a->Equals(*Int64s({1, 2, 3, 4})));
  EXPECT_FALSE(a->Equals(*Int64s({1, 2, std::nullopt})));
  // Values hidden under nulls do not matter.
  auto c = std::make_shared<const Array>(
      int64(), 4, std::vector<BufferPtr>{a->buffer(0), Int64s({1, 2, 77, 4})->buffer(1)});
  EXPECT_TRUE(a->Equals(*c));
  EXPECT_FALSE(a->Equals(*Strings({"1", "2", std::nullopt, "4"})));

  EXPECT_TRUE(ListsOfStrings()->Equals(*ListsOfStrings()));
  EXPECT_TRUE(ListsOfStrings()->Slice(2, 3)->Equals(*ListsOfStrings()->Slice(2, 3)));
  EXPECT_FALSE(ListsOfStrings()->Slice(1, 3)->Equals(*ListsOfStrings()->Slice(2, 3)));
  EXPECT_TRUE(Structs()->Equals(*Structs()));
  EXPECT_FALSE(Structs()->Slice(0, 2)->Equals(*Structs()->Slice(1, 2)));
  EXPECT_TRUE(Vectors(4, 7, true)->Equals(*Vectors(4, 7, true)));
  EXPECT_FALSE(Vectors(4, 7, true)->Equals(*Vectors(4, 7, false)));
}

TEST(ArrayTest, ConcatenateEveryKind) {
  std::vector<std::function<ArrayPtr()>> makers = {
      [] {
        return Int64s({1, std::nullopt, 3, 4, 5, 6, 7, 8, 9, 10});
      },
      [] {
        return Strings({"a", std::nullopt, "ccc", "", "e"});
      },
      [] {
        return Strings({"a", std::nullopt, "ccc", "", "e"}, large_binary());
      },
      [] { return ListsOfStrings(); },
      [] { return Structs(); },
      [] { return Vectors(3, 8, true); },
      [] {
        auto b = ArrayBuilder::Make(boolean());
        for (int i = 0; i < 19; ++i) EXPECT_TRUE((i % 4 ? b->AppendBool(i % 3 == 0) : b->AppendNull()).ok());
        return b->Finish();
      },
  };
  for (auto& make : makers) {
    ArrayPtr full = make();
    SCOPED_TRACE(full->type()->ToString());
    int64_t n = full->length();
    // Pieces with odd offsets exercise unaligned bitmap copies.
    std::vector<ArrayPtr> parts = {full->Slice(0, 1), full->Slice(1, 0), full->Slice(1, n / 2),
                                   full->Slice(1 + n / 2, n)};
    auto joined = Concatenate(parts);
    ASSERT_TRUE(joined.ok()) << joined.status().ToString();
    ASSERT_OK((*joined)->Validate());
    EXPECT_TRUE((*joined)->Equals(*full)) << FormatAll(**joined) << " vs " << FormatAll(*full);
    EXPECT_EQ((*joined)->null_count(), full->null_count());
  }
}

TEST(ArrayTest, ConcatenateErrors) {
  EXPECT_TRUE(Concatenate({}).status().IsInvalidArgument());
  auto s = Concatenate({Int64s({1}), Strings({"a"})}).status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "cannot concatenate arrays of different types: array 0 is int64, array 1 is string");
}

TEST(ArrayTest, ConcatenateWithoutNullsHasNoBitmap) {
  auto r = Concatenate({Int64s({1, 2}), Int64s({3})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->buffer(0), nullptr);
  EXPECT_EQ(FormatAll(**r), "1, 2, 3");
}

TEST(ArrayTest, Take) {
  auto a = Strings({"a", "b", std::nullopt, "d", "e"});
  std::vector<int64_t> idx = {4, 2, 0, 1, 2};
  auto t = Take(*a, idx);
  ASSERT_TRUE(t.ok());
  ASSERT_OK((*t)->Validate());
  EXPECT_EQ(FormatAll(**t), "\"e\", null, \"a\", \"b\", null");
  std::vector<int64_t> bad = {0, 5};
  auto e = Take(*a, bad);
  EXPECT_TRUE(e.status().IsInvalidArgument());
  EXPECT_EQ(e.status().message(), "Take index 5 at position 1 is out of range for an array of length 5");
  std::vector<int64_t> none;
  auto empty = Take(*a, none);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->length(), 0);
  ASSERT_OK((*empty)->Validate());

  auto v = Vectors(2, 6, true)->Slice(1, 5);
  std::vector<int64_t> vi = {4, 0, 2};
  auto tv = Take(*v, vi);
  ASSERT_TRUE(tv.ok());
  EXPECT_EQ(FormatAll(**tv), "[50, 51], null, [30, 31]");

  auto l = ListsOfStrings();
  std::vector<int64_t> li = {4, 1, 0};
  EXPECT_EQ(FormatAll(**Take(*l, li)), "[\"d\", \"e\", \"f\"], null, [\"a\", \"b\"]");
  auto st = Structs();
  std::vector<int64_t> si = {5, 2};
  EXPECT_EQ(FormatAll(**Take(*st, si)), "{x: 5, s: \"zzzzz\"}, null");
}

TEST(ArrayTest, MakeNullArrayEveryType) {
  for (auto t : {null_type(), boolean(), int32(), float16(), utf8(), large_binary(), vector_type(4),
                 list(utf8()), struct_({Field("a", int32()), Field("v", vector_type(2))}),
                 timestamp(TimeUnit::kMilli, "UTC"), date32()}) {
    SCOPED_TRACE(t->ToString());
    auto a = MakeNullArray(t, 5);
    ASSERT_OK(a->Validate());
    EXPECT_EQ(a->length(), 5);
    EXPECT_EQ(a->null_count(), 5);
    EXPECT_EQ(FormatAll(*a), "null, null, null, null, null");
    ASSERT_OK(MakeNullArray(t, 0)->Validate());
  }
}

// --- Validate on malformed arrays: errors, never out-of-bounds reads.

TEST(ArrayValidateTest, BufferTooShort) {
  auto values = Buffer::Allocate(8 * 3);
  Array a(int64(), 4, {nullptr, values});
  Status s = a.Validate();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "int64 array: values buffer has 24 bytes, needs 32 for offset 0 + length 4");
  Array b(int64(), 3, {nullptr, values}, {}, -1, 1);
  EXPECT_TRUE(b.Validate().IsInvalidArgument());
  Array ok(int64(), 2, {nullptr, values}, {}, -1, 1);
  EXPECT_TRUE(ok.Validate().ok());
  Array bitmap(int64(), 3, {Buffer::Allocate(0), values});
  EXPECT_THAT(bitmap.Validate().message(), HasSubstr("validity buffer has 0 bytes"));
  Array missing(int64(), 3, {nullptr, nullptr});
  EXPECT_THAT(missing.Validate().message(), HasSubstr("values buffer is missing"));
  Array too_few(int64(), 3, {});
  EXPECT_THAT(too_few.Validate().message(), HasSubstr("values buffer is missing"));
  Array bools(boolean(), 9, {nullptr, Buffer::Allocate(1)});
  EXPECT_TRUE(bools.Validate().IsInvalidArgument());
}

TEST(ArrayValidateTest, LengthsAndCounts) {
  auto values = Buffer::Allocate(64);
  EXPECT_TRUE(Array(int64(), -1, {nullptr, values}).Validate().IsInvalidArgument());
  EXPECT_TRUE(Array(int64(), 1, {nullptr, values}, {}, -1, -1).Validate().IsInvalidArgument());
  EXPECT_TRUE(Array(int64(), 1, {nullptr, values}, {}, -1, std::numeric_limits<int64_t>::max())
                  .Validate()
                  .IsInvalidArgument());
  EXPECT_TRUE(Array(int64(), 2, {nullptr, values}, {}, 3).Validate().IsInvalidArgument());
  EXPECT_TRUE(Array(int64(), 2, {nullptr, values}, {}, 1).Validate().IsInvalidArgument());
  // A stated null count must match the bitmap.
  auto bits = Buffer::Allocate(1);  // all null
  EXPECT_THAT(Array(int64(), 2, {bits, values}, {}, 1).Validate().message(), HasSubstr("does not match"));
  EXPECT_TRUE(Array(int64(), 2, {bits, values}, {}, 2).Validate().ok());
  EXPECT_TRUE(Array(null_type(), 2, {}, {}, 0).Validate().ok());  // constructor fixes the count
}

std::shared_ptr<Buffer> Int32Buffer(std::vector<int32_t> v) { return Buffer::Copy(v.data(), v.size() * 4); }

TEST(ArrayValidateTest, StringOffsets) {
  auto data = Buffer::FromString("abcdef");
  EXPECT_TRUE(Array(utf8(), 3, {nullptr, Int32Buffer({0, 1, 3, 6}), data}).Validate().ok());
  EXPECT_THAT(Array(utf8(), 3, {nullptr, Int32Buffer({0, 3, 1, 6}), data}).Validate().message(),
              HasSubstr("offsets decrease at slot 2"));
  EXPECT_THAT(Array(utf8(), 3, {nullptr, Int32Buffer({0, 1, 3, 7}), data}).Validate().message(),
              HasSubstr("last offset 7 exceeds the data size (6)"));
  EXPECT_THAT(Array(utf8(), 3, {nullptr, Int32Buffer({-1, 1, 3, 6}), data}).Validate().message(),
              HasSubstr("negative"));
  EXPECT_THAT(Array(utf8(), 3, {nullptr, Int32Buffer({0, 1, 3}), data}).Validate().message(),
              HasSubstr("offsets buffer has 12 bytes, needs 16"));
  EXPECT_THAT(Array(utf8(), 3, {nullptr, Int32Buffer({0, 1, 3, 6}), nullptr}).Validate().message(),
              HasSubstr("data buffer is missing"));
  EXPECT_THAT(Array(utf8(), 0, {nullptr, nullptr, data}).Validate().message(),
              HasSubstr("offsets buffer is missing"));
  // Only the window [offset, offset + length] is checked.
  EXPECT_TRUE(Array(utf8(), 1, {nullptr, Int32Buffer({9, 1, 3, 6}), data}, {}, -1, 1).Validate().ok());
}

TEST(ArrayValidateTest, ListChildren) {
  auto child = Int64s({1, 2, 3});
  auto offsets = Int32Buffer({0, 2, 3});
  EXPECT_TRUE(Array(list(int64()), 2, {nullptr, offsets}, {child}).Validate().ok());
  EXPECT_THAT(Array(list(int64()), 2, {nullptr, Int32Buffer({0, 2, 4})}, {child}).Validate().message(),
              HasSubstr("exceeds the child length (3)"));
  EXPECT_THAT(Array(list(int64()), 2, {nullptr, offsets}, {}).Validate().message(),
              HasSubstr("exactly one child"));
  EXPECT_THAT(Array(list(int64()), 2, {nullptr, offsets}, {Strings({"a", "b", "c"})}).Validate().message(),
              HasSubstr("child 0 has type string, expected int64"));
  // Errors inside children surface with context.
  auto bad_child =
      std::make_shared<const Array>(int64(), 3, std::vector<BufferPtr>{nullptr, Buffer::Allocate(8)});
  EXPECT_THAT(Array(list(int64()), 2, {nullptr, offsets}, {bad_child}).Validate().message(),
              HasSubstr("child 0: int64 array: values buffer"));
}

TEST(ArrayValidateTest, FixedSizeListAndStruct) {
  auto child = Vectors(4, 3, false)->child(0);  // 12 floats
  EXPECT_TRUE(Array(vector_type(4), 3, {nullptr}, {child}).Validate().ok());
  EXPECT_THAT(Array(vector_type(4), 4, {nullptr}, {child}).Validate().message(),
              HasSubstr("child 0 has 12 values, needs at least 16"));
  EXPECT_TRUE(Array(vector_type(4), 2, {nullptr}, {child}, -1, 1).Validate().ok());
  EXPECT_TRUE(Array(vector_type(4), 3, {nullptr}, {child}, -1, 1).Validate().IsInvalidArgument());

  auto type = struct_({Field("a", int64()), Field("b", utf8())});
  auto a = Int64s({1, 2, 3});
  auto b = Strings({"x", "y", "z"});
  EXPECT_TRUE(Array(type, 3, {nullptr}, {a, b}).Validate().ok());
  EXPECT_THAT(Array(type, 3, {nullptr}, {a}).Validate().message(), HasSubstr("has 1 children, expected 2"));
  EXPECT_THAT(Array(type, 3, {nullptr}, {b, a}).Validate().message(), HasSubstr("child 0 has type string"));
  EXPECT_THAT(Array(type, 4, {nullptr}, {a, b}).Validate().message(), HasSubstr("needs at least 4"));
  EXPECT_THAT(Array(type, 3, {nullptr}, {a, nullptr}).Validate().message(), HasSubstr("child 1 is missing"));
}

// --- RecordBatch

SchemaPtr TestSchema() {
  return std::make_shared<const Schema>(std::vector<Field>{Field("id", int64(), false), Field("name", utf8()),
                                                           Field("vector", vector_type(3))});
}

BatchPtr TestBatch() {
  auto b = RecordBatch::Make(
      TestSchema(),
      {Int64s({1, 2, 3, 4, 5}), Strings({"a", "b", std::nullopt, "d", "e"}), Vectors(3, 5, true)});
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return *b;
}

TEST(RecordBatchTest, MakeChecksShape) {
  BatchPtr batch = TestBatch();
  EXPECT_EQ(batch->num_rows(), 5);
  EXPECT_EQ(batch->num_columns(), 3);
  ASSERT_OK(batch->Validate());
  EXPECT_EQ(batch->GetColumn("name"), batch->column(1));
  EXPECT_EQ(batch->GetColumn("nope"), nullptr);

  auto s = RecordBatch::Make(TestSchema(), {Int64s({1})});
  EXPECT_EQ(s.status().message(), "record batch has 1 columns, schema has 3");
  s = RecordBatch::Make(TestSchema(), {Int64s({1}), Strings({"a"}), Strings({"a"})});
  EXPECT_EQ(s.status().message(),
            "column \"vector\" has type string, schema expects fixed_size_list<float>[3]");
  s = RecordBatch::Make(TestSchema(), {Int64s({1}), Strings({"a", "b"}), Vectors(3, 1, false)});
  EXPECT_EQ(s.status().message(), "column \"name\" has 2 rows, column \"id\" has 1");
  s = RecordBatch::Make(nullptr, {});
  EXPECT_TRUE(s.status().IsInvalidArgument());
  auto empty = RecordBatch::Make(std::make_shared<const Schema>(), {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->num_rows(), 0);
}

TEST(RecordBatchTest, ValidateCatchesBadColumns) {
  RecordBatch wrong_len(TestSchema(), 4, TestBatch()->columns());
  EXPECT_EQ(wrong_len.Validate().message(), "column \"id\" has 5 rows, batch has 4");
  auto cols = TestBatch()->columns();
  cols[0] = std::make_shared<const Array>(int64(), 5, std::vector<BufferPtr>{nullptr, Buffer::Allocate(8)});
  RecordBatch bad_buffer(TestSchema(), 5, cols);
  EXPECT_THAT(bad_buffer.Validate().message(), HasSubstr("column \"id\": int64 array: values buffer"));
}

TEST(RecordBatchTest, SliceProjectEquals) {
  BatchPtr batch = TestBatch();
  BatchPtr s = batch->Slice(1, 3);
  EXPECT_EQ(s->num_rows(), 3);
  EXPECT_EQ(s->column(1)->FormatValue(1), "null");
  ASSERT_OK(s->Validate());
  EXPECT_EQ(batch->Slice(4, 10)->num_rows(), 1);

  auto p = batch->Project({"vector", "id"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->schema()->field(0).name, "vector");
  EXPECT_EQ((*p)->column(1), batch->column(0));
  EXPECT_TRUE(batch->Project({"nope"}).status().IsNotFound());

  EXPECT_TRUE(batch->Equals(*TestBatch()));
  EXPECT_FALSE(batch->Equals(*s));
  EXPECT_TRUE(s->Equals(*TestBatch()->Slice(1, 3)));
}

TEST(RecordBatchTest, CheckNulls) {
  BatchPtr batch = TestBatch();
  Schema table({Field("id", int64(), false), Field("name", utf8(), false), Field("vector", vector_type(3))});
  Status s = batch->CheckNulls(table);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "column \"name\" is not nullable but the data has 1 null (first at row 2)");
  EXPECT_TRUE(batch->CheckNulls(*TestSchema()).ok());
  EXPECT_TRUE(batch->Slice(3, 2)->CheckNulls(table).ok());
}

TEST(RecordBatchTest, ConcatenateBatches) {
  BatchPtr batch = TestBatch();
  auto joined = ConcatenateBatches({batch->Slice(0, 2), batch->Slice(2, 0), batch->Slice(2, 3)});
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  ASSERT_OK((*joined)->Validate());
  EXPECT_TRUE((*joined)->Equals(*batch));
  EXPECT_TRUE(ConcatenateBatches({}).status().IsInvalidArgument());
  auto other = *RecordBatch::Make(std::make_shared<const Schema>(std::vector<Field>{Field("id", int64())}),
                                  {Int64s({1})});
  EXPECT_THAT(ConcatenateBatches({batch, other}).status().message(), HasSubstr("different schemas"));
  auto single = ConcatenateBatches({batch});
  EXPECT_EQ(*single, batch);
}

}  // namespace
}  // namespace quiver

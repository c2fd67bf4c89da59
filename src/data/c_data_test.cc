#include "quiver/c_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "quiver/builder.h"

namespace quiver {
namespace {

using ::testing::HasSubstr;

#define ASSERT_OK(expr)                      \
  do {                                       \
    ::quiver::Status _st = (expr);           \
    ASSERT_TRUE(_st.ok()) << _st.ToString(); \
  } while (0)

// --- Types and schemas

std::string FormatOf(const TypePtr& type) {
  ArrowSchema s;
  EXPECT_TRUE(ExportType(*type, &s).ok());
  std::string out = s.format;
  s.release(&s);
  return out;
}

TEST(CDataTypeTest, FormatStrings) {
  EXPECT_EQ(FormatOf(null_type()), "n");
  EXPECT_EQ(FormatOf(boolean()), "b");
  EXPECT_EQ(FormatOf(int8()), "c");
  EXPECT_EQ(FormatOf(int16()), "s");
  EXPECT_EQ(FormatOf(int32()), "i");
  EXPECT_EQ(FormatOf(int64()), "l");
  EXPECT_EQ(FormatOf(uint8()), "C");
  EXPECT_EQ(FormatOf(uint16()), "S");
  EXPECT_EQ(FormatOf(uint32()), "I");
  EXPECT_EQ(FormatOf(uint64()), "L");
  EXPECT_EQ(FormatOf(float16()), "e");
  EXPECT_EQ(FormatOf(float32()), "f");
  EXPECT_EQ(FormatOf(float64()), "g");
  EXPECT_EQ(FormatOf(utf8()), "u");
  EXPECT_EQ(FormatOf(large_utf8()), "U");
  EXPECT_EQ(FormatOf(binary()), "z");
  EXPECT_EQ(FormatOf(large_binary()), "Z");
  EXPECT_EQ(FormatOf(date32()), "tdD");
  EXPECT_EQ(FormatOf(timestamp(TimeUnit::kMicro, "UTC")), "tsu:UTC");
  EXPECT_EQ(FormatOf(timestamp(TimeUnit::kSecond)), "tss:");
  EXPECT_EQ(FormatOf(timestamp(TimeUnit::kMilli)), "tsm:");
  EXPECT_EQ(FormatOf(timestamp(TimeUnit::kNano, "Europe/Paris")), "tsn:Europe/Paris");
  EXPECT_EQ(FormatOf(vector_type(128)), "+w:128");
  EXPECT_EQ(FormatOf(list(utf8())), "+l");
  EXPECT_EQ(FormatOf(DataType::List(Field("item", utf8()), true)), "+L");
  EXPECT_EQ(FormatOf(struct_({})), "+s");
}

std::vector<TypePtr> AllTypes() {
  return {null_type(),
          boolean(),
          int8(),
          int16(),
          int32(),
          int64(),
          uint8(),
          uint16(),
          uint32(),
          uint64(),
          float16(),
          float32(),
          float64(),
          utf8(),
          large_utf8(),
          binary(),
          large_binary(),
          date32(),
          timestamp(TimeUnit::kSecond),
          timestamp(TimeUnit::kMicro, "UTC"),
          vector_type(3),
          vector_type(2, float16()),
          vector_type(4, uint8()),
          list(utf8()),
          DataType::List(Field("element", int32(), false), true),
          list(vector_type(2)),
          struct_({Field("a", int32(), false), Field("b", list(utf8())),
                   Field("c", struct_({Field("d", boolean())}))})};
}

TEST(CDataTypeTest, EveryTypeRoundTrips) {
  for (const auto& type : AllTypes()) {
    SCOPED_TRACE(type->ToString());
    ArrowSchema s;
    ASSERT_OK(ExportType(*type, &s));
    auto back = ImportType(&s);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(s.release, nullptr);  // consumed
    EXPECT_TRUE((*back)->Equals(*type)) << (*back)->ToString();
    // Element names survive too (Equals ignores them for lists).
    EXPECT_EQ((*back)->ToString(), type->ToString());
  }
}

TEST(CDataTypeTest, FieldsCarryNameNullabilityAndMetadata) {
  Field f("vector", vector_type(8), false, {{"encoding", "pq"}, {"", "empty key"}, {"k", ""}});
  ArrowSchema s;
  ASSERT_OK(ExportField(f, &s));
  EXPECT_STREQ(s.name, "vector");
  EXPECT_EQ(s.flags & ARROW_FLAG_NULLABLE, 0);
  EXPECT_EQ(s.children[0]->flags & ARROW_FLAG_NULLABLE, ARROW_FLAG_NULLABLE);
  EXPECT_STREQ(s.children[0]->name, "item");
  // The metadata encoding of the spec: int32 count, then length-prefixed
  // keys and values (native byte order), in key order.
  ASSERT_NE(s.metadata, nullptr);
  int32_t count;
  std::memcpy(&count, s.metadata, 4);
  EXPECT_EQ(count, 3);
  int32_t klen;
  std::memcpy(&klen, s.metadata + 4, 4);
  EXPECT_EQ(klen, 0);
  auto back = ImportField(&s);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->Equals(f, /*check_metadata=*/true));
  EXPECT_FALSE(back->nullable);
}

TEST(CDataTypeTest, SchemaRoundTrip) {
  Schema schema({Field("id", int64(), false), Field("vector", vector_type(4)), Field("text", utf8())},
                {{"created_by", "quiver"}});
  ArrowSchema s;
  ASSERT_OK(ExportSchema(schema, &s));
  EXPECT_STREQ(s.format, "+s");
  EXPECT_EQ(s.n_children, 3);
  auto back = ImportSchema(&s);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->Equals(schema, /*check_metadata=*/true));
  EXPECT_EQ(s.release, nullptr);
}

TEST(CDataTypeTest, ConsumerMayMoveChildrenOut) {
  ArrowSchema s;
  ASSERT_OK(ExportType(*struct_({Field("a", int32()), Field("b", utf8())}), &s));
  ArrowSchema moved = *s.children[1];
  s.children[1]->release = nullptr;
  s.release(&s);
  EXPECT_STREQ(moved.format, "u");
  EXPECT_STREQ(moved.name, "b");
  auto b = ImportField(&moved);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->name, "b");
}

// A hand-written ArrowSchema for malformed-input tests; children are owned
// and released with it.
struct FakeSchema {
  std::string format;
  std::string name;
  std::vector<std::unique_ptr<FakeSchema>> kids;
  std::vector<ArrowSchema*> kid_ptrs;
  ArrowSchema c;
};

void ReleaseFakeSchema(ArrowSchema* s) {
  auto* fake = static_cast<FakeSchema*>(s->private_data);
  for (auto& k : fake->kids) {
    if (k->c.release) k->c.release(&k->c);
  }
  s->release = nullptr;
  // The FakeSchema itself is owned by the test (unique_ptr).
}

std::unique_ptr<FakeSchema> Fake(std::string format, std::vector<std::unique_ptr<FakeSchema>> kids = {}) {
  auto f = std::make_unique<FakeSchema>();
  f->format = std::move(format);
  f->name = "f";
  f->kids = std::move(kids);
  for (auto& k : f->kids) f->kid_ptrs.push_back(&k->c);
  f->c = ArrowSchema{f->format.c_str(),
                     f->name.c_str(),
                     nullptr,
                     ARROW_FLAG_NULLABLE,
                     static_cast<int64_t>(f->kids.size()),
                     f->kid_ptrs.empty() ? nullptr : f->kid_ptrs.data(),
                     nullptr,
                     &ReleaseFakeSchema,
                     f.get()};
  return f;
}

TEST(CDataTypeTest, BadFormatStringsAreInvalidArgument) {
  for (const char* bad : {"", "x", "ll", "+w:", "+w:abc", "+w:-1", "+w:3x", "tsx:UTC", "tsu", "+", "+q"}) {
    SCOPED_TRACE(bad);
    auto f = Fake(bad);
    auto r = ImportType(&f->c);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
    EXPECT_EQ(f->c.release, nullptr);
  }
  // Wrong child counts.
  auto list0 = Fake("+l");
  EXPECT_THAT(ImportType(&list0->c).status().message(), HasSubstr("needs 1 children, got 0"));
  std::vector<std::unique_ptr<FakeSchema>> kids;
  kids.push_back(Fake("i"));
  auto prim_with_child = Fake("i", std::move(kids));
  EXPECT_TRUE(ImportType(&prim_with_child->c).status().IsInvalidArgument());
  // Errors deep inside name the field.
  std::vector<std::unique_ptr<FakeSchema>> bad_kids;
  bad_kids.push_back(Fake("?"));
  auto nested = Fake("+s", std::move(bad_kids));
  EXPECT_THAT(ImportType(&nested->c).status().message(), HasSubstr("unknown format string \"?\""));
  // A null format.
  auto nf = Fake("i");
  nf->c.format = nullptr;
  EXPECT_TRUE(ImportType(&nf->c).status().IsInvalidArgument());
  // Released or null input.
  auto released = Fake("i");
  released->c.release = nullptr;
  EXPECT_THAT(ImportType(&released->c).status().message(), HasSubstr("already released"));
  EXPECT_TRUE(ImportType(nullptr).status().IsInvalidArgument());
  // A schema must be a struct.
  auto not_struct = Fake("i");
  EXPECT_TRUE(ImportSchema(&not_struct->c).status().IsInvalidArgument());
  EXPECT_EQ(not_struct->c.release, nullptr);
}

TEST(CDataTypeTest, UnsupportedArrowTypesAreNotSupported) {
  for (const char* fmt : {"d:10,2", "w:16", "tdm", "tts", "tDs", "tiM", "vu", "+m"}) {
    SCOPED_TRACE(fmt);
    auto f = Fake(fmt);
    EXPECT_TRUE(ImportType(&f->c).status().IsNotSupported());
  }
  auto dict = Fake("i");
  auto values = Fake("u");
  dict->c.dictionary = &values->c;
  EXPECT_TRUE(ImportType(&dict->c).status().IsNotSupported());
  values->c.release(&values->c);
}

TEST(CDataTypeTest, DeeplyNestedSchemaFailsCleanly) {
  auto f = Fake("i");
  for (int i = 0; i < 200; ++i) {
    std::vector<std::unique_ptr<FakeSchema>> kids;
    kids.push_back(std::move(f));
    f = Fake("+l", std::move(kids));
  }
  EXPECT_THAT(ImportType(&f->c).status().message(), HasSubstr("nested"));
}

// --- Arrays

ArrayPtr Build(const TypePtr& type, int rows) {
  // Deterministic values with a null every third row, for any type.
  std::function<void(ArrayBuilder*, int)> append = [&](ArrayBuilder* b, int i) {
    const DataType& t = *b->type();
    if (i % 3 == 2 && t.id() != TypeId::kStruct) {
      ASSERT_OK(b->AppendNull());
      return;
    }
    switch (t.id()) {
      case TypeId::kNull:
        ASSERT_OK(b->AppendNull());
        break;
      case TypeId::kBool:
        ASSERT_OK(b->AppendBool(i % 2 == 0));
        break;
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8:
      case TypeId::kBinary:
      case TypeId::kLargeBinary:
        ASSERT_OK(b->AppendString(std::string(i % 5, static_cast<char>('a' + i % 26))));
        break;
      case TypeId::kFixedSizeList:
        for (int k = 0; k < t.list_size(); ++k) append(b->child(0), i + k);
        ASSERT_OK(b->AppendList());
        break;
      case TypeId::kList:
      case TypeId::kLargeList:
        for (int k = 0; k < i % 4; ++k) append(b->child(0), i + k);
        ASSERT_OK(b->AppendList());
        break;
      case TypeId::kStruct:
        if (i % 4 == 3) {
          ASSERT_OK(b->AppendNull());
          break;
        }
        for (int c = 0; c < b->num_children(); ++c) append(b->child(c), i + c);
        ASSERT_OK(b->AppendStruct());
        break;
      default:
        ASSERT_OK(b->AppendInt(i % 100));
    }
  };
  auto b = ArrayBuilder::Make(type);
  for (int i = 0; i < rows; ++i) append(b.get(), i);
  return b->Finish();
}

ArrayPtr RoundTrip(const ArrayPtr& a) {
  ArrowArray c;
  EXPECT_TRUE(ExportArray(a, &c).ok());
  auto back = ImportArray(&c, a->type());
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(c.release, nullptr);
  return back.ok() ? *back : nullptr;
}

TEST(CDataArrayTest, EveryTypeRoundTripsWithNullsAndSlices) {
  for (const auto& type : AllTypes()) {
    SCOPED_TRACE(type->ToString());
    ArrayPtr a = Build(type, 37);
    ASSERT_OK(a->Validate());
    for (auto [off, len] : {std::pair<int64_t, int64_t>{0, 37}, {5, 20}, {13, 0}, {36, 1}}) {
      SCOPED_TRACE(off);
      ArrayPtr s = a->Slice(off, len);
      ArrayPtr back = RoundTrip(s);
      ASSERT_NE(back, nullptr);
      EXPECT_EQ(back->offset(), s->offset());
      EXPECT_EQ(back->null_count(), s->null_count());
      EXPECT_TRUE(back->Equals(*s));
    }
  }
}

TEST(CDataArrayTest, EmptyArrays) {
  for (const auto& type : AllTypes()) {
    SCOPED_TRACE(type->ToString());
    ArrayPtr a = ArrayBuilder::Make(type)->Finish();
    ArrayPtr back = RoundTrip(a);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(back->length(), 0);
  }
}

TEST(CDataArrayTest, ZeroCopyBothWays) {
  ArrayPtr a = Build(list(utf8()), 50)->Slice(3, 40);
  ArrowArray c;
  ASSERT_OK(ExportArray(a, &c));
  // Export points at Quiver's buffers.
  EXPECT_EQ(c.buffers[1], a->buffer(1)->data());
  EXPECT_EQ(c.children[0]->buffers[2], a->child(0)->buffer(2)->data());
  EXPECT_EQ(c.offset, 3);
  auto back = ImportArray(&c, a->type());
  ASSERT_TRUE(back.ok());
  // Import wraps the same memory.
  EXPECT_EQ((*back)->buffer(0)->data(), a->buffer(0)->data());
  EXPECT_EQ((*back)->buffer(1)->data(), a->buffer(1)->data());
  EXPECT_EQ((*back)->child(0)->buffer(1)->data(), a->child(0)->buffer(1)->data());
  EXPECT_EQ((*back)->child(0)->buffer(2)->data(), a->child(0)->buffer(2)->data());

  ArrayPtr v = Build(vector_type(16), 10);
  ArrayPtr vb = RoundTrip(v);
  EXPECT_EQ(vb->child(0)->values<float>(), v->child(0)->values<float>());
}

TEST(CDataArrayTest, ExportKeepsDataAliveAndReleasesOnce) {
  int freed = 0;
  ArrowArray c;
  {
    auto storage = std::make_shared<std::vector<int32_t>>(std::vector<int32_t>{1, 2, 3, 4});
    auto values = Buffer::Wrap(storage->data(), 16, [storage, &freed] { ++freed; });
    auto a = std::make_shared<const Array>(int32(), 4, std::vector<BufferPtr>{nullptr, values});
    ASSERT_OK(ExportArray(a, &c));
  }
  EXPECT_EQ(freed, 0);  // the export holds the only reference now
  EXPECT_EQ(static_cast<const int32_t*>(c.buffers[1])[3], 4);
  {
    auto back = ImportArray(&c, int32());
    ASSERT_TRUE(back.ok());
    auto copy = *back;
    EXPECT_EQ(copy->values<int32_t>()[2], 3);
    EXPECT_EQ(freed, 0);
  }
  EXPECT_EQ(freed, 1);
}

// A hand-written producer: buffers and children owned by the test; counts
// how often its release callback runs.
struct FakeArray {
  std::vector<const void*> buffers;
  std::vector<std::unique_ptr<FakeArray>> kids;
  std::vector<ArrowArray*> kid_ptrs;
  int* released = nullptr;
  ArrowArray c;
};

void ReleaseFakeArray(ArrowArray* a) {
  auto* fake = static_cast<FakeArray*>(a->private_data);
  for (auto& k : fake->kids) {
    if (k->c.release) k->c.release(&k->c);
  }
  if (fake->released) ++*fake->released;
  a->release = nullptr;
}

std::unique_ptr<FakeArray> FakeArr(int64_t length, std::vector<const void*> buffers, int* released,
                                   std::vector<std::unique_ptr<FakeArray>> kids = {}, int64_t null_count = 0,
                                   int64_t offset = 0) {
  auto f = std::make_unique<FakeArray>();
  f->buffers = std::move(buffers);
  f->kids = std::move(kids);
  f->released = released;
  for (auto& k : f->kids) f->kid_ptrs.push_back(&k->c);
  f->c = ArrowArray{length,
                    null_count,
                    offset,
                    static_cast<int64_t>(f->buffers.size()),
                    static_cast<int64_t>(f->kids.size()),
                    f->buffers.empty() ? nullptr : f->buffers.data(),
                    f->kid_ptrs.empty() ? nullptr : f->kid_ptrs.data(),
                    nullptr,
                    &ReleaseFakeArray,
                    f.get()};
  return f;
}

TEST(CDataArrayTest, ProducerReleaseRunsExactlyOnce) {
  static const int64_t kValues[] = {10, 20, 30};
  static const int32_t kOffsets[] = {0, 2, 3};
  int released = 0;
  std::vector<std::unique_ptr<FakeArray>> kids;
  kids.push_back(FakeArr(3, {nullptr, kValues}, &released));
  auto fake = FakeArr(2, {nullptr, kOffsets}, &released, std::move(kids));
  {
    auto a = ImportArray(&fake->c, list(int64()));
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(fake->c.release, nullptr);  // moved
    EXPECT_EQ(released, 0);
    ArrayPtr child = (*a)->child(0);
    ArrayPtr slice = (*a)->Slice(1, 1);
    a = Status::Cancelled("drop the array");
    EXPECT_EQ(released, 0);  // child and slice still use the memory
    EXPECT_EQ(child->values<int64_t>()[2], 30);
    EXPECT_EQ(slice->FormatValue(0), "[30]");
    EXPECT_EQ(child->buffer(1)->data(), reinterpret_cast<const uint8_t*>(kValues));
  }
  // Parent and child releases each ran once (the parent releases the child).
  EXPECT_EQ(released, 2);
}

TEST(CDataArrayTest, FailedImportStillReleasesOnce) {
  static const int32_t kOffsets[] = {0, 5, 3};
  static const char kData[] = "abcde";
  int released = 0;
  auto fake = FakeArr(2, {nullptr, kOffsets, kData}, &released);
  auto r = ImportArray(&fake->c, utf8());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_THAT(r.status().message(), HasSubstr("offsets decrease"));
  EXPECT_EQ(released, 1);
  EXPECT_EQ(fake->c.release, nullptr);
}

TEST(CDataArrayTest, MalformedArraysAreInvalidArgument) {
  static const int32_t kInts[] = {1, 2, 3, 4};
  static const uint8_t kAllValid[] = {0xff};
  static const int32_t kOffsets[] = {0, 1, 2};
  static const char kData[] = "ab";
  struct Case {
    const char* what;
    TypePtr type;
    std::function<std::unique_ptr<FakeArray>(int*)> make;
    const char* expect;
  };
  std::vector<Case> cases = {
      {"null values buffer", int32(),
       [](int* r) {
         return FakeArr(4, {nullptr, nullptr}, r);
       },
       "buffer 1 is null"},
      {"too few buffers", int32(), [](int* r) { return FakeArr(4, {nullptr}, r); },
       "has 1 buffers, expected 2"},
      {"negative length", int32(),
       [](int* r) {
         return FakeArr(-1, {nullptr, kInts}, r);
       },
       "negative length"},
      {"negative offset", int32(),
       [](int* r) {
         return FakeArr(1, {nullptr, kInts}, r, {}, 0, -2);
       },
       "negative offset"},
      {"offset overflow", int32(),
       [](int* r) {
         return FakeArr(1, {nullptr, kInts}, r, {}, 0, std::numeric_limits<int64_t>::max());
       },
       "overflow"},
      {"nulls without bitmap", int32(),
       [](int* r) {
         return FakeArr(4, {nullptr, kInts}, r, {}, 2);
       },
       "no validity buffer"},
      {"null count above length", int32(),
       [](int* r) {
         return FakeArr(4, {kAllValid, kInts}, r, {}, 5);
       },
       "outside"},
      {"null count disagrees with bitmap", int32(),
       [](int* r) {
         return FakeArr(4, {kAllValid, kInts}, r, {}, 1);
       },
       "does not match"},
      {"string without offsets", utf8(),
       [](int* r) {
         return FakeArr(2, {nullptr, nullptr, kData}, r);
       },
       "buffer 1 is null"},
      {"string without data", utf8(),
       [](int* r) {
         return FakeArr(2, {nullptr, kOffsets, nullptr}, r);
       },
       "buffer 2 is null"},
      {"list without child", list(int32()),
       [](int* r) {
         return FakeArr(2, {nullptr, kOffsets}, r);
       },
       "has 0 children, expected 1"},
      {"list offsets past child", list(int32()),
       [](int* r) {
         std::vector<std::unique_ptr<FakeArray>> kids;
         kids.push_back(FakeArr(1, {nullptr, kInts}, nullptr));
         return FakeArr(2, {nullptr, kOffsets}, r, std::move(kids));
       },
       "exceeds the child length (1)"},
      {"fixed-size list child too short", vector_type(4, int32()),
       [](int* r) {
         std::vector<std::unique_ptr<FakeArray>> kids;
         kids.push_back(FakeArr(4, {nullptr, kInts}, nullptr));
         return FakeArr(2, {nullptr}, r, std::move(kids));
       },
       "child 0 has 4 values, needs at least 8"},
      {"struct child missing", struct_({Field("a", int32()), Field("b", int32())}),
       [](int* r) {
         std::vector<std::unique_ptr<FakeArray>> kids;
         kids.push_back(FakeArr(4, {nullptr, kInts}, nullptr));
         return FakeArr(4, {nullptr}, r, std::move(kids));
       },
       "has 1 children, expected 2"},
      {"struct child too short", struct_({Field("a", int32())}),
       [](int* r) {
         std::vector<std::unique_ptr<FakeArray>> kids;
         kids.push_back(FakeArr(2, {nullptr, kInts}, nullptr));
         return FakeArr(3, {nullptr}, r, std::move(kids));
       },
       "needs at least 3"},
      {"null child pointer", vector_type(1, int32()),
       [](int* r) {
         auto f = FakeArr(1, {nullptr}, r);
         f->kid_ptrs.push_back(nullptr);
         f->c.n_children = 1;
         f->c.children = f->kid_ptrs.data();
         return f;
       },
       "child 0 is null"},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.what);
    int released = 0;
    auto fake = c.make(&released);
    auto r = ImportArray(&fake->c, c.type);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr(c.expect));
    EXPECT_EQ(released, 1);
  }
}

TEST(CDataArrayTest, EmptyArraysWithNullBuffersAreAccepted) {
  // Producers may pass null pointers for zero-sized buffers.
  int released = 0;
  auto s = FakeArr(0, {nullptr, nullptr, nullptr}, &released);
  auto r = ImportArray(&s->c, utf8());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->length(), 0);
  ASSERT_OK((*r)->Validate());
  auto i = FakeArr(0, {nullptr, nullptr}, &released);
  ASSERT_TRUE(ImportArray(&i->c, int64()).ok());
  r = Status::Cancelled("drop");
  EXPECT_EQ(released, 2);
}

TEST(CDataArrayTest, ReleasedOrNullInput) {
  int released = 0;
  auto fake = FakeArr(0, {nullptr, nullptr}, &released);
  fake->c.release = nullptr;
  EXPECT_THAT(ImportArray(&fake->c, int32()).status().message(), HasSubstr("already released"));
  EXPECT_TRUE(ImportArray(nullptr, int32()).status().IsInvalidArgument());
  auto ok = FakeArr(0, {nullptr, nullptr}, &released);
  EXPECT_TRUE(ImportArray(&ok->c, nullptr).status().IsInvalidArgument());
  EXPECT_EQ(released, 1);
  EXPECT_TRUE(ExportArray(nullptr, &ok->c).IsInvalidArgument());
}

TEST(CDataArrayTest, ConsumerMayMoveExportedChildren) {
  ArrayPtr a = Build(struct_({Field("a", int32()), Field("b", utf8())}), 10);
  ArrowArray c;
  ASSERT_OK(ExportArray(a, &c));
  ArrowArray child = *c.children[1];
  c.children[1]->release = nullptr;
  c.release(&c);
  auto b = ImportArray(&child, utf8());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE((*b)->Equals(*a->child(1)));
}

// --- Record batches and streams

BatchPtr MakeBatch(int rows) {
  auto schema = std::make_shared<const Schema>(
      std::vector<Field>{Field("id", int64(), false), Field("vector", vector_type(4)), Field("text", utf8()),
                         Field("tags", list(utf8()))},
      Metadata{{"k", "v"}});
  std::vector<ArrayPtr> cols;
  for (const auto& f : schema->fields()) cols.push_back(Build(f.type, rows));
  return *RecordBatch::Make(schema, cols);
}

TEST(CDataBatchTest, RoundTripIncludingSlices) {
  BatchPtr batch = MakeBatch(30);
  for (BatchPtr b : {batch, batch->Slice(7, 11), batch->Slice(30, 0)}) {
    ArrowArray c;
    ASSERT_OK(ExportRecordBatch(b, &c));
    EXPECT_EQ(c.length, b->num_rows());
    EXPECT_EQ(c.n_children, 4);
    auto back = ImportRecordBatch(&c, b->schema());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE((*back)->Equals(*b));
    EXPECT_EQ((*back)->column(2)->buffer(2)->data(), b->column(2)->buffer(2)->data());
  }
}

TEST(CDataBatchTest, StructLevelOffsetSlicesColumns) {
  // A producer may export a batch as a struct with an offset.
  BatchPtr batch = MakeBatch(10);
  ArrayPtr as_struct = std::make_shared<const Array>(struct_(batch->schema()->fields()), 10,
                                                     std::vector<BufferPtr>{nullptr}, batch->columns());
  ArrowArray c;
  ASSERT_OK(ExportArray(as_struct->Slice(3, 5), &c));
  EXPECT_EQ(c.offset, 3);
  auto back = ImportRecordBatch(&c, batch->schema());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->Equals(*batch->Slice(3, 5)));
}

TEST(CDataBatchTest, WrongSchemaFails) {
  BatchPtr batch = MakeBatch(5);
  ArrowArray c;
  ASSERT_OK(ExportRecordBatch(batch, &c));
  auto other = std::make_shared<const Schema>(std::vector<Field>{Field("id", int64())});
  auto r = ImportRecordBatch(&c, other);
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(c.release, nullptr);
}

TEST(CDataStreamTest, RoundTrip) {
  BatchPtr batch = MakeBatch(20);
  auto reader = MakeBatchReader(batch->schema(), {batch->Slice(0, 8), batch->Slice(8, 12)});
  ArrowArrayStream stream;
  ASSERT_OK(ExportBatchReader(std::move(reader), &stream));
  auto imported = ImportBatchReader(&stream);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(stream.release, nullptr);
  EXPECT_TRUE((*imported)->schema()->Equals(*batch->schema(), /*check_metadata=*/true));
  auto all = (*imported)->ReadAll();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  auto joined = ConcatenateBatches(*all);
  ASSERT_TRUE(joined.ok());
  EXPECT_TRUE((*joined)->Equals(*batch));
  EXPECT_EQ(*(*imported)->Next(), nullptr);
  // Batches outlive the reader.
  imported->reset();
  EXPECT_EQ((*all)[1]->num_rows(), 12);
}

class FailingReader : public BatchReader {
 public:
  explicit FailingReader(SchemaPtr schema) : schema_(std::move(schema)) {}
  const SchemaPtr& schema() const override { return schema_; }
  Result<BatchPtr> Next() override { return Status::IOError("disk on fire"); }

 private:
  SchemaPtr schema_;
};

TEST(CDataStreamTest, ErrorsCrossTheBoundary) {
  ArrowArrayStream stream;
  ASSERT_OK(ExportBatchReader(std::make_unique<FailingReader>(MakeBatch(1)->schema()), &stream));
  ArrowArray out;
  EXPECT_EQ(stream.get_next(&stream, &out), EIO);
  EXPECT_STREQ(stream.get_last_error(&stream), "IOError: disk on fire");
  stream.release(&stream);

  ASSERT_OK(ExportBatchReader(std::make_unique<FailingReader>(MakeBatch(1)->schema()), &stream));
  auto imported = ImportBatchReader(&stream);
  ASSERT_TRUE(imported.ok());
  auto next = (*imported)->Next();
  EXPECT_TRUE(next.status().IsIOError());
  EXPECT_THAT(next.status().message(), HasSubstr("disk on fire"));
}

TEST(CDataStreamTest, ConsumerSideCallbacks) {
  BatchPtr batch = MakeBatch(3);
  ArrowArrayStream stream;
  ASSERT_OK(ExportBatchReader(MakeBatchReader(batch->schema(), {batch}), &stream));
  ArrowSchema schema;
  ASSERT_EQ(stream.get_schema(&stream, &schema), 0);
  EXPECT_STREQ(schema.format, "+s");
  schema.release(&schema);
  ArrowArray array;
  ASSERT_EQ(stream.get_next(&stream, &array), 0);
  ASSERT_NE(array.release, nullptr);
  EXPECT_EQ(array.length, 3);
  array.release(&array);
  ASSERT_EQ(stream.get_next(&stream, &array), 0);
  EXPECT_EQ(array.release, nullptr);  // end of stream
  EXPECT_EQ(stream.get_last_error(&stream), nullptr);
  stream.release(&stream);
  EXPECT_EQ(stream.release, nullptr);
}

TEST(CDataStreamTest, ReleasedStreamIsRejected) {
  ArrowArrayStream stream{};
  EXPECT_TRUE(ImportBatchReader(&stream).status().IsInvalidArgument());
  EXPECT_TRUE(ImportBatchReader(nullptr).status().IsInvalidArgument());
  EXPECT_TRUE(ExportBatchReader(nullptr, &stream).IsInvalidArgument());
}

}  // namespace
}  // namespace quiver

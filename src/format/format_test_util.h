// Helpers for src/format tests: random arrays and batches of any type, and
// a schema holding every type Quiver supports.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "quiver/array.h"
#include "quiver/builder.h"

namespace quiver::testing {

// One field of every type, nested ones included.
inline SchemaPtr AllTypesSchema() {
  std::vector<Field> fields = {
      Field("null", null_type()),
      Field("bool", boolean()),
      Field("i8", int8()),
      Field("i16", int16()),
      Field("i32", int32()),
      Field("i64", int64(), /*nullable=*/false),
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
      Field("date", date32()),
      Field("ts", timestamp(TimeUnit::kMicro, "UTC")),
      Field("vec", vector_type(4)),
      Field("vec_i8", DataType::FixedSizeList(Field("item", int8(), false), 3)),
      Field("list_i32", list(int32())),
      Field("large_list_str", DataType::List(Field("element", utf8()), /*large=*/true)),
      Field("struct", struct_({Field("a", int32()), Field("b", list(float64())),
                               Field("c", vector_type(3, uint8())), Field("d", utf8())})),
      Field("fsl_fsl", DataType::FixedSizeList(Field("item", vector_type(2, int16())), 3)),
      Field("list_struct", list(struct_({Field("x", boolean()), Field("y", large_binary())}))),
  };
  return std::make_shared<const Schema>(std::move(fields), Metadata{{"origin", "test"}});
}

inline std::string RandomBytes(std::mt19937_64& rng, size_t max_len, bool ascii) {
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s) c = ascii ? static_cast<char>('a' + rng() % 26) : static_cast<char>(rng() % 256);
  return s;
}

// Appends one random value of `type` (null with probability `null_prob`
// when `nullable`).
inline void AppendRandom(ArrayBuilder* b, const DataType& type, bool nullable, double null_prob,
                         std::mt19937_64& rng) {
  // Only the engine's raw output is used (no std distributions, whose
  // results vary between standard libraries), so a seed gives the same data
  // everywhere: the format fixtures depend on it.
  const double unit = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  if (type.id() == TypeId::kNull || (nullable && unit < null_prob)) {
    ASSERT_TRUE(b->AppendNull().ok());
    return;
  }
  Status st;
  switch (type.id()) {
    case TypeId::kBool:
      st = b->AppendBool(rng() & 1);
      break;
    case TypeId::kInt8:
      st = b->AppendInt(static_cast<int8_t>(rng()));
      break;
    case TypeId::kInt16:
      st = b->AppendInt(static_cast<int16_t>(rng()));
      break;
    case TypeId::kInt32:
      st = b->AppendInt(static_cast<int32_t>(rng()));
      break;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      st = b->AppendInt(static_cast<int64_t>(rng()));
      break;
    case TypeId::kDate32:
      st = b->AppendInt(static_cast<int64_t>(rng() % 40000));
      break;
    case TypeId::kUInt8:
      st = b->AppendUInt(static_cast<uint8_t>(rng()));
      break;
    case TypeId::kUInt16:
      st = b->AppendUInt(static_cast<uint16_t>(rng()));
      break;
    case TypeId::kUInt32:
      st = b->AppendUInt(static_cast<uint32_t>(rng()));
      break;
    case TypeId::kUInt64:
      st = b->AppendUInt(rng());
      break;
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
      st = b->AppendDouble(static_cast<double>(static_cast<int64_t>(rng() % 200001) - 100000) / 1000.0);
      break;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
      st = b->AppendString(RandomBytes(rng, 20, true));
      break;
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      st = b->AppendString(RandomBytes(rng, 20, false));
      break;
    case TypeId::kFixedSizeList: {
      const Field& e = type.children()[0];
      for (int k = 0; k < type.list_size(); ++k)
        AppendRandom(b->child(0), *e.type, e.nullable, null_prob, rng);
      st = b->AppendList();
      break;
    }
    case TypeId::kList:
    case TypeId::kLargeList: {
      const Field& e = type.children()[0];
      const int n = static_cast<int>(rng() % 5);
      for (int k = 0; k < n; ++k) AppendRandom(b->child(0), *e.type, e.nullable, null_prob, rng);
      st = b->AppendList();
      break;
    }
    case TypeId::kStruct: {
      for (size_t i = 0; i < type.children().size(); ++i) {
        const Field& f = type.children()[i];
        AppendRandom(b->child(static_cast<int>(i)), *f.type, f.nullable, null_prob, rng);
      }
      st = b->AppendStruct();
      break;
    }
    default:
      FAIL() << "unhandled type " << type.ToString();
  }
  ASSERT_TRUE(st.ok()) << st.ToString();
}

inline ArrayPtr RandomArray(const Field& field, int64_t length, double null_prob, std::mt19937_64& rng) {
  auto b = ArrayBuilder::Make(field.type);
  for (int64_t i = 0; i < length; ++i) AppendRandom(b.get(), *field.type, field.nullable, null_prob, rng);
  return b->Finish();
}

inline BatchPtr RandomBatch(const SchemaPtr& schema, int64_t length, double null_prob, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<ArrayPtr> columns;
  for (const Field& f : schema->fields()) columns.push_back(RandomArray(f, length, null_prob, rng));
  return std::make_shared<const RecordBatch>(schema, length, std::move(columns));
}

}  // namespace quiver::testing

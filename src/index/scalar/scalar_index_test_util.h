// Test helpers for the scalar indexes: random columns with NULLs, NaNs,
// duplicates and empty strings; batch readers in the index input shape; and
// a brute-force oracle built on expr::CompareScalars.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "expr/scalar.h"
#include "index/scalar/scalar_index.h"
#include "quiver/batch_reader.h"
#include "quiver/builder.h"

namespace quiver::index::testing {

using Op = expr::ColumnPredicate::Op;

// A column of values and the row id of each row.
struct Column {
  ArrayPtr values;
  std::vector<uint64_t> row_ids;
};

inline int64_t RandInt(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// A random non-null value appended to `b` (of a non-list type). Values
// repeat often; floats include NaN, +-0.0 and infinities; strings include
// "" and shared prefixes.
inline void AppendRandom(ArrayBuilder& b, std::mt19937_64& rng) {
  const DataType& t = *b.type();
  Status st;
  switch (t.id()) {
    case TypeId::kBool:
      st = b.AppendBool(RandInt(rng, 0, 1) == 1);
      break;
    case TypeId::kInt8:
      st = b.AppendInt(RandInt(rng, 0, 9) == 0 ? (RandInt(rng, 0, 1) ? 127 : -128) : RandInt(rng, -40, 40));
      break;
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kDate32:
      st = b.AppendInt(RandInt(rng, -300, 300));
      break;
    case TypeId::kInt64: {
      int64_t r = RandInt(rng, 0, 19);
      int64_t v = r == 0   ? std::numeric_limits<int64_t>::max()
                  : r == 1 ? std::numeric_limits<int64_t>::min()
                           : RandInt(rng, -500, 500);
      st = b.AppendInt(v);
      break;
    }
    case TypeId::kTimestamp:
      st = b.AppendInt(RandInt(rng, -300, 300) * 1000 + (RandInt(rng, 0, 3) == 0 ? RandInt(rng, 1, 999) : 0));
      break;
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
      st = b.AppendUInt(static_cast<uint64_t>(RandInt(rng, 0, 200)));
      break;
    case TypeId::kUInt64: {
      int64_t r = RandInt(rng, 0, 19);
      st = b.AppendUInt(r == 0 ? std::numeric_limits<uint64_t>::max()
                               : static_cast<uint64_t>(RandInt(rng, 0, 600)));
      break;
    }
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      static const double kSpecial[] = {std::nan(""),
                                        -0.0,
                                        0.0,
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        0.5,
                                        -0.5};
      int64_t r = RandInt(rng, 0, 9);
      double v = r < 2 ? kSpecial[RandInt(rng, 0, 6)] : static_cast<double>(RandInt(rng, -400, 400)) / 4;
      st = b.AppendDouble(v);
      break;
    }
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary: {
      static const char* kWords[] = {"", "a", "ab", "abc", "b", "ba", "zebra", "Zebra", "x y", "caf\xc3\xa9"};
      int64_t r = RandInt(rng, 0, 12);
      std::string s = r < 10 ? kWords[r] : "w" + std::to_string(RandInt(rng, 0, 300));
      st = b.AppendString(s);
      break;
    }
    default:
      FAIL() << "no random values for " << t.ToString();
  }
  ASSERT_TRUE(st.ok()) << st.ToString();
}

// `n` rows of `type` (a list type: lists of 0..4 elements, some NULL
// elements), a fraction `null_frac` NULL, with distinct random row ids
// (some above 2^32).
inline Column RandomColumn(const TypePtr& type, int64_t n, double null_frac, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto b = ArrayBuilder::Make(type);
  const bool list = type->id() == TypeId::kList || type->id() == TypeId::kLargeList;
  std::bernoulli_distribution is_null(null_frac);
  for (int64_t i = 0; i < n; ++i) {
    if (is_null(rng)) {
      EXPECT_TRUE(b->AppendNull().ok());
      continue;
    }
    if (list) {
      int64_t len = RandInt(rng, 0, 4);
      for (int64_t j = 0; j < len; ++j) {
        if (RandInt(rng, 0, 15) == 0) {
          EXPECT_TRUE(b->child(0)->AppendNull().ok());
        } else {
          AppendRandom(*b->child(0), rng);
        }
      }
      EXPECT_TRUE(b->AppendList().ok());
    } else {
      AppendRandom(*b, rng);
    }
  }
  Column c;
  c.values = b->Finish();
  std::vector<uint64_t> ids(n);
  uint64_t next = RandInt(rng, 0, 100);
  for (int64_t i = 0; i < n; ++i) {
    next += 1 + RandInt(rng, 0, 3);
    if (i == n / 2) next += uint64_t{1} << 32;  // some ids in a second 32-bit part
    ids[i] = next;
  }
  std::shuffle(ids.begin(), ids.end(), rng);
  c.row_ids = std::move(ids);
  return c;
}

inline ArrayPtr RowIdArray(const std::vector<uint64_t>& ids) {
  auto b = ArrayBuilder::Make(uint64());
  for (uint64_t id : ids) EXPECT_TRUE(b->AppendUInt(id).ok());
  return b->Finish();
}

// The column as a reader of batches of `batch_rows` ("v", "_rowid").
inline std::unique_ptr<BatchReader> ReaderOf(const Column& c, int64_t batch_rows = 1000) {
  auto schema =
      std::make_shared<Schema>(std::vector<Field>{Field("v", c.values->type()), Field("_rowid", uint64())});
  auto ids = RowIdArray(c.row_ids);
  std::vector<BatchPtr> batches;
  const int64_t n = c.values->length();
  for (int64_t off = 0; off < n; off += batch_rows) {
    int64_t len = std::min(batch_rows, n - off);
    batches.push_back(std::make_shared<RecordBatch>(
        schema, len, std::vector<ArrayPtr>{c.values->Slice(off, len), ids->Slice(off, len)}));
  }
  return MakeBatchReader(schema, std::move(batches));
}

inline Roaring64Map RowsWhere(const Column& c, const std::function<bool(int64_t)>& pred) {
  Roaring64Map out;
  for (int64_t i = 0; i < c.values->length(); ++i) {
    if (pred(i)) out.add(c.row_ids[i]);
  }
  return out;
}

// The oracle: does row i (non-list) satisfy `p`?
inline bool Matches(const Array& values, int64_t i, const expr::ColumnPredicate& p) {
  if (p.op == Op::kIsNull) return values.IsNull(i);
  if (p.op == Op::kIsNotNull) return values.IsValid(i);
  if (values.IsNull(i)) return false;
  expr::Scalar v = expr::ScalarFromArray(values, i).value();
  auto cmp = [&](const expr::Scalar& x) { return expr::CompareScalars(v, x); };
  switch (p.op) {
    case Op::kEq:
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      auto c = cmp(p.values[0]);
      if (!c) return false;
      if (p.op == Op::kEq) return *c == 0;
      if (p.op == Op::kLt) return *c < 0;
      if (p.op == Op::kLe) return *c <= 0;
      if (p.op == Op::kGt) return *c > 0;
      return *c >= 0;
    }
    case Op::kIn:
      for (const auto& x : p.values) {
        auto c = cmp(x);
        if (c && *c == 0) return true;
      }
      return false;
    default:
      return false;
  }
}

// The oracle for list rows: array_has_any / array_has_all / IS [NOT] NULL.
inline bool MatchesList(const Array& lists, int64_t i, const expr::ColumnPredicate& p) {
  if (p.op == Op::kIsNull) return lists.IsNull(i);
  if (lists.IsNull(i)) return false;
  if (p.op == Op::kIsNotNull) return true;
  auto [b, e] = lists.ListRange(i);
  const Array& elems = *lists.child(0);
  auto has = [&](const expr::Scalar& x) {
    for (int64_t j = b; j < e; ++j) {
      if (elems.IsNull(j)) continue;
      auto c = expr::CompareScalars(expr::ScalarFromArray(elems, j).value(), x);
      if (c && *c == 0) return true;
    }
    return false;
  };
  if (p.op == Op::kHasAny) return std::any_of(p.values.begin(), p.values.end(), has);
  return std::all_of(p.values.begin(), p.values.end(), has);
}

inline expr::ColumnPredicate Pred(Op op, std::vector<expr::Scalar> values = {}) {
  expr::ColumnPredicate p;
  p.path = {"v"};
  p.op = op;
  p.values = std::move(values);
  return p;
}

inline std::string Describe(const expr::ColumnPredicate& p) {
  static const char* kOps[] = {
      "=", "<", "<=", ">", ">=", "IN", "IS NULL", "IS NOT NULL", "HAS_ANY", "HAS_ALL"};
  std::string s = std::string("v ") + kOps[static_cast<int>(p.op)];
  for (const auto& v : p.values) s += " " + v.ToString();
  return s;
}

}  // namespace quiver::index::testing

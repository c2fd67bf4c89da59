// Index keys: how the scalar indexes store and compare column values.
//
// Every indexable value maps to a key whose order is the value order:
//  - fixed keys (bool, integers, floats, date32, timestamp) are a u64 whose
//    unsigned order is the value order: unsigned integers as they are,
//    signed ones (and dates, timestamps) with the sign bit flipped, floats
//    by their IEEE bits (sign-magnitude turned into two's-complement order).
//    Every NaN maps to one key above +infinity, and -0.0 to the key of 0.0,
//    so NaN equals NaN and sorts after every number, and -0.0 equals 0.0;
//  - byte keys (utf8, binary and their large forms) are the value's bytes,
//    compared as unsigned bytes.
//
// A query value (an expr::Scalar, possibly of another comparable type: an
// int64 literal against a float column, a timestamp in milliseconds against
// one in microseconds) is turned into a KeyRange over this key space,
// rounding exactly, so that a comparison against the range gives the answer
// the comparison against the value would.
//
// Thread-safety: pure functions and values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expr/bind.h"
#include "expr/scalar.h"
#include "quiver/array.h"
#include "quiver/schema.h"
#include "quiver/status.h"

namespace quiver::index {

enum class KeyKind : uint8_t { kFixed = 0, kBytes = 1 };

// The family of values a column holds, which decides what a query value is
// compared with.
enum class KeyDomain : uint8_t { kBool, kInt, kUInt, kFloat, kDate, kTimestamp, kBytes };

struct KeyType {
  KeyDomain domain = KeyDomain::kInt;
  TimeUnit unit = TimeUnit::kMicro;  // kTimestamp only

  KeyKind kind() const { return domain == KeyDomain::kBytes ? KeyKind::kBytes : KeyKind::kFixed; }
};

// The key type of a column of `type`; NotSupported naming the type for
// anything but bool, integers, floats, strings, binaries, date32 and
// timestamps.
Result<KeyType> KeyTypeFor(const DataType& type);

// The order-preserving u64 of a value.
inline uint64_t IntKey(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }
inline uint64_t UIntKey(uint64_t v) { return v; }
uint64_t FloatKey(double v);

// Reads the fixed key of row i of an array (the row must be valid).
using FixedKeyFn = uint64_t (*)(const Array& array, int64_t i);
// The reader for arrays of `type`; nullptr for types without fixed keys.
FixedKeyFn FixedKeyReader(const DataType& type);

// One key: `fixed` for KeyKind::kFixed, `bytes` for kBytes.
struct Key {
  uint64_t fixed = 0;
  std::string bytes;
};

// A key without ownership: `fixed` or `bytes` by the KeyKind in use.
struct KeyView {
  uint64_t fixed = 0;
  std::string_view bytes;
};

inline KeyView ViewOf(const Key& k) { return KeyView{k.fixed, k.bytes}; }
inline Key KeyOf(const KeyView& v) { return Key{v.fixed, std::string(v.bytes)}; }

// Three-way comparison of two keys of one kind.
inline int CompareKeyViews(KeyKind kind, const KeyView& a, const KeyView& b) {
  if (kind == KeyKind::kFixed) return a.fixed < b.fixed ? -1 : (a.fixed > b.fixed ? 1 : 0);
  int c = a.bytes.compare(b.bytes);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
inline int CompareKeys(KeyKind kind, const Key& a, const Key& b) {
  return CompareKeyViews(kind, ViewOf(a), ViewOf(b));
}

// Appends `key` as index files store it: a fixed key as 8 bytes
// little-endian, a byte key length-prefixed.
void PutKey(std::string* out, KeyKind kind, const Key& key);
// Parses PutKey's output off the front of `*in`; false when it is truncated.
bool GetKey(std::string_view* in, KeyKind kind, Key* key);

struct KeyBound {
  Key key;
  bool inclusive = true;
};

// The keys k with lower <= k <= upper (each end open or closed; an absent
// end is unbounded), or nothing at all when `empty`.
struct KeyRange {
  std::optional<KeyBound> lower;
  std::optional<KeyBound> upper;
  bool empty = false;

  static KeyRange All() { return {}; }
  static KeyRange None() {
    KeyRange r;
    r.empty = true;
    return r;
  }
  static KeyRange Point(Key k) {
    KeyRange r;
    r.lower = KeyBound{k, true};
    r.upper = KeyBound{std::move(k), true};
    return r;
  }
  bool Contains(KeyKind kind, const Key& k) const;
};

// Whether `op` is kEq, kLt, kLe, kGt or kGe: a comparison RangeFor takes.
inline bool IsComparison(expr::ColumnPredicate::Op op) {
  using Op = expr::ColumnPredicate::Op;
  return op == Op::kEq || op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe;
}

// The keys satisfying `key <op> value` for op kEq, kLt, kLe, kGt or kGe.
// InvalidArgument when the value cannot be compared with the column (a
// string against a number column, say) or is NULL.
Result<KeyRange> RangeFor(const KeyType& type, expr::ColumnPredicate::Op op, const expr::Scalar& value);
// The same for a comparison predicate: InvalidArgument unless it holds
// exactly one value; no keys at all when that value is NULL (x <op> NULL is
// never true).
Result<KeyRange> RangeFor(const KeyType& type, const expr::ColumnPredicate& pred);

// The key equal to `value`, or nullopt when no value of the column can
// equal it (2.5 against an integer column). Errors as RangeFor.
Result<std::optional<Key>> ExactKey(const KeyType& type, const expr::Scalar& value);

// The keys in both ranges; empty when they do not overlap.
KeyRange Intersect(KeyKind kind, const KeyRange& a, const KeyRange& b);

// The items [first, end) of `items` whose keys, from min_key(item) to
// max_key(item), meet `range`. The items' key spans ascend: each starts no
// lower than the one before it ends (a BTREE's pages, a BITMAP's values).
template <typename T, typename MinKey, typename MaxKey>
std::pair<size_t, size_t> ItemsMeeting(KeyKind kind, const std::vector<T>& items, const KeyRange& range,
                                       MinKey min_key, MaxKey max_key) {
  if (range.empty) return {0, 0};
  size_t first = 0, end = items.size();
  if (range.lower) {
    const KeyBound& b = *range.lower;
    first = std::partition_point(items.begin(), items.end(),
                                 [&](const T& item) {
                                   int c = CompareKeys(kind, max_key(item), b.key);
                                   return c < 0 || (c == 0 && !b.inclusive);
                                 }) -
            items.begin();
  }
  if (range.upper) {
    const KeyBound& b = *range.upper;
    end = std::partition_point(items.begin(), items.end(),
                               [&](const T& item) {
                                 int c = CompareKeys(kind, min_key(item), b.key);
                                 return c < 0 || (c == 0 && b.inclusive);
                               }) -
          items.begin();
  }
  return {first, std::max(first, end)};
}

}  // namespace quiver::index

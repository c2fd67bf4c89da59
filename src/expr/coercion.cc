#include "expr/coercion.h"

#include <algorithm>

namespace quiver::expr {
namespace {

bool IsSigned(TypeId id) {
  return id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 || id == TypeId::kInt64;
}

int IntWidth(TypeId id) {
  switch (id) {
    case TypeId::kInt8:
    case TypeId::kUInt8:
      return 8;
    case TypeId::kInt16:
    case TypeId::kUInt16:
      return 16;
    case TypeId::kInt32:
    case TypeId::kUInt32:
      return 32;
    default:
      return 64;
  }
}

TypePtr SignedOfWidth(int bits) {
  return bits <= 8 ? int8() : bits <= 16 ? int16() : bits <= 32 ? int32() : int64();
}
TypePtr UnsignedOfWidth(int bits) {
  return bits <= 8 ? uint8() : bits <= 16 ? uint16() : bits <= 32 ? uint32() : uint64();
}

}  // namespace

TypePtr CommonNumericType(const TypePtr& a, const TypePtr& b) {
  if (!a->is_numeric() || !b->is_numeric()) return nullptr;
  if (a->Equals(*b)) return a->id() == TypeId::kFloat16 ? float32() : a;
  if (a->id() == TypeId::kFloat64 || b->id() == TypeId::kFloat64) return float64();
  if (a->is_floating() || b->is_floating()) return float32();
  const bool sa = IsSigned(a->id()), sb = IsSigned(b->id());
  const int wa = IntWidth(a->id()), wb = IntWidth(b->id());
  if (sa == sb) return sa ? SignedOfWidth(std::max(wa, wb)) : UnsignedOfWidth(std::max(wa, wb));
  const int unsigned_width = sa ? wb : wa;
  const int signed_width = sa ? wa : wb;
  return SignedOfWidth(std::max(signed_width, std::min(64, unsigned_width * 2)));
}

TypePtr CommonType(const TypePtr& a, const TypePtr& b) {
  if (a->Equals(*b)) return a;
  const TypeId x = a->id(), y = b->id();
  if (x == TypeId::kNull) return b;
  if (y == TypeId::kNull) return a;
  if (a->is_numeric() && b->is_numeric()) return CommonNumericType(a, b);
  if (a->is_string_like() && b->is_string_like()) {
    const bool is_binary = x == TypeId::kBinary || x == TypeId::kLargeBinary || y == TypeId::kBinary ||
                           y == TypeId::kLargeBinary;
    const bool large = a->is_large_offsets() || b->is_large_offsets();
    if (is_binary) return large ? large_binary() : binary();
    return large ? large_utf8() : utf8();
  }
  if (x == TypeId::kTimestamp && y == TypeId::kTimestamp) {
    const TypePtr& finer = static_cast<int>(a->unit()) >= static_cast<int>(b->unit()) ? a : b;
    return finer;
  }
  if (x == TypeId::kTimestamp && y == TypeId::kDate32) return a;
  if (x == TypeId::kDate32 && y == TypeId::kTimestamp) return b;
  return nullptr;
}

bool IsComparable(const DataType& type) {
  const TypeId id = type.id();
  return type.is_numeric() || type.is_string_like() || id == TypeId::kBool || id == TypeId::kDate32 ||
         id == TypeId::kTimestamp || id == TypeId::kNull;
}

}  // namespace quiver::expr

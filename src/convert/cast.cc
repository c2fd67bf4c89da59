#include "convert/cast.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "common/float16.h"

namespace quiver::convert {
namespace {

// float16 values are stored as uint16 bit patterns; this tag tells them apart
// from uint16 integers.
struct Half {
  uint16_t bits;
};

template <typename F>
auto VisitNumeric(TypeId id, F&& f) {
  switch (id) {
    case TypeId::kInt8:
      return f(int8_t{});
    case TypeId::kInt16:
      return f(int16_t{});
    case TypeId::kInt32:
      return f(int32_t{});
    case TypeId::kInt64:
      return f(int64_t{});
    case TypeId::kUInt8:
      return f(uint8_t{});
    case TypeId::kUInt16:
      return f(uint16_t{});
    case TypeId::kUInt32:
      return f(uint32_t{});
    case TypeId::kUInt64:
      return f(uint64_t{});
    case TypeId::kFloat16:
      return f(Half{});
    case TypeId::kFloat32:
      return f(float{});
    default:
      return f(double{});
  }
}

// Values are carried as int64 (signed), uint64 (unsigned) or double (floats).
template <typename T>
auto Load(const T& v) {
  if constexpr (std::is_same_v<T, Half>) {
    return static_cast<double>(HalfToFloat(v.bits));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(v);
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<int64_t>(v);
  } else {
    return static_cast<uint64_t>(v);
  }
}

template <typename Dst, typename V>
bool Store(V v, Dst* out) {
  if constexpr (std::is_same_v<Dst, Half>) {
    out->bits = FloatToHalf(static_cast<float>(v));
    return true;
  } else if constexpr (std::is_floating_point_v<Dst>) {
    *out = static_cast<Dst>(v);
    return true;
  } else if constexpr (std::is_floating_point_v<V>) {
    // Only integral values within range; NaN fails both comparisons.
    if (!(v >= static_cast<double>(std::numeric_limits<Dst>::min()) &&
          v <= static_cast<double>(std::numeric_limits<Dst>::max())) ||
        v != std::trunc(v)) {
      return false;
    }
    *out = static_cast<Dst>(v);
    return true;
  } else {
    if (!std::in_range<Dst>(v)) return false;
    *out = static_cast<Dst>(v);
    return true;
  }
}

// The validity bitmap of `a`, realigned to start at bit 0; null when no nulls.
BufferPtr CopyValidity(const Array& a) {
  if (a.null_count() == 0 || !a.buffer(0)) return nullptr;
  BufferPtr bits = Buffer::Allocate(static_cast<size_t>((a.length() + 7) / 8));
  for (int64_t i = 0; i < a.length(); ++i) {
    if (a.IsValid(i)) SetBit(bits->mutable_data(), i);
  }
  return bits;
}

std::string DescribeValue(double v) { return std::to_string(v); }
std::string DescribeValue(int64_t v) { return std::to_string(v); }
std::string DescribeValue(uint64_t v) { return std::to_string(v); }

Result<ArrayPtr> CastNumeric(const Array& a, const TypePtr& to) {
  const int64_t n = a.length();
  const int width = to->bit_width() / 8;
  BufferPtr values = Buffer::Allocate(static_cast<size_t>(n * width));
  const bool has_nulls = a.null_count() > 0;
  Status st = VisitNumeric(a.type()->id(), [&](auto src_tag) -> Status {
    using Src = decltype(src_tag);
    const Src* src = reinterpret_cast<const Src*>(a.buffer(1)->data()) + a.offset();
    return VisitNumeric(to->id(), [&](auto dst_tag) -> Status {
      using Dst = decltype(dst_tag);
      Dst* dst = reinterpret_cast<Dst*>(values->mutable_data());
      for (int64_t i = 0; i < n; ++i) {
        if (has_nulls && a.IsNull(i)) continue;
        auto v = Load(src[i]);
        if (!Store(v, &dst[i])) {
          return Status::InvalidArgument("row " + std::to_string(i) + ": value " + DescribeValue(v) +
                                         " does not fit in " + to->ToString());
        }
      }
      return Status::OK();
    });
  });
  QUIVER_RETURN_NOT_OK(st);
  return std::make_shared<const Array>(to, n, std::vector<BufferPtr>{CopyValidity(a), values},
                                       std::vector<ArrayPtr>{}, has_nulls ? a.null_count() : 0);
}

}  // namespace

bool CanCast(const DataType& from, const DataType& to) {
  if (from.Equals(to)) return true;
  if (from.is_numeric() && to.is_numeric()) return true;
  if (from.id() == TypeId::kFixedSizeList && to.id() == TypeId::kFixedSizeList) {
    return from.list_size() == to.list_size() && CanCast(*from.value_type(), *to.value_type());
  }
  return false;
}

Result<ArrayPtr> CastArray(const ArrayPtr& array, const TypePtr& to) {
  const DataType& from = *array->type();
  if (from.Equals(*to)) return array;
  if (!CanCast(from, *to)) {
    return Status::NotSupported("cannot convert " + from.ToString() + " to " + to->ToString());
  }
  if (from.is_numeric()) return CastNumeric(*array, to);
  // Fixed-size lists: convert the elements the rows cover.
  const int64_t size = from.list_size();
  ArrayPtr values = array->child(0)->Slice(array->offset() * size, array->length() * size);
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr cast_values, CastArray(values, to->value_type()));
  return std::make_shared<const Array>(to, array->length(), std::vector<BufferPtr>{CopyValidity(*array)},
                                       std::vector<ArrayPtr>{cast_values}, -1);
}

Result<SchemaConformer> SchemaConformer::Make(const SchemaPtr& from, const SchemaPtr& to,
                                              const std::vector<std::string>& optional,
                                              const std::string& vector_column) {
  SchemaConformer c;
  c.to_ = to;
  c.source_.assign(to->num_fields(), -1);
  std::vector<bool> used(from->num_fields(), false);
  for (int t = 0; t < to->num_fields(); ++t) {
    int s = from->FieldIndex(to->field(t).name);
    if (s >= 0) {
      c.source_[t] = s;
      used[s] = true;
    }
  }
  // Vectors go to the only vector column when the names differ.
  const int vec = from->FieldIndex(vector_column);
  if (vec >= 0 && !used[vec]) {
    int only = -1;
    int count = 0;
    for (int t = 0; t < to->num_fields(); ++t) {
      if (to->field(t).type->id() == TypeId::kFixedSizeList) {
        only = t;
        ++count;
      }
    }
    if (count == 1 && c.source_[only] < 0) {
      c.source_[only] = vec;
      used[vec] = true;
    }
  }
  for (int s = 0; s < from->num_fields(); ++s) {
    const std::string& name = from->field(s).name;
    if (used[s] || std::find(optional.begin(), optional.end(), name) != optional.end()) continue;
    return Status::InvalidArgument("the schema has no column for the file's \"" + name + "\" (" +
                                   from->field(s).type->ToString() + ")");
  }
  for (int t = 0; t < to->num_fields(); ++t) {
    const Field& target = to->field(t);
    if (c.source_[t] < 0) {
      if (!target.nullable) {
        return Status::InvalidArgument("column \"" + target.name +
                                       "\" is not nullable but the file has no values for it");
      }
      continue;
    }
    const Field& source = from->field(c.source_[t]);
    if (source.type->id() == TypeId::kFixedSizeList && target.type->id() == TypeId::kFixedSizeList &&
        source.type->list_size() != target.type->list_size()) {
      return Status::InvalidArgument("the file's vectors have dimension " +
                                     std::to_string(source.type->list_size()) + ", column \"" + target.name +
                                     "\" expects " + std::to_string(target.type->list_size()));
    }
    if (!CanCast(*source.type, *target.type)) {
      return Status::InvalidArgument("the file's \"" + source.name + "\" (" + source.type->ToString() +
                                     ") cannot be stored in column \"" + target.name + "\" (" +
                                     target.type->ToString() + ")");
    }
  }
  return c;
}

Result<BatchPtr> SchemaConformer::Conform(const BatchPtr& batch) const {
  std::vector<ArrayPtr> columns;
  columns.reserve(source_.size());
  for (size_t t = 0; t < source_.size(); ++t) {
    const Field& target = to_->field(static_cast<int>(t));
    if (source_[t] < 0) {
      columns.push_back(MakeNullArray(target.type, batch->num_rows()));
      continue;
    }
    Result<ArrayPtr> cast = CastArray(batch->column(source_[t]), target.type);
    if (!cast.ok()) return cast.status().WithContext("column \"" + target.name + "\"");
    columns.push_back(std::move(cast).value());
  }
  return std::make_shared<const RecordBatch>(to_, batch->num_rows(), std::move(columns));
}

}  // namespace quiver::convert

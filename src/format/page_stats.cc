#include "format/page_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/float16.h"

namespace quiver {

namespace {

// Min and max of the valid values in [begin, end) of a fixed-width buffer,
// converted by `convert`, skipping values `skip` rejects. Returns false when
// no value qualified.
template <typename T, typename U, typename Convert, typename Skip>
bool MinMax(const T* values, const uint8_t* validity, int64_t validity_offset, int64_t n, Convert convert,
            Skip skip, U* min_out, U* max_out) {
  bool found = false;
  U lo{}, hi{};
  for (int64_t i = 0; i < n; ++i) {
    if (validity != nullptr && !GetBit(validity, validity_offset + i)) continue;
    const U v = convert(values[i]);
    if (skip(v)) continue;
    if (!found) {
      lo = hi = v;
      found = true;
    } else {
      lo = v < lo ? v : lo;
      hi = hi < v ? v : hi;
    }
  }
  if (found) {
    *min_out = lo;
    *max_out = hi;
  }
  return found;
}

template <typename T, typename U>
bool IntMinMax(const Array& a, int64_t offset, int64_t n, const uint8_t* validity, U* lo, U* hi) {
  return MinMax(
      a.values<T>() + offset, validity, a.offset() + offset, n, [](T v) { return static_cast<U>(v); },
      [](U) { return false; }, lo, hi);
}

template <typename T, typename Convert>
bool FloatMinMax(const Array& a, int64_t offset, int64_t n, const uint8_t* validity, Convert convert,
                 double* lo, double* hi) {
  return MinMax(
      a.values<T>() + offset, validity, a.offset() + offset, n, convert,
      [](double v) { return std::isnan(v); }, lo, hi);
}

int64_t CountNulls(const Array& a, int64_t offset, int64_t n) {
  if (a.type()->id() == TypeId::kNull) return n;
  const BufferPtr& validity = a.buffers().empty() ? nullptr : a.buffer(0);
  if (!validity || a.null_count() == 0) return 0;
  if (offset == 0 && n == a.length()) return a.null_count();
  int64_t nulls = 0;
  const uint8_t* bits = validity->data();
  for (int64_t i = a.offset() + offset, end = i + n; i < end; ++i) nulls += !GetBit(bits, i);
  return nulls;
}

}  // namespace

bool RoundUpStatBytes(std::string_view value, std::string* out) {
  if (value.size() <= kMaxStatBytes) {
    out->assign(value);
    return true;
  }
  std::string s(value.substr(0, kMaxStatBytes));
  while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return false;
  s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
  *out = std::move(s);
  return true;
}

StatsCollector::StatsCollector(const DataType& type) : type_(type) {
  switch (type.id()) {
    case TypeId::kBool:
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kDate32:
    case TypeId::kTimestamp:
      kind_ = Kind::kSigned;
      break;
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
      kind_ = Kind::kUnsigned;
      break;
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
      kind_ = Kind::kFloat;
      break;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      kind_ = Kind::kBytes;
      break;
    default:
      kind_ = Kind::kNone;
  }
}

void StatsCollector::Update(const Array& a, int64_t offset, int64_t n) {
  if (n <= 0) return;
  const int64_t nulls = CountNulls(a, offset, n);
  null_count_ += nulls;
  if (kind_ == Kind::kNone || nulls == n) return;
  const uint8_t* validity = nulls > 0 ? a.buffer(0)->data() : nullptr;
  bool found = false;
  switch (kind_) {
    case Kind::kSigned: {
      int64_t lo = 0, hi = 0;
      switch (type_.id()) {
        case TypeId::kBool:
          for (int64_t i = 0; i < n; ++i) {
            if (validity != nullptr && !GetBit(validity, a.offset() + offset + i)) continue;
            const int64_t v = a.GetBool(offset + i);
            lo = found ? std::min(lo, v) : v;
            hi = found ? std::max(hi, v) : v;
            found = true;
          }
          break;
        case TypeId::kInt8:
          found = IntMinMax<int8_t>(a, offset, n, validity, &lo, &hi);
          break;
        case TypeId::kInt16:
          found = IntMinMax<int16_t>(a, offset, n, validity, &lo, &hi);
          break;
        case TypeId::kInt32:
        case TypeId::kDate32:
          found = IntMinMax<int32_t>(a, offset, n, validity, &lo, &hi);
          break;
        default:
          found = IntMinMax<int64_t>(a, offset, n, validity, &lo, &hi);
          break;
      }
      if (found) {
        min_i_ = has_value_ ? std::min(min_i_, lo) : lo;
        max_i_ = has_value_ ? std::max(max_i_, hi) : hi;
      }
      break;
    }
    case Kind::kUnsigned: {
      uint64_t lo = 0, hi = 0;
      switch (type_.id()) {
        case TypeId::kUInt8:
          found = IntMinMax<uint8_t>(a, offset, n, validity, &lo, &hi);
          break;
        case TypeId::kUInt16:
          found = IntMinMax<uint16_t>(a, offset, n, validity, &lo, &hi);
          break;
        case TypeId::kUInt32:
          found = IntMinMax<uint32_t>(a, offset, n, validity, &lo, &hi);
          break;
        default:
          found = IntMinMax<uint64_t>(a, offset, n, validity, &lo, &hi);
          break;
      }
      if (found) {
        min_u_ = has_value_ ? std::min(min_u_, lo) : lo;
        max_u_ = has_value_ ? std::max(max_u_, hi) : hi;
      }
      break;
    }
    case Kind::kFloat: {
      double lo = 0, hi = 0;
      switch (type_.id()) {
        case TypeId::kFloat16:
          found = FloatMinMax<uint16_t>(
              a, offset, n, validity, [](uint16_t h) { return static_cast<double>(HalfToFloat(h)); }, &lo,
              &hi);
          break;
        case TypeId::kFloat32:
          found = FloatMinMax<float>(
              a, offset, n, validity, [](float f) { return static_cast<double>(f); }, &lo, &hi);
          break;
        default:
          found = FloatMinMax<double>(
              a, offset, n, validity, [](double d) { return d; }, &lo, &hi);
          break;
      }
      if (found) {
        min_d_ = has_value_ ? std::min(min_d_, lo) : lo;
        max_d_ = has_value_ ? std::max(max_d_, hi) : hi;
      }
      break;
    }
    case Kind::kBytes: {
      std::string_view lo, hi;
      for (int64_t i = 0; i < n; ++i) {
        if (validity != nullptr && !GetBit(validity, a.offset() + offset + i)) continue;
        const std::string_view v = a.GetView(offset + i);
        if (!found) {
          lo = hi = v;
          found = true;
        } else {
          lo = v < lo ? v : lo;
          hi = hi < v ? v : hi;
        }
      }
      if (found) {
        // Truncating and rounding up are monotonic, so merging the converted
        // bounds gives the converted bounds of the union.
        std::string lo_s(lo.substr(0, kMaxStatBytes)), hi_s;
        const bool bounded = RoundUpStatBytes(hi, &hi_s);
        if (!has_value_ || lo_s < min_s_) min_s_ = std::move(lo_s);
        if (!bounded) {
          max_unbounded_ = true;
        } else if (!has_value_ || max_s_ < hi_s) {
          max_s_ = std::move(hi_s);
        }
      }
      break;
    }
    case Kind::kNone:
      break;
  }
  has_value_ = has_value_ || found;
}

PageStats StatsCollector::Finish() {
  PageStats out;
  out.null_count = null_count_;
  if (has_value_) {
    switch (kind_) {
      case Kind::kSigned:
        out.min = min_i_;
        out.max = max_i_;
        break;
      case Kind::kUnsigned:
        out.min = min_u_;
        out.max = max_u_;
        break;
      case Kind::kFloat:
        out.min = min_d_;
        out.max = max_d_;
        break;
      case Kind::kBytes:
        out.min = std::move(min_s_);
        if (!max_unbounded_) out.max = std::move(max_s_);
        break;
      case Kind::kNone:
        break;
    }
  }
  null_count_ = 0;
  has_value_ = false;
  max_unbounded_ = false;
  min_s_.clear();
  max_s_.clear();
  return out;
}

ColumnStatsMerger::ColumnStatsMerger(const DataType& type) : is_bytes_(type.is_string_like()) {}

void ColumnStatsMerger::Add(const PageStats& stats) {
  merged_.null_count += stats.null_count;
  if (std::holds_alternative<std::monostate>(stats.min)) {
    // No min: the page has no non-null (non-NaN) value, or a nested type.
    return;
  }
  if (is_bytes_ && std::holds_alternative<std::monostate>(stats.max)) max_unbounded_ = true;
  if (!has_value_) {
    merged_.min = stats.min;
    merged_.max = stats.max;
    has_value_ = true;
    return;
  }
  // Pages of one column hold the same alternative; a mismatch (a damaged
  // footer that passed its checksum cannot happen) keeps the first.
  if (stats.min.index() == merged_.min.index() && stats.min < merged_.min) merged_.min = stats.min;
  if (std::holds_alternative<std::monostate>(merged_.max)) {
    merged_.max = stats.max;
  } else if (stats.max.index() == merged_.max.index() && merged_.max < stats.max) {
    merged_.max = stats.max;
  }
}

PageStats ColumnStatsMerger::Finish() const {
  PageStats out = merged_;
  if (max_unbounded_) out.max = std::monostate{};
  return out;
}

}  // namespace quiver

#include "expr/in_list.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace quiver::expr {

Result<std::shared_ptr<const InSet>> InSet::Make(const TypePtr& type, const std::vector<Scalar>& values) {
  auto set = std::shared_ptr<InSet>(new InSet());
  set->type_ = type;
  const TypeId id = type->id();
  const bool is_string = type->is_string_like();
  const bool is_float = type->is_floating();
  const bool is_uint =
      id == TypeId::kUInt8 || id == TypeId::kUInt16 || id == TypeId::kUInt32 || id == TypeId::kUInt64;
  if (!is_string && !type->is_numeric() && id != TypeId::kBool && id != TypeId::kDate32 &&
      id != TypeId::kTimestamp && id != TypeId::kNull) {
    return Status::NotSupported("IN lists of " + type->ToString() + " values are not supported");
  }
  for (const Scalar& v : values) {
    if (v.is_null()) {
      set->has_null_ = true;
    } else if (is_string) {
      set->strings_.push_back(std::get<std::string>(v.value));
    } else if (is_float) {
      const double d = ScalarTo<double>(v);
      if (std::isnan(d)) {
        set->has_nan_ = true;
      } else {
        set->floats_.push_back(d == 0 ? 0.0 : d);
      }
    } else if (is_uint) {
      set->uints_.push_back(ScalarTo<uint64_t>(v));
    } else {
      set->ints_.push_back(ScalarTo<int64_t>(v));
    }
  }
  if (set->strings_.size() > kMaxScan) {
    for (const std::string& s : set->strings_) set->string_set_.insert(s);
  }
  if (set->ints_.size() > kMaxScan) set->int_set_.insert(set->ints_.begin(), set->ints_.end());
  if (set->uints_.size() > kMaxScan) set->uint_set_.insert(set->uints_.begin(), set->uints_.end());
  if (set->floats_.size() > kMaxScan) set->float_set_.insert(set->floats_.begin(), set->floats_.end());
  return std::shared_ptr<const InSet>(std::move(set));
}

template <typename T>
void InSet::Run(const Array& x, uint64_t* out) const {
  const int64_t n = x.length();
  const T* v = x.values<T>();
  if constexpr (std::is_floating_point_v<T>) {
    const bool nan = has_nan_;
    if (floats_.size() > kMaxScan) {
      FillBits(out, n, [&](int64_t i) { return v[i] != v[i] ? nan : float_set_.count(v[i]) > 0; });
    } else {
      std::vector<T> list(floats_.begin(), floats_.end());
      FillBits(out, n, [&](int64_t i) {
        if (v[i] != v[i]) return nan;
        return std::find(list.begin(), list.end(), v[i]) != list.end();
      });
    }
  } else if constexpr (std::is_unsigned_v<T>) {
    if (uints_.size() > kMaxScan) {
      FillBits(out, n, [&](int64_t i) { return uint_set_.count(v[i]) > 0; });
    } else {
      std::vector<T> list;
      for (uint64_t u : uints_) list.push_back(static_cast<T>(u));
      FillBits(out, n, [&](int64_t i) { return std::find(list.begin(), list.end(), v[i]) != list.end(); });
    }
  } else {
    if (ints_.size() > kMaxScan) {
      FillBits(out, n, [&](int64_t i) { return int_set_.count(v[i]) > 0; });
    } else {
      std::vector<T> list;
      for (int64_t s : ints_) list.push_back(static_cast<T>(s));
      FillBits(out, n, [&](int64_t i) { return std::find(list.begin(), list.end(), v[i]) != list.end(); });
    }
  }
}

void InSet::RunStrings(const Array& x, uint64_t* out) const {
  const int64_t n = x.length();
  VisitStrings(x, [&](const auto& r) {
    if (strings_.size() > kMaxScan) {
      FillBits(out, n, [&](int64_t i) { return string_set_.count(r[i]) > 0; });
      return 0;
    }
    using Key = typename std::decay_t<decltype(r)>::SmallKey;
    bool small = true;
    for (const std::string& c : strings_) small &= c.size() <= 8;
    if (small) {
      std::vector<Key> keys;
      for (const std::string& c : strings_) keys.emplace_back(c);
      // A fixed number of keys lets the compiler unroll the inner loop.
      auto run = [&](auto count) {
        constexpr size_t kCount = decltype(count)::value;
        FillBits(out, n, [&](int64_t i) {
          bool found = false;
          for (size_t k = 0; k < kCount; ++k) found |= r.EqualsSmall(i, keys[k]);
          return found;
        });
      };
      switch (keys.size()) {
        case 0:
          std::memset(out, 0, static_cast<size_t>(NumWords(n)) * 8);
          break;
        case 1:
          run(std::integral_constant<size_t, 1>{});
          break;
        case 2:
          run(std::integral_constant<size_t, 2>{});
          break;
        case 3:
          run(std::integral_constant<size_t, 3>{});
          break;
        case 4:
          run(std::integral_constant<size_t, 4>{});
          break;
        default:
          FillBits(out, n, [&](int64_t i) {
            bool found = false;
            for (const Key& k : keys) found |= r.EqualsSmall(i, k);
            return found;
          });
      }
      return 0;
    }
    std::vector<std::string_view> list(strings_.begin(), strings_.end());
    FillBits(out, n, [&](int64_t i) {
      const std::string_view s = r[i];
      bool found = false;
      for (const std::string_view c : list) found |= BytesEqual(s, c);
      return found;
    });
    return 0;
  });
}

bool InSet::ContainsScalar(const Scalar& s) const {
  if (type_->is_string_like()) {
    const auto& v = std::get<std::string>(s.value);
    return std::find(strings_.begin(), strings_.end(), v) != strings_.end();
  }
  if (type_->is_floating()) {
    const double d = ScalarTo<double>(s);
    if (std::isnan(d)) return has_nan_;
    return std::find(floats_.begin(), floats_.end(), d) != floats_.end();
  }
  if (std::holds_alternative<uint64_t>(s.value)) {
    return std::find(uints_.begin(), uints_.end(), std::get<uint64_t>(s.value)) != uints_.end();
  }
  return std::find(ints_.begin(), ints_.end(), ScalarTo<int64_t>(s)) != ints_.end();
}

Result<Datum> InSet::Evaluate(const Datum& x, int64_t length) const {
  if (!x.is_array()) {
    if (x.scalar.is_null()) return Datum(Scalar::Null(boolean()));
    if (ContainsScalar(x.scalar)) return Datum(Scalar::Bool(true));
    return Datum(has_null_ ? Scalar::Null(boolean()) : Scalar::Bool(false));
  }
  const Array& a = *x.array;
  if (a.type()->id() == TypeId::kNull) return Datum(MakeNullArray(boolean(), length));
  BufferPtr values = AllocateBitmap(length);
  uint64_t* out = MutableWords(values);
  if (a.type()->is_string_like()) {
    RunStrings(a, out);
  } else if (a.type()->id() == TypeId::kBool) {
    const bool has_true = std::find(ints_.begin(), ints_.end(), 1) != ints_.end();
    const bool has_false = std::find(ints_.begin(), ints_.end(), 0) != ints_.end();
    FillBits(out, length, [&](int64_t i) { return a.GetBool(i) ? has_true : has_false; });
  } else {
    Status st = VisitNumeric(a.type()->id(), [&](auto tag) -> Status {
      Run<decltype(tag)>(a, out);
      return Status::OK();
    });
    if (!st.ok()) return Status::NotSupported("IN on " + a.type()->ToString() + " values is not supported");
  }
  // Valid where x is valid and (found or the list has no NULL).
  BufferPtr validity = CopyBitmap(ValidityOf(a), length);
  if (has_null_) {
    if (!validity) {
      validity = AllocateBitmap(length);
      std::memset(validity->mutable_data(), 0xFF, validity->size());
    }
    uint64_t* vw = MutableWords(validity);
    for (int64_t w = 0; w < NumWords(length); ++w) vw[w] &= out[w];
  }
  return Datum(MakeBoolArray(length, values, validity));
}

}  // namespace quiver::expr

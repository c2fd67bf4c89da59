// IntDivider: division of 64-bit integers by a divisor fixed in advance,
// with a multiply and shifts instead of a hardware divide (several times
// faster per value: `id % 100` over a column spends its time here).
//
//   IntDivider<int64_t> by(100);
//   int64_t q = by.Quotient(x), r = by.Remainder(x);   // x / 100, x % 100
//
// Results equal C++'s `/` and `%` (truncation toward zero) for every
// dividend. The divisor must not be 0, nor -1 for signed types (whose
// MIN / -1 does not fit); callers check.
//
// The method is Granlund and Montgomery's ("Division by invariant integers
// using multiplication", PLDI 1994, figure 4.1): for 1 <= d < 2^64 and
// l = ceil(log2 d), m = floor(2^64 (2^l - d) / d) + 1 fits in 64 bits, and
// n / d = (t + ((n - t) >> min(l, 1))) >> max(l - 1, 0) with t = (m n) >> 64.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace quiver {

template <typename T>
class IntDivider {
  static_assert(std::is_integral_v<T> && sizeof(T) <= 8, "64-bit or smaller integers");

 public:
  explicit IntDivider(T divisor) : divisor_(divisor) {
    const uint64_t d = Magnitude(divisor);
    const int l = d <= 1 ? 0 : 64 - __builtin_clzll(d - 1);
    const unsigned __int128 two_l = static_cast<unsigned __int128>(1) << l;
    multiplier_ = static_cast<uint64_t>(((static_cast<unsigned __int128>(1) << 64) * (two_l - d)) / d + 1);
    shift1_ = std::min(l, 1);
    shift2_ = std::max(l - 1, 0);
  }

  T Quotient(T n) const {
    const uint64_t q = Divide(Magnitude(n));
    if constexpr (std::is_signed_v<T>) {
      return ((n < 0) != (divisor_ < 0)) ? static_cast<T>(0 - q) : static_cast<T>(q);
    } else {
      return static_cast<T>(q);
    }
  }

  T Remainder(T n) const {
    const uint64_t un = Magnitude(n);
    const uint64_t r = un - Divide(un) * Magnitude(divisor_);
    if constexpr (std::is_signed_v<T>) {
      return n < 0 ? static_cast<T>(0 - r) : static_cast<T>(r);
    } else {
      return static_cast<T>(r);
    }
  }

 private:
  // |v| as unsigned (exact for the minimum of a signed type too).
  static uint64_t Magnitude(T v) {
    if constexpr (std::is_signed_v<T>) {
      return v < 0 ? 0 - static_cast<uint64_t>(static_cast<int64_t>(v)) : static_cast<uint64_t>(v);
    } else {
      return static_cast<uint64_t>(v);
    }
  }

  uint64_t Divide(uint64_t n) const {
    const uint64_t t = static_cast<uint64_t>((static_cast<unsigned __int128>(multiplier_) * n) >> 64);
    return (t + ((n - t) >> shift1_)) >> shift2_;
  }

  T divisor_;
  uint64_t multiplier_ = 0;
  int shift1_ = 0;
  int shift2_ = 0;
};

}  // namespace quiver

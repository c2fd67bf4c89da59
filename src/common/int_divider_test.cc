#include "common/int_divider.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

namespace quiver {
namespace {

template <typename T>
std::vector<T> Interesting() {
  using L = std::numeric_limits<T>;
  std::vector<T> v;
  for (int64_t x : {0, 1, 2, 3, 5, 7, 10, 100, 127, 255}) v.push_back(static_cast<T>(x));
  for (T x : {L::max(), static_cast<T>(L::max() - 1), static_cast<T>(L::max() / 2),
              static_cast<T>(L::max() / 2 + 1)}) {
    v.push_back(x);
  }
  for (int k = 1; k < static_cast<int>(sizeof(T) * 8) - (std::is_signed_v<T> ? 1 : 0); ++k) {
    const T p = static_cast<T>(T(1) << k);
    v.push_back(p);
    v.push_back(static_cast<T>(p - 1));
    v.push_back(static_cast<T>(p + 1));
  }
  if constexpr (std::is_signed_v<T>) {
    const size_t n = v.size();
    for (size_t i = 0; i < n; ++i) v.push_back(static_cast<T>(-v[i]));
    v.push_back(L::min());
    v.push_back(static_cast<T>(L::min() + 1));
  }
  return v;
}

template <typename T>
void CheckAgainstHardwareDivision() {
  std::mt19937_64 rng(42);
  std::vector<T> divisors = Interesting<T>();
  std::vector<T> dividends = Interesting<T>();
  for (int i = 0; i < 2000; ++i) {
    divisors.push_back(static_cast<T>(rng()));
    dividends.push_back(static_cast<T>(rng()));
    dividends.push_back(static_cast<T>(rng() % 100000));
  }
  for (T d : divisors) {
    if (d == 0) continue;
    if constexpr (std::is_signed_v<T>) {
      if (d == -1) continue;
    }
    IntDivider<T> by(d);
    for (T n : dividends) {
      ASSERT_EQ(by.Quotient(n), static_cast<T>(n / d)) << +n << " / " << +d;
      ASSERT_EQ(by.Remainder(n), static_cast<T>(n % d)) << +n << " % " << +d;
    }
  }
}

TEST(IntDividerTest, MatchesHardwareDivisionForEveryIntegerType) {
  CheckAgainstHardwareDivision<int64_t>();
  CheckAgainstHardwareDivision<uint64_t>();
  CheckAgainstHardwareDivision<int32_t>();
  CheckAgainstHardwareDivision<uint32_t>();
  CheckAgainstHardwareDivision<int16_t>();
  CheckAgainstHardwareDivision<uint8_t>();
  CheckAgainstHardwareDivision<int8_t>();
}

}  // namespace
}  // namespace quiver

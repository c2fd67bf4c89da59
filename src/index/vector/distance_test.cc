#include "index/vector/distance.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/float16.h"
#include "index/vector/distance_internal.h"

namespace quiver::index {
namespace {

// Tolerances against a double-precision reference:
//   f32 sums of squares (l2, norm): |got - ref| <= 1e-5 * ref;
//   f32 dot products: |got - ref| <= 1e-5 * sum(|a_i * b_i|) (relative to
//     the magnitude summed, as cancellation makes the result itself small);
//   integer kernels and hamming: exact.
constexpr double kRel = 1e-5;

const std::vector<size_t> kDims = {0,   1,   2,   3,   4,   5,   7,   8,   9,    15,  16,  17,
                                   31,  32,  33,  47,  63,  64,  65,  100, 127,  128, 129, 200,
                                   255, 256, 257, 300, 511, 512, 513, 768, 1000, 1536};
// Element offsets from an aligned allocation: aligned and not.
const std::vector<size_t> kOffsets = {0, 1, 3};

// Every level this CPU (and QUIVER_SIMD) allows, each once.
std::vector<const DistanceKernels*> LevelsUnderTest() {
  std::vector<const DistanceKernels*> out;
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    const DistanceKernels& k = KernelsFor(level);
    if (k.level == level) out.push_back(&k);
  }
  return out;
}

std::string Where(const DistanceKernels& k, size_t dim, size_t offset) {
  return std::string(SimdLevelName(k.level)) + " dim=" + std::to_string(dim) +
         " offset=" + std::to_string(offset);
}

std::vector<float> RandomFloats(size_t n, std::mt19937_64& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

template <typename T>
std::vector<T> RandomBytes(size_t n, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

struct Ref {
  double value = 0;
  double magnitude = 0;  // sum of |terms|
};

template <typename A, typename B>
Ref RefL2(const A* a, const B* b, size_t dim) {
  Ref r;
  for (size_t i = 0; i < dim; ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    r.value += d * d;
  }
  r.magnitude = r.value;
  return r;
}

template <typename A, typename B>
Ref RefDot(const A* a, const B* b, size_t dim) {
  Ref r;
  for (size_t i = 0; i < dim; ++i) {
    const double p = static_cast<double>(a[i]) * static_cast<double>(b[i]);
    r.value += p;
    r.magnitude += std::abs(p);
  }
  return r;
}

void ExpectClose(float got, const Ref& ref, const std::string& where) {
  EXPECT_LE(std::abs(static_cast<double>(got) - ref.value), kRel * ref.magnitude)
      << where << ": got " << got << ", reference " << ref.value;
}

TEST(DistanceTest, LevelsAndDetection) {
  const SimdLevel detected = DetectSimdLevel();
  EXPECT_EQ(Kernels().level, detected);
  EXPECT_EQ(&Kernels(), &KernelsFor(detected));
  EXPECT_EQ(KernelsFor(SimdLevel::kScalar).level, SimdLevel::kScalar);
  EXPECT_LE(KernelsFor(SimdLevel::kAvx512).level, detected);
  std::string levels;
  for (const DistanceKernels* k : LevelsUnderTest()) levels += " " + std::string(SimdLevelName(k->level));
  std::printf("  detected %s; kernels under test:%s\n", std::string(SimdLevelName(detected)).c_str(),
              levels.c_str());
}

TEST(DistanceTest, Avx512KernelsRunWhenTheCpuHasThem) {
  if (KernelsFor(SimdLevel::kAvx512).level != SimdLevel::kAvx512) {
    GTEST_SKIP() << "this CPU lacks AVX-512 F/BW/VL/DQ/VPOPCNTDQ (or QUIVER_SIMD caps it): "
                    "the avx512 kernels are not exercised here";
  }
  std::mt19937_64 rng(1);
  const std::vector<float> a = RandomFloats(100, rng), b = RandomFloats(100, rng);
  ExpectClose(KernelsFor(SimdLevel::kAvx512).l2_f32(a.data(), b.data(), 100), RefL2(a.data(), b.data(), 100),
              "avx512");
}

TEST(DistanceTest, SimdLevelNames) {
  EXPECT_EQ(SimdLevelName(SimdLevel::kScalar), "scalar");
  EXPECT_EQ(SimdLevelName(SimdLevel::kAvx2), "avx2");
  EXPECT_EQ(SimdLevelName(SimdLevel::kAvx512), "avx512");
  EXPECT_EQ(internal::ParseSimdLevel("AVX2"), SimdLevel::kAvx2);
  EXPECT_EQ(internal::ParseSimdLevel("scalar"), SimdLevel::kScalar);
  EXPECT_EQ(internal::ParseSimdLevel("avx512"), SimdLevel::kAvx512);
  EXPECT_EQ(internal::ParseSimdLevel("sse4"), std::nullopt);
  EXPECT_EQ(internal::ParseSimdLevel(""), std::nullopt);
}

TEST(DistanceTest, ParseMetric) {
  const struct {
    const char* name;
    Metric metric;
  } kValid[] = {{"l2", Metric::kL2},          {"L2", Metric::kL2},         {"euclidean", Metric::kL2},
                {"Euclidean", Metric::kL2},   {"cosine", Metric::kCosine}, {"COSINE", Metric::kCosine},
                {"dot", Metric::kDot},        {"IP", Metric::kDot},        {"hamming", Metric::kHamming},
                {"Hamming", Metric::kHamming}};
  for (const auto& v : kValid) {
    Result<Metric> parsed = ParseMetric(v.name);
    ASSERT_TRUE(parsed.ok()) << v.name << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, v.metric) << v.name;
  }
  for (Metric m : {Metric::kL2, Metric::kCosine, Metric::kDot, Metric::kHamming}) {
    Result<Metric> parsed = ParseMetric(MetricName(m));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_EQ(MetricName(Metric::kL2), "l2");
  EXPECT_EQ(MetricName(Metric::kDot), "dot");
  for (const char* bad : {"", "l1", "cos", "l2 ", "innerproduct", "hammingg"}) {
    Result<Metric> parsed = ParseMetric(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_TRUE(parsed.status().IsInvalidArgument()) << bad;
    EXPECT_NE(parsed.status().message().find("\"" + std::string(bad) + "\""), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("cosine"), std::string::npos) << parsed.status().message();
  }
}

TEST(DistanceTest, FloatKernelsMatchReference) {
  std::mt19937_64 rng(42);
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t dim : kDims) {
      for (size_t offset : kOffsets) {
        const std::vector<float> a_buf = RandomFloats(dim + offset, rng);
        const std::vector<float> b_buf = RandomFloats(dim + offset, rng);
        const float* a = a_buf.data() + offset;
        const float* b = b_buf.data() + offset;
        const std::string where = Where(*k, dim, offset);
        ExpectClose(k->l2_f32(a, b, dim), RefL2(a, b, dim), "l2_f32 " + where);
        ExpectClose(k->dot_f32(a, b, dim), RefDot(a, b, dim), "dot_f32 " + where);
        ExpectClose(k->norm_sq_f32(a, dim), RefDot(a, a, dim), "norm_sq_f32 " + where);
        EXPECT_EQ(k->l2_f32(a, a, dim), 0.0f) << where;
      }
    }
  }
}

TEST(DistanceTest, FloatKernelsOnLargeValues) {
  // Values far from 1 catch a kernel that drops a term or a lane: every
  // lane carries weight.
  std::mt19937_64 rng(7);
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t dim : kDims) {
      const std::vector<float> a = RandomFloats(dim, rng, 100.0f, 1000.0f);
      const std::vector<float> b = RandomFloats(dim, rng, -1000.0f, -100.0f);
      const std::string where = Where(*k, dim, 0);
      ExpectClose(k->l2_f32(a.data(), b.data(), dim), RefL2(a.data(), b.data(), dim), "l2_f32 " + where);
      ExpectClose(k->dot_f32(a.data(), b.data(), dim), RefDot(a.data(), b.data(), dim), "dot_f32 " + where);
    }
  }
}

TEST(DistanceTest, HalfKernelsMatchReference) {
  std::mt19937_64 rng(43);
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t dim : kDims) {
      for (size_t offset : kOffsets) {
        const std::vector<float> a_buf = RandomFloats(dim + offset, rng);
        const std::vector<float> b_float = RandomFloats(dim + offset, rng, -4.0f, 4.0f);
        std::vector<uint16_t> b_buf(dim + offset);
        std::vector<float> b_exact(dim + offset);  // the half values, exactly
        for (size_t i = 0; i < b_buf.size(); ++i) {
          b_buf[i] = FloatToHalf(b_float[i]);
          b_exact[i] = HalfToFloat(b_buf[i]);
        }
        const float* a = a_buf.data() + offset;
        const std::string where = Where(*k, dim, offset);
        ExpectClose(k->l2_f32_f16(a, b_buf.data() + offset, dim), RefL2(a, b_exact.data() + offset, dim),
                    "l2_f32_f16 " + where);
        ExpectClose(k->dot_f32_f16(a, b_buf.data() + offset, dim), RefDot(a, b_exact.data() + offset, dim),
                    "dot_f32_f16 " + where);
      }
    }
  }
}

TEST(DistanceTest, HalfKernelsReadSubnormalsAndSigns) {
  // 0x0001: the smallest subnormal; 0x8400: -2^-14; 0x7bff: 65504.
  const std::vector<uint16_t> b = {0x0001, 0x8400, 0x7bff, 0x3c00, 0xbc00, 0x0000, 0x8000, 0x03ff, 0x3555,
                                   0x0001, 0x8400, 0x7bff, 0x3c00, 0xbc00, 0x0000, 0x8000, 0x03ff};
  std::vector<float> b_exact(b.size());
  for (size_t i = 0; i < b.size(); ++i) b_exact[i] = HalfToFloat(b[i]);
  const std::vector<float> a(b.size(), 0.5f);
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t dim = 1; dim <= b.size(); ++dim) {
      const std::string where = Where(*k, dim, 0);
      ExpectClose(k->l2_f32_f16(a.data(), b.data(), dim), RefL2(a.data(), b_exact.data(), dim), where);
      ExpectClose(k->dot_f32_f16(a.data(), b.data(), dim), RefDot(a.data(), b_exact.data(), dim), where);
    }
  }
}

template <typename T>
int64_t RefIntL2(const T* a, const T* b, size_t dim) {
  int64_t s = 0;
  for (size_t i = 0; i < dim; ++i) s += (int64_t{a[i]} - b[i]) * (int64_t{a[i]} - b[i]);
  return s;
}

template <typename T>
int64_t RefIntDot(const T* a, const T* b, size_t dim) {
  int64_t s = 0;
  for (size_t i = 0; i < dim; ++i) s += int64_t{a[i]} * b[i];
  return s;
}

TEST(DistanceTest, ByteKernelsAreExact) {
  std::mt19937_64 rng(44);
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t dim : kDims) {
      for (size_t offset : {0, 1, 5}) {
        const std::vector<uint8_t> ua = RandomBytes<uint8_t>(dim + offset, rng);
        const std::vector<uint8_t> ub = RandomBytes<uint8_t>(dim + offset, rng);
        const std::vector<int8_t> sa = RandomBytes<int8_t>(dim + offset, rng);
        const std::vector<int8_t> sb = RandomBytes<int8_t>(dim + offset, rng);
        const std::string where = Where(*k, dim, offset);
        const uint8_t* a = ua.data() + offset;
        const uint8_t* b = ub.data() + offset;
        EXPECT_EQ(k->l2_u8(a, b, dim), RefIntL2(a, b, dim)) << where;
        EXPECT_EQ(k->dot_u8(a, b, dim), RefIntDot(a, b, dim)) << where;
        const int8_t* x = sa.data() + offset;
        const int8_t* y = sb.data() + offset;
        EXPECT_EQ(k->l2_i8(x, y, dim), RefIntL2(x, y, dim)) << where;
        EXPECT_EQ(k->dot_i8(x, y, dim), RefIntDot(x, y, dim)) << where;
      }
    }
  }
}

TEST(DistanceTest, ByteKernelsAtTheExtremes) {
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t dim : kDims) {
      const std::vector<uint8_t> zeros(dim, 0), maxes(dim, 255);
      const std::vector<int8_t> mins(dim, -128), tops(dim, 127);
      const std::string where = Where(*k, dim, 0);
      const int64_t n = static_cast<int64_t>(dim);
      EXPECT_EQ(k->l2_u8(zeros.data(), maxes.data(), dim), 65025 * n) << where;
      EXPECT_EQ(k->dot_u8(maxes.data(), maxes.data(), dim), 65025 * n) << where;
      EXPECT_EQ(k->l2_i8(mins.data(), tops.data(), dim), 65025 * n) << where;
      EXPECT_EQ(k->dot_i8(mins.data(), mins.data(), dim), 16384 * n) << where;
      EXPECT_EQ(k->dot_i8(mins.data(), tops.data(), dim), -16256 * n) << where;
    }
  }
}

TEST(DistanceTest, HammingIsExact) {
  std::mt19937_64 rng(45);
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t bytes : kDims) {
      for (size_t offset : {0, 1, 7}) {
        const std::vector<uint8_t> a_buf = RandomBytes<uint8_t>(bytes + offset, rng);
        const std::vector<uint8_t> b_buf = RandomBytes<uint8_t>(bytes + offset, rng);
        const uint8_t* a = a_buf.data() + offset;
        const uint8_t* b = b_buf.data() + offset;
        uint32_t expected = 0;
        for (size_t i = 0; i < bytes; ++i) expected += std::popcount(static_cast<uint8_t>(a[i] ^ b[i]));
        const std::string where = Where(*k, bytes, offset);
        EXPECT_EQ(k->hamming(a, b, bytes), expected) << where;
        EXPECT_EQ(k->hamming(a, a, bytes), 0u) << where;
      }
      const std::vector<uint8_t> zeros(bytes, 0), ones(bytes, 0xff);
      EXPECT_EQ(k->hamming(zeros.data(), ones.data(), bytes), 8 * bytes) << Where(*k, bytes, 0);
    }
  }
}

TEST(DistanceTest, ManyKernelsMatchReference) {
  std::mt19937_64 rng(46);
  constexpr float kSentinel = -12345.0f;
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t dim : kDims) {
      for (size_t n : {0, 1, 2, 5, 33}) {
        for (size_t offset : {0, 1}) {
          const std::vector<float> q_buf = RandomFloats(dim + offset, rng);
          const std::vector<float> base_buf = RandomFloats(n * dim + offset, rng);
          const float* q = q_buf.data() + offset;
          const float* base = base_buf.data() + offset;
          std::vector<float> l2(n + 1, kSentinel), dot(n + 1, kSentinel);
          k->l2_f32_many(q, base, n, dim, l2.data());
          k->dot_f32_many(q, base, n, dim, dot.data());
          const std::string where = Where(*k, dim, offset) + " n=" + std::to_string(n);
          for (size_t i = 0; i < n; ++i) {
            ExpectClose(l2[i], RefL2(q, base + i * dim, dim),
                        "l2_f32_many " + where + " row " + std::to_string(i));
            ExpectClose(dot[i], RefDot(q, base + i * dim, dim),
                        "dot_f32_many " + where + " row " + std::to_string(i));
          }
          EXPECT_EQ(l2[n], kSentinel) << "l2_f32_many wrote past n: " << where;
          EXPECT_EQ(dot[n], kSentinel) << "dot_f32_many wrote past n: " << where;
        }
      }
    }
  }
}

TEST(DistanceTest, ManyKernelsOverALongScan) {
  // Enough rows for the prefetch distance to run past the end many times.
  std::mt19937_64 rng(47);
  for (const DistanceKernels* k : LevelsUnderTest()) {
    for (size_t dim : {3, 16, 100, 128, 300}) {
      const size_t n = 2000;
      const std::vector<float> q = RandomFloats(dim, rng);
      const std::vector<float> base = RandomFloats(n * dim, rng);
      std::vector<float> l2(n), dot(n);
      k->l2_f32_many(q.data(), base.data(), n, dim, l2.data());
      k->dot_f32_many(q.data(), base.data(), n, dim, dot.data());
      for (size_t i = 0; i < n; ++i) {
        ExpectClose(l2[i], RefL2(q.data(), base.data() + i * dim, dim), Where(*k, dim, 0));
        ExpectClose(dot[i], RefDot(q.data(), base.data() + i * dim, dim), Where(*k, dim, 0));
      }
    }
  }
}

TEST(DistanceTest, CosineDistance) {
  EXPECT_EQ(CosineDistance(0.0f, 0.0f, 5.0f), 1.0f);  // a is all zeros
  EXPECT_EQ(CosineDistance(0.0f, 5.0f, 0.0f), 1.0f);
  EXPECT_EQ(CosineDistance(0.0f, 0.0f, 0.0f), 1.0f);
  EXPECT_FLOAT_EQ(CosineDistance(0.0f, 2.0f, 3.0f), 1.0f);     // orthogonal
  EXPECT_FLOAT_EQ(CosineDistance(6.0f, 4.0f, 9.0f), 0.0f);     // b = 1.5 a
  EXPECT_FLOAT_EQ(CosineDistance(-6.0f, 4.0f, 9.0f), 2.0f);    // b = -1.5 a
  EXPECT_NEAR(CosineDistance(1.0f, 2.0f, 2.0f), 0.5f, 1e-7f);  // 60 degrees
  // Squared norms whose float product overflows.
  EXPECT_NEAR(CosineDistance(1e30f, 1e30f, 1e30f), 0.0f, 1e-6f);
  // Never below 0 or above 2, whatever the rounding of the inputs.
  EXPECT_EQ(CosineDistance(1.0000001f, 1.0f, 1.0f), 0.0f);
  EXPECT_EQ(CosineDistance(-1.0000001f, 1.0f, 1.0f), 2.0f);
  EXPECT_EQ(DotToDistance(0.25f), 0.75f);

  // Through the kernels: a vector against itself, and against zeros.
  std::mt19937_64 rng(48);
  const std::vector<float> a = RandomFloats(129, rng);
  const std::vector<float> zeros(129, 0.0f);
  for (const DistanceKernels* k : LevelsUnderTest()) {
    const float na = k->norm_sq_f32(a.data(), a.size());
    EXPECT_NEAR(CosineDistance(k->dot_f32(a.data(), a.data(), a.size()), na, na), 0.0f, 1e-6f);
    EXPECT_EQ(CosineDistance(k->dot_f32(a.data(), zeros.data(), a.size()), na,
                             k->norm_sq_f32(zeros.data(), zeros.size())),
              1.0f);
  }
}

TEST(DistanceTest, L2DistancesBlasMatchReference) {
  std::mt19937_64 rng(49);
  // Past one 64-query block and one 4096-row block, with odd sizes.
  for (const auto& [m, n, dim] : std::vector<std::tuple<size_t, size_t, size_t>>{
           {1, 1, 1}, {3, 10, 7}, {70, 4100, 37}, {9, 300, 128}, {2, 50, 1536}}) {
    const std::vector<float> q = RandomFloats(m * dim, rng);
    const std::vector<float> base = RandomFloats(n * dim, rng);
    std::vector<float> out(m * n, -1.0f), with_norms(m * n, -1.0f), ip(m * n, -1.0f);
    L2DistancesBlas(q.data(), m, base.data(), n, dim, nullptr, out.data());
    InnerProductsBlas(q.data(), m, base.data(), n, dim, ip.data());
    std::vector<float> norms(n);
    for (size_t j = 0; j < n; ++j) norms[j] = Kernels().norm_sq_f32(base.data() + j * dim, dim);
    L2DistancesBlas(q.data(), m, base.data(), n, dim, norms.data(), with_norms.data());
    const std::string where =
        "m=" + std::to_string(m) + " n=" + std::to_string(n) + " dim=" + std::to_string(dim);
    for (size_t i = 0; i < m; ++i) {
      const float* qi = q.data() + i * dim;
      const double qn = RefDot(qi, qi, dim).value;
      for (size_t j = 0; j < n; ++j) {
        const float* bj = base.data() + j * dim;
        const Ref l2 = RefL2(qi, bj, dim);
        // |q|^2 + |b|^2 - 2 q.b cancels: the error scales with the norms.
        const double tolerance = kRel * (qn + RefDot(bj, bj, dim).value);
        ASSERT_NEAR(out[i * n + j], l2.value, tolerance) << where << " at " << i << "," << j;
        ASSERT_GE(out[i * n + j], 0.0f);
        ASSERT_EQ(with_norms[i * n + j], out[i * n + j]) << where << " at " << i << "," << j;
        // Against the kernels, too.
        ASSERT_NEAR(out[i * n + j], Kernels().l2_f32(qi, bj, dim), tolerance);
        const Ref dot = RefDot(qi, bj, dim);
        ASSERT_NEAR(ip[i * n + j], dot.value, kRel * dot.magnitude) << where << " at " << i << "," << j;
        ASSERT_NEAR(ip[i * n + j], Kernels().dot_f32(qi, bj, dim), 2 * kRel * dot.magnitude);
      }
    }
  }
}

TEST(DistanceTest, L2DistancesBlasUsesTheGivenNorms) {
  std::mt19937_64 rng(50);
  const size_t m = 4, n = 20, dim = 16;
  const std::vector<float> q = RandomFloats(m * dim, rng);
  const std::vector<float> base = RandomFloats(n * dim, rng);
  const std::vector<float> norms(n, 100.0f);  // not the true norms: the caller's word is taken
  std::vector<float> out(m * n);
  L2DistancesBlas(q.data(), m, base.data(), n, dim, norms.data(), out.data());
  for (size_t i = 0; i < m; ++i) {
    const float* qi = q.data() + i * dim;
    for (size_t j = 0; j < n; ++j) {
      const double expected =
          RefDot(qi, qi, dim).value + 100.0 - 2 * RefDot(qi, base.data() + j * dim, dim).value;
      EXPECT_NEAR(out[i * n + j], expected, 1e-3);
    }
  }
}

TEST(DistanceTest, L2DistancesBlasNeverNegative) {
  // Vectors against themselves, far from the origin: |a|^2 + |a|^2 - 2 a.a
  // rounds to either side of 0.
  std::mt19937_64 rng(51);
  const size_t n = 200, dim = 33;
  const std::vector<float> base = RandomFloats(n * dim, rng, 900.0f, 1100.0f);
  std::vector<float> out(n * n);
  L2DistancesBlas(base.data(), n, base.data(), n, dim, nullptr, out.data());
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) ASSERT_GE(out[i * n + j], 0.0f) << i << "," << j;
    // 0 up to the rounding of |a|^2 ~ 3.3e7 (float spacing 4 there).
    const double norm_sq = RefDot(base.data() + i * dim, base.data() + i * dim, dim).value;
    EXPECT_LE(out[i * n + i], 2 * kRel * norm_sq) << i;
  }
}

TEST(DistanceTest, BlasEmptyInputs) {
  const std::vector<float> q = {1, 2, 3}, base = {4, 5, 6};
  std::vector<float> out(1, -1.0f);
  L2DistancesBlas(q.data(), 0, base.data(), 1, 3, nullptr, out.data());
  InnerProductsBlas(q.data(), 1, base.data(), 0, 3, out.data());
  EXPECT_EQ(out[0], -1.0f);  // nothing written
  L2DistancesBlas(q.data(), 1, base.data(), 1, 0, nullptr, out.data());
  EXPECT_EQ(out[0], 0.0f);
  out[0] = -1.0f;
  InnerProductsBlas(q.data(), 1, base.data(), 1, 0, out.data());
  EXPECT_EQ(out[0], 0.0f);
  L2DistancesBlas(q.data(), 1, base.data(), 1, 3, nullptr, out.data());
  EXPECT_FLOAT_EQ(out[0], 27.0f);
  InnerProductsBlas(q.data(), 1, base.data(), 1, 3, out.data());
  EXPECT_FLOAT_EQ(out[0], 32.0f);
}

}  // namespace
}  // namespace quiver::index

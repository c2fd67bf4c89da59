#include "bench_data.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <unordered_set>

namespace quiver::bench {

static_assert(std::endian::native == std::endian::little, "raw column files are written as little-endian");

namespace {

constexpr int kCentres = 100;
constexpr double kNoise = 0.35;
constexpr int kVocabularySize = 2000;
constexpr int kMinWords = 8;
constexpr int kMaxWords = 20;
constexpr int kCategories = 10;

uint32_t SplitMix32(uint32_t& state) {
  uint32_t z = (state += 0x9e3779b9u);
  z = (z ^ (z >> 16)) * 0x85ebca6bu;
  z = (z ^ (z >> 13)) * 0xc2b2ae35u;
  return z ^ (z >> 16);
}

std::vector<std::string> MakeVocabulary() {
  static constexpr char kConsonants[] = "bcdfghjklmnprstvwz";
  static constexpr char kVowels[] = "aeiou";
  Rng rng(kVocabularySeed);
  std::vector<std::string> words;
  std::unordered_set<std::string> seen;
  while (static_cast<int>(words.size()) < kVocabularySize) {
    std::string word;
    const int syllables = 2 + static_cast<int>(rng.Below(3));
    for (int s = 0; s < syllables; ++s) {
      word += kConsonants[rng.Below(sizeof(kConsonants) - 1)];
      word += kVowels[rng.Below(sizeof(kVowels) - 1)];
    }
    if (seen.insert(word).second) words.push_back(std::move(word));
  }
  return words;
}

// Cumulative Zipf(s = 1) probabilities of ranks 0..n-1.
std::vector<double> ZipfCdf(int n) {
  std::vector<double> cdf(n);
  double total = 0;
  for (int r = 0; r < n; ++r) cdf[r] = (total += 1.0 / (r + 1));
  for (double& c : cdf) c /= total;
  return cdf;
}

std::string WriteFile(const std::string& path, const void* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return "open " + path + ": " + std::strerror(errno);
  const bool ok = size == 0 || std::fwrite(data, 1, size, f) == size;
  const int saved_errno = errno;
  if (std::fclose(f) != 0 || !ok) return "write " + path + ": " + std::strerror(ok ? errno : saved_errno);
  return "";
}

template <typename T>
std::string WriteVector(const std::string& path, const std::vector<T>& v) {
  return WriteFile(path, v.data(), v.size() * sizeof(T));
}

}  // namespace

Rng::Rng(uint32_t seed) {
  for (uint32_t& s : s_) s = SplitMix32(seed);
}

uint32_t Rng::Next() {
  const uint32_t result = std::rotl(s_[1] * 5, 7) * 9;
  const uint32_t t = s_[1] << 9;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 11);
  return result;
}

double Rng::Gaussian() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = (Next() + 1.0) * (1.0 / 4294967296.0);  // (0, 1]: log is finite
  const double u2 = Uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

BenchData GenerateBenchData(int64_t rows) {
  std::vector<float> centres(size_t{kCentres} * kDim);
  Rng centre_rng(kCentreSeed);
  for (float& c : centres) c = static_cast<float>(centre_rng.Gaussian());
  const std::vector<std::string> vocabulary = MakeVocabulary();
  const std::vector<double> zipf = ZipfCdf(kVocabularySize);

  BenchData d;
  d.rows = rows;
  d.id.resize(rows);
  d.vector.resize(static_cast<size_t>(rows) * kDim);
  d.text_offsets.reserve(rows + 1);
  d.text.reserve(static_cast<size_t>(rows) * 90);
  d.category_offsets.reserve(rows + 1);
  d.category.reserve(static_cast<size_t>(rows) * 2);
  d.price.resize(rows);
  d.text_offsets.push_back(0);
  d.category_offsets.push_back(0);

  Rng rng(kRowSeed);
  for (int64_t i = 0; i < rows; ++i) {
    d.id[i] = i;
    const float* centre = &centres[size_t{rng.Below(kCentres)} * kDim];
    float* v = &d.vector[static_cast<size_t>(i) * kDim];
    for (int j = 0; j < kDim; ++j) v[j] = static_cast<float>(centre[j] + kNoise * rng.Gaussian());

    const int words = kMinWords + static_cast<int>(rng.Below(kMaxWords - kMinWords + 1));
    for (int w = 0; w < words; ++w) {
      const size_t rank = std::lower_bound(zipf.begin(), zipf.end(), rng.Uniform()) - zipf.begin();
      if (w > 0) d.text += ' ';
      d.text += vocabulary[std::min<size_t>(rank, kVocabularySize - 1)];
    }
    d.text_offsets.push_back(static_cast<int32_t>(d.text.size()));

    d.category += 'c';
    d.category += static_cast<char>('0' + rng.Below(kCategories));
    d.category_offsets.push_back(static_cast<int32_t>(d.category.size()));

    d.price[i] = std::floor(rng.Uniform() * 100000.0) / 100.0;
  }
  return d;
}

std::vector<uint64_t> RandomRowGroups(int64_t rows, int groups, int per_group) {
  Rng rng(kQuerySeed);
  std::vector<uint64_t> out;
  out.reserve(static_cast<size_t>(groups) * per_group);
  for (int g = 0; g < groups; ++g) {
    std::unordered_set<uint64_t> seen;
    while (static_cast<int>(seen.size()) < per_group) {
      // Two draws so that tables beyond 2^32 rows are covered too.
      const uint64_t r = ((uint64_t{rng.Next()} << 32) | rng.Next()) % static_cast<uint64_t>(rows);
      if (seen.insert(r).second) out.push_back(r);
    }
  }
  return out;
}

std::string WriteRawColumns(const BenchData& d, const std::string& dir) {
  std::string err;
  if (!(err = WriteVector(dir + "/id.i64", d.id)).empty()) return err;
  if (!(err = WriteVector(dir + "/vector.f32", d.vector)).empty()) return err;
  if (!(err = WriteVector(dir + "/text.off", d.text_offsets)).empty()) return err;
  if (!(err = WriteFile(dir + "/text.utf8", d.text.data(), d.text.size())).empty()) return err;
  if (!(err = WriteVector(dir + "/category.off", d.category_offsets)).empty()) return err;
  if (!(err = WriteFile(dir + "/category.utf8", d.category.data(), d.category.size())).empty()) return err;
  if (!(err = WriteVector(dir + "/price.f64", d.price)).empty()) return err;
  const std::string meta =
      "{\"rows\": " + std::to_string(d.rows) + ", \"dim\": " + std::to_string(kDim) + "}\n";
  return WriteFile(dir + "/meta.json", meta.data(), meta.size());
}

std::string WriteUInt64File(const std::vector<uint64_t>& values, const std::string& path) {
  return WriteVector(path, values);
}

}  // namespace quiver::bench

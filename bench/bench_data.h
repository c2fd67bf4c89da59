// The benchmark dataset: deterministic rows shared by Quiver and its peers.
//
// One generator, in C++, makes every row; the benchmark hands the same bytes
// to Quiver (as in-memory record batches) and to the peers (as raw column
// files that bench/node/*.mjs turn into Arrow tables), so both sides store
// exactly the same data. The construction follows
// shared/reference/lancedb-figures.md:
//   id        int64, 0..rows-1
//   vector    float32[128] from a 100-centre Gaussian mixture: a row picks a
//             centre uniformly (centres N(0,1) per dimension) and adds
//             N(0, 0.35^2) noise per dimension
//   text      8-20 words (uniform count), Zipf(s = 1) ranks over a fixed
//             vocabulary of 2,000 lowercase pseudo-words of 2-4
//             consonant-vowel syllables, joined by single spaces
//   category  "c0".."c9", uniform
//   price     float64, uniform in [0, 1000), rounded down to cents
// Randomness: xoshiro128** seeded through splitmix32, Box-Muller for
// Gaussians; seeds 12345 (centres), 777 (vocabulary), 42 (rows) and 4242
// (anything else a benchmark draws, such as rows to take).
//
// This file uses the standard library only, so the generator can run (and
// the peer side can be tested) without the Quiver library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace quiver::bench {

inline constexpr int kDim = 128;
inline constexpr uint32_t kCentreSeed = 12345;
inline constexpr uint32_t kVocabularySeed = 777;
inline constexpr uint32_t kRowSeed = 42;
inline constexpr uint32_t kQuerySeed = 4242;

// xoshiro128** (Blackman and Vigna), its state filled by splitmix32.
class Rng {
 public:
  explicit Rng(uint32_t seed);
  uint32_t Next();
  // Uniform in [0, 1).
  double Uniform() { return Next() * (1.0 / 4294967296.0); }
  // Uniform in [0, n); n must be positive.
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((uint64_t{Next()} * n) >> 32); }
  // Standard normal (Box-Muller, the second value of each pair is cached).
  double Gaussian();

 private:
  uint32_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};

// The columns of `rows` rows, in Arrow's layout (utf8 as int32 offsets +
// bytes), ready to be wrapped as Arrow buffers without copying.
struct BenchData {
  int64_t rows = 0;
  std::vector<int64_t> id;                // rows
  std::vector<float> vector;              // rows x kDim, row-major
  std::vector<int32_t> text_offsets;      // rows + 1
  std::string text;                       // text_offsets[rows] bytes
  std::vector<int32_t> category_offsets;  // rows + 1
  std::string category;
  std::vector<double> price;  // rows
};

// The first `rows` rows of the dataset (a prefix of a larger run is the
// same rows).
BenchData GenerateBenchData(int64_t rows);

// `groups` groups of `per_group` distinct row numbers in [0, rows), each in
// random order, from the kQuerySeed stream. Requires per_group <= rows.
std::vector<uint64_t> RandomRowGroups(int64_t rows, int groups, int per_group);

// Writes the raw column files that bench/node/ scripts read (all
// little-endian): id.i64, vector.f32, text.off + text.utf8 (int32 offsets and
// bytes), category.off + category.utf8, price.f64, and meta.json with the row
// count and dimension. Returns an empty string on success, else the error.
std::string WriteRawColumns(const BenchData& data, const std::string& dir);
// Writes `values` as raw little-endian uint64 to `path`; error text or "".
std::string WriteUInt64File(const std::vector<uint64_t>& values, const std::string& path);

}  // namespace quiver::bench

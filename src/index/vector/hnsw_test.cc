// HNSW: the graph on its own (small random data against brute force, the
// checks of FromParts) and the standalone index on SIFT10K (recall at
// stated parameters, metrics, filters, updates, the file and its damage).
#include "index/vector/hnsw.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <set>

#include "index/vector/hnsw_index.h"
#include "io/memory_store.h"
#include "testing.h"

#if __has_include(<hnswlib/hnswlib.h>)
#include <hnswlib/hnswlib.h>
#define QUIVER_HAVE_HNSWLIB 1
#endif

namespace quiver::index {
namespace {

// --- Helpers -----------------------------------------------------------

// n x dim floats from a .fvecs file (all records when n < 0); empty when
// the file is missing or malformed.
std::vector<float> ReadFvecs(const std::string& path, int* dim, int64_t n = -1) {
  std::ifstream in(path, std::ios::binary);
  std::vector<float> out;
  int32_t d = 0;
  for (int64_t i = 0; (n < 0 || i < n) && in.read(reinterpret_cast<char*>(&d), 4); ++i) {
    if (d <= 0 || (*dim != 0 && d != *dim)) return {};
    *dim = d;
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(d));
    if (!in.read(reinterpret_cast<char*>(out.data() + at), 4 * static_cast<std::streamsize>(d))) return {};
  }
  return out;
}

std::vector<int32_t> ReadIvecs(const std::string& path, int* dim) {
  std::ifstream in(path, std::ios::binary);
  std::vector<int32_t> out;
  int32_t d = 0;
  while (in.read(reinterpret_cast<char*>(&d), 4)) {
    if (d <= 0 || (*dim != 0 && d != *dim)) return {};
    *dim = d;
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(d));
    if (!in.read(reinterpret_cast<char*>(out.data() + at), 4 * static_cast<std::streamsize>(d))) return {};
  }
  return out;
}

struct Sift {
  int dim = 0;
  int64_t n = 0;
  int64_t nq = 0;
  std::vector<float> base;
  std::vector<float> queries;
  std::vector<int32_t> truth;  // nq x 100
  int truth_k = 0;
  std::vector<uint64_t> row_ids;

  const float* query(int64_t i) const { return queries.data() + i * dim; }
  const float* vector(int64_t i) const { return base.data() + i * dim; }
};

// SIFT10K, loaded once; empty when the data set is absent.
const Sift& LoadSift() {
  static const Sift sift = [] {
    Sift s;
    const std::string base = testing::SharedDataPath("sift10k/siftsmall_base.fvecs");
    const std::string query = testing::SharedDataPath("sift10k/siftsmall_query.fvecs");
    const std::string truth = testing::SharedDataPath("sift10k/siftsmall_groundtruth.ivecs");
    if (base.empty() || query.empty() || truth.empty()) return s;
    int qdim = 0;
    s.base = ReadFvecs(base, &s.dim);
    s.queries = ReadFvecs(query, &qdim);
    s.truth = ReadIvecs(truth, &s.truth_k);
    if (s.dim == 0 || qdim != s.dim || s.truth_k == 0) return Sift{};
    s.n = static_cast<int64_t>(s.base.size()) / s.dim;
    s.nq = static_cast<int64_t>(s.queries.size()) / s.dim;
    // Row ids that are not node ids, to catch a mix-up.
    for (int64_t i = 0; i < s.n; ++i) s.row_ids.push_back(1000 + 3 * static_cast<uint64_t>(i));
    return s;
  }();
  return sift;
}

#define SKIP_WITHOUT_SIFT(sift)                                                             \
  do {                                                                                      \
    if ((sift).n == 0) GTEST_SKIP() << "SIFT10K absent (../shared/data/sift10k); skipping"; \
  } while (0)

// Reference distances, written out plainly (independent of the kernels).
float RefDistance(Metric metric, const float* a, const float* b, int dim) {
  double dot = 0, l2 = 0, na = 0, nb = 0;
  for (int i = 0; i < dim; ++i) {
    dot += double{a[i]} * b[i];
    l2 += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
    na += double{a[i]} * a[i];
    nb += double{b[i]} * b[i];
  }
  switch (metric) {
    case Metric::kL2:
      return static_cast<float>(l2);
    case Metric::kCosine:
      return na == 0 || nb == 0 ? 1.0f : static_cast<float>(1 - dot / std::sqrt(na * nb));
    default:
      return static_cast<float>(1 - dot);
  }
}

// The k nearest row ids by brute force among the rows `keep` accepts.
std::vector<uint64_t> BruteForce(Metric metric, const float* vectors, const uint64_t* row_ids, int64_t n,
                                 int dim, const float* query, size_t k,
                                 const std::function<bool(uint64_t)>& keep = nullptr) {
  std::vector<std::pair<float, uint64_t>> all;
  for (int64_t i = 0; i < n; ++i) {
    if (keep && !keep(row_ids[i])) continue;
    all.push_back({RefDistance(metric, query, vectors + i * dim, dim), row_ids[i]});
  }
  k = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + k, all.end());
  std::vector<uint64_t> out;
  for (size_t i = 0; i < k; ++i) out.push_back(all[i].second);
  return out;
}

double Overlap(const std::vector<Neighbor>& got, const std::vector<uint64_t>& truth) {
  std::set<uint64_t> t(truth.begin(), truth.end());
  size_t hit = 0;
  for (const Neighbor& n : got) hit += t.count(n.row_id);
  return truth.empty() ? 1.0 : static_cast<double>(hit) / truth.size();
}

VectorData DataOf(const Sift& s, int64_t first = 0, int64_t count = -1) {
  if (count < 0) count = s.n - first;
  return VectorData{s.vector(first), s.row_ids.data() + first, count, s.dim};
}

VectorIndexBuildOptions Options(Metric metric, int m, int ef_construction) {
  VectorIndexBuildOptions options;
  options.metric = metric;
  options.m = m;
  options.ef_construction = ef_construction;
  options.seed = 7;
  return options;
}

std::unique_ptr<VectorIndex> BuildAndOpen(const VectorIndexBuildOptions& options, const VectorData& data,
                                          std::shared_ptr<MemoryObjectStore> store, const std::string& prefix,
                                          VectorIndexMeta* meta_out = nullptr) {
  auto meta = BuildHnswIndex(options, data, *store, prefix);
  EXPECT_TRUE(meta.ok()) << meta.status().ToString();
  if (!meta.ok()) return nullptr;
  if (meta_out != nullptr) *meta_out = *meta;
  auto index = OpenHnswIndex(store, prefix, *meta);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return index.ok() ? std::move(index).value() : nullptr;
}

std::vector<Neighbor> SearchOk(const VectorIndex& index, const float* query, int dim, int64_t k, int ef,
                               const RowIdFilter* filter = nullptr) {
  VectorQueryParams params;
  params.k = k;
  params.ef = ef;
  auto got = index.Search({query, static_cast<size_t>(dim)}, params, filter);
  EXPECT_TRUE(got.ok()) << got.status().ToString();
  return got.ok() ? std::move(got).value() : std::vector<Neighbor>{};
}

// Mean recall@k of `index` over the SIFT queries against the shipped
// ground truth (L2).
double SiftRecall(const VectorIndex& index, const Sift& s, int k, int ef) {
  double sum = 0;
  for (int64_t q = 0; q < s.nq; ++q) {
    std::vector<uint64_t> truth;
    for (int i = 0; i < k; ++i) truth.push_back(s.row_ids[s.truth[q * s.truth_k + i]]);
    sum += Overlap(SearchOk(index, s.query(q), s.dim, k, ef), truth);
  }
  return sum / static_cast<double>(s.nq);
}

// --- The graph on its own ------------------------------------------------

// Plain L2 over a matrix, as an IVF partition's codes would be measured.
class PlainL2 final : public HnswNodeDistance {
 public:
  PlainL2(const std::vector<float>& v, int dim) : v_(v), dim_(dim) {}
  float Measure(const float* a, const float* b) const {
    float d = 0;
    for (int i = 0; i < dim_; ++i) d += (a[i] - b[i]) * (a[i] - b[i]);
    return d;
  }
  float Between(uint32_t a, uint32_t b) const override { return Measure(&v_[a * dim_], &v_[b * dim_]); }
  void FromNode(uint32_t from, const uint32_t* ids, size_t n, float* out) const override {
    for (size_t i = 0; i < n; ++i) out[i] = Between(from, ids[i]);
  }

 private:
  const std::vector<float>& v_;
  int dim_;
};

class PlainQuery final : public HnswQueryDistance {
 public:
  PlainQuery(const PlainL2& d, const float* q, const std::vector<float>& v, int dim)
      : d_(d), q_(q), v_(v), dim_(dim) {}
  void Distances(const uint32_t* ids, size_t n, float* out) const override {
    for (size_t i = 0; i < n; ++i) out[i] = d_.Measure(q_, &v_[ids[i] * dim_]);
  }

 private:
  const PlainL2& d_;
  const float* q_;
  const std::vector<float>& v_;
  int dim_;
};

std::vector<float> RandomVectors(int64_t n, int dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<size_t>(n) * dim);
  for (float& x : v) x = normal(rng);
  return v;
}

TEST(HnswGraphTest, FindsNearestOnRandomDataAndChecksItsInvariants) {
  const int dim = 16;
  const int64_t n = 3000;
  std::vector<float> v = RandomVectors(n, dim, 1);
  PlainL2 distance(v, dim);
  HnswGraph graph(8);
  HnswBuildParams params;
  params.ef_construction = 100;
  std::vector<uint64_t> reported;
  params.progress = [&](uint64_t done, uint64_t total) {
    EXPECT_EQ(total, static_cast<uint64_t>(n));
    reported.push_back(done);
    return Status::OK();
  };
  ASSERT_TRUE(graph.Add(n, distance, params).ok());
  ASSERT_EQ(graph.size(), n);
  ASSERT_FALSE(reported.empty());
  EXPECT_EQ(*std::max_element(reported.begin(), reported.end()), static_cast<uint64_t>(n));

  // Every list within its capacity, every neighbour on its layer, no self
  // links, and the entry point on the top level.
  for (uint32_t i = 0; i < n; ++i) {
    for (int layer = 0; layer <= graph.level(i); ++layer) {
      auto nbs = graph.Neighbors(i, layer);
      EXPECT_LE(nbs.size(), layer == 0 ? 16u : 8u);
      for (uint32_t nb : nbs) {
        ASSERT_LT(nb, n);
        EXPECT_NE(nb, i);
        EXPECT_GE(graph.level(nb), layer);
      }
    }
  }
  EXPECT_EQ(graph.level(graph.entry_point()), graph.max_level());
  EXPECT_GE(graph.max_level(), 1);  // 3000 nodes with m = 8: several levels

  std::vector<float> queries = RandomVectors(50, dim, 2);
  std::vector<uint64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  double recall = 0;
  for (int q = 0; q < 50; ++q) {
    PlainQuery query(distance, &queries[q * dim], v, dim);
    std::vector<HnswHit> hits = graph.Search(query, 10, 64, nullptr);
    ASSERT_EQ(hits.size(), 10u);
    for (size_t i = 1; i < hits.size(); ++i) EXPECT_LE(hits[i - 1].distance, hits[i].distance);
    std::vector<Neighbor> got;
    for (const HnswHit& h : hits) got.push_back({h.distance, h.node});
    recall += Overlap(got, BruteForce(Metric::kL2, v.data(), ids.data(), n, dim, &queries[q * dim], 10));
  }
  EXPECT_GE(recall / 50, 0.95);

  // Empty searches.
  PlainQuery query(distance, queries.data(), v, dim);
  EXPECT_TRUE(graph.Search(query, 0, 64, nullptr).empty());
  EXPECT_TRUE(HnswGraph(8).Search(query, 10, 64, nullptr).empty());
}

TEST(HnswGraphTest, ProgressCanStopTheBuild) {
  const int dim = 8;
  std::vector<float> v = RandomVectors(5000, dim, 3);
  PlainL2 distance(v, dim);
  HnswGraph graph(4);
  HnswBuildParams params;
  params.ef_construction = 20;
  params.progress = [](uint64_t done, uint64_t) {
    return done >= 1024 ? Status::Cancelled("stop at " + std::to_string(done)) : Status::OK();
  };
  Status st = graph.Add(5000, distance, params);
  EXPECT_EQ(st.code(), StatusCode::kCancelled) << st.ToString();
}

TEST(HnswGraphTest, WithoutRemovesNodesAndKeepsTheRestReachable) {
  const int dim = 16;
  const int64_t n = 2000;
  std::vector<float> v = RandomVectors(n, dim, 4);
  PlainL2 distance(v, dim);
  HnswGraph graph(8);
  HnswBuildParams params;
  params.ef_construction = 100;
  ASSERT_TRUE(graph.Add(n, distance, params).ok());

  std::vector<bool> removed(n);
  std::vector<float> kept_vectors;
  std::vector<uint64_t> old_ids;
  for (int64_t i = 0; i < n; ++i) {
    removed[i] = i % 5 == 0 || static_cast<uint32_t>(i) == graph.entry_point();
    if (removed[i]) continue;
    kept_vectors.insert(kept_vectors.end(), &v[i * dim], &v[(i + 1) * dim]);
    old_ids.push_back(i);
  }
  HnswGraph smaller = graph.Without(removed, distance, nullptr);
  ASSERT_EQ(smaller.size(), static_cast<int64_t>(old_ids.size()));
  for (uint32_t i = 0; i < smaller.size(); ++i) {
    for (int layer = 0; layer <= smaller.level(i); ++layer) {
      for (uint32_t nb : smaller.Neighbors(i, layer)) ASSERT_LT(nb, smaller.size());
    }
  }
  ASSERT_NE(smaller.entry_point(), HnswGraph::kNoNode);
  EXPECT_EQ(smaller.level(smaller.entry_point()), smaller.max_level());

  PlainL2 kept_distance(kept_vectors, dim);
  std::vector<float> queries = RandomVectors(50, dim, 5);
  std::vector<uint64_t> ids(old_ids.size());
  std::iota(ids.begin(), ids.end(), 0);
  double recall = 0;
  for (int q = 0; q < 50; ++q) {
    PlainQuery query(kept_distance, &queries[q * dim], kept_vectors, dim);
    std::vector<Neighbor> got;
    for (const HnswHit& h : smaller.Search(query, 10, 64, nullptr)) got.push_back({h.distance, h.node});
    recall += Overlap(got, BruteForce(Metric::kL2, kept_vectors.data(), ids.data(),
                                      static_cast<int64_t>(ids.size()), dim, &queries[q * dim], 10));
  }
  EXPECT_GE(recall / 50, 0.95);
}

TEST(HnswGraphTest, FromPartsRejectsBadParts) {
  const int dim = 4;
  std::vector<float> v = RandomVectors(300, dim, 6);
  PlainL2 distance(v, dim);
  HnswGraph graph(4);
  HnswBuildParams params;
  params.ef_construction = 32;
  ASSERT_TRUE(graph.Add(300, distance, params).ok());
  std::vector<uint8_t> levels(graph.levels().begin(), graph.levels().end());
  std::vector<uint32_t> layer0(graph.layer0().begin(), graph.layer0().end());
  std::vector<uint32_t> upper(graph.upper().begin(), graph.upper().end());

  auto from = [&](int m, uint32_t entry) { return HnswGraph::FromParts(m, entry, levels, layer0, upper); };
  auto good = from(4, graph.entry_point());
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_TRUE(std::equal(good->layer0().begin(), good->layer0().end(), layer0.begin()));

  EXPECT_TRUE(from(3, graph.entry_point()).status().IsCorruption());  // sizes no longer fit
  EXPECT_TRUE(from(1, graph.entry_point()).status().IsCorruption());
  EXPECT_TRUE(from(4, 300).status().IsCorruption());
  EXPECT_TRUE(from(4, HnswGraph::kNoNode).status().IsCorruption());
  // An entry point below the top level.
  uint32_t low = 0;
  while (levels[low] == graph.max_level()) ++low;
  if (graph.max_level() > 0) {
    EXPECT_TRUE(from(4, low).status().IsCorruption());
  }

  // A neighbour out of range; a count above capacity; a level-0 node
  // linked from layer 1.
  layer0[1] = 300;
  EXPECT_TRUE(from(4, graph.entry_point()).status().IsCorruption());
  layer0[1] = graph.layer0()[1];
  layer0[0] = 9;
  EXPECT_TRUE(from(4, graph.entry_point()).status().IsCorruption());
  layer0[0] = graph.layer0()[0];
  ASSERT_FALSE(upper.empty());
  ASSERT_GT(upper[0], 0u);
  uint32_t ground = 0;
  while (levels[ground] != 0) ++ground;
  upper[1] = ground;
  EXPECT_TRUE(from(4, graph.entry_point()).status().IsCorruption());
  upper[1] = graph.upper()[1];
  // A level above the cap; upper layers that do not fit the levels.
  levels[ground] = HnswGraph::kMaxLevel + 1;
  EXPECT_TRUE(from(4, graph.entry_point()).status().IsCorruption());
  levels[ground] = 1;
  EXPECT_TRUE(from(4, graph.entry_point()).status().IsCorruption());
}

// --- The index on SIFT10K ------------------------------------------------

TEST(HnswIndexTest, SiftRecallAtEf64) {
  const Sift& s = LoadSift();
  SKIP_WITHOUT_SIFT(s);
  auto store = std::make_shared<MemoryObjectStore>();
  // m = 16 (32 links on layer 0), ef_construction = 200.
  std::vector<std::string> stages;
  VectorIndexBuildOptions options = Options(Metric::kL2, 16, 200);
  options.progress = [&](const VectorIndexProgress& p) {
    if (stages.empty() || stages.back() != p.stage) stages.emplace_back(p.stage);
    EXPECT_LE(p.done, p.total);
    return Status::OK();
  };
  VectorIndexMeta meta;
  auto index = BuildAndOpen(options, DataOf(s), store, "idx/", &meta);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(stages, (std::vector<std::string>{"graph", "writing"}));
  EXPECT_EQ(meta.type, VectorIndexType::kHnsw);
  EXPECT_EQ(meta.num_rows, s.n);
  EXPECT_EQ(meta.dim, s.dim);
  EXPECT_EQ(meta.params["m"], 16);
  EXPECT_EQ(meta.size_bytes, store->Read("idx/index.hnsw").value()->size());
  EXPECT_GT(index->Stats().memory_bytes, static_cast<uint64_t>(s.n) * s.dim * 4);

  const double recall = SiftRecall(*index, s, 10, 64);
  EXPECT_GE(recall, 0.97) << "recall@10 at ef 64";
  // A wider beam does not do worse; ef below k is raised to k.
  EXPECT_GE(SiftRecall(*index, s, 10, 200), recall - 0.005);
  EXPECT_EQ(SearchOk(*index, s.query(0), s.dim, 10, 1).size(), 10u);
  // Distances are squared L2, nearest first, with the row ids given.
  std::vector<Neighbor> got = SearchOk(*index, s.query(0), s.dim, 10, 64);
  ASSERT_EQ(got.size(), 10u);
  const int64_t first = (got[0].row_id - 1000) / 3;
  EXPECT_NEAR(got[0].distance, RefDistance(Metric::kL2, s.query(0), s.vector(first), s.dim),
              1e-3f * got[0].distance + 1e-3f);
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
  // k above the row count returns every row.
  auto small_store = std::make_shared<MemoryObjectStore>();
  auto small = BuildAndOpen(Options(Metric::kL2, 8, 50), DataOf(s, 0, 30), small_store, "s/");
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(SearchOk(*small, s.query(0), s.dim, 100, 0).size(), 30u);
}

TEST(HnswIndexTest, CosineAndDotRecallAgainstBruteForce) {
  const Sift& s = LoadSift();
  SKIP_WITHOUT_SIFT(s);
  // Dot on raw SIFT is dominated by the vectors' norms; scale them into
  // [0, 1/sqrt(dim)]-ish so 1 - dot is a sensible distance.
  std::vector<float> scaled(s.base.begin(), s.base.end());
  for (float& x : scaled) x /= 512.0f;
  std::vector<float> scaled_queries(s.queries.begin(), s.queries.end());
  for (float& x : scaled_queries) x /= 512.0f;
  for (Metric metric : {Metric::kCosine, Metric::kDot}) {
    SCOPED_TRACE(MetricName(metric));
    const float* base = metric == Metric::kDot ? scaled.data() : s.base.data();
    const float* queries = metric == Metric::kDot ? scaled_queries.data() : s.queries.data();
    auto store = std::make_shared<MemoryObjectStore>();
    auto index =
        BuildAndOpen(Options(metric, 16, 200), VectorData{base, s.row_ids.data(), s.n, s.dim}, store, "i/");
    ASSERT_NE(index, nullptr);
    double recall = 0;
    for (int64_t q = 0; q < s.nq; ++q) {
      const float* query = queries + q * s.dim;
      std::vector<Neighbor> got = SearchOk(*index, query, s.dim, 10, 64);
      ASSERT_EQ(got.size(), 10u);
      recall += Overlap(got, BruteForce(metric, base, s.row_ids.data(), s.n, s.dim, query, 10));
      const int64_t row = (got[0].row_id - 1000) / 3;
      EXPECT_NEAR(got[0].distance, RefDistance(metric, query, base + row * s.dim, s.dim), 1e-4f);
    }
    recall /= static_cast<double>(s.nq);
    EXPECT_GE(recall, metric == Metric::kCosine ? 0.97 : 0.9) << "recall@10 at ef 64";
  }
}

TEST(HnswIndexTest, FilterReturnsOnlyAllowedRows) {
  const Sift& s = LoadSift();
  SKIP_WITHOUT_SIFT(s);
  auto store = std::make_shared<MemoryObjectStore>();
  auto index = BuildAndOpen(Options(Metric::kL2, 16, 200), DataOf(s), store, "f/");
  ASSERT_NE(index, nullptr);
  for (int every : {2, 10, 100}) {
    SCOPED_TRACE("every " + std::to_string(every) + "th row");
    Roaring64Map allowed;
    for (int64_t i = 0; i < s.n; i += every) allowed.add(s.row_ids[i]);
    BitmapRowIdFilter filter(&allowed);
    double recall = 0;
    for (int64_t q = 0; q < s.nq; ++q) {
      std::vector<Neighbor> got = SearchOk(*index, s.query(q), s.dim, 10, 64, &filter);
      ASSERT_EQ(got.size(), 10u);
      for (const Neighbor& n : got) ASSERT_TRUE(allowed.contains(n.row_id)) << n.row_id;
      recall += Overlap(got, BruteForce(Metric::kL2, s.base.data(), s.row_ids.data(), s.n, s.dim, s.query(q),
                                        10, [&](uint64_t r) { return allowed.contains(r); }));
    }
    EXPECT_GE(recall / static_cast<double>(s.nq), 0.9);
  }
  // Fewer allowed rows than k: all of them.
  Roaring64Map few;
  for (int64_t i : {5, 500, 5000}) few.add(s.row_ids[i]);
  BitmapRowIdFilter filter(&few);
  std::vector<Neighbor> got = SearchOk(*index, s.query(0), s.dim, 10, 64, &filter);
  ASSERT_EQ(got.size(), 3u);
  Roaring64Map none;
  BitmapRowIdFilter nothing(&none);
  EXPECT_TRUE(SearchOk(*index, s.query(0), s.dim, 10, 64, &nothing).empty());
}

TEST(HnswIndexTest, UpdateAddsAndRemovesRows) {
  const Sift& s = LoadSift();
  SKIP_WITHOUT_SIFT(s);
  auto store = std::make_shared<MemoryObjectStore>();
  const int64_t initial = s.n - 1000;
  auto index = BuildAndOpen(Options(Metric::kL2, 16, 200), DataOf(s, 0, initial), store, "u1/");
  ASSERT_NE(index, nullptr);
  Roaring64Map removed;
  for (int64_t i = 0; i < initial; i += 10) removed.add(s.row_ids[i]);
  removed.add(uint64_t{999999});  // not in the index: ignored
  auto meta =
      UpdateHnswIndex(*index, DataOf(s, initial), removed, *store, "u2/", Options(Metric::kL2, 16, 200));
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  const int64_t expected_rows = s.n - (initial + 9) / 10;
  EXPECT_EQ(meta->num_rows, expected_rows);
  auto updated = OpenHnswIndex(store, "u2/", *meta);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();

  // Added vectors find themselves first. The parallel insertion makes the
  // graph differ from run to run, and now and then (seen once in many runs,
  // on a busy machine) one new node is reached by no search at ef 64: allow
  // one such miss in the 143 checked, never more.
  int misses = 0;
  for (int64_t i = initial; i < s.n; i += 7) {
    std::vector<Neighbor> got = SearchOk(**updated, s.vector(i), s.dim, 1, 64);
    ASSERT_EQ(got.size(), 1u);
    if (got[0].row_id != s.row_ids[i]) {
      ++misses;
      continue;
    }
    EXPECT_EQ(got[0].distance, 0.0f);
  }
  EXPECT_LE(misses, 1);
  // Removed rows never come back, and recall holds against brute force
  // over what is left.
  auto kept = [&](uint64_t r) { return !removed.contains(r); };
  double recall = 0;
  for (int64_t q = 0; q < s.nq; ++q) {
    std::vector<Neighbor> got = SearchOk(**updated, s.query(q), s.dim, 10, 64);
    ASSERT_EQ(got.size(), 10u);
    for (const Neighbor& n : got) ASSERT_FALSE(removed.contains(n.row_id)) << n.row_id;
    recall += Overlap(
        got, BruteForce(Metric::kL2, s.base.data(), s.row_ids.data(), s.n, s.dim, s.query(q), 10, kept));
  }
  EXPECT_GE(recall / static_cast<double>(s.nq), 0.95);

  // Removing most rows rebuilds; the result is still right.
  Roaring64Map most;
  for (int64_t i = 0; i < initial; ++i) {
    if (i % 4 != 0) most.add(s.row_ids[i]);
  }
  auto meta3 = UpdateHnswIndex(*index, VectorData{}, most, *store, "u3/", Options(Metric::kL2, 16, 200));
  ASSERT_TRUE(meta3.ok()) << meta3.status().ToString();
  auto rebuilt = OpenHnswIndex(store, "u3/", *meta3);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ((*rebuilt)->meta().num_rows, (initial + 3) / 4);
  for (int64_t q = 0; q < 10; ++q) {
    for (const Neighbor& n : SearchOk(**rebuilt, s.query(q), s.dim, 10, 64))
      ASSERT_FALSE(most.contains(n.row_id));
  }

  // Wrong dimension of the added vectors.
  VectorData bad = DataOf(s, initial, 10);
  bad.dim = 64;
  EXPECT_TRUE(UpdateHnswIndex(*index, bad, {}, *store, "u4/", Options(Metric::kL2, 16, 200))
                  .status()
                  .IsInvalidArgument());
}

TEST(HnswIndexTest, RoundTripGivesIdenticalResultsAndBytes) {
  const Sift& s = LoadSift();
  SKIP_WITHOUT_SIFT(s);
  auto store = std::make_shared<MemoryObjectStore>();
  VectorIndexMeta meta;
  auto index = BuildAndOpen(Options(Metric::kL2, 12, 100), DataOf(s, 0, 3000), store, "a/", &meta);
  ASSERT_NE(index, nullptr);
  // An update with nothing to change writes the same graph again.
  auto copy_meta = UpdateHnswIndex(*index, VectorData{}, {}, *store, "b/", Options(Metric::kL2, 12, 100));
  ASSERT_TRUE(copy_meta.ok()) << copy_meta.status().ToString();
  EXPECT_EQ(store->Read("a/index.hnsw").value()->view(), store->Read("b/index.hnsw").value()->view());
  auto copy = OpenHnswIndex(store, "b/", *copy_meta);
  ASSERT_TRUE(copy.ok());
  for (int64_t q = 0; q < s.nq; ++q) {
    EXPECT_EQ(SearchOk(*index, s.query(q), s.dim, 10, 32), SearchOk(**copy, s.query(q), s.dim, 10, 32));
  }
}

TEST(HnswIndexTest, DamagedFilesAreCorruption) {
  const Sift& s = LoadSift();
  SKIP_WITHOUT_SIFT(s);
  auto store = std::make_shared<MemoryObjectStore>();
  auto meta = BuildHnswIndex(Options(Metric::kL2, 8, 40), DataOf(s, 0, 500), *store, "d/");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  const std::string good(store->Read("d/index.hnsw").value()->view());
  auto open_with = [&](const std::string& bytes, const VectorIndexMeta& m) {
    EXPECT_TRUE(store->Put("d/index.hnsw", bytes).ok());
    return OpenHnswIndex(store, "d/", m).status();
  };
  VectorIndexMeta loose = *meta;
  loose.params.erase("file_size");
  ASSERT_TRUE(open_with(good, loose).ok());
  // A flipped byte anywhere: header, section table, every section.
  std::mt19937_64 rng(9);
  std::vector<size_t> positions = {0, 9, 17, 30, 45, 100, 163, 200, good.size() / 2, good.size() - 1};
  for (int i = 0; i < 40; ++i) positions.push_back(rng() % good.size());
  for (size_t pos : positions) {
    std::string bad = good;
    bad[pos] ^= 0x20;
    Status st = open_with(bad, loose);
    // Padding between sections is not checksummed.
    if (st.ok()) continue;
    // The version's bytes read as a newer version.
    if (pos >= 4 && pos < 8 && st.IsNotSupported()) continue;
    EXPECT_TRUE(st.IsCorruption()) << "byte " << pos << ": " << st.ToString();
  }
  for (size_t pos : {size_t{0}, size_t{100}, size_t{300}, good.size() - 1}) {
    std::string bad = good;
    bad[pos] ^= 0x20;
    EXPECT_TRUE(open_with(bad, loose).IsCorruption()) << pos;
  }
  // Truncated, extended, empty.
  EXPECT_TRUE(open_with(good.substr(0, good.size() - 1), loose).IsCorruption());
  EXPECT_TRUE(open_with(good.substr(0, 100), loose).IsCorruption());
  EXPECT_TRUE(open_with("", loose).IsCorruption());
  EXPECT_TRUE(open_with(good + "x", *meta).IsCorruption());  // size differs from the metadata
  // Metadata disagreeing with the file.
  VectorIndexMeta other = loose;
  other.dim = 64;
  EXPECT_TRUE(open_with(good, other).IsCorruption());
  other = loose;
  other.metric = Metric::kCosine;
  EXPECT_TRUE(open_with(good, other).IsCorruption());
  // A newer version is NotSupported.
  std::string newer = good;
  newer[4] = 2;
  EXPECT_TRUE(open_with(newer, loose).IsNotSupported());
  // A missing file is NotFound.
  ASSERT_TRUE(store->Delete("d/index.hnsw").ok());
  EXPECT_TRUE(OpenHnswIndex(store, "d/", loose).status().IsNotFound());
}

TEST(HnswIndexTest, BadArguments) {
  const Sift& s = LoadSift();
  SKIP_WITHOUT_SIFT(s);
  auto store = std::make_shared<MemoryObjectStore>();
  auto index = BuildAndOpen(Options(Metric::kL2, 8, 40), DataOf(s, 0, 200), store, "x/");
  ASSERT_NE(index, nullptr);
  // Wrong query dimension, negative k, non-finite query.
  VectorQueryParams params;
  auto st = index->Search({s.query(0), 64}, params, nullptr).status();
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("64"), std::string::npos);
  params.k = -1;
  EXPECT_TRUE(index->Search({s.query(0), 128}, params, nullptr).status().IsInvalidArgument());
  std::vector<float> nan_query(s.query(0), s.query(0) + s.dim);
  nan_query[3] = std::nanf("");
  EXPECT_TRUE(index->Search(nan_query, VectorQueryParams{}, nullptr).status().IsInvalidArgument());
  params.k = 0;
  EXPECT_TRUE(SearchOk(*index, s.query(0), s.dim, 0, 0).empty());

  EXPECT_TRUE(BuildHnswIndex(Options(Metric::kHamming, 8, 40), DataOf(s, 0, 10), *store, "h/")
                  .status()
                  .IsNotSupported());
  EXPECT_TRUE(BuildHnswIndex(Options(Metric::kL2, 1, 40), DataOf(s, 0, 10), *store, "h/")
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(BuildHnswIndex(Options(Metric::kL2, 8, 0), DataOf(s, 0, 10), *store, "h/")
                  .status()
                  .IsInvalidArgument());
  VectorData bad = DataOf(s, 0, 10);
  bad.dim = 0;
  EXPECT_TRUE(BuildHnswIndex(Options(Metric::kL2, 8, 40), bad, *store, "h/").status().IsInvalidArgument());
  std::vector<float> with_inf(s.vector(0), s.vector(10));
  with_inf[77] = INFINITY;
  bad = VectorData{with_inf.data(), s.row_ids.data(), 10, s.dim};
  EXPECT_TRUE(BuildHnswIndex(Options(Metric::kL2, 8, 40), bad, *store, "h/").status().IsInvalidArgument());

  // An empty index opens and finds nothing.
  auto empty = BuildAndOpen(Options(Metric::kL2, 8, 40), VectorData{nullptr, nullptr, 0, s.dim}, store, "e/");
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(SearchOk(*empty, s.query(0), s.dim, 10, 0).empty());
}

#ifdef QUIVER_HAVE_HNSWLIB
// hnswlib as a reference peer: with the same m and ef_construction, this
// graph's recall at the same ef is at least about hnswlib's.
TEST(HnswIndexTest, RecallAtLeastHnswlibs) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "Debian's hnswlib reads 3 bytes past its own upper-layer link lists (searchBaseLayer, "
                  "hnswalg.h), which AddressSanitizer stops; the comparison runs in the plain build";
#endif
  const Sift& s = LoadSift();
  SKIP_WITHOUT_SIFT(s);
  const int m = 16, ef_construction = 200, ef = 32;
  hnswlib::L2Space space(s.dim);
  hnswlib::HierarchicalNSW<float> peer(&space, s.n, m, ef_construction, 7);
  for (int64_t i = 0; i < s.n; ++i) peer.addPoint(s.vector(i), static_cast<hnswlib::labeltype>(i));
  peer.setEf(ef);
  double peer_recall = 0;
  for (int64_t q = 0; q < s.nq; ++q) {
    auto result = peer.searchKnn(s.query(q), 10);
    std::set<int64_t> truth(s.truth.begin() + q * s.truth_k, s.truth.begin() + q * s.truth_k + 10);
    for (; !result.empty(); result.pop())
      peer_recall += truth.count(static_cast<int64_t>(result.top().second));
  }
  peer_recall /= 10.0 * static_cast<double>(s.nq);

  auto store = std::make_shared<MemoryObjectStore>();
  auto index = BuildAndOpen(Options(Metric::kL2, m, ef_construction), DataOf(s), store, "p/");
  ASSERT_NE(index, nullptr);
  const double recall = SiftRecall(*index, s, 10, ef);
  EXPECT_GE(recall, peer_recall - 0.01) << "hnswlib: " << peer_recall;
}
#endif

}  // namespace
}  // namespace quiver::index

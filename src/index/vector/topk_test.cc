#include "index/vector/topk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <vector>

namespace quiver::index {
namespace {

std::vector<Neighbor> RandomCandidates(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Few distinct distances, so ties are common.
  std::uniform_int_distribution<int> dist(0, 20);
  std::vector<Neighbor> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = {static_cast<float>(dist(rng)) * 0.5f, i * 7919 % 1000};
  return out;
}

// The k smallest by (distance, row id), nearest first: what TopK must keep.
std::vector<Neighbor> Expected(std::vector<Neighbor> all, size_t k) {
  std::sort(all.begin(), all.end());
  all.resize(std::min(k, all.size()));
  return all;
}

TEST(TopKTest, KeepsTheKSmallestNearestFirst) {
  for (size_t k : {1, 2, 10, 99, 1000, 2000}) {
    const std::vector<Neighbor> candidates = RandomCandidates(1000, k);
    TopK top(k);
    for (const Neighbor& c : candidates) top.Push(c.distance, c.row_id);
    EXPECT_EQ(top.size(), std::min<size_t>(k, candidates.size()));
    EXPECT_EQ(top.Take(), Expected(candidates, k)) << "k=" << k;
    EXPECT_EQ(top.size(), 0u);
  }
}

TEST(TopKTest, TiesGoToTheSmallerRowIdWhateverTheOrder) {
  std::vector<Neighbor> candidates = {{1.0f, 5}, {1.0f, 3}, {1.0f, 9}, {0.5f, 7}, {1.0f, 4}};
  const std::vector<Neighbor> expected = {{0.5f, 7}, {1.0f, 3}, {1.0f, 4}};
  std::sort(candidates.begin(), candidates.end());
  int orders = 0;
  do {
    TopK top(3);
    for (const Neighbor& c : candidates) top.Push(c.distance, c.row_id);
    ASSERT_EQ(top.Take(), expected);
    ++orders;
  } while (std::next_permutation(candidates.begin(), candidates.end()));
  EXPECT_EQ(orders, 120);
}

TEST(TopKTest, Threshold) {
  TopK top(2);
  EXPECT_EQ(top.threshold(), std::numeric_limits<float>::infinity());
  top.Push(3.0f, 1);
  EXPECT_FALSE(top.full());
  EXPECT_EQ(top.threshold(), std::numeric_limits<float>::infinity());
  top.Push(1.0f, 2);
  EXPECT_TRUE(top.full());
  EXPECT_EQ(top.threshold(), 3.0f);
  top.Push(2.0f, 3);
  EXPECT_EQ(top.threshold(), 2.0f);
  top.Push(5.0f, 4);  // rejected
  EXPECT_EQ(top.Take(), (std::vector<Neighbor>{{1.0f, 2}, {2.0f, 3}}));
}

TEST(TopKTest, ZeroKeepsNothing) {
  TopK top(0);
  top.Push(1.0f, 1);
  EXPECT_EQ(top.size(), 0u);
  EXPECT_EQ(top.threshold(), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(top.Take().empty());
}

TEST(TopKTest, MergeEqualsOneHeapOverEverything) {
  const std::vector<Neighbor> candidates = RandomCandidates(3000, 11);
  for (size_t k : {1, 5, 50}) {
    // Split unevenly across three per-thread heaps, then merge.
    TopK parts[3] = {TopK(k), TopK(k), TopK(k)};
    for (size_t i = 0; i < candidates.size(); ++i) {
      parts[i % 7 < 4 ? 0 : i % 7 < 6 ? 1 : 2].Push(candidates[i].distance, candidates[i].row_id);
    }
    TopK merged(k);
    for (const TopK& part : parts) merged.Merge(part);
    EXPECT_EQ(merged.Take(), Expected(candidates, k)) << "k=" << k;
  }
}

}  // namespace
}  // namespace quiver::index

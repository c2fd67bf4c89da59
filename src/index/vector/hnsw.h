// HnswGraph: a hierarchical navigable small-world graph (Malkov and
// Yashunin, "Efficient and robust approximate nearest neighbor search using
// Hierarchical Navigable Small World graphs", 2016) over dense nodes
// 0..size()-1.
//
// The graph holds only topology: levels and neighbour lists. How far apart
// two nodes are, or a query and a node, is asked of the caller through two
// small interfaces, so the same graph serves full float vectors (the HNSW
// index) and quantised codes (one graph per IVF partition over SQ or PQ
// codes). Distances are asked in batches (every unvisited neighbour of a
// node at once), so the virtual call is paid once per expanded node, and
// the implementation can prefetch the next vector while computing one.
// Callers map node ids to row ids.
//
//   FloatDistance distance(vectors, n, dim);        // an HnswNodeDistance
//   HnswGraph graph(/*m=*/20);
//   QUIVER_RETURN_NOT_OK(graph.Add(n, distance, build_params));
//   FloatQuery query(distance, q);                  // an HnswQueryDistance
//   std::vector<HnswHit> hits = graph.Search(query, k, ef, nullptr);
//
// Layout: layer 0 keeps up to 2m neighbours per node in one flat array with
// a fixed stride (count, then the neighbours), read in place by searches;
// upper layers keep up to m, in a second flat array holding, for each node
// above layer 0 in node order, its lists for layers 1..level.
//
// Thread-safety: Search (and the accessors) may run from many threads at
// once; Add and the other non-const methods need exclusive access (Add
// parallelises internally).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "common/thread_pool.h"
#include "quiver/status.h"

namespace quiver::index {

// Distances from one fixed point (a query, or a node being inserted) to
// graph nodes. Built once per query by the graph's owner.
class HnswQueryDistance {
 public:
  virtual ~HnswQueryDistance() = default;
  // out[i] = the distance to node ids[i], for i < n. The ids are in no
  // particular order; implementations should prefetch ahead.
  virtual void Distances(const uint32_t* ids, size_t n, float* out) const = 0;
};

// Distances between nodes, for building. Must be symmetric.
class HnswNodeDistance {
 public:
  virtual ~HnswNodeDistance() = default;
  virtual float Between(uint32_t a, uint32_t b) const = 0;
  // out[i] = Between(from, ids[i]), for i < n.
  virtual void FromNode(uint32_t from, const uint32_t* ids, size_t n, float* out) const = 0;
};

// Which nodes a search may return. Nodes outside it are still traversed.
class HnswNodeFilter {
 public:
  virtual ~HnswNodeFilter() = default;
  virtual bool Contains(uint32_t node) const = 0;
};

struct HnswBuildParams {
  // Beam width while inserting; at least m is used.
  int ef_construction = 300;
  // Levels are drawn from a generator seeded with this (and the first new
  // node's id), so they are reproducible; the links of a parallel build
  // depend on thread timing.
  uint64_t seed = 42;
  // Runs the insertions; DefaultThreadPool() when null.
  ThreadPool* pool = nullptr;
  // Called now and then with the nodes inserted so far and the total;
  // a non-OK status stops the build and is returned by Add. Called from
  // one thread at a time.
  std::function<Status(uint64_t done, uint64_t total)> progress;
};

struct HnswHit {
  float distance = 0;
  uint32_t node = 0;
};

class HnswGraph {
 public:
  static constexpr uint32_t kNoNode = 0xffffffffu;
  // Levels are capped here (a level above 16 has probability below
  // m^-16 per node).
  static constexpr int kMaxLevel = 31;
  // Node ids are uint32 with kNoNode reserved.
  static constexpr int64_t kMaxNodes = 0xfffffffeu;
  static constexpr int kMaxM = 512;

  // An empty graph keeping up to m neighbours per node on the upper layers
  // and 2m on layer 0. m must be in 2..kMaxM (callers validate user input).
  explicit HnswGraph(int m);
  HnswGraph(const HnswGraph&) = default;
  HnswGraph& operator=(const HnswGraph&) = default;
  HnswGraph(HnswGraph&&) noexcept = default;
  HnswGraph& operator=(HnswGraph&&) noexcept = default;

  int m() const { return m_; }
  int64_t size() const { return static_cast<int64_t>(levels_.size()); }
  int max_level() const { return max_level_; }
  // kNoNode when the graph is empty.
  uint32_t entry_point() const { return entry_point_; }
  int level(uint32_t node) const { return levels_[node]; }
  // The neighbours of `node` on `layer` (0..level(node)).
  std::span<const uint32_t> Neighbors(uint32_t node, int layer) const;

  // Adds `count` nodes, ids size() .. size() + count - 1 (which `distance`
  // must know), inserting them in parallel on params.pool. InvalidArgument
  // when the graph would exceed kMaxNodes; the progress callback's status
  // when it stops the build (the graph then holds the nodes inserted so
  // far, linked, and the rest unlinked: discard it).
  Status Add(int64_t count, const HnswNodeDistance& distance, const HnswBuildParams& params);

  // The up to k nodes nearest to the query that `filter` contains (all
  // when null), nearest first: a greedy descent through the upper layers,
  // then a beam search of width max(ef, k) on layer 0. With a filter the
  // beam keeps only allowed nodes as results but walks through the others,
  // and goes on until it holds max(ef, k) allowed nodes or runs out of
  // candidates; with a very selective filter that visits most of the graph,
  // so callers with few allowed rows are better off scanning them exactly.
  std::vector<HnswHit> Search(const HnswQueryDistance& query, size_t k, size_t ef,
                              const HnswNodeFilter* filter) const;

  // A copy holding the nodes whose removed[i] is false, renumbered densely
  // in order (new id = old id minus the removed nodes before it). A node
  // that linked to a removed node gets its list reselected (with the
  // neighbour heuristic) from its remaining neighbours plus the removed
  // nodes' remaining neighbours. `distance` is over the old ids;
  // removed.size() must equal size(). Runs on `pool` (DefaultThreadPool()
  // when null).
  HnswGraph Without(const std::vector<bool>& removed, const HnswNodeDistance& distance,
                    ThreadPool* pool) const;

  // The parts that persist a graph (see docs/format.md, "HNSW index
  // files"): levels (one byte per node), layer 0 (size() x (1 + 2m):
  // count, then neighbours, zero padded) and the upper layers (for each
  // node in order, level(node) x (1 + m) likewise).
  std::span<const uint8_t> levels() const { return levels_; }
  std::span<const uint32_t> layer0() const { return layer0_; }
  std::span<const uint32_t> upper() const { return upper_; }
  // Rebuilds a graph from its parts and checks them all: Corruption naming
  // the first problem (sizes, a count above the layer's capacity, a
  // neighbour id out of range or missing from that layer, a bad entry
  // point), so that a search of the result never reads out of bounds.
  static Result<HnswGraph> FromParts(int m, uint32_t entry_point, std::span<const uint8_t> levels,
                                     std::span<const uint32_t> layer0, std::span<const uint32_t> upper);

  // Bytes held by the adjacency.
  uint64_t memory_bytes() const;

 private:
  struct Build;

  size_t stride0() const { return 1 + 2 * static_cast<size_t>(m_); }
  size_t stride_upper() const { return 1 + static_cast<size_t>(m_); }
  size_t capacity(int layer) const {
    return layer == 0 ? 2 * static_cast<size_t>(m_) : static_cast<size_t>(m_);
  }
  // The list (count, then neighbours) of `node` on `layer`.
  uint32_t* List(uint32_t node, int layer) {
    return layer == 0 ? &layer0_[node * stride0()]
                      : &upper_[upper_offset_[node] + (layer - 1) * stride_upper()];
  }
  const uint32_t* List(uint32_t node, int layer) const {
    return layer == 0 ? &layer0_[node * stride0()]
                      : &upper_[upper_offset_[node] + (layer - 1) * stride_upper()];
  }
  // Sizes the arrays for levels_ (set) and the lists of new nodes from
  // `first` on (zeroed).
  void Allocate(int64_t first);
  void Insert(uint32_t node, const HnswNodeDistance& distance, Build& build);

  int m_;
  double level_mult_;
  int max_level_ = -1;
  uint32_t entry_point_ = kNoNode;
  std::vector<uint8_t> levels_;
  std::vector<uint32_t> layer0_;
  std::vector<uint64_t> upper_offset_;  // size() + 1 offsets into upper_
  std::vector<uint32_t> upper_;
};

}  // namespace quiver::index

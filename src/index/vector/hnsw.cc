#include "index/vector/hnsw.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace quiver::index {
namespace {

struct Candidate {
  float distance;
  uint32_t node;
};
// Heap orders: NearerOnTop makes a min-heap of candidates to expand,
// FartherOnTop a max-heap of results (the worst on top, to evict).
struct NearerOnTop {
  bool operator()(const Candidate& a, const Candidate& b) const { return a.distance > b.distance; }
};
struct FartherOnTop {
  bool operator()(const Candidate& a, const Candidate& b) const { return a.distance < b.distance; }
};
bool NearerFirst(const Candidate& a, const Candidate& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.node < b.node);
}

inline void PrefetchLine(const void* p) { __builtin_prefetch(p, 0, 3); }

// Which nodes a search has seen: a stamp per node, and a generation bumped
// per search, so starting a search costs nothing (a full clear only when
// the 16-bit generation wraps).
class VisitedSet {
 public:
  void Reset(size_t n) {
    if (marks_.size() < n) {
      marks_.assign(n, 0);
      generation_ = 0;
    }
    if (++generation_ == 0) {
      std::fill(marks_.begin(), marks_.end(), uint16_t{0});
      generation_ = 1;
    }
  }
  // Whether `node` was seen before; marks it seen.
  bool Visit(uint32_t node) {
    uint16_t& mark = marks_[node];
    if (mark == generation_) return true;
    mark = generation_;
    return false;
  }
  void Prefetch(uint32_t node) const { PrefetchLine(&marks_[node]); }

 private:
  std::vector<uint16_t> marks_;
  uint16_t generation_ = 0;
};

// Per-thread working memory, reused by every search and insertion on the
// thread, so a query allocates only its result.
struct Scratch {
  VisitedSet visited;
  std::vector<Candidate> candidates;  // min-heap (NearerOnTop)
  std::vector<Candidate> results;     // max-heap (FartherOnTop)
  std::vector<Candidate> selected;    // an insertion's neighbours
  std::vector<Candidate> pruned;      // a full list being reselected
  std::vector<uint32_t> list;         // a copy of a list read under its lock
  std::vector<uint32_t> batch;        // unvisited neighbours to measure
  std::vector<float> distances;

  void Fit(size_t stride) {
    if (list.size() < stride) {
      list.resize(stride);
      batch.resize(stride);
      distances.resize(stride);
    }
  }
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// A lock per node while building: one byte, and held only for copying or
// rewriting one short list.
class SpinLock {
 public:
  void lock() {
    while (flag_.test_and_set(std::memory_order_acquire)) {
      while (flag_.test(std::memory_order_relaxed)) std::this_thread::yield();
    }
  }
  void unlock() { flag_.clear(std::memory_order_release); }

 private:
  std::atomic_flag flag_;
};

// The distances from a node being inserted.
class NodeQuery final : public HnswQueryDistance {
 public:
  NodeQuery(const HnswNodeDistance& distance, uint32_t node) : distance_(distance), node_(node) {}
  void Distances(const uint32_t* ids, size_t n, float* out) const override {
    distance_.FromNode(node_, ids, n, out);
  }

 private:
  const HnswNodeDistance& distance_;
  uint32_t node_;
};

// The neighbour-selection heuristic: walks `c` (sorted nearest first, by
// distance to the base node) and keeps a candidate only if it is nearer to
// the base than to every candidate kept before it, up to `max`. Keeps
// links pointing in diverse directions, which is what lets greedy search
// cross between clusters.
void SelectNeighbors(std::vector<Candidate>* c, size_t max, const HnswNodeDistance& distance) {
  if (c->size() <= max) return;
  size_t kept = 0;
  for (size_t i = 0; i < c->size() && kept < max; ++i) {
    const Candidate cand = (*c)[i];
    bool keep = true;
    for (size_t j = 0; j < kept; ++j) {
      if (distance.Between(cand.node, (*c)[j].node) < cand.distance) {
        keep = false;
        break;
      }
    }
    if (keep) (*c)[kept++] = cand;
  }
  c->resize(kept);
}

}  // namespace

// The shared state of one Add, and the search loops (members here so they
// reach the graph's private lists).
struct HnswGraph::Build {
  size_t ef = 0;
  std::unique_ptr<SpinLock[]> locks;
  std::mutex global;  // guards entry_point_ and max_level_ while building

  // Points `*list` at the list of `node` on `layer`: in place when not
  // building (locks null), else a copy taken under the node's lock.
  static const uint32_t* ReadList(const HnswGraph& g, uint32_t node, int layer, SpinLock* locks, Scratch& s) {
    const uint32_t* list = g.List(node, layer);
    if (locks == nullptr) return list;
    std::lock_guard<SpinLock> lock(locks[node]);
    std::copy(list, list + 1 + list[0], s.list.begin());
    return s.list.data();
  }

  // Greedy descent on one upper layer: moves to the nearest neighbour while
  // that is nearer than where it stands.
  static Candidate Greedy(const HnswGraph& g, const HnswQueryDistance& query, Candidate cur, int layer,
                          SpinLock* locks, Scratch& s) {
    for (bool moved = true; moved;) {
      moved = false;
      const uint32_t* list = ReadList(g, cur.node, layer, locks, s);
      const uint32_t count = list[0];
      if (count == 0) break;
      query.Distances(list + 1, count, s.distances.data());
      for (uint32_t i = 0; i < count; ++i) {
        if (s.distances[i] < cur.distance) {
          cur = {s.distances[i], list[1 + i]};
          moved = true;
        }
      }
    }
    return cur;
  }

  // Beam search of width `ef` on `layer` from `entry`; leaves the up to ef
  // nearest allowed nodes in s.results (a max-heap).
  template <bool kLocked>
  static void SearchLayer(const HnswGraph& g, const HnswQueryDistance& query, Candidate entry, int layer,
                          size_t ef, const HnswNodeFilter* filter, SpinLock* locks, Scratch& s) {
    s.visited.Reset(g.levels_.size());
    s.candidates.clear();
    s.results.clear();
    s.visited.Visit(entry.node);
    s.candidates.push_back(entry);
    // The distance a node must beat to enter the results: the worst of
    // them once there are ef, infinity before.
    float bound = std::numeric_limits<float>::infinity();
    if (filter == nullptr || filter->Contains(entry.node)) {
      s.results.push_back(entry);
      if (ef <= 1) bound = entry.distance;
    }
    while (!s.candidates.empty()) {
      const Candidate c = s.candidates.front();
      if (c.distance > bound) break;
      std::pop_heap(s.candidates.begin(), s.candidates.end(), NearerOnTop{});
      s.candidates.pop_back();

      const uint32_t* list = kLocked ? ReadList(g, c.node, layer, locks, s) : g.List(c.node, layer);
      const uint32_t count = list[0];
      for (uint32_t i = 1; i <= count; ++i) s.visited.Prefetch(list[i]);
      size_t fresh = 0;
      for (uint32_t i = 1; i <= count; ++i) {
        if (!s.visited.Visit(list[i])) s.batch[fresh++] = list[i];
      }
      if (fresh == 0) continue;
      query.Distances(s.batch.data(), fresh, s.distances.data());
      for (size_t i = 0; i < fresh; ++i) {
        const float d = s.distances[i];
        if (!(d < bound)) continue;
        const Candidate n{d, s.batch[i]};
        s.candidates.push_back(n);
        std::push_heap(s.candidates.begin(), s.candidates.end(), NearerOnTop{});
        if (filter != nullptr && !filter->Contains(n.node)) continue;
        s.results.push_back(n);
        std::push_heap(s.results.begin(), s.results.end(), FartherOnTop{});
        if (s.results.size() > ef) {
          std::pop_heap(s.results.begin(), s.results.end(), FartherOnTop{});
          s.results.pop_back();
        }
        if (s.results.size() >= ef) bound = s.results.front().distance;
      }
      if constexpr (!kLocked) {
        if (!s.candidates.empty()) PrefetchLine(g.List(s.candidates.front().node, layer));
      }
    }
  }
};

HnswGraph::HnswGraph(int m) : m_(m), level_mult_(1.0 / std::log(static_cast<double>(std::max(m, 2)))) {}

std::span<const uint32_t> HnswGraph::Neighbors(uint32_t node, int layer) const {
  const uint32_t* list = List(node, layer);
  return {list + 1, list[0]};
}

void HnswGraph::Allocate(int64_t first) {
  const size_t n = levels_.size();
  layer0_.resize(n * stride0(), 0);
  if (upper_offset_.empty()) upper_offset_.push_back(0);
  upper_offset_.resize(static_cast<size_t>(first) + 1);
  for (size_t i = static_cast<size_t>(first); i < n; ++i) {
    upper_offset_.push_back(upper_offset_.back() + levels_[i] * stride_upper());
  }
  upper_.resize(upper_offset_.back(), 0);
}

void HnswGraph::Insert(uint32_t node, const HnswNodeDistance& distance, Build& b) {
  Scratch& s = ThreadScratch();
  s.Fit(stride0());
  const int level = levels_[node];
  // A node rising above the top holds the global lock for its whole
  // insertion (rare: about one node in m per level), so no other insertion
  // starts from a stale entry point meanwhile.
  std::unique_lock<std::mutex> global(b.global);
  const int top = max_level_;
  const uint32_t entry = entry_point_;
  if (level <= top) global.unlock();
  if (entry == kNoNode) {
    entry_point_ = node;
    max_level_ = level;
    return;
  }

  NodeQuery query(distance, node);
  Candidate cur{0, entry};
  query.Distances(&cur.node, 1, &cur.distance);
  for (int layer = top; layer > level; --layer)
    cur = Build::Greedy(*this, query, cur, layer, b.locks.get(), s);

  for (int layer = std::min(level, top); layer >= 0; --layer) {
    Build::SearchLayer<true>(*this, query, cur, layer, b.ef, nullptr, b.locks.get(), s);
    s.selected.assign(s.results.begin(), s.results.end());
    std::sort(s.selected.begin(), s.selected.end(), NearerFirst);
    cur = s.selected.front();
    SelectNeighbors(&s.selected, static_cast<size_t>(m_), distance);
    {
      std::lock_guard<SpinLock> lock(b.locks[node]);
      uint32_t* list = List(node, layer);
      list[0] = static_cast<uint32_t>(s.selected.size());
      for (size_t i = 0; i < s.selected.size(); ++i) list[1 + i] = s.selected[i].node;
    }
    // Link back; a full list is reselected from its members plus this node.
    const size_t cap = capacity(layer);
    for (const Candidate& c : s.selected) {
      std::lock_guard<SpinLock> lock(b.locks[c.node]);
      uint32_t* list = List(c.node, layer);
      const uint32_t count = list[0];
      if (count < cap) {
        list[1 + count] = node;
        list[0] = count + 1;
        continue;
      }
      s.pruned.resize(count + 1);
      distance.FromNode(c.node, list + 1, count, s.distances.data());
      for (uint32_t i = 0; i < count; ++i) s.pruned[i] = {s.distances[i], list[1 + i]};
      s.pruned[count] = {c.distance, node};
      std::sort(s.pruned.begin(), s.pruned.end(), NearerFirst);
      SelectNeighbors(&s.pruned, cap, distance);
      list[0] = static_cast<uint32_t>(s.pruned.size());
      for (size_t i = 0; i < s.pruned.size(); ++i) list[1 + i] = s.pruned[i].node;
    }
  }
  if (level > top) {
    entry_point_ = node;
    max_level_ = level;
  }
}

Status HnswGraph::Add(int64_t count, const HnswNodeDistance& distance, const HnswBuildParams& params) {
  if (count <= 0) return Status::OK();
  const int64_t first = size();
  if (count > kMaxNodes - first) {
    return Status::InvalidArgument("an HNSW graph holds at most " + std::to_string(kMaxNodes) + " nodes; " +
                                   std::to_string(first) + " + " + std::to_string(count) + " is too many");
  }
  // Levels: floor(-ln(u) / ln(m)), so each level holds about 1/m of the
  // one below. Seeded with the first id too, so an update's new nodes do
  // not repeat the levels of the first ones.
  std::mt19937_64 rng(params.seed ^ (static_cast<uint64_t>(first) * 0x9e3779b97f4a7c15ull));
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  levels_.resize(static_cast<size_t>(first + count));
  for (int64_t i = first; i < first + count; ++i) {
    const double u = 1.0 - uniform(rng);  // (0, 1]
    levels_[i] = static_cast<uint8_t>(std::min<double>(kMaxLevel, std::floor(-std::log(u) * level_mult_)));
  }
  Allocate(first);

  Build b;
  b.ef = static_cast<size_t>(std::max(params.ef_construction, m_));
  b.locks.reset(new SpinLock[levels_.size()]);
  ThreadPool* pool = params.pool != nullptr ? params.pool : DefaultThreadPool();

  const uint64_t total = static_cast<uint64_t>(count);
  const uint64_t step = std::max<uint64_t>(1024, total / 64);
  std::atomic<int64_t> next{first};
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::mutex progress_mu;
  Status error;
  auto work = [&] {
    for (;;) {
      if (stop.load(std::memory_order_relaxed)) return;
      const int64_t i = next.fetch_add(1);
      if (i >= first + count) return;
      Insert(static_cast<uint32_t>(i), distance, b);
      const uint64_t d = done.fetch_add(1) + 1;
      if (params.progress && (d % step == 0 || d == total)) {
        std::lock_guard<std::mutex> lock(progress_mu);
        if (!error.ok()) return;
        Status st = params.progress(d, total);
        if (!st.ok()) {
          error = std::move(st);
          stop = true;
        }
      }
    }
  };
  // One task per thread, each claiming nodes one at a time: neighbouring
  // ids are inserted at about the same moment whatever their order.
  pool->ParallelFor(
      pool->num_threads(), [&](int64_t, int64_t) { work(); }, 1);
  return error;
}

std::vector<HnswHit> HnswGraph::Search(const HnswQueryDistance& query, size_t k, size_t ef,
                                       const HnswNodeFilter* filter) const {
  std::vector<HnswHit> hits;
  if (entry_point_ == kNoNode || k == 0) return hits;
  Scratch& s = ThreadScratch();
  s.Fit(stride0());
  Candidate cur{0, entry_point_};
  query.Distances(&cur.node, 1, &cur.distance);
  for (int layer = max_level_; layer > 0; --layer) cur = Build::Greedy(*this, query, cur, layer, nullptr, s);
  Build::SearchLayer<false>(*this, query, cur, 0, std::max(ef, k), filter, nullptr, s);
  std::sort(s.results.begin(), s.results.end(), NearerFirst);
  const size_t n = std::min(k, s.results.size());
  hits.reserve(n);
  for (size_t i = 0; i < n; ++i) hits.push_back({s.results[i].distance, s.results[i].node});
  return hits;
}

HnswGraph HnswGraph::Without(const std::vector<bool>& removed, const HnswNodeDistance& distance,
                             ThreadPool* pool) const {
  HnswGraph out(m_);
  std::vector<uint32_t> new_id(levels_.size(), kNoNode);
  std::vector<uint32_t> kept;
  for (size_t i = 0; i < levels_.size(); ++i) {
    if (removed[i]) continue;
    new_id[i] = static_cast<uint32_t>(out.levels_.size());
    out.levels_.push_back(levels_[i]);
    kept.push_back(static_cast<uint32_t>(i));
  }
  out.Allocate(0);
  if (kept.empty()) return out;

  if (entry_point_ != kNoNode && !removed[entry_point_]) {
    out.entry_point_ = new_id[entry_point_];
    out.max_level_ = max_level_;
  } else {
    for (size_t i = 0; i < out.levels_.size(); ++i) {
      if (out.levels_[i] > out.max_level_) {
        out.max_level_ = out.levels_[i];
        out.entry_point_ = static_cast<uint32_t>(i);
      }
    }
  }

  auto rewire = [&](int64_t begin, int64_t end) {
    std::vector<Candidate> cands;
    std::vector<uint32_t> ids;
    std::vector<float> dists;
    for (int64_t k = begin; k < end; ++k) {
      const uint32_t node = kept[k];
      for (int layer = 0; layer <= levels_[node]; ++layer) {
        const uint32_t* list = List(node, layer);
        uint32_t* dst = out.List(new_id[node], layer);
        bool touched = false;
        for (uint32_t i = 1; i <= list[0]; ++i) touched |= removed[list[i]];
        if (!touched) {
          dst[0] = list[0];
          for (uint32_t i = 1; i <= list[0]; ++i) dst[i] = new_id[list[i]];
          continue;
        }
        // The kept neighbours, and those of each removed neighbour.
        ids.clear();
        for (uint32_t i = 1; i <= list[0]; ++i) {
          const uint32_t nb = list[i];
          if (!removed[nb]) {
            ids.push_back(nb);
            continue;
          }
          const uint32_t* second = List(nb, layer);
          for (uint32_t j = 1; j <= second[0]; ++j) {
            if (!removed[second[j]] && second[j] != node) ids.push_back(second[j]);
          }
        }
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        dists.resize(ids.size());
        distance.FromNode(node, ids.data(), ids.size(), dists.data());
        cands.resize(ids.size());
        for (size_t i = 0; i < ids.size(); ++i) cands[i] = {dists[i], ids[i]};
        std::sort(cands.begin(), cands.end(), NearerFirst);
        SelectNeighbors(&cands, capacity(layer), distance);
        dst[0] = static_cast<uint32_t>(cands.size());
        for (size_t i = 0; i < cands.size(); ++i) dst[1 + i] = new_id[cands[i].node];
      }
    }
  };
  (pool != nullptr ? pool : DefaultThreadPool())->ParallelFor(static_cast<int64_t>(kept.size()), rewire, 256);
  return out;
}

Result<HnswGraph> HnswGraph::FromParts(int m, uint32_t entry_point, std::span<const uint8_t> levels,
                                       std::span<const uint32_t> layer0, std::span<const uint32_t> upper) {
  auto corrupt = [](const std::string& what) { return Status::Corruption("HNSW graph: " + what); };
  if (m < 2 || m > kMaxM)
    return corrupt("m = " + std::to_string(m) + " is outside 2.." + std::to_string(kMaxM));
  if (levels.size() > static_cast<size_t>(kMaxNodes)) {
    return corrupt(std::to_string(levels.size()) + " nodes, more than a graph can hold");
  }
  HnswGraph g(m);
  const size_t n = levels.size();
  g.levels_.assign(levels.begin(), levels.end());
  for (size_t i = 0; i < n; ++i) {
    if (levels[i] > kMaxLevel) {
      return corrupt("node " + std::to_string(i) + " has level " + std::to_string(levels[i]) + ", above " +
                     std::to_string(kMaxLevel));
    }
  }
  if (layer0.size() != n * g.stride0()) {
    return corrupt("layer 0 holds " + std::to_string(layer0.size()) + " words, expected " +
                   std::to_string(n * g.stride0()) + " for " + std::to_string(n) + " nodes");
  }
  g.upper_offset_.reserve(n + 1);
  g.upper_offset_.push_back(0);
  for (size_t i = 0; i < n; ++i)
    g.upper_offset_.push_back(g.upper_offset_.back() + levels[i] * g.stride_upper());
  if (upper.size() != g.upper_offset_.back()) {
    return corrupt("the upper layers hold " + std::to_string(upper.size()) + " words, expected " +
                   std::to_string(g.upper_offset_.back()) + " for the nodes' levels");
  }
  if (n == 0) {
    if (entry_point != kNoNode)
      return corrupt("an empty graph has entry point " + std::to_string(entry_point));
  } else {
    if (entry_point >= n) {
      return corrupt("entry point " + std::to_string(entry_point) + " is out of range (" + std::to_string(n) +
                     " nodes)");
    }
    const uint8_t top = *std::max_element(levels.begin(), levels.end());
    if (levels[entry_point] != top) {
      return corrupt("entry point " + std::to_string(entry_point) + " has level " +
                     std::to_string(levels[entry_point]) + ", below the top level " + std::to_string(top));
    }
    g.entry_point_ = entry_point;
    g.max_level_ = top;
  }
  g.layer0_.assign(layer0.begin(), layer0.end());
  g.upper_.assign(upper.begin(), upper.end());
  for (size_t i = 0; i < n; ++i) {
    for (int layer = 0; layer <= levels[i]; ++layer) {
      const uint32_t* list = g.List(static_cast<uint32_t>(i), layer);
      if (list[0] > g.capacity(layer)) {
        return corrupt("node " + std::to_string(i) + " has " + std::to_string(list[0]) +
                       " neighbours on layer " + std::to_string(layer) + ", more than its " +
                       std::to_string(g.capacity(layer)));
      }
      for (uint32_t j = 1; j <= list[0]; ++j) {
        if (list[j] >= n || levels[list[j]] < layer) {
          return corrupt("node " + std::to_string(i) + " links to node " + std::to_string(list[j]) +
                         " on layer " + std::to_string(layer) + ", which " +
                         (list[j] >= n ? "does not exist" : "is not on that layer"));
        }
      }
    }
  }
  return g;
}

uint64_t HnswGraph::memory_bytes() const {
  return levels_.capacity() + layer0_.capacity() * sizeof(uint32_t) +
         upper_offset_.capacity() * sizeof(uint64_t) + upper_.capacity() * sizeof(uint32_t);
}

}  // namespace quiver::index

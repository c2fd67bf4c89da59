// TopK: the k smallest (distance, row id) pairs seen, with a bounded
// max-heap. Ties on distance are broken by the smaller row id, so results
// are deterministic whatever order candidates arrive in.
//
//   TopK top(10);
//   for (...) top.Push(distance, row_id);   // cheap reject once full
//   std::vector<Neighbor> nearest = top.Take();  // nearest first
//
// Thread-safety: none; use one per thread and Merge().
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace quiver::index {

struct Neighbor {
  float distance = 0;
  uint64_t row_id = 0;
  friend bool operator<(const Neighbor& a, const Neighbor& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.row_id < b.row_id);
  }
  friend bool operator==(const Neighbor& a, const Neighbor& b) = default;
};

class TopK {
 public:
  // Room for small k is reserved up front; a huge k (a limit of millions,
  // or "every match") grows as candidates come.
  explicit TopK(size_t k) : k_(k) { heap_.reserve(std::min<size_t>(k, 4096) + 1); }

  size_t k() const { return k_; }
  size_t size() const { return heap_.size(); }
  bool full() const { return heap_.size() >= k_; }
  // The distance a candidate must beat to enter (infinity until full).
  float threshold() const {
    return full() && k_ > 0 ? heap_.front().distance : std::numeric_limits<float>::infinity();
  }

  void Push(float distance, uint64_t row_id) {
    if (k_ == 0) return;
    const Neighbor n{distance, row_id};
    if (!full()) {
      heap_.push_back(n);
      std::push_heap(heap_.begin(), heap_.end());
    } else if (n < heap_.front()) {
      ReplaceTop(n);
    }
  }
  void Merge(const TopK& other) {
    for (const Neighbor& n : other.heap_) Push(n.distance, n.row_id);
  }
  // The kept pairs, nearest first; leaves this empty.
  std::vector<Neighbor> Take() {
    std::sort_heap(heap_.begin(), heap_.end());
    std::vector<Neighbor> out = std::move(heap_);
    heap_.clear();
    return out;
  }

 private:
  // Replaces the largest pair with `n` (smaller) and sifts it down: one
  // pass instead of pop_heap + push_heap.
  void ReplaceTop(const Neighbor& n) {
    const size_t size = heap_.size();
    size_t i = 0;
    for (;;) {
      const size_t left = 2 * i + 1;
      if (left >= size) break;
      size_t child = left;
      if (left + 1 < size && heap_[left] < heap_[left + 1]) child = left + 1;
      if (!(n < heap_[child])) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = n;
  }

  size_t k_;
  std::vector<Neighbor> heap_;  // max-heap on (distance, row_id)
};

}  // namespace quiver::index

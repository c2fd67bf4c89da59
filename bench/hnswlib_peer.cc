#include "hnswlib_peer.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <queue>
#include <thread>

namespace quiver::bench {
namespace {

class Peer final : public HnswlibPeer {
 public:
  Peer(int64_t rows, int dim, int m, int ef_construction)
      : space_(dim), index_(&space_, static_cast<size_t>(rows), m, ef_construction) {}

  void Add(const float* data, int64_t rows, int dim, int threads) {
    std::atomic<int64_t> next{0};
    auto work = [&] {
      for (int64_t i; (i = next.fetch_add(1)) < rows;)
        index_.addPoint(data + i * dim, static_cast<size_t>(i));
    };
    std::vector<std::thread> helpers;
    for (int t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
    for (std::thread& t : helpers) t.join();
  }

  void SetEf(int ef) override { index_.setEf(static_cast<size_t>(ef)); }

  std::vector<int64_t> Search(const float* query, int k) const override {
    auto heap = index_.searchKnn(query, static_cast<size_t>(k));
    std::vector<int64_t> ids(heap.size());
    for (size_t i = ids.size(); i-- > 0; heap.pop()) ids[i] = static_cast<int64_t>(heap.top().second);
    return ids;
  }

  uint64_t SavedBytes(const std::string& path) const override {
    // saveIndex is not const in hnswlib, though it does not change the graph.
    const_cast<hnswlib::HierarchicalNSW<float>&>(index_).saveIndex(path);
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
  }

 private:
  hnswlib::L2Space space_;
  hnswlib::HierarchicalNSW<float> index_;
};

}  // namespace

std::unique_ptr<HnswlibPeer> HnswlibPeer::Build(const float* data, int64_t rows, int dim, int m,
                                                int ef_construction, int threads) {
  auto peer = std::make_unique<Peer>(rows, dim, m, ef_construction);
  peer->Add(data, rows, dim, std::max(1, threads));
  return peer;
}

}  // namespace quiver::bench

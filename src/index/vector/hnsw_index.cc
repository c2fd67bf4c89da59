#include "index/vector/hnsw_index.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "common/coding.h"
#include "index/vector/hnsw.h"
#include "index/vector/hnsw_adapters.h"

namespace quiver::index {
namespace {

static_assert(std::endian::native == std::endian::little,
              "HNSW index files store their arrays little-endian, as they are in memory");

// The file: docs/format.md, "HNSW index files".
constexpr char kMagic[4] = {'Q', 'H', 'N', 'W'};
constexpr uint32_t kFormatVersion = 1;
constexpr char kFileName[] = "index.hnsw";
constexpr size_t kHeaderSize = 168;
constexpr size_t kSectionTableOffset = 40;
constexpr size_t kHeaderChecksumOffset = 160;
constexpr uint64_t kSectionAlign = 64;
// Larger dimensions are refused when opening, which also keeps the size
// arithmetic far from overflowing.
constexpr uint32_t kMaxDim = 1 << 16;

enum Section : int { kLevels = 0, kLayer0, kUpper, kRowIds, kVectors, kNumSections };
constexpr const char* kSectionNames[kNumSections] = {"levels", "layer 0", "upper layers", "row ids",
                                                     "vectors"};

struct SectionRef {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t checksum = 0;
};

// Scales `v` (dim floats) to unit length; leaves a zero vector alone (its
// cosine distance to anything is then 1 - 0 = 1, as distance.h defines).
void Normalize(float* v, size_t dim) {
  const float norm_sq = Kernels().norm_sq_f32(v, dim);
  if (norm_sq > 0) {
    const float inv = 1.0f / std::sqrt(norm_sq);
    for (size_t i = 0; i < dim; ++i) v[i] *= inv;
  }
}

Status CheckMetric(Metric metric) {
  if (metric == Metric::kHamming) {
    return Status::NotSupported("an HNSW index over float vectors does not support the hamming metric");
  }
  if (metric != Metric::kL2 && metric != Metric::kCosine && metric != Metric::kDot) {
    return Status::InvalidArgument("unknown metric " + std::to_string(static_cast<int>(metric)));
  }
  return Status::OK();
}

// InvalidArgument unless `data` is n x dim finite floats with row ids.
Status CheckData(const VectorData& data, const char* what) {
  if (data.num_rows < 0) {
    return Status::InvalidArgument(std::string(what) + ": negative row count " +
                                   std::to_string(data.num_rows));
  }
  if (data.num_rows == 0) return Status::OK();
  if (data.dim <= 0 || static_cast<uint32_t>(data.dim) > kMaxDim) {
    return Status::InvalidArgument(std::string(what) + ": dimension " + std::to_string(data.dim) +
                                   " is outside 1.." + std::to_string(kMaxDim));
  }
  if (data.vectors == nullptr || data.row_ids == nullptr) {
    return Status::InvalidArgument(std::string(what) + ": " + std::to_string(data.num_rows) +
                                   " rows without vectors or row ids");
  }
  if (data.num_rows > HnswGraph::kMaxNodes) {
    return Status::InvalidArgument(std::string(what) + ": " + std::to_string(data.num_rows) +
                                   " rows; an HNSW index holds at most " +
                                   std::to_string(HnswGraph::kMaxNodes));
  }
  const size_t dim = static_cast<size_t>(data.dim);
  for (int64_t i = 0; i < data.num_rows; ++i) {
    const float* v = data.vectors + static_cast<size_t>(i) * dim;
    for (size_t j = 0; j < dim; ++j) {
      if (!std::isfinite(v[j])) {
        return Status::InvalidArgument(std::string(what) + ": the vector of row id " +
                                       std::to_string(data.row_ids[i]) + " holds a non-finite value at " +
                                       std::to_string(j));
      }
    }
  }
  return Status::OK();
}

// Appends `n` vectors to `*out`, normalised when the metric is cosine.
void AppendVectors(const float* vectors, size_t n, size_t dim, Metric metric, std::vector<float>* out) {
  const size_t start = out->size();
  out->insert(out->end(), vectors, vectors + n * dim);
  if (metric != Metric::kCosine) return;
  for (size_t i = 0; i < n; ++i) Normalize(out->data() + start + i * dim, dim);
}

HnswBuildParams BuildParams(const VectorIndexBuildOptions& options) {
  HnswBuildParams params;
  params.ef_construction = options.ef_construction;
  params.seed = options.seed;
  params.pool = options.pool;
  if (options.progress) {
    params.progress = [&progress = options.progress](uint64_t done, uint64_t total) {
      return progress(VectorIndexProgress{"graph", done, total});
    };
  }
  return params;
}

uint64_t AlignUp(uint64_t v) { return (v + kSectionAlign - 1) / kSectionAlign * kSectionAlign; }

// Writes `graph` over `vectors` (size() x dim, already normalised for
// cosine) and `row_ids` as one file under `prefix`; returns its meta.
Result<VectorIndexMeta> WriteIndex(const HnswGraph& graph, const float* vectors, const uint64_t* row_ids,
                                   int dim, Metric metric, int ef_construction, ObjectStore& store,
                                   const std::string& prefix, const VectorIndexProgressFn& progress) {
  const size_t n = static_cast<size_t>(graph.size());
  const std::string_view sections[kNumSections] = {
      {reinterpret_cast<const char*>(graph.levels().data()), graph.levels().size()},
      {reinterpret_cast<const char*>(graph.layer0().data()), graph.layer0().size_bytes()},
      {reinterpret_cast<const char*>(graph.upper().data()), graph.upper().size_bytes()},
      {reinterpret_cast<const char*>(row_ids), n * sizeof(uint64_t)},
      {reinterpret_cast<const char*>(vectors), n * static_cast<size_t>(dim) * sizeof(float)},
  };
  std::string header(kMagic, 4);
  PutFixed32(&header, kFormatVersion);
  PutFixed32(&header, static_cast<uint32_t>(dim));
  header.push_back(static_cast<char>(metric));
  header.append(3, '\0');
  PutFixed64(&header, n);
  PutFixed32(&header, static_cast<uint32_t>(graph.m()));
  PutFixed32(&header, static_cast<uint32_t>(ef_construction));
  PutFixed32(&header, graph.entry_point());
  PutFixed32(&header, 0);  // reserved
  uint64_t offset = AlignUp(kHeaderSize);
  for (const std::string_view& section : sections) {
    PutFixed64(&header, offset);
    PutFixed64(&header, section.size());
    PutFixed64(&header, XXH3_64bits(section.data(), section.size()));
    offset = AlignUp(offset + section.size());
  }
  PutFixed64(&header, XXH3_64bits(header.data(), header.size()));

  const std::string key = JoinKey(prefix, kFileName);
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> writer, store.OpenWriter(key));
  auto write = [&]() -> Status {
    const std::string padding(kSectionAlign, '\0');
    QUIVER_RETURN_NOT_OK(writer->Append(header));
    for (const std::string_view& section : sections) {
      const uint64_t at = writer->bytes_written();
      QUIVER_RETURN_NOT_OK(writer->Append(std::string_view(padding).substr(0, AlignUp(at) - at)));
      QUIVER_RETURN_NOT_OK(writer->Append(section));
    }
    return writer->Close();
  };
  if (Status st = write(); !st.ok()) {
    writer->Abort();
    return st;
  }
  const uint64_t size = writer->bytes_written();
  if (progress) QUIVER_RETURN_NOT_OK(progress(VectorIndexProgress{"writing", size, size}));

  VectorIndexMeta meta;
  meta.type = VectorIndexType::kHnsw;
  meta.metric = metric;
  meta.dim = dim;
  meta.num_rows = static_cast<int64_t>(n);
  meta.size_bytes = size;
  meta.params = {{"m", graph.m()},
                 {"ef_construction", ef_construction},
                 {"max_level", graph.max_level()},
                 {"file", kFileName},
                 {"file_size", size},
                 {"format_version", kFormatVersion}};
  return meta;
}

// A view of `count` values of T at `p`, copied into `*copy` when `p` is
// not aligned for T.
template <typename T>
std::span<const T> ViewAs(const uint8_t* p, size_t count, std::vector<T>* copy) {
  if (reinterpret_cast<uintptr_t>(p) % alignof(T) == 0) return {reinterpret_cast<const T*>(p), count};
  copy->resize(count);
  std::memcpy(copy->data(), p, count * sizeof(T));
  return *copy;
}

class HnswIndex final : public VectorIndex {
 public:
  HnswIndex(VectorIndexMeta meta, HnswGraph graph, std::vector<uint64_t> row_ids, std::vector<float> vectors)
      : meta_(std::move(meta)),
        graph_(std::move(graph)),
        row_ids_(std::move(row_ids)),
        vectors_(std::move(vectors)),
        distance_(vectors_.data(), meta_.dim, meta_.metric) {}

  const VectorIndexMeta& meta() const override { return meta_; }

  VectorIndexStats Stats() const override {
    VectorIndexStats stats;
    stats.type = meta_.type;
    stats.metric = meta_.metric;
    stats.dim = meta_.dim;
    stats.num_rows = meta_.num_rows;
    stats.size_bytes = meta_.size_bytes;
    stats.memory_bytes =
        graph_.memory_bytes() + row_ids_.capacity() * sizeof(uint64_t) + vectors_.capacity() * sizeof(float);
    return stats;
  }

  Result<std::vector<Neighbor>> Search(std::span<const float> query, const VectorQueryParams& params,
                                       const RowIdFilter* allowed) const override {
    if (query.size() != static_cast<size_t>(meta_.dim)) {
      return Status::InvalidArgument("query has dimension " + std::to_string(query.size()) +
                                     ", the HNSW index expects " + std::to_string(meta_.dim));
    }
    if (params.k < 0 || params.ef < 0) {
      return Status::InvalidArgument("k = " + std::to_string(params.k) +
                                     " and ef = " + std::to_string(params.ef) + " must not be negative");
    }
    for (size_t i = 0; i < query.size(); ++i) {
      if (!std::isfinite(query[i])) {
        return Status::InvalidArgument("query holds a non-finite value at " + std::to_string(i));
      }
    }
    std::vector<float> normalized;
    const float* q = query.data();
    if (meta_.metric == Metric::kCosine) {
      normalized.assign(query.begin(), query.end());
      Normalize(normalized.data(), normalized.size());
      q = normalized.data();
    }
    const size_t k = static_cast<size_t>(params.k);
    const size_t ef = params.ef > 0 ? static_cast<size_t>(params.ef) : std::max<size_t>(k, 40);
    const size_t n = row_ids_.size();
    if (std::max(k, ef) >= n) {
      // The beam would cover every node anyway: compare them all, which is
      // exact (a parallel build can leave a node no path reaches).
      TopK top(std::min(k, n));
      std::vector<float> dist(n);
      std::vector<uint32_t> ids(n);
      for (size_t i = 0; i < n; ++i) ids[i] = static_cast<uint32_t>(i);
      distance_.Many(q, ids.data(), n, dist.data());
      for (size_t i = 0; i < n; ++i) {
        if (allowed == nullptr || allowed->Contains(row_ids_[i])) top.Push(dist[i], row_ids_[i]);
      }
      return top.Take();
    }
    FloatQuery distances(distance_, q);
    std::optional<HnswRowFilter> filter;
    if (allowed != nullptr) filter.emplace(*allowed, row_ids_.data());
    std::vector<HnswHit> hits = graph_.Search(distances, k, ef, filter ? &*filter : nullptr);
    std::vector<Neighbor> out;
    out.reserve(hits.size());
    for (const HnswHit& hit : hits) out.push_back({hit.distance, row_ids_[hit.node]});
    std::sort(out.begin(), out.end());
    return out;
  }

  const HnswGraph& graph() const { return graph_; }
  const FloatVectors& distance() const { return distance_; }
  const std::vector<uint64_t>& row_ids() const { return row_ids_; }
  const std::vector<float>& vectors() const { return vectors_; }
  int ef_construction() const {
    auto it = meta_.params.find("ef_construction");
    return it != meta_.params.end() && it->is_number_integer() ? it->get<int>() : 0;
  }

 private:
  VectorIndexMeta meta_;
  HnswGraph graph_;
  std::vector<uint64_t> row_ids_;
  std::vector<float> vectors_;  // normalised for cosine
  FloatVectors distance_;
};

}  // namespace

Result<VectorIndexMeta> BuildHnswIndex(const VectorIndexBuildOptions& options, const VectorData& data,
                                       ObjectStore& store, const std::string& prefix) {
  QUIVER_RETURN_NOT_OK(CheckMetric(options.metric));
  if (options.m < 2 || options.m > HnswGraph::kMaxM) {
    return Status::InvalidArgument("HNSW m = " + std::to_string(options.m) + " is outside 2.." +
                                   std::to_string(HnswGraph::kMaxM));
  }
  if (options.ef_construction < 1) {
    return Status::InvalidArgument("HNSW ef_construction = " + std::to_string(options.ef_construction) +
                                   " must be at least 1");
  }
  if (data.dim <= 0 || static_cast<uint32_t>(data.dim) > kMaxDim) {
    return Status::InvalidArgument("HNSW index: dimension " + std::to_string(data.dim) + " is outside 1.." +
                                   std::to_string(kMaxDim));
  }
  QUIVER_RETURN_NOT_OK(CheckData(data, "HNSW index"));
  const size_t n = static_cast<size_t>(data.num_rows);
  const size_t dim = static_cast<size_t>(data.dim);
  std::vector<float> normalized;
  const float* vectors = data.vectors;
  if (options.metric == Metric::kCosine) {
    AppendVectors(data.vectors, n, dim, options.metric, &normalized);
    vectors = normalized.data();
  }
  FloatVectors distance(vectors, data.dim, options.metric);
  HnswGraph graph(options.m);
  QUIVER_RETURN_NOT_OK(graph.Add(data.num_rows, distance, BuildParams(options)));
  return WriteIndex(graph, vectors, data.row_ids, data.dim, options.metric, options.ef_construction, store,
                    prefix, options.progress);
}

Result<std::unique_ptr<VectorIndex>> OpenHnswIndex(std::shared_ptr<ObjectStore> store, std::string prefix,
                                                   const VectorIndexMeta& meta) {
  if (meta.type != VectorIndexType::kHnsw) {
    return Status::InvalidArgument("OpenHnswIndex: the metadata describes a " +
                                   std::string(VectorIndexTypeName(meta.type)) + " index");
  }
  std::string file = kFileName;
  if (auto it = meta.params.find("file"); it != meta.params.end()) {
    if (!it->is_string()) return Status::Corruption("HNSW index metadata: \"file\" is not a string");
    file = it->get<std::string>();
  }
  const std::string key = JoinKey(prefix, file);
  QUIVER_ASSIGN_OR_RETURN(BufferPtr buffer, store->Read(key));
  auto corrupt = [&](const std::string& what) { return Status::Corruption(key + ": " + what); };
  const uint8_t* bytes = buffer->data();
  const uint64_t size = buffer->size();
  if (auto it = meta.params.find("file_size");
      it != meta.params.end() && it->is_number_unsigned() && it->get<uint64_t>() != size) {
    return corrupt("file of " + std::to_string(size) + " bytes, the index metadata says " +
                   std::to_string(it->get<uint64_t>()));
  }

  if (size < kHeaderSize)
    return corrupt("file of " + std::to_string(size) + " bytes is too short for a header");
  if (std::memcmp(bytes, kMagic, 4) != 0) return corrupt("bad magic; not an HNSW index file");
  const uint32_t version = DecodeFixed32(bytes + 4);
  if (version == 0) return corrupt("format version 0");
  if (version > kFormatVersion) {
    return Status::NotSupported(key + ": HNSW index format version " + std::to_string(version) +
                                " is newer than this build supports (" + std::to_string(kFormatVersion) +
                                ")");
  }
  if (XXH3_64bits(bytes, kHeaderChecksumOffset) != DecodeFixed64(bytes + kHeaderChecksumOffset)) {
    return corrupt("header checksum mismatch");
  }
  const uint32_t dim = DecodeFixed32(bytes + 8);
  const Metric metric = static_cast<Metric>(bytes[12]);
  const uint64_t n = DecodeFixed64(bytes + 16);
  const uint32_t m = DecodeFixed32(bytes + 24);
  const uint32_t entry_point = DecodeFixed32(bytes + 32);
  if (dim == 0 || dim > kMaxDim) return corrupt("dimension " + std::to_string(dim) + " is out of range");
  if (bytes[12] > static_cast<uint8_t>(Metric::kDot)) {
    return corrupt("metric code " + std::to_string(bytes[12]) + " is not l2, cosine or dot");
  }
  if (m < 2 || m > static_cast<uint32_t>(HnswGraph::kMaxM)) return corrupt("m = " + std::to_string(m));
  if (n > static_cast<uint64_t>(HnswGraph::kMaxNodes)) return corrupt(std::to_string(n) + " nodes");
  if (dim != static_cast<uint32_t>(meta.dim) || metric != meta.metric ||
      n != static_cast<uint64_t>(meta.num_rows)) {
    return corrupt("the file holds " + std::to_string(n) + " vectors of dimension " + std::to_string(dim) +
                   " (" + std::string(MetricName(metric)) + "), the index metadata says " +
                   std::to_string(meta.num_rows) + " of dimension " + std::to_string(meta.dim) + " (" +
                   std::string(MetricName(meta.metric)) + ")");
  }

  SectionRef refs[kNumSections];
  uint64_t end = kHeaderSize;
  for (int i = 0; i < kNumSections; ++i) {
    const uint8_t* p = bytes + kSectionTableOffset + 24 * i;
    refs[i] = {DecodeFixed64(p), DecodeFixed64(p + 8), DecodeFixed64(p + 16)};
    const SectionRef& r = refs[i];
    if (r.offset < end || r.offset % kSectionAlign != 0 || r.offset > size || r.size > size - r.offset) {
      return corrupt(std::string(kSectionNames[i]) + " at offset " + std::to_string(r.offset) + ", " +
                     std::to_string(r.size) + " bytes, do not fit a file of " + std::to_string(size) +
                     " bytes after the previous section");
    }
    end = r.offset + r.size;
    if (XXH3_64bits(bytes + r.offset, r.size) != r.checksum) {
      return corrupt(std::string(kSectionNames[i]) + " checksum mismatch");
    }
  }
  const uint64_t expected[kNumSections] = {n, n * (1 + 2 * uint64_t{m}) * 4, refs[kUpper].size, n * 8,
                                           n * dim * 4};
  for (int i = 0; i < kNumSections; ++i) {
    if (refs[i].size != expected[i] || (i == kUpper && refs[i].size % 4 != 0)) {
      return corrupt(std::string(kSectionNames[i]) + " holds " + std::to_string(refs[i].size) + " bytes" +
                     (i == kUpper ? ", not whole words" : ", expected " + std::to_string(expected[i])));
    }
  }

  std::vector<uint32_t> layer0_copy;
  std::vector<uint32_t> upper_copy;
  Result<HnswGraph> graph = HnswGraph::FromParts(
      static_cast<int>(m), entry_point, {bytes + refs[kLevels].offset, n},
      ViewAs<uint32_t>(bytes + refs[kLayer0].offset, refs[kLayer0].size / 4, &layer0_copy),
      ViewAs<uint32_t>(bytes + refs[kUpper].offset, refs[kUpper].size / 4, &upper_copy));
  if (!graph.ok()) return graph.status().WithContext(key);
  std::vector<uint64_t> row_ids(n);
  std::vector<float> vectors(n * dim);
  if (n > 0) {  // (memcpy from or to null is undefined, even of 0 bytes)
    std::memcpy(row_ids.data(), bytes + refs[kRowIds].offset, refs[kRowIds].size);
    std::memcpy(vectors.data(), bytes + refs[kVectors].offset, refs[kVectors].size);
  }
  return std::unique_ptr<VectorIndex>(
      new HnswIndex(meta, std::move(graph).value(), std::move(row_ids), std::move(vectors)));
}

Result<VectorIndexMeta> UpdateHnswIndex(const VectorIndex& existing, const VectorData& added,
                                        const Roaring64Map& removed, ObjectStore& store,
                                        const std::string& new_prefix,
                                        const VectorIndexBuildOptions& options) {
  const auto* old = dynamic_cast<const HnswIndex*>(&existing);
  if (old == nullptr) {
    return Status::InvalidArgument("UpdateHnswIndex: the existing index is " +
                                   std::string(VectorIndexTypeName(existing.meta().type)) + ", not HNSW");
  }
  const VectorIndexMeta& meta = old->meta();
  if (added.num_rows > 0 && added.dim != meta.dim) {
    return Status::InvalidArgument("added vectors have dimension " + std::to_string(added.dim) +
                                   ", the HNSW index has " + std::to_string(meta.dim));
  }
  QUIVER_RETURN_NOT_OK(CheckData(added, "HNSW index update"));
  if (options.ef_construction < 1) {
    return Status::InvalidArgument("HNSW ef_construction = " + std::to_string(options.ef_construction) +
                                   " must be at least 1");
  }

  const HnswGraph& graph = old->graph();
  const size_t old_n = static_cast<size_t>(graph.size());
  const size_t dim = static_cast<size_t>(meta.dim);
  std::vector<bool> gone(old_n, false);
  size_t num_gone = 0;
  if (!removed.isEmpty()) {
    for (size_t i = 0; i < old_n; ++i) {
      if (removed.contains(old->row_ids()[i])) {
        gone[i] = true;
        ++num_gone;
      }
    }
  }
  if (old_n - num_gone + static_cast<size_t>(added.num_rows) > static_cast<size_t>(HnswGraph::kMaxNodes)) {
    return Status::InvalidArgument("HNSW index update: more than " + std::to_string(HnswGraph::kMaxNodes) +
                                   " rows");
  }

  // The kept rows, then the added ones.
  std::vector<uint64_t> row_ids;
  std::vector<float> vectors;
  row_ids.reserve(old_n - num_gone + added.num_rows);
  vectors.reserve((old_n - num_gone + added.num_rows) * dim);
  for (size_t i = 0; i < old_n; ++i) {
    if (gone[i]) continue;
    row_ids.push_back(old->row_ids()[i]);
    vectors.insert(vectors.end(), old->vectors().begin() + i * dim, old->vectors().begin() + (i + 1) * dim);
  }
  row_ids.insert(row_ids.end(), added.row_ids, added.row_ids + added.num_rows);
  AppendVectors(added.vectors, static_cast<size_t>(added.num_rows), dim, meta.metric, &vectors);

  // Repairing links around removed nodes keeps the graph good while they
  // are few; past half of the graph, a fresh build is both better and not
  // much slower.
  FloatVectors distance(vectors.data(), meta.dim, meta.metric);
  HnswBuildParams params = BuildParams(options);
  HnswGraph updated(graph.m());
  if (num_gone == 0) {
    updated = graph;
  } else if (num_gone * 2 <= old_n) {
    updated = graph.Without(gone, old->distance(), options.pool);
  }
  QUIVER_RETURN_NOT_OK(updated.Add(static_cast<int64_t>(row_ids.size()) - updated.size(), distance, params));
  const int ef_construction = old->ef_construction() > 0 ? old->ef_construction() : options.ef_construction;
  return WriteIndex(updated, vectors.data(), row_ids.data(), meta.dim, meta.metric, ef_construction, store,
                    new_prefix, options.progress);
}

}  // namespace quiver::index

#include "index/vector/ivf.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <list>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <unordered_map>

#include "common/coding.h"
#include "index/vector/hnsw.h"
#include "index/vector/hnsw_adapters.h"
#include "index/vector/kmeans.h"
#include "index/vector/pq.h"
#include "index/vector/rabitq.h"
#include "index/vector/sq.h"

namespace quiver::index {
namespace {

constexpr char kMagic[4] = {'Q', 'V', 'I', 'F'};
constexpr uint32_t kIvfFormatVersion = 1;
// magic, version, head_size, codec, metric, reserved, dim, partitions,
// reserved, num_rows, codec state size.
constexpr size_t kFixedHeadBytes = 48;
constexpr size_t kPartitionEntryBytes = 32;
constexpr uint64_t kPartitionAlign = 64;
// Partitions whose byte ranges are this close are read in one request...
constexpr uint64_t kMaxReadGap = 64 * 1024;
// ...up to this many bytes per request.
constexpr uint64_t kMaxReadSpan = 8 << 20;
// Rows per encoding task.
constexpr int64_t kEncodeChunk = 1024;

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

IvfCodecKind CodecKindFor(VectorIndexType type) {
  switch (type) {
    case VectorIndexType::kIvfPq:
      return IvfCodecKind::kPq;
    case VectorIndexType::kIvfSq:
    case VectorIndexType::kIvfHnswSq:
      return IvfCodecKind::kSq;
    case VectorIndexType::kIvfHnswPq:
      return IvfCodecKind::kPq;
    case VectorIndexType::kIvfRq:
      return IvfCodecKind::kRaBitQ;
    default:
      return IvfCodecKind::kFlat;
  }
}

// IVF_HNSW_SQ and IVF_HNSW_PQ: an HNSW graph over each partition's codes.
bool HasGraph(VectorIndexType type) {
  return type == VectorIndexType::kIvfHnswSq || type == VectorIndexType::kIvfHnswPq;
}

bool IsIvfType(VectorIndexType type) {
  return type == VectorIndexType::kIvfFlat || type == VectorIndexType::kIvfPq ||
         type == VectorIndexType::kIvfSq || type == VectorIndexType::kIvfRq || HasGraph(type);
}

// Rows grouped by partition, stable: partition p's rows are
// order[starts[p]] .. order[starts[p + 1] - 1], in row order.
void GroupByPartition(const int32_t* assign, int64_t n, int num_partitions, std::vector<int64_t>* starts,
                      std::vector<int64_t>* order) {
  starts->assign(num_partitions + 1, 0);
  for (int64_t i = 0; i < n; ++i) ++(*starts)[assign[i] + 1];
  for (int p = 0; p < num_partitions; ++p) (*starts)[p + 1] += (*starts)[p];
  order->resize(n);
  std::vector<int64_t> fill(starts->begin(), starts->end() - 1);
  for (int64_t i = 0; i < n; ++i) (*order)[fill[assign[i]]++] = i;
}

Status Report(const VectorIndexBuildOptions& options, std::string_view stage, uint64_t done, uint64_t total) {
  if (!options.progress) return Status::OK();
  return options.progress(VectorIndexProgress{stage, done, total});
}

// Bytes a partition of `count` rows takes: packed codes, zero padding to a
// multiple of 8, then the row ids.
uint64_t PartitionBytes(const IvfCodec& codec, int64_t count) {
  return AlignUp(codec.PackedSize(count), 8) + 8 * static_cast<uint64_t>(count);
}

// Checks vectors for NaN and infinities, which no distance can order.
Status CheckFinite(const float* vectors, int64_t n, int dim, std::string_view what) {
  for (int64_t i = 0; i < n; ++i) {
    const float* v = vectors + static_cast<size_t>(i) * dim;
    for (int d = 0; d < dim; ++d) {
      if (!std::isfinite(v[d])) {
        return Status::InvalidArgument(std::string(what) + " " + std::to_string(i) +
                                       " holds a NaN or infinite value");
      }
    }
  }
  return Status::OK();
}

// Scales v (dim floats) to unit length; a zero vector stays zero.
void Normalize(float* v, int dim) {
  double sum = 0;
  for (int d = 0; d < dim; ++d) sum += static_cast<double>(v[d]) * v[d];
  if (sum <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(sum));
  for (int d = 0; d < dim; ++d) v[d] *= inv;
}

// The vectors as the codecs see them: unit vectors for cosine (a copy in
// `*storage`), the caller's memory otherwise.
const float* PrepareVectors(const float* vectors, int64_t n, int dim, Metric metric, ThreadPool* pool,
                            std::vector<float>* storage) {
  if (metric != Metric::kCosine) return vectors;
  storage->assign(vectors, vectors + static_cast<size_t>(n) * dim);
  pool->ParallelFor(
      n,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) Normalize(storage->data() + static_cast<size_t>(i) * dim, dim);
      },
      1024);
  return storage->data();
}

// Encodes n vectors in parallel chunks, reporting progress between rounds.
Status EncodeAll(const IvfCodec& codec, const float* vectors, int64_t n, const float* centroids,
                 const int32_t* assign, ThreadPool* pool, const VectorIndexBuildOptions& options,
                 std::vector<uint8_t>* codes) {
  const int dim = codec.dim();
  const size_t code_size = codec.code_size();
  codes->resize(static_cast<size_t>(n) * code_size);
  const int64_t rounds = std::clamp<int64_t>(n / (kEncodeChunk * 8), 1, 16);
  const int64_t per_round = (n + rounds - 1) / rounds;
  for (int64_t first = 0; first < n; first += per_round) {
    const int64_t rows = std::min(per_round, n - first);
    const int64_t chunks = (rows + kEncodeChunk - 1) / kEncodeChunk;
    pool->ParallelFor(chunks, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        const int64_t i = first + c * kEncodeChunk;
        const int64_t m = std::min(kEncodeChunk, first + rows - i);
        codec.Encode(vectors + static_cast<size_t>(i) * dim, m, centroids, assign + i,
                     codes->data() + static_cast<size_t>(i) * code_size);
      }
    });
    QUIVER_RETURN_NOT_OK(Report(options, "encoding", first + rows, n));
  }
  return Status::OK();
}

// What an IVF file holds, in memory, ready to be written.
struct IvfContents {
  VectorIndexType type = VectorIndexType::kIvfFlat;
  Metric metric = Metric::kL2;
  int dim = 0;
  int num_partitions = 0;
  const float* centroids = nullptr;  // num_partitions x dim
  const IvfCodec* codec = nullptr;
  // IVF_HNSW_*: the graphs' m (stored in the header), else 0.
  int graph_m = 0;
  // Per partition: its bytes (see PartitionBytes, then the graph for
  // IVF_HNSW_*) and row count.
  std::vector<std::string> partitions;
  std::vector<int64_t> counts;
};

// The bytes of one partition from its rows' unpacked codes and row ids.
std::string PartitionImage(const IvfCodec& codec, const uint8_t* codes, const uint64_t* row_ids,
                           int64_t count) {
  std::string out(PartitionBytes(codec, count), '\0');
  uint8_t* p = reinterpret_cast<uint8_t*>(out.data());
  codec.Pack(codes, count, p);
  if (count > 0) {
    std::memcpy(p + AlignUp(codec.PackedSize(count), 8), row_ids, 8 * static_cast<size_t>(count));
  }
  return out;
}

// Appends a partition's graph section: u32 entry point, u32 count of the
// upper-layer words, the levels (one byte per node, zero padded to 4),
// layer 0, then the upper layers (hnsw.h's parts).
void AppendGraph(const HnswGraph& graph, std::string* out) {
  PutFixed32(out, graph.entry_point());
  PutFixed32(out, static_cast<uint32_t>(graph.upper().size()));
  out->append(reinterpret_cast<const char*>(graph.levels().data()), graph.levels().size());
  out->append(AlignUp(graph.levels().size(), 4) - graph.levels().size(), '\0');
  out->append(reinterpret_cast<const char*>(graph.layer0().data()), 4 * graph.layer0().size());
  out->append(reinterpret_cast<const char*>(graph.upper().data()), 4 * graph.upper().size());
}

// The graph over one partition's `count` vectors (prepared for the metric),
// reporting the "graph" stage as rows `first_row` + inserted of `total_rows`.
Result<HnswGraph> BuildPartitionGraph(const float* vectors, int64_t count, int dim, Metric metric,
                                      const VectorIndexBuildOptions& options, ThreadPool* pool,
                                      int64_t first_row, int64_t total_rows) {
  HnswGraph graph(options.m);
  FloatVectors distance(vectors, dim, metric);
  HnswBuildParams params;
  params.ef_construction = options.ef_construction;
  params.seed = options.seed;
  params.pool = pool;
  if (options.progress) {
    params.progress = [&](uint64_t done, uint64_t) {
      return Report(options, "graph", static_cast<uint64_t>(first_row) + done,
                    static_cast<uint64_t>(total_rows));
    };
  }
  QUIVER_RETURN_NOT_OK(graph.Add(count, distance, params));
  return graph;
}

// Groups rows by partition (stable: row order within a partition) and
// builds each partition's bytes, in parallel.
void BuildPartitions(const IvfCodec& codec, int num_partitions, const uint8_t* codes, const uint64_t* row_ids,
                     const int32_t* assign, int64_t n, ThreadPool* pool, IvfContents* out) {
  std::vector<int64_t> starts, order;
  GroupByPartition(assign, n, num_partitions, &starts, &order);
  out->partitions.assign(num_partitions, std::string());
  out->counts.assign(num_partitions, 0);
  const size_t code_size = codec.code_size();
  pool->ParallelFor(num_partitions, [&](int64_t begin, int64_t end) {
    std::vector<uint8_t> part_codes;
    std::vector<uint64_t> part_ids;
    for (int64_t p = begin; p < end; ++p) {
      const int64_t count = starts[p + 1] - starts[p];
      part_codes.resize(static_cast<size_t>(count) * code_size);
      part_ids.resize(count);
      for (int64_t j = 0; j < count; ++j) {
        const int64_t row = order[starts[p] + j];
        std::memcpy(part_codes.data() + j * code_size, codes + static_cast<size_t>(row) * code_size,
                    code_size);
        part_ids[j] = row_ids[row];
      }
      out->partitions[p] = PartitionImage(codec, part_codes.data(), part_ids.data(), count);
      out->counts[p] = count;
    }
  });
}

// Writes `contents` as `prefix`/ivf.qvi and describes it.
Result<VectorIndexMeta> WriteIvfFile(const IvfContents& contents, ObjectStore& store,
                                     const std::string& prefix, ThreadPool* pool,
                                     const VectorIndexBuildOptions& options) {
  const IvfCodec& codec = *contents.codec;
  const int num_partitions = contents.num_partitions;
  std::string state;
  codec.Serialize(&state);
  const uint64_t centroid_bytes = sizeof(float) * static_cast<uint64_t>(num_partitions) * contents.dim;
  const uint64_t head_size = kFixedHeadBytes + AlignUp(state.size(), 4) + centroid_bytes +
                             kPartitionEntryBytes * static_cast<uint64_t>(num_partitions) + 8;
  std::vector<uint64_t> checksums(num_partitions);
  pool->ParallelFor(num_partitions, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      checksums[p] = XXH3_64bits(contents.partitions[p].data(), contents.partitions[p].size());
    }
  });

  int64_t num_rows = 0;
  std::string head;
  head.reserve(head_size);
  head.append(kMagic, 4);
  PutFixed32(&head, kIvfFormatVersion);
  PutFixed64(&head, head_size);
  head.push_back(static_cast<char>(codec.kind()));
  head.push_back(static_cast<char>(contents.metric));
  head.append(2, '\0');
  PutFixed32(&head, static_cast<uint32_t>(contents.dim));
  PutFixed32(&head, static_cast<uint32_t>(num_partitions));
  PutFixed32(&head, static_cast<uint32_t>(contents.graph_m));
  for (int64_t c : contents.counts) num_rows += c;
  PutFixed64(&head, static_cast<uint64_t>(num_rows));
  PutFixed64(&head, state.size());
  head += state;
  head.append(AlignUp(state.size(), 4) - state.size(), '\0');
  head.append(reinterpret_cast<const char*>(contents.centroids), centroid_bytes);
  uint64_t offset = AlignUp(head_size, kPartitionAlign);
  std::vector<uint64_t> offsets(num_partitions);
  for (int p = 0; p < num_partitions; ++p) {
    const uint64_t size = contents.partitions[p].size();
    offsets[p] = offset;
    PutFixed64(&head, offset);
    PutFixed64(&head, size);
    PutFixed64(&head, static_cast<uint64_t>(contents.counts[p]));
    PutFixed64(&head, checksums[p]);
    offset = AlignUp(offset + size, kPartitionAlign);
  }
  PutFixed64(&head, XXH3_64bits(head.data(), head.size()));

  QUIVER_RETURN_NOT_OK(Report(options, "writing", 0, num_partitions));
  const std::string key = JoinKey(prefix, kIvfFileName);
  QUIVER_ASSIGN_OR_RETURN(auto writer, store.OpenWriter(key));
  QUIVER_RETURN_NOT_OK(writer->Append(head));
  uint64_t written = head.size();
  static const std::string kZeros(kPartitionAlign, '\0');
  for (int p = 0; p < num_partitions; ++p) {
    if (contents.partitions[p].empty()) continue;
    QUIVER_RETURN_NOT_OK(writer->Append(std::string_view(kZeros).substr(0, offsets[p] - written)));
    QUIVER_RETURN_NOT_OK(writer->Append(contents.partitions[p]));
    written = offsets[p] + contents.partitions[p].size();
  }
  QUIVER_RETURN_NOT_OK(writer->Close());
  QUIVER_RETURN_NOT_OK(Report(options, "writing", num_partitions, num_partitions));

  VectorIndexMeta meta;
  meta.type = contents.type;
  meta.metric = contents.metric;
  meta.dim = contents.dim;
  meta.num_rows = num_rows;
  meta.size_bytes = written;
  nlohmann::json params = codec.Params();
  params["codec"] = std::string(IvfCodecName(codec.kind()));
  params["num_partitions"] = num_partitions;
  params["file"] = kIvfFileName;
  params["file_size"] = written;
  params["head_size"] = head_size;
  params["format_version"] = kIvfFormatVersion;
  meta.params = std::move(params);
  return meta;
}

Status CheckVectorData(const VectorData& data, int expected_dim, std::string_view what) {
  if (data.num_rows < 0) return Status::InvalidArgument(std::string(what) + " has a negative row count");
  if (data.num_rows > 0 && (data.vectors == nullptr || data.row_ids == nullptr)) {
    return Status::InvalidArgument(std::string(what) + " has rows but no vectors or row ids");
  }
  if (expected_dim > 0 && data.num_rows > 0 && data.dim != expected_dim) {
    return Status::InvalidArgument(std::string(what) + " have dimension " + std::to_string(data.dim) +
                                   ", the index expects " + std::to_string(expected_dim));
  }
  return CheckFinite(data.vectors, data.num_rows, data.dim, "vector");
}

// Trains the codec of `kind` on `sample` (n x dim, prepared for the metric)
// whose rows belong to the partitions `assign` names.
Result<std::unique_ptr<IvfCodec>> TrainCodec(IvfCodecKind kind, const VectorIndexBuildOptions& options,
                                             Metric metric, int dim, const float* sample, int64_t n,
                                             const float* centroids, const int32_t* assign,
                                             ThreadPool* pool) {
  if (kind == IvfCodecKind::kFlat) return MakeFlatCodec(metric, dim);
  QUIVER_RETURN_NOT_OK(Report(options, "training codebooks", 0, 1));
  std::unique_ptr<IvfCodec> codec;
  switch (kind) {
    case IvfCodecKind::kPq: {
      QUIVER_ASSIGN_OR_RETURN(PqParams params,
                              ResolvePqParams(dim, options.num_sub_vectors, options.num_bits));
      QUIVER_ASSIGN_OR_RETURN(
          codec, TrainPqCodec(metric, dim, params, sample, n, centroids, assign, options.seed, pool));
      break;
    }
    case IvfCodecKind::kSq: {
      QUIVER_ASSIGN_OR_RETURN(codec, TrainSqCodec(metric, dim, sample, n, centroids, assign, pool));
      break;
    }
    case IvfCodecKind::kRaBitQ: {
      QUIVER_ASSIGN_OR_RETURN(codec, MakeRaBitQCodec(metric, dim, options.seed));
      break;
    }
    case IvfCodecKind::kFlat:
      break;
  }
  QUIVER_RETURN_NOT_OK(Report(options, "training codebooks", 1, 1));
  return codec;
}

}  // namespace

int DefaultNumPartitions(int64_t rows) {
  int64_t p = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(std::max<int64_t>(rows, 1)))));
  p = std::min(p, std::max<int64_t>(rows / 32, 1));
  return static_cast<int>(std::clamp<int64_t>(p, 1, 1 << 20));
}

// ---------------------------------------------------------------------------
// Building

Result<VectorIndexMeta> BuildIvfIndex(VectorIndexType type, const VectorIndexBuildOptions& options,
                                      const VectorData& data, ObjectStore& store, const std::string& prefix) {
  if (!IsIvfType(type)) return Status::InvalidArgument("not an IVF index type");
  if (options.metric == Metric::kHamming) {
    return Status::NotSupported("IVF indexes do not support the hamming metric");
  }
  if (data.dim <= 0)
    return Status::InvalidArgument("vectors must have a positive dimension, got " + std::to_string(data.dim));
  if (data.num_rows <= 0) return Status::InvalidArgument("cannot build a vector index over 0 rows");
  QUIVER_RETURN_NOT_OK(CheckVectorData(data, 0, "vectors"));
  const int64_t n = data.num_rows;
  const int dim = data.dim;
  if (options.num_partitions < 0) {
    return Status::InvalidArgument("num_partitions must be positive (0 picks a default), got " +
                                   std::to_string(options.num_partitions));
  }
  if (options.num_partitions > n) {
    return Status::InvalidArgument("num_partitions " + std::to_string(options.num_partitions) +
                                   " exceeds the " + std::to_string(n) + " rows to index");
  }
  if (options.sample_rate < 1) {
    return Status::InvalidArgument("sample_rate must be at least 1, got " +
                                   std::to_string(options.sample_rate));
  }
  if (options.max_iterations < 1) {
    return Status::InvalidArgument("max_iterations must be at least 1, got " +
                                   std::to_string(options.max_iterations));
  }
  const IvfCodecKind kind = CodecKindFor(type);
  if (kind == IvfCodecKind::kPq) {
    QUIVER_RETURN_NOT_OK(ResolvePqParams(dim, options.num_sub_vectors, options.num_bits).status());
  }
  if (HasGraph(type)) {
    if (options.m < 2 || options.m > HnswGraph::kMaxM) {
      return Status::InvalidArgument("m must be in 2.." + std::to_string(HnswGraph::kMaxM) + ", got " +
                                     std::to_string(options.m));
    }
    if (options.ef_construction < 1) {
      return Status::InvalidArgument("ef_construction must be at least 1, got " +
                                     std::to_string(options.ef_construction));
    }
    if (type == VectorIndexType::kIvfHnswPq && options.num_bits != 0 && options.num_bits != 8) {
      return Status::InvalidArgument("IVF_HNSW_PQ uses 8-bit codes; num_bits " +
                                     std::to_string(options.num_bits) + " is not supported");
    }
  }
  ThreadPool* pool = options.pool ? options.pool : DefaultThreadPool();
  const int num_partitions = options.num_partitions > 0 ? options.num_partitions : DefaultNumPartitions(n);

  std::vector<float> normalized;
  const float* vectors = PrepareVectors(data.vectors, n, dim, options.metric, pool, &normalized);

  // Training sample: num_partitions * sample_rate distinct rows, in row order.
  QUIVER_RETURN_NOT_OK(Report(options, "sampling", 0, 1));
  const int64_t sample_n = std::min<int64_t>(n, static_cast<int64_t>(num_partitions) * options.sample_rate);
  std::vector<int64_t> sample_ids;
  std::vector<float> sample_storage;
  const float* sample = vectors;
  if (sample_n < n) {
    std::mt19937_64 rng(options.seed);
    std::vector<int64_t> ids(n);
    std::iota(ids.begin(), ids.end(), 0);
    for (int64_t i = 0; i < sample_n; ++i) {
      std::uniform_int_distribution<int64_t> pick(i, n - 1);
      std::swap(ids[i], ids[pick(rng)]);
    }
    ids.resize(sample_n);
    std::sort(ids.begin(), ids.end());
    sample_storage.resize(static_cast<size_t>(sample_n) * dim);
    for (int64_t i = 0; i < sample_n; ++i) {
      std::memcpy(sample_storage.data() + static_cast<size_t>(i) * dim,
                  vectors + static_cast<size_t>(ids[i]) * dim, sizeof(float) * dim);
    }
    sample = sample_storage.data();
    sample_ids = std::move(ids);
  }
  QUIVER_RETURN_NOT_OK(Report(options, "sampling", 1, 1));

  KMeansOptions kopts;
  kopts.num_clusters = num_partitions;
  kopts.max_iterations = options.max_iterations;
  kopts.seed = options.seed;
  kopts.pool = pool;
  kopts.progress = [&](uint64_t done, uint64_t total) {
    return Report(options, "training centroids", done, total);
  };
  QUIVER_ASSIGN_OR_RETURN(std::vector<float> centroids, TrainKMeans(sample, sample_n, dim, kopts));

  QUIVER_RETURN_NOT_OK(Report(options, "assigning", 0, n));
  std::vector<int32_t> assign(n);
  AssignNearest(vectors, n, centroids.data(), num_partitions, dim, nullptr, pool, assign.data(), nullptr);
  QUIVER_RETURN_NOT_OK(Report(options, "assigning", n, n));

  std::vector<int32_t> sample_assign;
  const int32_t* sample_assign_ptr = assign.data();
  if (!sample_ids.empty()) {
    sample_assign.resize(sample_n);
    for (int64_t i = 0; i < sample_n; ++i) sample_assign[i] = assign[sample_ids[i]];
    sample_assign_ptr = sample_assign.data();
  }
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<IvfCodec> codec,
                          TrainCodec(kind, options, options.metric, dim, sample, sample_n, centroids.data(),
                                     sample_assign_ptr, pool));
  sample_storage = std::vector<float>();

  std::vector<uint8_t> codes;
  QUIVER_RETURN_NOT_OK(EncodeAll(*codec, vectors, n, centroids.data(), assign.data(), pool, options, &codes));

  IvfContents contents;
  contents.type = type;
  contents.metric = options.metric;
  contents.dim = dim;
  contents.num_partitions = num_partitions;
  contents.centroids = centroids.data();
  contents.codec = codec.get();
  BuildPartitions(*codec, num_partitions, codes.data(), data.row_ids, assign.data(), n, pool, &contents);
  codes = std::vector<uint8_t>();
  if (HasGraph(type)) {
    contents.graph_m = options.m;
    std::vector<int64_t> starts, order;
    GroupByPartition(assign.data(), n, num_partitions, &starts, &order);
    std::vector<float> part_vectors;
    for (int p = 0; p < num_partitions; ++p) {
      const int64_t count = starts[p + 1] - starts[p];
      part_vectors.resize(static_cast<size_t>(count) * dim);
      for (int64_t j = 0; j < count; ++j) {
        std::memcpy(part_vectors.data() + static_cast<size_t>(j) * dim,
                    vectors + static_cast<size_t>(order[starts[p] + j]) * dim, sizeof(float) * dim);
      }
      QUIVER_ASSIGN_OR_RETURN(
          HnswGraph graph,
          BuildPartitionGraph(part_vectors.data(), count, dim, options.metric, options, pool, starts[p], n));
      AppendGraph(graph, &contents.partitions[p]);
      QUIVER_RETURN_NOT_OK(Report(options, "graph", starts[p + 1], n));
    }
  }
  normalized = std::vector<float>();
  auto meta = WriteIvfFile(contents, store, prefix, pool, options);
  if (meta.ok()) {
    if (HasGraph(type)) {
      meta->params["m"] = options.m;
      meta->params["ef_construction"] = options.ef_construction;
    }
    meta->params["sample_rate"] = options.sample_rate;
    meta->params["max_iterations"] = options.max_iterations;
    meta->params["seed"] = options.seed;
  }
  return meta;
}

// ---------------------------------------------------------------------------
// The open index

struct IvfIndex::PartitionRef {
  uint64_t offset = 0;
  uint64_t size = 0;
  int64_t count = 0;
  uint64_t checksum = 0;
};

// Partitions read, least recently used first out; bounded by bytes.
class IvfIndex::Cache {
 public:
  explicit Cache(uint64_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const IvfPartition> Get(int p) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(p);
    if (it == map_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->partition;
  }

  void Put(int p, std::shared_ptr<const IvfPartition> partition) {
    const uint64_t size = partition->bytes ? partition->bytes->size() : 0;
    if (size > capacity_) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (map_.count(p) != 0) return;
    while (bytes_ + size > capacity_ && !lru_.empty()) {
      bytes_ -= lru_.back().size;
      map_.erase(lru_.back().p);
      lru_.pop_back();
    }
    lru_.push_front(Entry{p, size, std::move(partition)});
    map_[p] = lru_.begin();
    bytes_ += size;
  }

  uint64_t bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }

 private:
  struct Entry {
    int p;
    uint64_t size;
    std::shared_ptr<const IvfPartition> partition;
  };
  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;
  std::unordered_map<int, std::list<Entry>::iterator> map_;
  uint64_t bytes_ = 0;
};

namespace {

// A query's distances to the codes of one partition, for its graph.
class CodeQuery final : public HnswQueryDistance {
 public:
  CodeQuery(PartitionScanner* scanner, const uint8_t* codes, size_t code_size)
      : scanner_(scanner), codes_(codes), code_size_(code_size) {}
  void Distances(const uint32_t* ids, size_t n, float* out) const override {
    for (size_t i = 0; i < n; ++i) {
      if (i + 1 < n) __builtin_prefetch(codes_ + ids[i + 1] * code_size_);
      out[i] = scanner_->Distance(codes_ + ids[i] * code_size_);
    }
  }

 private:
  PartitionScanner* scanner_;
  const uint8_t* codes_;
  size_t code_size_;
};

}  // namespace

IvfIndex::IvfIndex() = default;
IvfIndex::~IvfIndex() = default;

int64_t IvfIndex::partition_size(int p) const { return partitions_[p].count; }

VectorIndexStats IvfIndex::Stats() const {
  VectorIndexStats s;
  s.type = meta_.type;
  s.metric = meta_.metric;
  s.dim = meta_.dim;
  s.num_rows = meta_.num_rows;
  s.size_bytes = meta_.size_bytes;
  s.num_partitions = num_partitions_;
  s.memory_bytes = sizeof(float) * (centroids_.size() + centroid_norms_.size()) +
                   sizeof(PartitionRef) * partitions_.size() + codec_->memory_bytes() + cache_->bytes();
  return s;
}

std::vector<int> IvfIndex::NearestPartitions(const float* query, int nprobes) const {
  const int dim = meta_.dim;
  std::vector<float> dist(num_partitions_);
  const auto& kernels = Kernels();
  if (meta_.metric == Metric::kDot) {
    // Inner-product search ranks partitions by the centroid's dot product.
    kernels.dot_f32_many(query, centroids_.data(), num_partitions_, dim, dist.data());
    for (float& d : dist) d = -d;
  } else {
    kernels.l2_f32_many(query, centroids_.data(), num_partitions_, dim, dist.data());
  }
  std::vector<int> order(num_partitions_);
  std::iota(order.begin(), order.end(), 0);
  nprobes = std::clamp(nprobes, 0, num_partitions_);
  auto closer = [&](int a, int b) { return dist[a] < dist[b] || (dist[a] == dist[b] && a < b); };
  std::partial_sort(order.begin(), order.begin() + nprobes, order.end(), closer);
  order.resize(nprobes);
  return order;
}

Result<std::shared_ptr<const IvfPartition>> IvfIndex::DecodePartition(int p, BufferPtr bytes,
                                                                      bool copy) const {
  const PartitionRef& ref = partitions_[p];
  if (bytes->size() != ref.size || XXH3_64bits(bytes->data(), bytes->size()) != ref.checksum) {
    return Status::Corruption(key_ + ": checksum mismatch in partition " + std::to_string(p));
  }
  if (copy || reinterpret_cast<uintptr_t>(bytes->data()) % kPartitionAlign != 0) {
    bytes = Buffer::Copy(bytes->data(), bytes->size());
  }
  auto part = std::make_shared<IvfPartition>();
  part->count = ref.count;
  part->codes = bytes->data();
  part->row_ids =
      reinterpret_cast<const uint64_t*>(bytes->data() + AlignUp(codec_->PackedSize(ref.count), 8));
  if (graph_m_ > 0) {
    // The graph section (see AppendGraph); FromParts checks every link.
    const uint64_t base = PartitionBytes(*codec_, ref.count);
    const uint64_t n = static_cast<uint64_t>(ref.count);
    const uint64_t levels_at = base + 8;
    const uint64_t layer0_at = levels_at + AlignUp(n, 4);
    const uint64_t layer0_words = n * (1 + 2 * static_cast<uint64_t>(graph_m_));
    if (layer0_at + 4 * layer0_words > bytes->size()) {
      return Status::Corruption(key_ + ": partition " + std::to_string(p) + " is too short for its graph");
    }
    const uint8_t* g = bytes->data() + base;
    const uint32_t entry = DecodeFixed32(g);
    const uint64_t upper_words = DecodeFixed32(g + 4);
    if (layer0_at + 4 * (layer0_words + upper_words) != bytes->size()) {
      return Status::Corruption(key_ + ": partition " + std::to_string(p) + " graph sizes are inconsistent");
    }
    auto graph = HnswGraph::FromParts(
        graph_m_, entry, std::span<const uint8_t>(bytes->data() + levels_at, n),
        std::span<const uint32_t>(reinterpret_cast<const uint32_t*>(bytes->data() + layer0_at), layer0_words),
        std::span<const uint32_t>(
            reinterpret_cast<const uint32_t*>(bytes->data() + layer0_at + 4 * layer0_words), upper_words));
    if (!graph.ok()) {
      return Status::Corruption(key_ + ": partition " + std::to_string(p) + ": " + graph.status().message());
    }
    part->graph = std::make_shared<const HnswGraph>(std::move(graph).value());
  }
  part->bytes = std::move(bytes);
  return std::shared_ptr<const IvfPartition>(std::move(part));
}

Status IvfIndex::ReadPartitions(const std::vector<int>& partitions, bool cache,
                                std::vector<std::shared_ptr<const IvfPartition>>* out) const {
  out->assign(partitions.size(), nullptr);
  std::vector<size_t> missing;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const int p = partitions[i];
    if (partitions_[p].count == 0) {
      (*out)[i] = std::make_shared<IvfPartition>();
      continue;
    }
    (*out)[i] = cache_->Get(p);
    if ((*out)[i] == nullptr) missing.push_back(i);
  }
  std::sort(missing.begin(), missing.end(), [&](size_t a, size_t b) {
    return partitions_[partitions[a]].offset < partitions_[partitions[b]].offset;
  });
  for (size_t g = 0; g < missing.size();) {
    // One request for the run of partitions starting at missing[g] that lie
    // close together.
    const uint64_t start = partitions_[partitions[missing[g]]].offset;
    uint64_t end = start + partitions_[partitions[missing[g]]].size;
    size_t h = g + 1;
    while (h < missing.size()) {
      const PartitionRef& next = partitions_[partitions[missing[h]]];
      if (next.offset < end || next.offset - end > kMaxReadGap ||
          next.offset + next.size - start > kMaxReadSpan) {
        break;
      }
      end = next.offset + next.size;
      ++h;
    }
    auto read = store_->ReadRange(key_, start, end - start);
    if (!read.ok()) {
      if (read.status().IsInvalidArgument())
        return Status::Corruption(key_ + ": short file: " + read.status().message());
      return read.status().WithContext(key_);
    }
    BufferPtr span = std::move(read).value();
    if (span->size() != end - start) {
      return Status::Corruption(key_ + ": read of " + std::to_string(end - start) + " bytes returned " +
                                std::to_string(span->size()));
    }
    for (size_t j = g; j < h; ++j) {
      const int p = partitions[missing[j]];
      const PartitionRef& ref = partitions_[p];
      // A partition read with its neighbours gets its own copy, so the cache
      // never keeps a neighbour's bytes alive.
      QUIVER_ASSIGN_OR_RETURN(
          auto part, DecodePartition(p, Buffer::Slice(span, ref.offset - start, ref.size), h - g > 1));
      if (cache) cache_->Put(p, part);
      (*out)[missing[j]] = std::move(part);
    }
    g = h;
  }
  return Status::OK();
}

Result<std::shared_ptr<const IvfPartition>> IvfIndex::ReadPartition(int p, bool cache) const {
  if (p < 0 || p >= num_partitions_) {
    return Status::InvalidArgument("partition " + std::to_string(p) + " out of range (index has " +
                                   std::to_string(num_partitions_) + ")");
  }
  std::vector<std::shared_ptr<const IvfPartition>> out;
  QUIVER_RETURN_NOT_OK(ReadPartitions({p}, cache, &out));
  return out[0];
}

Result<std::vector<Neighbor>> IvfIndex::Search(std::span<const float> query, const VectorQueryParams& params,
                                               const RowIdFilter* allowed) const {
  const int dim = meta_.dim;
  if (query.size() != static_cast<size_t>(dim)) {
    return Status::InvalidArgument("query vector has dimension " + std::to_string(query.size()) +
                                   ", the index expects " + std::to_string(dim));
  }
  if (params.k < 0) return Status::InvalidArgument("k must not be negative, got " + std::to_string(params.k));
  if (params.nprobes < 1) {
    return Status::InvalidArgument("nprobes must be at least 1, got " + std::to_string(params.nprobes));
  }
  QUIVER_RETURN_NOT_OK(CheckFinite(query.data(), 1, dim, "query vector"));
  if (params.k == 0 || meta_.num_rows == 0) return std::vector<Neighbor>();
  std::vector<float> q(query.begin(), query.end());
  if (meta_.metric == Metric::kCosine) Normalize(q.data(), dim);

  // The nearest nprobes partitions, then, while fewer than k rows were
  // found, as many again (doubling, so a remote store sees few rounds of
  // reads), up to max_nprobes.
  const int max_probes = std::max(params.nprobes, params.max_nprobes);
  const std::vector<int> order = NearestPartitions(q.data(), max_probes);
  TopK top(static_cast<size_t>(std::min<int64_t>(params.k, meta_.num_rows)));
  std::unique_ptr<PartitionScanner> scanner = codec_->NewScanner(q.data());
  const size_t k = static_cast<size_t>(params.k);
  const size_t ef = params.ef > 0 ? static_cast<size_t>(params.ef) : std::max<size_t>(k, 40);
  std::vector<int> probes;
  std::vector<std::shared_ptr<const IvfPartition>> parts;
  for (size_t done = 0, batch = std::min(order.size(), static_cast<size_t>(params.nprobes)); batch > 0;) {
    probes.assign(order.begin() + static_cast<ptrdiff_t>(done),
                  order.begin() + static_cast<ptrdiff_t>(done + batch));
    QUIVER_RETURN_NOT_OK(ReadPartitions(probes, /*cache=*/true, &parts));
    for (size_t i = 0; i < probes.size(); ++i) {
      const IvfPartition& part = *parts[i];
      if (part.count == 0) continue;
      scanner->SetPartition(probes[i], centroids_.data() + static_cast<size_t>(probes[i]) * dim);
      if (part.graph == nullptr || static_cast<int64_t>(std::max(k, ef)) >= part.count) {
        // A graph whose beam would cover every node is scanned instead.
        scanner->Scan(part.codes, part.row_ids, part.count, allowed, &top);
        continue;
      }
      CodeQuery distances(scanner.get(), part.codes, codec_->code_size());
      std::optional<HnswRowFilter> filter;
      if (allowed != nullptr) filter.emplace(*allowed, part.row_ids);
      for (const HnswHit& hit : part.graph->Search(distances, k, ef, filter ? &*filter : nullptr)) {
        top.Push(hit.distance, part.row_ids[hit.node]);
      }
    }
    done += batch;
    batch = top.full() ? 0 : std::min(done, order.size() - done);
  }
  return top.Take();
}

// ---------------------------------------------------------------------------
// Opening

Result<std::unique_ptr<VectorIndex>> OpenIvfIndex(std::shared_ptr<ObjectStore> store, std::string prefix,
                                                  const VectorIndexMeta& meta,
                                                  const IvfOpenOptions& options) {
  if (!IsIvfType(meta.type)) return Status::InvalidArgument("not an IVF index type");
  const nlohmann::json& params = meta.params;
  auto get_u64 = [&](const char* name, uint64_t* out) {
    auto it = params.find(name);
    if (it == params.end()) return false;
    if (it->is_number_unsigned()) {
      *out = it->get<uint64_t>();
      return true;
    }
    if (!it->is_number_integer() || it->get<int64_t>() < 0) return false;
    *out = static_cast<uint64_t>(it->get<int64_t>());
    return true;
  };
  std::string file = kIvfFileName;
  if (auto it = params.find("file"); it != params.end()) {
    if (!it->is_string()) return Status::Corruption("vector index metadata: \"file\" is not a string");
    file = it->get<std::string>();
  }
  uint64_t file_size = 0;
  if (!get_u64("file_size", &file_size)) {
    return Status::Corruption("vector index metadata: member \"params.file_size\" is missing or malformed");
  }
  uint64_t format_version = kIvfFormatVersion;
  if (get_u64("format_version", &format_version) && format_version > kIvfFormatVersion) {
    return Status::NotSupported("IVF index format version " + std::to_string(format_version) +
                                " is newer than this build supports (" + std::to_string(kIvfFormatVersion) +
                                ")");
  }

  std::unique_ptr<IvfIndex> index(new IvfIndex());
  index->meta_ = meta;
  index->store_ = store;
  index->key_ = JoinKey(prefix, file);
  const std::string& key = index->key_;
  auto corrupt = [&](const std::string& what) { return Status::Corruption(key + ": " + what); };
  auto read = [&](uint64_t offset, uint64_t length) -> Result<BufferPtr> {
    if (offset + length > file_size) {
      return corrupt("range " + std::to_string(offset) + "+" + std::to_string(length) + " past the file's " +
                     std::to_string(file_size) + " bytes");
    }
    auto res = store->ReadRange(key, offset, length);
    if (!res.ok()) {
      if (res.status().IsInvalidArgument()) return corrupt("short file: " + res.status().message());
      return res.status().WithContext(key);
    }
    if ((*res)->size() != length) return corrupt("short read");
    return res;
  };

  uint64_t head_size = 0;
  if (!get_u64("head_size", &head_size)) {
    QUIVER_ASSIGN_OR_RETURN(BufferPtr fixed, read(0, 16));
    head_size = DecodeFixed64(fixed->data() + 8);
  }
  if (head_size < kFixedHeadBytes + 8 || head_size > file_size) {
    return corrupt("header of " + std::to_string(head_size) + " bytes does not fit a file of " +
                   std::to_string(file_size) + " bytes");
  }
  QUIVER_ASSIGN_OR_RETURN(BufferPtr head_buf, read(0, head_size));
  const uint8_t* h = head_buf->data();
  if (std::memcmp(h, kMagic, 4) != 0) return corrupt("bad magic; not an IVF index file");
  const uint32_t version = DecodeFixed32(h + 4);
  if (version == 0) return corrupt("format version 0");
  if (version > kIvfFormatVersion) {
    return Status::NotSupported(key + ": IVF index format version " + std::to_string(version) +
                                " is newer than this build supports (" + std::to_string(kIvfFormatVersion) +
                                ")");
  }
  if (DecodeFixed64(h + 8) != head_size) return corrupt("header size differs from the index metadata");
  if (XXH3_64bits(h, head_size - 8) != DecodeFixed64(h + head_size - 8))
    return corrupt("header checksum mismatch");
  const auto codec_kind = static_cast<IvfCodecKind>(h[16]);
  const auto metric = static_cast<Metric>(h[17]);
  const uint32_t dim = DecodeFixed32(h + 20);
  const uint32_t num_partitions = DecodeFixed32(h + 24);
  const uint32_t graph_m = DecodeFixed32(h + 28);
  const uint64_t num_rows = DecodeFixed64(h + 32);
  const uint64_t state_size = DecodeFixed64(h + 40);
  if (codec_kind != CodecKindFor(meta.type)) {
    return corrupt("codec " + std::string(IvfCodecName(codec_kind)) + " does not match the index type " +
                   std::string(VectorIndexTypeName(meta.type)));
  }
  if (metric != meta.metric || dim != static_cast<uint32_t>(meta.dim) ||
      num_rows != static_cast<uint64_t>(meta.num_rows)) {
    return corrupt("metric, dimension or row count differs from the index metadata");
  }
  if (dim == 0 || num_partitions == 0) return corrupt("zero dimension or partitions");
  if (HasGraph(meta.type) ? (graph_m < 2 || graph_m > static_cast<uint32_t>(HnswGraph::kMaxM))
                          : graph_m != 0) {
    return corrupt("graph m " + std::to_string(graph_m) + " does not fit the index type " +
                   std::string(VectorIndexTypeName(meta.type)));
  }
  const uint64_t centroid_bytes = sizeof(float) * uint64_t{num_partitions} * dim;
  if (state_size > head_size ||
      kFixedHeadBytes + AlignUp(state_size, 4) + centroid_bytes + kPartitionEntryBytes * num_partitions + 8 !=
          head_size) {
    return corrupt("header sizes are inconsistent");
  }
  const uint8_t* state = h + kFixedHeadBytes;
  QUIVER_ASSIGN_OR_RETURN(
      index->codec_, DeserializeIvfCodec(codec_kind, metric, static_cast<int>(dim),
                                         std::string_view(reinterpret_cast<const char*>(state), state_size)));
  const uint8_t* c = state + AlignUp(state_size, 4);
  index->num_partitions_ = static_cast<int>(num_partitions);
  index->centroids_.resize(static_cast<size_t>(num_partitions) * dim);
  std::memcpy(index->centroids_.data(), c, centroid_bytes);
  const uint8_t* t = c + centroid_bytes;
  index->partitions_.resize(num_partitions);
  uint64_t total = 0;
  for (uint32_t p = 0; p < num_partitions; ++p, t += kPartitionEntryBytes) {
    IvfIndex::PartitionRef& ref = index->partitions_[p];
    ref.offset = DecodeFixed64(t);
    ref.size = DecodeFixed64(t + 8);
    const uint64_t count = DecodeFixed64(t + 16);
    ref.checksum = DecodeFixed64(t + 24);
    const uint64_t base_size =
        count > num_rows ? 0 : PartitionBytes(*index->codec_, static_cast<int64_t>(count));
    if (count > num_rows || (graph_m == 0 ? ref.size != base_size : ref.size < base_size + 8) ||
        (count > 0 &&
         (ref.offset < head_size || ref.offset > file_size || ref.size > file_size - ref.offset))) {
      return corrupt("partition " + std::to_string(p) + " entry is out of range");
    }
    ref.count = static_cast<int64_t>(count);
    total += count;
  }
  if (total != num_rows) return corrupt("partition row counts do not add up to the row count");
  index->head_bytes_ = head_size;
  index->graph_m_ = static_cast<int>(graph_m);
  index->cache_ = std::make_unique<IvfIndex::Cache>(options.cache_bytes);
  return std::unique_ptr<VectorIndex>(std::move(index));
}

// ---------------------------------------------------------------------------
// Updating

Result<VectorIndexMeta> UpdateIvfIndex(const IvfIndex& existing, const VectorData& added,
                                       const Roaring64Map& removed, ObjectStore& store,
                                       const std::string& new_prefix,
                                       const VectorIndexBuildOptions& options) {
  const VectorIndexMeta& old = existing.meta();
  const int dim = old.dim;
  QUIVER_RETURN_NOT_OK(CheckVectorData(added, dim, "added vectors"));
  ThreadPool* pool = options.pool ? options.pool : DefaultThreadPool();
  const IvfCodec& codec = existing.codec();
  const int num_partitions = existing.num_partitions();
  const int64_t n = added.num_rows;

  std::vector<float> normalized;
  const float* vectors =
      n > 0 ? PrepareVectors(added.vectors, n, dim, old.metric, pool, &normalized) : nullptr;
  QUIVER_RETURN_NOT_OK(Report(options, "assigning", 0, n));
  std::vector<int32_t> assign(n);
  AssignNearest(vectors, n, existing.centroids().data(), num_partitions, dim, nullptr, pool, assign.data(),
                nullptr);
  QUIVER_RETURN_NOT_OK(Report(options, "assigning", n, n));
  std::vector<uint8_t> new_codes;
  QUIVER_RETURN_NOT_OK(
      EncodeAll(codec, vectors, n, existing.centroids().data(), assign.data(), pool, options, &new_codes));

  std::vector<int64_t> starts, order;
  GroupByPartition(assign.data(), n, num_partitions, &starts, &order);

  IvfContents contents;
  contents.type = old.type;
  contents.metric = old.metric;
  contents.dim = dim;
  contents.num_partitions = num_partitions;
  contents.centroids = existing.centroids().data();
  contents.codec = &codec;
  contents.partitions.resize(num_partitions);
  contents.counts.resize(num_partitions);
  // IVF_HNSW_*: the graphs keep the index's m and ef_construction.
  std::optional<VectorIndexBuildOptions> graph_options;
  std::vector<float> part_vectors;
  if (HasGraph(old.type)) {
    graph_options = options;
    graph_options->progress = nullptr;  // an update reports its partitions ("writing")
    graph_options->m = existing.graph_m();
    graph_options->ef_construction = old.params.value("ef_construction", options.ef_construction);
    contents.graph_m = existing.graph_m();
  }
  const size_t code_size = codec.code_size();
  std::vector<uint8_t> codes;
  std::vector<uint8_t> kept_codes;
  std::vector<uint64_t> kept_ids;
  for (int p = 0; p < num_partitions; ++p) {
    kept_codes.clear();
    kept_ids.clear();
    if (existing.partition_size(p) > 0) {
      QUIVER_ASSIGN_OR_RETURN(auto part, existing.ReadPartition(p, /*cache=*/false));
      codes.resize(static_cast<size_t>(part->count) * code_size);
      codec.Unpack(part->codes, part->count, codes.data());
      for (int64_t i = 0; i < part->count; ++i) {
        if (removed.contains(part->row_ids[i])) continue;
        kept_codes.insert(kept_codes.end(), codes.data() + i * code_size, codes.data() + (i + 1) * code_size);
        kept_ids.push_back(part->row_ids[i]);
      }
    }
    for (int64_t j = starts[p]; j < starts[p + 1]; ++j) {
      const int64_t row = order[j];
      kept_codes.insert(kept_codes.end(), new_codes.data() + row * code_size,
                        new_codes.data() + (row + 1) * code_size);
      kept_ids.push_back(added.row_ids[row]);
    }
    const int64_t count = static_cast<int64_t>(kept_ids.size());
    contents.partitions[p] = PartitionImage(codec, kept_codes.data(), kept_ids.data(), count);
    contents.counts[p] = count;
    if (graph_options) {
      // The graph is rebuilt over the kept rows' decoded codes and the
      // added rows' vectors; the codecs and centroids stay as trained.
      const float* centroid = existing.centroids().data() + static_cast<size_t>(p) * dim;
      const int64_t num_kept = count - (starts[p + 1] - starts[p]);
      part_vectors.resize(static_cast<size_t>(count) * dim);
      for (int64_t i = 0; i < num_kept; ++i) {
        if (!codec.Decode(kept_codes.data() + i * code_size, centroid, part_vectors.data() + i * dim)) {
          return Status::NotSupported(std::string(IvfCodecName(codec.kind())) + " codes cannot be decoded");
        }
      }
      for (int64_t j = starts[p]; j < starts[p + 1]; ++j) {
        std::memcpy(part_vectors.data() + static_cast<size_t>(num_kept + j - starts[p]) * dim,
                    vectors + static_cast<size_t>(order[j]) * dim, sizeof(float) * dim);
      }
      QUIVER_ASSIGN_OR_RETURN(
          HnswGraph graph,
          BuildPartitionGraph(part_vectors.data(), count, dim, old.metric, *graph_options, pool, 0, count));
      AppendGraph(graph, &contents.partitions[p]);
    }
    QUIVER_RETURN_NOT_OK(Report(options, "writing", p + 1, num_partitions));
  }
  auto meta = WriteIvfFile(contents, store, new_prefix, pool, options);
  if (meta.ok()) {
    for (const char* name : {"sample_rate", "max_iterations", "seed", "m", "ef_construction"}) {
      if (auto it = old.params.find(name); it != old.params.end()) meta->params[name] = *it;
    }
  }
  return meta;
}

}  // namespace quiver::index

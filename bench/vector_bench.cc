// vector_bench: Quiver's vector search against LanceDB (npm, run by
// bench/node/lancedb_vector.mjs), FAISS and hnswlib, side by side in one
// run, on the same vectors and queries. bench/README.md explains the
// figures.
//
//   vector_bench [--rows 100000] [--queries 200] [--warmup 5] [--passes 3] [--threads N]
//                [--only exact,ivfpq,hnsw,filter] [--datasets clustered,sift10k]
//                [--sift-dir DIR] [--batch-rows 65536] [--no-fsync] [--json]
//                [--json-out FILE] [--no-peer] [--node-dir DIR] [--keep]
//
// Datasets: "clustered", the first --rows rows of bench_data.h (128-d
// vectors from a 100-centre Gaussian mixture, plus `category`) with --queries
// queries drawn from the same mixture on the kQuerySeed stream (the
// construction of shared/reference/lancedb-figures.md); and "sift10k", the
// TEXMEX SIFT10K base (10,000 x 128) and its 100 queries from
// shared/data/sift10k (skipped with a message when absent). Ground truth:
// brute force in double precision (for SIFT10K also compared with the
// file's).
//
// Sections, each on every side that has it:
//   exact   top-10 without an index; the memory-bandwidth bound of a scan
//   ivfpq   IVF_PQ (256 partitions, 16 x 8-bit sub-vectors): build, size,
//           memory, nprobes 20 with and without refine 10, a sweep of
//           nprobes x refine for the QPS at recall >= 0.95
//   hnsw    HNSW (m 20, ef_construction 300): build, size, memory, a sweep
//           of ef; IVF_HNSW_SQ (one partition) for Quiver and LanceDB
//   filter  category = 'c3' as a prefilter: flat, IVF_PQ nprobes 20 with
//           and without refine 10 (clustered only)
//
// Every search is one query at a time: latency is the wall time of one call
// (each query runs --passes times, 3 by default, on every side; its median
// counts) and QPS is queries / the sum of their latencies. --threads N pins the
// whole process, and the Node peer it starts, to N CPUs with
// sched_setaffinity before anything else runs (as `taskset` would): thread
// pools keep their size but share those CPUs. Everything written lives in
// one directory under the system temp dir, removed at the end (--keep).
#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexRefine.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <malloc.h>
#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_data.h"
#include "bench_util.h"
#include "hnswlib_peer.h"
#include "quiver/quiver.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace quiver::bench {
namespace {

constexpr int kK = 10;
constexpr double kTargetRecall = 0.95;
constexpr char kFilter[] = "category = 'c3'";

// IVF_PQ as in lancedb-figures.md; the same on every side.
constexpr int kPartitions = 256;
constexpr int kSubVectors = 16;
constexpr int kBits = 8;
constexpr int kKmeansIterations = 50;  // IVF and PQ k-means, every side
constexpr int kSampleRate = 256;       // training rows per partition
constexpr int kNprobes = 20;
constexpr int kRefine = 10;
const std::vector<int> kNprobeSweep = {1, 2, 4, 8, 16, 20, 32, 64, 128};
const std::vector<int> kRefineSweep = {10, 50};

// HNSW as LanceDB's defaults (and lancedb-figures.md): m neighbours per node
// (2m on level 0 in hnswlib and FAISS), build beam 300.
constexpr int kHnswM = 20;
constexpr int kHnswEfConstruction = 300;
// 0: each side's default beam (Quiver max(k, 40), LanceDB 1.5 k, hnswlib
// max(k, 10), FAISS 16).
const std::vector<int> kEfSweep = {0, 16, 24, 32, 48, 64, 100, 128, 192, 256};

// The mixture of bench_data.cc, restated to draw the queries (bench_data.h
// exposes only the rows); MakeQueries checks it against the first row.
constexpr int kCentres = 100;
constexpr double kNoise = 0.35;

const std::vector<std::string> kSections = {"exact", "ivfpq", "hnsw", "filter"};
const std::vector<std::string> kDatasets = {"clustered", "sift10k"};

struct Options : CommonOptions {
  Options() {
    rows = 100000;
    warmup = 5;
  }
  int queries = 200;
  int passes = 3;   // timed passes over the queries; latency = median
  int threads = 0;  // CPUs to pin to; 0: leave the affinity alone
  std::set<std::string> sections{kSections.begin(), kSections.end()};
  std::set<std::string> datasets{kDatasets.begin(), kDatasets.end()};
  std::string sift_dir;
};

using Truth = std::vector<std::vector<int64_t>>;  // per query, ids nearest first

struct Dataset {
  std::string name;
  std::string description;
  BenchData data;  // id, vector; category when has_category
  bool has_category = false;
  std::vector<float> queries;  // nq x kDim
  int nq = 0;
  Truth truth;           // k nearest, double precision
  Truth filtered_truth;  // among rows with category = 'c3'
  int64_t filtered_rows = 0;
  std::string truth_note;
};

// Ids and wall times of one search configuration over every query.
struct Run {
  std::vector<double> ms;
  Truth ids;
};

[[noreturn]] void Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--rows N] [--queries N] [--warmup N] [--passes N] [--threads N]\n"
               "          [--only exact,ivfpq,hnsw,filter] [--datasets clustered,sift10k] [--sift-dir DIR]\n"
               "          [--batch-rows N] [--no-fsync] [--json] [--json-out FILE] [--no-peer]\n"
               "          [--node-dir DIR] [--keep]\n",
               argv0);
  std::exit(2);
}

std::set<std::string> ParseList(const std::string& flag, const std::string& text,
                                const std::vector<std::string>& known) {
  std::set<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (std::find(known.begin(), known.end(), item) == known.end()) {
      std::string names;
      for (const std::string& k : known) names += (names.empty() ? "" : ", ") + k;
      Die(flag + ": unknown \"" + item + "\" (known: " + names + ")");
    }
    out.insert(item);
  }
  if (out.empty()) Die(flag + " needs at least one name");
  return out;
}

// The shared data folder of the tests (../shared/data beside the checkout),
// overridden by QUIVER_SHARED_DATA as for the tests.
std::string DefaultSiftDir() {
  const char* root = std::getenv("QUIVER_SHARED_DATA");
  return (fs::path(root != nullptr ? root : QUIVER_BENCH_SHARED_DATA) / "sift10k").string();
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  o.sift_dir = DefaultSiftDir();
  for (FlagReader flags(argc, argv); flags.Next();) {
    const std::string& arg = flags.flag();
    if (flags.ReadCommon(&o)) continue;
    if (arg == "--queries") {
      o.queries = flags.Count();
    } else if (arg == "--passes") {
      o.passes = flags.Count();
    } else if (arg == "--threads") {
      o.threads = flags.Count();
    } else if (arg == "--only") {
      o.sections = ParseList(arg, flags.Value(), kSections);
    } else if (arg == "--datasets") {
      o.datasets = ParseList(arg, flags.Value(), kDatasets);
    } else if (arg == "--sift-dir") {
      o.sift_dir = flags.Value();
    } else {
      Usage(argv[0]);
    }
  }
  if (o.rows < kPartitions * 4) Die("--rows must be at least " + std::to_string(kPartitions * 4));
  if (o.queries < 1) Die("--queries must be positive");
  if (o.passes < 1) Die("--passes must be positive");
  if (o.batch_rows < 1) Die("--batch-rows must be positive");
  return o;
}

// Restricts the process to the first `n` CPUs it may use; returns the
// number of CPUs it runs on afterwards.
int PinToCpus(int n) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) Die("sched_getaffinity failed");
  const int available = CPU_COUNT(&allowed);
  if (n == 0) return available;
  if (n > available) Die("--threads " + std::to_string(n) + ": only " + std::to_string(available) + " CPUs");
  cpu_set_t pinned;
  CPU_ZERO(&pinned);
  for (int cpu = 0, taken = 0; cpu < CPU_SETSIZE && taken < n; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) {
      CPU_SET(cpu, &pinned);
      ++taken;
    }
  }
  if (sched_setaffinity(0, sizeof(pinned), &pinned) != 0) Die("sched_setaffinity failed");
  return n;
}

// VmRSS of this process after returning freed heap memory to the system,
// in bytes; -1 when /proc is not there.
int64_t ResidentBytes() {
  malloc_trim(0);
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

volatile uint64_t g_sink;

// Single-core streaming read bandwidth in bytes/s: the best of 5 passes
// summing a 256 MiB buffer (8x the largest last-level caches here) on the
// calling thread.
double ReadBandwidth() {
  const size_t n = (size_t{256} << 20) / sizeof(uint64_t);
  std::vector<uint64_t> buffer(n);
  for (size_t i = 0; i < n; ++i) buffer[i] = i;
  double best_ms = std::numeric_limits<double>::infinity();
  for (int pass = 0; pass < 5; ++pass) {
    uint64_t s[8] = {};
    const double t0 = NowMs();
    for (size_t i = 0; i < n; i += 8) {
      for (int j = 0; j < 8; ++j) s[j] += buffer[i + j];
    }
    best_ms = std::min(best_ms, NowMs() - t0);
    for (uint64_t v : s) g_sink = g_sink + v;
  }
  return static_cast<double>(n * sizeof(uint64_t)) / (best_ms / 1000);
}

// The `k` nearest rows of `base` (rows x kDim) to each query by squared L2
// in double precision, nearest first, ties to the lower id; only rows with
// keep[row] when `keep` is given. Queries are split over `threads` threads.
Truth BruteForce(const std::vector<float>& base, const std::vector<float>& queries, int k,
                 const std::vector<uint8_t>* keep, int threads) {
  const int64_t rows = static_cast<int64_t>(base.size() / kDim);
  const int nq = static_cast<int>(queries.size() / kDim);
  Truth truth(nq);
  auto one = [&](int q) {
    const float* x = &queries[static_cast<size_t>(q) * kDim];
    std::vector<std::pair<double, int64_t>> heap;  // max-heap of the best k
    for (int64_t r = 0; r < rows; ++r) {
      if (keep != nullptr && !(*keep)[r]) continue;
      const float* y = &base[static_cast<size_t>(r) * kDim];
      double acc[4] = {0, 0, 0, 0};
      for (int j = 0; j < kDim; j += 4) {
        for (int u = 0; u < 4; ++u) {
          const double d = static_cast<double>(x[j + u]) - y[j + u];
          acc[u] += d * d;
        }
      }
      const std::pair<double, int64_t> e{acc[0] + acc[1] + acc[2] + acc[3], r};
      if (static_cast<int>(heap.size()) < k) {
        heap.push_back(e);
        std::push_heap(heap.begin(), heap.end());
      } else if (e < heap.front()) {
        std::pop_heap(heap.begin(), heap.end());
        heap.back() = e;
        std::push_heap(heap.begin(), heap.end());
      }
    }
    std::sort_heap(heap.begin(), heap.end());
    for (const auto& [d, id] : heap) truth[q].push_back(id);
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int q = t; q < nq; q += threads) one(q);
    });
  }
  for (std::thread& w : workers) w.join();
  return truth;
}

// `nq` queries from the rows' mixture: each picks a centre and adds noise,
// drawing from the kQuerySeed stream. Dies when the restated mixture does
// not reproduce the first generated row.
std::vector<float> MakeQueries(int nq, const BenchData& d) {
  std::vector<float> centres(size_t{kCentres} * kDim);
  Rng centre_rng(kCentreSeed);
  for (float& c : centres) c = static_cast<float>(centre_rng.Gaussian());
  auto draw = [&](Rng& rng, float* out) {
    const float* centre = &centres[size_t{rng.Below(kCentres)} * kDim];
    for (int j = 0; j < kDim; ++j) out[j] = static_cast<float>(centre[j] + kNoise * rng.Gaussian());
  };
  std::vector<float> first(kDim);
  Rng row_rng(kRowSeed);
  draw(row_rng, first.data());
  if (d.rows > 0 && !std::equal(first.begin(), first.end(), d.vector.begin()))
    Die("the restated mixture does not reproduce row 0 of bench_data.cc: update MakeQueries");
  std::vector<float> queries(static_cast<size_t>(nq) * kDim);
  Rng rng(kQuerySeed);
  for (int q = 0; q < nq; ++q) draw(rng, &queries[static_cast<size_t>(q) * kDim]);
  return queries;
}

Dataset MakeClustered(const Options& o, int threads) {
  Dataset ds;
  ds.name = "clustered";
  ds.has_category = true;
  const double gen_ms = TimeMs([&] { ds.data = GenerateBenchData(o.rows); });
  std::string().swap(ds.data.text);
  std::vector<int32_t>(o.rows + 1, 0).swap(ds.data.text_offsets);
  std::vector<double>().swap(ds.data.price);
  ds.nq = o.queries;
  ds.queries = MakeQueries(ds.nq, ds.data);
  ds.description = Grouped(o.rows) + " x 128 float32 (bench_data.h: 100-centre Gaussian mixture), " +
                   std::to_string(ds.nq) + " queries from the same mixture (seed 4242)";
  std::vector<uint8_t> keep(o.rows);
  for (int64_t i = 0; i < o.rows; ++i) {
    const int32_t b = ds.data.category_offsets[i], e = ds.data.category_offsets[i + 1];
    keep[i] = std::string_view(ds.data.category).substr(b, e - b) == "c3";
    ds.filtered_rows += keep[i];
  }
  const double truth_ms = TimeMs([&] {
    ds.truth = BruteForce(ds.data.vector, ds.queries, kK, nullptr, threads);
    ds.filtered_truth = BruteForce(ds.data.vector, ds.queries, kK, &keep, threads);
  });
  ds.truth_note = "double-precision brute force";
  Progress("clustered: generated in " + Fixed(gen_ms, 0) + " ms, ground truth in " + Fixed(truth_ms, 0) +
           " ms");
  return ds;
}

// The records of an .fvecs (float) or .ivecs (int32) file: each an int32
// dimension then that many values. Empty with `why` set when unreadable.
template <typename T>
std::vector<T> ReadVecs(const fs::path& path, int* dim, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = "no " + path.string();
    return {};
  }
  std::vector<T> values;
  *dim = -1;
  for (int32_t d; in.read(reinterpret_cast<char*>(&d), sizeof(d));) {
    if (*dim != -1 && d != *dim) {
      *why = path.string() + ": records of dimension " + std::to_string(*dim) + " and " + std::to_string(d);
      return {};
    }
    *dim = d;
    const size_t at = values.size();
    values.resize(at + d);
    if (!in.read(reinterpret_cast<char*>(&values[at]), static_cast<std::streamsize>(d * sizeof(T)))) {
      *why = path.string() + ": truncated record";
      return {};
    }
  }
  if (values.empty()) *why = path.string() + " holds no records";
  return values;
}

std::optional<Dataset> MakeSift(const Options& o, int threads, std::string* why) {
  const fs::path dir = o.sift_dir;
  int base_dim = 0, query_dim = 0, truth_dim = 0;
  std::vector<float> base = ReadVecs<float>(dir / "siftsmall_base.fvecs", &base_dim, why);
  if (base.empty()) return std::nullopt;
  std::vector<float> queries = ReadVecs<float>(dir / "siftsmall_query.fvecs", &query_dim, why);
  if (queries.empty()) return std::nullopt;
  const std::vector<int32_t> file_truth =
      ReadVecs<int32_t>(dir / "siftsmall_groundtruth.ivecs", &truth_dim, why);
  if (file_truth.empty()) return std::nullopt;
  if (base_dim != kDim || query_dim != kDim) {
    *why = "SIFT10K vectors have dimension " + std::to_string(base_dim) + ", this benchmark needs 128";
    return std::nullopt;
  }
  Dataset ds;
  ds.name = "sift10k";
  ds.data.rows = static_cast<int64_t>(base.size() / kDim);
  ds.data.id.resize(ds.data.rows);
  for (int64_t i = 0; i < ds.data.rows; ++i) ds.data.id[i] = i;
  ds.data.vector = std::move(base);
  ds.data.text_offsets.assign(ds.data.rows + 1, 0);
  ds.data.category_offsets.assign(ds.data.rows + 1, 0);
  ds.nq = static_cast<int>(queries.size() / kDim);
  ds.queries = std::move(queries);
  ds.description = Grouped(ds.data.rows) + " x 128 float32 (TEXMEX SIFT10K base), its " +
                   std::to_string(ds.nq) + " queries";
  ds.truth = BruteForce(ds.data.vector, ds.queries, kK, nullptr, threads);
  int agree = 0;
  for (int q = 0; q < ds.nq && q * truth_dim < static_cast<int>(file_truth.size()); ++q) {
    std::set<int64_t> ours(ds.truth[q].begin(), ds.truth[q].end());
    int same = 0;
    for (int j = 0; j < kK && j < truth_dim; ++j) same += ours.count(file_truth[q * truth_dim + j]);
    agree += same == kK;
  }
  ds.truth_note = "double-precision brute force; its top-10 set equals the file's for " +
                  std::to_string(agree) + " of " + std::to_string(ds.nq) + " queries";
  return ds;
}

// The figures of a run against `truth`: recall@k (the share of the true k
// nearest among the ids returned), median and p90 (nearest rank) latency,
// QPS = queries / sum of latencies.
json Measure(const Run& run, const Truth& truth) {
  const size_t n = run.ms.size();
  if (n == 0 || run.ids.size() != truth.size()) return {{"error", "no queries"}};
  double hits = 0, total_ms = 0;
  for (size_t q = 0; q < n; ++q) {
    const std::set<int64_t> want(truth[q].begin(), truth[q].end());
    for (int64_t id : run.ids[q]) hits += want.count(id);
    total_ms += run.ms[q];
  }
  std::vector<double> sorted = run.ms;
  std::sort(sorted.begin(), sorted.end());
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const size_t p90 = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n))) - 1;
  return {{"recall", hits / (static_cast<double>(n) * kK)},
          {"median_ms", median},
          {"p90_ms", sorted[p90]},
          {"qps", 1000.0 * static_cast<double>(n) / total_ms}};
}

// Times `search` (the ids of the k nearest to a query, nearest first) one
// query at a time over every query of `ds`, after `o.warmup` untimed ones,
// in `o.passes` passes: a query's latency is its median over the passes
// (so one preemption on a busy machine does not count), its ids those of
// the first pass.
Run TimeQueries(const Dataset& ds, const Options& o,
                const std::function<std::vector<int64_t>(const float*)>& search) {
  auto query = [&](int q) { return &ds.queries[static_cast<size_t>(q % ds.nq) * kDim]; };
  for (int i = 0; i < o.warmup; ++i) search(query(i));
  Run run;
  std::vector<std::vector<double>> times(static_cast<size_t>(ds.nq));
  for (int pass = 0; pass < o.passes; ++pass) {
    for (int q = 0; q < ds.nq; ++q) {
      std::vector<int64_t> ids;
      times[q].push_back(TimeMs([&] { ids = search(query(q)); }));
      if (pass == 0) run.ids.push_back(std::move(ids));
    }
  }
  for (std::vector<double>& t : times) {
    std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
    run.ms.push_back(t[t.size() / 2]);
  }
  return run;
}

// A peer's run from its JSON ({ms: [...], ids: [[...], ...]}, plus the
// configuration's keys), measured against `truth`.
json MeasurePeer(const json& r, const Truth& truth) {
  Run run;
  run.ms = r.at("ms").get<std::vector<double>>();
  run.ids = r.at("ids").get<Truth>();
  json out = Measure(run, truth);
  for (const auto& [key, value] : r.items()) {
    if (key != "ms" && key != "ids") out[key] = value;
  }
  return out;
}

// IVF_PQ configurations: nprobes 20 without and with refine 10, then the
// sweep (nprobes x refine), each once.
std::vector<std::pair<int, int>> IvfConfigs() {
  std::vector<std::pair<int, int>> configs = {{kNprobes, 0}, {kNprobes, kRefine}};
  for (int refine : kRefineSweep) {
    for (int nprobes : kNprobeSweep) {
      if (std::find(configs.begin(), configs.end(), std::pair{nprobes, refine}) == configs.end())
        configs.emplace_back(nprobes, refine);
    }
  }
  return configs;
}

struct FilterConfig {
  bool flat;
  int nprobes, refine_factor;
};
const FilterConfig kFilterConfigs[] = {{true, 0, 0}, {false, kNprobes, 0}, {false, kNprobes, kRefine}};

json ConfigJson(const FilterConfig& c) {
  return {{"flat", c.flat}, {"nprobes", c.nprobes}, {"refine_factor", c.refine_factor}};
}

// ---------------------------------------------------------------- Quiver

SchemaPtr VectorSchema(bool with_category) {
  std::vector<Field> fields = {Field("id", int64()), Field("vector", vector_type(kDim))};
  if (with_category) fields.emplace_back("category", utf8());
  return std::make_shared<Schema>(std::move(fields));
}

// Every query of `ds` through table->Search(), one at a time, with the
// options `configure` adds; the first error, if any.
Result<Run> QuiverQueries(const Table& table, const Dataset& ds, const Options& o,
                          const std::function<void(VectorQuery&)>& configure) {
  Status error;
  Run run = TimeQueries(ds, o, [&](const float* q) -> std::vector<int64_t> {
    if (!error.ok()) return {};
    VectorQuery query = table.Search(std::vector<float>(q, q + kDim));
    configure(query);
    Result<BatchPtr> got = query.Limit(kK).Columns({"id"}).ToBatch();
    if (!got.ok()) {
      error = got.status();
      return {};
    }
    const BatchPtr& b = *got;
    const ArrayPtr ids = b->GetColumn("id");
    if (ids == nullptr) {
      error = Status::Internal("the search returned no id column");
      return {};
    }
    return std::vector<int64_t>(ids->values<int64_t>(), ids->values<int64_t>() + b->num_rows());
  });
  if (!error.ok()) return error;
  return run;
}

json QuiverMeasure(const Table& table, const Dataset& ds, const Options& o, const Truth& truth,
                   const std::function<void(VectorQuery&)>& configure) {
  Result<Run> run = QuiverQueries(table, ds, o, configure);
  if (!run.ok()) {
    Warn("Quiver search failed: " + run.status().ToString());
    return {{"error", run.status().ToString()}};
  }
  return Measure(*run, truth);
}

// Builds a vector index; its build time, size and the RSS before it, or
// {"error": ...} when Quiver refuses (NotSupported) or fails.
json QuiverBuild(Table& table, IndexType type, const IndexOptions& options) {
  json out;
  out["rss_before"] = ResidentBytes();
  Status status;
  out["build_ms"] = TimeMs([&] { status = table.CreateIndex("vector", type, options).status(); });
  if (!status.ok()) {
    Warn(std::string("Quiver ") + IndexTypeName(type) + " not built: " + status.ToString());
    return {{"error", status.ToString()}};
  }
  Result<std::vector<IndexInfo>> indices = table.ListIndices();
  if (indices.ok()) {
    for (const IndexInfo& info : *indices) {
      if (info.type == IndexTypeName(type)) out["index_bytes"] = info.size_bytes;
    }
  }
  return out;
}

void FinishMemory(json* built) {
  if (built->contains("rss_before")) {
    (*built)["rss_delta_bytes"] = ResidentBytes() - (*built)["rss_before"].get<int64_t>();
    built->erase("rss_before");
  }
}

json RunQuiver(const Options& o, const Dataset& ds, const fs::path& dir) {
  ConnectOptions connect;
  connect.durable_writes = o.fsync;
  ConnectionPtr db = Check(Connect(dir.string(), connect), "connecting to " + dir.string());
  TablePtr table;
  json out;
  const std::vector<BatchPtr> batches = MakeBatches(ds.data, VectorSchema(ds.has_category), o.batch_rows);
  out["ingest_ms"] = TimeMs([&] { table = Check(db->CreateTable("vectors", batches), "CreateTable"); });
  Progress(ds.name + ": ingest " + Fixed(out["ingest_ms"], 0) + " ms");
  const std::set<std::string>& s = o.sections;

  if (s.count("exact")) {
    out["exact"] = QuiverMeasure(*table, ds, o, ds.truth, [](VectorQuery& q) { q.BypassVectorIndex(); });
    Progress(ds.name + ": exact search done");
  }

  if (s.count("ivfpq") || (s.count("filter") && ds.has_category)) {
    IndexOptions options;
    options.metric = "l2";
    options.num_partitions = kPartitions;
    options.num_sub_vectors = kSubVectors;
    options.num_bits = kBits;
    options.max_iterations = kKmeansIterations;
    options.sample_rate = kSampleRate;
    json ivf = QuiverBuild(*table, IndexType::kIvfPq, options);
    if (!ivf.contains("error")) {
      Progress(ds.name + ": IVF_PQ built in " + Fixed(ivf["build_ms"], 0) + " ms");
      if (s.count("ivfpq")) {
        for (const auto& [nprobes, refine] : IvfConfigs()) {
          json r = QuiverMeasure(*table, ds, o, ds.truth,
                                 [&](VectorQuery& q) { q.Nprobes(nprobes).RefineFactor(refine); });
          r["nprobes"] = nprobes;
          r["refine_factor"] = refine;
          ivf["runs"].push_back(r);
        }
      }
      FinishMemory(&ivf);
      Progress(ds.name + ": IVF_PQ searches done");
    }
    if (s.count("filter") && ds.has_category) {
      for (const FilterConfig& c : kFilterConfigs) {
        if (!c.flat && ivf.contains("error")) continue;  // no index to search
        json r = QuiverMeasure(*table, ds, o, ds.filtered_truth, [&](VectorQuery& q) {
          q.Where(kFilter).Prefilter(true);
          if (c.flat) {
            q.BypassVectorIndex();
          } else {
            q.Nprobes(c.nprobes).RefineFactor(c.refine_factor);
          }
        });
        r.update(ConfigJson(c));
        out["filter"]["runs"].push_back(r);
      }
      Progress(ds.name + ": filtered searches done");
    }
    out["ivf_pq"] = ivf;
  }

  if (s.count("hnsw")) {
    auto sweep = [&](json* built) {
      if (built->contains("error")) return;
      for (int ef : kEfSweep) {
        json r = QuiverMeasure(*table, ds, o, ds.truth, [&](VectorQuery& q) {
          if (ef > 0) q.Ef(ef);
        });
        r["ef"] = ef;
        (*built)["runs"].push_back(r);
      }
      FinishMemory(built);
    };
    IndexOptions options;
    options.metric = "l2";
    options.m = kHnswM;
    options.ef_construction = kHnswEfConstruction;
    json hnsw = QuiverBuild(*table, IndexType::kHnsw, options);
    sweep(&hnsw);
    out["hnsw"] = hnsw;
    Progress(ds.name + ": HNSW done");
    options.num_partitions = 1;
    json hnsw_sq = QuiverBuild(*table, IndexType::kIvfHnswSq, options);
    sweep(&hnsw_sq);
    out["hnsw_sq"] = hnsw_sq;
    Progress(ds.name + ": IVF_HNSW_SQ done");
  }
  return out;
}

// ---------------------------------------------------------------- FAISS

uint64_t FaissBytes(const faiss::Index& index) {
  faiss::VectorIOWriter writer;
  faiss::write_index(&index, &writer);
  return writer.data.size();
}

std::function<std::vector<int64_t>(const float*)> FaissSearch(const faiss::Index& index) {
  return [&index](const float* q) {
    std::vector<float> distances(kK);
    std::vector<faiss::Index::idx_t> labels(kK);
    index.search(1, q, kK, distances.data(), labels.data());
    std::vector<int64_t> ids;
    for (faiss::Index::idx_t l : labels) {
      if (l >= 0) ids.push_back(l);
    }
    return ids;
  };
}

json RunFaiss(const Options& o, const Dataset& ds) {
  const float* x = ds.data.vector.data();
  const auto n = static_cast<faiss::Index::idx_t>(ds.data.rows);
  json out;
  if (o.sections.count("exact")) {
    faiss::IndexFlatL2 flat(kDim);
    flat.add(n, x);
    out["exact"] = Measure(TimeQueries(ds, o, FaissSearch(flat)), ds.truth);
    Progress(ds.name + ": FAISS flat done");
  }

  if (o.sections.count("ivfpq")) {
    json ivf;
    const int64_t rss_before = ResidentBytes();
    faiss::IndexFlatL2 quantizer(kDim);
    faiss::IndexIVFPQ index(&quantizer, kDim, kPartitions, kSubVectors, kBits);
    index.cp.niter = kKmeansIterations;
    index.cp.max_points_per_centroid = kSampleRate;
    index.pq.cp.niter = kKmeansIterations;
    ivf["build_ms"] = TimeMs([&] {
      index.train(n, x);
      index.add(n, x);
    });
    ivf["index_bytes"] = FaissBytes(index);
    Progress(ds.name + ": FAISS IVFPQ built in " + Fixed(ivf["build_ms"], 0) + " ms");
    // The refine step keeps its own copy of the vectors (IndexRefineFlat).
    faiss::IndexRefineFlat refine(&index, x);
    for (const auto& [nprobes, refine_factor] : IvfConfigs()) {
      index.nprobe = nprobes;
      refine.k_factor = static_cast<float>(refine_factor);
      const faiss::Index& searched = refine_factor > 0 ? static_cast<const faiss::Index&>(refine) : index;
      json r = Measure(TimeQueries(ds, o, FaissSearch(searched)), ds.truth);
      r["nprobes"] = nprobes;
      r["refine_factor"] = refine_factor;
      ivf["runs"].push_back(r);
    }
    ivf["rss_delta_bytes"] = ResidentBytes() - rss_before;
    out["ivf_pq"] = ivf;
    Progress(ds.name + ": FAISS IVFPQ searches done");
  }

  if (o.sections.count("hnsw")) {
    json hnsw;
    const int64_t rss_before = ResidentBytes();
    faiss::IndexHNSWFlat index(kDim, kHnswM);
    index.hnsw.efConstruction = kHnswEfConstruction;
    hnsw["build_ms"] = TimeMs([&] { index.add(n, x); });
    hnsw["index_bytes"] = FaissBytes(index);
    Progress(ds.name + ": FAISS HNSWFlat built in " + Fixed(hnsw["build_ms"], 0) + " ms");
    const int default_ef = index.hnsw.efSearch;
    for (int ef : kEfSweep) {
      index.hnsw.efSearch = ef > 0 ? ef : default_ef;
      json r = Measure(TimeQueries(ds, o, FaissSearch(index)), ds.truth);
      r["ef"] = ef;
      hnsw["runs"].push_back(r);
    }
    hnsw["rss_delta_bytes"] = ResidentBytes() - rss_before;
    out["hnsw"] = hnsw;
    Progress(ds.name + ": FAISS HNSWFlat searches done");
  }
  return out;
}

// ---------------------------------------------------------------- hnswlib

// Whether this CPU runs hnswlib_peer.cc, which bench/CMakeLists.txt may
// compile for AVX2 + FMA (QUIVER_BENCH_HNSWLIB_AVX2).
bool HnswlibUsable() {
#if QUIVER_BENCH_HNSWLIB_AVX2
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return true;
#endif
}

json RunHnswlib(const Options& o, const Dataset& ds, int cpus, const fs::path& dir) {
  json out;
  const int64_t rss_before = ResidentBytes();
  std::unique_ptr<HnswlibPeer> index;
  out["build_ms"] = TimeMs([&] {
    index = HnswlibPeer::Build(ds.data.vector.data(), ds.data.rows, kDim, kHnswM, kHnswEfConstruction, cpus);
  });
  Progress(ds.name + ": hnswlib built in " + Fixed(out["build_ms"], 0) + " ms");
  out["index_bytes"] = index->SavedBytes((dir / "hnswlib.bin").string());
  for (int ef : kEfSweep) {
    index->SetEf(ef > 0 ? ef : kK);
    json r = Measure(TimeQueries(ds, o, [&](const float* q) { return index->Search(q, kK); }), ds.truth);
    r["ef"] = ef;
    out["runs"].push_back(r);
  }
  out["rss_delta_bytes"] = ResidentBytes() - rss_before;
  return out;
}

// ---------------------------------------------------------------- LanceDB

// Runs lancedb_vector.mjs on `ds`; its figures measured against the truth,
// or nullopt with the reason in `why`.
std::optional<json> RunLanceDb(const Options& o, const Dataset& ds, const fs::path& dir, std::string* why) {
  const fs::path data_dir = dir / "data";
  fs::create_directories(data_dir);
  std::string err = WriteRawColumns(ds.data, data_dir.string());
  if (err.empty()) {
    std::ofstream q(dir / "queries.f32", std::ios::binary);
    q.write(reinterpret_cast<const char*>(ds.queries.data()),
            static_cast<std::streamsize>(ds.queries.size() * sizeof(float)));
    if (!q) err = "could not write " + (dir / "queries.f32").string();
  }
  if (!err.empty()) Die(err);

  std::vector<std::string> sections;
  for (const std::string& s : o.sections) {
    if (s != "filter" || ds.has_category) sections.push_back(s);
  }
  json ivf_runs = json::array(), hnsw_runs = json::array(), filter_runs = json::array();
  for (const auto& [nprobes, refine] : IvfConfigs())
    ivf_runs.push_back({{"nprobes", nprobes}, {"refine_factor", refine}});
  for (int ef : kEfSweep) hnsw_runs.push_back({{"ef", ef}});
  for (const FilterConfig& c : kFilterConfigs) filter_runs.push_back(ConfigJson(c));
  const json spec = {
      {"dataset", ds.name},
      {"batch_rows", o.batch_rows},
      {"k", kK},
      {"warmup", o.warmup},
      {"passes", o.passes},
      {"queries_file", (dir / "queries.f32").string()},
      {"with_category", ds.has_category},
      {"sections", sections},
      {"ivf_pq",
       {{"num_partitions", kPartitions},
        {"num_sub_vectors", kSubVectors},
        {"num_bits", kBits},
        {"max_iterations", kKmeansIterations},
        {"sample_rate", kSampleRate}}},
      {"ivf_pq_runs", ivf_runs},
      {"filter", kFilter},
      {"filter_runs", filter_runs},
      {"hnsw_sq", {{"num_partitions", 1}, {"m", kHnswM}, {"ef_construction", kHnswEfConstruction}}},
      {"hnsw_sq_runs", hnsw_runs},
  };
  const fs::path spec_path = dir / "spec.json";
  {
    std::ofstream out(spec_path);
    out << spec.dump() << "\n";
    if (!out) Die("could not write " + spec_path.string());
  }
  const std::string args = "--spec " + Quote(spec_path.string()) + " --data " + Quote(data_dir.string()) +
                           " --db " + Quote((dir / "db").string());
  std::optional<json> raw = RunNodePeer(o.node_dir, "lancedb_vector.mjs", args, why);
  fs::remove_all(data_dir);
  if (!raw) return std::nullopt;

  json out = {{"lancedb_version", raw->value("lancedb_version", "?")},
              {"node_version", raw->value("node_version", "?")},
              {"ingest_ms", raw->value("ingest_ms", 0.0)}};
  if (raw->contains("exact")) out["exact"] = MeasurePeer((*raw)["exact"], ds.truth);
  auto index = [&](const char* key, const Truth& truth) {
    if (!raw->contains(key)) return;
    json r = (*raw)[key];
    json runs = json::array();
    for (const json& run : r["runs"]) runs.push_back(MeasurePeer(run, truth));
    r["runs"] = runs;
    out[key] = r;
  };
  index("ivf_pq", ds.truth);
  index("hnsw_sq", ds.truth);
  if (raw->contains("filter")) {
    for (const json& run : (*raw)["filter"]["runs"])
      out["filter"]["runs"].push_back(MeasurePeer(run, ds.filtered_truth));
  }
  return out;
}

// ---------------------------------------------------------------- report

// A table of cells: the first column left-aligned, the others right-aligned,
// each as wide as its widest cell.
void PrintGrid(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      const std::string pad(width[c] - cell.size(), ' ');
      line += c == 0 ? cell + pad : "  " + pad + cell;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

// `j[key]`, or null when `j` is not an object or has no such key.
json Get(const json& j, const char* key) { return j.is_object() && j.contains(key) ? j[key] : json(); }

// `j[key]` as a number, or nullopt when absent or not a number.
std::optional<double> Num(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

std::string Cell(std::optional<double> v, int decimals) {
  if (!v) return "n/a";
  if (decimals == 0)
    return *v < 0 ? "-" + Grouped(static_cast<uint64_t>(-*v + 0.5))
                  : Grouped(static_cast<uint64_t>(*v + 0.5));
  return Fixed(*v, decimals);
}

std::string Mb(std::optional<double> bytes) { return bytes ? Fixed(*bytes / 1e6, 1) : "n/a"; }

enum class Better { kLower, kHigher, kNone };

// How many times better Quiver's value is than the peer's (> 1: Quiver
// better), or "" when either is missing or the figure has no direction.
std::string Times(std::optional<double> quiver, std::optional<double> peer, Better better) {
  if (!quiver || !peer || better == Better::kNone || *quiver <= 0 || *peer <= 0) return "";
  const double r = better == Better::kLower ? *peer / *quiver : *quiver / *peer;
  return Fixed(r, r >= 100 ? 0 : 2) + "x";
}

// The run of `runs` whose keys match `config`, or null.
json FindRun(const json& side, const json& config) {
  if (!side.is_object() || !side.contains("runs")) return nullptr;
  for (const json& r : side["runs"]) {
    bool match = true;
    for (const auto& [k, v] : config.items()) match = match && r.contains(k) && r[k] == v;
    if (match) return r;
  }
  return nullptr;
}

// The fastest run with recall >= kTargetRecall: "QPS (config)", or
// "not reached (best recall R)".
std::string BestAtTarget(const json& side, const std::vector<std::string>& keys, std::optional<double>* qps) {
  qps->reset();
  if (!side.is_object() || !side.contains("runs")) return "n/a";
  const json* best = nullptr;
  double best_recall = 0;
  for (const json& r : side["runs"]) {
    const std::optional<double> recall = Num(r, "recall"), q = Num(r, "qps");
    if (!recall || !q) continue;
    best_recall = std::max(best_recall, *recall);
    if (*recall >= kTargetRecall && (best == nullptr || *q > (*best)["qps"].get<double>())) best = &r;
  }
  if (best == nullptr) return "not reached (max " + Fixed(best_recall, 3) + ")";
  *qps = (*best)["qps"].get<double>();
  std::string config;
  for (const std::string& k : keys)
    config += (config.empty() ? "" : " ") + k + " " + std::to_string((*best)[k].get<int>());
  return Cell(*qps, 0) + " (" + config + ")";
}

// A row "label | Quiver | peer1 | x | peer2 | x ..." from `key` of each
// side's figure object.
std::vector<std::string> Row(const std::string& label, const json& quiver, const std::vector<json>& peers,
                             const char* key, int decimals, Better better) {
  std::vector<std::string> row = {label, Cell(Num(quiver, key), decimals)};
  for (const json& p : peers) {
    row.push_back(Cell(Num(p, key), decimals));
    row.push_back(Times(Num(quiver, key), Num(p, key), better));
  }
  return row;
}

std::vector<std::string> MbRow(const std::string& label, const json& quiver, const std::vector<json>& peers) {
  std::vector<std::string> row = {label, Mb(Num(quiver, "rss_delta_bytes"))};
  for (const json& p : peers) {
    row.push_back(Mb(Num(p, "rss_delta_bytes")));
    row.push_back("");
  }
  return row;
}

std::vector<std::string> Header(const std::string& title, const std::vector<std::string>& sides) {
  std::vector<std::string> row = {title, sides[0]};
  for (size_t i = 1; i < sides.size(); ++i) {
    row.push_back(sides[i]);
    row.push_back("x");
  }
  return row;
}

std::string RecallQps(const json& r) {
  if (r.is_null()) return "n/a";
  if (r.contains("error")) return "error";
  return Cell(Num(r, "recall"), 3) + " / " + Cell(Num(r, "qps"), 0);
}

void PrintDataset(const Dataset& ds, const json& d, const std::set<std::string>& sections, double bandwidth) {
  const json q = Get(d, "quiver");
  const json l = Get(d, "lancedb");
  const json f = Get(d, "faiss");
  const json h = Get(d, "hnswlib");
  const std::string lance = "LanceDB";
  std::printf("\n== %s: %s\n   ground truth: %s\n", ds.name.c_str(), ds.description.c_str(),
              ds.truth_note.c_str());

  if (q.contains("exact")) {
    std::printf("\n-- 1. exact top-10 (no index), one query at a time\n");
    const json qe = Get(q, "exact");
    const std::vector<json> peers = {Get(l, "exact"), Get(f, "exact")};
    const double bytes = static_cast<double>(ds.data.rows) * kDim * sizeof(float);
    const double bound_ms = bytes / bandwidth * 1000;
    std::vector<std::vector<std::string>> grid = {
        Header("", {"Quiver", lance, "FAISS IndexFlatL2"}),
        Row("median latency (ms)", qe, peers, "median_ms", 2, Better::kLower),
        Row("p90 latency (ms)", qe, peers, "p90_ms", 2, Better::kLower),
        Row("QPS", qe, peers, "qps", 0, Better::kHigher),
        Row("recall@10", qe, peers, "recall", 3, Better::kNone),
        {"memory-bandwidth bound (ms)", Fixed(bound_ms, 2)},
        {"Quiver median / bound",
         Num(qe, "median_ms") ? Fixed(*Num(qe, "median_ms") / bound_ms, 2) + "x" : "n/a"},
    };
    PrintGrid(grid);
    std::printf("bound: %s MB of vectors / %s GB/s, one core's streaming read measured in this run\n",
                Fixed(bytes / 1e6, 1).c_str(), Fixed(bandwidth / 1e9, 2).c_str());
  }

  auto ivf_rows = [&](std::vector<std::vector<std::string>>* grid, const json& qs,
                      const std::vector<json>& peers, const json& config, const std::string& label) {
    std::vector<json> pr;
    for (const json& p : peers) pr.push_back(FindRun(p, config));
    const json qr = FindRun(qs, config);
    grid->push_back(Row(label + ": recall@10", qr, pr, "recall", 3, Better::kNone));
    grid->push_back(Row(label + ": median latency (ms)", qr, pr, "median_ms", 2, Better::kLower));
    grid->push_back(Row(label + ": QPS", qr, pr, "qps", 0, Better::kHigher));
  };
  auto best_row = [&](const std::string& label, const json& qs, const std::vector<json>& peers,
                      const std::vector<std::string>& keys) {
    std::optional<double> qq;
    std::vector<std::string> row = {label, BestAtTarget(qs, keys, &qq)};
    for (const json& p : peers) {
      std::optional<double> pq;
      row.push_back(BestAtTarget(p, keys, &pq));
      row.push_back(Times(qq, pq, Better::kHigher));
    }
    return row;
  };

  if (q.contains("ivf_pq") && sections.count("ivfpq")) {
    std::printf(
        "\n-- 2. IVF_PQ: %d partitions, %d sub-vectors x %d bits, L2; k-means %d iterations on up to %d rows "
        "per "
        "partition (IVF and PQ)\n",
        kPartitions, kSubVectors, kBits, kKmeansIterations, kSampleRate);
    const json qi = Get(q, "ivf_pq");
    const std::vector<json> peers = {Get(l, "ivf_pq"), Get(f, "ivf_pq")};
    std::vector<std::vector<std::string>> grid = {
        Header("", {"Quiver", lance, "FAISS IndexIVFPQ"}),
        Row("build (ms)", qi, peers, "build_ms", 0, Better::kLower),
        Row("index size (bytes)", qi, peers, "index_bytes", 0, Better::kLower),
        MbRow("resident memory growth (MB)", qi, peers),
    };
    ivf_rows(&grid, qi, peers, {{"nprobes", kNprobes}, {"refine_factor", 0}}, "nprobes 20");
    ivf_rows(&grid, qi, peers, {{"nprobes", kNprobes}, {"refine_factor", kRefine}}, "nprobes 20, refine 10");
    grid.push_back(best_row("QPS at recall >= 0.95 (sweep)", qi, peers, {"nprobes", "refine_factor"}));
    PrintGrid(grid);
    if (qi.contains("error")) std::printf("Quiver: %s\n", qi["error"].get<std::string>().c_str());
    std::printf("\nsweep, recall@10 / QPS:\n");
    std::vector<std::vector<std::string>> sweep = {{"nprobes", "refine", "Quiver", lance, "FAISS"}};
    for (const auto& [nprobes, refine] : IvfConfigs()) {
      const json config = {{"nprobes", nprobes}, {"refine_factor", refine}};
      sweep.push_back({std::to_string(nprobes), std::to_string(refine), RecallQps(FindRun(qi, config)),
                       RecallQps(FindRun(peers[0], config)), RecallQps(FindRun(peers[1], config))});
    }
    std::sort(sweep.begin() + 1, sweep.end(), [](const auto& a, const auto& b) {
      return std::pair{std::stoi(a[1]), std::stoi(a[0])} < std::pair{std::stoi(b[1]), std::stoi(b[0])};
    });
    PrintGrid(sweep);
  }

  if (q.contains("hnsw")) {
    std::printf("\n-- 3. HNSW: m %d (2m on level 0), ef_construction %d, L2\n", kHnswM, kHnswEfConstruction);
    const json qh = Get(q, "hnsw");
    const std::vector<json> peers = {h, Get(f, "hnsw")};
    std::vector<std::vector<std::string>> grid = {
        Header("", {"Quiver HNSW", "hnswlib", "FAISS IndexHNSWFlat"}),
        Row("build (ms)", qh, peers, "build_ms", 0, Better::kLower),
        Row("index size (bytes)", qh, peers, "index_bytes", 0, Better::kLower),
        MbRow("resident memory growth (MB)", qh, peers),
        best_row("QPS at recall >= 0.95 (sweep)", qh, peers, {"ef"}),
    };
    PrintGrid(grid);
    if (qh.contains("error")) std::printf("Quiver: %s\n", qh["error"].get<std::string>().c_str());

    const json qs = Get(q, "hnsw_sq");
    const json ls = Get(l, "hnsw_sq");
    std::printf("\nIVF_HNSW_SQ (1 partition, m %d, ef_construction %d, 8-bit SQ codes):\n", kHnswM,
                kHnswEfConstruction);
    std::vector<std::vector<std::string>> sq = {
        Header("", {"Quiver", lance}),
        Row("build (ms)", qs, {ls}, "build_ms", 0, Better::kLower),
        Row("index size (bytes)", qs, {ls}, "index_bytes", 0, Better::kLower),
        MbRow("resident memory growth (MB)", qs, {ls}),
    };
    for (int ef : {0, 100}) {
      const std::string label = ef == 0 ? "ef default" : "ef " + std::to_string(ef);
      const json qr = FindRun(qs, {{"ef", ef}}), lr = FindRun(ls, {{"ef", ef}});
      sq.push_back(Row(label + ": recall@10", qr, {lr}, "recall", 3, Better::kNone));
      sq.push_back(Row(label + ": median latency (ms)", qr, {lr}, "median_ms", 2, Better::kLower));
    }
    sq.push_back(best_row("QPS at recall >= 0.95 (sweep)", qs, {ls}, {"ef"}));
    PrintGrid(sq);
    if (qs.contains("error")) std::printf("Quiver: %s\n", qs["error"].get<std::string>().c_str());

    std::printf("\nsweep, recall@10 / QPS (ef 0: each side's default):\n");
    std::vector<std::vector<std::string>> sweep = {
        {"ef", "Quiver HNSW", "hnswlib", "FAISS HNSWFlat", "Quiver IVF_HNSW_SQ", "LanceDB IVF_HNSW_SQ"}};
    for (int ef : kEfSweep) {
      const json config = {{"ef", ef}};
      sweep.push_back({std::to_string(ef), RecallQps(FindRun(qh, config)), RecallQps(FindRun(h, config)),
                       RecallQps(FindRun(peers[1], config)), RecallQps(FindRun(qs, config)),
                       RecallQps(FindRun(ls, config))});
    }
    PrintGrid(sweep);
  }

  if (q.contains("filter")) {
    std::printf(
        "\n-- 4. filtered: where %s as a prefilter (%s rows match); recall against the filtered truth\n",
        kFilter, Grouped(ds.filtered_rows).c_str());
    std::vector<std::vector<std::string>> grid = {Header("", {"Quiver", lance})};
    const char* labels[] = {"flat (no index)", "IVF_PQ nprobes 20", "IVF_PQ nprobes 20, refine 10"};
    int i = 0;
    for (const FilterConfig& c : kFilterConfigs) {
      const json config = ConfigJson(c);
      const json qr = FindRun(Get(q, "filter"), config), lr = FindRun(Get(l, "filter"), config);
      grid.push_back(
          Row(std::string(labels[i]) + ": median latency (ms)", qr, {lr}, "median_ms", 2, Better::kLower));
      grid.push_back(Row(std::string(labels[i]) + ": recall@10", qr, {lr}, "recall", 3, Better::kNone));
      ++i;
    }
    PrintGrid(grid);
  }
}

int Main(int argc, char** argv) {
  SetProgramName("vector_bench");
  const Options o = ParseOptions(argc, argv);
  // Before any thread exists, so that every thread (Quiver's pool, OpenMP's,
  // the Node peer's) inherits it.
  const int cpus = PinToCpus(o.threads);
  omp_set_num_threads(cpus);
  const fs::path root = MakeTempRoot("quiver-vector-bench", o.keep);
  const double load_before = LoadAverage();

  const double bandwidth = ReadBandwidth();
  Progress("single-core streaming read: " + Fixed(bandwidth / 1e9, 2) + " GB/s");
  const bool hnswlib_usable = HnswlibUsable();

  json result = {
      {"k", kK},
      {"cpus", cpus},
      {"pinned", o.threads > 0},
      {"read_bandwidth_bytes_per_s", bandwidth},
      {"faiss_version", std::to_string(FAISS_VERSION_MAJOR) + "." + std::to_string(FAISS_VERSION_MINOR) +
                            "." + std::to_string(FAISS_VERSION_PATCH)},
      {"sections", o.sections}};
  std::vector<Dataset> datasets;
  std::string why_no_peer = o.peer ? "" : "--no-peer";
  for (const std::string& name : kDatasets) {
    if (!o.datasets.count(name)) continue;
    std::optional<Dataset> ds;
    if (name == "clustered") {
      ds = MakeClustered(o, cpus);
    } else {
      std::string why;
      ds = MakeSift(o, cpus, &why);
      if (!ds) {
        Warn("SIFT10K skipped: " + why);
        result["sift10k_skipped"] = why;
        continue;
      }
    }
    const fs::path dir = root / ds->name;
    fs::create_directories(dir);
    json d;
    d["rows"] = ds->data.rows;
    d["queries"] = ds->nq;
    d["quiver"] = RunQuiver(o, *ds, dir / "quiver");
    d["faiss"] = RunFaiss(o, *ds);
    if (o.sections.count("hnsw")) {
      if (hnswlib_usable) {
        d["hnswlib"] = RunHnswlib(o, *ds, cpus, dir);
      } else {
        Warn("hnswlib skipped: this CPU lacks AVX2 or FMA, which its build here targets");
      }
    }
    if (o.peer && why_no_peer.empty()) {
      std::optional<json> peer = RunLanceDb(o, *ds, dir / "lancedb", &why_no_peer);
      if (peer) {
        d["lancedb"] = *peer;
      } else {
        Warn("LanceDB side skipped: " + why_no_peer);
      }
    }
    result[ds->name] = d;
    datasets.push_back(std::move(*ds));
  }
  const double load_after = LoadAverage();
  result["load_average_1min"] = {load_before, load_after};

  if (!o.json_out.empty()) WriteJsonFile(o.json_out, result);
  if (o.json) {
    std::printf("%s\n", result.dump(2).c_str());
  } else {
    std::string lance = "LanceDB (skipped: " + why_no_peer + ")";
    for (const Dataset& ds : datasets) {
      if (result[ds.name].contains("lancedb")) {
        lance = "LanceDB " + result[ds.name]["lancedb"]["lancedb_version"].get<std::string>() + " (node " +
                result[ds.name]["lancedb"]["node_version"].get<std::string>() + ")";
      }
    }
    std::printf("vector_bench: Quiver vs %s, FAISS %s, hnswlib; top-%d, L2\n", lance.c_str(),
                result["faiss_version"].get<std::string>().c_str(), kK);
    std::printf(
        "%d CPUs%s; every search one query at a time, latency = wall time of one call (median of %d "
        "passes), QPS = queries / sum of latencies; %d warm-up queries first\n",
        cpus, o.threads > 0 ? " (process pinned with --threads)" : " (not pinned)", o.passes, o.warmup);
    std::printf(
        "x = how many times better Quiver is than the peer to its left (time: peer / Quiver; QPS: Quiver "
        "/ peer; bytes: peer / Quiver)\n");
    PrintLoad(load_before, load_after);
    for (const Dataset& ds : datasets) PrintDataset(ds, result[ds.name], o.sections, bandwidth);
    if (result.contains("sift10k_skipped"))
      std::printf("\nSIFT10K skipped: %s\n", result["sift10k_skipped"].get<std::string>().c_str());
  }
  RemoveTemp();
  return 0;
}

}  // namespace
}  // namespace quiver::bench

int main(int argc, char** argv) { return quiver::bench::Main(argc, argv); }

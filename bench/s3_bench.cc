// s3_bench: Quiver on an S3 bucket against Quiver on local disk and LanceDB
// on the same S3 server, in one run, on the same rows (bench_data.h):
//   1. ingest: one create-table call from in-memory batches, into a local
//      directory, into a fresh prefix of the bucket, and LanceDB into the
//      bucket too (bench/node/lancedb_s3.mjs); target: Quiver on S3 ingests
//      at >= 2x LanceDB's rows/s on S3.
//   2. search latency, p50 and p95, one query at a time, top 10, `id` only:
//      exact 10-NN (bypassing the index), IVF_PQ (nprobes 20, refine 10) and
//      full text (two words, OR), each on the local table and on the S3
//      table, warm (one connection with the default read cache, after a
//      warm-up pass over the queries; local and S3 queries take turns) and
//      cold (a new connection without a read cache and a new table handle
//      for every query, so every byte comes from the bucket); with the store
//      requests and bytes per query.
//      Target: S3 warm within 1.2x of local.
//   3. cold start: Connect, OpenTable and the first IVF_PQ search on the S3
//      table (new connection, empty cache); target: < 250 ms at 1,000,000
//      rows.
// bench/README.md says exactly what each figure covers.
//
//   s3_bench [--rows 200000] [--batch-rows 65536] [--ingest-reps 3] [--queries 200]
//            [--cold-queries 20] [--cold-start-reps 5] [--warmup 1] [--nprobes 20] [--refine 10]
//            [--bucket quiver-bench] [--start-server] [--no-fsync] [--json] [--json-out FILE]
//            [--no-peer] [--node-dir DIR] [--keep]
//
// The S3 server: the one QUIVER_S3_ENDPOINT, QUIVER_S3_ACCESS_KEY,
// QUIVER_S3_SECRET_KEY and QUIVER_S3_REGION name, as scripts/s3_server.sh
// prints them; when QUIVER_S3_ENDPOINT is unset (or with --start-server) the
// program starts a throwaway one with that script and stops it at exit. It
// creates the bucket when missing and writes under a prefix of its own,
// deleted at the end.
//
// Besides the public API this program uses src/io (to create the bucket and
// delete its prefix) and src/common/io_account.h (the per-query request
// counter that ExplainAnalyze() reports, here also around Connect and
// OpenTable).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench_data.h"
#include "bench_util.h"
#include "common/io_account.h"
#include "io/s3_config.h"
#include "io/s3_store.h"
#include "quiver/quiver.h"

namespace quiver::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kK = 10;
constexpr char kTable[] = "bench";
// Rows of the untimed warm-up ingest (the same on the peer's side).
constexpr int64_t kWarmupRows = 10000;
// The cold-start target of the S3 issue, and the table size it is set for.
constexpr double kColdStartTargetMs = 250;
constexpr int64_t kColdStartTargetRows = 1000000;

struct Options {
  CommonOptions common;
  int ingest_reps = 3;
  int queries = 200;
  int cold_queries = 20;
  int cold_start_reps = 5;
  int nprobes = 20;
  int refine = 10;
  std::string bucket = "quiver-bench";
  bool start_server = false;
};

[[noreturn]] void Usage(const char* argv0) {
  std::fprintf(
      stderr,
      "usage: %s [--rows N] [--batch-rows N] [--ingest-reps N] [--queries N] [--cold-queries N]\n"
      "          [--cold-start-reps N] [--warmup PASSES] [--nprobes N] [--refine N] [--bucket NAME]\n"
      "          [--start-server] [--no-fsync] [--json] [--json-out FILE] [--no-peer] [--node-dir DIR]\n"
      "          [--keep]\n",
      argv0);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  o.common.rows = 200000;
  o.common.warmup = 1;  // warm-up passes over the queries
  for (FlagReader flags(argc, argv); flags.Next();) {
    if (flags.ReadCommon(&o.common)) continue;
    const std::string& f = flags.flag();
    if (f == "--ingest-reps") {
      o.ingest_reps = flags.Count();
    } else if (f == "--queries") {
      o.queries = flags.Count();
    } else if (f == "--cold-queries") {
      o.cold_queries = flags.Count();
    } else if (f == "--cold-start-reps") {
      o.cold_start_reps = flags.Count();
    } else if (f == "--nprobes") {
      o.nprobes = flags.Count();
    } else if (f == "--refine") {
      o.refine = flags.Count();
    } else if (f == "--bucket") {
      o.bucket = flags.Value();
    } else if (f == "--start-server") {
      o.start_server = true;
    } else {
      Usage(argv[0]);
    }
  }
  if (o.common.rows < kWarmupRows) Die("--rows must be at least " + std::to_string(kWarmupRows));
  if (o.common.batch_rows < 1) Die("--batch-rows must be positive");
  if (o.ingest_reps < 1 || o.queries < 1 || o.cold_queries < 1 || o.cold_start_reps < 1)
    Die("--ingest-reps, --queries, --cold-queries and --cold-start-reps must be positive");
  o.cold_queries = std::min(o.cold_queries, o.queries);
  o.cold_start_reps = std::min(o.cold_start_reps, o.queries);
  return o;
}

// ---------------------------------------------------------------------------
// The S3 server and the bucket.

// The directory of the server this program started, while it runs.
std::string g_server_dir;

std::string ServerScript() { return (fs::path(QUIVER_SOURCE_DIR) / "scripts" / "s3_server.sh").string(); }

// Stops the server this program started (at exit, Die included).
void StopServer() {
  if (g_server_dir.empty()) return;
  const std::string dir = std::exchange(g_server_dir, "");
  std::fflush(stdout);
  const std::string command = Quote(ServerScript()) + " stop " + Quote(dir);
  if (std::system(command.c_str()) != 0) Warn("could not stop the S3 server; run: " + command);
}

// Starts a throwaway server with scripts/s3_server.sh in a new directory of
// the system temp dir (kept apart from the run's directory, which Die
// removes before the server is stopped) and puts its QUIVER_S3_* settings in
// the environment, where the Node peer finds them too.
void StartServer() {
  const std::string script = ServerScript();
  if (!fs::exists(script)) Die("no " + script + " to start an S3 server with");
  // Short: the script's admin sockets live under it (about 107 bytes at most).
  std::string dir = (fs::temp_directory_path() / "qs3-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) Die("cannot create a directory like " + dir);
  Progress("starting an S3 server in " + dir + " (" + script + ")");
  std::fflush(stderr);
  FILE* pipe = popen((Quote(script) + " start " + Quote(dir)).c_str(), "r");
  if (pipe == nullptr) Die("could not run " + script);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
  if (const int rc = pclose(pipe); rc != 0) {
    fs::remove_all(dir);
    Die(script + " start failed (exit status " + std::to_string(rc) +
        "; it needs the radosgw, ceph-mon and ceph-osd packages and root)");
  }
  g_server_dir = dir;
  std::atexit(StopServer);
  // Lines of "export NAME=value".
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    constexpr std::string_view kExport = "export ";
    if (!line.starts_with(kExport)) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = line.substr(kExport.size(), eq - kExport.size());
    setenv(name.c_str(), line.substr(eq + 1).c_str(), 1);
  }
  if (!std::getenv("QUIVER_S3_ENDPOINT")) Die(script + " printed no QUIVER_S3_ENDPOINT");
}

// LanceDB-style storage options for the server in the environment.
StorageOptions ServerStorageOptions() {
  auto env = [](const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return std::string(v ? v : fallback);
  };
  return {{"aws_endpoint", env("QUIVER_S3_ENDPOINT", "")},
          {"aws_access_key_id", env("QUIVER_S3_ACCESS_KEY", "")},
          {"aws_secret_access_key", env("QUIVER_S3_SECRET_KEY", "")},
          {"aws_region", env("QUIVER_S3_REGION", "us-east-1")}};
}

// The bucket's store, the bucket created when missing.
std::shared_ptr<S3ObjectStore> OpenBucket(const std::string& bucket, const StorageOptions& options) {
  S3Config config = Check(ResolveS3Config("s3://" + bucket, options), "resolving s3://" + bucket);
  std::shared_ptr<S3ObjectStore> store = Check(S3ObjectStore::Open(config), "opening s3://" + bucket);
  if (Status st = store->CreateBucket(); !st.ok()) Die("creating bucket " + bucket + ": " + st.ToString());
  return store;
}

// ---------------------------------------------------------------------------
// Data and queries.

SchemaPtr BenchSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      Field("id", int64()),
      Field("vector", vector_type(kDim)),
      Field("text", utf8()),
      Field("category", utf8()),
      Field("price", float64()),
  });
}

// The words of row `row` of the text column.
std::vector<std::string_view> Words(const BenchData& d, int64_t row) {
  std::vector<std::string_view> out;
  std::string_view text(d.text.data() + d.text_offsets[row], d.text_offsets[row + 1] - d.text_offsets[row]);
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct Queries {
  std::vector<std::vector<float>> vectors;  // stored vectors of random rows
  std::vector<std::string> texts;           // "w1 w2", as fts_bench's two-term queries
};

// Vector queries are the vectors of random rows (kQuerySeed); text queries
// pair two words drawn uniformly from the corpus's frequency ranks
// 10..1999, as fts_bench does.
Queries MakeQueries(const BenchData& d, int n) {
  Queries q;
  for (uint64_t row : RandomRowGroups(d.rows, 1, n)) {
    q.vectors.emplace_back(d.vector.begin() + row * kDim, d.vector.begin() + (row + 1) * kDim);
  }
  std::unordered_map<std::string_view, int64_t> counts;
  for (int64_t r = 0; r < d.rows; ++r) {
    for (std::string_view w : Words(d, r)) ++counts[w];
  }
  std::vector<std::pair<int64_t, std::string_view>> ranked;
  for (const auto& [w, c] : counts) ranked.emplace_back(-c, w);
  std::sort(ranked.begin(), ranked.end());
  const size_t lo = std::min<size_t>(10, ranked.size() - 1);
  const size_t hi = std::min<size_t>(2000, ranked.size());
  Rng rng(kQuerySeed);
  auto word = [&] { return std::string(ranked[lo + rng.Below(static_cast<uint32_t>(hi - lo))].second); };
  for (int i = 0; i < n; ++i) q.texts.push_back(word() + " " + word());
  return q;
}

// ---------------------------------------------------------------------------
// Ingest.

struct Ingests {
  std::vector<double> ms;
  std::vector<uint64_t> requests;  // S3 requests each call sent (S3 only)
};

// Times `reps` create-table calls, each into a new database at
// uri("ingest<r>"), after one untimed ingest of the first kWarmupRows rows
// into uri("warmup"). Each database but the last is dropped as soon as the
// next rep starts (a test server keeps little room). With `s3`, each timed
// call runs on an S3 store opened here, to count the requests it sends.
// `last` is the URI of the table left.
Ingests TimeIngests(const std::string& what, const Options& o,
                    const std::function<std::string(const std::string&)>& uri, const ConnectOptions& connect,
                    const std::vector<BatchPtr>& batches, const StorageOptions* s3, std::string* last) {
  {
    const std::vector<BatchPtr> small = {batches.front()->Slice(0, kWarmupRows)};
    ConnectionPtr db = Check(Connect(uri("warmup"), connect), "connecting to " + uri("warmup"));
    Check(db->CreateTable(kTable, small), what + ": CreateTable (warm-up)");
    if (Status st = db->DropTable(kTable); !st.ok())
      Die(what + ": dropping the warm-up table: " + st.ToString());
  }
  Ingests out;
  for (int r = 0; r < o.ingest_reps; ++r) {
    if (!last->empty()) {
      ConnectionPtr old = Check(Connect(*last, connect), "connecting to " + *last);
      if (Status st = old->DropTable(kTable); !st.ok()) Die("dropping " + *last + ": " + st.ToString());
    }
    *last = uri("ingest" + std::to_string(r));
    ConnectOptions options = connect;
    std::shared_ptr<S3ObjectStore> store;
    if (s3) {
      store = Check(S3ObjectStore::Open(Check(ResolveS3Config(*last, *s3), "resolving " + *last)),
                    "opening " + *last);
      options.store = store;
    }
    ConnectionPtr db = Check(Connect(*last, options), "connecting to " + *last);
    out.ms.push_back(TimeMs([&] { Check(db->CreateTable(kTable, batches), what + ": CreateTable"); }));
    std::string requests;
    if (store) {
      out.requests.push_back(store->requests_sent());
      requests = ", " + std::to_string(out.requests.back()) + " requests";
    }
    Progress(what + " ingest rep " + std::to_string(r) + ": " + Fixed(out.ms.back(), 1) + " ms" + requests);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Searches.

enum class Kind { kExact, kIvfPq, kFts };
constexpr Kind kKinds[] = {Kind::kExact, Kind::kIvfPq, Kind::kFts};

const char* KindKey(Kind k) {
  switch (k) {
    case Kind::kExact:
      return "exact";
    case Kind::kIvfPq:
      return "ivf_pq";
    case Kind::kFts:
      return "fts";
  }
  return "";
}

// Query `i` of kind `k` on `table`: top 10, `id` only. Dies on an error or
// a short answer.
BatchPtr RunQuery(const Table& table, Kind k, const Options& o, const Queries& q, int i) {
  Result<BatchPtr> got = [&]() -> Result<BatchPtr> {
    switch (k) {
      case Kind::kExact:
        return table.Search(q.vectors[i]).BypassVectorIndex().Limit(kK).Columns({"id"}).ToBatch();
      case Kind::kIvfPq:
        return table.Search(q.vectors[i])
            .Nprobes(o.nprobes)
            .RefineFactor(o.refine)
            .Limit(kK)
            .Columns({"id"})
            .ToBatch();
      case Kind::kFts:
        return table.TextSearch(FtsQuery::Match(q.texts[i])).Limit(kK).Columns({"id"}).ToBatch();
    }
    return Status::InvalidArgument("unknown query kind");
  }();
  BatchPtr batch = Check(std::move(got), std::string(KindKey(k)) + " query " + std::to_string(i));
  if (batch->num_rows() != kK) {
    Die(std::string(KindKey(k)) + " query " + std::to_string(i) + " returned " +
        std::to_string(batch->num_rows()) + " rows, expected " + std::to_string(kK));
  }
  return batch;
}

std::vector<int64_t> Ids(const BatchPtr& batch) {
  const int64_t* ids = batch->GetColumn("id")->values<int64_t>();
  return std::vector<int64_t>(ids, ids + batch->num_rows());
}

// Nearest-rank percentile of `times` (0 < p <= 1); 0 when empty.
double Percentile(std::vector<double> times, double p) {
  if (times.empty()) return 0;
  std::sort(times.begin(), times.end());
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(times.size())));
  return times[std::max<size_t>(rank, 1) - 1];
}

// Latencies of one kind of query in one place, with the store traffic the
// timed queries caused (IoAccount: requests and bytes that reached the
// store, reads the read cache answered).
struct Latencies {
  std::vector<double> ms;
  uint64_t requests = 0, bytes = 0, cache_hits = 0;
  // Opening (Connect + OpenTable) for cold queries: time and traffic.
  std::vector<double> open_ms;
  uint64_t open_requests = 0, open_bytes = 0;
  std::vector<std::vector<int64_t>> ids;  // each query's answer

  void Count(const IoAccount& a) {
    requests += a.requests.load();
    bytes += a.bytes_read.load();
    cache_hits += a.cache_hits.load();
  }
  json ToJson() const {
    const double n = std::max<double>(1, static_cast<double>(ms.size()));
    json out = {{"p50_ms", Percentile(ms, 0.5)},
                {"p95_ms", Percentile(ms, 0.95)},
                {"mean_ms", Summarise(ms).mean},
                {"queries", ms.size()},
                {"requests_per_query", static_cast<double>(requests) / n},
                {"bytes_per_query", static_cast<double>(bytes) / n},
                {"cache_hits_per_query", static_cast<double>(cache_hits) / n}};
    if (!open_ms.empty()) {
      out["open_p50_ms"] = Percentile(open_ms, 0.5);
      out["open_requests_per_query"] = static_cast<double>(open_requests) / n;
      out["open_bytes_per_query"] = static_cast<double>(open_bytes) / n;
    }
    return out;
  }
};

// Warm latencies on the local and the S3 table: `warmup` untimed passes
// over the queries on each, then one timed pass in which the two take turns
// query by query (which goes first alternates), so that both see the same
// load on a shared machine.
std::pair<Latencies, Latencies> TimeWarm(const Table& local, const Table& s3, Kind k, const Options& o,
                                         const Queries& q) {
  for (int pass = 0; pass < o.common.warmup; ++pass) {
    for (int i = 0; i < o.queries; ++i) {
      RunQuery(local, k, o, q, i);
      RunQuery(s3, k, o, q, i);
    }
  }
  Latencies on_local, on_s3;
  auto timed = [&](const Table& table, int i, Latencies* out) {
    IoAccount account;
    BatchPtr got;
    {
      ScopedIoAccount scope(&account);
      out->ms.push_back(TimeMs([&] { got = RunQuery(table, k, o, q, i); }));
    }
    out->Count(account);
    out->ids.push_back(Ids(got));
  };
  for (int i = 0; i < o.queries; ++i) {
    if (i % 2 == 0) {
      timed(local, i, &on_local);
      timed(s3, i, &on_s3);
    } else {
      timed(s3, i, &on_s3);
      timed(local, i, &on_local);
    }
  }
  return {std::move(on_local), std::move(on_s3)};
}

// Cold latencies: for each query a new connection without a read cache and
// a new table handle (timed apart), then the query (timed).
Latencies TimeCold(const std::string& uri, const StorageOptions& storage, Kind k, const Options& o,
                   const Queries& q) {
  ConnectOptions connect;
  connect.storage_options = storage;
  connect.read_cache_bytes = 0;
  Latencies out;
  for (int i = 0; i < o.cold_queries; ++i) {
    IoAccount open_account, account;
    TablePtr table;
    {
      ScopedIoAccount scope(&open_account);
      out.open_ms.push_back(TimeMs([&] {
        ConnectionPtr db = Check(Connect(uri, connect), "connecting to " + uri);
        table = Check(db->OpenTable(kTable), "OpenTable");
      }));
    }
    out.open_requests += open_account.requests.load();
    out.open_bytes += open_account.bytes_read.load();
    BatchPtr got;
    {
      ScopedIoAccount scope(&account);
      out.ms.push_back(TimeMs([&] { got = RunQuery(*table, k, o, q, i); }));
    }
    out.Count(account);
    out.ids.push_back(Ids(got));
  }
  return out;
}

// Cold start: Connect (default options: an empty read cache), OpenTable and
// the first IVF_PQ search, `cold_start_reps` times with different queries.
json TimeColdStart(const std::string& uri, const StorageOptions& storage, const Options& o,
                   const Queries& q) {
  ConnectOptions connect;
  connect.storage_options = storage;
  std::vector<double> total, open, search;
  uint64_t requests = 0, bytes = 0;
  for (int r = 0; r < o.cold_start_reps; ++r) {
    IoAccount account;
    ScopedIoAccount scope(&account);
    const double t0 = NowMs();
    ConnectionPtr db = Check(Connect(uri, connect), "connecting to " + uri);
    TablePtr table = Check(db->OpenTable(kTable), "OpenTable");
    const double t1 = NowMs();
    RunQuery(*table, Kind::kIvfPq, o, q, r);
    const double t2 = NowMs();
    total.push_back(t2 - t0);
    open.push_back(t1 - t0);
    search.push_back(t2 - t1);
    requests += account.requests.load();
    bytes += account.bytes_read.load();
  }
  const double n = o.cold_start_reps;
  const Summary s = Summarise(total);
  return {{"median_ms", s.median},
          {"min_ms", s.min},
          {"max_ms", s.max},
          {"reps", s.reps},
          {"open_median_ms", Summarise(open).median},
          {"search_median_ms", Summarise(search).median},
          {"requests", static_cast<double>(requests) / n},
          {"bytes", static_cast<double>(bytes) / n}};
}

// Builds the IVF_PQ (default parameters) and FTS (defaults) indexes on the
// table at `uri`; their build times in ms.
json BuildIndexes(const std::string& what, const std::string& uri, const ConnectOptions& connect) {
  ConnectionPtr db = Check(Connect(uri, connect), "connecting to " + uri);
  TablePtr table = Check(db->OpenTable(kTable), "OpenTable");
  IndexOptions vector;
  vector.metric = "l2";
  const double ivf_ms = TimeMs(
      [&] { Check(table->CreateIndex("vector", IndexType::kIvfPq, vector), what + ": IVF_PQ index"); });
  const double fts_ms =
      TimeMs([&] { Check(table->CreateIndex("text", IndexType::kFts), what + ": FTS index"); });
  Progress(what + ": IVF_PQ built in " + Fixed(ivf_ms, 0) + " ms, FTS in " + Fixed(fts_ms, 0) + " ms");
  return {{"ivf_pq_ms", ivf_ms}, {"fts_ms", fts_ms}};
}

// ---------------------------------------------------------------------------
// The peer.

// Writes what lancedb_s3.mjs reads besides the raw columns: queries.f32 (the
// query vectors) and fts.json (the text queries).
void WritePeerQueries(const Queries& q, const fs::path& dir) {
  std::ofstream vf(dir / "queries.f32", std::ios::binary);
  for (const auto& v : q.vectors) {
    vf.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  }
  std::ofstream tf(dir / "fts.json");
  tf << json(q.texts).dump() << "\n";
  if (!vf.good() || !tf.good()) Die("cannot write the peer's query files in " + dir.string());
}

std::optional<json> RunPeer(const Options& o, const fs::path& data_dir, const std::string& uri,
                            std::string* why) {
  const std::string args = "--data " + Quote(data_dir.string()) + " --uri " + Quote(uri) + " --batch-rows " +
                           std::to_string(o.common.batch_rows) + " --ingest-reps " +
                           std::to_string(o.ingest_reps) + " --queries " + std::to_string(o.queries) +
                           " --cold-queries " + std::to_string(o.cold_queries) + " --cold-start-reps " +
                           std::to_string(o.cold_start_reps) + " --warmup " +
                           std::to_string(o.common.warmup) + " --nprobes " + std::to_string(o.nprobes) +
                           " --refine " + std::to_string(o.refine);
  return RunNodePeer(o.common.node_dir, "lancedb_s3.mjs", args, why);
}

// ---------------------------------------------------------------------------
// The report.

// Prints rows of cells: the first column left-aligned, the others
// right-aligned, each column as wide as its widest cell.
void PrintGrid(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      line += c == 0 ? row[c] + pad : "  " + pad + row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

std::string P50P95(const json& j) {
  return j.contains("p50_ms") ? Fixed(j["p50_ms"], 3) + " / " + Fixed(j["p95_ms"], 3) : "-";
}

std::string PerQueryIo(const json& j) {
  if (!j.contains("requests_per_query")) return "-";
  return Fixed(j["requests_per_query"], 1) + " / " + Fixed(j["bytes_per_query"].get<double>() / 1024, 1);
}

std::string RowsPerSecond(int64_t rows, double ms) {
  return Grouped(static_cast<uint64_t>(rows / ms * 1000));
}

void PrintReport(const Options& o, const json& out) {
  const json& q = out["quiver"];
  const bool peer = out.contains("lancedb");
  const json& l = peer ? out["lancedb"] : json::object();
  std::printf("s3_bench: %s rows (%s), batches of %s rows; S3: %s\n", Grouped(o.common.rows).c_str(),
              out["columns"].get<std::string>().c_str(), Grouped(o.common.batch_rows).c_str(),
              out["s3_endpoint"].get<std::string>().c_str());
  std::printf(
      "searches: top %d, id only; %d queries warm (after %d warm-up pass%s), %d cold; IVF_PQ nprobes %d, "
      "refine %d\n",
      kK, o.queries, o.common.warmup, o.common.warmup == 1 ? "" : "es", o.cold_queries, o.nprobes, o.refine);
  PrintLoad(out["load_average_1min"][0], out["load_average_1min"][1]);

  // 1. Ingest.
  const double q_local = q["ingest_local_ms"]["median"], q_s3 = q["ingest_s3_ms"]["median"];
  std::vector<std::vector<std::string>> ingest = {
      {"ingest, median of " + std::to_string(o.ingest_reps), "Quiver local", "Quiver S3",
       peer ? "LanceDB " + l.value("lancedb_version", std::string("?")) + " S3" : "LanceDB S3", "S3 ratio",
       "target"},
      {"one create-table call (ms)", Fixed(q_local, 1), Fixed(q_s3, 1),
       peer ? Fixed(l["ingest_ms"]["median"], 1) : "-", "", ""},
  };
  if (peer) {
    const double l_s3 = l["ingest_ms"]["median"];
    const double ratio = l_s3 / q_s3;
    ingest.push_back({"rows/s", RowsPerSecond(o.common.rows, q_local), RowsPerSecond(o.common.rows, q_s3),
                      RowsPerSecond(o.common.rows, l_s3), Fixed(ratio, 2) + "x",
                      Verdict(ratio >= 2.0, ">= 2x LanceDB's rows/s on S3")});
  } else {
    ingest.push_back(
        {"rows/s", RowsPerSecond(o.common.rows, q_local), RowsPerSecond(o.common.rows, q_s3), "-", "", ""});
  }
  if (const json& requests = q["ingest_s3_requests"]; !requests.empty()) {
    ingest.push_back(
        {"S3 requests of the last call", "", Grouped(requests.back().get<uint64_t>()), "", "", ""});
  }
  PrintGrid(ingest);

  // Index builds, for reference.
  std::printf("\n");
  PrintGrid({{"index build (ms)", "Quiver local", "Quiver S3", "LanceDB S3"},
             {"IVF_PQ, default parameters", Fixed(q["index_local"]["ivf_pq_ms"], 0),
              Fixed(q["index_s3"]["ivf_pq_ms"], 0), peer ? Fixed(l["index_ms"]["ivf_pq"], 0) : "-"},
             {"FTS on text, defaults", Fixed(q["index_local"]["fts_ms"], 0),
              Fixed(q["index_s3"]["fts_ms"], 0), peer ? Fixed(l["index_ms"]["fts"], 0) : "-"}});

  // 2. Search latency.
  const std::map<std::string, std::string> names = {
      {"exact", "exact 10-NN"},
      {"ivf_pq",
       "IVF_PQ (nprobes " + std::to_string(o.nprobes) + ", refine " + std::to_string(o.refine) + ")"},
      {"fts", "FTS, two words (OR)"}};
  std::vector<std::vector<std::string>> search = {{"search p50 / p95 (ms)", "Quiver local", "Quiver S3 warm",
                                                   "Quiver S3 cold", "LanceDB S3 warm", "S3 warm / local",
                                                   "target"}};
  for (Kind k : kKinds) {
    const std::string key = KindKey(k);
    const json& s = q["search"][key];
    const double ratio = s["s3_warm"]["p50_ms"].get<double>() / s["local"]["p50_ms"].get<double>();
    search.push_back({names.at(key), P50P95(s["local"]), P50P95(s["s3_warm"]), P50P95(s["s3_cold"]),
                      peer ? P50P95(l["search"][key]) : "-", Fixed(ratio, 2) + "x",
                      Verdict(ratio <= 1.2, "<= 1.2x (p50)")});
  }
  std::printf("\n");
  PrintGrid(search);
  if (peer) {
    std::printf(
        "(LanceDB's exact search: %d queries, as many as the cold ones; it reads the vector column from the "
        "bucket every time)\n",
        o.cold_queries);
  }

  std::vector<std::vector<std::string>> io = {
      {"store requests / KiB per query", "local", "S3 warm", "S3 cold", "S3 cold: Connect + OpenTable"}};
  for (Kind k : kKinds) {
    const std::string key = KindKey(k);
    const json& s = q["search"][key];
    const json& c = s["s3_cold"];
    io.push_back({names.at(key), PerQueryIo(s["local"]), PerQueryIo(s["s3_warm"]), PerQueryIo(c),
                  Fixed(c["open_requests_per_query"], 1) + " / " +
                      Fixed(c["open_bytes_per_query"].get<double>() / 1024, 1) + " (" +
                      Fixed(c["open_p50_ms"], 1) + " ms)"});
  }
  std::printf("\n");
  PrintGrid(io);

  // 3. Cold start.
  const json& cs = q["cold_start"];
  const bool at_target_size = o.common.rows >= kColdStartTargetRows;
  std::vector<std::vector<std::string>> cold = {
      {"cold start: Connect to first IVF_PQ answer (ms)", "median", "min", "max", "Connect + OpenTable",
       "search", "requests / KiB", "target"},
      {"Quiver S3", Fixed(cs["median_ms"], 1), Fixed(cs["min_ms"], 1), Fixed(cs["max_ms"], 1),
       Fixed(cs["open_median_ms"], 1), Fixed(cs["search_median_ms"], 1),
       Fixed(cs["requests"], 1) + " / " + Fixed(cs["bytes"].get<double>() / 1024, 1),
       at_target_size ? Verdict(cs["median_ms"].get<double>() < kColdStartTargetMs, "< 250 ms")
                      : "(< 250 ms at 1,000,000 rows)"}};
  if (peer) {
    const json& lc = l["cold_start_ms"];
    cold.push_back({"LanceDB S3", Fixed(lc["median"], 1), Fixed(lc["min"], 1), Fixed(lc["max"], 1),
                    Fixed(l["cold_start_open_ms"]["median"], 1),
                    Fixed(l["cold_start_search_ms"]["median"], 1), "", ""});
  }
  std::printf("\n");
  PrintGrid(cold);

  std::printf("\n");
  for (const auto& [key, agree] : q["answers_agree"].items()) {
    std::printf("%s answers, S3 warm vs local: %s of %d queries identical\n", key.c_str(),
                Grouped(agree.get<uint64_t>()).c_str(), o.queries);
  }
  if (!peer) std::printf("LanceDB side skipped: %s\n", out["lancedb_skipped"].get<std::string>().c_str());
}

int Main(int argc, char** argv) {
  SetProgramName("s3_bench");
  const Options o = ParseOptions(argc, argv);
  const fs::path root = MakeTempRoot("quiver-s3-bench", o.common.keep);
  const double load_before = LoadAverage();

  if (o.start_server || !std::getenv("QUIVER_S3_ENDPOINT")) {
    if (!o.start_server) Progress("QUIVER_S3_ENDPOINT is unset: starting a throwaway S3 server");
    StartServer();
  }
  const StorageOptions storage = ServerStorageOptions();
  std::shared_ptr<S3ObjectStore> bucket = OpenBucket(o.bucket, storage);
  // A prefix of this run's own in the bucket, deleted at the end.
  const std::string run_prefix =
      "s3-bench-" + std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr));
  const std::string s3_root = "s3://" + o.bucket + "/" + run_prefix;
  Progress("S3: " + storage.at("aws_endpoint") + ", writing under " + s3_root);

  BenchData data;
  const double gen_ms = TimeMs([&] { data = GenerateBenchData(o.common.rows); });
  const Queries queries = MakeQueries(data, o.queries);
  Progress("generated " + Grouped(o.common.rows) + " rows and " + std::to_string(o.queries) + " queries in " +
           Fixed(gen_ms, 0) + " ms");
  const fs::path data_dir = root / "data";
  if (o.common.peer) {
    fs::create_directories(data_dir);
    if (std::string err = WriteRawColumns(data, data_dir.string()); !err.empty()) Die(err);
    WritePeerQueries(queries, data_dir);
  }

  const std::vector<BatchPtr> batches = MakeBatches(data, BenchSchema(), o.common.batch_rows);
  ConnectOptions local_connect;
  local_connect.durable_writes = o.common.fsync;
  ConnectOptions s3_connect;
  s3_connect.storage_options = storage;

  // 1. Ingest.
  json quiver;
  std::string local_uri, s3_uri;
  const Ingests local_ingest = TimeIngests(
      "local", o, [&](const std::string& name) { return (root / "quiver" / name).string(); }, local_connect,
      batches, nullptr, &local_uri);
  const Ingests s3_ingest = TimeIngests(
      "S3", o, [&](const std::string& name) { return s3_root + "/quiver-" + name; }, s3_connect, batches,
      &storage, &s3_uri);
  quiver["ingest_local_ms"] = SummaryJson(local_ingest.ms);
  quiver["ingest_s3_ms"] = SummaryJson(s3_ingest.ms);
  quiver["ingest_s3_requests"] = s3_ingest.requests;
  quiver["index_local"] = BuildIndexes("local", local_uri, local_connect);
  quiver["index_s3"] = BuildIndexes("S3", s3_uri, s3_connect);

  // 2. Search latency: local, S3 warm (a new connection, so that only the
  // warm-up pass fills its cache), S3 cold.
  {
    ConnectionPtr local_db = Check(Connect(local_uri, local_connect), "connecting to " + local_uri);
    TablePtr local = Check(local_db->OpenTable(kTable), "OpenTable (local)");
    ConnectionPtr s3_db = Check(Connect(s3_uri, s3_connect), "connecting to " + s3_uri);
    TablePtr s3 = Check(s3_db->OpenTable(kTable), "OpenTable (S3)");
    for (Kind k : kKinds) {
      const std::string key = KindKey(k);
      const auto [on_local, warm] = TimeWarm(*local, *s3, k, o, queries);
      const Latencies cold = TimeCold(s3_uri, storage, k, o, queries);
      int agree = 0;
      for (int i = 0; i < o.queries; ++i) agree += on_local.ids[i] == warm.ids[i];
      quiver["answers_agree"][key] = agree;
      quiver["search"][key] = {
          {"local", on_local.ToJson()}, {"s3_warm", warm.ToJson()}, {"s3_cold", cold.ToJson()}};
      Progress(key + ": p50 local " + Fixed(Percentile(on_local.ms, 0.5), 3) + " ms, S3 warm " +
               Fixed(Percentile(warm.ms, 0.5), 3) + " ms, S3 cold " + Fixed(Percentile(cold.ms, 0.5), 3) +
               " ms");
    }
    const ReadCacheStatistics cache = s3_db->read_cache_statistics();
    quiver["s3_warm_read_cache"] = {{"hits", cache.hits},
                                    {"misses", cache.misses},
                                    {"bytes_hit", cache.bytes_hit},
                                    {"bytes_missed", cache.bytes_missed},
                                    {"memory_bytes", cache.memory_bytes}};
    // One plan with its IO, for the progress log: a cold IVF_PQ search.
    ConnectOptions cold_connect = s3_connect;
    cold_connect.read_cache_bytes = 0;
    ConnectionPtr cold_db = Check(Connect(s3_uri, cold_connect), "connecting to " + s3_uri);
    TablePtr cold = Check(cold_db->OpenTable(kTable), "OpenTable (S3, cold)");
    const std::string plan = Check(cold->Search(queries.vectors[0])
                                       .Nprobes(o.nprobes)
                                       .RefineFactor(o.refine)
                                       .Limit(kK)
                                       .Columns({"id"})
                                       .ExplainAnalyze(),
                                   "ExplainAnalyze");
    quiver["explain_analyze_ivf_pq_cold"] = plan;
    Progress("a cold IVF_PQ search on S3, ExplainAnalyze():\n" + plan);
  }

  // 3. Cold start.
  quiver["cold_start"] = TimeColdStart(s3_uri, storage, o, queries);
  Progress("cold start: median " + Fixed(quiver["cold_start"]["median_ms"], 1) + " ms");

  json out = {
      {"rows", o.common.rows},
      {"batch_rows", o.common.batch_rows},
      {"columns", "id int64, vector fixed_size_list<float>[128], text utf8, category utf8, price float64"},
      {"s3_endpoint", storage.at("aws_endpoint")},
      {"queries", o.queries},
      {"cold_queries", o.cold_queries},
      {"warmup_passes", o.common.warmup},
      {"nprobes", o.nprobes},
      {"refine_factor", o.refine},
      {"quiver", quiver}};

  // LanceDB, on the same server.
  std::string why_no_peer = "--no-peer";
  if (o.common.peer) {
    std::optional<json> peer = RunPeer(o, data_dir, s3_root + "/lancedb", &why_no_peer);
    if (peer) {
      out["lancedb"] = *peer;
    } else {
      Warn("LanceDB side skipped: " + why_no_peer);
    }
  }
  if (!out.contains("lancedb")) out["lancedb_skipped"] = why_no_peer;

  if (g_server_dir.empty()) {
    // Someone else's server: leave the bucket as it was.
    if (Status st = bucket->DeletePrefix(run_prefix + "/"); !st.ok())
      Warn("could not delete " + s3_root + ": " + st.ToString());
  } else {
    StopServer();  // before the report, so that its messages come first
  }
  out["load_average_1min"] = {load_before, LoadAverage()};

  if (!o.common.json_out.empty()) WriteJsonFile(o.common.json_out, out);
  if (o.common.json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    PrintReport(o, out);
  }
  RemoveTemp();
  return 0;
}

}  // namespace
}  // namespace quiver::bench

int main(int argc, char** argv) { return quiver::bench::Main(argc, argv); }

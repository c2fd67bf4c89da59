// server_bench: what `quiver serve` adds to a search. 10-NN searches on one
// IVF_PQ-indexed table, closed loop (each client sends its next request when
// the previous answer arrived) at several concurrencies, bounded in time and
// count, through:
//   embedded     Table::Search in this process, one thread per client
//   http-json    POST /tables/bench/search (Quiver's JSON API, JSON answer)
//   http-lance   POST /v1/table/bench/query/ (LanceDB's protocol, Arrow answer)
// and, when node and @lancedb/lancedb are installed (bench/node/lancedb_server.mjs),
//   lancedb-embedded  LanceDB's Node library on a local copy of the same rows
//   lancedb-client    LanceDB's Node client in remote mode against this server
// Each path runs two searches: through the IVF_PQ index (a fraction of a
// millisecond, so the server's fixed cost per request shows) and exact (a few
// milliseconds). Prints requests per second and p50/p99 latency per search,
// path and concurrency, and the server's overhead over the embedded library
// at concurrency 1 (the target: under 15 %). The server runs in this process on 127.0.0.1 (port chosen by the
// system); clients and server share the machine's cores, as on any loopback test.
//
//   server_bench [--rows 100000] [--queries 500] [--concurrency 1,8,32]
//                [--seconds 5] [--max-requests 20000] [--nprobes 20] [--query-timeout-ms 30000]
//                [--json] [--json-out FILE] [--no-peer] [--keep]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "bench_util.h"
#include "server/server.h"

namespace quiver::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kK = 10;
constexpr char kTable[] = "bench";

struct Options {
  CommonOptions common;
  int queries = 500;
  std::vector<int> concurrency = {1, 8, 32};
  double seconds = 5;
  int64_t max_requests = 20'000;
  int nprobes = 20;
  int64_t query_timeout_ms = 30'000;  // the server's default; 0 runs searches on the request's thread
};

std::vector<int> ParseList(const char* flag, const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const int64_t v = ParseInt(flag, item.c_str());
    if (v < 1 || v > 1024) Die(std::string(flag) + ": each value must be in 1..1024");
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) Die(std::string(flag) + ": expected a comma-separated list");
  return out;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  o.common.rows = 100'000;
  o.common.warmup = 20;
  for (FlagReader flags(argc, argv); flags.Next();) {
    if (flags.ReadCommon(&o.common)) continue;
    const std::string& f = flags.flag();
    if (f == "--queries") {
      o.queries = flags.Count();
    } else if (f == "--concurrency") {
      o.concurrency = ParseList("--concurrency", flags.Value());
    } else if (f == "--seconds") {
      o.seconds = static_cast<double>(flags.Int());
    } else if (f == "--max-requests") {
      o.max_requests = flags.Int();
    } else if (f == "--nprobes") {
      o.nprobes = flags.Count();
    } else if (f == "--query-timeout-ms") {
      o.query_timeout_ms = flags.Int();
    } else {
      Die("unknown flag " + f +
          " (flags: --rows --queries --concurrency --seconds --max-requests --nprobes --query-timeout-ms "
          "--warmup --json "
          "--json-out --no-peer --keep --node-dir)");
    }
  }
  if (o.queries < 1) Die("--queries must be at least 1");
  if (o.common.rows < 1000) Die("--rows must be at least 1000");
  return o;
}

// One closed-loop run: `clients` threads, each calling `request(client, i)`
// for query numbers i until `seconds` passed or `max_requests` were sent in
// all. `request` returns false on a failed request (the run then stops and
// dies with the message it left in *error).
struct LoadResult {
  int clients = 0;
  double seconds = 0;
  std::vector<double> latency_ms;  // one per answered request
  int64_t requests() const { return static_cast<int64_t>(latency_ms.size()); }
};

using Request = std::function<bool(int client, int query, std::string* error)>;

LoadResult RunLoad(const std::string& what, int clients, const Options& o, int num_queries,
                   const Request& request) {
  // Warm each client up (connections opened, caches filled) untimed.
  for (int c = 0; c < clients; ++c) {
    for (int i = 0; i < std::max(1, o.common.warmup / clients); ++i) {
      std::string error;
      if (!request(c, i % num_queries, &error)) Die(what + ": " + error);
    }
  }
  std::atomic<int64_t> sent{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;
  std::vector<std::vector<double>> per_client(clients);
  const double start = NowMs();
  const double deadline = start + o.seconds * 1000;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int64_t n = sent.fetch_add(1); n < o.max_requests && !failed; n = sent.fetch_add(1)) {
        const double t0 = NowMs();
        if (t0 > deadline) break;
        std::string error;
        if (!request(c, static_cast<int>((n * 7919) % num_queries), &error)) {
          std::lock_guard lock(failure_mu);
          failure = error;
          failed = true;
          break;
        }
        per_client[c].push_back(NowMs() - t0);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (failed) Die(what + ": " + failure);
  LoadResult r;
  r.clients = clients;
  r.seconds = (NowMs() - start) / 1000;
  for (const auto& v : per_client) r.latency_ms.insert(r.latency_ms.end(), v.begin(), v.end());
  return r;
}

json LoadJson(const LoadResult& r) {
  const Summary s = Summarise(r.latency_ms);
  return {{"concurrency", r.clients}, {"requests", r.requests()},
          {"seconds", r.seconds},     {"rps", r.seconds > 0 ? r.requests() / r.seconds : 0},
          {"p50_ms", s.median},       {"p99_ms", s.p99},
          {"mean_ms", s.mean}};
}

std::string VectorJson(const float* v) {
  std::string out = "[";
  for (int d = 0; d < kDim; ++d) {
    if (d) out += ',';
    out += std::to_string(v[d]);
  }
  return out + "]";
}

// Each client's own keep-alive connection.
std::vector<std::unique_ptr<httplib::Client>> Connections(int port, int clients) {
  std::vector<std::unique_ptr<httplib::Client>> out;
  for (int c = 0; c < clients; ++c) {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_read_timeout(60, 0);
    out.push_back(std::move(client));
  }
  return out;
}

// One POST; false with the reason when it did not answer 200.
bool Post(httplib::Client& client, const std::string& path, const std::string& body, std::string* answer,
          std::string* error) {
  httplib::Result res = client.Post(path, body, "application/json");
  if (!res) {
    *error = path + ": " + httplib::to_string(res.error());
    return false;
  }
  if (res->status != 200) {
    *error = path + ": HTTP " + std::to_string(res->status) + ": " + res->body;
    return false;
  }
  *answer = std::move(res->body);
  return true;
}

int Main(int argc, char** argv) {
  SetProgramName("server_bench");
  const Options o = ParseOptions(argc, argv);
  const double load_before = LoadAverage();
  const fs::path root = MakeTempRoot("quiver-server-bench", o.common.keep);

  Progress("generating " + Grouped(o.common.rows) + " rows");
  const BenchData data = GenerateBenchData(o.common.rows);
  // Queries: stored vectors of random rows (each one's own row is a hit).
  const std::vector<uint64_t> query_rows = RandomRowGroups(o.common.rows, 1, o.queries);
  std::vector<float> queries(query_rows.size() * kDim);
  for (size_t i = 0; i < query_rows.size(); ++i) {
    std::copy_n(&data.vector[query_rows[i] * kDim], kDim, &queries[i * kDim]);
  }
  const int nq = static_cast<int>(query_rows.size());
  const float* query = queries.data();

  // The table, written and indexed through the library; the server opens the
  // same directory.
  const fs::path db_dir = root / "quiver";
  IndexOptions index;
  index.metric = "l2";
  {
    ConnectOptions connect;
    connect.durable_writes = o.common.fsync;
    ConnectionPtr db = Check(Connect(db_dir.string(), connect), "Connect");
    auto schema = std::make_shared<Schema>(
        std::vector<Field>{Field("id", int64()), Field("vector", vector_type(kDim))});
    TablePtr table =
        Check(db->CreateTable(kTable, MakeBatches(data, schema, o.common.batch_rows)), "CreateTable");
    const double ms =
        TimeMs([&] { Check(table->CreateIndex("vector", IndexType::kIvfPq, index), "CreateIndex"); });
    Progress("IVF_PQ index built in " + Fixed(ms, 0) + " ms");
  }

  json out = {{"rows", o.common.rows},
              {"dim", kDim},
              {"k", kK},
              {"nprobes", o.nprobes},
              {"seconds_per_run", o.seconds},
              {"max_requests_per_run", o.max_requests},
              {"query_timeout_ms", o.query_timeout_ms}};

  // The server, in this process on a free loopback port.
  server::ServerOptions server_options;
  server_options.db_uri = db_dir.string();
  server_options.port = 0;
  server_options.durable_writes = o.common.fsync;
  server_options.query_timeout = std::chrono::milliseconds(o.query_timeout_ms);
  auto srv = Check(server::Server::Create(server_options), "starting the server");
  if (Status st = srv->Bind(); !st.ok()) Die("binding the server: " + st.ToString());
  const int port = srv->port();
  std::thread serving([&] { srv->Run(); });

  ConnectionPtr db = Check(Connect(db_dir.string()), "Connect");
  TablePtr table = Check(db->OpenTable(kTable), "OpenTable");
  const std::string json_path = std::string("/tables/") + kTable + "/search";
  const std::string lance_path = std::string("/v1/table/") + kTable + "/query/";
  // Two searches: through the IVF_PQ index (a fraction of a millisecond, so
  // the server's fixed cost per request shows), and exact (milliseconds).
  for (const bool exact : {false, true}) {
    const std::string config = exact ? "exact" : "ivf_pq";
    json& runs = out[config];
    for (int clients : o.concurrency) {
      LoadResult r = RunLoad("embedded", clients, o, nq, [&](int, int q, std::string* error) {
        VectorQuery search = table->Search(std::vector<float>(query + q * kDim, query + (q + 1) * kDim));
        search.Nprobes(o.nprobes).BypassVectorIndex(exact).Limit(kK).Columns({"id"});
        Result<BatchPtr> got = search.ToBatch();
        if (!got.ok() || (*got)->num_rows() != kK) {
          *error = got.ok() ? "short answer" : got.status().ToString();
          return false;
        }
        return true;
      });
      runs["embedded"].push_back(LoadJson(r));
      Progress(config + ", embedded, " + std::to_string(clients) + " clients: " + Grouped(r.requests()) +
               " searches");
    }

    std::vector<std::string> json_bodies, lance_bodies;
    const std::string options = R"(,"k":10,"nprobes":)" + std::to_string(o.nprobes) +
                                R"(,"bypass_vector_index":)" + (exact ? "true" : "false");
    for (int q = 0; q < nq; ++q) {
      const std::string v = VectorJson(query + q * kDim);
      json_bodies.push_back(R"({"vector":)" + v + options + R"(,"columns":["id"]})");
      lance_bodies.push_back(R"({"vector":)" + v + options +
                             R"(,"columns":["id"],"prefilter":true,"refine_factor":null,"version":null})");
    }
    for (int clients : o.concurrency) {
      auto conns = Connections(port, clients);
      LoadResult r = RunLoad("http-json", clients, o, nq, [&](int c, int q, std::string* error) {
        std::string answer;
        if (!Post(*conns[c], json_path, json_bodies[q], &answer, error)) return false;
        // The answer is {"num_rows": 10, "rows": [...]}: check the count.
        if (answer.find("\"num_rows\":10") == std::string::npos) {
          *error = "unexpected answer: " + answer.substr(0, 200);
          return false;
        }
        return true;
      });
      runs["http_json"].push_back(LoadJson(r));
      Progress(config + ", http-json, " + std::to_string(clients) + " clients: " + Grouped(r.requests()) +
               " searches");
    }
    for (int clients : o.concurrency) {
      auto conns = Connections(port, clients);
      LoadResult r = RunLoad("http-lance", clients, o, nq, [&](int c, int q, std::string* error) {
        std::string answer;
        if (!Post(*conns[c], lance_path, lance_bodies[q], &answer, error)) return false;
        if (answer.size() < 8 || answer.compare(0, 6, "ARROW1") != 0) {
          *error = "the answer is not an Arrow IPC file";
          return false;
        }
        return true;
      });
      runs["http_lance"].push_back(LoadJson(r));
      Progress(config + ", http-lance, " + std::to_string(clients) + " clients: " + Grouped(r.requests()) +
               " searches");
    }
  }

  // LanceDB's Node library (embedded, its own copy of the rows) and its
  // client in remote mode against this server.
  if (o.common.peer) {
    const fs::path raw = root / "raw";
    fs::create_directories(raw);
    std::string error = WriteRawColumns(data, raw.string());
    if (error.empty()) {
      std::ofstream qf(root / "queries.f32", std::ios::binary);
      qf.write(reinterpret_cast<const char*>(queries.data()),
               static_cast<std::streamsize>(queries.size() * 4));
      if (!qf.good()) error = "cannot write the query file";
    }
    std::ostringstream list;
    for (size_t i = 0; i < o.concurrency.size(); ++i) list << (i ? "," : "") << o.concurrency[i];
    std::string why = error;
    std::optional<json> peer;
    if (error.empty()) {
      peer = RunNodePeer(o.common.node_dir, "lancedb_server.mjs",
                         "--data " + Quote(raw.string()) + " --db " + Quote((root / "lancedb").string()) +
                             " --queries " + Quote((root / "queries.f32").string()) + " --url " +
                             Quote("http://127.0.0.1:" + std::to_string(port)) + " --table " + kTable +
                             " --concurrency " + list.str() + " --seconds " + std::to_string(o.seconds) +
                             " --max-requests " + std::to_string(o.max_requests) + " --nprobes " +
                             std::to_string(o.nprobes) + " --warmup " + std::to_string(o.common.warmup) +
                             " --batch-rows " + std::to_string(o.common.batch_rows),
                         &why);
    }
    if (peer) {
      out["peer"] = *peer;
    } else {
      Warn("LanceDB side skipped: " + why);
    }
  }
  srv->Stop();
  serving.join();

  const double load_after = LoadAverage();
  out["load_before"] = load_before;
  out["load_after"] = load_after;
  if (!o.common.json_out.empty()) WriteJsonFile(o.common.json_out, out);
  if (o.common.json) {
    std::cout << out.dump(2) << std::endl;
    RemoveTemp();
    return 0;
  }

  std::cout << "server_bench: " << Grouped(o.common.rows) << " rows, " << kDim
            << "-d, 10-NN through IVF_PQ (default parameters, nprobes " << o.nprobes
            << ") and exact; closed loop, at most " << Fixed(o.seconds, 0) << " s or "
            << Grouped(o.max_requests) << " requests per run\n";
  PrintLoad(load_before, load_after);
  std::vector<Line> lines = {{"search / path / clients", "rps", "p50 ms", "p99 ms", ""}};
  auto add = [&](const std::string& name, const json& runs) {
    if (!runs.is_array()) return;
    for (const json& r : runs) {
      lines.push_back({name + " c=" + std::to_string(r["concurrency"].get<int>()), Fixed(r["rps"], 0),
                       Fixed(r["p50_ms"], 3), Fixed(r["p99_ms"], 3), ""});
    }
  };
  // The p50 at concurrency 1.
  auto p50_at_1 = [](const json& runs) -> double {
    if (!runs.is_array()) return 0;
    for (const json& r : runs) {
      if (r["concurrency"] == 1) return r["p50_ms"];
    }
    return 0;
  };
  for (const char* config : {"ivf_pq", "exact"}) {
    const json& runs = out[config];
    add(std::string(config) + " quiver embedded", runs["embedded"]);
    add(std::string(config) + " quiver http json", runs["http_json"]);
    add(std::string(config) + " quiver http lance", runs["http_lance"]);
    if (std::string(config) == "ivf_pq" && out.contains("peer")) {
      add("ivf_pq lancedb embedded (node)", out["peer"]["embedded"]);
      add("ivf_pq lancedb client -> quiver", out["peer"]["remote"]);
    }
    const double base = p50_at_1(runs["embedded"]);
    for (const auto& [name, key] : {std::pair{"json", "http_json"}, std::pair{"lance", "http_lance"}}) {
      const double p50 = p50_at_1(runs[key]);
      if (base > 0 && p50 > 0) {
        const double overhead = (p50 - base) / base;
        lines.push_back({std::string(config) + " overhead c=1, " + name, Fixed(100 * overhead, 1) + " %",
                         "+" + Fixed(p50 - base, 3) + " ms", "", Verdict(overhead < 0.15, "< 15 %")});
      }
    }
  }
  PrintTable(lines);
  RemoveTemp();
  return 0;
}

}  // namespace
}  // namespace quiver::bench

int main(int argc, char** argv) { return quiver::bench::Main(argc, argv); }

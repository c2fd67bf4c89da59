// fts_bench: Quiver's full-text and hybrid search against LanceDB's, side by
// side in one run, on the same rows (bench_data.h) and the same queries;
// plus ranking quality on Cranfield. bench/README.md explains the figures;
// the targets are those of the full-text issue:
//   FTS index build >= 2x faster than LanceDB's;
//   median query latency >= 3x lower (one term, two terms OR and AND, phrase);
//   hybrid (vector + text, RRF) >= 2x faster;
//   Cranfield nDCG@10 at least LanceDB's (0.3746 with its defaults).
//
//   fts_bench [--rows 100000] [--queries 100] [--hybrid-queries 50] [--warmup 5]
//             [--hybrid-flat] [--cranfield DIR] [--json] [--json-out FILE]
//             [--no-peer] [--node-dir DIR] [--keep]
//
// Queries: words are drawn (kQuerySeed) uniformly from the corpus's
// frequency ranks 10..1999, as the reference figures do; two-word queries
// pair two such words; phrases are two adjacent words of a random row.
// Hybrid queries pair two words with the vector of a random row, searched
// with cosine distance through an IVF_PQ index on both sides (256
// partitions, 16 sub-vectors, nprobes 20, refine 10), or exactly with
// --hybrid-flat. Every query projects `id` and asks for 10 rows; latency is
// one query at a time after `warmup` untimed ones (LanceDB's includes its
// Node call and Arrow decoding, as its own users see it).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_data.h"
#include "bench_util.h"
#include "cranfield.h"
#include "quiver/hybrid.h"
#include "quiver/quiver.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace quiver::bench {
namespace {

struct Options : CommonOptions {
  Options() {
    rows = 100000;
    warmup = 5;
  }
  int queries = 100;
  int hybrid_queries = 50;
  bool hybrid_flat = false;
  std::string cranfield =
#ifdef QUIVER_BENCH_SHARED_DATA
      QUIVER_BENCH_SHARED_DATA "/cranfield";
#else
      "";
#endif
};

constexpr int kLimit = 10;

[[noreturn]] void Usage(const char* argv0) {
  std::fprintf(
      stderr,
      "usage: %s [--rows N] [--queries N] [--hybrid-queries N] [--warmup N] [--hybrid-flat]\n"
      "          [--cranfield DIR] [--json] [--json-out FILE] [--no-peer] [--node-dir DIR] [--keep]\n",
      argv0);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (FlagReader flags(argc, argv); flags.Next();) {
    const std::string& arg = flags.flag();
    if (flags.ReadCommon(&o)) continue;
    if (arg == "--queries") {
      o.queries = flags.Count();
    } else if (arg == "--hybrid-queries") {
      o.hybrid_queries = flags.Count();
    } else if (arg == "--hybrid-flat") {
      o.hybrid_flat = true;
    } else if (arg == "--cranfield") {
      o.cranfield = flags.Value();
    } else {
      Usage(argv[0]);
    }
  }
  if (o.rows < 1000) Die("--rows must be at least 1000");
  if (o.queries < 1) Die("--queries must be positive");
  return o;
}

// The words of row i of the text column.
std::vector<std::string_view> Words(const BenchData& d, int64_t row) {
  std::vector<std::string_view> out;
  std::string_view text(d.text.data() + d.text_offsets[row], d.text_offsets[row + 1] - d.text_offsets[row]);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct QuerySet {
  std::vector<std::string> one_term, two_term, phrase, hybrid_text;
  std::vector<int64_t> hybrid_rows;
};

QuerySet MakeQueries(const BenchData& d, const Options& o) {
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
  QuerySet q;
  for (int i = 0; i < o.queries; ++i) q.one_term.push_back(word());
  for (int i = 0; i < o.queries; ++i) q.two_term.push_back(word() + " " + word());
  while (static_cast<int>(q.phrase.size()) < o.queries) {
    const auto words = Words(d, rng.Below(static_cast<uint32_t>(d.rows)));
    if (words.size() < 2) continue;
    const size_t at = rng.Below(static_cast<uint32_t>(words.size() - 1));
    q.phrase.push_back(std::string(words[at]) + " " + std::string(words[at + 1]));
  }
  for (int i = 0; i < o.hybrid_queries; ++i) {
    q.hybrid_text.push_back(word() + " " + word());
    q.hybrid_rows.push_back(rng.Below(static_cast<uint32_t>(d.rows)));
  }
  return q;
}

std::vector<int64_t> IdsOf(const BatchPtr& batch) {
  std::vector<int64_t> out;
  ArrayPtr ids = batch->GetColumn("id");
  for (int64_t i = 0; i < batch->num_rows(); ++i) out.push_back(ids->values<int64_t>()[i]);
  return out;
}

// Times `run(i)` for every query i (after `warmup` untimed runs of the
// first ones); returns the latency summary and each query's ids.
json TimeQueries(size_t n, int warmup, const std::function<BatchPtr(size_t)>& run) {
  for (int w = 0; w < warmup; ++w) run(static_cast<size_t>(w) % n);
  std::vector<double> times;
  json ids = json::array();
  for (size_t i = 0; i < n; ++i) {
    BatchPtr batch;
    times.push_back(TimeMs([&] { batch = run(i); }));
    ids.push_back(IdsOf(batch));
  }
  return {{"latency_ms", SummaryJson(times)}, {"ids", ids}};
}

json RunQuiver(const Options& o, const BenchData& d, const QuerySet& q, const fs::path& root) {
  json out;
  ConnectOptions connect;
  ConnectionPtr db = Check(Connect((root / "quiver").string(), connect), "Connect");
  const auto schema = std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64()), Field("vector", vector_type(kDim)), Field("text", utf8()),
                         Field("category", utf8()), Field("price", float64())});
  const auto batches = MakeBatches(d, schema, o.batch_rows);
  TablePtr table;
  out["ingest_ms"] = TimeMs([&] { table = Check(db->CreateTable("bench", batches), "CreateTable"); });
  IndexOptions fts;
  fts.fts.with_position = true;  // LanceDB's side builds withPosition: true too
  out["index_build_ms"] =
      TimeMs([&] { Check(table->CreateIndex("text", IndexType::kFts, fts), "CreateIndex(FTS)"); });
  Progress("Quiver: FTS index built in " + Fixed(out["index_build_ms"], 0) + " ms");
  auto text = [&](FtsQueryPtr query) {
    return Check(table->TextSearch(std::move(query)).Columns({"id"}).Limit(kLimit).ToBatch(), "TextSearch");
  };
  out["one_term"] = TimeQueries(q.one_term.size(), o.warmup,
                                [&](size_t i) { return text(FtsQuery::Match(q.one_term[i])); });
  out["two_term_or"] = TimeQueries(q.two_term.size(), o.warmup,
                                   [&](size_t i) { return text(FtsQuery::Match(q.two_term[i])); });
  out["two_term_and"] = TimeQueries(q.two_term.size(), o.warmup,
                                    [&](size_t i) { return text(FtsQuery::Match(q.two_term[i], "", true)); });
  out["phrase"] =
      TimeQueries(q.phrase.size(), o.warmup, [&](size_t i) { return text(FtsQuery::Phrase(q.phrase[i])); });
  out["explain_two_term"] = Check(table->TextSearch(FtsQuery::Match(q.two_term[0])).Explain(), "Explain");
  Progress("Quiver: one term median " + Fixed(out["one_term"]["latency_ms"]["median"], 3) + " ms");
  if (!q.hybrid_text.empty()) {
    if (!o.hybrid_flat) {
      IndexOptions pq;
      pq.metric = "cosine";
      pq.num_partitions = 256;
      pq.num_sub_vectors = 16;
      pq.num_bits = 8;
      out["hybrid_vector_index_ms"] =
          TimeMs([&] { Check(table->CreateIndex("vector", IndexType::kIvfPq, pq), "CreateIndex(IVF_PQ)"); });
    }
    out["hybrid"] = TimeQueries(q.hybrid_text.size(), o.warmup, [&](size_t i) {
      const float* v = d.vector.data() + q.hybrid_rows[i] * kDim;
      HybridQuery h(*table, std::vector<float>(v, v + kDim), FtsQuery::Match(q.hybrid_text[i]));
      h.Columns({"id"}).Limit(kLimit).Rerank(RrfReranker());
      h.vector().Metric("cosine").Nprobes(20).RefineFactor(10).BypassVectorIndex(o.hybrid_flat);
      return Check(h.ToBatch(), "HybridQuery");
    });
  }
  return out;
}

// Cranfield nDCG@10 and Recall@100 for Quiver with and without stemming and
// stop words.
json RunCranfield(const testing::Cranfield& c, const fs::path& root) {
  ConnectionPtr db = Check(Connect((root / "cranfield").string()), "Connect");
  auto id = ArrayBuilder::Make(int64());
  auto text = ArrayBuilder::Make(utf8());
  for (const auto& doc : c.docs) {
    if (!id->AppendInt(doc.id).ok() || !text->AppendString(doc.title + " " + doc.text).ok()) {
      Die("Cranfield document " + std::to_string(doc.id) + " could not be stored");
    }
  }
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("id", int64()), Field("text", utf8())});
  auto batch = std::make_shared<RecordBatch>(schema, static_cast<int64_t>(c.docs.size()),
                                             std::vector<ArrayPtr>{id->Finish(), text->Finish()});
  TablePtr table = Check(db->CreateTable("cranfield", {batch}), "CreateTable(cranfield)");
  json out;
  for (bool stem : {true, false}) {
    IndexOptions options;
    options.fts.stem = stem;
    options.fts.remove_stop_words = stem;
    json r;
    r["index_build_ms"] =
        TimeMs([&] { Check(table->CreateIndex("text", IndexType::kFts, options), "CreateIndex"); });
    std::vector<std::vector<int>> top10, top100;
    std::vector<double> times;
    for (const auto& q : c.queries) {
      auto run = [&](int64_t limit) {
        BatchPtr rows = Check(
            table->TextSearch(FtsQuery::Match(q.text)).Columns({"id"}).Limit(limit).ToBatch(), "TextSearch");
        std::vector<int> ids;
        for (int64_t v : IdsOf(rows)) ids.push_back(static_cast<int>(v));
        return ids;
      };
      times.push_back(TimeMs([&] { top10.push_back(run(10)); }));  // timed as LanceDB's side: top 10
      top100.push_back(run(100));
    }
    r["ndcg10"] = testing::CranfieldNdcg(c, top10, 10);
    r["recall100"] = testing::CranfieldRecall(c, top100, 100);
    r["latency_ms"] = SummaryJson(times);
    out[stem ? "default" : "no_stem_no_stop"] = r;
  }
  return out;
}

// Mean share of the peer's ids that Quiver also returned, per query.
double Overlap(const json& quiver_ids, const json& peer_ids) {
  double sum = 0;
  size_t n = 0;
  for (size_t i = 0; i < quiver_ids.size() && i < peer_ids.size(); ++i) {
    std::set<int64_t> ours;
    for (const auto& v : quiver_ids[i]) ours.insert(v.get<int64_t>());
    if (peer_ids[i].empty()) continue;
    size_t shared = 0;
    for (const auto& v : peer_ids[i]) shared += ours.count(v.get<int64_t>());
    sum += static_cast<double>(shared) / static_cast<double>(peer_ids[i].size());
    ++n;
  }
  return n ? sum / static_cast<double>(n) : 0;
}

int Main(int argc, char** argv) {
  SetProgramName("fts_bench");
  const Options o = ParseOptions(argc, argv);
  const fs::path root = MakeTempRoot("quiver-fts-bench", o.keep);
  const double load_before = LoadAverage();
  BenchData data;
  const double gen_ms = TimeMs([&] { data = GenerateBenchData(o.rows); });
  Progress("generated " + Grouped(o.rows) + " rows in " + Fixed(gen_ms, 0) + " ms");
  const QuerySet queries = MakeQueries(data, o);

  std::optional<testing::Cranfield> cranfield;
  if (!o.cranfield.empty()) {
    std::string error;
    cranfield = testing::LoadCranfield(o.cranfield, &error);
    if (!cranfield) Warn("Cranfield skipped: " + error);
  }

  const fs::path data_dir = root / "data";
  const fs::path spec_path = root / "spec.json";
  if (o.peer) {
    fs::create_directories(data_dir);
    const std::string err = WriteRawColumns(data, data_dir.string());
    if (!err.empty()) Die(err);
    json hybrid = json::array();
    for (size_t i = 0; i < queries.hybrid_text.size(); ++i) {
      hybrid.push_back({{"text", queries.hybrid_text[i]}, {"vector_row", queries.hybrid_rows[i]}});
    }
    json spec = {{"batch_rows", o.batch_rows},
                 {"limit", kLimit},
                 {"warmup", o.warmup},
                 {"one_term", queries.one_term},
                 {"two_term_or", queries.two_term},
                 {"two_term_and", queries.two_term},
                 {"phrase", queries.phrase},
                 {"hybrid", hybrid},
                 {"hybrid_distance", "cosine"}};
    if (!o.hybrid_flat) {
      spec["hybrid_ivf_pq"] = {{"num_partitions", 256},
                               {"num_sub_vectors", 16},
                               {"num_bits", 8},
                               {"nprobes", 20},
                               {"refine_factor", 10}};
    }
    std::ofstream out(spec_path);
    out << spec.dump() << "\n";
    if (!out) Die("could not write " + spec_path.string());
  }

  json quiver = RunQuiver(o, data, queries, root);
  if (cranfield) quiver["cranfield"] = RunCranfield(*cranfield, root);

  std::optional<json> peer;
  std::string why_no_peer = "--no-peer";
  if (o.peer) {
    std::string args = "--spec " + Quote(spec_path.string()) + " --data " + Quote(data_dir.string()) +
                       " --db " + Quote((root / "lancedb").string());
    if (cranfield) args += " --cranfield " + Quote(o.cranfield);
    peer = RunNodePeer(o.node_dir, "lancedb_fts.mjs", args, &why_no_peer);
    if (!peer) Warn("LanceDB side skipped: " + why_no_peer);
  }
  const double load_after = LoadAverage();

  json result = {{"rows", o.rows},
                 {"queries_per_list", o.queries},
                 {"limit", kLimit},
                 {"quiver", quiver},
                 {"load_average_1min", {load_before, load_after}}};
  const json& q = quiver;
  const std::vector<std::pair<std::string, std::string>> lists = {
      {"one_term", "one term"},
      {"two_term_or", "two terms, OR"},
      {"two_term_and", "two terms, AND"},
      {"phrase", "phrase (two words)"},
      {"hybrid", "hybrid, RRF (vector + two words)"}};
  std::vector<Line> lines;
  const std::string x = "x";
  auto median = [](const json& side, const std::string& list) {
    return side[list]["latency_ms"]["median"].get<double>();
  };
  if (peer) {
    const json& p = *peer;
    result["lancedb"] = p;
    lines.push_back(
        {"", "Quiver", "LanceDB " + p.value("lancedb_version", std::string("?")), "ratio", "target"});
    const double build_r = p["index_build_ms"].get<double>() / q["index_build_ms"].get<double>();
    lines.push_back({"FTS index build, with positions (ms)", Fixed(q["index_build_ms"], 0),
                     Fixed(p["index_build_ms"], 0), Fixed(build_r, 2) + x,
                     Verdict(build_r >= 2, ">= 2x faster")});
    bool all = build_r >= 2;
    for (const auto& [key, label] : lists) {
      if (!q.contains(key) || !p.contains(key)) continue;
      const double r = median(p, key) / median(q, key);
      const double target = key == "hybrid" ? 2 : 3;
      all = all && r >= target;
      lines.push_back({label + ", median (ms)", Fixed(median(q, key), 3), Fixed(median(p, key), 3),
                       Fixed(r, 2) + x, Verdict(r >= target, ">= " + Fixed(target, 0) + "x faster")});
      const double overlap = Overlap(q[key]["ids"], p[key]["ids"]);
      result["overlap"][key] = overlap;
      lines.push_back({"  LanceDB's rows Quiver also returned", Fixed(100 * overlap, 1) + " %", "", "", ""});
    }
    if (q.contains("cranfield") && p.contains("cranfield")) {
      for (const char* config : {"default", "no_stem_no_stop"}) {
        const double qn = q["cranfield"][config]["ndcg10"], pn = p["cranfield"][config]["ndcg10"];
        lines.push_back(
            {std::string("Cranfield nDCG@10, ") + (config[0] == 'd' ? "stemming + stop words" : "neither"),
             Fixed(qn, 4), Fixed(pn, 4), Fixed(qn - pn, 4), Verdict(qn >= pn - 1e-4, ">= LanceDB")});
        const double qr = q["cranfield"][config]["recall100"], pr = p["cranfield"][config]["recall100"];
        lines.push_back({"  Recall@100", Fixed(qr, 4), Fixed(pr, 4), "", ""});
        const double qb = q["cranfield"][config]["index_build_ms"],
                     pb = p["cranfield"][config]["index_build_ms"];
        lines.push_back({"  index build (ms)", Fixed(qb, 1), Fixed(pb, 1), Fixed(pb / qb, 2) + x, ""});
        const double ql = q["cranfield"][config]["latency_ms"]["median"];
        const double pl = p["cranfield"][config]["latency_ms"]["median"];
        lines.push_back(
            {"  query, top 10, median (ms)", Fixed(ql, 3), Fixed(pl, 3), Fixed(pl / ql, 2) + x, ""});
      }
    }
    result["targets_met"] = all;
  } else {
    result["lancedb_skipped"] = why_no_peer;
    lines.push_back({"", "Quiver", "", "", ""});
    lines.push_back({"FTS index build, with positions (ms)", Fixed(q["index_build_ms"], 0), "", "", ""});
    for (const auto& [key, label] : lists) {
      if (q.contains(key)) lines.push_back({label + ", median (ms)", Fixed(median(q, key), 3), "", "", ""});
    }
    if (q.contains("cranfield")) {
      lines.push_back({"Cranfield nDCG@10, stemming + stop words",
                       Fixed(q["cranfield"]["default"]["ndcg10"], 4), "", "", ""});
      lines.push_back(
          {"Cranfield nDCG@10, neither", Fixed(q["cranfield"]["no_stem_no_stop"]["ndcg10"], 4), "", "", ""});
    }
  }
  if (!o.json_out.empty()) WriteJsonFile(o.json_out, result);
  if (o.json) {
    std::printf("%s\n", result.dump(2).c_str());
  } else {
    std::printf("fts_bench: %s rows of 8-20 Zipf words; %d queries per list, top %d, after %d warm-ups\n",
                Grouped(o.rows).c_str(), o.queries, kLimit, o.warmup);
    std::printf("hybrid: %s vector side, cosine; Cranfield: title + text as one field, gain 5 - code\n",
                o.hybrid_flat ? "exact" : "IVF_PQ (256 x 16x8, nprobes 20, refine 10)");
    PrintLoad(load_before, load_after);
    PrintTable(lines);
    std::printf("\nQuiver's plan for a two-term query:\n%s\n",
                q["explain_two_term"].get<std::string>().c_str());
    if (!peer) std::printf("\nLanceDB side skipped: %s\n", why_no_peer.c_str());
  }
  RemoveTemp();
  return 0;
}

}  // namespace
}  // namespace quiver::bench

int main(int argc, char** argv) { return quiver::bench::Main(argc, argv); }

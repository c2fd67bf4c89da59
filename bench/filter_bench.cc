// filter_bench: Quiver's filters, scalar indexes, deletes and updates
// against LanceDB's, side by side in one run, on the same rows
// (bench_data.h, without the vector column). bench/README.md explains the
// figures; the targets are those of the filter issue:
//   a full-scan filter >= 2x LanceDB's throughput (rows of the table per s);
//   a point lookup by an indexed id under 1 ms and >= 3x faster;
//   deleting and updating 1 % of the rows >= 2x faster.
//
//   filter_bench [--rows 10000000] [--batch-rows 65536] [--scan-reps 5]
//                [--lookups 1000] [--noindex-lookups 50] [--mutate-reps 3]
//                [--warmup 2] [--no-fsync] [--json] [--json-out FILE]
//                [--no-peer] [--node-dir DIR] [--keep]
//
// The program generates the rows once, writes them as raw column files and
// the exact predicates for the peer (bench/node/lancedb_filter.mjs, run with
// `node`), times Quiver in this process through the public API, runs the
// peer, checks that both sides found the same rows, and prints both sides
// with their ratios. Everything it writes lives in one directory under the
// system temp dir, removed at the end (unless --keep).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_data.h"
#include "bench_util.h"
#include "quiver/quiver.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace quiver::bench {
namespace {

// The issue asks for `price > 50 AND category IN ('a','b')`; on this
// dataset's ranges (price uniform in [0, 1000), ten categories) the same
// shape keeps about 10 % of the rows.
constexpr char kFilter[] = "price > 500 AND category IN ('c1', 'c2')";
// 1 % of the rows each, spread over every fragment, disjoint.
constexpr char kDeletePredicate[] = "id % 100 = 7";
constexpr char kUpdatePredicate[] = "id % 100 = 13";
constexpr char kUpdateColumn[] = "price";
constexpr char kUpdateExpression[] = "price * 1.1";
// Checks the update: rows whose new price reaches 1000 exist only there.
constexpr char kUpdateCheck[] = "price >= 1000";

struct Options : CommonOptions {
  Options() {
    rows = 10000000;
    warmup = 2;
  }
  int scan_reps = 5;
  int lookups = 1000;
  int noindex_lookups = 50;
  int mutate_reps = 3;
};

// What both sides must find, computed from the generated rows.
struct Expected {
  int64_t filter_rows = 0;
  int64_t filter_id_sum = 0;
  int64_t deleted_rows = 0;
  int64_t updated_rows = 0;
  int64_t update_check_rows = 0;  // rows matching kUpdateCheck after the update
};

[[noreturn]] void Usage(const char* argv0) {
  std::fprintf(
      stderr,
      "usage: %s [--rows N] [--batch-rows N] [--scan-reps N] [--lookups N] [--noindex-lookups N]\n"
      "          [--mutate-reps N] [--warmup N] [--no-fsync] [--json] [--json-out FILE] [--no-peer]\n"
      "          [--node-dir DIR] [--keep]\n",
      argv0);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (FlagReader flags(argc, argv); flags.Next();) {
    const std::string& arg = flags.flag();
    if (flags.ReadCommon(&o)) continue;
    if (arg == "--scan-reps") {
      o.scan_reps = flags.Count();
    } else if (arg == "--lookups") {
      o.lookups = flags.Count();
    } else if (arg == "--noindex-lookups") {
      o.noindex_lookups = flags.Count();
    } else if (arg == "--mutate-reps") {
      o.mutate_reps = flags.Count();
    } else {
      Usage(argv[0]);
    }
  }
  if (o.rows < 1000) Die("--rows must be at least 1000");
  if (o.batch_rows < 1) Die("--batch-rows must be positive");
  if (o.scan_reps < 1 || o.lookups < 1 || o.noindex_lookups < 1 || o.mutate_reps < 1)
    Die("repetition counts must be positive");
  if (2 * o.warmup + o.lookups + o.noindex_lookups > o.rows) Die("more lookups than rows");
  return o;
}

SchemaPtr FilterSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      Field("id", int64()),
      Field("text", utf8()),
      Field("category", utf8()),
      Field("price", float64()),
  });
}

// The answers, straight from the generated rows (the predicates above,
// evaluated by hand).
Expected ComputeExpected(const BenchData& d) {
  Expected e;
  for (int64_t i = 0; i < d.rows; ++i) {
    const char c = d.category[d.category_offsets[i] + 1];
    const bool one_digit = d.category_offsets[i + 1] - d.category_offsets[i] == 2;
    if (d.price[i] > 500 && one_digit && (c == '1' || c == '2')) {
      ++e.filter_rows;
      e.filter_id_sum += d.id[i];
    }
    const int64_t r = d.id[i] % 100;
    if (r == 7) ++e.deleted_rows;
    if (r == 13) ++e.updated_rows;
    const double price_after = r == 13 ? d.price[i] * 1.1 : d.price[i];
    if (price_after >= 1000) ++e.update_check_rows;
  }
  return e;
}

// Point lookups: `id = K` for each K, whole rows; checks each answer.
json TimeLookups(const Table& table, const BenchData& d, const std::vector<std::string>& predicates,
                 const std::vector<int64_t>& keys, int warmup) {
  std::vector<double> times;
  for (size_t q = 0; q < predicates.size(); ++q) {
    BatchPtr got;
    const double ms =
        TimeMs([&] { got = Check(table.Scan().Where(predicates[q]).ToBatch(), predicates[q]); });
    if (got->num_rows() != 1 || got->num_columns() != 4)
      Die("\"" + predicates[q] + "\" returned " + std::to_string(got->num_rows()) + " rows x " +
          std::to_string(got->num_columns()) + " columns, expected 1 x 4");
    const int64_t k = keys[q];
    if (got->GetColumn("id")->values<int64_t>()[0] != k ||
        got->GetColumn("price")->values<double>()[0] != d.price[k])
      Die("\"" + predicates[q] + "\" returned another row");
    if (static_cast<int>(q) >= warmup) times.push_back(ms);
  }
  return SummaryJson(times);
}

// Untimed deletes and updates before the timed ones: the first of a process
// pays one-off costs (LanceDB's first delete took 20x its later ones).
int MutateWarmup(const Options& o) { return o.warmup > 0 ? 1 : 0; }

// A copy of the table directory under `to`, made outside every timing.
void CopyDir(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::remove_all(to, ec);
  fs::copy(from, to, fs::copy_options::recursive, ec);
  if (ec) Die("copying " + from.string() + " to " + to.string() + ": " + ec.message());
}

struct Lookups {
  std::vector<std::string> noindex, indexed;  // warm-ups first
  std::vector<int64_t> noindex_keys, indexed_keys;
};

Lookups MakeLookups(const Options& o) {
  const int n_noindex = o.warmup + o.noindex_lookups, n_indexed = o.warmup + o.lookups;
  const std::vector<uint64_t> rows = RandomRowGroups(o.rows, 1, n_noindex + n_indexed);
  Lookups l;
  for (int i = 0; i < n_noindex + n_indexed; ++i) {
    const auto k = static_cast<int64_t>(rows[i]);
    const std::string predicate = "id = " + std::to_string(k);
    if (i < n_noindex) {
      l.noindex.push_back(predicate);
      l.noindex_keys.push_back(k);
    } else {
      l.indexed.push_back(predicate);
      l.indexed_keys.push_back(k);
    }
  }
  return l;
}

// Quiver's figures, in the same shape as the peer's JSON.
json RunQuiver(const Options& o, const BenchData& d, const Expected& e, const Lookups& lookups,
               const fs::path& root) {
  ConnectOptions connect;
  connect.durable_writes = o.fsync;
  const fs::path db_dir = root / "quiver" / "db";
  json out;

  // Ingest (untimed for the targets; reported for reference).
  {
    const std::vector<BatchPtr> batches = MakeBatches(d, FilterSchema(), o.batch_rows);
    ConnectionPtr db = Check(Connect(db_dir.string(), connect), "connecting to " + db_dir.string());
    out["ingest_ms"] = TimeMs([&] { Check(db->CreateTable("bench", batches), "CreateTable"); });
    Progress("ingest: " + Fixed(out["ingest_ms"], 0) + " ms");
  }

  // Delete and update 1 %, each on a fresh copy of the table (no index yet).
  auto mutate = [&](const std::string& what, const std::function<int64_t(Table&)>& op,
                    const std::function<void(Table&)>& verify) {
    std::vector<double> times;
    int64_t rows = 0;
    for (int r = 0; r < MutateWarmup(o) + o.mutate_reps; ++r) {
      const fs::path copy = root / "quiver" / "mutate";
      CopyDir(db_dir, copy);
      ConnectionPtr db = Check(Connect(copy.string(), connect), "connecting to " + copy.string());
      TablePtr table = Check(db->OpenTable("bench"), "OpenTable");
      const double ms = TimeMs([&] { rows = op(*table); });
      if (r >= MutateWarmup(o)) times.push_back(ms);
      verify(*table);
      table.reset();
      db.reset();
      fs::remove_all(copy);
    }
    json s = SummaryJson(times);
    Progress(what + ": median " + Fixed(s["median"], 1) + " ms, " + std::to_string(rows) + " rows");
    out[what + "_ms"] = s;
    out[what + "_rows"] = rows;
  };
  mutate(
      "delete", [&](Table& t) { return Check(t.Delete(kDeletePredicate), "Delete").num_deleted_rows; },
      [&](Table& t) {
        const int64_t left = Check(t.CountRows(), "CountRows after delete");
        if (left != d.rows - e.deleted_rows)
          Die("after the delete the table has " + std::to_string(left) + " rows, expected " +
              std::to_string(d.rows - e.deleted_rows));
      });
  mutate(
      "update",
      [&](Table& t) {
        return Check(t.Update({{kUpdateColumn, kUpdateExpression}}, kUpdatePredicate), "Update").rows_updated;
      },
      [&](Table& t) {
        const int64_t rows = Check(t.CountRows(), "CountRows after update");
        const int64_t high = Check(t.CountRows(kUpdateCheck), "CountRows(price >= 1000) after update");
        if (rows != d.rows || high != e.update_check_rows)
          Die("after the update the table has " + std::to_string(rows) + " rows, " + std::to_string(high) +
              " with " + kUpdateCheck + "; expected " + std::to_string(d.rows) + ", " +
              std::to_string(e.update_check_rows));
      });

  ConnectionPtr db = Check(Connect(db_dir.string(), connect), "connecting to " + db_dir.string());
  TablePtr table = Check(db->OpenTable("bench"), "OpenTable");
  out["explain_filter"] = Check(table->Scan().Where(kFilter).Columns({"id"}).Explain(), "Explain");

  // Full-scan filter: the count, then the matching ids.
  std::vector<double> count_ms, ids_ms;
  for (int r = 0; r < o.warmup + o.scan_reps; ++r) {
    int64_t count = 0;
    const double ms = TimeMs([&] { count = Check(table->CountRows(kFilter), "CountRows(filter)"); });
    if (r >= o.warmup) count_ms.push_back(ms);
    out["filter_count"] = count;
  }
  for (int r = 0; r < o.warmup + o.scan_reps; ++r) {
    std::vector<BatchPtr> got;
    const double ms = TimeMs([&] {
      auto reader = Check(table->Scan().Where(kFilter).Columns({"id"}).ToReader(), "Scan().Where(filter)");
      while (BatchPtr batch = Check(reader->Next(), "reading a filtered scan"))
        got.push_back(std::move(batch));
    });
    if (r >= o.warmup) ids_ms.push_back(ms);
    int64_t rows = 0, sum = 0;
    for (const BatchPtr& b : got) {
      if (b->num_columns() != 1)
        Die("the filtered scan returned " + std::to_string(b->num_columns()) + " columns");
      const int64_t* ids = b->column(0)->values<int64_t>();
      for (int64_t i = 0; i < b->num_rows(); ++i) sum += ids[i];
      rows += b->num_rows();
    }
    out["filter_ids_rows"] = rows;
    out["filter_ids_sum"] = sum;
  }
  out["filter_count_ms"] = SummaryJson(count_ms);
  out["filter_ids_ms"] = SummaryJson(ids_ms);
  Progress("filter: count median " + Fixed(out["filter_count_ms"]["median"], 1) + " ms, ids median " +
           Fixed(out["filter_ids_ms"]["median"], 1) + " ms");

  // Point lookups without an index (statistics pruning), then with a BTREE.
  out["explain_lookup_noindex"] = Check(table->Scan().Where(lookups.noindex.front()).Explain(), "Explain");
  out["lookup_noindex_ms"] = TimeLookups(*table, d, lookups.noindex, lookups.noindex_keys, o.warmup);
  Progress("lookup without index: p50 " + Fixed(out["lookup_noindex_ms"]["median"], 3) + " ms");
  out["index_build_ms"] =
      TimeMs([&] { Check(table->CreateIndex("id", IndexType::kBTree), "CreateIndex(id)"); });
  out["explain_lookup_index"] = Check(table->Scan().Where(lookups.indexed.front()).Explain(), "Explain");
  out["lookup_index_ms"] = TimeLookups(*table, d, lookups.indexed, lookups.indexed_keys, o.warmup);
  Progress("BTREE on id built in " + Fixed(out["index_build_ms"], 0) + " ms; lookup p50 " +
           Fixed(out["lookup_index_ms"]["median"], 3) + " ms");
  return out;
}

// Runs the Node peer; its JSON, or nullopt (with the reason in `why`) when
// node or the package is missing or the script fails.
std::optional<json> RunPeer(const Options& o, const fs::path& spec, const fs::path& data_dir,
                            const fs::path& db_dir, std::string* why) {
  const std::string args = "--spec " + Quote(spec.string()) + " --data " + Quote(data_dir.string()) +
                           " --db " + Quote(db_dir.string());
  return RunNodePeer(o.node_dir, "lancedb_filter.mjs", args, why);
}

// Both sides must have found the rows the generator says match; any
// disagreement ends the run.
void CheckCounts(const char* side, const json& r, const Expected& e) {
  const std::pair<const char*, int64_t> checks[] = {
      {"filter_count", e.filter_rows},     {"filter_ids_rows", e.filter_rows},
      {"filter_ids_sum", e.filter_id_sum}, {"delete_rows", e.deleted_rows},
      {"update_rows", e.updated_rows},
  };
  for (const auto& [key, want] : checks) {
    const int64_t got = r.at(key).get<int64_t>();
    if (got != want)
      Die(std::string(side) + " " + key + " is " + std::to_string(got) + ", expected " +
          std::to_string(want));
  }
}

int Main(int argc, char** argv) {
  SetProgramName("filter_bench");
  const Options o = ParseOptions(argc, argv);
  const fs::path root = MakeTempRoot("quiver-filter-bench", o.keep);

  const double load_before = LoadAverage();
  BenchData data;
  const double gen_ms = TimeMs([&] { data = GenerateBenchData(o.rows); });
  // The generator makes the vectors too (the other columns' random draws
  // are interleaved with theirs); this benchmark leaves them out.
  std::vector<float>().swap(data.vector);
  Progress("generated " + Grouped(o.rows) + " rows in " + Fixed(gen_ms, 0) + " ms (vectors dropped)");
  const Expected expected = ComputeExpected(data);
  const Lookups lookups = MakeLookups(o);

  const fs::path data_dir = root / "data";
  const fs::path spec_path = root / "spec.json";
  if (o.peer) {
    fs::create_directories(data_dir);
    // vector.f32 comes out empty: the peer script does not read it.
    const std::string err = WriteRawColumns(data, data_dir.string());
    if (!err.empty()) Die(err);
    const json spec = {
        {"batch_rows", o.batch_rows},
        {"scan_reps", o.scan_reps},
        {"mutate_reps", o.mutate_reps},
        {"mutate_warmup", MutateWarmup(o)},
        {"warmup", o.warmup},
        {"filter", kFilter},
        {"delete_predicate", kDeletePredicate},
        {"update_predicate", kUpdatePredicate},
        {"update_column", kUpdateColumn},
        {"update_expression", kUpdateExpression},
        {"update_check", kUpdateCheck},
        {"expected_deleted_rows", expected.deleted_rows},
        {"expected_update_check_rows", expected.update_check_rows},
        {"lookups_noindex", lookups.noindex},
        {"lookups_index", lookups.indexed},
        {"lookup_keys_noindex", lookups.noindex_keys},
        {"lookup_keys_index", lookups.indexed_keys},
    };
    std::ofstream out(spec_path);
    out << spec.dump() << "\n";
    if (!out) Die("could not write " + spec_path.string());
  }

  json quiver = RunQuiver(o, data, expected, lookups, root);
  CheckCounts("Quiver", quiver, expected);

  std::optional<json> peer;
  std::string why_no_peer = "--no-peer";
  if (o.peer) {
    peer = RunPeer(o, spec_path, data_dir, root / "lancedb", &why_no_peer);
    if (!peer) Warn("LanceDB side skipped: " + why_no_peer);
  }
  if (peer) CheckCounts("LanceDB", *peer, expected);
  const double load_after = LoadAverage();

  const double rows = static_cast<double>(o.rows);
  auto rate = [&](double ms) { return Grouped(static_cast<uint64_t>(rows / ms * 1000)); };
  auto lat = [](const json& s) {
    return Fixed(s["mean"], 3) + " / " + Fixed(s["median"], 3) + " / " + Fixed(s["p99"], 3);
  };
  const json& q = quiver;
  json result = {
      {"rows", o.rows},
      {"batch_rows", o.batch_rows},
      {"columns", "id int64, text utf8, category utf8, price float64 (no vector column)"},
      {"filter", kFilter},
      {"delete_predicate", kDeletePredicate},
      {"update", std::string(kUpdateColumn) + " = " + kUpdateExpression + " WHERE " + kUpdatePredicate},
      {"expected",
       {{"filter_rows", expected.filter_rows},
        {"deleted_rows", expected.deleted_rows},
        {"updated_rows", expected.updated_rows}}},
      {"quiver_durable_writes", o.fsync},
      {"quiver", quiver},
      {"load_average_1min", {load_before, load_after}},
  };

  std::vector<Line> lines;
  if (peer) {
    const json& p = *peer;
    result["lancedb"] = p;
    auto ratio = [&](const char* key, const char* stat = "median") {
      return p[key][stat].get<double>() / q[key][stat].get<double>();
    };
    const double count_r = ratio("filter_count_ms"), ids_r = ratio("filter_ids_ms");
    const double lookup_r = ratio("lookup_index_ms");
    const double lookup_noindex_r = ratio("lookup_noindex_ms");
    const double delete_r = ratio("delete_ms"), update_r = ratio("update_ms");
    const double q_lookup = q["lookup_index_ms"]["median"];
    const bool count_met = count_r >= 2, ids_met = ids_r >= 2, lookup_met = lookup_r >= 3 && q_lookup < 1,
               delete_met = delete_r >= 2, update_met = update_r >= 2;
    result["ratios"] = {{"filter_count", count_r},      {"filter_ids", ids_r},
                        {"lookup_index_p50", lookup_r}, {"lookup_noindex_p50", lookup_noindex_r},
                        {"delete", delete_r},           {"update", update_r}};
    result["targets_met"] = {{"filter_count_2x", count_met},
                             {"filter_ids_2x", ids_met},
                             {"lookup_under_1ms_3x", lookup_met},
                             {"delete_2x", delete_met},
                             {"update_2x", update_met},
                             {"all", count_met && ids_met && lookup_met && delete_met && update_met}};
    const std::string x = "x";
    lines = {
        {"", "Quiver", "LanceDB " + p.value("lancedb_version", std::string("?")), "ratio", "target"},
        {"filter, count matching rows (ms)", Fixed(q["filter_count_ms"]["median"], 1),
         Fixed(p["filter_count_ms"]["median"], 1), Fixed(count_r, 2) + x, Verdict(count_met, ">= 2x rows/s")},
        {"  rows of the table scanned per s", rate(q["filter_count_ms"]["median"]),
         rate(p["filter_count_ms"]["median"]), "", ""},
        {"filter, return matching ids (ms)", Fixed(q["filter_ids_ms"]["median"], 1),
         Fixed(p["filter_ids_ms"]["median"], 1), Fixed(ids_r, 2) + x, Verdict(ids_met, ">= 2x rows/s")},
        {"  rows of the table scanned per s", rate(q["filter_ids_ms"]["median"]),
         rate(p["filter_ids_ms"]["median"]), "", ""},
        {"lookup id = K, BTREE, mean / p50 / p99 (ms)", lat(q["lookup_index_ms"]), lat(p["lookup_index_ms"]),
         Fixed(lookup_r, 2) + x, Verdict(lookup_met, "p50 < 1 ms and >= 3x faster")},
        {"lookup id = K, no index, mean / p50 / p99 (ms)", lat(q["lookup_noindex_ms"]),
         lat(p["lookup_noindex_ms"]), Fixed(lookup_noindex_r, 2) + x, "(for reference)"},
        {"delete 1 % of rows (ms)", Fixed(q["delete_ms"]["median"], 1), Fixed(p["delete_ms"]["median"], 1),
         Fixed(delete_r, 2) + x, Verdict(delete_met, ">= 2x faster")},
        {"update 1 % of rows (ms)", Fixed(q["update_ms"]["median"], 1), Fixed(p["update_ms"]["median"], 1),
         Fixed(update_r, 2) + x, Verdict(update_met, ">= 2x faster")},
        {"BTREE index build on id (ms)", Fixed(q["index_build_ms"], 0), Fixed(p["index_build_ms"], 0),
         Fixed(p["index_build_ms"].get<double>() / q["index_build_ms"].get<double>(), 2) + x,
         "(for reference)"},
        {"ingest, one create-table call (ms)", Fixed(q["ingest_ms"], 0), Fixed(p["ingest_ms"], 0),
         Fixed(p["ingest_ms"].get<double>() / q["ingest_ms"].get<double>(), 2) + x, "(for reference)"},
    };
  } else {
    result["lancedb_skipped"] = why_no_peer;
    const double q_lookup = q["lookup_index_ms"]["median"];
    lines = {
        {"", "Quiver", "", "", ""},
        {"filter, count matching rows (ms)", Fixed(q["filter_count_ms"]["median"], 1), "", "", ""},
        {"  rows of the table scanned per s", rate(q["filter_count_ms"]["median"]), "", "", ""},
        {"filter, return matching ids (ms)", Fixed(q["filter_ids_ms"]["median"], 1), "", "", ""},
        {"  rows of the table scanned per s", rate(q["filter_ids_ms"]["median"]), "", "", ""},
        {"lookup id = K, BTREE, mean / p50 / p99 (ms)", lat(q["lookup_index_ms"]), "", "",
         Verdict(q_lookup < 1, "p50 < 1 ms")},
        {"lookup id = K, no index, mean / p50 / p99 (ms)", lat(q["lookup_noindex_ms"]), "", "", ""},
        {"delete 1 % of rows (ms)", Fixed(q["delete_ms"]["median"], 1), "", "", ""},
        {"update 1 % of rows (ms)", Fixed(q["update_ms"]["median"], 1), "", "", ""},
        {"BTREE index build on id (ms)", Fixed(q["index_build_ms"], 0), "", "", ""},
        {"ingest, one create-table call (ms)", Fixed(q["ingest_ms"], 0), "", "", ""},
    };
  }

  if (!o.json_out.empty()) WriteJsonFile(o.json_out, result);
  if (o.json) {
    std::printf("%s\n", result.dump(2).c_str());
  } else {
    std::printf("filter_bench: %s rows (%s)\n", Grouped(o.rows).c_str(),
                result["columns"].get<std::string>().c_str());
    std::printf("filter:  %s  (%s rows match)\n", kFilter, Grouped(expected.filter_rows).c_str());
    std::printf(
        "lookups: id = K for %d random K with a BTREE index on id, %d without (after %d warm-ups each)\n",
        o.lookups, o.noindex_lookups, o.warmup);
    std::printf("delete:  %s  (%s rows)\n", kDeletePredicate, Grouped(expected.deleted_rows).c_str());
    std::printf("update:  %s = %s WHERE %s  (%s rows)\n", kUpdateColumn, kUpdateExpression, kUpdatePredicate,
                Grouped(expected.updated_rows).c_str());
    std::printf(
        "medians of %d filter runs after %d warm-ups, and of %d deletes and updates after %d warm-up,\n"
        "each on a fresh copy of the table; Quiver durable writes (fsync): %s;\n"
        "both sides returned the expected counts (checked)\n",
        o.scan_reps, o.warmup, o.mutate_reps, MutateWarmup(o), o.fsync ? "on" : "off");
    PrintLoad(load_before, load_after);
    PrintTable(lines);
    std::printf("\nQuiver's plan for the filter:\n%s\n", q["explain_filter"].get<std::string>().c_str());
    std::printf("Quiver's plan for a lookup with the index:\n%s\n",
                q["explain_lookup_index"].get<std::string>().c_str());
    if (!peer) std::printf("\nLanceDB side skipped: %s\n", why_no_peer.c_str());
  }
  RemoveTemp();
  return 0;
}

}  // namespace
}  // namespace quiver::bench

int main(int argc, char** argv) { return quiver::bench::Main(argc, argv); }

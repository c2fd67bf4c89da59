// storage_bench: Quiver's storage layer against LanceDB's, side by side in one
// run, on the same rows (bench_data.h): ingest, full scan of one scalar
// column, taking random rows, and size on disk. bench/README.md explains
// the figures; the targets are those of the storage issue:
//   ingest rows/s >= 3x LanceDB's, scan >= 2x faster, take >= 2x faster,
//   table size on disk <= 1.1x LanceDB's.
//
//   storage_bench [--rows 1000000] [--batch-rows 65536] [--ingest-reps 3]
//                 [--scan-reps 10] [--take-reps 50] [--warmup 3]
//                 [--compression zstd|lz4|none] [--json] [--json-out FILE] [--no-peer]
//                 [--node-dir DIR] [--keep]
//
// The program generates the rows once, writes them as raw column files for
// the peer (bench/node/lancedb_storage.mjs, run with `node`), times Quiver
// in this process through the public API, runs the peer, and prints both
// sides with their ratios. Everything it writes lives in one directory under
// the system temp dir, removed at the end (unless --keep).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench_data.h"
#include "bench_util.h"
#include "quiver/quiver.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace quiver::bench {
namespace {

constexpr int kTakeCount = 100;
// Rows of the untimed warm-up ingest (the same on the peer's side).
constexpr int64_t kWarmupRows = 10000;

struct Options : CommonOptions {
  Options() {
    rows = 1000000;
    warmup = 3;
  }
  int ingest_reps = 3;
  int scan_reps = 10;
  int take_reps = 50;
  std::optional<std::string> compression;  // Quiver's default when unset
};

json ToJson(const Summary& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"reps", s.reps}};
}

// Sum of the sizes of the regular files under `dir` (apparent sizes, as the
// peer script counts them).
uint64_t DirBytes(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (FlagReader flags(argc, argv); flags.Next();) {
    const std::string& arg = flags.flag();
    if (flags.ReadCommon(&o)) continue;
    if (arg == "--ingest-reps") {
      o.ingest_reps = flags.Count();
    } else if (arg == "--scan-reps") {
      o.scan_reps = flags.Count();
    } else if (arg == "--take-reps") {
      o.take_reps = flags.Count();
    } else if (arg == "--compression") {
      o.compression = flags.Value();
    } else {
      std::fprintf(
          stderr,
          "usage: %s [--rows N] [--batch-rows N] [--no-fsync] [--ingest-reps N] [--scan-reps N] [--take-reps "
          "N]\n"
          "          [--warmup N] [--compression zstd|lz4|none] [--json] [--json-out FILE] [--no-peer]\n"
          "          [--node-dir DIR] [--keep]\n",
          argv[0]);
      std::exit(2);
    }
  }
  if (o.rows < kTakeCount) Die("--rows must be at least " + std::to_string(kTakeCount));
  if (o.batch_rows < 1) Die("--batch-rows must be positive");
  if (o.ingest_reps < 1 || o.scan_reps < 1 || o.take_reps < 1) Die("repetition counts must be positive");
  return o;
}

SchemaPtr BenchSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      Field("id", int64()),
      Field("vector", vector_type(kDim)),
      Field("text", utf8()),
      Field("category", utf8()),
      Field("price", float64()),
  });
}

// Quiver's figures, in the same shape as the peer's JSON.
json RunQuiver(const Options& o, const BenchData& d, const std::vector<uint64_t>& take_rows,
               const fs::path& root) {
  const SchemaPtr schema = BenchSchema();
  const std::vector<BatchPtr> batches = MakeBatches(d, schema, o.batch_rows);
  CreateTableOptions create;
  if (o.compression) create.write.compression = *o.compression;

  // One untimed ingest of a few rows first, as the peer script does (there it
  // absorbs the native library's start-up).
  {
    const fs::path warm_dir = root / "quiver" / "warmup";
    ConnectionPtr db = Check(Connect(warm_dir.string()), "connecting to " + warm_dir.string());
    const std::vector<BatchPtr> small = {batches.front()->Slice(0, std::min<int64_t>(kWarmupRows, d.rows))};
    Check(db->CreateTable("bench", small, create), "CreateTable (warm-up)");
    fs::remove_all(warm_dir);
  }

  // Ingest: a fresh database per rep; only the last one is kept for reads.
  std::vector<double> ingest_ms;
  std::vector<uint64_t> table_bytes;
  fs::path db_dir;
  for (int r = 0; r < o.ingest_reps; ++r) {
    if (!db_dir.empty()) fs::remove_all(db_dir);
    db_dir = root / "quiver" / ("ingest" + std::to_string(r));
    ConnectOptions connect;
    connect.durable_writes = o.fsync;
    ConnectionPtr db = Check(Connect(db_dir.string(), connect), "connecting to " + db_dir.string());
    ingest_ms.push_back(TimeMs([&] { Check(db->CreateTable("bench", batches, create), "CreateTable"); }));
    table_bytes.push_back(DirBytes(db_dir));
    Progress("ingest rep " + std::to_string(r) + ": " + Fixed(ingest_ms.back(), 1) + " ms, " +
             std::to_string(table_bytes.back()) + " bytes");
  }

  ConnectionPtr db = Check(Connect(db_dir.string()), "connecting to " + db_dir.string());
  TablePtr table = Check(db->OpenTable("bench"), "OpenTable");
  const int64_t num_rows = Check(table->CountRows(), "CountRows");
  if (num_rows != d.rows)
    Die("table has " + std::to_string(num_rows) + " rows, expected " + std::to_string(d.rows));

  // Full scan of one scalar column: every batch read, nothing else done.
  std::vector<double> scan_ms;
  double price_sum = 0;
  for (int r = 0; r < o.warmup + o.scan_reps; ++r) {
    std::vector<BatchPtr> got;
    const double ms = TimeMs([&] {
      auto reader = Check(table->Scan().Columns({"price"}).ToReader(), "Scan");
      while (BatchPtr batch = Check(reader->Next(), "reading a scan")) got.push_back(std::move(batch));
    });
    int64_t rows = 0;
    for (const BatchPtr& b : got) {
      if (b->num_columns() != 1)
        Die("scan of price returned " + std::to_string(b->num_columns()) + " columns");
      if (r == 0) {
        const double* v = b->column(0)->values<double>();
        for (int64_t i = 0; i < b->num_rows(); ++i) price_sum += v[i];
      }
      rows += b->num_rows();
    }
    if (rows != d.rows)
      Die("scan returned " + std::to_string(rows) + " rows, expected " + std::to_string(d.rows));
    if (r >= o.warmup) scan_ms.push_back(ms);
  }
  Progress("scan: median " + Fixed(Summarise(scan_ms).median, 2) + " ms");

  // Row ids of every row number, looked up once (untimed) as the peer does.
  std::vector<uint64_t> row_id_of(d.rows);
  {
    auto reader = Check(table->Scan().Columns({"id"}).WithRowId().ToReader(), "Scan with row ids");
    while (BatchPtr b = Check(reader->Next(), "reading row ids")) {
      ArrayPtr ids = b->GetColumn("id");
      ArrayPtr row_ids = b->GetColumn("_rowid");
      if (!ids || !row_ids) Die("scan with row ids lacks the id or _rowid column");
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        row_id_of[ids->values<int64_t>()[i]] = row_ids->values<uint64_t>()[i];
      }
    }
  }

  // Take: one group of kTakeCount rows per run, all columns.
  std::vector<double> take_ms;
  for (int r = 0; r < o.warmup + o.take_reps; ++r) {
    std::vector<uint64_t> row_ids(kTakeCount);
    for (int i = 0; i < kTakeCount; ++i) row_ids[i] = row_id_of[take_rows[r * kTakeCount + i]];
    BatchPtr got;
    const double ms = TimeMs([&] { got = Check(table->TakeRowIds(row_ids), "TakeRowIds"); });
    if (got->num_rows() != kTakeCount || got->num_columns() != schema->num_fields()) {
      Die("take returned " + std::to_string(got->num_rows()) + " rows x " +
          std::to_string(got->num_columns()) + " columns, expected " + std::to_string(kTakeCount) + " x " +
          std::to_string(schema->num_fields()));
    }
    const int64_t* ids = got->GetColumn("id")->values<int64_t>();
    for (int i = 0; i < kTakeCount; ++i) {
      if (static_cast<uint64_t>(ids[i]) != take_rows[r * kTakeCount + i])
        Die("take returned other rows than asked for");
    }
    if (r >= o.warmup) take_ms.push_back(ms);
  }
  Progress("take: median " + Fixed(Summarise(take_ms).median, 3) + " ms");

  return {
      {"ingest_ms", ToJson(Summarise(ingest_ms))},
      {"table_bytes", table_bytes.back()},
      {"table_bytes_all", table_bytes},
      {"scan_ms", ToJson(Summarise(scan_ms))},
      {"scan_price_sum", price_sum},
      {"take_count", kTakeCount},
      {"take_row_ids_ms", ToJson(Summarise(take_ms))},
      {"compression", o.compression.value_or("default")},
  };
}

// Runs the Node peer; its JSON, or nullopt (with the reason in `why`) when
// node or the package is missing or the script fails.
std::optional<json> RunPeer(const Options& o, const fs::path& data_dir, const fs::path& db_dir,
                            std::string* why) {
  const std::string args = "--data " + Quote(data_dir.string()) + " --db " + Quote(db_dir.string()) +
                           " --batch-rows " + std::to_string(o.batch_rows) + " --ingest-reps " +
                           std::to_string(o.ingest_reps) + " --scan-reps " + std::to_string(o.scan_reps) +
                           " --take-reps " + std::to_string(o.take_reps) + " --warmup " +
                           std::to_string(o.warmup) + " --take-count " + std::to_string(kTakeCount);
  return RunNodePeer(o.node_dir, "lancedb_storage.mjs", args, why);
}

int Main(int argc, char** argv) {
  SetProgramName("storage_bench");
  const Options o = ParseOptions(argc, argv);
  const fs::path root = MakeTempRoot("quiver-storage-bench", o.keep);

  const double load_before = LoadAverage();
  BenchData data;
  const double gen_ms = TimeMs([&] { data = GenerateBenchData(o.rows); });
  const std::vector<uint64_t> take_rows = RandomRowGroups(o.rows, o.warmup + o.take_reps, kTakeCount);
  Progress("generated " + Grouped(o.rows) + " rows in " + Fixed(gen_ms, 0) + " ms");

  const fs::path data_dir = root / "data";
  if (o.peer) {
    fs::create_directories(data_dir);
    std::string err = WriteRawColumns(data, data_dir.string());
    if (err.empty()) err = WriteUInt64File(take_rows, (data_dir / "take.u64").string());
    if (!err.empty()) Die(err);
  }

  const json quiver = RunQuiver(o, data, take_rows, root);

  std::optional<json> peer;
  std::string why_no_peer = "--no-peer";
  if (o.peer) {
    peer = RunPeer(o, data_dir, root / "lancedb", &why_no_peer);
    if (!peer) Warn("LanceDB side skipped: " + why_no_peer);
  }

  const double load_after = LoadAverage();
  const double q_ingest = quiver["ingest_ms"]["median"];
  const double q_scan = quiver["scan_ms"]["median"];
  const double q_take = quiver["take_row_ids_ms"]["median"];
  const uint64_t q_bytes = quiver["table_bytes"];
  json result = {
      {"rows", o.rows},
      {"batch_rows", o.batch_rows},
      {"columns", "id int64, vector fixed_size_list<float>[128], text utf8, category utf8, price float64"},
      {"quiver", quiver},
      {"load_average_1min", {load_before, load_after}},
  };
  std::vector<Line> lines;
  if (peer) {
    const json& p = *peer;
    const double l_ingest = p["ingest_ms"]["median"];
    const double l_scan = p["scan_ms"]["median"];
    const double l_take_off = p["take_offsets_ms"]["median"];
    const double l_take_ids = p["take_row_ids_ms"]["median"];
    const bool by_offset = l_take_off < l_take_ids;
    const double l_take = std::min(l_take_off, l_take_ids);
    const uint64_t l_bytes = p["table_bytes"];
    const double ingest_ratio = l_ingest / q_ingest;  // = Quiver rows/s over LanceDB's
    const double scan_ratio = l_scan / q_scan;
    const double take_ratio = l_take / q_take;
    const double size_ratio = static_cast<double>(q_bytes) / static_cast<double>(l_bytes);
    const bool ingest_met = ingest_ratio >= 3.0, scan_met = scan_ratio >= 2.0, take_met = take_ratio >= 2.0,
               size_met = size_ratio <= 1.1;
    result["lancedb"] = p;
    result["ratios"] = {{"ingest_rows_per_s", ingest_ratio},
                        {"scan_speedup", scan_ratio},
                        {"take_speedup", take_ratio},
                        {"take_peer_method", by_offset ? "takeOffsets" : "takeRowIds"},
                        {"size", size_ratio}};
    result["targets_met"] = {{"ingest_3x", ingest_met},
                             {"scan_2x", scan_met},
                             {"take_2x", take_met},
                             {"size_1_1x", size_met},
                             {"all", ingest_met && scan_met && take_met && size_met}};
    const std::string lance_name = "LanceDB " + p.value("lancedb_version", std::string("?"));
    lines = {
        {"", "Quiver", lance_name, "ratio", "target"},
        {"ingest, one create-table call (ms)", Fixed(q_ingest, 1), Fixed(l_ingest, 1), "", ""},
        {"ingest (rows/s)", Grouped(static_cast<uint64_t>(o.rows / q_ingest * 1000)),
         Grouped(static_cast<uint64_t>(o.rows / l_ingest * 1000)), Fixed(ingest_ratio, 2) + "x",
         Verdict(ingest_met, ">= 3x LanceDB's rows/s")},
        {"full scan of price (ms)", Fixed(q_scan, 2), Fixed(l_scan, 2), Fixed(scan_ratio, 2) + "x",
         Verdict(scan_met, ">= 2x faster")},
        {"take 100 random rows, all columns (ms)", Fixed(q_take, 3), Fixed(l_take, 3),
         Fixed(take_ratio, 2) + "x", Verdict(take_met, ">= 2x faster")},
        {"  LanceDB by takeOffsets / takeRowIds (ms)", "",
         Fixed(l_take_off, 3) + " / " + Fixed(l_take_ids, 3), "", ""},
        {"table size on disk (bytes)", Grouped(q_bytes), Grouped(l_bytes), Fixed(size_ratio, 3) + "x",
         Verdict(size_met, "<= 1.1x LanceDB's")},
    };
  } else {
    result["lancedb_skipped"] = why_no_peer;
    lines = {
        {"", "Quiver", "", "", ""},
        {"ingest, one create-table call (ms)", Fixed(q_ingest, 1), "", "", ""},
        {"ingest (rows/s)", Grouped(static_cast<uint64_t>(o.rows / q_ingest * 1000)), "", "", ""},
        {"full scan of price (ms)", Fixed(q_scan, 2), "", "", ""},
        {"take 100 random rows, all columns (ms)", Fixed(q_take, 3), "", "", ""},
        {"table size on disk (bytes)", Grouped(q_bytes), "", "", ""},
    };
  }

  if (!o.json_out.empty()) WriteJsonFile(o.json_out, result);
  if (o.json) {
    std::printf("%s\n", result.dump(2).c_str());
  } else {
    std::printf("storage_bench: %s rows (%s), batches of %s rows\n", Grouped(o.rows).c_str(),
                result["columns"].get<std::string>().c_str(), Grouped(o.batch_rows).c_str());
    std::printf(
        "medians of %d ingest, %d scan and %d take runs after %d warm-up runs; Quiver compression: %s\n",
        o.ingest_reps, o.scan_reps, o.take_reps, o.warmup, o.compression.value_or("default").c_str());
    PrintLoad(load_before, load_after);
    PrintTable(lines);
    if (peer) {
      const bool sums_agree = std::abs(quiver["scan_price_sum"].get<double>() -
                                       (*peer)["scan_price_sum"].get<double>()) < 1e-6 * o.rows;
      std::printf("\nprice sums %s (Quiver %.2f, LanceDB %.2f)\n", sums_agree ? "agree" : "DIFFER",
                  quiver["scan_price_sum"].get<double>(), (*peer)["scan_price_sum"].get<double>());
    } else {
      std::printf("\nLanceDB side skipped: %s\n", why_no_peer.c_str());
    }
  }
  RemoveTemp();
  return 0;
}

}  // namespace
}  // namespace quiver::bench

int main(int argc, char** argv) { return quiver::bench::Main(argc, argv); }

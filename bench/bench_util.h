// What the benchmark programs against peers (storage_bench, filter_bench)
// share: the flags every one of them takes, the run's temporary directory,
// dying with a message, timing, number formatting, record batches that
// borrow the generated rows, running a Node peer script for its JSON, and
// the side-by-side table they print.
//
// A benchmark is one single-threaded program: the state here (the program's
// name and the temporary directory) is process-wide and not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_data.h"
#include "quiver/quiver.h"

namespace quiver::bench {

// Names the program in every message below ("storage_bench: ..."); call it
// first.
void SetProgramName(const char* name);

// Prints "<program>: <message>" on stderr.
void Warn(const std::string& message);
// Warn, remove the temporary directory, exit with status 1.
[[noreturn]] void Die(const std::string& message);

// The value of `result`, or Die with `what` and the status.
template <typename T>
T Check(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().ToString());
  return std::move(result).value();
}

// Prints "[quiver] <message>" on stderr (the peers print "[lancedb] ...").
void Progress(const std::string& message);

// Creates a fresh directory "<system temp dir>/<prefix>-XXXXXX" for
// everything the run writes and returns it; dies when it cannot.
// RemoveTemp() deletes it, or only says where it is when `keep`.
std::filesystem::path MakeTempRoot(const std::string& prefix, bool keep);
// Safe to call more than once, and before MakeTempRoot (then a no-op).
void RemoveTemp();

// Monotonic clock, in milliseconds.
double NowMs();
// Wall time of one call of `fn`, in milliseconds.
double TimeMs(const std::function<void()>& fn);

// Statistics of repeated runs; all zero when there were none.
struct Summary {
  double median = 0, mean = 0, min = 0, max = 0;
  double p99 = 0;  // by nearest rank
  int reps = 0;
};
Summary Summarise(std::vector<double> times);
// Median, min and max of repeated runs, mean and p99 for latencies, as JSON
// ({"reps": 0} when there were none).
nlohmann::json SummaryJson(const std::vector<double>& times);

// `v` with thousands separators: 1,234,567.
std::string Grouped(uint64_t v);
// `v` with `decimals` digits after the point.
std::string Fixed(double v, int decimals);

// `text` as a non-negative integer, or Die naming `flag`.
int64_t ParseInt(const char* flag, const char* text);

// The flags every benchmark against a peer takes. The defaults of `rows`
// and `warmup` are each program's own.
struct CommonOptions {
  int64_t rows = 0;
  int64_t batch_rows = 65536;
  int warmup = 0;
  bool fsync = true;  // Quiver's durable writes; LanceDB never fsyncs
  bool json = false;
  std::string json_out;  // also write the JSON here, when set
  bool peer = true;
  bool keep = false;
  std::string node_dir = QUIVER_BENCH_NODE_DIR;
};

// Walks argv[1..] one flag at a time:
//   for (FlagReader flags(argc, argv); flags.Next();) {
//     if (flags.ReadCommon(&options)) continue;
//     if (flags.flag() == "--scan-reps") options.scan_reps = flags.Count(); ...
//   }
class FlagReader {
 public:
  FlagReader(int argc, char** argv) : argc_(argc), argv_(argv) {}

  // Moves to the next flag; false after the last.
  bool Next();
  const std::string& flag() const { return flag_; }
  // The flag's value (the next argument), or Die when there is none.
  const char* Value();
  // The value as a non-negative integer, or Die.
  int64_t Int() { return ParseInt(flag_.c_str(), Value()); }
  int Count() { return static_cast<int>(Int()); }
  // Reads the flag into `o` when it is one of CommonOptions' (--rows,
  // --batch-rows, --warmup, --no-fsync, --json, --json-out, --no-peer,
  // --node-dir, --keep); false for any other flag.
  bool ReadCommon(CommonOptions* o);

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
  std::string flag_;
};

// Wraps `size` bytes at `data` (owned by the caller, who keeps them alive as
// long as the buffer) without copying.
BufferPtr Borrow(const void* data, size_t size);

// Rows of `d` as record batches of `batch_rows` rows, the split the peer
// scripts make, with the columns `schema` names (any of id, vector, text,
// category, price) in its order. The batches borrow `d`'s memory (only utf8
// offsets are copied, to rebase them): `d` must outlive them.
std::vector<BatchPtr> MakeBatches(const BenchData& d, const SchemaPtr& schema, int64_t batch_rows);

// The 1-minute load average (Linux), or -1: other work on the machine skews
// every figure, so the reports show how busy it was.
double LoadAverage();

// `s` quoted for sh.
std::string Quote(const std::string& s);

// Runs `node <node_dir>/<script> <args>` (`args` already quoted) with
// LanceDB's logging at errors only; the JSON it prints on stdout, or
// nullopt with the reason in `why` when node or @lancedb/lancedb is
// missing or the script fails. The script's stderr passes through.
std::optional<nlohmann::json> RunNodePeer(const std::string& node_dir, const std::string& script,
                                          const std::string& args, std::string* why);

// Writes `value` to `path`, indented; warns when it cannot.
void WriteJsonFile(const std::string& path, const nlohmann::json& value);

// "met    <target>" or "MISSED <target>", for the table's last column.
std::string Verdict(bool met, const std::string& target);

// One row of the side-by-side table.
struct Line {
  std::string label, quiver, peer, ratio, target;
};
// Prints `lines` on stdout: the label left-aligned, the figures
// right-aligned, each column as wide as its widest cell.
void PrintTable(const std::vector<Line>& lines);
// The line saying how loaded the machine was (load averages from
// LoadAverage()), followed by an empty line.
void PrintLoad(double before, double after);

}  // namespace quiver::bench

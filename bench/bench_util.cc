#include "bench_util.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace quiver::bench {
namespace {

std::string g_program = "bench";
// The run's temporary directory, removed on every exit path.
std::string g_temp_root;
bool g_keep_temp = false;

// Rows [begin, end) of a utf8 column: offsets rebased to 0 (copied), bytes
// borrowed.
ArrayPtr Utf8Slice(const std::vector<int32_t>& offsets, const std::string& bytes, int64_t begin,
                   int64_t end) {
  const int64_t n = end - begin;
  BufferPtr rebased = Buffer::Allocate((n + 1) * sizeof(int32_t));
  auto* out = reinterpret_cast<int32_t*>(rebased->mutable_data());
  const int32_t base = offsets[begin];
  for (int64_t i = 0; i <= n; ++i) out[i] = offsets[begin + i] - base;
  return std::make_shared<Array>(
      utf8(), n, std::vector<BufferPtr>{nullptr, rebased, Borrow(bytes.data() + base, offsets[end] - base)},
      std::vector<ArrayPtr>{}, 0);
}

// `n` values of `type` at `data`, borrowed.
ArrayPtr BorrowedArray(TypePtr type, int64_t n, const void* data, size_t bytes) {
  return std::make_shared<Array>(std::move(type), n, std::vector<BufferPtr>{nullptr, Borrow(data, bytes)},
                                 std::vector<ArrayPtr>{}, 0);
}

// Rows [begin, end) of the column of `d` that `field` names.
ArrayPtr Column(const BenchData& d, const Field& field, int64_t begin, int64_t end) {
  const int64_t n = end - begin;
  if (field.name == "id") return BorrowedArray(int64(), n, &d.id[begin], n * sizeof(int64_t));
  if (field.name == "price") return BorrowedArray(float64(), n, &d.price[begin], n * sizeof(double));
  if (field.name == "text") return Utf8Slice(d.text_offsets, d.text, begin, end);
  if (field.name == "category") return Utf8Slice(d.category_offsets, d.category, begin, end);
  if (field.name == "vector") {
    ArrayPtr floats = BorrowedArray(float32(), n * kDim, &d.vector[begin * kDim], n * kDim * sizeof(float));
    return std::make_shared<Array>(field.type, n, std::vector<BufferPtr>{nullptr},
                                   std::vector<ArrayPtr>{floats}, 0);
  }
  Die("the benchmark data has no column \"" + field.name + "\"");
}

}  // namespace

void SetProgramName(const char* name) { g_program = name; }

void Warn(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", g_program.c_str(), message.c_str());
}

[[noreturn]] void Die(const std::string& message) {
  Warn(message);
  RemoveTemp();
  std::exit(1);
}

void Progress(const std::string& message) { std::fprintf(stderr, "[quiver] %s\n", message.c_str()); }

fs::path MakeTempRoot(const std::string& prefix, bool keep) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr)
    Die("cannot create a directory like " + tmpl + ": " + std::strerror(errno));
  g_temp_root = tmpl;
  g_keep_temp = keep;
  return g_temp_root;
}

void RemoveTemp() {
  if (g_temp_root.empty()) return;
  if (g_keep_temp) {
    Warn("kept " + g_temp_root);
    return;
  }
  std::error_code ec;
  fs::remove_all(g_temp_root, ec);
}

double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double TimeMs(const std::function<void()>& fn) {
  const double t0 = NowMs();
  fn();
  return NowMs() - t0;
}

Summary Summarise(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  Summary s;
  s.reps = static_cast<int>(times.size());
  if (times.empty()) return s;
  const size_t n = times.size(), m = n / 2;
  double sum = 0;
  for (double t : times) sum += t;
  s.median = n % 2 ? times[m] : (times[m - 1] + times[m]) / 2;
  s.mean = sum / static_cast<double>(n);
  s.p99 = times[static_cast<size_t>(std::ceil(0.99 * static_cast<double>(n))) - 1];
  s.min = times.front();
  s.max = times.back();
  return s;
}

nlohmann::json SummaryJson(const std::vector<double>& times) {
  const Summary s = Summarise(times);
  if (s.reps == 0) return {{"reps", 0}};
  return {{"median", s.median}, {"mean", s.mean}, {"p99", s.p99},
          {"min", s.min},       {"max", s.max},   {"reps", s.reps}};
}

std::string Grouped(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

int64_t ParseInt(const char* flag, const char* text) {
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || v < 0)
    Die(std::string(flag) + " expects a non-negative integer, got \"" + text + "\"");
  return v;
}

bool FlagReader::Next() {
  if (i_ + 1 >= argc_) return false;
  flag_ = argv_[++i_];
  return true;
}

const char* FlagReader::Value() {
  if (i_ + 1 >= argc_) Die(flag_ + " needs a value");
  return argv_[++i_];
}

bool FlagReader::ReadCommon(CommonOptions* o) {
  if (flag_ == "--rows") {
    o->rows = Int();
  } else if (flag_ == "--batch-rows") {
    o->batch_rows = Int();
  } else if (flag_ == "--warmup") {
    o->warmup = Count();
  } else if (flag_ == "--no-fsync") {
    o->fsync = false;
  } else if (flag_ == "--json") {
    o->json = true;
  } else if (flag_ == "--json-out") {
    o->json_out = Value();
  } else if (flag_ == "--no-peer") {
    o->peer = false;
  } else if (flag_ == "--node-dir") {
    o->node_dir = Value();
  } else if (flag_ == "--keep") {
    o->keep = true;
  } else {
    return false;
  }
  return true;
}

BufferPtr Borrow(const void* data, size_t size) {
  return Buffer::Wrap(data, size, [] {});
}

std::vector<BatchPtr> MakeBatches(const BenchData& d, const SchemaPtr& schema, int64_t batch_rows) {
  std::vector<BatchPtr> batches;
  for (int64_t begin = 0; begin < d.rows; begin += batch_rows) {
    const int64_t end = std::min(d.rows, begin + batch_rows);
    std::vector<ArrayPtr> columns;
    for (const Field& field : schema->fields()) columns.push_back(Column(d, field, begin, end));
    batches.push_back(Check(RecordBatch::Make(schema, std::move(columns)), "making a record batch"));
  }
  return batches;
}

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = -1;
  if (!(in >> load)) return -1;
  return load;
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::optional<json> RunNodePeer(const std::string& node_dir, const std::string& script,
                                const std::string& args, std::string* why) {
  const fs::path path = fs::path(node_dir) / script;
  if (!fs::exists(path)) {
    *why = "no " + path.string();
    return std::nullopt;
  }
  if (!fs::exists(fs::path(node_dir) / "node_modules" / "@lancedb" / "lancedb" / "package.json")) {
    *why = "@lancedb/lancedb is not installed (run scripts/install_bench_peers.sh)";
    return std::nullopt;
  }
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    *why = "node is not on PATH (install it, then run scripts/install_bench_peers.sh)";
    return std::nullopt;
  }
  const std::string command = "LANCEDB_LOG=error node " + Quote(path.string()) + " " + args;
  std::fflush(stderr);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *why = "could not start node";
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int rc = pclose(pipe);
  if (rc != 0) {
    *why = script + " failed (exit status " + std::to_string(rc) + ", see its messages above)";
    return std::nullopt;
  }
  json peer = json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (peer.is_discarded()) {
    *why = script + " printed no JSON: " + out.substr(0, 200);
    return std::nullopt;
  }
  return peer;
}

void WriteJsonFile(const std::string& path, const json& value) {
  std::ofstream out(path);
  out << value.dump(2) << "\n";
  if (!out) Warn("could not write " + path);
}

std::string Verdict(bool met, const std::string& target) { return (met ? "met    " : "MISSED ") + target; }

void PrintTable(const std::vector<Line>& lines) {
  size_t w[4] = {0, 0, 0, 0};
  for (const Line& l : lines) {
    w[0] = std::max(w[0], l.label.size());
    w[1] = std::max(w[1], l.quiver.size());
    w[2] = std::max(w[2], l.peer.size());
    w[3] = std::max(w[3], l.ratio.size());
  }
  for (const Line& l : lines) {
    std::printf("%-*s  %*s  %*s  %*s  %s\n", static_cast<int>(w[0]), l.label.c_str(), static_cast<int>(w[1]),
                l.quiver.c_str(), static_cast<int>(w[2]), l.peer.c_str(), static_cast<int>(w[3]),
                l.ratio.c_str(), l.target.c_str());
  }
}

void PrintLoad(double before, double after) {
  std::printf("load average (1 min) %.2f at the start, %.2f at the end, on %u cores\n\n", before, after,
              std::thread::hardware_concurrency());
}

}  // namespace quiver::bench

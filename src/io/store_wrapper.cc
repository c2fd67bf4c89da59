#include "io/store_wrapper.h"

#include <array>
#include <atomic>
#include <mutex>
#include <utility>

namespace quiver {

// ---------------------------------------------------------------------------
// StoreOp

std::string_view StoreOpName(StoreOp op) {
  switch (op) {
    case StoreOp::kRead:
      return "read";
    case StoreOp::kReadRange:
      return "read_range";
    case StoreOp::kHead:
      return "head";
    case StoreOp::kList:
      return "list";
    case StoreOp::kPut:
      return "put";
    case StoreOp::kPutIfAbsent:
      return "put_if_absent";
    case StoreOp::kOpenWriter:
      return "open_writer";
    case StoreOp::kWriterAppend:
      return "writer_append";
    case StoreOp::kWriterClose:
      return "writer_close";
    case StoreOp::kDelete:
      return "delete";
    case StoreOp::kDeletePrefix:
      return "delete_prefix";
    case StoreOp::kRenamePrefix:
      return "rename_prefix";
  }
  return "unknown";
}

Result<StoreOps> ParseStoreOps(std::string_view names) {
  StoreOps ops;
  while (!names.empty()) {
    size_t comma = names.find(',');
    std::string_view name = names.substr(0, comma);
    names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == "all") {
      ops = ops | StoreOps::All();
    } else if (name == "reads") {
      ops = ops | StoreOps::Reads();
    } else if (name == "writes") {
      ops = ops | StoreOps::Writes();
    } else if (name == "mutations") {
      ops = ops | StoreOps::Mutations();
    } else {
      bool found = false;
      for (int i = 0; i < kNumStoreOps; ++i) {
        if (StoreOpName(static_cast<StoreOp>(i)) == name) {
          ops = ops | static_cast<StoreOp>(i);
          found = true;
        }
      }
      if (!found) return Status::InvalidArgument("unknown store operation \"" + std::string(name) + "\"");
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------
// MetricsObjectStore

std::string StoreMetrics::ToString() const {
  return "reads=" + std::to_string(read_requests) + " (range " + std::to_string(range_read_requests) +
         ") bytes_read=" + std::to_string(bytes_read) + " writes=" + std::to_string(write_requests) +
         " bytes_written=" + std::to_string(bytes_written) + " heads=" + std::to_string(head_calls) +
         " lists=" + std::to_string(list_calls) + " deletes=" + std::to_string(delete_calls) +
         " delete_prefixes=" + std::to_string(delete_prefix_calls) +
         " rename_prefixes=" + std::to_string(rename_prefix_calls) +
         " writers_opened=" + std::to_string(writers_opened) + " errors=" + std::to_string(errors);
}

struct MetricsObjectStore::Counters {
  std::atomic<uint64_t> read_requests{0};
  std::atomic<uint64_t> range_read_requests{0};
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> write_requests{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> head_calls{0};
  std::atomic<uint64_t> list_calls{0};
  std::atomic<uint64_t> delete_calls{0};
  std::atomic<uint64_t> delete_prefix_calls{0};
  std::atomic<uint64_t> rename_prefix_calls{0};
  std::atomic<uint64_t> writers_opened{0};
  std::atomic<uint64_t> errors{0};

  static void Add(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  // Counts `st` if it is an error; returns it.
  Status Track(Status st) {
    if (!st.ok()) Add(errors, 1);
    return st;
  }
  Result<BufferPtr> TrackRead(Result<BufferPtr> result) {
    if (result.ok()) {
      Add(bytes_read, (*result)->size());
    } else {
      Add(errors, 1);
    }
    return result;
  }
};

// Counts a writer's Close as one write request of all its bytes.
class MetricsObjectStore::Writer : public ObjectWriter {
 public:
  Writer(std::unique_ptr<ObjectWriter> inner, std::shared_ptr<Counters> counters)
      : inner_(std::move(inner)), counters_(std::move(counters)) {}

  Status Append(std::string_view data) override { return counters_->Track(inner_->Append(data)); }
  Status Close() override {
    Counters::Add(counters_->write_requests, 1);
    Status st = inner_->Close();
    if (st.ok()) Counters::Add(counters_->bytes_written, inner_->bytes_written());
    return counters_->Track(std::move(st));
  }
  void Abort() override { inner_->Abort(); }
  uint64_t bytes_written() const override { return inner_->bytes_written(); }

 private:
  std::unique_ptr<ObjectWriter> inner_;
  std::shared_ptr<Counters> counters_;
};

MetricsObjectStore::MetricsObjectStore(ObjectStorePtr target)
    : ForwardingObjectStore(std::move(target)), counters_(std::make_shared<Counters>()) {}

MetricsObjectStore::~MetricsObjectStore() = default;

StoreMetrics MetricsObjectStore::Snapshot() const {
  const Counters& c = *counters_;
  auto load = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  StoreMetrics m;
  m.read_requests = load(c.read_requests);
  m.range_read_requests = load(c.range_read_requests);
  m.bytes_read = load(c.bytes_read);
  m.write_requests = load(c.write_requests);
  m.bytes_written = load(c.bytes_written);
  m.head_calls = load(c.head_calls);
  m.list_calls = load(c.list_calls);
  m.delete_calls = load(c.delete_calls);
  m.delete_prefix_calls = load(c.delete_prefix_calls);
  m.rename_prefix_calls = load(c.rename_prefix_calls);
  m.writers_opened = load(c.writers_opened);
  m.errors = load(c.errors);
  return m;
}

void MetricsObjectStore::Reset() {
  Counters& c = *counters_;
  for (std::atomic<uint64_t>* v :
       {&c.read_requests, &c.range_read_requests, &c.bytes_read, &c.write_requests, &c.bytes_written,
        &c.head_calls, &c.list_calls, &c.delete_calls, &c.delete_prefix_calls, &c.rename_prefix_calls,
        &c.writers_opened, &c.errors}) {
    v->store(0, std::memory_order_relaxed);
  }
}

Result<BufferPtr> MetricsObjectStore::Read(std::string_view key) {
  Counters::Add(counters_->read_requests, 1);
  return counters_->TrackRead(ForwardingObjectStore::Read(key));
}

Result<BufferPtr> MetricsObjectStore::ReadRange(std::string_view key, uint64_t offset, uint64_t length) {
  Counters::Add(counters_->read_requests, 1);
  Counters::Add(counters_->range_read_requests, 1);
  return counters_->TrackRead(ForwardingObjectStore::ReadRange(key, offset, length));
}

Result<ObjectMeta> MetricsObjectStore::Head(std::string_view key) {
  Counters::Add(counters_->head_calls, 1);
  Result<ObjectMeta> result = ForwardingObjectStore::Head(key);
  if (!result.ok()) Counters::Add(counters_->errors, 1);
  return result;
}

Status MetricsObjectStore::Put(std::string_view key, std::string_view data) {
  Counters::Add(counters_->write_requests, 1);
  Status st = ForwardingObjectStore::Put(key, data);
  if (st.ok()) Counters::Add(counters_->bytes_written, data.size());
  return counters_->Track(std::move(st));
}

Status MetricsObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  Counters::Add(counters_->write_requests, 1);
  Status st = ForwardingObjectStore::PutIfAbsent(key, data);
  if (st.ok()) Counters::Add(counters_->bytes_written, data.size());
  return counters_->Track(std::move(st));
}

Result<std::unique_ptr<ObjectWriter>> MetricsObjectStore::OpenWriter(std::string_view key) {
  Counters::Add(counters_->writers_opened, 1);
  Result<std::unique_ptr<ObjectWriter>> inner = ForwardingObjectStore::OpenWriter(key);
  if (!inner.ok()) {
    Counters::Add(counters_->errors, 1);
    return inner.status();
  }
  return std::unique_ptr<ObjectWriter>(new Writer(std::move(inner).value(), counters_));
}

Result<std::vector<ObjectMeta>> MetricsObjectStore::List(std::string_view prefix) {
  Counters::Add(counters_->list_calls, 1);
  Result<std::vector<ObjectMeta>> result = ForwardingObjectStore::List(prefix);
  if (!result.ok()) Counters::Add(counters_->errors, 1);
  return result;
}

Result<std::vector<std::string>> MetricsObjectStore::ListFolders(std::string_view prefix) {
  Counters::Add(counters_->list_calls, 1);
  Result<std::vector<std::string>> result = ForwardingObjectStore::ListFolders(prefix);
  if (!result.ok()) Counters::Add(counters_->errors, 1);
  return result;
}

Status MetricsObjectStore::Delete(std::string_view key) {
  Counters::Add(counters_->delete_calls, 1);
  return counters_->Track(ForwardingObjectStore::Delete(key));
}

Status MetricsObjectStore::DeletePrefix(std::string_view prefix) {
  Counters::Add(counters_->delete_prefix_calls, 1);
  return counters_->Track(ForwardingObjectStore::DeletePrefix(prefix));
}

Status MetricsObjectStore::RenamePrefix(std::string_view from, std::string_view to) {
  Counters::Add(counters_->rename_prefix_calls, 1);
  return counters_->Track(ForwardingObjectStore::RenamePrefix(from, to));
}

// ---------------------------------------------------------------------------
// FaultInjectionStore

namespace {

// What to do with one operation.
struct Decision {
  enum Kind { kProceed, kFail, kFailAfter } kind = kProceed;
  Status error;
};

}  // namespace

struct FaultInjectionStore::State {
  struct ActiveRule {
    FaultRule rule;
    uint64_t matches = 0;
  };

  mutable std::mutex mu;
  std::vector<ActiveRule> rules;                // guarded by mu
  std::array<uint64_t, kNumStoreOps> counts{};  // guarded by mu
  uint64_t faults = 0;                          // guarded by mu
  bool crashed = false;                         // guarded by mu
  std::string crash_point;                      // guarded by mu; the operation that crashed

  // Counts `op` on `key` (and `key2`, rename_prefix's target) and decides
  // whether it fails.
  Decision Check(StoreOp op, std::string_view key, std::string_view key2 = {}) {
    std::string what = std::string(StoreOpName(op)) + " \"" + std::string(key) + "\"";
    if (!key2.empty()) what += " to \"" + std::string(key2) + "\"";
    std::lock_guard<std::mutex> lock(mu);
    ++counts[static_cast<int>(op)];
    if (crashed) {
      ++faults;
      return {Decision::kFail,
              Status::IOError("injected crash: " + what + " after the store crashed at " + crash_point)};
    }
    Decision decision;
    for (ActiveRule& active : rules) {
      const FaultRule& rule = active.rule;
      if (!rule.ops.contains(op)) continue;
      bool key_matches = key.find(rule.key_substring) != std::string_view::npos ||
                         (!key2.empty() && key2.find(rule.key_substring) != std::string_view::npos);
      if (!key_matches) continue;
      ++active.matches;
      bool fires = rule.nth == 0 || active.matches == rule.nth;
      if (!fires || decision.kind != Decision::kProceed) continue;
      ++faults;
      if (rule.crash) {
        crashed = true;
        crash_point = what;
        decision = {Decision::kFail, Status::IOError("injected crash: " + what)};
      } else {
        decision = {rule.after_success ? Decision::kFailAfter : Decision::kFail,
                    Status::IOError("injected fault: " + what)};
      }
    }
    return decision;
  }

  // Runs `fn` (the call to the target) unless the decision for `op` says to
  // fail first; returns the injected error or `fn`'s result.
  template <typename Fn>
  auto Run(StoreOp op, std::string_view key, std::string_view key2, Fn&& fn) -> decltype(fn()) {
    Decision decision = Check(op, key, key2);
    if (decision.kind == Decision::kFail) return decision.error;
    auto result = fn();
    if (decision.kind == Decision::kFailAfter) return decision.error;
    return result;
  }
};

// Checks Append and Close against the rules; a failed Close aborts the
// target's writer so nothing is published.
class FaultInjectionStore::Writer : public ObjectWriter {
 public:
  Writer(std::unique_ptr<ObjectWriter> inner, std::shared_ptr<State> state, std::string key)
      : inner_(std::move(inner)), state_(std::move(state)), key_(std::move(key)) {}

  Status Append(std::string_view data) override {
    if (!failure_.ok()) return failure_;
    Status st = state_->Run(StoreOp::kWriterAppend, key_, {}, [&] { return inner_->Append(data); });
    if (!st.ok()) failure_ = st;
    return st;
  }

  Status Close() override {
    if (!failure_.ok()) {
      // Like a real writer after a failed write: it cannot publish any more.
      inner_->Abort();
      return failure_;
    }
    Decision decision = state_->Check(StoreOp::kWriterClose, key_);
    if (decision.kind == Decision::kFail) {
      inner_->Abort();
      return decision.error;
    }
    Status st = inner_->Close();
    if (decision.kind == Decision::kFailAfter) return decision.error;
    return st;
  }

  void Abort() override { inner_->Abort(); }
  uint64_t bytes_written() const override { return inner_->bytes_written(); }

 private:
  std::unique_ptr<ObjectWriter> inner_;
  std::shared_ptr<State> state_;
  const std::string key_;
  Status failure_;  // the first failed Append; the writer is unusable after it
};

FaultInjectionStore::FaultInjectionStore(ObjectStorePtr target)
    : ForwardingObjectStore(std::move(target)), state_(std::make_shared<State>()) {}

FaultInjectionStore::~FaultInjectionStore() = default;

void FaultInjectionStore::AddRule(FaultRule rule) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->rules.push_back({std::move(rule), 0});
}

void FaultInjectionStore::FailNth(StoreOps ops, uint64_t n, std::string key_substring) {
  FaultRule rule;
  rule.ops = ops;
  rule.key_substring = std::move(key_substring);
  rule.nth = n == 0 ? 1 : n;
  AddRule(std::move(rule));
}

void FaultInjectionStore::FailAlways(StoreOps ops, std::string key_substring) {
  FaultRule rule;
  rule.ops = ops;
  rule.key_substring = std::move(key_substring);
  AddRule(std::move(rule));
}

void FaultInjectionStore::CrashAt(StoreOps ops, uint64_t n) {
  FaultRule rule;
  rule.ops = ops;
  rule.nth = n == 0 ? 1 : n;
  rule.crash = true;
  AddRule(std::move(rule));
}

void FaultInjectionStore::ClearRules() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->rules.clear();
  state_->crashed = false;
  state_->crash_point.clear();
}

uint64_t FaultInjectionStore::op_count(StoreOps ops) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  uint64_t total = 0;
  for (int i = 0; i < kNumStoreOps; ++i) {
    if (ops.contains(static_cast<StoreOp>(i))) total += state_->counts[i];
  }
  return total;
}

uint64_t FaultInjectionStore::faults_injected() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->faults;
}

bool FaultInjectionStore::crashed() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->crashed;
}

Result<BufferPtr> FaultInjectionStore::Read(std::string_view key) {
  return state_->Run(StoreOp::kRead, key, {}, [&] { return ForwardingObjectStore::Read(key); });
}

Result<BufferPtr> FaultInjectionStore::ReadRange(std::string_view key, uint64_t offset, uint64_t length) {
  return state_->Run(StoreOp::kReadRange, key, {},
                     [&] { return ForwardingObjectStore::ReadRange(key, offset, length); });
}

Result<ObjectMeta> FaultInjectionStore::Head(std::string_view key) {
  return state_->Run(StoreOp::kHead, key, {}, [&] { return ForwardingObjectStore::Head(key); });
}

Status FaultInjectionStore::Put(std::string_view key, std::string_view data) {
  return state_->Run(StoreOp::kPut, key, {}, [&] { return ForwardingObjectStore::Put(key, data); });
}

Status FaultInjectionStore::PutIfAbsent(std::string_view key, std::string_view data) {
  return state_->Run(StoreOp::kPutIfAbsent, key, {},
                     [&] { return ForwardingObjectStore::PutIfAbsent(key, data); });
}

Result<std::unique_ptr<ObjectWriter>> FaultInjectionStore::OpenWriter(std::string_view key) {
  return state_->Run(StoreOp::kOpenWriter, key, {}, [&]() -> Result<std::unique_ptr<ObjectWriter>> {
    QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> inner, ForwardingObjectStore::OpenWriter(key));
    return std::unique_ptr<ObjectWriter>(new Writer(std::move(inner), state_, std::string(key)));
  });
}

Result<std::vector<ObjectMeta>> FaultInjectionStore::List(std::string_view prefix) {
  return state_->Run(StoreOp::kList, prefix, {}, [&] { return ForwardingObjectStore::List(prefix); });
}

Result<std::vector<std::string>> FaultInjectionStore::ListFolders(std::string_view prefix) {
  return state_->Run(StoreOp::kList, prefix, {}, [&] { return ForwardingObjectStore::ListFolders(prefix); });
}

Status FaultInjectionStore::Delete(std::string_view key) {
  return state_->Run(StoreOp::kDelete, key, {}, [&] { return ForwardingObjectStore::Delete(key); });
}

Status FaultInjectionStore::DeletePrefix(std::string_view prefix) {
  return state_->Run(StoreOp::kDeletePrefix, prefix, {},
                     [&] { return ForwardingObjectStore::DeletePrefix(prefix); });
}

Status FaultInjectionStore::RenamePrefix(std::string_view from, std::string_view to) {
  return state_->Run(StoreOp::kRenamePrefix, from, to,
                     [&] { return ForwardingObjectStore::RenamePrefix(from, to); });
}

}  // namespace quiver

// Decorators over an ObjectStore, in the manner of leveldb's EnvWrapper:
//  - ForwardingObjectStore forwards every call to a target store; subclass
//    it and override only what a decorator changes.
//  - MetricsObjectStore counts requests and bytes per kind of operation.
//  - FaultInjectionStore makes chosen operations fail, or simulates a crash,
//    for tests of what the layers above do when IO fails halfway.
//
// Typical table-level crash test, one run per step of a write:
//
//   auto probe = std::make_shared<FaultInjectionStore>(std::make_shared<MemoryObjectStore>());
//   RunTableWrite(probe);                                   // fault-free
//   uint64_t steps = probe->op_count(StoreOps::Mutations());
//   for (uint64_t k = 1; k <= steps; ++k) {
//     auto base = std::make_shared<MemoryObjectStore>();
//     auto faulty = std::make_shared<FaultInjectionStore>(base);
//     faulty->CrashAt(StoreOps::Mutations(), k);           // step k never happens
//     EXPECT_FALSE(RunTableWrite(faulty).ok());
//     CheckTableConsistent(base);                           // reopen from the survivor
//   }
//
// Thread-safety: all three are thread-safe when their target is.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/object_store.h"

namespace quiver {

// Forwards every call to `target`. Decorators derive from it.
class ForwardingObjectStore : public ObjectStore {
 public:
  explicit ForwardingObjectStore(ObjectStorePtr target) : target_(std::move(target)) {}

  const ObjectStorePtr& target() const { return target_; }

  Result<BufferPtr> Read(std::string_view key) override { return target_->Read(key); }
  Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) override {
    return target_->ReadRange(key, offset, length);
  }
  Result<ObjectMeta> Head(std::string_view key) override { return target_->Head(key); }
  Status Put(std::string_view key, std::string_view data) override { return target_->Put(key, data); }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    return target_->PutIfAbsent(key, data);
  }
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override {
    return target_->OpenWriter(key);
  }
  Result<std::vector<ObjectMeta>> List(std::string_view prefix) override { return target_->List(prefix); }
  Result<std::vector<std::string>> ListFolders(std::string_view prefix) override {
    return target_->ListFolders(prefix);
  }
  Status Delete(std::string_view key) override { return target_->Delete(key); }
  Status DeletePrefix(std::string_view prefix) override { return target_->DeletePrefix(prefix); }
  Status RenamePrefix(std::string_view from, std::string_view to) override {
    return target_->RenamePrefix(from, to);
  }
  std::string uri() const override { return target_->uri(); }
  bool is_local() const override { return target_->is_local(); }
  Result<uint64_t> RemoveTempFiles(std::string_view prefix, int64_t min_age_ms) override {
    return target_->RemoveTempFiles(prefix, min_age_ms);
  }

 private:
  ObjectStorePtr target_;
};

// The kinds of store operation a decorator tells apart. A writer contributes
// kOpenWriter once, kWriterAppend per Append and kWriterClose at Close.
enum class StoreOp : int {
  kRead = 0,
  kReadRange,
  kHead,
  kList,
  kPut,
  kPutIfAbsent,
  kOpenWriter,
  kWriterAppend,
  kWriterClose,
  kDelete,
  kDeletePrefix,
  kRenamePrefix,
};
inline constexpr int kNumStoreOps = 12;

// "read", "read_range", "head", "list", "put", "put_if_absent",
// "open_writer", "writer_append", "writer_close", "delete",
// "delete_prefix", "rename_prefix".
std::string_view StoreOpName(StoreOp op);

// A set of StoreOps: `StoreOp::kPut | StoreOp::kDelete`.
class StoreOps {
 public:
  constexpr StoreOps() = default;
  constexpr StoreOps(StoreOp op) : bits_(1u << static_cast<int>(op)) {}  // NOLINT: implicit by design

  // Every kind.
  static constexpr StoreOps All() { return FromBits((1u << kNumStoreOps) - 1); }
  // Those that only look: read, read_range, head, list.
  static constexpr StoreOps Reads() {
    return FromBits(Bit(StoreOp::kRead) | Bit(StoreOp::kReadRange) | Bit(StoreOp::kHead) |
                    Bit(StoreOp::kList));
  }
  // Every kind that is not a read, including open_writer and writer_append.
  static constexpr StoreOps Writes() { return FromBits(All().bits_ & ~Reads().bits_); }
  // Those that change what a reader sees, one step each: put,
  // put_if_absent, writer_close, delete, delete_prefix, rename_prefix. The
  // steps a crash test walks through.
  static constexpr StoreOps Mutations() {
    return FromBits(Bit(StoreOp::kPut) | Bit(StoreOp::kPutIfAbsent) | Bit(StoreOp::kWriterClose) |
                    Bit(StoreOp::kDelete) | Bit(StoreOp::kDeletePrefix) | Bit(StoreOp::kRenamePrefix));
  }

  constexpr bool contains(StoreOp op) const { return (bits_ & Bit(op)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr uint32_t bits() const { return bits_; }
  friend constexpr bool operator==(StoreOps a, StoreOps b) = default;

  static constexpr StoreOps FromBits(uint32_t bits) {
    StoreOps ops;
    ops.bits_ = bits & ((1u << kNumStoreOps) - 1);
    return ops;
  }

 private:
  static constexpr uint32_t Bit(StoreOp op) { return 1u << static_cast<int>(op); }
  uint32_t bits_ = 0;
};

constexpr StoreOps operator|(StoreOps a, StoreOps b) { return StoreOps::FromBits(a.bits() | b.bits()); }
constexpr StoreOps operator|(StoreOp a, StoreOp b) { return StoreOps(a) | StoreOps(b); }

// Parses a comma-separated list of StoreOpName()s, or "all", "reads",
// "writes", "mutations"; InvalidArgument naming an unknown name.
Result<StoreOps> ParseStoreOps(std::string_view names);

// Counters of a MetricsObjectStore, as of one moment.
struct StoreMetrics {
  uint64_t read_requests = 0;        // Read and ReadRange calls
  uint64_t range_read_requests = 0;  // of which ReadRange
  uint64_t bytes_read = 0;           // bytes returned by successful reads
  uint64_t write_requests = 0;       // Put, PutIfAbsent and ObjectWriter::Close calls
  uint64_t bytes_written = 0;        // bytes published by successful writes
  uint64_t head_calls = 0;
  uint64_t list_calls = 0;
  uint64_t delete_calls = 0;  // Delete calls (not DeletePrefix)
  uint64_t delete_prefix_calls = 0;
  uint64_t rename_prefix_calls = 0;
  uint64_t writers_opened = 0;  // OpenWriter calls
  uint64_t errors = 0;          // calls of any kind that returned a non-OK status

  // "reads=3 (range 2) bytes_read=4096 writes=1 bytes_written=10 ..."
  std::string ToString() const;
};

// Counts every call made through it. Requests are counted when made, bytes
// when a call succeeds.
class MetricsObjectStore : public ForwardingObjectStore {
 public:
  explicit MetricsObjectStore(ObjectStorePtr target);
  ~MetricsObjectStore() override;

  // The counters now. Each counter is read atomically, the set is not: a
  // snapshot taken while calls run may be a mix of before and after.
  StoreMetrics Snapshot() const;
  // Zeroes every counter.
  void Reset();

  Result<BufferPtr> Read(std::string_view key) override;
  Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectMeta> Head(std::string_view key) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override;
  Result<std::vector<ObjectMeta>> List(std::string_view prefix) override;
  Result<std::vector<std::string>> ListFolders(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  Status RenamePrefix(std::string_view from, std::string_view to) override;

 private:
  class Writer;
  struct Counters;
  // Shared with open writers, which may outlive the store.
  std::shared_ptr<Counters> counters_;
};

// When a FaultInjectionStore makes an operation fail.
struct FaultRule {
  // The kinds of operation the rule applies to.
  StoreOps ops = StoreOps::All();
  // Only operations whose key contains this (for list and delete_prefix
  // the prefix; for rename_prefix either prefix); "" matches everything.
  std::string key_substring;
  // 0: every matching operation fails. n >= 1: only the n-th matching
  // operation, counted from when the rule was added, fails.
  uint64_t nth = 0;
  // When the rule fires the store also crashes: from then on every
  // operation of any kind fails without reaching the target, as if the
  // process had died at that point. The firing operation never happens.
  bool crash = false;
  // Apply the operation to the target first and report the fault after,
  // like a timeout that hides a write which did land. Ignored with `crash`.
  bool after_success = false;
};

// Fails operations chosen by rules with IOError "injected fault: <op> <key>"
// (or "injected crash: ..."); everything else is forwarded. A failing
// operation does not reach the target (see FaultRule::after_success), and a
// writer whose Close or an earlier Append failed publishes nothing. Several rules may apply; the
// first that fires wins, and every matching rule counts the operation.
class FaultInjectionStore : public ForwardingObjectStore {
 public:
  explicit FaultInjectionStore(ObjectStorePtr target);
  ~FaultInjectionStore() override;

  void AddRule(FaultRule rule);
  // The n-th (n >= 1) operation of kinds `ops` from now on, on a key
  // containing `key_substring`, fails.
  void FailNth(StoreOps ops, uint64_t n, std::string key_substring = "");
  // Every operation of kinds `ops` on a key containing `key_substring` fails.
  void FailAlways(StoreOps ops, std::string key_substring = "");
  // The n-th (n >= 1) operation of kinds `ops` from now on fails, and so
  // does every operation after it: a crash just before step n.
  void CrashAt(StoreOps ops, uint64_t n);
  // Drops every rule and revives a crashed store. Counts are kept.
  void ClearRules();

  // Operations of kinds `ops` attempted through this store so far, whether
  // they failed or not.
  uint64_t op_count(StoreOps ops) const;
  // How many operations failed by injection (crash failures included).
  uint64_t faults_injected() const;
  bool crashed() const;

  Result<BufferPtr> Read(std::string_view key) override;
  Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectMeta> Head(std::string_view key) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override;
  Result<std::vector<ObjectMeta>> List(std::string_view prefix) override;
  Result<std::vector<std::string>> ListFolders(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  Status RenamePrefix(std::string_view from, std::string_view to) override;

 private:
  class Writer;
  struct State;
  // Shared with open writers, which may outlive the store.
  std::shared_ptr<State> state_;
};

}  // namespace quiver

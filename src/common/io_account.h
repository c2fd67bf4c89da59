// IoAccount: the object-store traffic of one piece of work, such as one
// query, counted across every thread the work fans out to.
//
//   IoAccount account;
//   {
//     ScopedIoAccount scope(&account);
//     auto results = query.ToBatch();  // ThreadPool tasks inherit the scope
//   }
//   account.requests.load();  // requests that reached the store
//
// Stores count what reaches them (S3 requests, local reads); the read cache
// counts what it answered. A ThreadPool task runs under the account of the
// thread that submitted it.
//
// Thread-safety: the counters are atomic; the current account is per thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace quiver {

struct IoAccount {
  std::atomic<uint64_t> requests{0};     // reads that reached the store (on S3 also HEADs and LISTs)
  std::atomic<uint64_t> bytes_read{0};   // bytes those reads returned
  std::atomic<uint64_t> cache_hits{0};   // reads the read cache answered
  std::atomic<uint64_t> cache_bytes{0};  // bytes it answered them with
};

// The account of the work running on this thread, or null.
IoAccount* CurrentIoAccount();

// Makes `account` current on this thread until destroyed.
class ScopedIoAccount {
 public:
  explicit ScopedIoAccount(IoAccount* account);
  ~ScopedIoAccount();
  ScopedIoAccount(const ScopedIoAccount&) = delete;
  ScopedIoAccount& operator=(const ScopedIoAccount&) = delete;

 private:
  IoAccount* previous_;
};

// Adds a store request (and the bytes it returned) to the current account.
inline void CountStoreRead(uint64_t bytes) {
  if (IoAccount* account = CurrentIoAccount()) {
    account->requests.fetch_add(1, std::memory_order_relaxed);
    account->bytes_read.fetch_add(bytes, std::memory_order_relaxed);
  }
}

// Adds a read answered by a cache to the current account.
inline void CountCacheHit(uint64_t bytes) {
  if (IoAccount* account = CurrentIoAccount()) {
    account->cache_hits.fetch_add(1, std::memory_order_relaxed);
    account->cache_bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
}

}  // namespace quiver

// ThreadPool: a fixed-size executor for background work and parallel loops.
//
//   ThreadPool pool(4);
//   std::future<void> done = pool.Submit([] { ... });
//   pool.ParallelFor(n, [&](int64_t begin, int64_t end) { ... rows [begin, end) ... });
//
// Code that runs work in parallel takes a ThreadPool* from its caller (see
// STYLE.md: no hidden global threads); DefaultThreadPool() is the pool
// callers pass when they have no better one.
//
// Thread-safety: all methods may be called from any thread, including from
// tasks running on the pool itself. ParallelFor called from inside a task
// does not deadlock: the calling thread works through the chunks itself and
// only waits for chunks other threads have already started.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace quiver {

class ThreadPool {
 public:
  // Starts `threads` worker threads (at least 1).
  explicit ThreadPool(int threads);
  // Runs every task already submitted, then joins the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()); }

  // Queues `fn`; the future becomes ready when it has run (and rethrows what
  // it threw). It runs under the submitting thread's IoAccount
  // (common/io_account.h).
  std::future<void> Submit(std::function<void()> fn);

  // Calls fn(begin, end) over disjoint ranges that cover [0, n) exactly once,
  // in parallel, and returns when all have finished. Runs inline, as one
  // call fn(0, n), when the pool has one thread or n <= min_chunk. Ranges
  // hold at least `min_chunk` items (except the last). If a call throws, the
  // first exception is rethrown here after the others finish.
  void ParallelFor(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn,
                   int64_t min_chunk = 1);

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// A process-wide pool with std::thread::hardware_concurrency() threads (at
// least 1), created on first use and never destroyed.
ThreadPool* DefaultThreadPool();

// A wider pool for work that mostly waits on remote storage (the page reads
// of a take from S3): kIoThreads threads, so that many requests are in
// flight at once whatever the core count. Created on first use; never
// destroyed.
inline constexpr int kIoThreads = 32;
ThreadPool* IoThreadPool();

}  // namespace quiver

#include "common/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>

#include "common/io_account.h"

namespace quiver {

ThreadPool::ThreadPool(int threads) {
  threads = std::max(threads, 1);
  workers_.reserve(threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

std::future<void> ThreadPool::Submit(std::function<void()> fn) {
  // The task counts its IO to the submitter's account.
  if (IoAccount* account = CurrentIoAccount()) {
    fn = [account, inner = std::move(fn)] {
      ScopedIoAccount scope(account);
      inner();
    };
  }
  std::packaged_task<void()> task(std::move(fn));
  std::future<void> result = task.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return result;
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::packaged_task<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Drain the queue before stopping so no submitted future is abandoned.
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

namespace {

// Shared by the caller and helper tasks of one ParallelFor: whoever claims a
// chunk runs it, so helpers that start late simply find nothing to do.
struct ParallelForState {
  int64_t n;
  int64_t chunk;
  int64_t num_chunks;
  std::function<void(int64_t, int64_t)> fn;
  std::atomic<int64_t> next{0};
  std::mutex mu;
  std::condition_variable done_cv;
  int64_t done = 0;
  std::exception_ptr error;

  // Claims and runs chunks until none are left.
  void Work() {
    for (;;) {
      int64_t c = next.fetch_add(1);
      if (c >= num_chunks) return;
      int64_t begin = c * chunk;
      int64_t end = std::min(n, begin + chunk);
      std::exception_ptr e;
      try {
        fn(begin, end);
      } catch (...) {
        e = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu);
      if (e && !error) error = e;
      if (++done == num_chunks) done_cv.notify_all();
    }
  }
};

}  // namespace

void ThreadPool::ParallelFor(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk) {
  if (n <= 0) return;
  min_chunk = std::max<int64_t>(min_chunk, 1);
  int threads = num_threads();
  if (threads == 1 || n <= min_chunk) {
    fn(0, n);
    return;
  }
  auto state = std::make_shared<ParallelForState>();
  state->n = n;
  // A few chunks per thread evens out uneven work without much overhead.
  int64_t target_chunks = std::min<int64_t>(n / min_chunk, int64_t{threads} * 4);
  target_chunks = std::max<int64_t>(target_chunks, 1);
  state->chunk = (n + target_chunks - 1) / target_chunks;
  state->num_chunks = (n + state->chunk - 1) / state->chunk;
  state->fn = fn;
  int helpers = static_cast<int>(std::min<int64_t>(threads, state->num_chunks - 1));
  for (int i = 0; i < helpers; ++i) {
    // The futures are not needed: completion is tracked in `state`.
    (void)Submit([state] { state->Work(); });
  }
  state->Work();
  std::unique_lock<std::mutex> lock(state->mu);
  state->done_cv.wait(lock, [&] { return state->done == state->num_chunks; });
  if (state->error) std::rethrow_exception(state->error);
}

ThreadPool* DefaultThreadPool() {
  // Leaked on purpose: worker threads must not be joined during static
  // destruction, when tasks may still reference destroyed globals.
  static ThreadPool* pool =
      new ThreadPool(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  return pool;
}

ThreadPool* IoThreadPool() {
  static ThreadPool* pool = new ThreadPool(kIoThreads);  // leaked, as DefaultThreadPool
  return pool;
}

}  // namespace quiver

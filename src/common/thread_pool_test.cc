#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace quiver {
namespace {

TEST(ThreadPoolTest, SubmitRunsTasks) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.num_threads(), 3);
  std::atomic<int> count{0};
  std::vector<std::future<void>> futures;
  for (int i = 0; i < 100; ++i) futures.push_back(pool.Submit([&count] { ++count; }));
  for (auto& f : futures) f.get();
  EXPECT_EQ(count.load(), 100);
}

TEST(ThreadPoolTest, FutureCarriesException) {
  ThreadPool pool(2);
  auto f = pool.Submit([] { throw std::runtime_error("boom"); });
  EXPECT_THROW(f.get(), std::runtime_error);
}

TEST(ThreadPoolTest, DestructorRunsQueuedTasks) {
  std::atomic<int> count{0};
  {
    ThreadPool pool(1);
    for (int i = 0; i < 50; ++i) (void)pool.Submit([&count] { ++count; });
  }
  EXPECT_EQ(count.load(), 50);
}

TEST(ThreadPoolTest, AtLeastOneThread) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.num_threads(), 1);
  pool.Submit([] {}).get();
}

void CheckCoverage(ThreadPool& pool, int64_t n, int64_t min_chunk) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  std::atomic<int64_t> calls{0};
  pool.ParallelFor(
      n,
      [&](int64_t begin, int64_t end) {
        ASSERT_LE(0, begin);
        ASSERT_LT(begin, end);
        ASSERT_LE(end, n);
        ++calls;
        for (int64_t i = begin; i < end; ++i) ++hits[i];
      },
      min_chunk);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
  if (n > 0) {
    EXPECT_GE(calls.load(), 1);
  }
}

TEST(ThreadPoolTest, ParallelForCoversRangeExactlyOnce) {
  ThreadPool pool(4);
  for (int64_t n : {0, 1, 2, 3, 7, 16, 17, 100, 1000, 12345}) {
    CheckCoverage(pool, n, 1);
    CheckCoverage(pool, n, 10);
  }
}

TEST(ThreadPoolTest, ParallelForUsesSeveralThreads) {
  ThreadPool pool(4);
  std::mutex mu;
  std::set<std::thread::id> ids;
  pool.ParallelFor(64, [&](int64_t, int64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_GT(ids.size(), 1u);
}

TEST(ThreadPoolTest, ParallelForInlineWithOneThread) {
  ThreadPool pool(1);
  int calls = 0;
  std::thread::id caller = std::this_thread::get_id();
  pool.ParallelFor(1000, [&](int64_t begin, int64_t end) {
    ++calls;  // not atomic: inline means one call on this thread
    EXPECT_EQ(std::this_thread::get_id(), caller);
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 1000);
  });
  EXPECT_EQ(calls, 1);
}

TEST(ThreadPoolTest, NestedParallelForDoesNotDeadlock) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  pool.ParallelFor(8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      pool.ParallelFor(100, [&](int64_t b, int64_t e) { sum += e - b; });
    }
  });
  EXPECT_EQ(sum.load(), 800);
  // And from inside a submitted task.
  pool.Submit([&] { pool.ParallelFor(10, [&](int64_t b, int64_t e) { sum += e - b; }); }).get();
  EXPECT_EQ(sum.load(), 810);
}

TEST(ThreadPoolTest, ParallelForRethrows) {
  ThreadPool pool(3);
  std::atomic<int64_t> covered{0};
  EXPECT_THROW(pool.ParallelFor(100,
                                [&](int64_t begin, int64_t end) {
                                  covered += end - begin;
                                  if (begin == 0) throw std::runtime_error("first chunk");
                                }),
               std::runtime_error);
  EXPECT_EQ(covered.load(), 100);  // the other chunks still ran
}

TEST(ThreadPoolTest, DefaultPool) {
  ThreadPool* pool = DefaultThreadPool();
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool, DefaultThreadPool());
  EXPECT_GE(pool->num_threads(), 1);
  CheckCoverage(*pool, 1000, 1);
}

}  // namespace
}  // namespace quiver

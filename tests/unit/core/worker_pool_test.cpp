// The worker pool targets post blocking work to, and the synchronous I/O
// helper (one request, a batch).
#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <thread>

#include "core/sync_io.hpp"
#include "io/worker_pool.hpp"
#include "testing.hpp"

namespace udm::core {
namespace {

TEST(WorkerPool, RunsEveryItemOnceOnItsThreadsAndDrainsOnDestruction) {
  std::atomic<int> runs{0};
  std::atomic<int> off_pool{0};
  struct Counted : io::WorkerPool::Work {
    std::atomic<int>* runs;
  };
  std::vector<Counted> items(100);
  {
    io::WorkerPool pool(3, "test");
    EXPECT_EQ(pool.threads(), 3u);
    EXPECT_FALSE(pool.on_pool_thread());
    for (auto& w : items) {
      w.runs = &runs;
      w.run = [](io::WorkerPool::Work* self) { static_cast<Counted*>(self)->runs->fetch_add(1); };
      pool.submit(&w);
    }
    for (int i = 0; i < 100; ++i)
      pool.post([&] {
        if (!pool.on_pool_thread()) off_pool++;
        runs++;
      });
  }
  EXPECT_EQ(runs.load(), 200);
  EXPECT_EQ(off_pool.load(), 0);
}

TEST(WorkerPool, BlockingItemsDoNotStopTheOthers) {
  io::WorkerPool pool(2, "test");
  std::latch release(1);
  std::latch done(1);
  pool.post([&] { release.wait(); });  // blocks one thread
  pool.post([&] { done.count_down(); });
  done.wait();  // the second thread ran it
  release.count_down();
}

// The options that make one pool type serve target services (fixed, drains)
// and udmd's control commands (grows to a bound, idle exit, drops at stop).
io::WorkerPool::Options growing(unsigned max, std::chrono::milliseconds idle_exit, bool drain) {
  io::WorkerPool::Options o;
  o.name = "grow";
  o.max_threads = max;
  o.idle_exit = idle_exit;
  o.drain_on_stop = drain;
  return o;
}

bool eventually(const std::function<bool()>& ok) {
  for (int i = 0; i < 400; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return ok();
}

TEST(WorkerPoolOptions, GrowsForBlockedJobsToMaxAndNotBeyond) {
  std::atomic<int> saturated{0};
  auto o = growing(3, std::chrono::milliseconds(0), true);
  o.on_saturated = [&](unsigned threads, std::size_t waiting) {
    EXPECT_EQ(threads, 3u);
    EXPECT_GE(waiting, 1u);
    saturated++;
  };
  io::WorkerPool pool(o);
  EXPECT_EQ(pool.threads(), 1u);  // min_threads at once, the rest on demand
  std::atomic<int> running{0}, done{0};
  std::latch go(1);
  for (int i = 0; i < 5; ++i)
    pool.post([&] {
      ++running;
      go.wait();
      ++done;
    });
  EXPECT_TRUE(eventually([&] { return running == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(running.load(), 3);  // the bound: two jobs wait for a thread
  EXPECT_EQ(pool.threads(), 3u);
  EXPECT_EQ(saturated.load(), 1);  // once, not per waiting job
  go.count_down();
  EXPECT_TRUE(eventually([&] { return done == 5; }));
  pool.stop();
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(WorkerPoolOptions, IdleThreadsBeyondMinExit) {
  io::WorkerPool pool(growing(4, std::chrono::milliseconds(30), true));
  std::latch go(1);
  std::atomic<int> running{0};
  for (int i = 0; i < 4; ++i)
    pool.post([&] {
      ++running;
      go.wait();
    });
  EXPECT_TRUE(eventually([&] { return running == 4; }));
  EXPECT_EQ(pool.threads(), 4u);
  go.count_down();
  EXPECT_TRUE(eventually([&] { return pool.threads() == 1; }));  // back to min_threads
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pool.threads(), 1u);  // the last one stays
  std::latch ran(1);
  pool.post([&] { ran.count_down(); });  // and still runs work (and joins those that left)
  ran.wait();
}

TEST(WorkerPoolOptions, FixedPoolThreadsNeverExit) {
  io::WorkerPool pool(2, "fixed");
  EXPECT_EQ(pool.threads(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(pool.threads(), 2u);
}

// One thread held busy while four more items queue behind it, then stop().
int stop_with_queued(bool drain, int& dropped) {
  std::atomic<int> runs{0};
  std::atomic<int> drops{0};
  struct Item : io::WorkerPool::Work {
    std::atomic<int>* runs;
    std::atomic<int>* drops;
  };
  std::vector<Item> items(4);
  {
    io::WorkerPool pool(growing(1, std::chrono::milliseconds(0), drain));
    std::latch started(1), go(1);
    pool.post([&] {
      started.count_down();
      go.wait();
    });
    started.wait();
    for (auto& w : items) {
      w.runs = &runs;
      w.drops = &drops;
      w.run = [](io::WorkerPool::Work* self) { static_cast<Item*>(self)->runs->fetch_add(1); };
      w.drop = [](io::WorkerPool::Work* self) { static_cast<Item*>(self)->drops->fetch_add(1); };
      pool.submit(&w);
    }
    pool.post([&] { runs++; });  // a std::function: freed when dropped (ASan checks)
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      go.count_down();
    });
    pool.stop();
    releaser.join();
    // After stop, work is dropped at once.
    Item late;
    late.runs = &runs;
    late.drops = &drops;
    late.run = items[0].run;
    late.drop = items[0].drop;
    pool.submit(&late);
  }
  dropped = drops.load();
  return runs.load();
}

TEST(WorkerPoolOptions, StopDrainsOrDropsWhatIsQueued) {
  int dropped = 0;
  EXPECT_EQ(stop_with_queued(true, dropped), 5);
  EXPECT_EQ(dropped, 1);  // only the one submitted after stop
  EXPECT_EQ(stop_with_queued(false, dropped), 0);
  EXPECT_EQ(dropped, 5);
}

TEST(SyncIo, OneRequestAndABatchReportTheFirstError) {
  auto a = std::make_shared<io::MemoryDevice>(1 << 20);
  auto b = std::make_shared<io::MemoryDevice>(1 << 20);
  auto data = testing::pattern(4096, 9);
  EXPECT_EQ(sync_io(*a, io::Op::write, 4096, 4096, data.data()), 0);
  EXPECT_EQ(std::memcmp(a->raw() + 4096, data.data(), 4096), 0);
  EXPECT_EQ(sync_io(*a, io::Op::read, 1 << 20, 512, data.data()), -EIO);

  SyncBatch batch;
  io::Request flush;
  flush.op = io::Op::flush;
  batch.submit(*a, flush);
  batch.submit(*b, flush);
  EXPECT_EQ(batch.wait(), 0);
  b->fail_with(EIO);
  batch.submit(*a, flush);
  batch.submit(*b, flush);
  EXPECT_EQ(batch.wait(), -EIO);
  EXPECT_EQ(batch.wait(), 0);  // nothing left in flight, error reported once
}

}  // namespace
}  // namespace udm::core

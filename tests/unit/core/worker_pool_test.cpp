// The worker pool targets post blocking work to, and the synchronous I/O
// helper (one request, a batch).
#include <atomic>
#include <latch>

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

// Buffered writes to regular files run on the engine's write pool: they must
// land there (and nothing else must), complete exactly once under
// concurrency with the right bytes on disk, report ENOSPC, and let
// completions submit more work. Each test uses its own engine, so the pool's
// size is known and the shared engine's environment does not matter.
#include <fcntl.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io/file_device.hpp"
#include "io/inline_writes.hpp"
#include "io/uring_engine.hpp"
#include "io/write_pool.hpp"
#include "io_test_util.hpp"

namespace udm::io::test {
namespace {

std::shared_ptr<UringEngine> make_engine(unsigned write_threads) {
  auto engine = UringEngine::create({.rings = 1, .entries = 32, .write_threads = write_threads});
  if (!engine) throw std::runtime_error(engine.error().message);
  return *engine;
}

std::unique_ptr<FileDevice> open_file(const std::string& path, byte_count size, bool direct,
                                      std::shared_ptr<UringEngine> engine) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (direct ? O_DIRECT : 0));
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  return std::make_unique<FileDevice>(fd, path, false, DevNo{}, size, false, direct, std::move(engine));
}

// Counts completions across threads; a test waits for a total.
struct Tally {
  std::atomic<std::uint64_t> completed{0};
  std::mutex lock;
  std::condition_variable wake;
  void add() {
    // Count under the lock: a waiter that sees the total may destroy the
    // Tally at once, so nothing may touch it after the lock is released.
    std::lock_guard g(lock);
    completed.fetch_add(1);
    wake.notify_all();
  }
  bool wait_for(std::uint64_t n) {
    std::unique_lock g(lock);
    return wake.wait_for(g, std::chrono::seconds(60), [&] { return completed.load() >= n; });
  }
};

struct Tracked {
  Request request;  // first member: the callback casts back
  std::atomic<int> calls{0};
  std::atomic<int> result{1};
  std::string thread_name;
};

void on_done(Request* r, int result) {
  auto* t = reinterpret_cast<Tracked*>(r);
  char name[16] = {};
  ::pthread_getname_np(::pthread_self(), name, sizeof name);
  t->thread_name = name;
  t->result.store(result);
  t->calls.fetch_add(1);
  static_cast<Tally*>(r->context)->add();
}

void prepare(Tracked& t, Op op, byte_count offset, byte_count length, std::byte* data, Tally& tally) {
  t.request = Request{};
  t.request.op = op;
  t.request.offset = offset;
  t.request.length = length;
  t.request.data = data;
  t.request.done = on_done;
  t.request.context = &tally;
}

TEST(WritePool, OnlyBufferedFileWritesRunOnPoolThreads) {
  TempFile file(1 << 20);
  auto engine = make_engine(3);
  ASSERT_EQ(engine->write_threads(), 3u);
  auto buffered = open_file(file.path(), 1 << 20, false, engine);
  auto direct = open_file(file.path(), 1 << 20, true, engine);
  auto data = aligned_buffer(4096, std::byte{0x5a});
  Tally tally;
  Tracked write, read, flush, direct_write;
  prepare(write, Op::write, 0, 4096, data.get(), tally);
  prepare(read, Op::read, 4096, 4096, data.get() + 0, tally);
  prepare(flush, Op::flush, 0, 0, nullptr, tally);
  prepare(direct_write, Op::write, 8192, 4096, data.get(), tally);
  buffered->submit(&write.request);
  ASSERT_TRUE(tally.wait_for(1));
  buffered->submit(&flush.request);
  ASSERT_TRUE(tally.wait_for(2));
  direct->submit(&direct_write.request);
  ASSERT_TRUE(tally.wait_for(3));
  buffered->submit(&read.request);
  ASSERT_TRUE(tally.wait_for(4));
  for (auto* t : {&write, &read, &flush, &direct_write}) {
    EXPECT_EQ(t->calls.load(), 1);
    EXPECT_EQ(t->result.load(), 0);
  }
  EXPECT_EQ(write.thread_name.rfind("udm-wr-", 0), 0u) << write.thread_name;
  EXPECT_EQ(flush.thread_name.rfind("udm-io-", 0), 0u) << flush.thread_name;
  EXPECT_EQ(direct_write.thread_name.rfind("udm-io-", 0), 0u) << direct_write.thread_name;
  EXPECT_EQ(read.thread_name.rfind("udm-io-", 0), 0u) << read.thread_name;
}

TEST(WritePool, WithoutThreadsWritesStayOnTheRing) {
  TempFile file(1 << 20);
  auto engine = make_engine(0);
  EXPECT_EQ(engine->write_threads(), 0u);
  auto dev = open_file(file.path(), 1 << 20, false, engine);
  auto data = aligned_buffer(4096, std::byte{1});
  Tally tally;
  Tracked write;
  prepare(write, Op::write, 0, 4096, data.get(), tally);
  dev->submit(&write.request);
  ASSERT_TRUE(tally.wait_for(1));
  EXPECT_EQ(write.result.load(), 0);
  EXPECT_EQ(write.thread_name.rfind("udm-io-", 0), 0u) << write.thread_name;
}

std::uint64_t stamp(unsigned thread, unsigned block, unsigned round) {
  return (std::uint64_t{thread} << 40) | (std::uint64_t{block} << 16) | round;
}

// Several submitting threads, every request in flight at once, several
// rounds overwriting the same blocks; then every word on disk is checked
// through a separate descriptor (the page cache is shared).
TEST(WritePool, ConcurrentWritesLandExactlyOnceWithTheRightBytes) {
  constexpr unsigned kThreads = 4, kBlocks = 256, kRounds = 6;
  constexpr byte_count kBlock = 4096;
  const byte_count size = kThreads * kBlocks * kBlock;
  TempFile file(size);
  auto engine = make_engine(4);
  auto dev = open_file(file.path(), size, false, engine);
  std::atomic<unsigned> failures{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Tracked> requests(kBlocks);
      auto buffers = aligned_buffer(kBlocks * kBlock);
      for (unsigned round = 0; round < kRounds; ++round) {
        Tally tally;
        for (unsigned b = 0; b < kBlocks; ++b) {
          std::byte* data = buffers.get() + b * kBlock;
          for (byte_count i = 0; i < kBlock; i += 8) {
            std::uint64_t v = stamp(t, b, round) + i;
            std::memcpy(data + i, &v, 8);
          }
          prepare(requests[b], Op::write, (t * kBlocks + b) * kBlock, kBlock, data, tally);
        }
        for (auto& r : requests) dev->submit(&r.request);
        if (!tally.wait_for(kBlocks)) {
          failures++;
          return;
        }
        for (auto& r : requests) {
          if (r.calls.load() != 1 || r.result.load() != 0) failures++;
          r.calls = 0;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // no late second completions
  int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::vector<std::uint64_t> words(size / 8);
  ASSERT_EQ(::pread(fd, words.data(), size, 0), static_cast<ssize_t>(size));
  ::close(fd);
  for (unsigned t = 0; t < kThreads; ++t)
    for (unsigned b = 0; b < kBlocks; ++b)
      for (byte_count i = 0; i < kBlock; i += 8)
        ASSERT_EQ(words[((t * kBlocks + b) * kBlock + i) / 8], stamp(t, b, kRounds - 1) + i) << t << " " << b;
}

TEST(WritePool, FuaWriteAndFlushAfterPoolWrites) {
  TempFile file(1 << 20);
  auto engine = make_engine(2);
  auto dev = open_file(file.path(), 1 << 20, false, engine);
  auto data = aligned_buffer(64 << 10, std::byte{0x77});
  EXPECT_EQ(submit_sync(*dev, Op::write, 0, 64 << 10, data.get(), /*fua=*/true), 0);
  EXPECT_EQ(submit_sync(*dev, Op::write, 128 << 10, 64 << 10, data.get()), 0);
  EXPECT_EQ(submit_sync(*dev, Op::flush, 0, 0), 0);
  auto in = aligned_buffer(64 << 10);
  EXPECT_EQ(submit_sync(*dev, Op::read, 128 << 10, 64 << 10, in.get()), 0);
  EXPECT_EQ(std::memcmp(in.get(), data.get(), 64 << 10), 0);
}

// Completions on pool threads submit the next request, like a client with a
// fixed queue depth: writes go back to the pool, every other one is read
// back through the ring.
TEST(WritePool, CompletionsMaySubmitMore) {
  constexpr unsigned kDepth = 16, kTotal = 20000;
  const byte_count size = 16 << 20;
  TempFile file(size);
  auto engine = make_engine(4);
  auto dev = open_file(file.path(), size, false, engine);
  struct Chain {
    BlockDevice* device;
    std::atomic<unsigned> remaining{kTotal};
    std::atomic<unsigned> errors{0};
    std::atomic<unsigned> finished{0};
    std::mutex lock;
    std::condition_variable wake;
  } chain;
  chain.device = dev.get();
  std::vector<Request> requests(kDepth);
  auto buffers = aligned_buffer(kDepth * 4096);
  for (unsigned i = 0; i < kDepth; ++i) {
    auto& r = requests[i];
    r.op = Op::write;
    r.offset = i * 4096;
    r.length = 4096;
    r.data = buffers.get() + i * 4096;
    r.context = &chain;
    r.done = [](Request* self, int result) {
      auto* c = static_cast<Chain*>(self->context);
      if (result != 0) c->errors++;
      if (c->remaining.fetch_sub(1) > kDepth) {
        self->op = self->op == Op::write ? Op::read : Op::write;
        self->offset = (self->offset + 13 * 4096) % (16 << 20);
        c->device->submit(self);
        return;
      }
      std::lock_guard g(c->lock);
      c->finished++;
      c->wake.notify_all();
    };
  }
  for (auto& r : requests) dev->submit(&r);
  std::unique_lock g(chain.lock);
  ASSERT_TRUE(chain.wake.wait_for(g, std::chrono::seconds(60), [&] { return chain.finished.load() == kDepth; }));
  EXPECT_EQ(chain.errors.load(), 0u);
}

// Destroying the pool runs what is still queued: nothing is dropped.
TEST(WritePool, DestructionCompletesEverythingQueued) {
  constexpr unsigned kCount = 2000;
  TempFile file(kCount * 512);
  int fd = ::open(file.path().c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  FileHandle handle;
  handle.fd = fd;
  std::vector<Tracked> requests(kCount);
  std::vector<std::byte> data(512, std::byte{9});
  Tally tally;
  {
    WritePool pool(2);
    for (unsigned i = 0; i < kCount; ++i) {
      prepare(requests[i], Op::write, i * 512, 512, data.data(), tally);
      pool.submit(handle, &requests[i].request);
    }
  }
  EXPECT_EQ(tally.completed.load(), kCount);
  for (auto& r : requests) {
    ASSERT_EQ(r.calls.load(), 1);
    ASSERT_EQ(r.result.load(), 0);
  }
  ::close(fd);
}

// A full filesystem: concurrent writes past what fits all complete, each
// exactly once, with 0 or -ENOSPC, and at least one gets -ENOSPC.
TEST(WritePool, FullFilesystemGivesEnospcToEachFailedWrite) {
  char dir[] = "/tmp/udm-io-wp-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  if (::mount("tmpfs", dir, "tmpfs", 0, "size=1M") != 0) {
    ::rmdir(dir);
    GTEST_SKIP() << "mount tmpfs: " << std::strerror(errno);
  }
  {
    constexpr unsigned kCount = 64;
    constexpr byte_count kChunk = 64 << 10;  // 4 MiB in all, 1 MiB fits
    TempFile file(kCount * kChunk, dir);
    auto engine = make_engine(4);
    auto dev = open_file(file.path(), kCount * kChunk, false, engine);
    auto data = aligned_buffer(kChunk, std::byte{0xee});
    std::vector<Tracked> requests(kCount);
    Tally tally;
    for (unsigned i = 0; i < kCount; ++i) prepare(requests[i], Op::write, i * kChunk, kChunk, data.get(), tally);
    for (auto& r : requests) dev->submit(&r.request);
    ASSERT_TRUE(tally.wait_for(kCount));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    unsigned enospc = 0, ok = 0;
    for (auto& r : requests) {
      EXPECT_EQ(r.calls.load(), 1);
      if (r.result.load() == -ENOSPC) enospc++;
      if (r.result.load() == 0) ok++;
    }
    EXPECT_EQ(enospc + ok, kCount);
    EXPECT_GT(enospc, 0u);
    EXPECT_GT(ok, 0u);
    // The device still works after the failures.
    auto in = aligned_buffer(kChunk);
    EXPECT_EQ(submit_sync(*dev, Op::read, 0, kChunk, in.get()), 0);
  }
  if (::umount(dir) != 0) ::umount2(dir, MNT_DETACH);
  ::rmdir(dir);
}

// Under InlineWrites, small writes complete on the submitting thread before
// submit() returns; longer ones, and writes after the scope ends, use the pool.
TEST(WritePool, InlineWritesRunSmallWritesOnTheSubmitter) {
  TempFile file(1 << 20);
  auto engine = make_engine(2);
  auto dev = open_file(file.path(), 1 << 20, false, engine);
  auto data = aligned_buffer(256 << 10, std::byte{0x3c});
  ::pthread_setname_np(::pthread_self(), "wp-submitter");
  Tally tally;
  Tracked small, large, after;
  {
    InlineWrites scope(64 << 10);
    prepare(small, Op::write, 0, 64 << 10, data.get(), tally);
    dev->submit(&small.request);
    EXPECT_EQ(small.calls.load(), 1) << "an inline write completes before submit returns";
    prepare(large, Op::write, 256 << 10, 256 << 10, data.get(), tally);
    dev->submit(&large.request);
    ASSERT_TRUE(tally.wait_for(2));
  }
  prepare(after, Op::write, 512 << 10, 4096, data.get(), tally);
  dev->submit(&after.request);
  ASSERT_TRUE(tally.wait_for(3));
  for (auto* t : {&small, &large, &after}) {
    EXPECT_EQ(t->calls.load(), 1);
    EXPECT_EQ(t->result.load(), 0);
  }
  EXPECT_EQ(small.thread_name, "wp-submitter");
  EXPECT_EQ(large.thread_name.rfind("udm-wr-", 0), 0u) << large.thread_name;
  EXPECT_EQ(after.thread_name.rfind("udm-wr-", 0), 0u) << after.thread_name;
  // Everything landed.
  auto in = aligned_buffer(4096);
  for (byte_count at : {byte_count{0}, byte_count{300 << 10}, byte_count{512 << 10}}) {
    EXPECT_EQ(submit_sync(*dev, Op::read, at, 4096, in.get()), 0);
    EXPECT_EQ(std::memcmp(in.get(), data.get(), 4096), 0) << at;
  }
}

// Under InlineWrites, a read the page cache holds completes on the submitter;
// one it does not (pages dropped) still completes, through the ring, with the
// right bytes.
TEST(WritePool, InlineReadsServeCachedPagesAndFallBackToTheRing) {
  TempFile file(1 << 20);
  auto engine = make_engine(1);
  auto dev = open_file(file.path(), 1 << 20, false, engine);
  auto data = aligned_buffer(64 << 10);
  for (std::size_t i = 0; i < (64 << 10); ++i) data[i] = static_cast<std::byte>(i * 7 + 1);
  ASSERT_EQ(submit_sync(*dev, Op::write, 128 << 10, 64 << 10, data.get()), 0);
  ::pthread_setname_np(::pthread_self(), "wp-reader");
  InlineWrites scope;
  Tally tally;
  Tracked cached, dropped;
  auto in = aligned_buffer(64 << 10);
  prepare(cached, Op::read, 128 << 10, 64 << 10, in.get(), tally);
  dev->submit(&cached.request);
  ASSERT_TRUE(tally.wait_for(1));
  EXPECT_EQ(cached.result.load(), 0);
  EXPECT_EQ(cached.thread_name, "wp-reader");
  EXPECT_EQ(std::memcmp(in.get(), data.get(), 64 << 10), 0);

  ASSERT_EQ(::fdatasync(dev->fd()), 0);
  ASSERT_EQ(::posix_fadvise(dev->fd(), 0, 0, POSIX_FADV_DONTNEED), 0);
  std::memset(in.get(), 0, 64 << 10);
  prepare(dropped, Op::read, 128 << 10, 64 << 10, in.get(), tally);
  dev->submit(&dropped.request);
  ASSERT_TRUE(tally.wait_for(2));
  EXPECT_EQ(dropped.calls.load(), 1);
  EXPECT_EQ(dropped.result.load(), 0);
  EXPECT_EQ(std::memcmp(in.get(), data.get(), 64 << 10), 0);
}

// InlineWrites with `flushes` (a thread that waits for its I/O anyway): a
// flush runs on the submitter before submit() returns, and so does a read of
// a file that does not take RWF_NOWAIT (tmpfs); without it, neither does.
TEST(WritePool, InlineFlushesAndTmpfsReadsRunOnTheSubmitter) {
  struct stat st {};
  if (::stat("/dev/shm", &st) != 0 || !S_ISDIR(st.st_mode)) GTEST_SKIP() << "no /dev/shm";
  TempFile file(1 << 20, "/dev/shm");
  auto engine = make_engine(1);
  auto dev = open_file(file.path(), 1 << 20, false, engine);
  auto data = aligned_buffer(4096, std::byte{0x5a});
  ASSERT_EQ(submit_sync(*dev, Op::write, 8192, 4096, data.get()), 0);
  ::pthread_setname_np(::pthread_self(), "wp-committer");
  Tally tally;
  Tracked flush, read, plain_flush;
  auto in = aligned_buffer(4096);
  {
    InlineWrites scope(64 << 10, true);
    prepare(flush, Op::flush, 0, 0, nullptr, tally);
    dev->submit(&flush.request);
    EXPECT_EQ(flush.calls.load(), 1) << "an inline flush completes before submit returns";
    prepare(read, Op::read, 8192, 4096, in.get(), tally);
    dev->submit(&read.request);
    EXPECT_EQ(read.calls.load(), 1) << "a tmpfs read completes before submit returns";
  }
  {
    InlineWrites scope;
    prepare(plain_flush, Op::flush, 0, 0, nullptr, tally);
    dev->submit(&plain_flush.request);
  }
  ASSERT_TRUE(tally.wait_for(3));
  for (auto* t : {&flush, &read, &plain_flush}) EXPECT_EQ(t->result.load(), 0);
  EXPECT_EQ(flush.thread_name, "wp-committer");
  EXPECT_EQ(read.thread_name, "wp-committer");
  EXPECT_NE(plain_flush.thread_name, "wp-committer");
  EXPECT_EQ(std::memcmp(in.get(), data.get(), 4096), 0);
}

// An inline write that fails reports the error to its own completion, once.
TEST(WritePool, InlineWriteEnospc) {
  char dir[] = "/tmp/udm-io-wp-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  if (::mount("tmpfs", dir, "tmpfs", 0, "size=256k") != 0) {
    ::rmdir(dir);
    GTEST_SKIP() << "mount tmpfs: " << std::strerror(errno);
  }
  {
    TempFile file(1 << 20, dir);
    auto engine = make_engine(1);
    auto dev = open_file(file.path(), 1 << 20, false, engine);
    auto data = aligned_buffer(32 << 10, std::byte{1});
    InlineWrites scope;
    int result = 0;
    for (byte_count at = 0; at < (1 << 20) && result == 0; at += 32 << 10)
      result = submit_sync(*dev, Op::write, at, 32 << 10, data.get());
    EXPECT_EQ(result, -ENOSPC);
  }
  if (::umount(dir) != 0) ::umount2(dir, MNT_DETACH);
  ::rmdir(dir);
}

}  // namespace
}  // namespace udm::io::test

// The engine under load: many submitting threads, more requests in flight
// than the ring holds, resubmission from completion callbacks, short
// transfers, and exactly-once completion.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "io/backing.hpp"
#include "io/submit_plug.hpp"
#include "io/uring_engine.hpp"
#include "io_test_util.hpp"

namespace udm::io::test {
namespace {

// A request with its own buffer and a count of how often `done` ran.
struct CountedRequest {
  Request request;
  std::atomic<int> calls{0};
  std::atomic<int> result{1};
};

// Counts completions across threads and lets a test wait for a total.
struct Tally {
  std::atomic<std::uint64_t> completed{0};
  std::mutex lock;
  std::condition_variable wake;

  // Counted under the lock: a waiter that sees the total must not return
  // (and the test destroy the tally) while the last completer has yet to
  // take the lock and notify.
  void add() {
    std::lock_guard g(lock);
    if (completed.fetch_add(1) + 1 >= target.load()) wake.notify_all();
  }
  bool wait_for(std::uint64_t n) {
    std::unique_lock g(lock);
    return wake.wait_for(g, std::chrono::seconds(60), [&] { return completed.load() >= n; });
  }
  std::atomic<std::uint64_t> target{~std::uint64_t{0}};
};

void on_done(Request* r, int result) {
  auto* counted = reinterpret_cast<CountedRequest*>(r);  // request is the first member
  counted->result.store(result);
  counted->calls.fetch_add(1);
  static_cast<Tally*>(r->context)->add();
}

std::uint64_t stamp(unsigned thread, unsigned block, unsigned round) {
  return (std::uint64_t{thread} << 40) | (std::uint64_t{block} << 16) | round;
}

TEST(Engine, ManyThreadsSubmittingConcurrentlyWithVerification) {
  constexpr unsigned kThreads = 6, kBlocksPerThread = 64, kRounds = 20;
  constexpr byte_count kBlock = 4096;
  TempFile file(kThreads * kBlocksPerThread * kBlock);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  BlockDevice& device = **dev;

  std::atomic<unsigned> failures{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<CountedRequest> requests(kBlocksPerThread);
      auto buffers = aligned_buffer(kBlocksPerThread * kBlock);
      Tally tally;
      std::uint64_t expected = 0;
      for (unsigned round = 0; round < kRounds; ++round) {
        // Write every block of this thread's region with a stamp, all in flight at once...
        const bool write = round % 2 == 0;
        for (unsigned b = 0; b < kBlocksPerThread; ++b) {
          auto& c = requests[b];
          c.calls = 0;
          std::byte* data = buffers.get() + b * kBlock;
          if (write) {
            for (byte_count i = 0; i < kBlock; i += 8) {
              std::uint64_t v = stamp(t, b, round) + i;
              std::memcpy(data + i, &v, 8);
            }
          } else {
            std::memset(data, 0, kBlock);
          }
          c.request = Request{};
          c.request.op = write ? Op::write : Op::read;
          c.request.offset = (t * kBlocksPerThread + b) * kBlock;
          c.request.length = kBlock;
          c.request.data = data;
          c.request.done = on_done;
          c.request.context = &tally;
        }
        expected += kBlocksPerThread;
        tally.target = expected;
        for (auto& c : requests) device.submit(&c.request);
        if (!tally.wait_for(expected)) {
          failures++;
          return;
        }
        // ...then read it back and check every word.
        for (unsigned b = 0; b < kBlocksPerThread; ++b) {
          if (requests[b].calls.load() != 1 || requests[b].result.load() != 0) failures++;
          if (write) continue;
          const std::byte* data = buffers.get() + b * kBlock;
          for (byte_count i = 0; i < kBlock; i += 8) {
            std::uint64_t v;
            std::memcpy(&v, data + i, 8);
            if (v != stamp(t, b, round - 1) + i) {
              failures++;
              break;
            }
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0u);
}

TEST(Engine, MoreInFlightThanTheRingHoldsAllCompleteExactlyOnce) {
  // Far more than SQ and CQ entries: the engine must queue, never drop.
  constexpr unsigned kCount = 20000;
  TempFile file(kCount * 512);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  std::vector<CountedRequest> requests(kCount);
  std::vector<std::byte> buffer(kCount * 512, std::byte{3});
  Tally tally;
  tally.target = kCount;
  for (unsigned i = 0; i < kCount; ++i) {
    auto& r = requests[i].request;
    r.op = i % 3 == 0 ? Op::read : Op::write;
    r.offset = i * 512;
    r.length = 512;
    r.data = buffer.data() + i * 512;
    r.done = on_done;
    r.context = &tally;
  }
  for (auto& c : requests) (*dev)->submit(&c.request);
  ASSERT_TRUE(tally.wait_for(kCount));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a second completion would land here
  for (unsigned i = 0; i < kCount; ++i) {
    ASSERT_EQ(requests[i].calls.load(), 1) << i;
    ASSERT_EQ(requests[i].result.load(), 0) << i;
  }
  EXPECT_EQ(tally.completed.load(), kCount);
}

// Each completion submits the next request from the engine thread, like a
// queue-depth-limited client; the chain must keep going and stop cleanly.
struct Chain {
  BlockDevice* device = nullptr;
  std::atomic<unsigned> remaining{0};
  std::atomic<unsigned> errors{0};
  std::atomic<unsigned> finished{0};
  std::mutex lock;
  std::condition_variable wake;
};

TEST(Engine, ResubmitFromCompletionCallbacks) {
  constexpr unsigned kDepth = 32, kTotal = 50000;
  TempFile file(64 << 20);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  Chain chain;
  chain.device = dev->get();
  chain.remaining = kTotal;
  std::vector<Request> requests(kDepth);
  auto buffers = aligned_buffer(kDepth * 4096);
  std::mt19937_64 rng(1);
  for (unsigned i = 0; i < kDepth; ++i) {
    auto& r = requests[i];
    r.op = i % 2 ? Op::read : Op::write;
    r.offset = (rng() % ((64 << 20) / 4096)) * 4096;
    r.length = 4096;
    r.data = buffers.get() + i * 4096;
    r.context = &chain;
    r.done = [](Request* self, int result) {
      auto* c = static_cast<Chain*>(self->context);
      if (result != 0) c->errors++;
      if (c->remaining.fetch_sub(1) > kDepth) {
        self->offset = (self->offset + 7 * 4096) % (64 << 20);
        c->device->submit(self);
        return;
      }
      std::lock_guard g(c->lock);
      c->finished++;
      c->wake.notify_all();
    };
  }
  for (auto& r : requests) chain.device->submit(&r);
  std::unique_lock g(chain.lock);
  ASSERT_TRUE(chain.wake.wait_for(g, std::chrono::seconds(60), [&] { return chain.finished.load() == kDepth; }));
  EXPECT_EQ(chain.errors.load(), 0u);
}

// Short transfers: a pipe hands over data in pieces, so the engine must
// resubmit the rest until the request is whole.
TEST(Engine, ShortReadsAreResubmittedUntilComplete) {
  auto engine = UringEngine::create({.rings = 1, .entries = 8});
  ASSERT_TRUE(engine) << engine.error().message;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  FileHandle handle;
  handle.fd = fds[0];

  std::vector<std::byte> in(8192, std::byte{0});
  Request r;
  r.op = Op::read;
  r.offset = 0;
  r.length = in.size();
  r.data = in.data();
  SyncCall call;
  std::thread writer([&] {
    std::vector<std::byte> out(8192);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i * 13);
    for (std::size_t at = 0; at < out.size(); at += 1000) {
      std::size_t n = std::min<std::size_t>(1000, out.size() - at);
      ASSERT_EQ(::write(fds[1], out.data() + at, n), static_cast<ssize_t>(n));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  // SyncCall wants a BlockDevice; wrap the engine in a tiny adapter.
  struct PipeDevice : BlockDevice {
    UringEngine* engine;
    const FileHandle* handle;
    byte_count size() const override { return 8192; }
    void submit(Request* q) override { engine->submit(*handle, q); }
    std::string table_name() const override { return "pipe"; }
    DevNo devno() const override { return {}; }
  } pipe_device;
  pipe_device.engine = engine->get();
  pipe_device.handle = &handle;
  EXPECT_EQ(call.run(pipe_device, r), 0);
  writer.join();
  for (std::size_t i = 0; i < in.size(); ++i) ASSERT_EQ(in[i], static_cast<std::byte>(i * 13)) << i;
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(Engine, SeveralRingsShareTheWork) {
  auto engine = UringEngine::create({.rings = 3, .entries = 16});
  ASSERT_TRUE(engine) << engine.error().message;
  TempFile file(1 << 20);
  int fd = ::open(file.path().c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  FileHandle handle;
  handle.fd = fd;
  constexpr unsigned kThreads = 4, kPerThread = 500;
  std::atomic<unsigned> done{0}, errors{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Request> requests(kPerThread);
      std::vector<std::byte> buf(512 * kPerThread, static_cast<std::byte>(t));
      std::atomic<unsigned> mine{0};
      for (unsigned i = 0; i < kPerThread; ++i) {
        auto& r = requests[i];
        r.op = Op::write;
        r.offset = (t * kPerThread + i) % 2048 * 512;
        r.length = 512;
        r.data = buf.data() + i * 512;
        r.context = &mine;
        r.done = [](Request* self, int result) {
          if (result != 0) std::abort();
          static_cast<std::atomic<unsigned>*>(self->context)->fetch_add(1);
        };
        (*engine)->submit(handle, &r);
      }
      while (mine.load() < kPerThread) std::this_thread::yield();
      done += mine.load();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(done.load(), kThreads * kPerThread);
  EXPECT_EQ(errors.load(), 0u);
  engine->reset();  // joins the rings with nothing in flight
  ::close(fd);
}

}  // namespace
}  // namespace udm::io::test

namespace udm::io::test {
namespace {

TEST(Engine, PlugHoldsRequestsUntilItEnds) {
  TempFile file(1 << 20);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  constexpr unsigned kCount = 40;
  std::vector<CountedRequest> requests(kCount);
  std::vector<std::byte> buffer(kCount * 4096, std::byte{0x42});
  Tally tally;
  tally.target = kCount;
  {
    SubmitPlug outer;
    {
      SubmitPlug inner;  // nested: only the outermost hands over
      for (unsigned i = 0; i < kCount / 2; ++i) {
        auto& r = requests[i].request;
        r.op = Op::write;
        r.offset = i * 4096;
        r.length = 4096;
        r.data = buffer.data() + i * 4096;
        r.done = on_done;
        r.context = &tally;
        (*dev)->submit(&r);
      }
    }
    for (unsigned i = kCount / 2; i < kCount; ++i) {
      auto& r = requests[i].request;
      r.op = Op::read;
      r.offset = i * 4096;
      r.length = 4096;
      r.data = buffer.data() + i * 4096;
      r.done = on_done;
      r.context = &tally;
      (*dev)->submit(&r);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(tally.completed.load(), 0u) << "a plugged request went out early";
  }
  ASSERT_TRUE(tally.wait_for(kCount));
  for (auto& c : requests) {
    EXPECT_EQ(c.calls.load(), 1);
    EXPECT_EQ(c.result.load(), 0);
  }
  // Reads of never-written blocks came back as zeros.
  for (unsigned i = kCount / 2; i < kCount; ++i) EXPECT_EQ(buffer[i * 4096], std::byte{0});
}

TEST(Engine, PlugFlushHandsOverEarly) {
  TempFile file(1 << 20);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  SubmitPlug plug;
  std::vector<std::byte> buf(4096);
  CountedRequest c;
  Tally tally;
  tally.target = 1;
  c.request.op = Op::read;
  c.request.length = 4096;
  c.request.data = buf.data();
  c.request.done = on_done;
  c.request.context = &tally;
  (*dev)->submit(&c.request);
  SubmitPlug::flush();
  ASSERT_TRUE(tally.wait_for(1));
  EXPECT_EQ(c.calls.load(), 1);
}

}  // namespace
}  // namespace udm::io::test

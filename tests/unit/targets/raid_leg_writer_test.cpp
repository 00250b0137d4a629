// raid::LegWriter: a raid1 leg's writes on the leg's own thread, in the order
// given, buffered file writes run there (not on the write pool), and what
// is queued when it stops still goes out.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/backing.hpp"
#include "raid/leg_writer.hpp"

namespace udm::raid {
namespace {

struct Done {
  std::mutex lock;
  std::vector<int> order;
  std::vector<std::string> threads;
  std::atomic<unsigned> count{0};
};

std::string thread_name() {
  char name[16] = {};
  ::pthread_getname_np(::pthread_self(), name, sizeof name);
  return name;
}

TEST(RaidLegWriter, FileWritesRunOnTheLegThreadInOrder) {
  char path[] = "/tmp/udm-legwriter-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 1 << 20), 0);
  ::close(fd);
  auto dev = io::open_backing(path);
  ::unlink(path);
  ASSERT_TRUE(dev.has_value()) << dev.error().message;

  constexpr int N = 64;
  std::vector<std::vector<std::byte>> bufs(N, std::vector<std::byte>(4096));
  std::vector<io::Request> reqs(N);
  Done done;
  {
    LegWriter w(**dev, 1);
    for (int i = 0; i < N; ++i) {
      std::memset(bufs[i].data(), i + 1, 4096);
      io::Request& r = reqs[i];
      r.op = io::Op::write;
      // Every write to the same block: only in order do the last bytes win.
      r.offset = 4096 * (i % 2);
      r.length = 4096;
      r.data = bufs[i].data();
      r.index = static_cast<std::uint32_t>(i);
      r.context = &done;
      r.done = [](io::Request* self, int result) {
        auto* d = static_cast<Done*>(self->context);
        ASSERT_EQ(result, 0);
        std::lock_guard g(d->lock);
        d->order.push_back(static_cast<int>(self->index));
        d->threads.push_back(thread_name());
        d->count.fetch_add(1);
      };
      w.submit(&r);
    }
  }  // the destructor sends what is still queued and stops
  for (int i = 0; i < 500 && done.count.load() < N; ++i) ::usleep(10000);
  ASSERT_EQ(done.count.load(), static_cast<unsigned>(N));
  for (int i = 0; i < N; ++i) {
    EXPECT_EQ(done.order[i], i);
    EXPECT_EQ(done.threads[i], "udm-raid-leg1");  // not the write pool's udm-wr-N
  }
  std::vector<std::byte> back(4096);
  io::Request r;
  r.op = io::Op::read;
  r.length = 4096;
  r.data = back.data();
  std::atomic<int> res{1};
  r.context = &res;
  r.done = [](io::Request* self, int result) { static_cast<std::atomic<int>*>(self->context)->store(result); };
  (*dev)->submit(&r);
  for (int i = 0; i < 500 && res.load() == 1; ++i) ::usleep(10000);
  ASSERT_EQ(res.load(), 0);
  EXPECT_EQ(back[0], std::byte(N - 1));  // the last even-numbered write (index N-2, byte N-1)
}

}  // namespace
}  // namespace udm::raid

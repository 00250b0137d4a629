// raid::MirrorWriter: a raid1 set's copies of its writes on the set's own
// thread, each to its leg, in the order given; buffered file writes run
// there (not on the write pool), and what is queued when it stops still
// goes out.
#include <pthread.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/backing.hpp"
#include "raid/mirror_writer.hpp"

namespace udm::raid {
namespace {

struct Done {
  std::mutex lock;
  std::array<std::vector<int>, 2> order;  // per leg: write numbers as completed
  std::vector<std::string> threads;
  std::atomic<unsigned> count{0};
};

// One copy of write `n`, so the completion knows which write it was.
struct Copy {
  io::Request r;
  Done* done = nullptr;
  int n = 0;
};

std::string thread_name() {
  char name[16] = {};
  ::pthread_getname_np(::pthread_self(), name, sizeof name);
  return name;
}

io::BlockDevicePtr temp_leg() {
  char path[] = "/tmp/udm-mirrorwriter-XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::ftruncate(fd, 1 << 20), 0);
  ::close(fd);
  auto dev = io::open_backing(path);
  ::unlink(path);
  EXPECT_TRUE(dev.has_value()) << dev.error().message;
  return dev ? *dev : nullptr;
}

std::byte read_first_byte(io::BlockDevice& dev, byte_count offset) {
  std::vector<std::byte> back(4096);
  io::Request r;
  r.op = io::Op::read;
  r.offset = offset;
  r.length = 4096;
  r.data = back.data();
  std::atomic<int> res{1};
  r.context = &res;
  r.done = [](io::Request* self, int result) { static_cast<std::atomic<int>*>(self->context)->store(result); };
  dev.submit(&r);
  for (int i = 0; i < 500 && res.load() == 1; ++i) ::usleep(10000);
  EXPECT_EQ(res.load(), 0);
  return back[0];
}

TEST(RaidMirrorWriter, EachCopyGoesToItsLegInOrderOnTheSetThread) {
  // Leg 1 of a three-leg set is missing: indexes are leg numbers.
  auto leg0 = temp_leg(), leg2 = temp_leg();
  ASSERT_TRUE(leg0 && leg2);
  constexpr int N = 64;
  std::vector<std::vector<std::byte>> bufs(N, std::vector<std::byte>(4096));
  std::vector<std::array<Copy, 2>> copies(N);
  Done done;
  {
    MirrorWriter w({leg0.get(), nullptr, leg2.get()});
    for (int i = 0; i < N; ++i) {
      std::memset(bufs[i].data(), i + 1, 4096);
      for (int k = 0; k < 2; ++k) {
        Copy& c = copies[i][k];
        c.done = &done;
        c.n = i;
        io::Request& r = c.r;
        r.op = io::Op::write;
        // Every write to one of two blocks: only in order do the last bytes win.
        r.offset = 4096 * (i % 2);
        r.length = 4096;
        r.data = bufs[i].data();
        r.index = k == 0 ? 0 : 2;
        r.context = &c;
        r.done = [](io::Request* self, int result) {
          auto* c = static_cast<Copy*>(self->context);
          ASSERT_EQ(result, 0);
          std::lock_guard g(c->done->lock);
          c->done->order[self->index == 0 ? 0 : 1].push_back(c->n);
          c->done->threads.push_back(thread_name());
          c->done->count.fetch_add(1);
        };
      }
      w.submit({&copies[i][0].r, 1});
      w.submit({&copies[i][1].r, 1});
    }
  }  // the destructor sends what is still queued and stops
  for (int i = 0; i < 500 && done.count.load() < 2 * N; ++i) ::usleep(10000);
  ASSERT_EQ(done.count.load(), static_cast<unsigned>(2 * N));
  for (int leg = 0; leg < 2; ++leg) {
    ASSERT_EQ(done.order[leg].size(), static_cast<std::size_t>(N));
    for (int i = 0; i < N; ++i) EXPECT_EQ(done.order[leg][i], i);
  }
  for (const auto& t : done.threads) EXPECT_EQ(t, "udm-raid-wr");  // not the write pool's udm-wr-N
  // The last even-numbered write (number N-2, byte N-1) and the last odd one on both legs.
  for (io::BlockDevice* d : {leg0.get(), leg2.get()}) {
    EXPECT_EQ(read_first_byte(*d, 0), std::byte(N - 1));
    EXPECT_EQ(read_first_byte(*d, 4096), std::byte(N));
  }
}

TEST(RaidMirrorWriter, CopiesSubmittedTogetherAllComplete) {
  auto leg0 = temp_leg(), leg1 = temp_leg();
  ASSERT_TRUE(leg0 && leg1);
  std::vector<std::byte> buf(4096, std::byte{0x5a});
  std::array<io::Request, 2> children;
  std::atomic<unsigned> count{0};
  {
    MirrorWriter w({leg0.get(), leg1.get()});
    for (unsigned k = 0; k < 2; ++k) {
      children[k].op = io::Op::write;
      children[k].offset = 8192;
      children[k].length = 4096;
      children[k].data = buf.data();
      children[k].index = k;
      children[k].context = &count;
      children[k].done = [](io::Request* self, int result) {
        EXPECT_EQ(result, 0);
        static_cast<std::atomic<unsigned>*>(self->context)->fetch_add(1);
      };
    }
    w.submit(children);
    for (int i = 0; i < 500 && count.load() < 2; ++i) ::usleep(10000);
  }
  ASSERT_EQ(count.load(), 2u);
  EXPECT_EQ(read_first_byte(*leg0, 8192), std::byte{0x5a});
  EXPECT_EQ(read_first_byte(*leg1, 8192), std::byte{0x5a});
}

}  // namespace
}  // namespace udm::raid

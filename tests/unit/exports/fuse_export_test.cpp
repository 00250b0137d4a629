// The FUSE export driven through the kernel: real open/pread/pwrite/fsync/
// fallocate on <rundir>/dev/... while the device lives in this process.
#include <gtest/gtest.h>

#include <barrier>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <future>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "harness.hpp"

namespace udm::exports {
namespace {

using namespace std::chrono_literals;
using testing::Harness;
using testing::pattern;

class FuseExport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::fuse_available()) GTEST_SKIP() << "needs root and /dev/fuse";
    h = std::make_unique<Harness>(testing::options(true, false));
    auto r = h->exports().start();
    ASSERT_TRUE(r) << r.error().message;
  }
  std::unique_ptr<Harness> h;
};

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Blocking in-process read of the mapped device.
std::vector<std::byte> device_read(core::MappedDevice& d, byte_count offset, byte_count length) {
  std::vector<std::byte> out(length);
  std::promise<int> done;
  io::Request r;
  r.op = io::Op::read;
  r.offset = offset;
  r.length = length;
  r.data = out.data();
  r.context = &done;
  r.done = [](io::Request* self, int result) { static_cast<std::promise<int>*>(self->context)->set_value(result); };
  auto f = done.get_future();
  d.submit(&r);
  EXPECT_EQ(f.get(), 0);
  return out;
}

TEST_F(FuseExport, FileHasDeviceSizeAndCarriesReadsAndWrites) {
  auto d = h->striped("s");
  struct stat st;
  ASSERT_EQ(::stat(h->fuse_path("s").c_str(), &st), 0) << std::strerror(errno);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // the run directory's owner only (no --group)
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_EQ(st.st_size, 8 << 20);
  EXPECT_EQ(st.st_blksize, 8192);  // the stripe's io_opt: two 4 KiB chunks

  Fd f(::open(h->fuse_path("s").c_str(), O_RDWR));
  ASSERT_GE(f.fd, 0) << std::strerror(errno);
  EXPECT_EQ(d->info(false).open_count, 1);
  auto data = pattern(1 << 20, 7);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 12288), ssize_t(data.size()));
  std::vector<std::byte> back(data.size());
  ASSERT_EQ(::pread(f.fd, back.data(), back.size(), 12288), ssize_t(back.size()));
  EXPECT_EQ(back, data);
  EXPECT_EQ(device_read(*d, 12288, data.size()), data);  // the device itself has it
  EXPECT_EQ(::fsync(f.fd), 0);

  // Unaligned I/O: read-modify-write of partial sectors.
  auto small = pattern(100, 9);
  ASSERT_EQ(::pwrite(f.fd, small.data(), small.size(), 1000), 100);
  auto sector = device_read(*d, 512, 1024);
  EXPECT_EQ(std::memcmp(sector.data() + 488, small.data(), 100), 0);
  char three[3];
  ASSERT_EQ(::pread(f.fd, three, 3, 1001), 3);
  EXPECT_EQ(std::memcmp(three, small.data() + 1, 3), 0);

  // End of device: reads stop, writes get ENOSPC.
  char byte;
  EXPECT_EQ(::pread(f.fd, &byte, 1, 8 << 20), 0);
  EXPECT_EQ(::pwrite(f.fd, &byte, 1, 8 << 20), -1);
  EXPECT_EQ(errno, ENOSPC);
  // Size changes are refused; O_TRUNC is ignored as on a block device.
  EXPECT_EQ(::ftruncate(f.fd, 4096), -1);
  EXPECT_EQ(errno, EINVAL);
  Fd t(::open(h->fuse_path("s").c_str(), O_WRONLY | O_TRUNC));
  EXPECT_GE(t.fd, 0) << std::strerror(errno);
  ASSERT_EQ(::stat(h->fuse_path("s").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 8 << 20);
}

// Writes of every shape (partial sectors at either end, none in between,
// large ones from a buffer that is not page aligned, so that the kernel
// splits them at odd byte counts) and concurrent writers whose ranges share
// sectors: the device ends up exactly as a plain copy of the same writes.
TEST_F(FuseExport, WritesOfEveryShapeMatchAReferenceCopy) {
  auto d = h->striped("s");
  Fd f(::open(h->fuse_path("s").c_str(), O_RDWR));
  ASSERT_GE(f.fd, 0);
  const std::size_t size = 8 << 20;
  auto reference = device_read(*d, 0, size);
  auto source = pattern((2 << 20) + 64, 21);
  auto put = [&](std::size_t offset, std::size_t length, std::size_t from) {
    ASSERT_EQ(::pwrite(f.fd, source.data() + from, length, off_t(offset)), ssize_t(length))
        << offset << "+" << length << ": " << std::strerror(errno);
    std::memcpy(reference.data() + offset, source.data() + from, length);
  };
  put(1000, (300 << 10) + 7, 3);     // partial head, whole middle, partial tail
  put(4096, 1 << 20, 0);             // aligned, large
  put(513, 10, 5);                   // inside one sector
  put(1020, 10, 7);                  // across a boundary, no whole sector
  put(2 << 20, 1 << 20, 16);         // large, from an address 16 bytes into a page
  put((4 << 20) - 16, 1 << 20, 48);  // ends 16 bytes into a sector
  put(size - 3, 3, 1);               // the last bytes of the device

  // Four writers at once, round after round, each range sharing its first
  // and last sector with its neighbours' (the kernel sends them concurrently).
  std::vector<std::thread> writers;
  const std::size_t base = 6 << 20, span = 1024 + 100, rounds = 300;
  std::barrier round_start(4);
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t r = 0; r < rounds; ++r)
      std::memcpy(reference.data() + base + (r * 4 + i) * span, source.data() + r + i, span);
    writers.emplace_back([&, i] {
      for (std::size_t r = 0; r < rounds; ++r) {
        round_start.arrive_and_wait();
        EXPECT_EQ(::pwrite(f.fd, source.data() + r + i, span, off_t(base + (r * 4 + i) * span)), ssize_t(span));
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_TRUE(device_read(*d, 0, size) == reference);
}

TEST_F(FuseExport, FallocatePunchesAndZeroes) {
  auto d = h->striped("s");
  Fd f(::open(h->fuse_path("s").c_str(), O_RDWR));
  ASSERT_GE(f.fd, 0);
  auto data = pattern(256 << 10, 3);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 0), ssize_t(data.size()));
  ASSERT_EQ(::fallocate(f.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 64 << 10), 0) << std::strerror(errno);
  ASSERT_EQ(::fallocate(f.fd, FALLOC_FL_ZERO_RANGE, 128 << 10, 64 << 10), 0) << std::strerror(errno);
  auto back = device_read(*d, 0, 256 << 10);
  std::vector<std::byte> zeros(64 << 10);
  EXPECT_EQ(std::memcmp(back.data(), zeros.data(), zeros.size()), 0);
  EXPECT_EQ(std::memcmp(back.data() + (64 << 10), data.data() + (64 << 10), 64 << 10), 0);
  EXPECT_EQ(std::memcmp(back.data() + (128 << 10), zeros.data(), zeros.size()), 0);
  EXPECT_EQ(std::memcmp(back.data() + (192 << 10), data.data() + (192 << 10), 64 << 10), 0);
}

// The registry's listener is the one change notification: a table swap
// reaches the FUSE tree without anyone calling refresh().
TEST_F(FuseExport, ATableSwapShowsAtOnceWithoutARefresh) {
  auto d = h->make("grow", "0 2048 zero");
  struct stat st;
  ASSERT_EQ(::stat(h->fuse_path("grow").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 1 << 20);
  ASSERT_TRUE(h->load(d, "0 4096 linear " + h->backing("grow.img", 2 << 20) + " 0"));
  ASSERT_EQ(::stat(h->fuse_path("grow").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 2 << 20);
  ASSERT_TRUE(h->load(d, "0 1024 zero", /*read_only=*/true));
  ASSERT_EQ(::stat(h->fuse_path("grow").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 512 << 10);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
}

TEST_F(FuseExport, RenameAndRemoveShowAtOnceAndOpenFilesBlockRemoval) {
  auto d = h->striped("before");
  ASSERT_TRUE(std::filesystem::exists(h->fuse_path("before")));
  ASSERT_TRUE(h->devices().rename(d, "after"));
  h->exports().refresh();
  EXPECT_FALSE(std::filesystem::exists(h->fuse_path("before")));
  EXPECT_TRUE(std::filesystem::exists(h->fuse_path("after")));

  {
    Fd f(::open(h->fuse_path("after").c_str(), O_RDONLY));
    ASSERT_GE(f.fd, 0);
    auto r = h->devices().remove(d, false);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EBUSY);
  }
  // RELEASE reaches the daemon asynchronously after close().
  Result<void> removed = fail(EBUSY, "");
  for (int i = 0; i < 200 && !removed; ++i) {
    removed = h->devices().remove(d, false);
    if (!removed) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(removed) << removed.error().message;
  h->exports().refresh();
  EXPECT_FALSE(std::filesystem::exists(h->fuse_path("after")));
  EXPECT_TRUE(std::filesystem::is_empty(h->rundir() + "/dev/mapper"));
}

TEST_F(FuseExport, DeferredRemoveCompletesAtLastCloseAndLeavesTheTree) {
  auto d = h->striped("deferred");
  int fd = ::open(h->fuse_path("deferred").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(h->devices().remove(d, /*deferred=*/true));
  EXPECT_TRUE(std::filesystem::exists(h->fuse_path("deferred")));
  ::close(fd);
  // No explicit refresh: the registry's listener does it.
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !h->devices().find_by_name("deferred") && !std::filesystem::exists(h->fuse_path("deferred"));
    if (!gone) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(gone);
}

TEST_F(FuseExport, ReadOnlyDeviceIsReadOnlyFile) {
  auto file = h->backing("ro.img", 1 << 20);
  h->make("ro", "0 2048 linear " + file + " 0", /*read_only=*/true);
  struct stat st;
  ASSERT_EQ(::stat(h->fuse_path("ro").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);  // owner only without --group
  EXPECT_EQ(st.st_blksize, 512);        // a plain file: 512-byte blocks, no io_opt
  EXPECT_EQ(::open(h->fuse_path("ro").c_str(), O_RDWR), -1);
  EXPECT_EQ(errno, EROFS);
  Fd f(::open(h->fuse_path("ro").c_str(), O_RDONLY));
  ASSERT_GE(f.fd, 0);
  char buf[4096];
  EXPECT_EQ(::pread(f.fd, buf, sizeof buf, 0), 4096);
}

TEST_F(FuseExport, LvmDevicesAppearAsVgLv) {
  auto file = h->backing("lv.img", 1 << 20);
  h->make("my--vg-lv0", "0 2048 linear " + file + " 0", false, "LVM-abcdefabcdef");
  struct stat st;
  ASSERT_EQ(::stat((h->rundir() + "/dev/my-vg/lv0").c_str(), &st), 0) << std::strerror(errno);
  EXPECT_EQ(st.st_size, 1 << 20);
  EXPECT_TRUE(std::filesystem::exists(h->fuse_path("my--vg-lv0")));
}

TEST_F(FuseExport, SuspendHoldsIoUntilResume) {
  auto d = h->striped("s");
  Fd f(::open(h->fuse_path("s").c_str(), O_RDWR));
  ASSERT_GE(f.fd, 0);
  auto data = pattern(64 << 10, 11);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 0), ssize_t(data.size()));
  ASSERT_TRUE(d->suspend(false));
  auto reader = std::async(std::launch::async, [&] {
    std::vector<std::byte> back(data.size());
    auto n = ::pread(f.fd, back.data(), back.size(), 0);
    return n == ssize_t(back.size()) && back == data;
  });
  auto writer = std::async(std::launch::async, [&] {
    return ::pwrite(f.fd, data.data(), 4096, 1 << 20) == 4096;
  });
  EXPECT_EQ(reader.wait_for(300ms), std::future_status::timeout);
  EXPECT_EQ(writer.wait_for(0ms), std::future_status::timeout);
  ASSERT_TRUE(d->resume());
  EXPECT_TRUE(reader.get());
  EXPECT_TRUE(writer.get());
}

// Large writes held by a suspended device do not hold FUSE worker threads:
// with more of them waiting than the session has workers, another device
// still answers.
TEST_F(FuseExport, HeldLargeWritesLeaveWorkersForOtherDevices) {
  auto d = h->striped("s");
  auto other = h->striped("t");
  Fd f(::open(h->fuse_path("s").c_str(), O_RDWR));
  Fd g(::open(h->fuse_path("t").c_str(), O_RDWR));
  ASSERT_GE(f.fd, 0);
  ASSERT_GE(g.fd, 0);
  auto data = pattern(256 << 10, 13);
  ASSERT_TRUE(d->suspend(false));
  std::vector<std::future<bool>> writers;
  for (int i = 0; i < 24; ++i)
    writers.push_back(std::async(std::launch::async, [&, i] {
      return ::pwrite(f.fd, data.data(), data.size(), off_t(i) * off_t(data.size())) == ssize_t(data.size());
    }));
  std::this_thread::sleep_for(200ms);
  auto reader = std::async(std::launch::async, [&] {
    std::vector<std::byte> back(4096);
    return ::pread(g.fd, back.data(), back.size(), 0) == 4096;
  });
  EXPECT_EQ(reader.wait_for(5s), std::future_status::ready) << "the other device hangs";
  EXPECT_EQ(writers[0].wait_for(0ms), std::future_status::timeout);
  ASSERT_TRUE(d->resume());
  for (auto& w : writers) EXPECT_TRUE(w.get());
  EXPECT_TRUE(reader.get());
  EXPECT_TRUE(device_read(*d, 23 * data.size(), data.size()) == data);
}

TEST_F(FuseExport, StopIsIdempotentAndUnmounts) {
  h->striped("s");
  h->exports().stop();
  h->exports().stop();
  EXPECT_FALSE(std::filesystem::exists(h->fuse_path("s")));
}

}  // namespace
}  // namespace udm::exports

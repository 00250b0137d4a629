// Device limits through a stack: a device over a 4 KiB-logical-block device
// reports 4096, and so does one stacked on it; tables not aligned to that
// block size are refused; striped's io_hints; a real loop device made with
// `losetup -b 4096` (skipped where losetup cannot run).
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include "core/limits.hpp"
#include "testing.hpp"

namespace udm::core {
namespace {

// A MemoryDevice that says it has 4 KiB logical blocks, as a 4Kn disk.
class FourKDevice final : public io::BlockDevice {
 public:
  FourKDevice(byte_count size, std::string name) : inner_(size, std::move(name)) {}
  byte_count size() const override { return inner_.size(); }
  void submit(io::Request* r) override { inner_.submit(r); }
  std::string table_name() const override { return inner_.table_name(); }
  DevNo devno() const override { return {}; }
  io::DeviceLimits limits() const override {
    return io::DeviceLimits{.logical_block_size = 4096, .physical_block_size = 4096, .discard_granularity = 4096};
  }

 private:
  io::MemoryDevice inner_;
};

TEST(Limits, StackingTakesTheLargerSizesAndTheLcmOfOptimalIo) {
  io::DeviceLimits top;
  io::DeviceLimits a{.logical_block_size = 4096, .physical_block_size = 4096, .io_min = 0, .io_opt = 12288};
  io::DeviceLimits b{.logical_block_size = 512, .physical_block_size = 8192, .io_min = 65536, .io_opt = 8192};
  auto l = stack_limits(stack_limits(top, a), b);
  EXPECT_EQ(l.logical_block_size, 4096u);
  EXPECT_EQ(l.physical_block_size, 8192u);
  EXPECT_EQ(l.io_min, 65536u);
  EXPECT_EQ(l.io_opt, 24576u);
  EXPECT_EQ(normalize_limits({}).io_min, 512u);
}

TEST(Limits, PassThroughAStackOfMappedDevices) {
  testing::TestBed bed;
  bed.backing["/dev/4k"] = std::make_shared<FourKDevice>(1 << 20, "/dev/4k");
  bed.memory("/dev/a", 1 << 20);
  auto lower = bed.make("lower", "0 64 linear /dev/4k 0\n64 64 linear /dev/a 0");
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->limits().logical_block_size, 4096u);
  EXPECT_EQ(lower->limits().physical_block_size, 4096u);
  EXPECT_EQ(lower->limits().discard_granularity, 4096u);
  auto upper = bed.make("upper", "0 128 linear " + lower->devno().to_string() + " 0");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->limits().logical_block_size, 4096u);
  // A device on 512-byte devices only keeps 512.
  auto plain = bed.make("plain", "0 64 linear /dev/a 0");
  EXPECT_EQ(plain->limits().logical_block_size, 512u);
  // No table: the defaults.
  auto empty = *bed.devices.create("empty", "");
  EXPECT_EQ(empty->limits(), normalize_limits({}));
}

TEST(Limits, RefusesATargetNotAlignedToTheLogicalBlockSizeBelow) {
  testing::TestBed bed;
  bed.backing["/dev/4k"] = std::make_shared<FourKDevice>(1 << 20, "/dev/4k");
  auto t = bed.table("0 60 linear /dev/4k 0");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message,
            "table line 1: linear: start sector 0 length 60 is not aligned to the logical block size 4096 of the "
            "devices below");
  bed.memory("/dev/a", 1 << 20);
  EXPECT_FALSE(bed.table("0 4 linear /dev/a 0\n4 64 linear /dev/4k 0"));
  EXPECT_TRUE(bed.table("0 8 linear /dev/a 0\n8 64 linear /dev/4k 0"));
}

TEST(Limits, StripedSetsIoMinToAChunkAndIoOptToAFullStripe) {
  testing::TestBed bed;
  bed.memory("/dev/a", 1 << 20);
  bed.memory("/dev/b", 1 << 20);
  bed.memory("/dev/c", 1 << 20);
  auto d = bed.make("s", "0 384 striped 3 128 /dev/a 0 /dev/b 0 /dev/c 0");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->limits().io_min, 65536u);
  EXPECT_EQ(d->limits().io_opt, 3u * 65536);
  EXPECT_EQ(d->limits().logical_block_size, 512u);
}

TEST(Limits, DiscardsAndWriteZeroesOnlyWhenEveryTargetPassesThemDown) {
  testing::TestBed bed;
  bed.memory("/dev/a", 1 << 20);
  auto linear = bed.make("lin", "0 64 linear /dev/a 0");
  ASSERT_TRUE(linear);
  EXPECT_NE(linear->limits().discard_granularity, 0u);
  EXPECT_TRUE(linear->limits().write_zeroes);
  int n = 0;
  for (const char* table : {"0 64 zero", "0 64 error", "0 64 linear /dev/a 0\n64 64 zero"}) {
    auto d = bed.make("no-discard-" + std::to_string(n++), table);
    ASSERT_TRUE(d) << table;
    EXPECT_EQ(d->limits().discard_granularity, 0u) << table;
    EXPECT_FALSE(d->limits().write_zeroes) << table;
  }
  // A device without them under one of two stripes takes them away.
  io::DeviceLimits none{.discard_granularity = 0, .write_zeroes = false};
  EXPECT_EQ(stack_limits(linear->limits(), none).discard_granularity, 0u);
  EXPECT_FALSE(stack_limits(linear->limits(), none).write_zeroes);
}

// With a real block device: a loop device with 4 KiB logical blocks.
TEST(Limits, ADeviceOverA4KLoopDeviceReports4096) {
  char path[] = "/tmp/udm-limits-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 8 << 20), 0);
  ::close(fd);
  std::string loop;
  if (FILE* p = ::popen(("losetup -f --show -b 4096 " + std::string(path) + " 2>/dev/null").c_str(), "r")) {
    char line[256] = {};
    if (std::fgets(line, sizeof line, p)) loop = line;
    ::pclose(p);
  }
  while (!loop.empty() && loop.back() == '\n') loop.pop_back();
  if (loop.empty()) {
    ::unlink(path);
    GTEST_SKIP() << "losetup -b 4096 is not available here";
  }
  {
    TargetRegistry targets;
    targets::register_builtin_targets(targets);
    DeviceRegistry devices(targets);  // real backing devices
    auto d = *devices.create("over-loop", "");
    auto lines = *parse_table_text("0 1024 linear " + loop + " 0", "test");
    auto t = devices.build_table(lines, false, *d);
    ASSERT_TRUE(t) << t.error().message;
    d->load(std::move(*t));
    ASSERT_TRUE(d->resume());
    EXPECT_EQ(d->limits().logical_block_size, 4096u);
    auto up = *devices.create("over-over", "");
    auto t2 = devices.build_table(*parse_table_text("0 1024 linear " + d->devno().to_string() + " 0", "test"), false,
                                  *up);
    ASSERT_TRUE(t2);
    up->load(std::move(*t2));
    ASSERT_TRUE(up->resume());
    EXPECT_EQ(up->limits().logical_block_size, 4096u);
    // The same file as a plain file has 512-byte blocks.
    auto f = *devices.create("over-file", "");
    auto t3 = devices.build_table(*parse_table_text("0 8 linear " + std::string(path) + " 0", "test"), false, *f);
    ASSERT_TRUE(t3);
    f->load(std::move(*t3));
    ASSERT_TRUE(f->resume());
    EXPECT_EQ(f->limits().logical_block_size, 512u);
    devices.remove_all(false);
  }
  EXPECT_EQ(std::system(("losetup -d " + loop).c_str()), 0);
  ::unlink(path);
}

}  // namespace
}  // namespace udm::core

// mirror (legacy dm-raid1): core and disk logs, resync from the first leg,
// the disk log's header and clean bits against the kernel's layout, a
// reactivation that trusts the log, a failing leg, status and table lines.
#include <chrono>
#include <cstring>
#include <thread>

#include "raid/mirror_log.hpp"
#include "testing.hpp"

namespace udm::targets {
namespace {

using io::Op;
using testing::TestBed;

constexpr byte_count MiB = 1 << 20;

struct MirrorBed {
  TestBed bed;
  std::shared_ptr<io::MemoryDevice> log, d0, d1;
  core::MappedDevicePtr dev;
  MirrorBed() {
    log = bed.memory("/log", MiB);
    d0 = bed.memory("/d0", 8 * MiB);
    d1 = bed.memory("/d1", 8 * MiB);
  }
  std::string status() { return dev->status(core::StatusType::info, false).at(0).text; }
  std::string table_out() { return dev->status(core::StatusType::table, false).at(0).text; }
  bool wait_status(const std::string& want) {
    for (int i = 0; i < 2000; ++i) {
      if (status() == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
};

TEST(MirrorLog, HeaderAgainstTheKernelLayout) {
  std::vector<std::byte> s(512);
  const unsigned char hdr[16] = {0x72, 0x52, 0x69, 0x4d, 2, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(s.data(), hdr, 16);
  raid::MirrorLogHeader h;
  auto k = raid::decode_mirror_log_header(s, 16, h);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(*k, raid::LogKind::valid);
  EXPECT_EQ(h.nr_regions, 16u);
  std::vector<std::byte> out(512, std::byte{9});
  raid::encode_mirror_log_header(h, out);
  EXPECT_EQ(out, s);
  EXPECT_FALSE(raid::decode_mirror_log_header(s, 17, h).has_value());
  s[4] = std::byte{7};
  EXPECT_FALSE(raid::decode_mirror_log_header(s, 16, h).has_value());
  std::vector<std::byte> zero(512);
  EXPECT_EQ(*raid::decode_mirror_log_header(zero, 16, h), raid::LogKind::blank);
}

TEST(Mirror, CoreLogResyncsFromTheFirstLeg) {
  MirrorBed t;
  std::memset(t.d0->raw(), 0x42, 8 * MiB);
  t.dev = t.bed.make("m", "0 16384 mirror core 1 1024 2 /d0 0 /d1 0");
  ASSERT_TRUE(t.wait_status("2 /d0 /d1 16/16 1 AA 1 core")) << t.status();
  EXPECT_EQ(std::memcmp(t.d0->raw(), t.d1->raw(), 8 * MiB), 0);
  EXPECT_EQ(t.table_out(), "core 1 1024 2 /d0 0 /d1 0");
  std::vector<std::byte> buf(4096, std::byte{7});
  ASSERT_EQ(testing::sync_io(*t.dev, Op::write, MiB, 4096, buf.data()), 0);
  EXPECT_EQ(std::to_integer<int>(t.d1->raw()[MiB]), 7);
}

TEST(Mirror, DiskLogKeepsCleanRegionsAcrossActivations) {
  MirrorBed t;
  t.dev = t.bed.make("m", "0 16384 mirror disk 2 /log 1024 2 /d0 0 /d1 0 1 handle_errors");
  ASSERT_TRUE(t.wait_status("2 /d0 /d1 16/16 1 AA 3 disk /log A")) << t.status();
  EXPECT_EQ(t.table_out(), "disk 2 /log 1024 2 /d0 0 /d1 0 1 handle_errors");
  ASSERT_TRUE(t.dev->suspend(false).has_value());
  // Header and clean bits as the kernel's disk log has them.
  EXPECT_EQ(std::to_integer<int>(t.log->raw()[0]), 0x72);
  EXPECT_EQ(std::to_integer<int>(t.log->raw()[8]), 16);
  EXPECT_EQ(std::to_integer<int>(t.log->raw()[1024]), 0xff);
  EXPECT_EQ(std::to_integer<int>(t.log->raw()[1025]), 0xff);
  ASSERT_TRUE(t.dev->resume().has_value());
  // A write dirties its region in the log before it goes out.
  std::vector<std::byte> buf(4096, std::byte{5});
  ASSERT_EQ(testing::sync_io(*t.dev, Op::write, 3 * 512 * 1024, 4096, buf.data()), 0);
  std::vector<std::byte> bits(512);
  ASSERT_EQ(testing::sync_io(*t.log, Op::read, 1024, 512, bits.data()), 0);  // the log may be written meanwhile
  EXPECT_EQ(std::to_integer<int>(bits[0]), 0xf7);
  // A new activation on the same log: in sync at once.
  ASSERT_TRUE(t.bed.devices.remove(t.dev, false).has_value());
  t.dev.reset();
  t.dev = t.bed.make("m2", "0 16384 mirror disk 2 /log 1024 2 /d0 0 /d1 0");
  EXPECT_EQ(t.status(), "2 /d0 /d1 16/16 1 AA 3 disk /log A");
}

// A log written for another region count is kept, as the kernel keeps it:
// lvm2's new log (nr_regions ~0) counts for every region; a log of 8
// regions under a 16-region table (a grown mirror) keeps the first 8 and
// resyncs the rest from the first leg.
TEST(Mirror, DiskLogOfAnotherRegionCount) {
  for (std::uint64_t on_disk : {~std::uint64_t{0}, std::uint64_t{8}}) {
    MirrorBed t;
    std::vector<std::byte> head(512);
    raid::encode_mirror_log_header({raid::MIRROR_LOG_MAGIC, raid::MIRROR_LOG_VERSION, on_disk}, head);
    std::vector<std::byte> ones(512, std::byte{0xff});
    ASSERT_EQ(testing::sync_io(*t.log, Op::write, 0, 512, head.data()), 0);
    ASSERT_EQ(testing::sync_io(*t.log, Op::write, raid::MIRROR_LOG_BITS_OFFSET, 512, ones.data()), 0);
    std::vector<std::byte> a(8 * MiB, std::byte{1}), b(8 * MiB, std::byte{2});
    ASSERT_EQ(testing::sync_io(*t.d0, Op::write, 0, a.size(), a.data()), 0);
    ASSERT_EQ(testing::sync_io(*t.d1, Op::write, 0, b.size(), b.data()), 0);
    t.dev = t.bed.make("m", "0 16384 mirror disk 2 /log 1024 2 /d0 0 /d1 0");
    ASSERT_NE(t.dev, nullptr) << on_disk;
    ASSERT_TRUE(t.wait_status("2 /d0 /d1 16/16 1 AA 3 disk /log A")) << t.status();
    std::vector<std::byte> got(8 * MiB);
    ASSERT_EQ(testing::sync_io(*t.d1, Op::read, 0, got.size(), got.data()), 0);
    const byte_count kept = on_disk == 8 ? 4 * MiB : 8 * MiB;  // regions of 512 KiB
    EXPECT_TRUE(std::equal(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(kept), b.begin())) << on_disk;
    EXPECT_TRUE(std::equal(got.begin() + static_cast<std::ptrdiff_t>(kept), got.end(), a.begin())) << on_disk;
    std::vector<std::byte> now(512);
    ASSERT_EQ(testing::sync_io(*t.log, Op::read, 0, 512, now.data()), 0);
    EXPECT_EQ(std::to_integer<int>(now[8]), 16);  // the header now has the table's count
  }
}

TEST(Mirror, NosyncAndAFailingLeg) {
  MirrorBed t;
  t.dev = t.bed.make("m", "0 16384 mirror core 2 1024 nosync 2 /d0 0 /d1 0");
  EXPECT_EQ(t.status(), "2 /d0 /d1 16/16 1 AA 1 core");
  EXPECT_EQ(t.table_out(), "core 2 1024 nosync 2 /d0 0 /d1 0");
  std::vector<std::byte> buf(65536, std::byte{3});
  ASSERT_EQ(testing::sync_io(*t.dev, Op::write, 0, buf.size(), buf.data()), 0);
  t.d0->fail_with(EIO);
  std::vector<std::byte> back(65536);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(testing::sync_io(*t.dev, Op::read, 0, back.size(), back.data()), 0);
    EXPECT_EQ(back, buf);
  }
  EXPECT_EQ(t.status(), "2 /d0 /d1 16/16 1 RA 1 core");
  EXPECT_FALSE(t.bed.table("0 16384 mirror core 1 1000 2 /d0 0 /d1 0").has_value());
  EXPECT_FALSE(t.bed.table("0 16384 mirror core 1 1024 1 /d0 0").has_value());
  EXPECT_FALSE(t.bed.table("0 16384 mirror core 1 1024 2 /d0 0 /d1 0 1 keep_log").has_value());
}

}  // namespace
}  // namespace udm::targets

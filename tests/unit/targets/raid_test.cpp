// raid: the dm-raid superblock and MD bitmap against bytes laid out by hand
// from the kernel's structs, and raid1 sets on MemoryDevices: metadata
// initialised and refused, writes to every leg with the bitmap bit first,
// resync of dirty regions only, degraded reads, messages, status lines,
// recovery of a rebuilt leg; the resync streamed (several chunks in flight,
// copy_file_range between file legs), throttled, and an idle set silent.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "io/backing.hpp"
#include "raid/raid_type.hpp"
#include "raid/superblock.hpp"
#include "testing.hpp"

namespace udm::targets {
namespace {

using io::Op;
using testing::TestBed;

void put32(std::vector<std::byte>& b, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = std::byte((v >> (8 * i)) & 0xff);
}
void put64(std::vector<std::byte>& b, std::size_t off, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + i] = std::byte((v >> (8 * i)) & 0xff);
}

// struct dm_raid_superblock, offsets counted from the kernel's declaration.
std::vector<std::byte> kernel_superblock() {
  std::vector<std::byte> b(4096);
  b[0] = std::byte{'D'};  // magic "DmRd" in byte order
  b[1] = std::byte{'m'};
  b[2] = std::byte{'R'};
  b[3] = std::byte{'d'};
  put32(b, 4, 1);            // compat_features: V190
  put32(b, 8, 3);            // num_devices
  put32(b, 12, 2);           // array_position
  put64(b, 16, 77);          // events
  put64(b, 24, 0x5);         // failed_devices: 0 and 2
  put64(b, 32, 4096);        // disk_recovery_offset
  put64(b, 40, ~0ull);       // array_resync_offset
  put32(b, 48, 5);           // level
  put32(b, 52, 2);           // layout: left symmetric
  put32(b, 56, 128);         // stripe_sectors
  put32(b, 60, 0);           // flags
  put64(b, 64, ~0ull);       // reshape_position
  put32(b, 72, 5);           // new_level
  put32(b, 76, 2);           // new_layout
  put32(b, 80, 128);         // new_stripe_sectors
  put32(b, 84, 0);           // delta_disks
  put64(b, 88, 8192);        // array_sectors
  put64(b, 96, 0);           // data_offset
  put64(b, 104, 0);          // new_data_offset
  put64(b, 112, 4096);       // sectors
  put64(b, 120, 0);          // extended_failed_devices[0]: devices 64..127
  put64(b, 128, 1);          // extended_failed_devices[1]: device 128
  put64(b, 136, 0);          // extended_failed_devices[2]
  put32(b, 144, 0);          // incompat_features
  return b;
}

TEST(RaidSuperblock, DecodesAndEncodesTheKernelLayout) {
  auto bytes = kernel_superblock();
  raid::Superblock sb;
  auto kind = raid::decode_superblock(bytes, sb);
  ASSERT_TRUE(kind.has_value()) << kind.error().message;
  EXPECT_EQ(*kind, raid::SbKind::valid);
  EXPECT_EQ(sb.magic, 0x64526D44u);
  EXPECT_EQ(sb.num_devices, 3u);
  EXPECT_EQ(sb.array_position, 2u);
  EXPECT_EQ(sb.events, 77u);
  EXPECT_TRUE(sb.failed_bit(0));
  EXPECT_FALSE(sb.failed_bit(1));
  EXPECT_TRUE(sb.failed_bit(2));
  EXPECT_TRUE(sb.failed_bit(128));
  EXPECT_EQ(sb.disk_recovery_offset, 4096u);
  EXPECT_EQ(sb.array_resync_offset, raid::MAX_SECTOR);
  EXPECT_EQ(sb.level, 5u);
  EXPECT_EQ(sb.layout, 2u);
  EXPECT_EQ(sb.stripe_sectors, 128u);
  EXPECT_EQ(sb.array_sectors, 8192u);
  EXPECT_EQ(sb.sectors, 4096u);
  std::vector<std::byte> out(4096, std::byte{0x77});
  raid::encode_superblock(sb, std::span<std::byte, 4096>(out.data(), 4096));
  EXPECT_EQ(out, bytes);
  EXPECT_EQ(raid::find_raid_type(sb.level, sb.layout)->name, "raid5_ls");
}

TEST(RaidSuperblock, BlankForeignAndBadAreTold) {
  std::vector<std::byte> zero(4096);
  raid::Superblock sb;
  EXPECT_EQ(*raid::decode_superblock(zero, sb), raid::SbKind::blank);
  auto bytes = kernel_superblock();
  bytes[0] = std::byte{'X'};
  auto r = raid::decode_superblock(bytes, sb);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("not a dm-raid superblock"), std::string::npos) << r.error().message;
  bytes = kernel_superblock();
  put32(bytes, 12, 3);  // array_position == num_devices
  EXPECT_FALSE(raid::decode_superblock(bytes, sb).has_value());
  bytes = kernel_superblock();
  put32(bytes, 48, 7);
  EXPECT_FALSE(raid::decode_superblock(bytes, sb).has_value());
  EXPECT_FALSE(raid::decode_superblock(std::span<const std::byte>(bytes).first(100), sb).has_value());
}

TEST(RaidBitmap, DecodesAndEncodesBitmapSuper) {
  std::vector<std::byte> b(256);
  b[0] = std::byte{'b'};  // "bitm"
  b[1] = std::byte{'i'};
  b[2] = std::byte{'t'};
  b[3] = std::byte{'m'};
  put32(b, 4, 4);
  for (int i = 0; i < 16; ++i) b[8 + i] = std::byte(i + 1);
  put64(b, 24, 9);           // events
  put64(b, 32, 8);           // events_cleared
  put64(b, 40, 2048);        // sync_size
  put32(b, 48, 0);           // state
  put32(b, 52, 1 << 20);     // chunksize
  put32(b, 56, 5);           // daemon_sleep
  put32(b, 60, 0);           // write_behind
  put32(b, 64, 8184);        // sectors_reserved
  put32(b, 68, 0);           // nodes
  raid::BitmapSuper s;
  auto k = raid::decode_bitmap_super(b, s);
  ASSERT_TRUE(k.has_value()) << k.error().message;
  EXPECT_EQ(s.events, 9u);
  EXPECT_EQ(s.events_cleared, 8u);
  EXPECT_EQ(s.sync_size, 2048u);
  EXPECT_EQ(s.chunksize, 1u << 20);
  EXPECT_EQ(s.daemon_sleep, 5u);
  EXPECT_EQ(s.sectors_reserved, 8184u);
  EXPECT_EQ(s.uuid[15], 16);
  std::vector<std::byte> out(256, std::byte{1});
  raid::encode_bitmap_super(s, std::span<std::byte, 256>(out.data(), 256));
  EXPECT_EQ(out, b);
  put32(b, 52, 3000);  // not a power of two
  EXPECT_FALSE(raid::decode_bitmap_super(b, s).has_value());
  put32(b, 52, 4096);
  put32(b, 4, 5);  // clustered bitmaps are not ours
  EXPECT_FALSE(raid::decode_bitmap_super(b, s).has_value());
  std::vector<std::uint8_t> bits(2);
  raid::bitmap_set(bits, 9, true);
  EXPECT_EQ(bits[1], 0x02);  // little-endian bit order
  EXPECT_TRUE(raid::bitmap_test(bits, 9));
}

constexpr byte_count MiB = 1 << 20;
constexpr sector_t ARRAY = 16 * 2048;  // 16 MiB
constexpr sector_t REGION = 2048;      // 1 MiB: 16 regions

struct Raid1Bed {
  TestBed bed;
  std::shared_ptr<io::MemoryDevice> meta[3], data[3];
  core::MappedDevicePtr dev;

  Raid1Bed() {
    for (int i = 0; i < 3; ++i) {
      meta[i] = bed.memory("/m" + std::to_string(i), 1 * MiB);
      data[i] = bed.memory("/d" + std::to_string(i), 16 * MiB);
    }
  }
  static std::string table(const std::string& params, const std::string& legs = "2 /m0 /d0 /m1 /d1") {
    std::size_t words = 2;  // the chunk size and the first word
    for (char c : params) words += c == ' ';
    if (params.empty()) words = 1;
    return "0 " + std::to_string(ARRAY) + " raid raid1 " + std::to_string(words) + " 0" +
           (params.empty() ? "" : " " + params) + " " + legs;
  }
  void make(const std::string& params, const std::string& legs = "2 /m0 /d0 /m1 /d1") {
    dev = bed.make("r", table(params, legs));
    ASSERT_TRUE(dev);
  }
  Result<void> reload(const std::string& params, const std::string& legs = "2 /m0 /d0 /m1 /d1") {
    auto lines = core::parse_table_text(table(params, legs), "test");
    if (!lines) return fail(lines.error());
    auto t = bed.devices.build_table(*lines, false, *dev);
    if (!t) return fail(t.error());
    if (auto s = dev->suspend(false); !s) return s;
    dev->load(std::move(*t));
    return dev->resume();
  }
  std::string status() { return dev->status(core::StatusType::info, false).at(0).text; }
  std::string table_out() { return dev->status(core::StatusType::table, false).at(0).text; }
  Result<std::string> msg(const std::string& w) {
    std::vector<std::string> words{w};
    return dev->message(0, words);
  }
  bool wait_status(const std::string& want, int ms = 10000) {
    for (int i = 0; i < ms / 5; ++i) {
      if (status() == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  // The status's sync position (sync_cur), in sectors.
  std::uint64_t progress() {
    const std::string s = status();
    const auto slash = s.find('/');
    const auto space = s.rfind(' ', slash);
    if (slash == std::string::npos || space == std::string::npos) return 0;
    return std::stoull(s.substr(space + 1, slash - space - 1));
  }
  // Until the sync position passes `sectors` (throttled syncs, loaded machines).
  bool wait_progress(std::uint64_t sectors) {
    for (int i = 0; i < 3000; ++i) {
      if (progress() >= sectors) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  int write(byte_count off, byte_count len, std::uint8_t fill) {
    std::vector<std::byte> buf(len, std::byte{fill});
    return testing::sync_io(*dev, Op::write, off, len, buf.data());
  }
  std::vector<std::byte> read(byte_count off, byte_count len, int* rc = nullptr) {
    std::vector<std::byte> buf(len);
    int r = testing::sync_io(*dev, Op::read, off, len, buf.data());
    if (rc) *rc = r;
    return buf;
  }
  bool legs_equal(int a, int b, byte_count off = 0, byte_count len = 16 * MiB) {
    return std::memcmp(data[a]->raw() + off, data[b]->raw() + off, len) == 0;
  }
  // Metadata through the device, not raw(): the set's threads may be writing it.
  std::vector<std::byte> meta_head(int leg) {
    std::vector<std::byte> b(8192);
    EXPECT_EQ(testing::sync_io(*meta[leg], Op::read, 0, b.size(), b.data()), 0);
    return b;
  }
  bool bit(int leg, std::uint64_t region) {
    return (std::to_integer<unsigned>(meta_head(leg)[raid::BITS_OFFSET + region / 8]) >> (region % 8)) & 1;
  }
  raid::Superblock sb(int leg) {
    raid::Superblock s;
    auto head = meta_head(leg);
    auto k = raid::decode_superblock(std::span<const std::byte>(head.data(), 4096), s);
    EXPECT_TRUE(k.has_value());
    return s;
  }
};

TEST(Raid1, InitialisesBlankMetadataAndPrintsStatusAndTable) {
  Raid1Bed t;
  t.make("nosync region_size 2048");
  EXPECT_EQ(t.status(), "raid1 2 AA 32768/32768 idle 0 0 -");
  EXPECT_EQ(t.table_out(), "raid1 4 0 nosync region_size 2048 2 /m0 /d0 /m1 /d1");
  auto sb0 = t.sb(0), sb1 = t.sb(1);
  EXPECT_EQ(sb0.level, 1u);
  EXPECT_EQ(sb0.num_devices, 2u);
  EXPECT_EQ(sb0.array_position, 0u);
  EXPECT_EQ(sb1.array_position, 1u);
  EXPECT_EQ(sb0.array_resync_offset, raid::MAX_SECTOR);
  EXPECT_EQ(sb0.sectors, ARRAY);
  raid::BitmapSuper b;
  auto head = t.meta_head(1);
  auto k = raid::decode_bitmap_super(std::span<const std::byte>(head.data() + 4096, 256), b);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(*k, raid::SbKind::valid);
  EXPECT_EQ(b.chunksize, REGION * 512);
  EXPECT_EQ(b.sync_size, ARRAY);
  EXPECT_EQ(b.events, sb0.events);
}

TEST(Raid1, TableOutputKeepsTheKernelOrder) {
  Raid1Bed t;
  t.make("sync daemon_sleep 100 max_recovery_rate 100000 min_recovery_rate 10 region_size 2048 rebuild 1");
  EXPECT_EQ(t.table_out(),
            "raid1 12 0 sync rebuild 1 daemon_sleep 100 min_recovery_rate 10 max_recovery_rate 100000 "
            "region_size 2048 2 /m0 /d0 /m1 /d1");
}

TEST(Raid1, WritesGoToEveryLegWithTheBitSetFirst) {
  Raid1Bed t;
  t.make("nosync daemon_sleep 60000 region_size 2048");
  ASSERT_EQ(t.write(3 * MiB + 4096, 8192, 0xab), 0);
  EXPECT_TRUE(t.legs_equal(0, 1));
  EXPECT_EQ(std::to_integer<int>(t.data[0]->raw()[3 * MiB + 4096]), 0xab);
  EXPECT_TRUE(t.bit(0, 3));
  EXPECT_TRUE(t.bit(1, 3));
  EXPECT_FALSE(t.bit(0, 2));
  // Suspend clears what is clean: nothing is in flight.
  ASSERT_TRUE(t.dev->suspend(false).has_value());
  EXPECT_FALSE(t.bit(0, 3));
  ASSERT_TRUE(t.dev->resume().has_value());
  auto back = t.read(3 * MiB + 4096, 8192);
  EXPECT_EQ(std::to_integer<int>(back[100]), 0xab);
}

TEST(Raid1, TheDaemonClearsBitsOfIdleRegions) {
  Raid1Bed t;
  t.make("nosync daemon_sleep 50 region_size 2048");
  ASSERT_EQ(t.write(5 * MiB, 4096, 1), 0);
  bool cleared = false;
  for (int i = 0; i < 2000 && !cleared; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cleared = !t.bit(0, 5) && !t.bit(1, 5);
  }
  EXPECT_TRUE(cleared);
}

TEST(Raid1, WritesToADirtyRegionAndAnIdleSetWriteNoMetadata) {
  Raid1Bed t;
  // Metadata writes counted on leg 0's metadata device.
  auto m0 = std::make_shared<testing::FakeDevice>(t.meta[0], testing::FakeDevice::Options{});
  t.bed.backing["/m0"] = m0;
  t.make("nosync daemon_sleep 100 region_size 2048");
  ASSERT_EQ(t.write(5 * MiB, 4096, 1), 0);  // the bit of region 5, once
  const std::uint64_t after_first = m0->count(Op::write);
  for (int i = 1; i < 50; ++i) ASSERT_EQ(t.write(5 * MiB + i * 4096, 4096, 2), 0);
  EXPECT_EQ(m0->count(Op::write), after_first) << "writes to a dirty region wrote metadata";
  bool cleared = false;  // then the daemon pass clears it (one write)
  for (int i = 0; i < 2000 && !cleared; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cleared = !t.bit(0, 5);
  }
  ASSERT_TRUE(cleared);
  // Once clear and without I/O, passes (every 100 ms) write nothing: no
  // superblock rewritten for a set where nothing changed.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::uint64_t idle = m0->count(Op::write);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(m0->count(Op::write), idle) << "an idle set wrote metadata";
}

TEST(Raid1, ResyncKeepsSeveralChunksInFlight) {
  Raid1Bed t;
  std::memset(t.data[0]->raw(), 0x5a, 16 * MiB);
  // Reads of the source leg are held: a copy one chunk at a time would have
  // one of them waiting, a streamed one several.
  testing::FakeDevice::Options o;
  o.hold = true;
  o.only_op(Op::read);
  auto d0 = std::make_shared<testing::FakeDevice>(t.data[0], o);
  t.bed.backing["/d0"] = d0;
  t.make("region_size 1024");
  bool several = false;
  for (int i = 0; i < 2000 && !several; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    several = d0->queued() >= 4;
  }
  EXPECT_TRUE(several) << d0->queued() << " reads in flight";
  d0->hold(false);
  d0->release();
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
  EXPECT_TRUE(t.legs_equal(0, 1));
}

TEST(Raid1, ResyncOfFileLegsIsCopiedByTheKernel) {
  // Legs on regular files: the resync copies with copy_file_range (its log
  // says how much) and the legs end equal.
  char dir[] = "/tmp/udm-raid-cfr-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  Raid1Bed t;
  const auto data = testing::pattern(16 * MiB, 7);
  for (int i = 0; i < 2; ++i) {
    const std::string path = std::string(dir) + "/d" + std::to_string(i);
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    if (i == 0) {
      ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), f), data.size());
    }
    ASSERT_EQ(::ftruncate(::fileno(f), 16 * MiB), 0);
    std::fclose(f);
    auto dev = io::open_backing(path);
    ASSERT_TRUE(dev.has_value()) << dev.error().message;
    t.bed.backing["/d" + std::to_string(i)] = *dev;
  }
  ::testing::internal::CaptureStderr();
  t.make("region_size 2048");
  // The log line is printed under the lock the status takes: it is there once idle shows.
  const bool idle = t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -");
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(idle) << t.status();
  EXPECT_NE(log.find("resync done, 16 regions copied (16384 KiB by copy_file_range)"), std::string::npos) << log;
  std::vector<std::byte> back(16 * MiB);
  ASSERT_EQ(testing::sync_io(*t.bed.backing["/d1"], Op::read, 0, back.size(), back.data()), 0);
  EXPECT_EQ(back, data);
  t.dev.reset();
  for (int i = 0; i < 2; ++i) std::remove((std::string(dir) + "/d" + std::to_string(i)).c_str());
  ::rmdir(dir);
}

TEST(Raid1, MinRecoveryRateHoldsTheResyncWhileTheSetIsBusy) {
  Raid1Bed t;
  std::memset(t.data[0]->raw(), 0x11, 16 * MiB);
  // Copy writes take a few ms, so the moment before the reader starts
  // cannot copy much; unthrottled the whole set still takes well under a second.
  testing::FakeDevice::Options o;
  o.delayed(std::chrono::microseconds(4000));
  o.only_op(Op::write);
  t.bed.backing["/d1"] = std::make_shared<testing::FakeDevice>(t.data[1], o);
  // 512 KiB/s while reads keep coming; unthrottled without them.
  t.make("region_size 256 min_recovery_rate 512");
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    std::vector<std::byte> buf(4096);
    while (!stop.load()) {
      testing::sync_io(*t.dev, Op::read, 15 * MiB, buf.size(), buf.data());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto position = [&](std::uint64_t& cur) {
    const std::string s = t.status();
    return std::sscanf(s.c_str(), "raid1 2 aa %lu/", &cur) == 1;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::uint64_t first = 0, second = 0;
  const bool running = position(first);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const bool still = position(second);
  stop.store(true);
  reader.join();
  ASSERT_TRUE(running && still) << "the resync was not held: " << t.status();
  // A second at 512 KiB/s, with a batch and a chunk of slack: far from 16 MiB.
  EXPECT_LE(second - first, 3u * 2048) << first << " then " << second;
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -", 5000)) << t.status();
  EXPECT_TRUE(t.legs_equal(0, 1));
}

TEST(Raid1, ANewSetResyncsUnlessNosync) {
  Raid1Bed t;
  std::memset(t.data[0]->raw(), 0x11, 16 * MiB);
  std::memset(t.data[1]->raw(), 0x22, 16 * MiB);
  t.make("region_size 2048");
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
  EXPECT_TRUE(t.legs_equal(0, 1));
  bool recorded = false;  // written just after the status turned idle
  for (int i = 0; i < 2000 && !recorded; ++i) {
    recorded = t.sb(1).array_resync_offset == raid::MAX_SECTOR;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(recorded);
}

TEST(Raid1, ResyncContinuesFromThePersistedOffset) {
  Raid1Bed t;
  std::memset(t.data[0]->raw(), 0x11, 16 * MiB);
  // 128 KiB regions at 2 MiB/s: about 16 regions a second.
  t.make("region_size 256 max_recovery_rate 2048");
  ASSERT_TRUE(t.wait_progress(1024)) << t.status();
  const std::uint64_t seen = t.progress();
  ASSERT_TRUE(t.dev->suspend(false).has_value());
  const std::uint64_t offset = t.sb(1).array_resync_offset;
  EXPECT_GE(offset, seen) << "the status showed more than the suspend kept";
  EXPECT_LT(offset, ARRAY);
  // A new table (as after a restart of udmd) starts there, not at 0.
  ASSERT_TRUE(t.dev->resume().has_value());
  ASSERT_TRUE(t.reload("region_size 256 max_recovery_rate 2048").has_value());
  const std::string s = t.status();
  std::uint64_t cur = 0;
  ASSERT_EQ(std::sscanf(s.c_str(), "raid1 2 aa %lu/", &cur), 1) << s;
  EXPECT_GE(cur, offset) << s;
  ASSERT_TRUE(t.reload("region_size 256").has_value());
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
  EXPECT_TRUE(t.legs_equal(0, 1));
}

TEST(Raid1, ACrashResyncsOnlyDirtyRegions) {
  Raid1Bed t;
  // A set as a crash leaves it: superblocks in sync, regions 2 and 9 dirty
  // in the bitmap, the legs differing there and (clean by the bitmap) in 12.
  {
    Raid1Bed first;
    first.make("nosync daemon_sleep 60000 region_size 2048");
    ASSERT_TRUE(first.dev->suspend(false).has_value());
    for (int i = 0; i < 2; ++i) std::memcpy(t.meta[i]->raw(), first.meta[i]->raw(), 1 * MiB);
  }
  for (int i = 0; i < 2; ++i) t.meta[i]->raw()[raid::BITS_OFFSET + 0] = std::byte{0x04};   // region 2
  for (int i = 0; i < 2; ++i) t.meta[i]->raw()[raid::BITS_OFFSET + 1] = std::byte{0x02};   // region 9
  std::memset(t.data[0]->raw() + 2 * MiB, 0x33, MiB);
  std::memset(t.data[0]->raw() + 9 * MiB + 512, 0x44, 512);
  std::memset(t.data[0]->raw() + 12 * MiB, 0x55, MiB);
  t.make("daemon_sleep 60000 region_size 2048");
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
  EXPECT_TRUE(t.legs_equal(0, 1, 0, 12 * MiB));
  EXPECT_FALSE(t.legs_equal(0, 1, 12 * MiB, MiB)) << "a clean region was resynced";
  EXPECT_EQ(std::to_integer<int>(t.data[1]->raw()[2 * MiB + 7]), 0x33) << "copied from the first leg";
}

TEST(Raid1, AFailedLegIsMarkedAndReadsGoOn) {
  Raid1Bed t;
  t.make("nosync region_size 2048");
  ASSERT_EQ(t.write(0, 2 * MiB, 0x5a), 0);
  t.data[0]->fail_with(EIO);
  int rc = -1;
  for (int i = 0; i < 8; ++i) {  // reads spread over legs: some hit the failed one first
    auto back = t.read(byte_count(i) * 65536, 65536, &rc);
    ASSERT_EQ(rc, 0);
    EXPECT_EQ(std::to_integer<int>(back[10]), 0x5a);
  }
  EXPECT_EQ(t.status(), "raid1 2 DA 32768/32768 idle 0 0 -");
  ASSERT_EQ(t.write(4 * MiB, 4096, 0x66), 0);  // writes go on degraded
  EXPECT_EQ(std::to_integer<int>(t.data[1]->raw()[4 * MiB]), 0x66);
  bool recorded = false;
  for (int i = 0; i < 2000 && !recorded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    recorded = t.sb(1).failed_bit(0);
  }
  EXPECT_TRUE(recorded) << "the surviving leg's superblock records the failure";
  // Both legs failing: the error reaches the reader.
  t.data[1]->fail_with(EIO);
  t.read(0, 4096, &rc);
  EXPECT_EQ(rc, -EIO);
}

// lvm2's degraded activation puts an error device where a missing image's
// _rmeta/_rimage was: the set loads with that leg failed, as dm-raid's does,
// and only too many unreadable legs refuse the table.
TEST(Raid1, AnUnreadableMetadataDeviceFailsItsLegAtLoad) {
  Raid1Bed t;
  t.make("nosync region_size 2048");
  ASSERT_EQ(t.write(0, MiB, 0x42), 0);
  t.meta[1]->fail_with(EIO);
  t.data[1]->fail_with(EIO);
  auto r = t.reload("region_size 2048");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(t.status().substr(0, 10), "raid1 2 AD");
  int rc = -1;
  auto back = t.read(0, 4096, &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(std::to_integer<int>(back[0]), 0x42);
  t.meta[0]->fail_with(EIO);
  EXPECT_FALSE(t.bed.table(Raid1Bed::table("region_size 2048")).has_value());
}

TEST(Raid1, ReplacedLegIsRecoveredWithRebuild) {
  Raid1Bed t;
  t.make("nosync region_size 2048");
  ASSERT_EQ(t.write(0, 16 * MiB, 0x77), 0);
  t.data[1]->fail_with(EIO);
  ASSERT_EQ(t.write(MiB, 4096, 0x78), 0);
  EXPECT_EQ(t.status(), "raid1 2 AD 32768/32768 idle 0 0 -");
  // A fresh leg in slot 1 (m2/d2), rebuilt from leg 0.
  ASSERT_TRUE(t.reload("nosync region_size 2048 rebuild 1", "2 /m0 /d0 /m2 /d2").has_value());
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
  EXPECT_EQ(std::memcmp(t.data[0]->raw(), t.data[2]->raw(), 16 * MiB), 0);
  EXPECT_EQ(std::to_integer<int>(t.data[2]->raw()[MiB]), 0x78);
  raid::Superblock s;
  std::vector<std::byte> head(4096);
  ASSERT_EQ(testing::sync_io(*t.meta[2], Op::read, 0, 4096, head.data()), 0);
  ASSERT_TRUE(raid::decode_superblock(head, s).has_value());
  EXPECT_EQ(s.array_position, 1u);
  EXPECT_EQ(s.disk_recovery_offset, raid::MAX_SECTOR);
  EXPECT_FALSE(s.failed_bit(1));
}

TEST(Raid1, RecoveryContinuesFromThePersistedOffset) {
  Raid1Bed t;
  std::memset(t.data[0]->raw(), 0x21, 16 * MiB);
  // 128 KiB regions at 2 MiB/s: 16 MiB take 8 s, so the suspend below lands mid-way.
  t.make("nosync region_size 256 max_recovery_rate 2048 rebuild 1");
  ASSERT_TRUE(t.wait_progress(1024)) << t.status();
  const std::uint64_t seen = t.progress();
  ASSERT_TRUE(t.dev->suspend(false).has_value());
  // What a status showed as recovered is on disk once the suspend returns.
  const std::uint64_t offset = t.sb(1).disk_recovery_offset;
  EXPECT_GE(offset, seen);
  EXPECT_LT(offset, ARRAY);
  EXPECT_EQ(offset % 256, 0u) << "whole regions only";
  EXPECT_EQ(t.sb(0).disk_recovery_offset, raid::MAX_SECTOR);
  // Below the offset leg 1 is taken as recovered: a byte changed there behind
  // the set's back stays changed unless the recovery starts over.
  t.data[1]->raw()[7] = std::byte{0x5c};
  // The same table again, unthrottled (a restarted udmd): `rebuild 1`
  // continues from the offset, it does not start over.
  ASSERT_TRUE(t.reload("nosync region_size 256 rebuild 1").has_value());
  EXPECT_GE(t.progress(), offset) << t.status();
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
  EXPECT_EQ(std::to_integer<int>(t.data[1]->raw()[7]), 0x5c) << "the recovery started over";
  const byte_count from = sectors_to_bytes(offset);
  EXPECT_TRUE(t.legs_equal(0, 1, from, 16 * MiB - from));
  EXPECT_TRUE(t.legs_equal(0, 1, 8, from - 8));
}

TEST(Raid1, LegsComeAndGoByANewTableLoadedWhileTheOldRuns) {
  // As lvconvert -m: the new table is built (and its metadata checked)
  // while the old set still runs, then swapped in; the count on disk follows.
  Raid1Bed t;
  std::memset(t.data[0]->raw(), 0x42, 16 * MiB);
  t.make("nosync region_size 2048");
  ASSERT_TRUE(t.reload("nosync region_size 2048", "3 /m0 /d0 /m1 /d1 /m2 /d2").has_value());
  ASSERT_TRUE(t.wait_status("raid1 3 AAA 32768/32768 idle 0 0 -")) << t.status();
  EXPECT_TRUE(t.legs_equal(0, 2));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.sb(i).num_devices, 3u) << i;
  ASSERT_TRUE(t.reload("nosync region_size 2048").has_value());
  EXPECT_EQ(t.status(), "raid1 2 AA 32768/32768 idle 0 0 -");
  EXPECT_EQ(t.sb(0).num_devices, 2u);
  EXPECT_EQ(t.sb(1).num_devices, 2u);
  // Other levels would need a reshape: refused.
  auto sb = kernel_superblock();  // raid5_ls, 3 devices
  std::memcpy(t.meta[2]->raw(), sb.data(), 4096);
  auto r = t.bed.table("0 12288 raid raid5_ls 3 128 region_size 2048 4 - /d0 - /d1 /m2 /d2 - -");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("holds a set of 3 devices, the table has 4"), std::string::npos)
      << r.error().message;
}

TEST(Raid1, MissingLegIsShownAndReadsUseTheOther) {
  Raid1Bed t;
  t.make("nosync region_size 2048", "2 /m0 /d0 - -");
  EXPECT_EQ(t.status(), "raid1 2 A- 32768/32768 idle 0 0 -");
  EXPECT_EQ(t.table_out(), "raid1 4 0 nosync region_size 2048 2 /m0 /d0 - -");
  ASSERT_EQ(t.write(0, 4096, 9), 0);
  EXPECT_EQ(std::to_integer<int>(t.read(0, 4096)[0]), 9);
}

TEST(Raid1, MetadataIsOptionalPerLeg) {
  Raid1Bed t;
  t.make("nosync region_size 2048", "2 /m0 /d0 - /d1");
  EXPECT_EQ(t.status(), "raid1 2 AA 32768/32768 idle 0 0 -");
  EXPECT_EQ(t.table_out(), "raid1 4 0 nosync region_size 2048 2 /m0 /d0 - /d1");
  ASSERT_EQ(t.write(MiB, 8192, 0x3c), 0);
  EXPECT_TRUE(t.legs_equal(0, 1));
  EXPECT_EQ(t.sb(0).num_devices, 2u);
  // No metadata at all: nothing says the set is in sync, so a rebuild is refused.
  EXPECT_FALSE(t.bed.table("0 32768 raid raid1 3 0 rebuild 1 2 - /d0 - /d1").has_value());
  EXPECT_TRUE(t.bed.table("0 32768 raid raid1 4 0 nosync rebuild 1 2 - /d0 - /d1").has_value());
}

TEST(Raid1, CheckCountsAndRepairFixesMismatches) {
  Raid1Bed t;
  t.make("nosync region_size 2048");
  std::memset(t.data[1]->raw() + 5 * MiB, 0x99, 4096);
  ASSERT_TRUE(t.msg("check").has_value());
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 128 0 -")) << t.status();
  EXPECT_FALSE(t.legs_equal(0, 1));
  ASSERT_TRUE(t.msg("REPAIR").has_value());  // dm-raid prints mismatches after a check only
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
  EXPECT_TRUE(t.legs_equal(0, 1));
  ASSERT_TRUE(t.msg("check").has_value());
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
}

TEST(Raid1, MessagesFollowTheKernelRules) {
  Raid1Bed t;
  t.make("nosync region_size 2048 max_recovery_rate 1024");
  EXPECT_EQ(t.msg("bogus").error().code, EINVAL);
  std::vector<std::string> two{"check", "now"};
  EXPECT_EQ(t.dev->message(0, two).error().code, EINVAL);
  ASSERT_TRUE(t.msg("check").has_value());  // 16 MiB at 1 MiB/s: still running below
  EXPECT_NE(t.status().find(" check "), std::string::npos) << t.status();
  EXPECT_EQ(t.msg("repair").error().code, EBUSY);
  EXPECT_EQ(t.msg("resync").error().code, EBUSY);
  ASSERT_TRUE(t.msg("frozen").has_value());
  EXPECT_NE(t.status().find(" frozen "), std::string::npos) << t.status();
  EXPECT_EQ(t.msg("check").error().code, EBUSY);
  ASSERT_TRUE(t.msg("idle").has_value());
  ASSERT_TRUE(t.wait_status("raid1 2 AA 32768/32768 idle 0 0 -")) << t.status();
  ASSERT_TRUE(t.msg("resync").has_value());
  ASSERT_TRUE(t.msg("recover").has_value());
}

TEST(Raid1, RefusesForeignAndBadMetadata) {
  Raid1Bed t;
  // Another level's superblock on leg 1.
  auto sb = kernel_superblock();
  put32(sb, 8, 2);
  put32(sb, 12, 1);
  std::memcpy(t.meta[1]->raw(), sb.data(), 4096);
  auto r = t.bed.table(Raid1Bed::table("nosync region_size 2048"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("holds a raid5_ls set, the table says raid1"), std::string::npos)
      << r.error().message;
  // A damaged one is refused and left as it is.
  std::memset(t.meta[1]->raw(), 0, 4096);
  t.meta[1]->raw()[0] = std::byte{0x13};
  r = t.bed.table(Raid1Bed::table("nosync region_size 2048"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("not a dm-raid superblock"), std::string::npos) << r.error().message;
  EXPECT_EQ(std::to_integer<int>(t.meta[1]->raw()[0]), 0x13);
  // Table errors.
  EXPECT_FALSE(t.bed.table("0 32768 raid raid9 1 0 2 /m0 /d0 /m1 /d1").has_value());
  EXPECT_FALSE(t.bed.table("0 32768 raid raid1 1 0 3 /m0 /d0 /m1 /d1").has_value());
  EXPECT_FALSE(t.bed.table("0 32768 raid raid1 3 0 rebuild 2 2 /m0 /d0 /m2 /d2").has_value());
  EXPECT_FALSE(t.bed.table("0 32768 raid raid1 2 0 region_size 2 /m0 /d0 /m2 /d2").has_value());
  EXPECT_FALSE(t.bed.table("0 32768 raid raid1 1 0 2 - - - -").has_value());
}

}  // namespace
}  // namespace udm::targets

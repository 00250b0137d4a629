// raid0/4/5/6/10: MD's stripe layouts against tables worked out by hand,
// GF(2^8) arithmetic, and sets on MemoryDevices: data reads back, a missing
// or failing device is reconstructed from parity, resync writes parity,
// recovery rebuilds a replaced device.
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "raid/layout.hpp"
#include "raid/raid_type.hpp"
#include "testing.hpp"

namespace udm::targets {
namespace {

using io::Op;
using raid::map_parity;
using testing::TestBed;

// Chunk numbers laid out on 4 devices (P = parity), row by row:
//   raid5_ls (left symmetric)     raid5_la (left asymmetric)    raid6_zr
//   0  1  2  P                    0  1  2  P                    P  Q  0  1
//   4  5  P  3                    3  4  P  5                    2  P  Q  3
//   8  P  6  7                    6  P  7  8                    4  5  P  Q
//   P  9 10 11                    P  9 10 11                    Q  6  7  P
TEST(RaidLayout, Raid5LeftSymmetricByHand) {
  struct Want {
    unsigned chunk, disk, row, parity;
  } want[] = {
      {0, 0, 0, 3}, {1, 1, 0, 3}, {2, 2, 0, 3},   //
      {3, 3, 1, 2}, {4, 0, 1, 2}, {5, 1, 1, 2},   //
      {6, 2, 2, 1}, {7, 3, 2, 1}, {8, 0, 2, 1},   //
      {9, 1, 3, 0}, {10, 2, 3, 0}, {11, 3, 3, 0},
  };
  for (const auto& w : want) {
    auto m = map_parity(5, raid::LEFT_SYMMETRIC, 4, 8, w.chunk * 8 + 3);
    EXPECT_EQ(m.data_disk, w.disk) << "chunk " << w.chunk;
    EXPECT_EQ(m.stripe, w.row) << "chunk " << w.chunk;
    EXPECT_EQ(m.p_disk, w.parity) << "chunk " << w.chunk;
    EXPECT_EQ(m.dev_sector, w.row * 8 + 3) << "chunk " << w.chunk;
    EXPECT_EQ(m.q_disk, -1);
  }
}

TEST(RaidLayout, Raid5LeftAsymmetricRaid4AndRaid6ZrByHand) {
  const unsigned la[12] = {0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3};
  for (unsigned c = 0; c < 12; ++c) EXPECT_EQ(map_parity(5, raid::LEFT_ASYMMETRIC, 4, 8, c * 8).data_disk, la[c]) << c;
  for (unsigned c = 0; c < 12; ++c) {
    auto m = map_parity(4, raid::PARITY_N, 4, 8, c * 8);
    EXPECT_EQ(m.data_disk, c % 3);
    EXPECT_EQ(m.p_disk, 3u);
  }
  const unsigned zr[8] = {2, 3, 0, 3, 0, 1, 1, 2};
  const unsigned zr_p[4] = {0, 1, 2, 3};
  const int zr_q[4] = {1, 2, 3, 0};
  for (unsigned c = 0; c < 8; ++c) {
    auto m = map_parity(6, raid::ROTATING_ZERO_RESTART, 4, 8, c * 8);
    EXPECT_EQ(m.data_disk, zr[c]) << c;
    EXPECT_EQ(m.p_disk, zr_p[c / 2]) << c;
    EXPECT_EQ(m.q_disk, zr_q[c / 2]) << c;
  }
  // raid10 near, 2 copies on 3 devices: chunk 0 on 0,1; 1 on 2 and 0 (next row); 2 on 1,2.
  auto c1 = raid::map_raid10(3, 2, 8, 8 + 1);
  ASSERT_EQ(c1.size(), 2u);
  EXPECT_EQ(c1[0].disk, 2u);
  EXPECT_EQ(c1[0].dev_sector, 1u);
  EXPECT_EQ(c1[1].disk, 0u);
  EXPECT_EQ(c1[1].dev_sector, 9u);
}

TEST(RaidLayout, GaloisField) {
  EXPECT_EQ(raid::gf_pow2(8), 0x1d);  // x^8 = x^4 + x^3 + x^2 + 1
  EXPECT_EQ(raid::gf_mul(2, 0x80), 0x1d);
  for (unsigned a = 1; a < 256; ++a) EXPECT_EQ(raid::gf_mul(static_cast<std::uint8_t>(a), raid::gf_inv(static_cast<std::uint8_t>(a))), 1) << a;
  std::vector<std::byte> d(4, std::byte{3}), s(4, std::byte{0x80});
  raid::mul_xor_into(d, s, 2);
  EXPECT_EQ(std::to_integer<int>(d[0]), 3 ^ 0x1d);
}

constexpr byte_count MiB = 1 << 20;

struct SetBed {
  TestBed bed;
  std::vector<std::shared_ptr<io::MemoryDevice>> meta, data;
  core::MappedDevicePtr dev;
  sector_t sectors = 0;

  SetBed(unsigned n, byte_count leg_bytes) {
    for (unsigned i = 0; i < n + 1; ++i) {
      meta.push_back(bed.memory("/m" + std::to_string(i), MiB));
      data.push_back(bed.memory("/d" + std::to_string(i), leg_bytes));
    }
  }
  std::string table(const std::string& type, unsigned data_legs, const std::string& params, const std::string& legs) {
    std::size_t words = params.empty() ? 1 : 2;
    for (char c : params) words += c == ' ';
    sectors = data[0]->size() / 512 * data_legs;
    return "0 " + std::to_string(sectors) + " raid " + type + " " + std::to_string(words) + " 128 " + params + " " + legs;
  }
  void make(const std::string& text) {
    dev = bed.make("s", text);
    ASSERT_TRUE(dev);
  }
  Result<void> reload(const std::string& text) {
    auto lines = core::parse_table_text(text, "test");
    if (!lines) return fail(lines.error());
    auto t = bed.devices.build_table(*lines, false, *dev);
    if (!t) return fail(t.error());
    if (auto s = dev->suspend(false); !s) return s;
    dev->load(std::move(*t));
    return dev->resume();
  }
  std::string status() { return dev->status(core::StatusType::info, false).at(0).text; }
  bool wait_status(const std::string& want) {
    for (int i = 0; i < 2000; ++i) {
      if (status() == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  std::vector<std::byte> pattern(std::uint32_t seed) {
    std::vector<std::byte> p(sectors * 512);
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < p.size(); i += 4) {
      const std::uint32_t v = rng();
      std::memcpy(p.data() + i, &v, 4);
    }
    return p;
  }
  void write_all(const std::vector<std::byte>& p) {
    for (byte_count off = 0; off < p.size(); off += 192 * 1024)
      ASSERT_EQ(testing::sync_io(*dev, Op::write, off, std::min<byte_count>(192 * 1024, p.size() - off),
                                 const_cast<std::byte*>(p.data()) + off), 0);
  }
  bool reads_back(const std::vector<std::byte>& p) {
    std::vector<std::byte> buf(p.size());
    for (byte_count off = 0; off < p.size(); off += 40 * 1024) {
      const byte_count n = std::min<byte_count>(40 * 1024, p.size() - off);
      if (testing::sync_io(*dev, Op::read, off, n, buf.data() + off) != 0) return false;
    }
    return buf == p;
  }
};

TEST(Raid0, StripesLikeMd) {
  SetBed t(2, 2 * MiB);
  t.make(t.table("raid0", 2, "", "2 - /d0 - /d1"));
  EXPECT_EQ(t.status(), "raid0 2 AA 4096/4096 idle 0 0 -");
  EXPECT_EQ(t.dev->status(core::StatusType::table, false).at(0).text, "raid0 1 128 2 - /d0 - /d1");
  auto p = t.pattern(1);
  t.write_all(p);
  EXPECT_TRUE(t.reads_back(p));
  // Chunk 1 (64 KiB) is the first chunk of device 1.
  EXPECT_EQ(std::memcmp(t.data[1]->raw(), p.data() + 65536, 65536), 0);
  EXPECT_EQ(t.dev->message(0, std::vector<std::string>{"check"}).error().code, EINVAL);
}

TEST(Raid5, ReadsBackThroughAMissingAndAFailingDevice) {
  SetBed t(3, 2 * MiB);
  t.make(t.table("raid5_ls", 2, "region_size 1024", "3 /m0 /d0 /m1 /d1 /m2 /d2"));
  ASSERT_TRUE(t.wait_status("raid5_ls 3 AAA 4096/4096 idle 0 0 -")) << t.status();
  auto p = t.pattern(2);
  t.write_all(p);
  EXPECT_TRUE(t.reads_back(p));
  // Parity on the device the layout says: row 0's P is device 2.
  for (std::size_t i = 0; i < 65536; ++i)
    ASSERT_EQ(t.data[2]->raw()[i], p[i] ^ p[65536 + i]) << i;
  t.data[1]->fail_with(EIO);
  EXPECT_TRUE(t.reads_back(p));
  EXPECT_EQ(t.status(), "raid5_ls 3 ADA 4096/4096 idle 0 0 -");
  // Writes go on degraded and read back.
  auto q = t.pattern(3);
  t.write_all(q);
  EXPECT_TRUE(t.reads_back(q));
  // The device replaced by zeroes and marked missing: still every byte.
  std::memset(t.data[1]->raw(), 0, 2 * MiB);
  t.data[1]->fail_with(0);
  ASSERT_TRUE(t.reload(t.table("raid5_ls", 2, "region_size 1024", "3 /m0 /d0 - - /m2 /d2")).has_value());
  EXPECT_EQ(t.status(), "raid5_ls 3 A-A 4096/4096 idle 0 0 -");
  EXPECT_TRUE(t.reads_back(q));
  // A new device in slot 1, rebuilt.
  ASSERT_TRUE(t.reload(t.table("raid5_ls", 2, "region_size 1024 rebuild 1", "3 /m0 /d0 /m3 /d3 /m2 /d2")).has_value());
  ASSERT_TRUE(t.wait_status("raid5_ls 3 AAA 4096/4096 idle 0 0 -")) << t.status();
  t.data[0]->fail_with(EIO);
  EXPECT_TRUE(t.reads_back(q)) << "the rebuilt device and parity rebuild device 0";
}

TEST(Raid5, ResyncWritesParityAndCheckCountsMismatches) {
  SetBed t(3, MiB);
  std::memset(t.data[0]->raw(), 0x12, MiB);
  std::memset(t.data[1]->raw(), 0x34, MiB);
  t.make(t.table("raid5_la", 2, "region_size 1024", "3 /m0 /d0 /m1 /d1 /m2 /d2"));
  ASSERT_TRUE(t.wait_status("raid5_la 3 AAA 2048/2048 idle 0 0 -")) << t.status();
  EXPECT_EQ(std::to_integer<int>(t.data[2]->raw()[5]), 0x12 ^ 0x34);
  t.data[2]->raw()[5] = std::byte{0};  // row 0's parity
  ASSERT_TRUE(t.dev->message(0, std::vector<std::string>{"check"}).has_value());
  ASSERT_TRUE(t.wait_status("raid5_la 3 AAA 2048/2048 idle 128 0 -")) << t.status();
  ASSERT_TRUE(t.dev->message(0, std::vector<std::string>{"repair"}).has_value());
  ASSERT_TRUE(t.wait_status("raid5_la 3 AAA 2048/2048 idle 0 0 -")) << t.status();
  EXPECT_EQ(std::to_integer<int>(t.data[2]->raw()[5]), 0x12 ^ 0x34);
}

TEST(Raid6, TwoMissingDevicesAreRebuiltFromPAndQ) {
  for (unsigned a = 0; a < 4; ++a)
    for (unsigned b = a + 1; b < 4; ++b) {
      SetBed t(4, MiB);
      t.make(t.table("raid6_zr", 2, "nosync region_size 1024", "4 /m0 /d0 /m1 /d1 /m2 /d2 /m3 /d3"));
      auto p = t.pattern(4 + a * 4 + b);
      t.write_all(p);
      EXPECT_TRUE(t.reads_back(p));
      std::string text = "4";
      for (unsigned i = 0; i < 4; ++i)
        text += (i == a || i == b) ? " - -" : " /m" + std::to_string(i) + " /d" + std::to_string(i);
      ASSERT_TRUE(t.reload(t.table("raid6_zr", 2, "nosync region_size 1024", text)).has_value());
      EXPECT_TRUE(t.reads_back(p)) << "devices " << a << " and " << b << " missing";
      // Writes while both are missing read back too.
      auto q = t.pattern(100 + a * 4 + b);
      t.write_all(q);
      EXPECT_TRUE(t.reads_back(q)) << "devices " << a << " and " << b << " missing, after writes";
    }
}

TEST(Raid10, NearCopiesSurviveALostDevice) {
  SetBed t(4, MiB);
  t.make(t.table("raid10", 2, "nosync region_size 1024", "4 /m0 /d0 /m1 /d1 /m2 /d2 /m3 /d3"));
  auto p = t.pattern(5);
  t.write_all(p);
  EXPECT_EQ(std::memcmp(t.data[0]->raw(), t.data[1]->raw(), MiB), 0);  // 4 devices, 2 copies: 0=1, 2=3
  t.data[2]->fail_with(EIO);
  EXPECT_TRUE(t.reads_back(p));
  EXPECT_EQ(t.status(), "raid10 4 AADA 2048/2048 idle 0 0 -");
}

}  // namespace
}  // namespace udm::targets

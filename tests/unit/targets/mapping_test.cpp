// Each target's mapping, checked against an independently computed reference:
// patterns are written through the mapped device into MemoryDevices and every
// byte is checked where the reference formula says it must land.
#include <random>

#include "testing.hpp"

namespace udm::targets {
namespace {

using io::Op;
using testing::sync_io;
using testing::TestBed;

// Writes the whole device in random-sized requests (1..40 sectors), so
// requests cross chunk and target boundaries at many different places.
std::vector<std::byte> fill_randomly(io::BlockDevice& d, std::uint32_t seed) {
  const byte_count size = d.size();
  auto data = testing::pattern(size, seed);
  std::mt19937 rng(seed);
  for (byte_count pos = 0; pos < size;) {
    byte_count n = std::min<byte_count>(size - pos, (rng() % 40 + 1) * SECTOR_SIZE);
    EXPECT_EQ(sync_io(d, Op::write, pos, n, data.data() + pos), 0);
    pos += n;
  }
  return data;
}

void read_back_randomly(io::BlockDevice& d, const std::vector<std::byte>& expected, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const sector_t sectors = bytes_to_sectors(d.size());
  for (int i = 0; i < 200; ++i) {
    sector_t s = rng() % sectors;
    sector_t n = std::min<sector_t>(sectors - s, rng() % 64 + 1);
    std::vector<std::byte> buf(sectors_to_bytes(n));
    ASSERT_EQ(sync_io(d, Op::read, sectors_to_bytes(s), buf.size(), buf.data()), 0);
    ASSERT_EQ(std::memcmp(buf.data(), expected.data() + sectors_to_bytes(s), buf.size()), 0) << "sector " << s;
  }
}

TEST(LinearMapping, BytesLandAtOffsetPlusRelativeSector) {
  TestBed bed;
  auto a = bed.memory("/dev/a", 256 * 512);
  auto b = bed.memory("/dev/b", 256 * 512);
  struct Seg {
    sector_t start, length;
    io::MemoryDevice* dev;
    sector_t offset;
  };
  const std::vector<Seg> segs{{0, 37, a.get(), 5}, {37, 100, b.get(), 150}, {137, 3, a.get(), 200}, {140, 61, b.get(), 0}};
  auto d = bed.make("lin", "0 37 linear /dev/a 5\n37 100 linear /dev/b 150\n137 3 linear /dev/a 200\n140 61 linear /dev/b 0");
  ASSERT_EQ(d->size(), 201u * 512);
  auto data = fill_randomly(*d, 11);
  for (const auto& seg : segs)
    for (sector_t s = seg.start; s < seg.start + seg.length; ++s)
      ASSERT_EQ(std::memcmp(seg.dev->raw() + sectors_to_bytes(seg.offset + s - seg.start), data.data() + sectors_to_bytes(s), 512), 0)
          << "sector " << s;
  read_back_randomly(*d, data, 12);
}

struct StripedCase {
  std::uint32_t stripes;
  sector_t chunk;
  sector_t chunks_per_stripe;
};

class StripedMapping : public ::testing::TestWithParam<StripedCase> {};

TEST_P(StripedMapping, BytesLandWhereTheStripeFormulaSays) {
  const auto p = GetParam();
  TestBed bed;
  const sector_t per_stripe = p.chunk * p.chunks_per_stripe;
  const sector_t length = per_stripe * p.stripes;
  std::vector<std::shared_ptr<io::MemoryDevice>> devs;
  std::vector<sector_t> offsets;
  std::string line = "0 " + std::to_string(length) + " striped " + std::to_string(p.stripes) + " " + std::to_string(p.chunk);
  for (std::uint32_t i = 0; i < p.stripes; ++i) {
    offsets.push_back(3 * i + 1);  // odd, different offsets per stripe
    devs.push_back(bed.memory("/dev/s" + std::to_string(i), sectors_to_bytes(per_stripe + offsets[i] + 7)));
    line += " /dev/s" + std::to_string(i) + " " + std::to_string(offsets[i]);
  }
  auto d = bed.make("striped", line);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), sectors_to_bytes(length));
  auto data = fill_randomly(*d, 21 + p.stripes);

  // Reference: computed here, independently of the target's own code.
  for (sector_t s = 0; s < length; ++s) {
    const sector_t chunk_index = s / p.chunk;
    const std::uint32_t stripe = chunk_index % p.stripes;
    const sector_t phys = offsets[stripe] + (chunk_index / p.stripes) * p.chunk + s % p.chunk;
    ASSERT_EQ(std::memcmp(devs[stripe]->raw() + sectors_to_bytes(phys), data.data() + sectors_to_bytes(s), 512), 0)
        << "sector " << s << " stripe " << stripe << " phys " << phys;
  }
  read_back_randomly(*d, data, 22);

  // write_zeroes over an unaligned range zeroes exactly the mapped sectors.
  const sector_t zs = p.chunk / 2 + 1, zn = std::min<sector_t>(length - zs, 3 * p.chunk + 2);
  ASSERT_EQ(sync_io(*d, Op::write_zeroes, sectors_to_bytes(zs), sectors_to_bytes(zn)), 0);
  std::vector<std::byte> all(sectors_to_bytes(length));
  ASSERT_EQ(sync_io(*d, Op::read, 0, all.size(), all.data()), 0);
  for (sector_t s = 0; s < length; ++s) {
    const bool zeroed = s >= zs && s < zs + zn;
    const std::byte* want = data.data() + sectors_to_bytes(s);
    std::vector<std::byte> zeros(512);
    ASSERT_EQ(std::memcmp(all.data() + sectors_to_bytes(s), zeroed ? zeros.data() : want, 512), 0) << "sector " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, StripedMapping,
                         ::testing::Values(StripedCase{1, 8, 5}, StripedCase{2, 8, 9}, StripedCase{2, 1, 33},
                                           StripedCase{3, 7, 5}, StripedCase{3, 128, 2}, StripedCase{3, 24, 3},
                                           StripedCase{5, 3, 7}, StripedCase{5, 16, 3}, StripedCase{5, 5, 1}),
                         [](const auto& info) {
                           return "stripes" + std::to_string(info.param.stripes) + "_chunk" +
                                  std::to_string(info.param.chunk) + "_x" +
                                  std::to_string(info.param.chunks_per_stripe);
                         });

TEST(StripedStatus, HealthShowsDForAStripeThatSawAnError) {
  TestBed bed;
  auto a = std::make_shared<io::MemoryDevice>(1 << 20, "8:16");
  auto b = std::make_shared<io::MemoryDevice>(1 << 20, "8:32");
  bed.backing["/dev/sdb"] = a;
  bed.backing["/dev/sdc"] = b;
  auto d = bed.make("s", "0 256 striped 2 128 /dev/sdb 0 /dev/sdc 0");
  EXPECT_EQ(d->status(core::StatusType::table, false)[0].text, "2 128 8:16 0 8:32 0");
  EXPECT_EQ(d->status(core::StatusType::info, false)[0].text, "2 8:16 8:32 1 AA");
  std::vector<std::byte> buf(512);
  b->fail_with(EIO);
  EXPECT_EQ(sync_io(*d, Op::read, 0, 512, buf.data()), 0);  // stripe 0: fine
  EXPECT_EQ(d->status(core::StatusType::info, false)[0].text, "2 8:16 8:32 1 AA");
  EXPECT_EQ(sync_io(*d, Op::read, 128 * 512, 512, buf.data()), -EIO);  // stripe 1
  EXPECT_EQ(d->status(core::StatusType::info, false)[0].text, "2 8:16 8:32 1 AD");
  EXPECT_EQ(d->info(false).event_nr, 1u);  // the error raised a device event
  b->fail_with(0);
  EXPECT_EQ(d->status(core::StatusType::info, false)[0].text, "2 8:16 8:32 1 AD");  // sticky, as Linux
}

TEST(LinearStatus, TableTextIsMajMinAndOffset) {
  TestBed bed;
  bed.backing["/dev/sdb"] = std::make_shared<io::MemoryDevice>(1 << 22, "8:16");
  auto d = bed.make("l", "0 16 linear /dev/sdb 2048");
  EXPECT_EQ(d->status(core::StatusType::table, false)[0].text, "8:16 2048");
  EXPECT_EQ(d->status(core::StatusType::info, false)[0].text, "");
  auto deps = d->deps(false);
  EXPECT_TRUE(deps.empty());  // a MemoryDevice has no device number
}

TEST(ZeroTarget, ReadsZerosAndDropsWrites) {
  TestBed bed;
  auto d = bed.make("z", "0 16 zero");
  auto data = testing::pattern(4096, 5);
  EXPECT_EQ(sync_io(*d, Op::write, 0, 4096, data.data()), 0);
  std::vector<std::byte> back(4096, std::byte{0xff});
  EXPECT_EQ(sync_io(*d, Op::read, 0, 4096, back.data()), 0);
  EXPECT_EQ(back, std::vector<std::byte>(4096));
  EXPECT_EQ(sync_io(*d, Op::discard, 0, 4096), 0);
  EXPECT_EQ(sync_io(*d, Op::write_zeroes, 0, 4096), 0);
  EXPECT_EQ(sync_io(*d, Op::flush, 0, 0), 0);
  EXPECT_EQ(d->status(core::StatusType::table, false)[0].text, "");
}

TEST(ErrorTarget, EveryIoFailsWithEio) {
  TestBed bed;
  bed.memory("/dev/a", 1 << 20);
  auto d = bed.make("e", "0 16 error\n16 16 error /dev/a 0\n32 8 error any number of words");
  std::vector<std::byte> buf(4096);
  for (Op op : {Op::read, Op::write, Op::discard, Op::write_zeroes})
    for (byte_count off : {0u, 16u * 512, 32u * 512})
      EXPECT_EQ(sync_io(*d, op, off, 2048, op == Op::read || op == Op::write ? buf.data() : nullptr), -EIO)
          << io::op_name(op) << " at " << off;
  EXPECT_EQ(d->status(core::StatusType::table, false)[1].text, "");
}

}  // namespace
}  // namespace udm::targets

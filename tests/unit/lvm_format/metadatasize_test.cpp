// pvcreate's layout for --metadatasize / --dataalignment / --pvmetadatacopies,
// checked against what real lvm2 2.03.16 wrote (pvck --dump headers on a
// 20 GiB loop device): mda #1 is [4096, pe_start), pe_start is 4096 + the size
// rounded up to the alignment, mda #2 starts the size before the device end,
// aligned down.
#include <gtest/gtest.h>

#include "lvm/format/store.hpp"

using namespace udm;
using namespace udm::lvm::format;

namespace {

constexpr byte_count KIB = 1024, MIB = 1 << 20;

PvLabel create(byte_count dev_size, const PvCreateOptions& o, Error* error = nullptr) {
  MemoryPvDevice disk("/dev/x", dev_size);
  auto st = MetadataStore::scan({"/dev/x"}, true, [&](const std::string&, bool) -> Result<PvDevicePtr> {
    return PvDevicePtr(std::make_unique<FaultyPvDevice>(disk, std::make_shared<long>(1L << 40)));
  });
  EXPECT_TRUE(st.has_value());
  auto r = st->create_pv("/dev/x", o);
  if (!r) {
    if (error) *error = r.error();
    return {};
  }
  return *r;
}

PvCreateOptions opts(byte_count size, byte_count align, unsigned copies = 1) {
  PvCreateOptions o;
  o.metadata_size = size;
  if (align) o.data_alignment = align;
  o.metadata_copies = copies;
  return o;
}

}  // namespace

TEST(LvmMetadataSize, LayoutAsLvm2) {
  struct Case {
    byte_count size, align, mda1, pe_start, mda2;
  } cases[] = {
      {0, 0, 1044480, MIB, 1044480},                    // the default
      {100 * KIB, 0, 1044480, MIB, 100 * KIB},          // smaller than the default still gives 1 MiB
      {MIB, 0, 2093056, 2 * MIB, MIB},                  // 4096 + 1 MiB rounds up to 2 MiB
      {16 * MIB, 0, 17821696, 17 * MIB, 16 * MIB},
      {3000 * KIB, 0, 3141632, 3 * MIB, 3000 * KIB},
      {5 * MIB, 4 * MIB, 8384512, 8 * MIB, 5 * MIB},
      {32 * KIB, 64 * KIB, 61440, 64 * KIB, 32 * KIB},
      {0, 3 * KIB, 1046528, 1050624, 1044480},
      {2048 * MIB, 0, 2148528128, 2148532224, 2048 * MIB},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "size " << c.size << " align " << c.align);
    const PvLayout l = pv_layout(opts(c.size, c.align));
    EXPECT_EQ(l.mda_size, c.mda1);
    EXPECT_EQ(l.pe_start, c.pe_start);
    EXPECT_EQ(l.mda2_size, c.mda2);
  }
}

TEST(LvmMetadataSize, LabelWithTwoCopies) {
  const byte_count dev = 64 * MIB;  // memory device; lvm2's figures were on 20 GiB
  PvLabel l = create(dev, opts(16 * MIB, 0, 2));
  ASSERT_EQ(l.metadata_areas.size(), 2u);
  EXPECT_EQ(l.metadata_areas[0], (DiskLocn{4096, 17821696}));
  EXPECT_EQ(l.metadata_areas[1], (DiskLocn{dev - 16 * MIB, 16 * MIB}));  // 20 GiB - 16 MiB with lvm2
  ASSERT_EQ(l.data_areas.size(), 1u);
  EXPECT_EQ(l.data_areas[0].offset, 17 * MIB);
  l = create(dev, opts(5 * MIB, 4 * MIB, 2));
  EXPECT_EQ(l.metadata_areas[1], (DiskLocn{dev - 8 * MIB, 8 * MIB}));  // 20 GiB - 8 MiB with lvm2
  // 3 KiB alignment: lvm2 put mda #2 at 21473789952 (20 GiB - 1046528, on a 3 KiB boundary).
  l = create(20 * MIB, opts(0, 3 * KIB, 2));  // 20 MiB and 20 GiB leave the same remainder
  EXPECT_EQ(l.metadata_areas[1], (DiskLocn{20 * MIB - 1046528, 1046528}));
}

TEST(LvmMetadataSize, TooSmallAreaRefusedInLvm2Words) {
  auto r = check_pv_create_options("/dev/x", opts(10 * KIB, 3 * KIB));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "Metadata area size too small: 11264 bytes. It must be at least 32768 bytes.\n"
            "Not enough space available for metadata area with index 0 on PV /dev/x.\n"
            "Failed to add metadata area for new physical volume /dev/x\n"
            "Failed to setup physical volume \"/dev/x\".");
  // No mda at all needs no minimum; 32 KiB is enough.
  EXPECT_TRUE(check_pv_create_options("/dev/x", opts(10 * KIB, 3 * KIB, 0)).has_value());
  EXPECT_TRUE(check_pv_create_options("/dev/x", opts(32 * KIB, 36 * KIB)).has_value());
}

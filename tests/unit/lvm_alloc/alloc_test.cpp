// Allocation policies and size rules. The first cases replay what real lvm
// 2.03.16 did on a 2-PV VG (15 extents each): lv0 -L10M at pv0:0, a 2-stripe
// LV at pv0:3 + pv1:0, lv-x -l3 at pv0:5, lv0 +8M continued at pv0:8.
#include <gtest/gtest.h>

#include "lvm/alloc/alloc.hpp"
#include "lvm/alloc/sizes.hpp"

namespace udm::lvm::alloc {
namespace {

VolumeGroup make_vg(unsigned pvs, extent_t pe_count) {
  VolumeGroup vg;
  vg.name = "vg0";
  vg.id = generate_id();
  for (unsigned i = 0; i < pvs; ++i) {
    PhysicalVolume pv;
    pv.name = "pv" + std::to_string(i);
    pv.id = generate_id();
    pv.device = "/dev/loop" + std::to_string(i);
    pv.pe_start = 2048;
    pv.pe_count = pe_count;
    pv.dev_size = 2048 + pe_count * vg.extent_size;
    vg.pvs.push_back(pv);
  }
  return vg;
}

LogicalVolume& add_lv(VolumeGroup& vg, const std::string& name, Request req) {
  LogicalVolume lv;
  lv.name = name;
  lv.id = generate_id();
  auto segs = allocate(vg, nullptr, req);
  EXPECT_TRUE(segs) << segs.error().message;
  if (segs) lv.segments = *segs;
  vg.lvs.push_back(lv);
  return vg.lvs.back();
}

TEST(LvmAlloc, ReplaysRealLvmLayout) {
  VolumeGroup vg = make_vg(2, 15);
  add_lv(vg, "lv0", {.extents = 3});
  add_lv(vg, "str", {.extents = 4, .stripes = 2, .stripe_size = 128});
  add_lv(vg, "lv-x", {.extents = 3});
  ASSERT_TRUE(extend_lv(vg, "lv0", {.extents = 2}));
  EXPECT_TRUE(validate(vg)) << validate(vg).error().message;

  const auto& lv0 = *vg.find_lv("lv0");
  ASSERT_EQ(lv0.segments.size(), 2u);
  EXPECT_EQ(lv0.segments[0].stripes, (std::vector<SegmentArea>{{"pv0", 0}}));
  EXPECT_EQ(lv0.segments[1].start_extent, 3u);
  EXPECT_EQ(lv0.segments[1].stripes, (std::vector<SegmentArea>{{"pv0", 8}}));
  const auto& str = *vg.find_lv("str");
  ASSERT_EQ(str.segments.size(), 1u);
  EXPECT_EQ(str.segments[0].stripes, (std::vector<SegmentArea>{{"pv0", 3}, {"pv1", 0}}));
  EXPECT_EQ(str.segments[0].stripe_size, 128u);
  EXPECT_EQ(vg.find_lv("lv-x")->segments[0].stripes, (std::vector<SegmentArea>{{"pv0", 5}}));
}

TEST(LvmAlloc, ExtensionContinuesAndMerges) {
  VolumeGroup vg = make_vg(1, 100);
  add_lv(vg, "a", {.extents = 10});
  ASSERT_TRUE(extend_lv(vg, "a", {.extents = 5}));
  const auto& a = *vg.find_lv("a");
  ASSERT_EQ(a.segments.size(), 1u);
  EXPECT_EQ(a.segments[0].extent_count, 15u);
}

TEST(LvmAlloc, InsufficientSpaceMessage) {
  VolumeGroup vg = make_vg(2, 15);
  add_lv(vg, "a", {.extents = 12});
  auto r = allocate(vg, nullptr, {.extents = 251});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOSPC);
  EXPECT_EQ(r.error().message, "Insufficient free space: 251 extents needed, but only 18 available");
}

TEST(LvmAlloc, StripesNeedDistinctPvsUnlessAnywhere) {
  VolumeGroup vg = make_vg(1, 100);
  add_lv(vg, "a", {.extents = 10});
  add_lv(vg, "b", {.extents = 10});
  vg.lvs.erase(vg.lvs.begin());  // two free runs on pv0: 0-9 and 20-99
  EXPECT_FALSE(allocate(vg, nullptr, {.extents = 4, .stripes = 2, .stripe_size = 128}));
  auto r = allocate(vg, nullptr,
                    {.extents = 4, .stripes = 2, .stripe_size = 128, .policy = AllocationPolicy::anywhere});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].stripes.size(), 2u);
}

TEST(LvmAlloc, ContiguousNeedsOneRun) {
  VolumeGroup vg = make_vg(1, 10);
  add_lv(vg, "a", {.extents = 3});
  add_lv(vg, "b", {.extents = 3});
  vg.lvs.erase(vg.lvs.begin());  // free 0-2, 6-9
  auto r = allocate(vg, nullptr, {.extents = 5, .policy = AllocationPolicy::contiguous});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOSPC);
  auto ok = allocate(vg, nullptr, {.extents = 4, .policy = AllocationPolicy::contiguous});
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)[0].stripes[0].start, 6u);
  // normal splits across the two runs, whole-fit first
  auto split = allocate(vg, nullptr, {.extents = 5});
  ASSERT_TRUE(split);
  EXPECT_EQ(split->size(), 2u);
}

TEST(LvmAlloc, ClingStaysOnThePvsOfTheLv) {
  VolumeGroup vg = make_vg(2, 10);
  add_lv(vg, "a", {.extents = 8, .pv_names = {"pv0"}});
  add_lv(vg, "b", {.extents = 1, .pv_names = {"pv0"}});
  Request more{.extents = 3, .policy = AllocationPolicy::cling};
  EXPECT_FALSE(extend_lv(vg, "a", more));  // pv0 has 1 left
  more.extents = 1;
  ASSERT_TRUE(extend_lv(vg, "a", more));
  EXPECT_EQ(vg.find_lv("a")->segments.back().stripes[0].name, "pv0");
  ASSERT_TRUE(extend_lv(vg, "a", {.extents = 3}));  // normal may use pv1
  EXPECT_EQ(vg.find_lv("a")->segments.back().stripes[0].name, "pv1");
}

TEST(LvmAlloc, ReduceCutsTheTail) {
  VolumeGroup vg = make_vg(1, 20);
  add_lv(vg, "a", {.extents = 3});
  add_lv(vg, "b", {.extents = 2});
  ASSERT_TRUE(extend_lv(vg, "a", {.extents = 4}));
  ASSERT_EQ(vg.find_lv("a")->segments.size(), 2u);
  ASSERT_TRUE(reduce_lv(vg, "a", 2));
  EXPECT_EQ(vg.find_lv("a")->segments.size(), 1u);
  EXPECT_EQ(vg.find_lv("a")->extent_count(), 2u);
  EXPECT_TRUE(validate(vg));
}

TEST(LvmAlloc, FreeAreasSkipUnallocatablePvs) {
  VolumeGroup vg = make_vg(2, 10);
  vg.pvs[0].status.remove("ALLOCATABLE");
  auto areas = free_areas(vg);
  ASSERT_EQ(areas.size(), 1u);
  EXPECT_EQ(areas[0].pv_index, 1u);
}

TEST(LvmAllocSizes, ParseSize) {
  EXPECT_EQ(parse_size("10")->sectors, 20480u);
  EXPECT_EQ(parse_size("5M")->sectors, 10240u);  // upper case is binary too
  EXPECT_EQ(parse_size("1.5g")->sectors, 3145728u);
  EXPECT_EQ(parse_size("512b")->sectors, 1u);
  EXPECT_EQ(parse_size("7s")->sectors, 7u);
  EXPECT_EQ(parse_size("+4m")->sign, Sign::plus);
  EXPECT_EQ(parse_size("-1G")->sign, Sign::minus);
  EXPECT_FALSE(parse_size("x"));
  EXPECT_FALSE(parse_size("4q"));
  EXPECT_FALSE(parse_size("1.2.3"));
}

TEST(LvmAllocSizes, ParseExtents) {
  auto a = parse_extents("100%FREE");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->percent, Percent::free);
  EXPECT_EQ(a->value, 100u);
  EXPECT_EQ(parse_extents("50%vg")->percent, Percent::vg);
  EXPECT_EQ(parse_extents("+3")->sign, Sign::plus);
  EXPECT_FALSE(parse_extents("101%FREE"));
  EXPECT_FALSE(parse_extents("3x"));
  EXPECT_FALSE(parse_extents("%VG"));
}

TEST(LvmAllocSizes, ExtentSizeRules) {
  EXPECT_TRUE(check_extent_size(8192));  // 4 MiB
  EXPECT_TRUE(check_extent_size(2));     // 1 KiB
  EXPECT_TRUE(check_extent_size(768));   // 384 KiB: multiple of 128 KiB
  EXPECT_FALSE(check_extent_size(1));
  EXPECT_FALSE(check_extent_size(0));
  EXPECT_FALSE(check_extent_size(6144 + 2));
}

TEST(LvmAllocSizes, RoundingMessagesAsLvm) {
  std::string note;
  EXPECT_EQ(round_to_extents(20480, 8192, &note), 3u);
  EXPECT_EQ(note, "Rounding up size to full physical extent 12.00 MiB");
  note.clear();
  EXPECT_EQ(round_to_stripes(3, 2, 8192, &note), 4u);
  EXPECT_EQ(note, "Rounding size 12.00 MiB (3 extents) up to stripe boundary size 16.00 MiB (4 extents).");
}

TEST(LvmAllocSizes, Percentages) {
  VolumeGroup vg = make_vg(2, 15);
  EXPECT_EQ(percent_extents(vg, Percent::vg, 50), 15u);
  EXPECT_EQ(percent_extents(vg, Percent::free, 100), 30u);
  EXPECT_EQ(percent_extents(vg, Percent::pvs, 100, {"pv1"}), 15u);
}

}  // namespace
}  // namespace udm::lvm::alloc

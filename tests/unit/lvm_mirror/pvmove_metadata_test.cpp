// pvmove's metadata steps against lvm2's own output: real lvm2's pvmove
// (activation off, so it stopped after writing its first metadata) turned
// pvmove-before.vg into pvmove.vg; ulvm's set-up must write the same, and
// taking the pvmove out again must give back the LVs as they were (abort)
// or on the destination (done).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "lvm/api/pvmove_metadata.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {
namespace {

VolumeGroup load(const std::string& name) {
  std::ifstream in(std::string(LVM_FIXTURE_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto vt = format::import_vg_text(ss.str());
  EXPECT_TRUE(vt) << name << ": " << (vt ? "" : vt.error().message);
  return vt ? vt->vg : VolumeGroup{};
}

std::vector<std::string> names(const VolumeGroup& vg) {
  std::vector<std::string> out;
  for (const auto& lv : vg.lvs) out.push_back(lv.name);
  return out;
}

void mark_moved(VolumeGroup& vg, bool moved) {
  for (auto& s : vg.find_lv("pvmove0")->segments) {
    auto k = *segtypes::mirror_keys(s);
    k.extents_moved = moved ? s.extent_count : 0;
    segtypes::set_mirror_keys(s, k);
  }
}

TEST(PvmoveMetadata, SetUpWritesWhatLvm2Writes) {
  const VolumeGroup before = load("pvmove-before.vg");
  const VolumeGroup lvm2 = load("pvmove.vg");
  auto ours = pvmove_set_up(before, "pv0", {"pv1"}, "", AllocationPolicy::normal);
  ASSERT_TRUE(ours) << ours.error().message;
  EXPECT_EQ(names(*ours), names(lvm2));
  for (const auto& want : lvm2.lvs) {
    const LogicalVolume* got = ours->find_lv(want.name);
    ASSERT_TRUE(got) << want.name;
    EXPECT_EQ(got->status.words(), want.status.words()) << want.name;
    EXPECT_EQ(got->allocation_policy, want.allocation_policy) << want.name;
    EXPECT_EQ(got->segments, want.segments) << want.name;
  }
  EXPECT_TRUE(validate(*ours));
  EXPECT_EQ(pvmove_lv(*ours)->name, "pvmove0");
  EXPECT_EQ(pvmove_source(*pvmove_lv(*ours)), "pv0");
  EXPECT_EQ(lvs_using(*ours, "pvmove0"), (std::vector<std::string>{"a", "b", "s"}));
}

TEST(PvmoveMetadata, OnlyOneLvAndNothingToMove) {
  const VolumeGroup before = load("pvmove-before.vg");
  auto only_b = pvmove_set_up(before, "pv0", {"pv1"}, "b", AllocationPolicy::normal);
  ASSERT_TRUE(only_b) << only_b.error().message;
  EXPECT_EQ(lvs_using(*only_b, "pvmove0"), (std::vector<std::string>{"b"}));
  EXPECT_FALSE(only_b->find_lv("a")->status.has("LOCKED"));
  auto none = pvmove_set_up(before, "pv2", {"pv1"}, "b", AllocationPolicy::normal);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ENODATA);
  EXPECT_EQ(none.error().message, "No data to move for vgp.");
  VolumeGroup no_room = before;
  LogicalVolume fill = before.lvs[0];
  fill.name = "fill";
  Segment f;
  f.extent_count = 13;
  f.stripes = {{"pv2", 2}};
  fill.segments = {f};
  no_room.lvs.push_back(fill);
  auto full = pvmove_set_up(no_room, "pv0", {"pv2"}, "", AllocationPolicy::normal);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ENOSPC);
}

TEST(PvmoveMetadata, AbortGivesBackTheLvsAsTheyWere) {
  const VolumeGroup before = load("pvmove-before.vg");
  VolumeGroup vg = load("pvmove.vg");
  pvmove_remove(vg, "pvmove0");
  EXPECT_EQ(names(vg), names(before));
  for (const auto& want : before.lvs) {
    EXPECT_EQ(vg.find_lv(want.name)->segments, want.segments) << want.name;
    EXPECT_EQ(vg.find_lv(want.name)->status.words(), want.status.words()) << want.name;
  }
}

TEST(PvmoveMetadata, DoneLeavesTheLvsOnTheDestination) {
  VolumeGroup vg = load("pvmove.vg");
  mark_moved(vg, true);
  // The copied view maps the destination.
  const VolumeGroup lin = pvmove_linear_view(vg, "pvmove0");
  EXPECT_EQ(lin.find_lv("pvmove0")->segments[1].stripes, (std::vector<SegmentArea>{{"pv1", 3}}));
  pvmove_remove(vg, "pvmove0");
  ASSERT_TRUE(validate(vg));
  const LogicalVolume& a = *vg.find_lv("a");
  ASSERT_EQ(a.segments.size(), 1u);  // pv1 0..2 and 3 continue each other
  EXPECT_EQ(a.segments[0].stripes, (std::vector<SegmentArea>{{"pv1", 0}}));
  EXPECT_EQ(a.segments[0].extent_count, 4u);
  EXPECT_EQ(vg.find_lv("b")->segments[0].stripes, (std::vector<SegmentArea>{{"pv1", 4}}));
  EXPECT_EQ(vg.find_lv("s")->segments[0].stripes, (std::vector<SegmentArea>{{"pv1", 6}, {"pv2", 0}}));
  EXPECT_FALSE(vg.find_lv("s")->status.has("LOCKED"));
}

TEST(PvmoveMetadata, AStripeOverTwoPvmoveSegmentsSplitsTheStripedSegment) {
  VolumeGroup vg = load("pvmove.vg");
  // s's stripe 0 (pvmove0 LE 6..7) moved to two places: pv1:6 and pv1:10.
  LogicalVolume& mv = *vg.find_lv("pvmove0");
  Segment second = mv.segments[3];
  auto k = *segtypes::mirror_keys(second);
  mv.segments[3].extent_count = 1;
  second.start_extent = 7;
  second.extent_count = 1;
  k.mirrors = {{"pv0", 7}, {"pv1", 10}};
  segtypes::set_mirror_keys(second, k);
  mv.segments.push_back(second);
  mark_moved(vg, true);
  pvmove_remove(vg, "pvmove0");
  const LogicalVolume& s = *vg.find_lv("s");
  ASSERT_EQ(s.segments.size(), 2u);
  EXPECT_EQ(s.segments[0].start_extent, 0u);
  EXPECT_EQ(s.segments[0].extent_count, 2u);
  EXPECT_EQ(s.segments[0].stripes, (std::vector<SegmentArea>{{"pv1", 6}, {"pv2", 0}}));
  EXPECT_EQ(s.segments[1].start_extent, 2u);
  EXPECT_EQ(s.segments[1].extent_count, 2u);
  EXPECT_EQ(s.segments[1].stripes, (std::vector<SegmentArea>{{"pv1", 10}, {"pv2", 1}}));
  EXPECT_TRUE(validate(vg));
}

}  // namespace
}  // namespace udm::lvm::api::detail

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

void mark_moved(VolumeGroup& vg, bool moved, const std::string& mv = "pvmove0") {
  for (auto& s : vg.find_lv(mv)->segments) {
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

// Every LV of `ours` as real lvm2 wrote it (names, status, policy, segments).
void expect_like_lvm2(const VolumeGroup& ours, const VolumeGroup& lvm2) {
  EXPECT_EQ(names(ours), names(lvm2));
  for (const auto& want : lvm2.lvs) {
    const LogicalVolume* got = ours.find_lv(want.name);
    ASSERT_TRUE(got) << want.name;
    EXPECT_EQ(got->status.words(), want.status.words()) << want.name;
    EXPECT_EQ(got->allocation_policy, want.allocation_policy) << want.name;
    EXPECT_EQ(got->segments, want.segments) << want.name;
  }
  EXPECT_TRUE(validate(ours));
}

// Real lvm2's `pvmove -b PV0:2-5 PV2` on pvmove-q-before.vg: a is split
// where the range starts, b's extents on pv0 go whole.
TEST(PvmoveMetadata, SourceRangeAsLvm2) {
  const VolumeGroup before = load("pvmove-q-before.vg");
  auto r = parse_pv_ranges("/dev/x:2-5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, "/dev/x");
  PvmoveRequest req{.source = "pv0", .source_ranges = r->second, .dests = {"pv2"}};
  auto ours = pvmove_set_up(before, req);
  ASSERT_TRUE(ours) << ours.error().message;
  expect_like_lvm2(*ours, load("pvmove-q-range.vg"));
  // Done: a's moved part and b's are on pv2, the rest where it was.
  VolumeGroup done = *ours;
  mark_moved(done, true);
  pvmove_remove(done, "pvmove0");
  EXPECT_EQ(done.find_lv("a")->segments.size(), 2u);
  EXPECT_EQ(done.find_lv("a")->segments[1].stripes, (std::vector<SegmentArea>{{"pv2", 0}}));
  EXPECT_EQ(done.find_lv("b")->segments[0].stripes, (std::vector<SegmentArea>{{"pv2", 2}}));
  EXPECT_EQ(done.find_lv("c")->segments, before.find_lv("c")->segments);
  EXPECT_TRUE(validate(done));
  // A range ending inside a segment splits it there too (lvm2 2.03.16 fails
  // there with activation off, so this one is checked by itself).
  req.source_ranges = {{6, 6}};
  auto mid = pvmove_set_up(before, req);
  ASSERT_TRUE(mid) << mid.error().message;
  const LogicalVolume& c = *mid->find_lv("c");
  ASSERT_EQ(c.segments.size(), 2u);
  EXPECT_EQ(c.segments[0].stripes, (std::vector<SegmentArea>{{"pvmove0", 0}}));
  EXPECT_EQ(c.segments[0].extent_count, 1u);
  EXPECT_EQ(c.segments[1].stripes, (std::vector<SegmentArea>{{"pv0", 7}}));
  EXPECT_TRUE(validate(*mid));
}

TEST(PvmoveMetadata, ParsesRangesAsLvm2) {
  auto r = parse_pv_ranges("/dev/x:1-3:7:9+2");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->second.size(), 3u);
  EXPECT_EQ(r->second[2].first, 9u);
  EXPECT_EQ(r->second[2].last, 10u);
  EXPECT_EQ(r->second[1].last, 7u);
  EXPECT_TRUE(parse_pv_ranges("/dev/x")->second.empty());
  auto bad = parse_pv_ranges("/dev/x:3-1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "PE range error: start extent 3 to end extent 1.");
  EXPECT_EQ(parse_pv_ranges("/dev/x:a").error().message, "Physical extent parsing error at a.");
}

// Real lvm2's second pvmove in the VG (pv1 -> pv2 while pvmove0 runs):
// pvmove1 for d; b, locked by pvmove0, is skipped.
TEST(PvmoveMetadata, ASecondPvmoveAsLvm2) {
  const VolumeGroup range = load("pvmove-q-range.vg");
  std::vector<std::string> skipped;
  auto ours = pvmove_set_up(range, PvmoveRequest{.source = "pv1", .dests = {"pv2"}}, &skipped);
  ASSERT_TRUE(ours) << ours.error().message;
  EXPECT_EQ(skipped, (std::vector<std::string>{"b"}));
  expect_like_lvm2(*ours, load("pvmove-q-second.vg"));
  // Each ends by itself.
  VolumeGroup vg = *ours;
  mark_moved(vg, true);
  pvmove_remove(vg, "pvmove0");
  EXPECT_TRUE(vg.find_lv("pvmove1"));
  EXPECT_TRUE(vg.find_lv("d")->status.has("LOCKED"));
  mark_moved(vg, true, "pvmove1");
  pvmove_remove(vg, "pvmove1");
  EXPECT_EQ(vg.find_lv("d")->segments[0].stripes, (std::vector<SegmentArea>{{"pv2", 4}}));
  EXPECT_TRUE(validate(vg));
  auto none = pvmove_set_up(range, PvmoveRequest{.source = "pv1", .dests = {"pv2"}, .only_lv = "b"}, &skipped);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "No data to move for vgq.");
}

// Real lvm2's `pvmove --atomic pv0 pv2`: one mirror over pvmove0_mimage_0/1.
TEST(PvmoveMetadata, AtomicAsLvm2) {
  const VolumeGroup before = load("pvmove-q-before.vg");
  auto ours = pvmove_set_up(before, PvmoveRequest{.source = "pv0", .dests = {"pv2"}, .atomic = true});
  ASSERT_TRUE(ours) << ours.error().message;
  expect_like_lvm2(*ours, load("pvmove-q-atomic.vg"));
  EXPECT_EQ(pvmove_image_lvs(*ours, "pvmove0"), (std::vector<std::string>{"pvmove0_mimage_0", "pvmove0_mimage_1"}));
  for (bool moved : {false, true}) {
    VolumeGroup vg = *ours;
    LogicalVolume& mv = *vg.find_lv("pvmove0");
    auto k = *segtypes::mirror_keys(mv.segments[0]);
    k.extents_moved = moved ? mv.segments[0].extent_count : 0;
    segtypes::set_mirror_keys(mv.segments[0], k);
    pvmove_remove(vg, "pvmove0");
    EXPECT_FALSE(vg.find_lv("pvmove0_mimage_0"));
    for (const char* n : {"a", "c"}) {
      const auto& segs = vg.find_lv(n)->segments;
      ASSERT_EQ(segs.size(), 1u) << n;
      EXPECT_EQ(segs[0].stripes[0].name, moved ? "pv2" : "pv0") << n;
    }
    if (!moved) {
      EXPECT_EQ(vg.find_lv("b")->segments, before.find_lv("b")->segments);
    }
    EXPECT_TRUE(validate(vg));
  }
}

}  // namespace
}  // namespace udm::lvm::api::detail

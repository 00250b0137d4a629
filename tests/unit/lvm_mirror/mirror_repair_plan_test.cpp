// The VG edits of lvconvert --repair / -m on mirror LVs (lvconvert_mirror_plan),
// on the VG real lvm2 wrote (fixtures/mirror.vg: mirror md with a disk log,
// md_mimage_0 on pv0, md_mimage_1 on pv1, md_mlog on pv2; mc with a core log).
#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "lvm/api/lvconvert_mirror_plan.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {
namespace {

VolumeGroup load() {
  std::ifstream in(std::string(LVM_FIXTURE_DIR) + "/mirror.vg", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto vt = format::import_vg_text(ss.str());
  EXPECT_TRUE(vt) << (vt ? "" : vt.error().message);
  return vt ? vt->vg : VolumeGroup{};
}

std::vector<std::string> pvs_of(const VolumeGroup& vg, const std::string& lv) {
  std::vector<std::string> out;
  for (const auto& s : vg.find_lv(lv)->segments)
    for (const auto& a : s.stripes) out.push_back(a.name);
  return out;
}

TEST(MirrorRepairPlan, AttemptsDropImagesThenLogs) {
  using S = MirrorShape;
  EXPECT_EQ(mirror_repair_attempts({3, 1}), (std::vector<S>{{3, 1}, {2, 1}, {2, 0}}));
  EXPECT_EQ(mirror_repair_attempts({2, 1}), (std::vector<S>{{2, 1}, {2, 0}}));
  EXPECT_EQ(mirror_repair_attempts({2, 0}), (std::vector<S>{{2, 0}}));
}

TEST(MirrorRepairPlan, PartsOfAMirror) {
  const VolumeGroup vg = load();
  auto p = mirror_parts(vg, "md");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->images, (std::vector<std::string>{"md_mimage_0", "md_mimage_1"}));
  EXPECT_EQ(p->log, "md_mlog");
  EXPECT_EQ(p->region_size, 4096u);
  EXPECT_EQ(mirror_parts(vg, "mc")->log, "");
  EXPECT_FALSE(mirror_parts(vg, "md_mlog"));
}

TEST(MirrorRepairPlan, OneImageLeftIsALinearLvWithoutLog) {
  VolumeGroup vg = load();
  const auto img0 = vg.find_lv("md_mimage_0")->segments;
  auto gone = remove_mirror_images(vg, "md", {"md_mimage_1"}, false);
  ASSERT_TRUE(gone) << gone.error().message;
  std::sort(gone->begin(), gone->end());
  EXPECT_EQ(*gone, (std::vector<std::string>{"md_mimage_0", "md_mimage_1", "md_mlog"}));
  const LogicalVolume* md = vg.find_lv("md");
  EXPECT_FALSE(segtypes::lv_is_mirror(*md));
  EXPECT_EQ(md->segments, img0);  // image 0's extents
  for (const char* n : {"md_mimage_0", "md_mimage_1", "md_mlog"}) EXPECT_FALSE(vg.find_lv(n)) << n;
  EXPECT_TRUE(validate(vg));
}

TEST(MirrorRepairPlan, FailedLogOnlyLeavesACoreLog) {
  VolumeGroup vg = load();
  auto gone = remove_mirror_images(vg, "md", {}, true);
  ASSERT_TRUE(gone) << gone.error().message;
  EXPECT_EQ(*gone, (std::vector<std::string>{"md_mlog"}));
  auto p = mirror_parts(vg, "md");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->images.size(), 2u);
  EXPECT_EQ(p->log, "");
  EXPECT_TRUE(validate(vg));
}

TEST(MirrorRepairPlan, NoImageLeftIsRefused) {
  VolumeGroup vg = load();
  auto r = remove_mirror_images(vg, "md", {"md_mimage_0", "md_mimage_1"}, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "No usable images left in " + vg.name + "/md.");
}

TEST(MirrorRepairPlan, LinearMirroredAgainOnOtherPvs) {
  VolumeGroup vg = load();
  ASSERT_TRUE(remove_mirror_images(vg, "md", {"md_mimage_1"}, false));
  auto a = add_mirror_images(vg, "md", {2, 1}, 4096, AllocationPolicy::normal, {"pv0", "pv1", "pv2"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(a->from_linear);
  EXPECT_EQ(a->images, (std::vector<std::string>{"md_mimage_1"}));
  EXPECT_EQ(a->log, "md_mlog");
  auto p = mirror_parts(vg, "md");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->images, (std::vector<std::string>{"md_mimage_0", "md_mimage_1"}));
  EXPECT_EQ(pvs_of(vg, "md_mimage_0"), (std::vector<std::string>{"pv0"}));  // the LV's old extents
  const auto new_pvs = pvs_of(vg, "md_mimage_1");
  EXPECT_EQ(std::count(new_pvs.begin(), new_pvs.end(), "pv0"), 0);
  // The log on the PV no image uses.
  const auto log_pvs = pvs_of(vg, "md_mlog");
  ASSERT_EQ(log_pvs.size(), 1u);
  EXPECT_NE(log_pvs[0], "pv0");
  EXPECT_NE(log_pvs[0], new_pvs[0]);
  EXPECT_TRUE(validate(vg));
}

TEST(MirrorRepairPlan, NewImageNumberedPastTheHighest) {
  VolumeGroup vg = load();
  auto a = add_mirror_images(vg, "md", {3, 1}, 4096, AllocationPolicy::normal, {"pv0", "pv1", "pv2"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_FALSE(a->from_linear);
  EXPECT_EQ(a->images, (std::vector<std::string>{"md_mimage_2"}));
  EXPECT_EQ(a->log, "");  // the log stays
  EXPECT_EQ(mirror_parts(vg, "md")->images.size(), 3u);
  EXPECT_EQ(pvs_of(vg, "md_mimage_2"), (std::vector<std::string>{"pv2"}));
  EXPECT_TRUE(validate(vg));
}

TEST(MirrorRepairPlan, NoRoomSaysSoAsLvm2) {
  VolumeGroup vg = load();
  ASSERT_TRUE(remove_mirror_images(vg, "md", {"md_mimage_1"}, false));
  const VolumeGroup before = vg;
  auto a = add_mirror_images(vg, "md", {2, 1}, 4096, AllocationPolicy::normal, {"pv0"});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message,
            "Insufficient suitable allocatable extents for logical volume : 2 more required\n"
            "  Unable to allocate extents for mirror(s).");
  EXPECT_EQ(vg, before);  // nothing changed
}

}  // namespace
}  // namespace udm::lvm::api::detail

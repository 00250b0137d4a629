// vgreduce --removemissing's VG edits (vgreduce_plan), on a VG with PV pv1
// lost (fixtures/vgreduce-before.vg: raid1 r1 with image 0 and its metadata
// on pv1, mirror mir with image 1 on pv1 and its disk log on pv2, linear
// lin on pv1); --force's result is compared with what real lvm2 2.03.16
// wrote from the same VG (fixtures/vgreduce-force-lvm2.vg).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "lvm/api/vgreduce_plan.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {
namespace {

VolumeGroup load(const std::string& name) {
  std::ifstream in(std::string(LVM_FIXTURE_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto vt = format::import_vg_text(ss.str());
  EXPECT_TRUE(vt) << (vt ? "" : vt.error().message);
  return vt ? vt->vg : VolumeGroup{};
}

const std::set<std::string> PV1{"pv1"};

TEST(VgreducePlan, PartialLvsInVgOrderWithTheirSubLvs) {
  const VolumeGroup vg = load("vgreduce-before.vg");
  EXPECT_EQ(partial_lvs(vg, PV1),
            (std::vector<std::string>{"r1", "mir", "lin", "r1_rimage_0", "r1_rmeta_0", "mir_mimage_1"}));
  EXPECT_EQ(partial_lvs(vg, {"pv2"}),
            (std::vector<std::string>{"r1", "mir", "r1_rimage_1", "r1_rmeta_1", "mir_mlog"}));
  EXPECT_TRUE(partial_lvs(vg, {}).empty());
}

TEST(VgreducePlan, StepsInLvm2Order) {
  VolumeGroup vg = load("vgreduce-before.vg");
  auto s = next_missing_fix(vg, PV1, false);
  ASSERT_TRUE(s.fix);
  EXPECT_EQ(*s.fix, MissingFix::raid_errors);
  EXPECT_EQ(s.lv, "r1");
  ASSERT_TRUE(raid_remove_missing(vg, "r1", PV1));
  s = next_missing_fix(vg, PV1, false);
  ASSERT_TRUE(s.fix);
  EXPECT_EQ(*s.fix, MissingFix::mirror_images);
  EXPECT_EQ(s.lv, "mir");
  auto m = mirror_remove_missing(vg, "mir", PV1);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_FALSE(m->no_images_left);
  s = next_missing_fix(vg, PV1, false);
  ASSERT_TRUE(s.fix);
  EXPECT_EQ(*s.fix, MissingFix::remove_lv);
  EXPECT_EQ(s.lv, "lin");
  EXPECT_TRUE(s.refused.empty());
}

TEST(VgreducePlan, MirrorsOnlyNamesOtherLvsEachPass) {
  VolumeGroup vg = load("vgreduce-before.vg");
  // lin comes after r1 and mir: refused only once they are repaired.
  auto s = next_missing_fix(vg, PV1, true);
  EXPECT_TRUE(s.refused.empty());
  ASSERT_TRUE(raid_remove_missing(vg, "r1", PV1));
  ASSERT_TRUE(mirror_remove_missing(vg, "mir", PV1));
  s = next_missing_fix(vg, PV1, true);
  EXPECT_FALSE(s.fix);
  EXPECT_EQ(s.refused, (std::vector<std::string>{"lin"}));
  EXPECT_EQ(partial_lvs(vg, PV1), (std::vector<std::string>{"lin"}));
}

TEST(VgreducePlan, ForceEndsAsLvm2Wrote) {
  VolumeGroup vg = load("vgreduce-before.vg");
  ASSERT_TRUE(raid_remove_missing(vg, "r1", PV1));
  auto m = mirror_remove_missing(vg, "mir", PV1);
  ASSERT_TRUE(m);
  std::sort(m->gone.begin(), m->gone.end());
  EXPECT_EQ(m->gone, (std::vector<std::string>{"mir_mimage_0", "mir_mimage_1", "mir_mlog"}));
  std::erase_if(vg.lvs, [](const LogicalVolume& lv) { return lv.name == "lin"; });
  EXPECT_TRUE(partial_lvs(vg, PV1).empty());
  std::erase_if(vg.pvs, [](const PhysicalVolume& pv) { return pv.name == "pv1"; });
  renumber_pvs(vg);
  VolumeGroup want = load("vgreduce-force-lvm2.vg");
  ASSERT_EQ(vg.pvs.size(), want.pvs.size());
  for (std::size_t i = 0; i < vg.pvs.size(); ++i) {
    EXPECT_EQ(vg.pvs[i].name, want.pvs[i].name);
    EXPECT_EQ(vg.pvs[i].id, want.pvs[i].id);
  }
  ASSERT_EQ(vg.lvs.size(), want.lvs.size());
  for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
    EXPECT_EQ(vg.lvs[i].name, want.lvs[i].name);
    EXPECT_EQ(vg.lvs[i].status, want.lvs[i].status) << vg.lvs[i].name;
    EXPECT_EQ(vg.lvs[i].segments, want.lvs[i].segments) << vg.lvs[i].name;
  }
  EXPECT_TRUE(validate(vg));
}

TEST(VgreducePlan, MirrorWithEveryImageLost) {
  VolumeGroup vg = load("vgreduce-before.vg");
  auto m = mirror_remove_missing(vg, "mir", {"pv0", "pv1"});
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->no_images_left);
  EXPECT_TRUE(vg.find_lv("mir_mimage_0"));  // unchanged: the caller removes the LV
}

TEST(VgreducePlan, LostLogOnlyLeavesACoreLog) {
  VolumeGroup vg = load("vgreduce-before.vg");
  auto m = mirror_remove_missing(vg, "mir", {"pv2"});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->gone, (std::vector<std::string>{"mir_mlog"}));
  auto k = segtypes::mirror_keys(vg.find_lv("mir")->segments[0]);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->mirrors.size(), 2u);
  EXPECT_FALSE(k->mirror_log);
}

TEST(VgreducePlan, RaidWithoutPartialSlotIsAnError) {
  VolumeGroup vg = load("vgreduce-before.vg");
  EXPECT_FALSE(raid_remove_missing(vg, "r1", {"pv0"}));  // r1 is not partial
}

TEST(VgreducePlan, RenumberFollowsAreas) {
  VolumeGroup vg = load("vgreduce-before.vg");
  std::erase_if(vg.lvs, [](const LogicalVolume& lv) { return lv.name == "lin"; });
  std::erase_if(vg.pvs, [](const PhysicalVolume& pv) { return pv.name == "pv0"; });
  renumber_pvs(vg);
  EXPECT_EQ(vg.pvs[0].name, "pv0");
  EXPECT_EQ(vg.pvs[1].name, "pv1");
  EXPECT_EQ(vg.find_lv("mir_mlog")->segments[0].stripes[0].name, "pv1");      // was pv2
  EXPECT_EQ(vg.find_lv("r1_rimage_0")->segments[0].stripes[0].name, "pv0");  // was pv1
}

}  // namespace
}  // namespace udm::lvm::api::detail

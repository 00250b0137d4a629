// VgIndexScope: while it lives, per-LV lookups answer from the index, the
// same as the scans they replace; outside it they scan again.
#include <gtest/gtest.h>

#include "lvm/metadata/model.hpp"

using namespace udm::lvm;

namespace {
VolumeGroup vg_of(int n) {
  VolumeGroup vg;
  vg.name = "vg";
  for (int i = 0; i < n; ++i) {
    LogicalVolume lv;
    lv.name = "lv" + std::to_string(i);
    if (i % 3 == 0) lv.status = FlagSet(FlagSet::Kind::lv_status, {"READ", "WRITE"});  // hidden
    vg.lvs.push_back(lv);
  }
  return vg;
}
}  // namespace

TEST(LvmScaleIndex, SameAnswersAsTheScans) {
  const VolumeGroup vg = vg_of(1000);
  std::vector<bool> scanned;
  for (const auto& lv : vg.lvs) scanned.push_back(lv_is_visible(vg, lv));
  EXPECT_EQ(vg_index(vg), nullptr);
  {
    VgIndexScope scope(vg);
    ASSERT_NE(vg_index(vg), nullptr);
    for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
      EXPECT_EQ(lv_is_visible(vg, vg.lvs[i]), scanned[i]) << i;
      EXPECT_EQ(vg.find_lv(vg.lvs[i].name), &vg.lvs[i]);
    }
    EXPECT_EQ(vg.find_lv("nosuch"), nullptr);
    LogicalVolume outside = vg.lvs[1];  // not one of vg.lvs: answered by the scan
    EXPECT_EQ(lv_is_visible(vg, outside), true);
    const VolumeGroup other = vg_of(2);  // another VG has no index
    EXPECT_EQ(vg_index(other), nullptr);
    EXPECT_EQ(other.find_lv("lv1"), &other.lvs[1]);
  }
  EXPECT_EQ(vg_index(vg), nullptr);
  EXPECT_EQ(vg.find_lv("lv999"), &vg.lvs[999]);
}

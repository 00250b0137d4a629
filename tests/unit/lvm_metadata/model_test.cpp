#include <gtest/gtest.h>

#include "lvm/metadata/dm_names.hpp"
#include "lvm/metadata/model.hpp"

using namespace udm::lvm;

namespace {

VolumeGroup sample_vg() {
  VolumeGroup vg;
  vg.name = "vg0";
  vg.id = "abcdef0123456789ABCDEF0123456789";
  vg.seqno = 3;
  PhysicalVolume pv;
  pv.name = "pv0";
  pv.id = "P0cdef0123456789ABCDEF0123456789";
  pv.device = "/dev/loop0";
  pv.dev_size = 131072;  // 64 MiB
  pv.pe_start = 2048;
  pv.pe_count = 15;
  vg.pvs.push_back(pv);
  pv.name = "pv1";
  pv.id = "P1cdef0123456789ABCDEF0123456789";
  vg.pvs.push_back(pv);
  LogicalVolume lv;
  lv.name = "lin";
  lv.id = "L0cdef0123456789ABCDEF0123456789";
  Segment s;
  s.start_extent = 0;
  s.extent_count = 2;
  s.stripes = {{"pv0", 0}};
  lv.segments.push_back(s);
  s.start_extent = 2;
  s.extent_count = 4;
  s.stripe_size = 128;
  s.stripes = {{"pv0", 2}, {"pv1", 0}};
  lv.segments.push_back(s);
  vg.lvs.push_back(lv);
  return vg;
}

}  // namespace

// The one dm-name rule: activation builds names with it, the exports split them.
TEST(LvmMetadataDmNames, BuildAndSplit) {
  EXPECT_EQ(dm_device_name("my-vg", "lv-1"), "my--vg-lv--1");
  EXPECT_EQ(dm_device_uuid("V", "L"), "LVM-VL");
  for (auto [vg, lv] : {std::pair{"vg", "lv"}, {"my-vg", "lv"}, {"a--b", "c-d"}, {"x", "y-"}}) {
    auto s = split_dm_device_name(dm_device_name(vg, lv));
    ASSERT_TRUE(s) << vg << "/" << lv;
    EXPECT_EQ(s->vg, vg);
    EXPECT_EQ(s->lv, lv);
  }
  EXPECT_FALSE(split_dm_device_name("plain"));
  EXPECT_FALSE(split_dm_device_name("vg-lv-real"));
  EXPECT_FALSE(split_dm_device_name("-lv"));
  EXPECT_FALSE(split_dm_device_name("vg-"));
}

TEST(LvmMetadataIds, FormatAndParse) {
  const std::string raw = "s4JnbCmUgGMTTA3eGvfEZgO6uZeeWHcB";
  EXPECT_EQ(format_id(raw), "s4JnbC-mUgG-MTTA-3eGv-fEZg-O6uZ-eeWHcB");
  EXPECT_EQ(parse_id("s4JnbC-mUgG-MTTA-3eGv-fEZg-O6uZ-eeWHcB").value(), raw);
  EXPECT_EQ(parse_id(raw).value(), raw);
  EXPECT_FALSE(parse_id("s4JnbC-mUgG-MTTA-3eGv-fEZg-O6uZ-eeWHc").has_value());
  EXPECT_FALSE(parse_id("s4JnbCxmUgG-MTTA-3eGv-fEZg-O6uZ-eeWHcB").has_value());
  EXPECT_FALSE(parse_id("s4JnbCmUgGMTTA3eGvfEZgO6uZeeWHc$").has_value());
  const auto g = generate_id();
  EXPECT_TRUE(is_valid_raw_id(g));
  EXPECT_NE(g, generate_id());
}

TEST(LvmMetadataFlags, AddKeepsCanonicalOrder) {
  FlagSet f(FlagSet::Kind::lv_status, {"READ", "VISIBLE"});
  f.add("WRITE");
  EXPECT_EQ(f.words(), (std::vector<std::string>{"READ", "WRITE", "VISIBLE"}));
  f.add("WRITE");
  EXPECT_EQ(f.words().size(), 3u);
  f.remove("WRITE");
  EXPECT_EQ(f.words(), (std::vector<std::string>{"READ", "VISIBLE"}));
  FlagSet v(FlagSet::Kind::vg_status, {"RESIZEABLE", "READ", "WRITE"});
  v.add("EXPORTED");
  EXPECT_EQ(v.words().front(), "EXPORTED");
}

TEST(LvmMetadataNames, Rules) {
  EXPECT_TRUE(check_vg_name("vg_data-1.x+").has_value());
  EXPECT_FALSE(check_vg_name("-vg").has_value());
  EXPECT_FALSE(check_vg_name("..").has_value());
  EXPECT_FALSE(check_vg_name("a b").has_value());
  EXPECT_FALSE(check_vg_name(std::string(128, 'a')).has_value());
  EXPECT_TRUE(check_lv_name("lvol0_rimage_0").has_value());
  EXPECT_FALSE(check_new_lv_name("lvol0_rimage_0").has_value());
  EXPECT_FALSE(check_new_lv_name("snapshot1").has_value());
  EXPECT_FALSE(check_new_lv_name("pvmove0").has_value());
  EXPECT_TRUE(check_new_lv_name("data").has_value());
}

TEST(LvmMetadataValidate, SampleIsValid) {
  auto vg = sample_vg();
  EXPECT_TRUE(validate(vg).has_value()) << validate(vg).error().message;
  EXPECT_EQ(vg.lvs[0].extent_count(), 6u);
  EXPECT_EQ(pv_free_extents(vg, vg.pvs[0]), 15u - 2 - 2);
  EXPECT_EQ(vg.next_pv_name(), "pv2");
}

TEST(LvmMetadataValidate, FindsEachProblem) {
  auto expect_problem = [](const VolumeGroup& vg, const std::string& needle) {
    auto r = validate(vg);
    ASSERT_FALSE(r.has_value()) << "expected: " << needle;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  {
    auto vg = sample_vg();
    vg.lvs[0].segments[1].stripes[1].start = 13;  // 2 extents per stripe: 13..14 fits, 14..15 not
    EXPECT_TRUE(validate(vg).has_value());
    vg.lvs[0].segments[1].stripes[1].start = 14;
    expect_problem(vg, "LV lin segment 2 stripe 1: extents 14..15 outside pv1");
  }
  {
    auto vg = sample_vg();
    vg.lvs[0].segments[1].stripes[0].start = 1;
    expect_problem(vg, "PV pv0: extent 1 used by both LV lin segment 1 and LV lin segment 2");
  }
  {
    auto vg = sample_vg();
    vg.lvs[0].segments[1].start_extent = 3;
    expect_problem(vg, "LV lin segment 2: starts at LE 3, expected 2");
  }
  {
    auto vg = sample_vg();
    vg.lvs[0].status.add("FROBNICATED");
    expect_problem(vg, "LV lin: unknown status flag 'FROBNICATED'");
  }
  {
    auto vg = sample_vg();
    vg.lvs[0].segments[0].type = "frob";
    expect_problem(vg, "unknown segment type \"frob\"");
  }
  {
    auto vg = sample_vg();
    vg.lvs[0].segments[0].stripes[0].name = "pv7";
    expect_problem(vg, "no PV or LV named \"pv7\"");
  }
  {
    auto vg = sample_vg();
    vg.pvs[1].pe_count = 100;
    expect_problem(vg, "PV pv1 (/dev/loop0): pe_start 2048 + 100 extents ends past dev_size");
  }
  {
    auto vg = sample_vg();
    vg.lvs[0].segments[1].stripe_size = 100;
    expect_problem(vg, "stripe_size 100 is not a power of two");
  }
  {
    auto vg = sample_vg();
    vg.max_lv = 1;
    EXPECT_TRUE(validate(vg).has_value());
    vg.lvs.push_back(vg.lvs[0]);
    vg.lvs[1].name = "lin2";
    vg.lvs[1].id = "L1cdef0123456789ABCDEF0123456789";
    vg.lvs[1].segments = {vg.lvs[0].segments[0]};
    vg.lvs[1].segments[0].stripes[0].start = 10;
    expect_problem(vg, "VG vg0: 2 visible LVs exceed max_lv 1");
  }
  {
    auto vg = sample_vg();
    vg.max_pv = 1;
    expect_problem(vg, "VG vg0: 2 PVs exceed max_pv 1");
  }
  {
    auto vg = sample_vg();
    vg.name = "bad name";
    expect_problem(vg, "VG name \"bad name\"");
  }
}

namespace {
LogicalVolume plain_lv(std::string name, bool visible) {
  LogicalVolume lv;
  lv.name = std::move(name);
  if (!visible) lv.status.remove("VISIBLE");
  Segment s;
  s.extent_count = 1;
  s.stripes = {{"pv0", 0}};
  lv.segments.push_back(s);
  return lv;
}
LogicalVolume snapshot_carrier(std::string name, std::string origin, std::string cow, std::string cow_key) {
  LogicalVolume lv;
  lv.name = std::move(name);
  Segment s;
  s.type = "snapshot";
  s.extent_count = 1;
  s.unknown.push_back(ConfigNode{.key = "origin", .is_section = false, .value = ConfigValue::of_string(origin),
                                 .children = {}, .comment = {}});
  s.unknown.push_back(ConfigNode{.key = cow_key, .is_section = false, .value = ConfigValue::of_string(cow),
                                 .children = {}, .comment = {}});
  lv.segments.push_back(s);
  return lv;
}
}  // namespace

// lv_visibility computes in one pass what lv_is_visible answers per LV.
TEST(LvmMetadataVisibility, AllAtOnceMatchesPerLv) {
  VolumeGroup vg = sample_vg();
  vg.lvs.push_back(plain_lv("hidden", false));
  vg.lvs.push_back(plain_lv("origin", true));
  vg.lvs.push_back(plain_lv("cow", false));
  vg.lvs.push_back(snapshot_carrier("snapshot0", "origin", "cow", "cow_store"));
  vg.lvs.push_back(plain_lv("hidden_origin", false));
  vg.lvs.push_back(plain_lv("cow2", false));
  vg.lvs.push_back(snapshot_carrier("snapshot1", "hidden_origin", "cow2", "merging_store"));
  vg.lvs.push_back(plain_lv("cow3", true));
  vg.lvs.push_back(snapshot_carrier("snapshot2", "no_such_lv", "cow3", "cow_store"));
  const std::vector<bool> all = lv_visibility(vg);
  ASSERT_EQ(all.size(), vg.lvs.size());
  const std::vector<bool> expected = {true, false, true, true, false, false, false, false, false, false};
  for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
    EXPECT_EQ(all[i], lv_is_visible(vg, vg.lvs[i])) << vg.lvs[i].name;
    EXPECT_EQ(all[i], expected[i]) << vg.lvs[i].name;
  }
}

// ulvm vgmap's layout: extent runs per PV (as pvdisplay -m lists them), sub-LVs
// drawn as their top LV, stable colours, and the rectangles' coordinates.
#include <gtest/gtest.h>

#include "lvm/report/vgmap.hpp"
#include "lvm/segtypes/raid_keys.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::report {
namespace {

PhysicalVolume pv(std::string name, extent_t pe_count) {
  PhysicalVolume p;
  p.name = std::move(name);
  p.pe_count = pe_count;
  return p;
}

Segment linear(extent_t le, extent_t count, std::string pv_name, extent_t pe) {
  Segment s;
  s.start_extent = le;
  s.extent_count = count;
  s.stripes = {{std::move(pv_name), pe}};
  return s;
}

LogicalVolume lv(std::string name, std::vector<Segment> segs, bool visible = true) {
  LogicalVolume l;
  l.name = std::move(name);
  if (!visible) l.status = FlagSet(FlagSet::Kind::lv_status, {"READ", "WRITE"});
  l.segments = std::move(segs);
  return l;
}

VolumeGroup two_pvs() {
  VolumeGroup vg;
  vg.name = "vg";
  vg.pvs = {pv("pv0", 100), pv("pv1", 50)};
  return vg;
}

TEST(VgMap, SpanIsProportionalToExtents) {
  auto s = vgmap_span(25, 25, 100, 20, 920);
  EXPECT_DOUBLE_EQ(s.x, 250);
  EXPECT_DOUBLE_EQ(s.width, 230);
  s = vgmap_span(0, 50, 100, 20, 920);
  EXPECT_DOUBLE_EQ(s.x, 20);
  EXPECT_DOUBLE_EQ(s.width, 460);
  EXPECT_DOUBLE_EQ(vgmap_span(0, 10, 0, 20, 920).width, 0);
}

TEST(VgMap, RunsAndFreeGapsInPeOrder) {
  VolumeGroup vg = two_pvs();
  Segment striped;
  striped.extent_count = 20;
  striped.stripe_size = 128;
  striped.stripes = {{"pv0", 30}, {"pv1", 0}};
  // lin: PE 0-9 then, after lvextend, a second segment at PE 40-44.
  vg.lvs = {lv("lin", {linear(0, 10, "pv0", 0), linear(10, 5, "pv0", 40)}), lv("str", {striped})};
  VgMap m = vgmap_layout(vg, {{"pv0", "/dev/a"}});
  ASSERT_EQ(m.pvs.size(), 2u);
  EXPECT_EQ(m.max_pe, 100u);
  const auto& r0 = m.pvs[0].runs;
  ASSERT_EQ(r0.size(), 5u);
  auto expect = [](const VgMapRun& r, extent_t a, extent_t b, std::string lv) {
    EXPECT_EQ(r.pe_start, a);
    EXPECT_EQ(r.pe_end, b);
    EXPECT_EQ(r.lv, lv);
  };
  expect(r0[0], 0, 9, "lin");
  expect(r0[1], 10, 29, "");
  expect(r0[2], 30, 39, "str");
  expect(r0[3], 40, 44, "lin");
  expect(r0[4], 45, 99, "");
  EXPECT_EQ(m.pvs[0].path, "/dev/a");
  EXPECT_EQ(m.pvs[0].free, 75u);
  EXPECT_EQ(m.pvs[1].path, "[unknown]");
  ASSERT_EQ(m.pvs[1].runs.size(), 2u);
  expect(m.pvs[1].runs[0], 0, 9, "str");
  expect(m.pvs[1].runs[1], 10, 49, "");
  ASSERT_EQ(m.lvs.size(), 2u);
  EXPECT_EQ(m.lvs[0].name, "lin");
  EXPECT_EQ(m.lvs[0].extents, 15u);
  EXPECT_EQ(m.lvs[0].size, 15u * vg.extent_size);
  EXPECT_EQ(m.lvs[0].letter, 'A');
  EXPECT_EQ(m.lvs[1].extents, 20u);
  EXPECT_EQ(m.lvs[1].letter, 'B');
}

TEST(VgMap, RaidImagesAndMetasAreTheirRaidLv) {
  VolumeGroup vg = two_pvs();
  Segment raid;
  raid.extent_count = 10;
  segtypes::RaidKeys k;
  k.type = "raid1";
  k.device_count = 2;
  k.region_size = 1024;
  k.images = {"r_rimage_0", "r_rimage_1"};
  k.metas = {"r_rmeta_0", "r_rmeta_1"};
  segtypes::set_raid_keys(raid, k);
  vg.lvs = {lv("r", {raid}), lv("r_rmeta_0", {linear(0, 1, "pv0", 0)}, false),
            lv("r_rimage_0", {linear(0, 10, "pv0", 1)}, false), lv("r_rmeta_1", {linear(0, 1, "pv1", 0)}, false),
            lv("r_rimage_1", {linear(0, 10, "pv1", 1)}, false)};
  VgMap m = vgmap_layout(vg, {});
  ASSERT_EQ(m.lvs.size(), 1u);
  EXPECT_EQ(m.lvs[0].name, "r");
  EXPECT_EQ(m.lvs[0].extents, 22u);
  const auto& r0 = m.pvs[0].runs;
  ASSERT_EQ(r0.size(), 3u);
  EXPECT_EQ(r0[0].lv, "r");
  EXPECT_EQ(r0[0].sub_lv, "r_rmeta_0");
  EXPECT_EQ(r0[1].lv, "r");
  EXPECT_EQ(r0[1].sub_lv, "r_rimage_0");
  EXPECT_EQ(r0[1].pe_start, 1u);
  EXPECT_EQ(r0[1].pe_end, 10u);
  EXPECT_EQ(vgmap_owner(vg, PvExtentUse{"pv1", 1, 10, "r_rimage_1", 0, 0}), "r");
}

TEST(VgMap, ThinPoolSubLvsArePoolAndThinLvsAreListed) {
  VolumeGroup vg = two_pvs();
  Segment pool;
  pool.extent_count = 20;
  segtypes::ThinPoolKeys pk;
  pk.metadata = "pool_tmeta";
  pk.pool = "pool_tdata";
  segtypes::set_thin_pool_keys(pool, pk);
  Segment thin;
  thin.extent_count = 100;
  segtypes::ThinKeys tk;
  tk.thin_pool = "pool";
  tk.device_id = 1;
  segtypes::set_thin_keys(thin, tk);
  vg.lvs = {lv("pool", {pool}), lv("t1", {thin}), lv("pool_tdata", {linear(0, 20, "pv0", 0)}, false),
            lv("pool_tmeta", {linear(0, 1, "pv1", 0)}, false),
            lv("lvol0_pmspare", {linear(0, 1, "pv1", 1)}, false)};
  VgMap m = vgmap_layout(vg, {});
  ASSERT_EQ(m.lvs.size(), 2u);
  EXPECT_EQ(m.lvs[0].name, "pool");
  EXPECT_EQ(m.lvs[0].extents, 21u);
  EXPECT_EQ(m.lvs[0].thin, std::vector<std::string>{"t1"});
  // Nothing names the spare: it stands for itself.
  EXPECT_EQ(m.lvs[1].name, "lvol0_pmspare");
  EXPECT_EQ(m.pvs[1].runs[0].lv, "pool");
  EXPECT_EQ(m.pvs[1].runs[0].sub_lv, "pool_tmeta");
}

TEST(VgMap, MirrorImagesAndLogAreTheirMirror) {
  VolumeGroup vg = two_pvs();
  Segment mirror;
  mirror.type = "mirror";
  mirror.extent_count = 4;
  auto str = [](const char* t) { return ConfigValue::of_string(t); };
  mirror.unknown = {
      ConfigNode{.key = "mirror_count", .is_section = false, .value = ConfigValue::of_int(2), .children = {}, .comment = {}},
      ConfigNode{.key = "mirror_log", .is_section = false, .value = str("m_mlog"), .children = {}, .comment = {}},
      ConfigNode{.key = "mirrors",
                 .is_section = false,
                 .value = ConfigValue::of_array({str("m_mimage_0"), ConfigValue::of_int(0), str("m_mimage_1"),
                                                 ConfigValue::of_int(0)}),
                 .children = {},
                 .comment = {}}};
  vg.lvs = {lv("m", {mirror}), lv("m_mlog", {linear(0, 1, "pv1", 20)}, false),
            lv("m_mimage_0", {linear(0, 4, "pv0", 0)}, false), lv("m_mimage_1", {linear(0, 4, "pv1", 0)}, false)};
  VgMap m = vgmap_layout(vg, {});
  ASSERT_EQ(m.lvs.size(), 1u);
  EXPECT_EQ(m.lvs[0].extents, 9u);
  EXPECT_EQ(m.pvs[1].runs[2].lv, "m");
  EXPECT_EQ(m.pvs[1].runs[2].sub_lv, "m_mlog");
}

TEST(VgMap, PvmoveExtentsBelongToTheLvWhoseAreaTheyAre) {
  VolumeGroup vg = two_pvs();
  // Two LVs moved by one pvmove0: each LV's area names a part of it.
  vg.lvs = {lv("a", {linear(0, 5, "pvmove0", 0)}), lv("b", {linear(0, 5, "pvmove0", 5)}),
            lv("pvmove0", {linear(0, 5, "pv0", 0), linear(5, 5, "pv0", 50)}, false)};
  VgMap m = vgmap_layout(vg, {});
  const auto& r0 = m.pvs[0].runs;
  ASSERT_EQ(r0.size(), 4u);
  EXPECT_EQ(r0[0].lv, "a");
  EXPECT_EQ(r0[0].sub_lv, "pvmove0");
  EXPECT_EQ(r0[2].lv, "b");
  EXPECT_EQ(r0[2].pe_start, 50u);
}

TEST(VgMap, CycleInDamagedMetadataEnds) {
  VolumeGroup vg = two_pvs();
  // x and y (both hidden) name each other: the walk stops after |LVs| steps.
  vg.lvs = {lv("x", {linear(0, 2, "pv0", 0), linear(2, 1, "y", 0)}, false), lv("y", {linear(0, 1, "x", 0)}, false)};
  VgMap m = vgmap_layout(vg, {});
  ASSERT_EQ(m.pvs[0].runs.size(), 2u);
  EXPECT_FALSE(m.pvs[0].runs[0].lv.empty());
}

TEST(VgMap, ColoursAreStablePerNameAndDistinct) {
  EXPECT_EQ(vgmap_preferred_colour("data"), vgmap_preferred_colour("data"));
  // Find a name whose preferred colour is the same as "data"'s.
  std::string twin;
  for (int i = 0; twin.empty(); ++i)
    if (std::string n = "lv" + std::to_string(i); vgmap_preferred_colour(n) == vgmap_preferred_colour("data")) twin = n;
  VolumeGroup vg = two_pvs();
  vg.lvs = {lv("data", {linear(0, 5, "pv0", 0)})};
  const std::size_t alone = vgmap_layout(vg, {}).lvs[0].colour;
  EXPECT_EQ(alone, vgmap_preferred_colour("data"));
  vg.lvs.push_back(lv(twin, {linear(0, 5, "pv0", 5)}));
  VgMap m = vgmap_layout(vg, {});
  EXPECT_EQ(m.lvs[0].colour, alone);
  EXPECT_NE(m.lvs[1].colour, m.lvs[0].colour);
  EXPECT_EQ(vgmap_ansi256("#000000"), 16);
  EXPECT_EQ(vgmap_ansi256("#ffffff"), 231);
}

TEST(VgMap, SvgHasOneRectPerRunWithItsRange) {
  VolumeGroup vg = two_pvs();
  vg.lvs = {lv("lin", {linear(0, 10, "pv0", 0), linear(10, 5, "pv0", 40)})};
  const std::string svg = vgmap_svg(vgmap_layout(vg, {{"pv0", "/dev/a&b"}}));
  auto count = [&](std::string_view what) {
    std::size_t n = 0;
    for (auto p = svg.find(what); p != std::string::npos; p = svg.find(what, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<rect class=\"seg\""), 2u);
  EXPECT_EQ(count("<rect class=\"free\""), 3u);
  EXPECT_NE(svg.find("data-pv=\"/dev/a&amp;b\" data-lv=\"lin\" data-pe-start=\"40\" data-pe-end=\"44\""),
            std::string::npos);
  EXPECT_NE(svg.find("<title>lin: PE 40-44</title>"), std::string::npos);
  // PE 40 of 100 on a 920-wide bar at x 20.
  EXPECT_NE(svg.find("<rect class=\"seg\" x=\"388\" y=\"72\" width=\"46\""), std::string::npos);
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
}

TEST(VgMap, SvgEscapesRoundedSizes) {
  VolumeGroup vg;
  vg.name = "vg";
  vg.pvs = {pv("pv0", 407)};
  const std::string svg = vgmap_svg(vgmap_layout(vg, {}));
  EXPECT_NE(svg.find("text-anchor=\"end\">&lt;1.59 GiB</text>"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("<1."), std::string::npos);
}

TEST(VgMap, TextMapFitsTheWidthAndColoursOnlyWhenAsked) {
  VolumeGroup vg = two_pvs();
  vg.lvs = {lv("lin", {linear(0, 50, "pv0", 0)}), lv("tiny", {linear(0, 1, "pv1", 49)})};
  const VgMap m = vgmap_layout(vg, {{"pv0", "/dev/a"}, {"pv1", "/dev/b"}});
  const std::string plain = vgmap_text(m, 60, false);
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  std::size_t start = 0;
  for (auto nl = plain.find('\n'); nl != std::string::npos; start = nl + 1, nl = plain.find('\n', start))
    EXPECT_LE(nl - start, 60u) << plain.substr(start, nl - start);
  // pv0: half "lin", half free; pv1 half as long, its 1-extent LV kept.
  EXPECT_NE(plain.find("/dev/a |AAAAAAAAAAAAAAAAA................| 100 PE, 50 free"), std::string::npos) << plain;
  EXPECT_NE(plain.find("/dev/b |................B|                 50 PE, 49 free"), std::string::npos) << plain;
  EXPECT_NE(plain.find("  A lin"), std::string::npos);
  EXPECT_NE(plain.find("  . free"), std::string::npos);
  const std::string colour = vgmap_text(m, 60, true);
  EXPECT_NE(colour.find("\033[48;5;"), std::string::npos);
  EXPECT_NE(colour.find("\033[0m"), std::string::npos);
}

}  // namespace
}  // namespace udm::lvm::report

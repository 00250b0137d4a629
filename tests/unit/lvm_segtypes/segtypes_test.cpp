// The segment type handlers: the registry's lookups, each type's text import
// and export (unknown keys kept), its dm table line, report values, lvdisplay
// lines, validation and lvcreate checks.
#include <gtest/gtest.h>

#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {
namespace {

Segment striped_seg(extent_t start, extent_t count, std::vector<SegmentArea> areas, sector_t stripe_size = 0) {
  Segment s;
  s.start_extent = start;
  s.extent_count = count;
  s.type = "striped";
  s.stripes = std::move(areas);
  s.stripe_size = stripe_size;
  return s;
}

Segment typed_seg(std::string type, extent_t count) {
  Segment s;
  s.extent_count = count;
  s.type = std::move(type);
  s.stripes.clear();
  return s;
}

LogicalVolume lv_of(std::string name, std::string id, std::vector<Segment> segs) {
  LogicalVolume lv;
  lv.name = std::move(name);
  lv.id = std::move(id);
  lv.creation_host = "host";
  lv.creation_time = 1700000000;
  lv.segments = std::move(segs);
  return lv;
}

VolumeGroup test_vg() {
  VolumeGroup vg;
  vg.name = "vg0";
  vg.id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  vg.seqno = 3;
  vg.extent_size = 8192;
  for (int i = 0; i < 2; ++i) {
    PhysicalVolume pv;
    pv.name = "pv" + std::to_string(i);
    pv.id = std::string(31, 'p') + std::to_string(i);
    pv.device = "/dev/loop" + std::to_string(i);
    pv.dev_size = 204800;
    pv.pe_start = 2048;
    pv.pe_count = 24;
    vg.pvs.push_back(pv);
  }
  Segment lin = striped_seg(0, 4, {{"pv0", 0}});
  // A key udm does not know: kept and written back after the known ones.
  lin.unknown.push_back(ConfigNode{.key = "future_key", .is_section = false, .value = ConfigValue::of_int(7),
                                   .children = {}, .comment = {}});
  vg.lvs.push_back(lv_of("lin", std::string(32, 'l'), {lin}));
  vg.lvs.push_back(lv_of("str", std::string(32, 's'), {striped_seg(0, 8, {{"pv0", 4}, {"pv1", 0}}, 128)}));
  vg.lvs.push_back(lv_of("z", std::string(32, 'z'), {typed_seg("zero", 10)}));
  vg.lvs.push_back(lv_of("e", std::string(32, 'e'), {typed_seg("error", 2)}));
  // A type udm keeps without running (its keys round-trip as read).
  Segment thin = typed_seg("writecache", 5);
  thin.unknown.push_back(ConfigNode{.key = "thin_pool", .is_section = false, .value = ConfigValue::of_string("pool"),
                                    .children = {}, .comment = {}});
  thin.unknown.push_back(ConfigNode{.key = "transaction_id", .is_section = false, .value = ConfigValue::of_int(0),
                                    .children = {}, .comment = {}});
  vg.lvs.push_back(lv_of("t", std::string(32, 't'), {thin}));
  return vg;
}

// ---------------------------------------------------------------- registry

TEST(Registry, BuiltinListInLookupOrder) {
  std::vector<const SegmentType*> v;
  register_builtin_segment_types(v);
  std::vector<std::string_view> names;
  for (auto* t : v) names.push_back(t->name());
  EXPECT_EQ(names, (std::vector<std::string_view>{
                       "linear",     "striped",    "zero",       "error",      "mirror",     "snapshot",
                       "thin-pool",  "thin",       "raid1",      "raid10",     "raid4",      "raid5_la",
                       "raid5_ra",   "raid5_ls",   "raid5_rs",   "raid5_n",    "raid6_zr",   "raid6_nr",
                       "raid6_nc",   "raid6_n_6",  "raid6_ls_6", "raid6_rs_6", "raid6_la_6", "raid6_ra_6",
                       "raid5",      "raid6",      "raid0",      "raid0_meta"}));
  EXPECT_EQ(segment_types().size(), v.size());
}

TEST(Registry, FindByNameAndBySegment) {
  for (std::string_view n : {"linear", "striped", "zero", "error"}) {
    const SegmentType* t = find_segment_type(n);
    ASSERT_NE(t, nullptr) << n;
    EXPECT_EQ(t->name(), n);
    EXPECT_TRUE(t->has(SEG_CAN_CREATE)) << n;
    EXPECT_TRUE(t->has(SEG_CAN_ACTIVATE)) << n;
  }
  EXPECT_EQ(find_segment_type("writecache"), nullptr);
  EXPECT_EQ(find_segment_type("linear")->metadata_name(), "striped");
  EXPECT_EQ(segment_type_of(striped_seg(0, 1, {{"pv0", 0}})).name(), "linear");
  EXPECT_EQ(segment_type_of(striped_seg(0, 2, {{"pv0", 0}, {"pv1", 0}}, 128)).name(), "striped");
  EXPECT_EQ(segment_type_of(striped_seg(0, 2, {})).name(), "striped");  // broken, still striped's to judge
  EXPECT_EQ(segment_type_of(typed_seg("zero", 1)).name(), "zero");
  EXPECT_TRUE(segment_type_of(typed_seg("zero", 1)).has(SEG_VIRTUAL));
  const SegmentType& kept = segment_type_of(typed_seg("writecache", 1));
  EXPECT_EQ(kept.name(), "");
  EXPECT_FALSE(kept.has(SEG_CAN_ACTIVATE));
  EXPECT_TRUE(segment_type_of(typed_seg("snapshot", 1)).has(SEG_HIDES_LV));
  EXPECT_EQ(default_create_type(1).name(), "linear");
  EXPECT_EQ(default_create_type(3).name(), "striped");
  EXPECT_EQ(striped_type().metadata_name(), "striped");
}

TEST(Registry, KnownTypes) {
  EXPECT_TRUE(is_known_type("striped"));
  EXPECT_TRUE(is_known_type("linear"));
  EXPECT_TRUE(is_known_type("thin-pool"));
  EXPECT_TRUE(is_known_type("raid5+RESHAPE"));
  EXPECT_FALSE(is_known_type("frob"));
  EXPECT_FALSE(is_known_type(""));
}

// ---------------------------------------------------------------- text

TEST(Text, EveryTypeRoundTrips) {
  const VolumeGroup vg = test_vg();
  const format::MetadataHeader h = format::make_header("test", 1700000000);
  const std::string text = format::export_vg_text(vg, h);
  // What each handler writes.
  EXPECT_NE(text.find("type = \"striped\"\nstripe_count = 1\n\nstripes = [\n\"pv0\", 0\n]\nfuture_key = 7\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("stripe_count = 2\nstripe_size = 128\n\nstripes = [\n\"pv0\", 4,\n\"pv1\", 0\n]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("type = \"zero\"\n}"), std::string::npos) << text;
  EXPECT_NE(text.find("type = \"error\"\n}"), std::string::npos) << text;
  EXPECT_NE(text.find("type = \"writecache\"\nthin_pool = \"pool\"\ntransaction_id = 0\n}"), std::string::npos) << text;

  auto back = format::import_vg_text(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->vg, vg);
  EXPECT_EQ(format::export_vg_text(back->vg, back->header), text);

  // Backup style: the handler's comments.
  const std::string backup = format::export_vg_backup_text(vg, h);
  EXPECT_NE(backup.find("stripe_count = 1\t# linear\n"), std::string::npos) << backup;
  EXPECT_NE(backup.find("stripe_size = 128\t# 64 Kilobytes\n"), std::string::npos) << backup;
  auto again = format::import_vg_text(backup);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->vg, vg);
}

TEST(Text, StripedImportErrorsNameTheSection) {
  VolumeGroup vg = test_vg();
  std::string text = format::export_vg_text(vg, format::make_header("test", 1700000000));
  const std::string good = "stripe_count = 2\n";
  auto at = text.find(good);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, good.size(), "stripe_count = 3\n");
  auto bad = format::import_vg_text(text);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "VG vg0: LV str segment1: stripe_count 3 but 2 stripes listed");
}

// ---------------------------------------------------------------- table lines

TEST(TableLine, EachType) {
  const VolumeGroup vg = test_vg();
  const std::map<std::string, std::string> paths{{"pv0", "/dev/loop0"}, {"pv1", "/srv/b.img"}};
  auto line = [&](std::size_t lv) {
    const LogicalVolume& l = vg.lvs[lv];
    return segment_type_of(l.segments[0]).target_line(TableContext{vg, l, paths}, l.segments[0]);
  };
  auto lin = line(0);
  ASSERT_TRUE(lin) << lin.error().message;
  EXPECT_EQ(*lin, (TargetLine{"linear", "/dev/loop0 2048"}));
  auto str = line(1);
  ASSERT_TRUE(str) << str.error().message;
  EXPECT_EQ(*str, (TargetLine{"striped", "2 128 /dev/loop0 34816 /srv/b.img 2048"}));
  EXPECT_EQ(*line(2), (TargetLine{"zero", ""}));
  EXPECT_EQ(*line(3), (TargetLine{"error", ""}));
  auto thin = line(4);
  ASSERT_FALSE(thin);
  EXPECT_EQ(thin.error().code, EOPNOTSUPP);
  EXPECT_EQ(thin.error().message, "Cannot activate vg0/t: segment type writecache is not supported");

  const std::map<std::string, std::string> missing{{"pv0", "/dev/loop0"}};
  const LogicalVolume& s = vg.lvs[1];
  auto m = segment_type_of(s.segments[0]).target_line(TableContext{vg, s, missing}, s.segments[0]);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ENODEV);
  EXPECT_EQ(m.error().message, "Cannot activate vg0/str: PV pppppp-pppp-pppp-pppp-pppp-pppp-ppppp1 (/dev/loop1) is missing");
}

// ---------------------------------------------------------------- reports, display

TEST(Report, ValuesPerType) {
  const VolumeGroup vg = test_vg();
  auto rep = [&](std::size_t lv) { return segment_type_of(vg.lvs[lv].segments[0]).report(vg.lvs[lv].segments[0]); };
  EXPECT_EQ(rep(0).segtype, "linear");
  EXPECT_EQ(rep(0).stripes, 1u);
  ASSERT_EQ(rep(0).areas.size(), 1u);
  EXPECT_EQ(rep(0).areas[0].extents, 4u);
  EXPECT_EQ(rep(1).segtype, "striped");
  EXPECT_EQ(rep(1).stripes, 2u);
  EXPECT_EQ(rep(1).stripe_size, 128u);
  ASSERT_EQ(rep(1).areas.size(), 2u);
  EXPECT_EQ(rep(1).areas[1].area.name, "pv1");
  EXPECT_EQ(rep(1).areas[1].extents, 4u);
  EXPECT_EQ(rep(2).segtype, "zero");
  EXPECT_EQ(rep(2).stripes, 0u);
  EXPECT_TRUE(rep(2).areas.empty());
  EXPECT_EQ(rep(4).segtype, "writecache");

  EXPECT_EQ(lv_layout(vg.lvs[0]), "linear");
  EXPECT_EQ(lv_layout(vg.lvs[1]), "striped");
  EXPECT_EQ(lv_layout(vg.lvs[2]), "unknown");
  EXPECT_EQ(lv_layout(vg.lvs[4]), "writecache");
  LogicalVolume mixed = vg.lvs[0];
  mixed.segments.push_back(vg.lvs[1].segments[0]);
  EXPECT_EQ(lv_layout(mixed), "striped");
  EXPECT_TRUE(lv_has_virtual_segment(vg.lvs[3]));
  EXPECT_FALSE(lv_has_virtual_segment(mixed));
}

TEST(Display, LvdisplayMapsLines) {
  const VolumeGroup vg = test_vg();
  DisplayContext ctx{[](const SegmentArea& a) { return "/dev/" + a.name; }, [](sector_t s) { return std::to_string(s) + "s"; }};
  auto lines = [&](std::size_t lv) {
    return segment_type_of(vg.lvs[lv].segments[0]).display_lines(ctx, vg.lvs[lv].segments[0]);
  };
  EXPECT_EQ(lines(0), "    Physical volume\t/dev/pv0\n    Physical extents\t0 to 3\n");
  EXPECT_EQ(lines(1),
            "    Stripes\t\t2\n    Stripe size\t\t128s\n"
            "    Stripe 0:\n      Physical volume\t/dev/pv0\n      Physical extents\t4 to 7\n"
            "    Stripe 1:\n      Physical volume\t/dev/pv1\n      Physical extents\t0 to 3\n");
  EXPECT_EQ(lines(2), "");
  EXPECT_EQ(lines(4), "");
}

// ---------------------------------------------------------------- map, validation, lvcreate

TEST(Model, ExtentMapAndValidationAskTheHandlers) {
  VolumeGroup vg = test_vg();
  auto map = pv_extent_map(vg);
  ASSERT_EQ(map.size(), 3u);  // lin on pv0, str on pv0 and pv1; zero/error/thin use none
  EXPECT_EQ(pv_free_extents(vg, vg.pvs[0]), 24u - 8u);
  EXPECT_TRUE(validation_problems(vg).empty());
  vg.lvs[1].segments[0].stripe_size = 100;
  auto p = validation_problems(vg);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "LV str segment 1: stripe_size 100 is not a power of two");
  // pvmove's mirror segment: its PV areas are used extents.
  Segment mirror = typed_seg("mirror", 3);
  mirror.unknown.push_back(ConfigNode{.key = "mirrors", .is_section = false,
                                      .value = ConfigValue::of_array({ConfigValue::of_string("pv1"), ConfigValue::of_int(10),
                                                                      ConfigValue::of_string("pv0"), ConfigValue::of_int(20)}),
                                      .children = {}, .comment = {}});
  vg.lvs.push_back(lv_of("pvmove0", std::string(32, 'm'), {mirror}));
  EXPECT_EQ(pv_free_extents(vg, vg.pvs[1]), 24u - 4u - 3u);
}

TEST(Create, ChecksAndVirtualSegments) {
  auto r = find_segment_type("linear")->check_create({.extents = 4, .stripes = 2, .stripes_given = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "--stripes not allowed with --type linear");
  EXPECT_TRUE(find_segment_type("striped")->check_create({.extents = 4, .stripes = 2, .stripes_given = true}));
  EXPECT_TRUE(find_segment_type("striped")->virtual_segments(0, 4).empty());
  auto z = find_segment_type("zero")->virtual_segments(3, 5);
  ASSERT_EQ(z.size(), 1u);
  EXPECT_EQ(z[0].type, "zero");
  EXPECT_EQ(z[0].start_extent, 3u);
  EXPECT_EQ(z[0].extent_count, 5u);
  EXPECT_TRUE(z[0].stripes.empty());
  EXPECT_EQ(find_segment_type("error")->virtual_segments(0, 1).at(0).type, "error");
  // lvextend continues with the last segment's stripes.
  const Segment str = striped_seg(0, 8, {{"pv0", 4}, {"pv1", 0}}, 128);
  EXPECT_EQ(segment_type_of(str).alloc_shape(str).stripes, 2u);
  EXPECT_EQ(segment_type_of(str).alloc_shape(str).stripe_size, 128u);
  const Segment lin = striped_seg(0, 4, {{"pv0", 0}});
  EXPECT_EQ(segment_type_of(lin).alloc_shape(lin).stripes, 1u);
}

}  // namespace
}  // namespace udm::lvm::segtypes

// lvm2's mirror segments (a --type mirror LV with core and disk log, and
// pvmove's pvmove0) as real lvm2 wrote them (fixtures: vgcfgbackup of
// `lvconvert --type mirror` and of a pvmove stopped before copying): read,
// written back byte for byte, planned into lvm2's dm tables.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "lvm/activate/device_tree.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/metadata/dm_names.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(LVM_FIXTURE_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

format::VgText load(const std::string& name) {
  auto vt = format::import_vg_text(fixture(name));
  EXPECT_TRUE(vt) << (vt ? "" : vt.error().message);
  return vt ? *vt : format::VgText{};
}

std::string ref(const VolumeGroup& vg, std::string_view lv) {
  return activate::device_ref(dm_device_uuid(vg.id, vg.find_lv(lv)->id));
}

const std::map<std::string, std::string> PATHS{{"pv0", "/dev/p0"}, {"pv1", "/dev/p1"}, {"pv2", "/dev/p2"}};

TEST(MirrorSegment, Lvm2TextRoundTripsByteForByte) {
  for (const char* f : {"mirror.vg", "pvmove.vg"}) {
    const std::string text = fixture(f);
    auto vt = format::import_vg_text(text);
    ASSERT_TRUE(vt) << f << ": " << vt.error().message;
    EXPECT_EQ(format::export_vg_backup_text(vt->vg, vt->header), text) << f;
    EXPECT_TRUE(validate(vt->vg)) << f;
  }
}

TEST(MirrorSegment, KeysAsLvm2WritesThem) {
  auto vt = load("mirror.vg");
  const Segment& md = vt.vg.find_lv("md")->segments[0];
  auto k = segtypes::mirror_keys(md);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->mirror_log, "md_mlog");
  EXPECT_EQ(k->region_size, 4096u);
  EXPECT_FALSE(k->extents_moved);
  ASSERT_EQ(k->mirrors.size(), 2u);
  EXPECT_EQ(k->mirrors[1], (SegmentArea{"md_mimage_1", 0}));
  EXPECT_FALSE(segtypes::mirror_keys(vt.vg.find_lv("mc")->segments[0])->mirror_log);
  // Rewriting the keys gives the same list.
  Segment again = md;
  segtypes::set_mirror_keys(again, *k);
  EXPECT_EQ(again, md);
  bool log = false;
  EXPECT_EQ(segtypes::mirror_of_sub_lv(vt.vg, *vt.vg.find_lv("md_mlog"), &log)->name, "md");
  EXPECT_TRUE(log);
  EXPECT_EQ(segtypes::mirror_of_sub_lv(vt.vg, *vt.vg.find_lv("mc_mimage_1"), &log)->name, "mc");
  EXPECT_FALSE(log);
  // The mirror's images use PV extents (the map counts them once, through the images).
  EXPECT_EQ(pv_free_extents(vt.vg, *vt.vg.find_pv("pv0")), 11u);
}

TEST(MirrorSegment, BrokenKeysAreErrorsNamingTheKey) {
  auto vt = load("mirror.vg");
  Segment s = vt.vg.find_lv("mc")->segments[0];
  auto k = *segtypes::mirror_keys(s);
  k.mirrors.pop_back();
  segtypes::set_mirror_keys(s, k);
  s.unknown[0].value.integer = 2;  // mirror_count disagrees now
  auto r = segtypes::mirror_keys(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "mirror segment: mirror_count 2 but 1 mirrors listed");
}

TEST(MirrorActivation, CoreAndDiskLogTablesAsLvm2) {
  auto vt = load("mirror.vg");
  const VolumeGroup& vg = vt.vg;
  auto tree = activate::plan_lv(vg, *vg.find_lv("md"), PATHS);
  ASSERT_TRUE(tree) << tree.error().message;
  ASSERT_EQ(tree->devices().size(), 4u);
  const auto& top = tree->top();
  EXPECT_EQ(top.name, "vgm-md");
  ASSERT_EQ(top.table.size(), 1u);
  EXPECT_EQ(top.table[0], (segtypes::TableLine{0, 16384, "mirror",
                                               "disk 2 " + ref(vg, "md_mlog") + " 4096 2 " + ref(vg, "md_mimage_0") +
                                                   " 0 " + ref(vg, "md_mimage_1") + " 0 1 handle_errors"}));
  const activate::DmDevice* log = tree->find(dm_device_uuid(vg.id, vg.find_lv("md_mlog")->id));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->name, "vgm-md_mlog");
  EXPECT_EQ(log->table[0], (segtypes::TableLine{0, 8192, "linear", "/dev/p2 2048"}));
  const activate::DmDevice* img = tree->find(dm_device_uuid(vg.id, vg.find_lv("md_mimage_1")->id));
  ASSERT_TRUE(img);
  EXPECT_EQ(img->name, "vgm-md_mimage_1");
  EXPECT_EQ(img->table[0], (segtypes::TableLine{0, 16384, "linear", "/dev/p1 18432"}));

  auto core = activate::plan_lv(vg, *vg.find_lv("mc"), PATHS);
  ASSERT_TRUE(core) << core.error().message;
  EXPECT_EQ(core->top().table[0].params,
            "core 1 4096 2 " + ref(vg, "mc_mimage_0") + " 0 " + ref(vg, "mc_mimage_1") + " 0 1 handle_errors");
}

TEST(PvmoveActivation, OneSegmentRunsTheOthersAreLinear) {
  auto vt = load("pvmove.vg");
  VolumeGroup vg = vt.vg;
  // LV a maps onto pvmove0's device.
  auto a = activate::plan_lv(vg, *vg.find_lv("a"), PATHS);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(a->devices().size(), 2u);
  EXPECT_EQ(a->devices()[0].name, "vgp-pvmove0");
  EXPECT_EQ(a->top().table[0], (segtypes::TableLine{0, 24576, "linear", ref(vg, "pvmove0") + " 0"}));
  EXPECT_EQ(a->top().table[1], (segtypes::TableLine{24576, 8192, "linear", ref(vg, "pvmove0") + " 24576"}));
  const auto& t = a->devices()[0].table;
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0], (segtypes::TableLine{0, 24576, "mirror", "core 1 4096 2 /dev/p0 2048 /dev/p1 2048"}));
  EXPECT_EQ(t[1], (segtypes::TableLine{24576, 8192, "linear", "/dev/p0 43008"}));
  // Segment 1 copied: it maps the destination, segment 2 runs.
  LogicalVolume& mv = *vg.find_lv("pvmove0");
  auto k = *segtypes::mirror_keys(mv.segments[0]);
  k.extents_moved = 3;
  segtypes::set_mirror_keys(mv.segments[0], k);
  auto p = activate::plan_lv(vg, mv, PATHS);
  ASSERT_TRUE(p) << p.error().message;
  const auto& t2 = p->top().table;
  EXPECT_EQ(t2[0], (segtypes::TableLine{0, 24576, "linear", "/dev/p1 2048"}));
  EXPECT_EQ(t2[1], (segtypes::TableLine{24576, 8192, "mirror", "core 1 4096 2 /dev/p0 43008 /dev/p1 26624"}));
  EXPECT_EQ(t2[2].type, "linear");
  EXPECT_EQ(segtypes::pvmove_running_segment(mv), 1u);
}

TEST(PvmoveActivation, RegionSizeAsLvm2AdjustsIt) {
  EXPECT_EQ(segtypes::pvmove_region_size(8192, 3), 4096u);
  EXPECT_EQ(segtypes::pvmove_region_size(2048, 3), 2048u);
  EXPECT_EQ(segtypes::pvmove_region_size(2048, 6), 4096u);
  EXPECT_EQ(segtypes::pvmove_region_size(8, 12), 32u);
}

TEST(MirrorStatus, ParsesRegionsAndHealth) {
  auto s = segtypes::parse_mirror_status("2 7:1 7:2 5/16 1 AA 1 core");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->in_sync, 5u);
  EXPECT_EQ(s->regions, 16u);
  EXPECT_EQ(s->health, "AA");
  EXPECT_TRUE(segtypes::parse_mirror_status("3 252:1 252:2 252:3 16/16 1 AAD 3 disk 252:4 A"));
  EXPECT_FALSE(segtypes::parse_mirror_status("2 7:1 7:2 5/0 1 AA 1 core"));
  EXPECT_FALSE(segtypes::parse_mirror_status("9 7:1"));
  EXPECT_FALSE(segtypes::parse_mirror_status(""));
}

}  // namespace
}  // namespace udm::lvm

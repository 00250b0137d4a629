// Old-style snapshots in the model and in activation: lvm2's metadata (as
// real lvm2 2.03.16 wrote it with lvconvert -s) read and written back,
// visibility of carrier and COW, the merging state, lvm2's COW size limit,
// the driver's status text, and the devices lay_out plans (lvm2's names,
// uuids and tables).
#include <gtest/gtest.h>

#include "lvm/activate/device_tree.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/metadata/dm_names.hpp"
#include "lvm/segtypes/snapshot.hpp"

namespace udm::lvm::segtypes {
namespace {

// Written by real lvm2 (lvcreate lv, cow; lvconvert -s vgs/lv vgs/cow).
constexpr std::string_view LVM2_TEXT = R"(vgs {
id = "flz9AB-OXKa-Yiif-Li38-kCR0-nNnG-vvczH3"
seqno = 4
format = "lvm2"
status = ["RESIZEABLE", "READ", "WRITE"]
flags = []
extent_size = 8192
max_lv = 0
max_pv = 0
metadata_copies = 0

physical_volumes {

pv0 {
id = "tL9ZkX-8XGV-wdOj-PEs5-eDiw-Y1WP-0Kfg5f"
device = "/dev/loop0"

status = ["ALLOCATABLE"]
flags = []
dev_size = 131072
pe_start = 2048
pe_count = 15
}
}

logical_volumes {

lv {
id = "ViW9Vh-b6ue-cwCq-LdIS-xrF6-0VrC-JfDo0C"
status = ["READ", "WRITE", "VISIBLE"]
flags = []
creation_time = 1796432962
creation_host = "vm"
segment_count = 1

segment1 {
start_extent = 0
extent_count = 2

type = "striped"
stripe_count = 1

stripes = [
"pv0", 0
]
}
}

cow {
id = "GHW8q6-vvro-x6No-JhDu-xi0R-BQ84-lefZF7"
status = ["READ", "WRITE"]
flags = []
creation_time = 1796432962
creation_host = "vm"
segment_count = 1

segment1 {
start_extent = 0
extent_count = 1

type = "striped"
stripe_count = 1

stripes = [
"pv0", 2
]
}
}

snapshot0 {
id = "XrCac3-vs4k-yiRa-Mbgy-Y3Xj-IN3r-bT8pbm"
status = ["READ", "WRITE", "VISIBLE"]
flags = []
creation_time = 1796432964
creation_host = "vm"
segment_count = 1

segment1 {
start_extent = 0
extent_count = 2

type = "snapshot"
chunk_size = 8
origin = "lv"
cow_store = "cow"
}
}
}
}
contents = "Text Format Volume Group"
version = 1
)";

VolumeGroup lvm2_vg() {
  auto t = format::import_vg_text(LVM2_TEXT);
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
  return t->vg;
}

TEST(Snapshot, Lvm2MetadataReadsAsOriginCowAndCarrier) {
  const VolumeGroup vg = lvm2_vg();
  auto all = snapshots(vg);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].origin, "lv");
  EXPECT_EQ(all[0].cow, "cow");
  EXPECT_EQ(all[0].chunk_size, 8u);
  EXPECT_FALSE(all[0].merging);
  EXPECT_EQ(all[0].carrier->name, "snapshot0");
  EXPECT_TRUE(lv_is_origin(vg, *vg.find_lv("lv")));
  EXPECT_TRUE(lv_is_cow(vg, *vg.find_lv("cow")));
  EXPECT_TRUE(lv_is_snapshot_carrier(*vg.find_lv("snapshot0")));
  // lvm2's visibility: the COW shows (its origin does), the carrier does not.
  EXPECT_EQ(lv_visibility(vg), (std::vector<bool>{true, true, false}));
  EXPECT_TRUE(validation_problems(vg).empty());
}

TEST(Snapshot, RoundTripKeepsLvm2sKeysInOrder) {
  VolumeGroup vg = lvm2_vg();
  const std::string text = format::export_vg_text(vg, {});
  EXPECT_NE(text.find("type = \"snapshot\"\nchunk_size = 8\norigin = \"lv\"\ncow_store = \"cow\""),
            std::string::npos)
      << text;
  auto again = format::import_vg_text(text);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->vg.lvs, vg.lvs);
}

TEST(Snapshot, NewSegmentIsWhatLvm2Writes) {
  const VolumeGroup vg = lvm2_vg();
  const Segment made = make_snapshot_segment(2, 8, "lv", "cow");
  EXPECT_EQ(made, vg.find_lv("snapshot0")->segments[0]);
  EXPECT_EQ(next_snapshot_carrier_name(vg), "snapshot1");
}

TEST(Snapshot, MergingHidesCowAndCarrier) {
  VolumeGroup vg = lvm2_vg();
  LogicalVolume* carrier = vg.find_lv("snapshot0");
  set_snapshot_merging(carrier->segments[0], true);
  carrier->status.remove("VISIBLE");
  ASSERT_TRUE(merging_snapshot_of_origin(vg, "lv").has_value());
  EXPECT_EQ(lv_visibility(vg), (std::vector<bool>{true, false, false}));
  const std::string text = format::export_vg_text(vg, {});
  EXPECT_NE(text.find("merging_store = \"cow\""), std::string::npos);
  set_snapshot_merging(carrier->segments[0], false);
  EXPECT_FALSE(merging_snapshot_of_origin(vg, "lv").has_value());
}

TEST(Snapshot, RenameFollowsOriginAndCow) {
  VolumeGroup vg = lvm2_vg();
  rename_snapshot_refs(vg, "lv", "data");
  rename_snapshot_refs(vg, "cow", "snap");
  auto all = snapshots(vg);
  EXPECT_EQ(all[0].origin, "data");
  EXPECT_EQ(all[0].cow, "snap");
}

TEST(Snapshot, ValidationNamesMissingPieces) {
  VolumeGroup vg = lvm2_vg();
  vg.find_lv("snapshot0")->segments[0] = make_snapshot_segment(2, 3, "gone", "cow");
  auto p = validation_problems(vg);
  ASSERT_FALSE(p.empty());
  EXPECT_NE(p[0].find("snapshot origin gone not found"), std::string::npos) << p[0];
}

TEST(Snapshot, CowMaximumAsLvm2ComputesIt) {
  // 8 MiB origin, 4 KiB chunks: 2048 data chunks, 9 metadata chunks, header.
  EXPECT_EQ(cow_max_sectors(16384, 8), (1u + 2048 + 9) * 8);
  EXPECT_EQ(cow_max_extents(16384, 8, 8192), 3u);
  // A chunk count that fills its areas exactly needs one more (the terminator).
  EXPECT_EQ(cow_max_sectors(256 * 8, 8), (1u + 256 + 2) * 8);
}

TEST(Snapshot, StatusTextAndPercent) {
  auto s = parse_snapshot_status("16/8192 16");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->used_sectors, 16u);
  EXPECT_EQ(s->total_sectors, 8192u);
  EXPECT_EQ(snapshot_percent(*s), 0);  // only metadata used: 0.00%
  s = parse_snapshot_status("48/8192 16");
  EXPECT_EQ(snapshot_percent(*s), 585937);  // 0.59%
  s = parse_snapshot_status("Invalid");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->invalid);
  EXPECT_EQ(snapshot_percent(*s), 100'000'000);
  EXPECT_FALSE(snapshot_percent(*parse_snapshot_status("Merge failed")).has_value());
  for (auto bad : {"", "16", "x/8 1", "16/ 1", "1/2 z", "99999999999999999999999/1 1"})
    EXPECT_FALSE(parse_snapshot_status(bad).has_value()) << bad;
}

// ---- activation plans

const std::map<std::string, std::string> PATHS{{"pv0", "/dev/loop0"}};

std::string uuid_of(const VolumeGroup& vg, std::string_view lv, std::string_view layer = {}) {
  return dm_device_uuid(vg.id, vg.find_lv(lv)->id, layer);
}

TEST(SnapshotPlan, OriginBringsTheFourDevicesOfLvm2) {
  const VolumeGroup vg = lvm2_vg();
  auto tree = activate::plan_lv(vg, *vg.find_lv("lv"), PATHS);
  ASSERT_TRUE(tree.has_value()) << tree.error().message;
  std::vector<std::string> names;
  for (const auto& d : tree->devices()) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"vgs-lv-real", "vgs-cow-cow", "vgs-cow", "vgs-lv"}));
  const auto* real = tree->find(uuid_of(vg, "lv", "real"));
  ASSERT_NE(real, nullptr);
  EXPECT_EQ(real->table, (std::vector<TableLine>{{0, 16384, "linear", "/dev/loop0 2048"}}));
  const auto* cow = tree->find(uuid_of(vg, "cow", "cow"));
  ASSERT_NE(cow, nullptr);
  EXPECT_EQ(cow->table, (std::vector<TableLine>{{0, 8192, "linear", "/dev/loop0 18432"}}));
  const auto* snap = tree->find(uuid_of(vg, "cow"));
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->table, (std::vector<TableLine>{{0, 16384, "snapshot",
                                                  activate::device_ref(real->uuid) + " " +
                                                      activate::device_ref(cow->uuid) + " P 8"}}));
  EXPECT_EQ(tree->top().table,
            (std::vector<TableLine>{{0, 16384, "snapshot-origin", activate::device_ref(real->uuid)}}));
  EXPECT_EQ(real->uuid, "LVM-" + vg.id + vg.find_lv("lv")->id + "-real");
}

TEST(SnapshotPlan, MergingOriginRunsSnapshotMergeWithoutTheSnapshotDevice) {
  VolumeGroup vg = lvm2_vg();
  set_snapshot_merging(vg.find_lv("snapshot0")->segments[0], true);
  auto tree = activate::plan_lv(vg, *vg.find_lv("lv"), PATHS);
  ASSERT_TRUE(tree.has_value()) << tree.error().message;
  std::vector<std::string> names;
  for (const auto& d : tree->devices()) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"vgs-lv-real", "vgs-cow-cow", "vgs-lv"}));
  EXPECT_EQ(tree->top().table[0].type, "snapshot-merge");
  EXPECT_FALSE(activate::plan_lv(vg, *vg.find_lv("cow"), PATHS).has_value());
}

TEST(SnapshotPlan, WithoutSnapshotsTheOriginIsPlain) {
  VolumeGroup vg = lvm2_vg();
  std::erase_if(vg.lvs, [](const LogicalVolume& lv) { return lv.name != "lv"; });
  auto tree = activate::plan_lv(vg, vg.lvs[0], PATHS);
  ASSERT_TRUE(tree.has_value());
  ASSERT_EQ(tree->devices().size(), 1u);
  EXPECT_EQ(tree->top().table[0].type, "linear");
}

}  // namespace
}  // namespace udm::lvm::segtypes

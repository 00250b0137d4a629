// thin-pool and thin handlers: keys in lvm2's order (byte-identical text
// after a round trip, messages as sections), typed reads with errors naming
// the key, validation, report and lvdisplay -m values, and the devices the
// planner is asked for (VG-POOL-tpool over _tmeta and _tdata).
#include <gtest/gtest.h>

#include "lvm/api/lvcreate_thin.hpp"
#include "lvm/api/thin_activate.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::segtypes {
namespace {

LogicalVolume lv_of(std::string name, char id, std::vector<Segment> segs, bool visible = true) {
  LogicalVolume lv;
  lv.name = std::move(name);
  lv.id = std::string(32, id);
  lv.creation_host = "host";
  lv.creation_time = 1700000000;
  if (!visible) lv.status.remove("VISIBLE");
  lv.segments = std::move(segs);
  return lv;
}

Segment linear(extent_t count, extent_t pe) {
  Segment s;
  s.extent_count = count;
  s.stripes = {{"pv0", pe}};
  return s;
}

VolumeGroup pool_vg() {
  VolumeGroup vg;
  vg.name = "vg0";
  vg.id = std::string(32, 'v');
  vg.seqno = 1;
  PhysicalVolume pv;
  pv.name = "pv0";
  pv.id = std::string(32, 'p');
  pv.device = "/dev/loop0";
  pv.dev_size = 409600;
  pv.pe_start = 2048;
  pv.pe_count = 49;
  vg.pvs.push_back(pv);
  ThinPoolKeys pk;
  pk.metadata = "pool_tmeta";
  pk.pool = "pool_tdata";
  pk.transaction_id = 2;
  pk.messages.push_back({"thin2", 0});
  Segment ps;
  ps.extent_count = 10;
  set_thin_pool_keys(ps, pk);
  ThinKeys t1{"pool", 0, 1, {}, {}, {}};
  ThinKeys t2{"pool", 1, 2, {}, std::string("thin1"), {}};
  Segment s1, s2;
  s1.extent_count = 4;
  s2.extent_count = 4;
  set_thin_keys(s1, t1);
  set_thin_keys(s2, t2);
  vg.lvs.push_back(lv_of("pool", 'P', {ps}));
  vg.lvs.push_back(lv_of("thin1", '1', {s1}));
  vg.lvs.push_back(lv_of("thin2", '2', {s2}));
  vg.lvs.push_back(lv_of("lvol0_pmspare", 's', {linear(1, 0)}, false));
  vg.lvs.push_back(lv_of("pool_tmeta", 'm', {linear(1, 11)}, false));
  vg.lvs.push_back(lv_of("pool_tdata", 'd', {linear(10, 1)}, false));
  return vg;
}

TEST(Thin, TextInLvm2sOrderAndRoundTrip) {
  const VolumeGroup vg = pool_vg();
  const auto h = format::make_header("test", 1700000000);
  const std::string text = format::export_vg_text(vg, h);
  EXPECT_NE(text.find("type = \"thin-pool\"\nmetadata = \"pool_tmeta\"\npool = \"pool_tdata\"\ntransaction_id = 2\n"
                      "chunk_size = 128\ndiscards = \"passdown\"\nzero_new_blocks = 1\nmessage1 {\ncreate = \"thin2\"\n}\n}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("type = \"thin\"\nthin_pool = \"pool\"\ntransaction_id = 1\ndevice_id = 2\norigin = \"thin1\"\n}"),
            std::string::npos)
      << text;
  auto back = format::import_vg_text(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->vg, vg);
  EXPECT_EQ(format::export_vg_text(back->vg, back->header), text);
  const std::string backup = format::export_vg_backup_text(vg, h);
  EXPECT_NE(backup.find("chunk_size = 128\t# 64 Kilobytes\n"), std::string::npos) << backup;
  EXPECT_TRUE(validation_problems(vg).empty()) << validation_problems(vg).front();
}

TEST(Thin, TypedKeys) {
  const VolumeGroup vg = pool_vg();
  auto pk = thin_pool_keys(vg.lvs[0].segments[0]);
  ASSERT_TRUE(pk) << pk.error().message;
  EXPECT_EQ(pk->transaction_id, 2u);
  EXPECT_EQ(pk->chunk_size, 128u);
  EXPECT_TRUE(pk->zero_new_blocks);
  ASSERT_EQ(pk->messages.size(), 1u);
  EXPECT_EQ(pk->messages[0].create, "thin2");
  auto tk = thin_keys(vg.lvs[2].segments[0]);
  ASSERT_TRUE(tk);
  EXPECT_EQ(tk->device_id, 2u);
  EXPECT_EQ(tk->origin, std::optional<std::string>("thin1"));
  // A delete message and no zeroing.
  Segment s = vg.lvs[0].segments[0];
  pk->messages = {{"", 7}};
  pk->zero_new_blocks = false;
  set_thin_pool_keys(s, *pk);
  auto again = thin_pool_keys(s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->messages[0].delete_id, 7u);
  EXPECT_FALSE(again->zero_new_blocks);
  // Missing and mistyped keys are named.
  Segment bad = vg.lvs[1].segments[0];
  bad.unknown.erase(bad.unknown.begin() + 2);  // device_id
  EXPECT_EQ(thin_keys(bad).error().message, "thin segment: device_id missing");
  Segment bad2 = vg.lvs[0].segments[0];
  bad2.unknown[3].value = ConfigValue::of_string("x");  // chunk_size
  EXPECT_EQ(thin_pool_keys(bad2).error().message, "thin-pool segment: chunk_size must be a number");
}

TEST(Thin, Validation) {
  VolumeGroup vg = pool_vg();
  auto k = thin_pool_keys(vg.lvs[0].segments[0]);
  k->chunk_size = 100;
  set_thin_pool_keys(vg.lvs[0].segments[0], *k);
  auto t = thin_keys(vg.lvs[1].segments[0]);
  t->thin_pool = "nopool";
  set_thin_keys(vg.lvs[1].segments[0], *t);
  auto p = validation_problems(vg);
  std::string all;
  for (const auto& x : p) all += x + "\n";
  EXPECT_NE(all.find("chunk_size 100 is not a multiple of 64 KiB"), std::string::npos) << all;
  EXPECT_NE(all.find("thin pool nopool not found"), std::string::npos) << all;
}

TEST(Thin, ReportAndDisplay) {
  const VolumeGroup vg = pool_vg();
  const SegmentType& pool = segment_type_of(vg.lvs[0].segments[0]);
  const SegmentType& thin = segment_type_of(vg.lvs[1].segments[0]);
  EXPECT_EQ(pool.name(), "thin-pool");
  EXPECT_EQ(thin.name(), "thin");
  EXPECT_TRUE(thin.has(SEG_VIRTUAL));
  auto r = pool.report(vg.lvs[0].segments[0]);
  ASSERT_EQ(r.areas.size(), 1u);
  EXPECT_EQ(r.areas[0].area.name, "pool_tdata");
  EXPECT_EQ(lv_layout(vg.lvs[0]), "pool,thin");
  EXPECT_EQ(lv_layout(vg.lvs[1]), "thin,sparse");
  DisplayContext ctx{[](const SegmentArea& a) { return a.name; }, [](sector_t s) { return std::to_string(s / 2) + ".00 KiB"; }, &vg};
  EXPECT_EQ(pool.display_lines(ctx, vg.lvs[0].segments[0]),
            "    Monitoring\t\tnot monitored\n    Chunk size\t\t64.00 KiB\n    Discards\t\tpassdown\n"
            "    Thin count\t\t2\n    Transaction ID\t2\n    Zero new blocks\tyes\n");
  EXPECT_EQ(thin.display_lines(ctx, vg.lvs[1].segments[0]), "    Device ID\t\t1\n   \n");
  EXPECT_EQ(pool_thin_lvs(vg, "pool").size(), 2u);
  bool meta = false;
  EXPECT_EQ(pool_of_sub_lv(vg, vg.lvs[4], &meta), &vg.lvs[0]);
  EXPECT_TRUE(meta);
  EXPECT_TRUE(lv_is_pool_metadata_spare(vg.lvs[3]));
}

// Records what a handler asks the planner for.
class FakePlanner final : public DevicePlanner {
 public:
  std::vector<std::string> calls;
  std::vector<TableLine> layer_table;
  Result<std::string> lv_device(const LogicalVolume& lv) override {
    calls.push_back("lv " + lv.name);
    return "<" + lv.name + ">";
  }
  Result<std::string> layer_device(const LogicalVolume& lv, std::string_view layer, std::vector<TableLine> table,
                                   bool) override {
    calls.push_back("layer " + lv.name + "-" + std::string(layer));
    layer_table = table;
    return "<" + lv.name + "-" + std::string(layer) + ">";
  }
  Result<std::vector<TableLine>> own_table(const LogicalVolume&) override { return std::vector<TableLine>{}; }
};

TEST(Thin, PlannedDevices) {
  VolumeGroup vg = pool_vg();
  vg.lvs[0].flags.add("ERROR_WHEN_FULL");
  auto k = thin_pool_keys(vg.lvs[0].segments[0]);
  k->zero_new_blocks = false;
  k->discards = "nopassdown";
  set_thin_pool_keys(vg.lvs[0].segments[0], *k);
  const std::map<std::string, std::string> paths{{"pv0", "/dev/loop0"}};
  FakePlanner p;
  const LogicalVolume& thin = vg.lvs[1];
  auto line = segment_type_of(thin.segments[0]).target_line(TableContext{vg, thin, paths, &p}, thin.segments[0]);
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(*line, (TargetLine{"thin", "<pool-tpool> 1"}));
  EXPECT_EQ(p.calls, (std::vector<std::string>{"lv pool_tmeta", "lv pool_tdata", "layer pool-tpool"}));
  ASSERT_EQ(p.layer_table.size(), 1u);
  EXPECT_EQ(p.layer_table[0], (TableLine{0, 81920, "thin-pool",
                                         "<pool_tmeta> <pool_tdata> 128 0 3 skip_block_zeroing no_discard_passdown "
                                         "error_if_no_space"}));
  const LogicalVolume& pool = vg.lvs[0];
  auto top = segment_type_of(pool.segments[0]).target_line(TableContext{vg, pool, paths, &p}, pool.segments[0]);
  ASSERT_TRUE(top);
  EXPECT_EQ(*top, (TargetLine{"linear", "<pool-tpool> 0"}));
  // Without a planner there is no table of its own.
  EXPECT_FALSE(segment_type_of(pool.segments[0]).target_line(TableContext{vg, pool, paths}, pool.segments[0]));
}

TEST(Thin, PoolStatusAndSizes) {
  using api::detail::parse_thin_pool_status;
  auto st = parse_thin_pool_status("3 37/1024 24/640 - rw discard_passdown queue_if_no_space - 256");
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->transaction_id, 3u);
  EXPECT_EQ(st->used_meta, 37u);
  EXPECT_EQ(st->total_data, 640u);
  EXPECT_FALSE(st->read_only);
  auto ro = parse_thin_pool_status("3 37/1024 640/640 - out_of_data_space discard_passdown queue_if_no_space needs_check 256");
  ASSERT_TRUE(ro);
  EXPECT_TRUE(ro->out_of_data);
  EXPECT_TRUE(ro->needs_check);
  EXPECT_TRUE(parse_thin_pool_status("Fail")->fail);
  EXPECT_FALSE(parse_thin_pool_status("3 x/1 2/3 -"));
  EXPECT_FALSE(parse_thin_pool_status(""));
  EXPECT_EQ(api::detail::thin_display_size(128), "64.00 KiB");
  EXPECT_EQ(api::detail::thin_display_size(33292800ull * 128 * 8), "<15.88 TiB");
  EXPECT_EQ(api::detail::thin_display_size(8192), "4.00 MiB");
}

}  // namespace
}  // namespace udm::lvm::segtypes

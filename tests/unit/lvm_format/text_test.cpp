#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures.hpp"
#include "lvm/format/config_parser.hpp"
#include "lvm/format/vg_text.hpp"

using namespace udm::lvm;
using namespace udm::lvm::format;
using lvm_format_test::fixture_text;

TEST(LvmConfigParser, Grammar) {
  auto t = parse_config(
      "a = 1 # c\n"
      "b=\"q\\\"x\\\\y\\n\"\n"
      "c = 'raw\\'\n"
      "d = [1, \"two\", 3.5]\n"
      "e = []\n"
      "f = bare\n"
      "g = 0x10\n"
      "h = -7\n"
      "\"sec name\" { inner { k = 1 } }\n");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  const auto& r = t->root;
  ASSERT_EQ(r.children.size(), 9u);
  EXPECT_EQ(r.find("a")->value.integer, 1);
  EXPECT_EQ(r.find("a")->comment, "c");
  EXPECT_EQ(r.find("b")->value.text, "q\"x\\y\\n");  // only \" and \\ are unescaped
  EXPECT_EQ(r.find("c")->value.text, "raw\\");
  ASSERT_EQ(r.find("d")->value.array.size(), 3u);
  EXPECT_EQ(r.find("d")->value.array[1].text, "two");
  EXPECT_EQ(r.find("d")->value.array[2].kind, ConfigValue::Kind::real);
  EXPECT_TRUE(r.find("e")->value.is_array());
  EXPECT_EQ(r.find("f")->value.text, "bare");
  EXPECT_EQ(r.find("g")->value.integer, 16);
  EXPECT_EQ(r.find("h")->value.integer, -7);
  ASSERT_TRUE(r.find("sec name")->is_section);
  EXPECT_EQ(r.find("sec name")->find("inner")->find("k")->value.integer, 1);
  EXPECT_EQ(quote_config_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

TEST(LvmConfigParser, ErrorsNamePosition) {
  auto e = parse_config("vg {\nid = \n}\n");
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message.find("line 3"), std::string::npos) << e.error().message;
  EXPECT_NE(e.error().message.find("expected a value"), std::string::npos) << e.error().message;
  EXPECT_FALSE(parse_config("a = \"unterminated").has_value());
  EXPECT_FALSE(parse_config("a { b = 1").has_value());
  EXPECT_FALSE(parse_config("}").has_value());
  EXPECT_FALSE(parse_config("a = [1 2]").has_value());
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "s {";
  EXPECT_FALSE(parse_config(deep).has_value());
}

class LvmTextFixture : public ::testing::TestWithParam<const char*> {};

// Text real lvm2 wrote into an mda survives import + export byte for byte.
TEST_P(LvmTextFixture, RoundTripsByteForByte) {
  const std::string text = fixture_text(GetParam());
  ASSERT_FALSE(text.empty());
  auto vt = import_vg_text(text);
  ASSERT_TRUE(vt.has_value()) << vt.error().message;
  EXPECT_TRUE(validate(vt->vg).has_value()) << validate(vt->vg).error().message;
  EXPECT_EQ(export_vg_text(vt->vg, vt->header), text);
}

INSTANTIATE_TEST_SUITE_P(RealLvm2, LvmTextFixture,
                         ::testing::Values("fx1.vg", "fx2-exported.vg", "fx2-kinds.vg", "fx3-raid-thin.vg"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(LvmText, ImportsModelFromRealLvm2) {
  auto vt = import_vg_text(fixture_text("fx1.vg"));
  ASSERT_TRUE(vt.has_value()) << vt.error().message;
  const VolumeGroup& vg = vt->vg;
  EXPECT_EQ(vg.name, "fx1");
  EXPECT_EQ(vg.extent_size, 8192u);
  EXPECT_EQ(vg.tags, std::vector<std::string>{"vgtag1"});
  EXPECT_EQ(vg.allocation_policy, AllocationPolicy::cling);
  ASSERT_EQ(vg.pvs.size(), 3u);
  EXPECT_EQ(vg.pvs[1].tags, std::vector<std::string>{"pvtag"});
  EXPECT_EQ(vg.pvs[0].pe_count, 15u);
  const LogicalVolume* lin = vg.find_lv("lin");
  ASSERT_NE(lin, nullptr);
  ASSERT_EQ(lin->segments.size(), 3u);
  EXPECT_EQ(lin->extent_count(), 7u);
  EXPECT_EQ(lin->segments[2].stripes[0].name, "pv2");
  const LogicalVolume* str3 = vg.find_lv("str3");
  ASSERT_NE(str3, nullptr);
  EXPECT_EQ(str3->segments[0].stripes.size(), 3u);
  EXPECT_EQ(str3->segments[0].stripe_size, 256u);
  EXPECT_EQ(str3->allocation_policy, AllocationPolicy::contiguous);
  const LogicalVolume* z = vg.find_lv("z");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->read_ahead, 256);
  EXPECT_FALSE(z->status.has("WRITE"));
  EXPECT_EQ(z->segments[0].type, "zero");
  EXPECT_NE(vt->header.description.find("Write from lvrename"), std::string::npos);
  EXPECT_EQ(vt->header.creation_host, "vm");
}

TEST(LvmText, ReadsBackupStyle) {
  // vgcfgbackup output: header first, tabs, comments. Same VG as fx1.vg.
  auto backup = import_vg_text(fixture_text("fx1.backup"));
  ASSERT_TRUE(backup.has_value()) << backup.error().message;
  auto mda = import_vg_text(fixture_text("fx1.vg"));
  ASSERT_TRUE(mda.has_value());
  EXPECT_EQ(backup->vg, mda->vg);
}

TEST(LvmText, BackupStyleRoundTripsByteForByte) {
  const std::string text = fixture_text("fx1.backup");
  auto vt = import_vg_text(text);
  ASSERT_TRUE(vt.has_value()) << vt.error().message;
  EXPECT_EQ(export_vg_backup_text(vt->vg, vt->header), text);
  // And the backup style of a VG reads back as the same VG.
  for (const char* name : {"fx2-kinds.vg", "fx3-raid-thin.vg"}) {
    auto mda = import_vg_text(fixture_text(name));
    ASSERT_TRUE(mda.has_value());
    auto back = import_vg_text(export_vg_backup_text(mda->vg, mda->header));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->vg, mda->vg);
  }
}

TEST(LvmText, ReheadedBackupIsTheExportWithTheNewHeader) {
  for (const char* name : {"fx1.vg", "fx2-kinds.vg", "fx3-raid-thin.vg"}) {
    auto vt = import_vg_text(fixture_text(name));
    ASSERT_TRUE(vt.has_value()) << name;
    const std::string after = export_vg_backup_text(vt->vg, make_backup_header("Created *after* executing 'x'", 1000));
    const MetadataHeader before = make_backup_header("Created *before* executing 'y'", 2000);
    auto reheaded = rehead_backup_text(after, vt->vg, before);
    ASSERT_TRUE(reheaded.has_value()) << name;
    EXPECT_EQ(*reheaded, export_vg_backup_text(vt->vg, before)) << name;
    // Another version (seqno), another VG or a damaged text is not reused.
    VolumeGroup next = vt->vg;
    ++next.seqno;
    EXPECT_FALSE(rehead_backup_text(after, next, before).has_value()) << name;
    VolumeGroup other = vt->vg;
    other.id[0] = other.id[0] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(rehead_backup_text(after, other, before).has_value()) << name;
    for (std::size_t cut = 1; cut < 200 && cut < after.size(); ++cut)
      EXPECT_FALSE(rehead_backup_text(after.substr(0, after.size() - cut), vt->vg, before).has_value()) << name;
    EXPECT_FALSE(rehead_backup_text("", vt->vg, before).has_value()) << name;
  }
}

TEST(LvmText, KeepsUnknownKeys) {
  std::string text = fixture_text("fx1.vg");
  // An unknown key in the VG, a PV, an LV and a segment.
  auto insert_after = [&](const std::string& anchor, const std::string& line) {
    auto p = text.find(anchor);
    ASSERT_NE(p, std::string::npos) << anchor;
    text.insert(p + anchor.size(), line);
  };
  insert_after("metadata_copies = 0\n", "future_vg_key = \"x\"\n");
  insert_after("pe_count = 15\n", "future_pv_key = 5\n");
  insert_after("segment_count = 1\n", "");
  auto vt = import_vg_text(text);
  ASSERT_TRUE(vt.has_value()) << vt.error().message;
  ASSERT_EQ(vt->vg.unknown.size(), 1u);
  EXPECT_EQ(vt->vg.unknown[0].key, "future_vg_key");
  ASSERT_EQ(vt->vg.pvs[0].unknown.size(), 1u);
  EXPECT_EQ(export_vg_text(vt->vg, vt->header), text);
}

// Kept names that are not one word (quoted in the input) are written quoted,
// in both styles, so that the export reads back (a fuzzer found the bare
// `] x = ...` line).
TEST(LvmText, QuotesKeptNamesThatAreNotOneWord) {
  std::string text = fixture_text("fx1.vg");
  auto p = text.find("metadata_copies = 0\n");
  ASSERT_NE(p, std::string::npos);
  text.insert(p, "\"odd key = 1\" = \"v\"\n\"odd {section}\" {\n\"a\\\"b\" = 2\n}\n");
  auto vt = import_vg_text(text);
  ASSERT_TRUE(vt.has_value()) << vt.error().message;
  ASSERT_EQ(vt->vg.unknown.size(), 2u);
  EXPECT_EQ(vt->vg.unknown[0].key, "odd key = 1");
  EXPECT_EQ(vt->vg.unknown[1].key, "odd {section}");
  for (const std::string& out : {export_vg_text(vt->vg, vt->header), export_vg_backup_text(vt->vg, vt->header)}) {
    auto back = import_vg_text(out);
    ASSERT_TRUE(back.has_value()) << back.error().message << "\n" << out;
    EXPECT_EQ(back->vg, vt->vg);
  }
}

TEST(LvmText, RefusesWhatLvm2Refuses) {
  const std::string good = fixture_text("fx1.vg");
  auto expect_error = [](std::string text, const std::string& needle) {
    auto r = import_vg_text(text);
    ASSERT_FALSE(r.has_value()) << needle;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  {
    std::string t = good;
    t.replace(t.find("contents = "), 10, "kontents =");
    expect_error(t, "missing contents field");
  }
  {
    std::string t = good;
    t.replace(t.find("segment_count = 3"), 17, "segment_count = 2");
    expect_error(t, "segment_count and actual number of segments disagree for logical volume lin");
  }
  {
    std::string t = good;
    t.replace(t.find("stripe_count = 3"), 16, "stripe_count = 2");
    expect_error(t, "stripe_count 2 but 3 stripes listed");
  }
  {
    std::string t = good;  // a fuzzer found std::stoull throwing here
    t.replace(t.find("segment1 {"), 10, "segment99999999999999999999999 {");
    expect_error(t, "LV lin: \"segment99999999999999999999999\" is out of range");
  }
  for (const std::string key : {"max_lv = 0", "pe_start = 2048", "stripe_count = 3"}) {
    // Sizes and counts are never negative (a fuzzer found ba_start = -2048
    // imported as 2^64 - 2048, which the export then could not write back).
    std::string t = good;
    const std::string name = key.substr(0, key.find(' '));
    t.replace(t.find(key), key.size(), name + " = -1");
    expect_error(t, name + " is negative");
  }
  {
    std::string t = good;
    t.insert(t.find("pe_start = 2048\n"), "ba_start = -2048\n");
    expect_error(t, "ba_start is negative");
  }
  {
    std::string t = good;
    t.resize(t.size() / 2);  // truncated text
    expect_error(t, "parse error");
  }
  {
    std::string t = good;
    t.replace(t.find("dev_size"), 8, "dev_sizz");
    expect_error(t, "VG fx1: PV pv0: missing dev_size");
  }
}

TEST(LvmText, WritesNewVgThatReimports) {
  VolumeGroup vg;
  vg.name = "new";
  vg.id = generate_id();
  vg.seqno = 1;
  PhysicalVolume pv;
  pv.name = "pv0";
  pv.id = generate_id();
  pv.device = "/dev/loop9";
  pv.dev_size = 131072;
  pv.pe_start = 2048;
  pv.pe_count = 15;
  vg.pvs.push_back(pv);
  LogicalVolume lv;
  lv.name = "with \"quote\"";  // invalid as an LV name, but the text layer must survive it
  lv.id = generate_id();
  lv.creation_host = "h\\ost";
  Segment s;
  s.extent_count = 3;
  s.stripes = {{"pv0", 0}};
  lv.segments.push_back(s);
  vg.lvs.push_back(lv);
  auto header = make_header("ulvm vgcreate new /dev/loop9", 1795565751);
  std::string text = export_vg_text(vg, header);
  auto back = import_vg_text(text);
  ASSERT_TRUE(back.has_value()) << back.error().message << "\n" << text;
  EXPECT_EQ(back->vg, vg);
  EXPECT_EQ(back->header.description, "Write from ulvm vgcreate new /dev/loop9.");
  EXPECT_EQ(export_vg_text(back->vg, back->header), text);
}

TEST(LvmText, VisibleLvsAreWrittenFirstAsLvm2Does) {
  auto vt = import_vg_text(fixture_text("fx2-kinds.vg"));
  ASSERT_TRUE(vt.has_value());
  VolumeGroup& vg = vt->vg;
  const LogicalVolume* cow = vg.find_lv("cow");
  const LogicalVolume* snap = vg.find_lv("snapshot0");
  ASSERT_TRUE(cow && snap);
  EXPECT_TRUE(lv_is_visible(vg, *cow));     // COW of a visible origin
  EXPECT_FALSE(lv_is_visible(vg, *snap));   // the snapshot carrier, despite VISIBLE
  EXPECT_FALSE(lv_is_visible(vg, *vg.find_lv("m_mimage_0")));
  // Put a hidden LV first and "a" after the other visible LVs: the hidden one
  // is still written after every visible one, and "a" moves behind "cpool".
  const std::string text = export_vg_text(vg, vt->header);
  auto hidden = std::find_if(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& l) { return l.name == "r0_rimage_1"; });
  std::rotate(vg.lvs.begin(), hidden, hidden + 1);
  auto a = std::find_if(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& l) { return l.name == "a"; });
  LogicalVolume moved = *a;
  vg.lvs.erase(a);
  vg.lvs.push_back(moved);
  const std::string reordered = export_vg_text(vg, vt->header);
  EXPECT_NE(reordered, text);
  EXPECT_LT(reordered.find("\ncpool {"), reordered.find("\na {"));
  EXPECT_LT(reordered.find("\na {"), reordered.find("\nm_mimage_0 {"));
  EXPECT_LT(reordered.find("\nr0_rimage_1 {"), reordered.find("\nr0_rimage_0 {"));  // hidden: model order
  EXPECT_GT(reordered.find("\nr0_rimage_1 {"), reordered.find("\ncow {"));
}

// udmsetup's formatters against real dmsetup 1.02.185 output
// (shared/specs/evidence/real-dmsetup-output.txt and DMSETUP.md).
#include <gtest/gtest.h>

#include "format.hpp"
#include "report.hpp"

namespace udm::udmsetup {
namespace {

client::DeviceInfo device(std::string name, unsigned minor, int targets, std::string uuid = {}) {
  client::DeviceInfo i;
  i.exists = true;
  i.live_table = targets > 0;
  i.name = std::move(name);
  i.major = 252;
  i.minor = minor;
  i.target_count = targets;
  i.uuid = std::move(uuid);
  return i;
}

TEST(Format, VersionLines) {
  EXPECT_EQ(format_driver_version({4, 48, 0}), "Driver version:    4.48.0\n");
  EXPECT_EQ(format_library_version(), std::string("Library version:   ") +
                                          client::LIBRARY_VERSION + " (" + client::LIBRARY_DATE +
                                          ")\n");
}

TEST(Format, Targets) {
  EXPECT_EQ(format_target_version({"linear", {1, 4, 0}}), "linear           v1.4.0\n");
  EXPECT_EQ(format_target_version({"a-very-long-target", {1, 0, 0}}),
            "a-very-long-target v1.0.0\n");
}

TEST(Format, InfoBlockMatchesSample) {
  EXPECT_EQ(format_info_block(device("x", 0, 1), 256u),
            "Name:              x\n"
            "State:             ACTIVE\n"
            "Read Ahead:        256\n"
            "Tables present:    LIVE\n"
            "Open count:        0\n"
            "Event number:      0\n"
            "Major, minor:      252, 0\n"
            "Number of targets: 1\n"
            "\n");
}

TEST(Format, InfoBlockStatesUuidAndExtras) {
  auto i = device("y", 1, 2, "FOO-uuid1");
  i.suspended = true;
  i.read_only = true;
  i.deferred_remove = true;
  i.inactive_table = true;
  i.open_count = -1;
  EXPECT_EQ(format_info_block(i, std::nullopt, format_file_line("/r/dev/mapper/y")),
            "Name:              y\n"
            "State:             SUSPENDED (READ-ONLY) (DEFERRED REMOVE)\n"
            "Tables present:    LIVE & INACTIVE\n"
            "Event number:      0\n"
            "Major, minor:      252, 1\n"
            "Number of targets: 2\n"
            "UUID: FOO-uuid1\n"
            "File:              /r/dev/mapper/y\n"
            "\n");
  auto none = device("z", 2, 0);
  EXPECT_NE(format_info_block(none, 256u).find("Tables present:    None\n"), std::string::npos);
  none.inactive_table = true;
  EXPECT_NE(format_info_block(none, 256u).find("Tables present:    INACTIVE\n"), std::string::npos);
}

TEST(Format, TableLinesKeepTheSpaceAfterType) {
  client::TableLine zero{0, 8, "zero", ""};
  client::TableLine lin{0, 16, "linear", "7:0 0"};
  EXPECT_EQ(format_table_line(std::nullopt, &zero), "0 8 zero \n");
  EXPECT_EQ(format_table_line(std::string("y"), &lin), "y: 0 16 linear 7:0 0\n");
  EXPECT_EQ(format_table_line(std::string("z"), nullptr), "z: \n");
  EXPECT_EQ(format_table_line(std::nullopt, nullptr), "\n");
}

TEST(Format, LsAndDeps) {
  EXPECT_EQ(format_ls_line({"x", 252, 0, {}, {}}), "x\t(252:0)\n");
  EXPECT_EQ(format_ls_target_line("x", 252, 0), "x\t(252, 0)\n");
  EXPECT_EQ(format_deps(std::nullopt, {{7, 0}}), "1 dependencies\t: (7, 0)\n");
  EXPECT_EQ(format_deps(std::string("y"), {{7, 0}, {7, 1}}), "y: 2 dependencies\t: (7, 0) (7, 1)\n");
  EXPECT_EQ(format_deps(std::nullopt, {}), "0 dependencies\t:\n");
}

TEST(Format, NbdLine) {
  EXPECT_EQ(format_nbd_line("x", "/run/udm/nbd.sock"),
            "NBD URI:           nbd+unix:///x?socket=/run/udm/nbd.sock\n");
}

TEST(Format, NameMangling) {
  EXPECT_EQ(mangle_name("vg-lv_1.2"), "vg-lv_1.2");
  EXPECT_EQ(mangle_name("m a,b"), "m\\x20a\\x2cb");
  EXPECT_EQ(mangle_name("n%1"), "n\\x251");
  EXPECT_EQ(mangle_name("m\\x20a"), "m\\x20a");  // already mangled
  EXPECT_EQ(mangle_name("a\\b"), "a\\x5cb");
  EXPECT_EQ(unmangle_name("m\\x20a\\x2cb"), "m a,b");
  EXPECT_EQ(unmangle_name("plain"), "plain");
  EXPECT_EQ(unmangle_name(mangle_name("q&r w")), "q&r w");
}

TEST(Format, MaskKeys) {
  EXPECT_EQ(mask_keys("crypt", "aes-xts-plain64 abcdef 0 7:0 0"), "aes-xts-plain64 000000 0 7:0 0");
  EXPECT_EQ(mask_keys("crypt", "aes-xts-plain64 :64:logon:k 0 7:0 0"),
            "aes-xts-plain64 :64:logon:k 0 7:0 0");
  EXPECT_EQ(mask_keys("linear", "7:0 0"), "7:0 0");
  EXPECT_EQ(mask_keys("integrity", "7:0 0 32 J 1 internal_hash:hmac(sha256):abcd"),
            "7:0 0 32 J 1 internal_hash:hmac(sha256):0000");
}

TEST(Report, InfoColumnsMatchSample) {
  auto r = Report::create({}, "name,major,minor,attr,open,segments,events,uuid");
  ASSERT_TRUE(r);
  ReportRow x;
  x.info = device("x", 0, 1);
  ReportRow y;
  y.info = device("y", 1, 1, "DEMO-uuid");
  r->add(x);
  r->add(y);
  EXPECT_EQ(r->render(),
            "Name             Maj Min Stat Open Targ Event  UUID                            \n"
            "x                252   0 L--w    0    1      0                                 \n"
            "y                252   1 L--w    0    1      0 DEMO-uuid                       \n");
}

TEST(Report, AttrSuspendedAndInactive) {
  auto r = Report::create({}, "name,major,minor,attr,open,segments,events,uuid");
  ASSERT_TRUE(r);
  ReportRow y;
  y.info = device("y", 1, 1, "DEMO-uuid");
  y.info.suspended = true;
  ReportRow z;
  z.info = device("z", 2, 0);
  z.info.inactive_table = true;
  r->add(y);
  r->add(z);
  EXPECT_EQ(r->render(),
            "Name             Maj Min Stat Open Targ Event  UUID                            \n"
            "y                252   1 L-sw    0    1      0 DEMO-uuid                       \n"
            "z                252   2 -I-w    0    0      0                                 \n");
}

TEST(Report, ChosenFields) {
  ReportOptions o;
  o.fields = "name,attr,tables_loaded,devno";
  auto r = Report::create(o, "name");
  ASSERT_TRUE(r);
  ReportRow x;
  x.info = device("x", 0, 1);
  r->add(x);
  EXPECT_EQ(r->render(), "Name             Stat Tables DevNo\nx                L--w Live   252:0\n");
}

TEST(Report, NoHeadingsUsesColonsAndSeparatorTurnsAlignmentOff) {
  ReportRow x;
  x.info = device("x", 0, 1);
  ReportOptions o;
  o.headings = false;
  auto r = Report::create(o, "name,major,minor,attr,open,segments,events,uuid");
  ASSERT_TRUE(r);
  r->add(x);
  EXPECT_EQ(r->render(), "x:252:0:L--w:0:1:0:\n");
  ReportOptions s;
  s.separator = ",";
  auto r2 = Report::create(s, "name,major,uuid");
  ASSERT_TRUE(r2);
  r2->add(x);
  EXPECT_EQ(r2->render(), "Name,Maj,UUID\nx,252,\n");
}

TEST(Report, NamePrefixes) {
  ReportRow x;
  x.info = device("x", 0, 1);
  ReportOptions o;
  o.name_prefixes = true;
  o.fields = "name,major";
  auto r = Report::create(o, "");
  ASSERT_TRUE(r);
  r->add(x);
  EXPECT_EQ(r->render(), "Name Maj\nDM_NAME='x' DM_MAJOR='252'\n");
  o.headings = false;
  auto quiet = Report::create(o, "");
  ASSERT_TRUE(quiet);
  quiet->add(x);
  EXPECT_EQ(quiet->render(), "DM_NAME='x':DM_MAJOR='252'\n");
}

TEST(Report, RowsPrintOneLinePerField) {
  ReportRow a, b;
  a.info = device("solo2", 4, 1);
  b.info = device("a", 0, 1, "UB");
  ReportOptions o;
  o.rows = true;
  o.fields = "name,minor,uuid";
  auto r = Report::create(o, "");
  ASSERT_TRUE(r);
  r->add(a);
  r->add(b);
  EXPECT_EQ(r->render(), "Name solo2 a\nMin 4 0\nUUID  UB\n");
  o.headings = false;
  auto q = Report::create(o, "");
  ASSERT_TRUE(q);
  q->add(a);
  EXPECT_EQ(q->render(), "solo2\n4\n\n");
}

TEST(Report, PlusAppendsToDefaultsAndUnknownFieldsFail) {
  ReportOptions o;
  o.fields = "+devno";
  auto r = Report::create(o, "name");
  ASSERT_TRUE(r);
  ReportRow x;
  x.info = device("x", 0, 1);
  r->add(x);
  EXPECT_EQ(r->render(), "Name             DevNo\nx                252:0\n");
  o.fields = "name,foo";
  auto bad = Report::create(o, "name");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Unrecognised field: foo");
}

TEST(Report, SplitName) {
  std::string vg, lv, layer;
  split_lvm_name("vg-lv", vg, lv, layer);
  EXPECT_EQ(vg, "vg");
  EXPECT_EQ(lv, "lv");
  EXPECT_EQ(layer, "");
  split_lvm_name("my--vg-thin--pool-tpool", vg, lv, layer);
  EXPECT_EQ(vg, "my-vg");
  EXPECT_EQ(lv, "thin-pool");
  EXPECT_EQ(layer, "tpool");
  ReportRow row;
  row.info.name = "vg-lv";
  row.info.uuid = "LVM-abc";
  fill_split_name(row);
  EXPECT_EQ(row.subsystem, "LVM");
  EXPECT_EQ(row.vg_name, "vg");
}

}  // namespace
}  // namespace udm::udmsetup

// Reports against outputs real lvm 2.03.16 printed for the same VG (golden/:
// vg0.vg is that VG's vgcfgbackup, outN.txt the output of the command in README).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "lvm/format/vg_text.hpp"
#include "lvm/report/report.hpp"

namespace udm::lvm::report {
namespace {

std::string slurp(const std::string& name) {
  std::ifstream f(std::string(GOLDEN_DIR) + "/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class ReportGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = format::import_vg_text(slurp("vg0.vg"));
    ASSERT_TRUE(t) << t.error().message;
    vg_ = t->vg;
    VgView v;
    v.vg = &vg_;
    for (const auto& pv : vg_.pvs) {
      PvDevice d;
      d.path = pv.device;  // /dev/loop3, /dev/loop4 as when captured
      d.dev_size = pv.dev_size;
      d.mda_count = 1;
      d.mda_used_count = 1;
      v.devices.push_back(d);
    }
    input_.vgs.push_back(std::move(v));
  }
  std::string run(ReportType t, Options o) {
    auto r = render(t, input_, o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::string();
  }
  static Units units(const char* u) { return *parse_units(u); }

  VolumeGroup vg_;
  Input input_;
};

TEST_F(ReportGolden, LvsDefault) { EXPECT_EQ(run(ReportType::lvs, {}), slurp("out1.txt")); }

TEST_F(ReportGolden, LvsSegmentFields) {
  Options o;
  o.all = true;
  o.fields = {"+seg_pe_ranges,devices,segtype,stripes,stripe_size"};
  EXPECT_EQ(run(ReportType::lvs, o), slurp("out2.txt"));
}

TEST_F(ReportGolden, LvsJson) {
  Options o;
  o.json = true;
  EXPECT_EQ(run(ReportType::lvs, o), slurp("out3.txt"));
}

TEST_F(ReportGolden, Vgs) {
  EXPECT_EQ(run(ReportType::vgs, {}), slurp("out4.txt"));
  Options j;
  j.json = true;
  EXPECT_EQ(run(ReportType::vgs, j), slurp("out5.txt"));
  Options o;
  o.fields = {"+vg_uuid,vg_extent_size,vg_extent_count,vg_free_count,vg_seqno"};
  EXPECT_EQ(run(ReportType::vgs, o), slurp("out6.txt"));
}

TEST_F(ReportGolden, Pvs) {
  EXPECT_EQ(run(ReportType::pvs, {}), slurp("out7.txt"));
  Options j;
  j.json = true;
  EXPECT_EQ(run(ReportType::pvs, j), slurp("out8.txt"));
  Options o;
  o.fields = {"+pv_uuid,pe_start,pv_pe_count"};
  o.units = units("s");
  EXPECT_EQ(run(ReportType::pvs, o), slurp("out9.txt"));
}

TEST_F(ReportGolden, UnitsSuffixHeadingsSeparator) {
  Options o;
  o.units = units("b");
  o.units.suffix = false;
  o.headings = false;
  EXPECT_EQ(run(ReportType::lvs, o), slurp("out10.txt"));
  Options s;
  s.separator = ":";
  EXPECT_EQ(run(ReportType::lvs, s), slurp("out11.txt"));
  Options h;
  h.units = units("H");
  EXPECT_EQ(run(ReportType::lvs, h), slurp("out13.txt"));
}

TEST_F(ReportGolden, SortAndFieldList) {
  Options o;
  o.sort = {"lv_size"};
  EXPECT_EQ(run(ReportType::lvs, o), slurp("out12.txt"));
  Options f;
  f.fields = {"lv_name,lv_size,lv_uuid,lv_attr"};
  EXPECT_EQ(run(ReportType::lvs, f), slurp("out14.txt"));
}

TEST_F(ReportGolden, PvSegments) {
  Options o;
  o.segments = true;
  o.fields = {"+lv_name,seg_start_pe,segtype"};
  EXPECT_EQ(run(ReportType::pvs, o), slurp("out15.txt"));
}

TEST_F(ReportGolden, SegmentSizesInK) {
  Options o;
  o.fields = {"lv_name,seg_count,seg_size,seg_start"};
  o.units = units("k");
  EXPECT_EQ(run(ReportType::lvs, o), slurp("out16.txt"));
  Options v;
  v.fields = {"vg_name,vg_size,vg_free,vg_extent_size"};
  v.units = units("s");
  EXPECT_EQ(run(ReportType::vgs, v), slurp("out17.txt"));
}

TEST_F(ReportGolden, SegmentJson) {
  Options o;
  o.all = true;
  o.json = true;
  o.fields = {"+seg_pe_ranges"};
  EXPECT_EQ(run(ReportType::lvs, o), slurp("out18.txt"));
}

TEST_F(ReportGolden, UnknownFieldIsAnError) {
  Options o;
  o.fields = {"lv_name,nosuchfield"};
  auto r = render(ReportType::lvs, input_, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Unrecognised field: nosuchfield");
}

TEST_F(ReportGolden, NameSelection) {
  Options o;
  o.fields = {"lv_name"};
  o.headings = false;
  o.select_names = {"vg0/str"};
  EXPECT_EQ(run(ReportType::lvs, o), "  str \n");  // lv_name is at least 4 wide
}

}  // namespace
}  // namespace udm::lvm::report

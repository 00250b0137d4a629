// -S/--select: the parser's tree and lvm2's matching rules per field type
// (measured against lvm 2.03.16; e2e.lvm_report.select compares whole runs).
#include <map>

#include <gtest/gtest.h>

#include "lvm/report/field_help.hpp"
#include "lvm/report/fields.hpp"
#include "lvm/report/select.hpp"

namespace udm::lvm::report {
namespace {

// One LV's values by field name.
struct Values {
  std::map<std::string, Cell> cells;
  Cell operator()(const FieldDef& f) const {
    auto it = cells.find(std::string(f.name));
    if (it != cells.end()) return it->second;
    Cell c = Cell::of_text("");
    return c;
  }
};

Values lv(std::string name, sector_t size, std::string tags) {
  Values v;
  v.cells["lv_name"] = Cell::of_text(std::move(name));
  v.cells["lv_size"] = Cell::of_size(size);
  v.cells["lv_tags"] = Cell::of_text(std::move(tags));
  v.cells["seg_count"] = Cell::of_num(1);
  v.cells["lv_major"] = Cell::of_num(-1);
  v.cells["lv_read_ahead"] = Cell::of_text("auto");
  v.cells["data_percent"] = Cell::of_text("");
  v.cells["lv_fixed_minor"] = Cell::of_text("");
  v.cells["lv_time"] = Cell::of_num(1700000000);
  return v;
}

bool sel(std::string_view text, const Values& v) {
  auto s = parse_selection(ReportType::lvs, text);
  EXPECT_TRUE(s) << text << ": " << (s ? "" : s.error().message);
  return s && selection_matches(*s, std::cref(v));
}

std::string err(std::string_view text) {
  auto s = parse_selection(ReportType::lvs, text);
  EXPECT_FALSE(s) << text;
  return s ? std::string() : s.error().message;
}

const Values LV0 = lv("lv0", 24576, "bar,foo");  // 12 MiB
const Values Z = lv("z", 16384, "");              // 8 MiB

TEST(Select, EmptySelectsAll) { EXPECT_TRUE(sel("", Z)); }

TEST(Select, StringsAndPrefixes) {
  EXPECT_TRUE(sel("lv_name=lv0", LV0));
  EXPECT_TRUE(sel("name=lv0", LV0));
  EXPECT_TRUE(sel("LV_NAME='lv0'", LV0));
  EXPECT_FALSE(sel("lv_name!=lv0", LV0));
  EXPECT_TRUE(sel("lv_name=~^l.*0$", LV0));
  EXPECT_TRUE(sel("lv_name=~(^lv|^z)", Z));
  EXPECT_TRUE(sel("lv_name!~x", Z));
}

TEST(Select, SizesWithUnits) {
  EXPECT_TRUE(sel("lv_size=12", LV0));  // m by default
  EXPECT_TRUE(sel("lv_size=24576s", LV0));
  EXPECT_TRUE(sel("lv_size=0.01171875g", LV0));
  EXPECT_FALSE(sel("lv_size=12M", LV0));  // SI megabytes
  EXPECT_TRUE(sel("lv_size>10m && lv_size<=12m", LV0));
  EXPECT_FALSE(sel("lv_size>10m", Z));
}

TEST(Select, NumbersAndReservedValues) {
  EXPECT_TRUE(sel("seg_count=1.9", LV0));  // truncated as lvm2 does
  EXPECT_TRUE(sel("lv_major=-1", LV0));
  EXPECT_TRUE(sel("lv_major=undefined", LV0));
  EXPECT_TRUE(sel("lv_major>0", LV0));  // undefined is the largest number
  EXPECT_TRUE(sel("lv_fixed_minor=0", LV0));
  EXPECT_TRUE(sel("lv_read_ahead=auto", LV0));
  EXPECT_FALSE(sel("lv_read_ahead>0", LV0));
  EXPECT_FALSE(sel("data_percent<50", LV0));  // no value: nothing compares
}

TEST(Select, StringLists) {
  EXPECT_TRUE(sel("lv_tags=foo", LV0));
  EXPECT_FALSE(sel("lv_tags=[foo]", LV0));
  EXPECT_TRUE(sel("lv_tags=[foo,bar]", LV0));
  EXPECT_TRUE(sel("lv_tags=[bar&&foo]", LV0));
  EXPECT_TRUE(sel("lv_tags={foo}", LV0));
  EXPECT_TRUE(sel("lv_tags=[nope||foo]", LV0));
  EXPECT_FALSE(sel("lv_tags={foo,nope}", LV0));
  EXPECT_TRUE(sel("lv_tags=[]", Z));
  EXPECT_TRUE(sel("lv_tags=\"\"", Z));
  EXPECT_FALSE(sel("lv_tags={}", LV0));
}

TEST(Select, TimeRanges) {
  EXPECT_TRUE(sel("lv_time since 2020-01-01", LV0));
  EXPECT_TRUE(sel("lv_time>@0", LV0));
  EXPECT_FALSE(sel("lv_time before \"2020-01-01 10:00\"", LV0));
}

TEST(Select, LogicAndGrouping) {
  EXPECT_TRUE(sel("lv_name=lv0||lv_name=z&&lv_size>5", LV0));
  EXPECT_TRUE(sel("lv_name=z#lv_name=lv0", LV0));
  EXPECT_FALSE(sel("lv_name=z,lv_name=lv0", LV0));
  EXPECT_FALSE(sel("!(lv_name=lv0)", LV0));
  EXPECT_FALSE(sel("!(!(lv_name=lv0))", LV0));  // lvm2 sets negation, never toggles it
  EXPECT_TRUE(sel("((lv_name=lv0))", LV0));
}

TEST(Select, TreeShape) {
  auto s = parse_selection(ReportType::lvs, "a_b=1 || (lv_name=x && size>1)");
  EXPECT_FALSE(s);
  s = parse_selection(ReportType::lvs, "lv_name=x || (lv_name=y && size>1)");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->root.kind, SelNode::Kind::any);
  ASSERT_EQ(s->root.children.size(), 2u);
  EXPECT_EQ(s->root.children[1].kind, SelNode::Kind::all);
  EXPECT_EQ(s->root.children[1].children[1].type, SelType::size);
  EXPECT_EQ(s->root.children[1].children[1].op, SelOp::gt);
}

TEST(Select, ErrorsAsLvm2) {
  EXPECT_EQ(err("lv_size>1x"),
            "Expecting logical operator\nSelection syntax error at 'x'.\nUse 'help' for selection to get more help.");
  EXPECT_EQ(err("!lv_name=lv0"), "Syntax error: left parenthesis expected at 'lv_name=lv0'");
  EXPECT_EQ(err("(lv_name=lv0"), "Syntax error: right parenthesis expected at ''");
  EXPECT_EQ(err("lv_tags=~fo"), "dm_report: incompatible comparison type for selection field lv_tags");
  EXPECT_EQ(err("seg_count=abc"),
            "Failed to parse numeric value for selection field seg_count.\nSelection syntax error at "
            "'seg_count=abc'.\nUse 'help' for selection to get more help.");
  EXPECT_EQ(err("lv_tags=[foo,baz#bar]").substr(0, 71),
            "Only one type of logical operator allowed in selection list at a time.\n");
  std::string unknown = err("bogus=1");
  EXPECT_TRUE(unknown.starts_with(fields_help_text(true)));
  EXPECT_TRUE(unknown.ends_with("Unrecognised selection field: bogus\nSelection syntax error at 'bogus=1'.\n"
                                "Use 'help' for selection to get more help."));
  EXPECT_EQ(err("pv_name=x"), "Can't report LV and PV fields at the same time in report type \"lv\".");
}

TEST(FieldHelp, CatalogueAsLvm2ListsIt) {
  std::string h = fields_help_text(false);
  EXPECT_TRUE(h.starts_with("Logical Volume Fields\n---------------------\n"
                            "  lv_all                      - All fields in this section.\n"
                            "  lv_uuid                     - Unique identifier.\n"));
  EXPECT_NE(h.find("  pvseg_all                   - All fields in this section.\n"), std::string::npos);
  ASSERT_NE(find_field_help("lv_size"), nullptr);
  EXPECT_EQ(find_field_help("lv_size")->type, "size");
  EXPECT_EQ(find_field_help("lv_tags")->type, "string list");
}

TEST(FieldNames, MatchWithoutUnderscoresAsLibdevmapper) {
  // lvm2 takes "lock_args" for lv_lockargs in lvs and vg_lock_args in vgs.
  ASSERT_NE(find_field(ReportType::lvs, "lock_args"), nullptr);
  EXPECT_EQ(find_field(ReportType::lvs, "lock_args")->name, "lv_lockargs");
  ASSERT_NE(find_field(ReportType::vgs, "lock_args"), nullptr);
  EXPECT_EQ(find_field(ReportType::vgs, "lock_args")->name, "vg_lock_args");
  EXPECT_EQ(find_field(ReportType::vgs, "LOCK_TYPE")->name, "vg_lock_type");
  EXPECT_EQ(find_field(ReportType::lvs, "lv_size")->name, "lv_size");
  EXPECT_EQ(find_field(ReportType::lvs, "nosuchfield"), nullptr);
}

}  // namespace
}  // namespace udm::lvm::report

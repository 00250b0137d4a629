// udmsetup's dmstats pieces: @stats_list/@stats_print parsing, dmstats' size
// strings, and the latency histogram pictures.
#include <gtest/gtest.h>

#include <regex>

#include "stats_group.hpp"
#include "stats_histogram.hpp"
#include "stats_report.hpp"

namespace udm::udmsetup {
namespace {

TEST(StatsParse, ListAndPrintAsTheDriverWritesThem) {
  std::vector<StatsRegionData> regions;
  ASSERT_TRUE(parse_stats_list("0: 0+16384 4096 dmstats -\n"
                               "2: 8+100 10 other aux precise_timestamps histogram:1000,5000\n",
                               regions));
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[0].area_count(), 4u);
  EXPECT_EQ(regions[1].id, 2u);
  EXPECT_TRUE(regions[1].precise);
  EXPECT_EQ(regions[1].bounds, (std::vector<std::uint64_t>{1000, 5000}));
  EXPECT_EQ(regions[1].area_count(), 10u);
  ASSERT_TRUE(parse_stats_print("8+10 1 0 8 0 2 1 16 0 0 0 0 0 0 3:1:0\n18+10 0 0 0 0 0 0 0 0 0 0 0 0 0 0:0:4\n",
                                regions[1]));
  ASSERT_EQ(regions[1].areas.size(), 2u);
  EXPECT_EQ(regions[1].areas[0][4], 2u);
  EXPECT_EQ(regions[1].histograms[1], (std::vector<std::uint64_t>{0, 0, 4}));
  std::vector<StatsRegionData> bad;
  EXPECT_FALSE(parse_stats_list("x: 0+1 1 a b\n", bad));
  EXPECT_FALSE(parse_stats_print("0+1 1 2\n", regions[0]));
}

TEST(StatsParse, SizesAsDmstatsPrintsThem) {
  EXPECT_EQ(stats_size(0), "0");
  EXPECT_EQ(stats_size(1), "512b");
  EXPECT_EQ(stats_size(1000), "500.00k");
  EXPECT_EQ(stats_size(16384), "8.00m");
  // Region rows put the area at 1 << 49: the byte count wraps as in libdm.
  EXPECT_EQ(stats_size(std::uint64_t{4096} << 49), "0b");
}

TEST(StatsHistogram, OneBarPerBucketInWellFormedSvg) {
  StatsRegionData r;
  r.precise = true;
  r.bounds = {1'000'000, 5'000'000, 20'000'000};
  ASSERT_TRUE(parse_stats_print("0+8 0 0 0 0 0 0 0 0 0 0 0 0 0 5:2:0:1\n8+8 0 0 0 0 0 0 0 0 0 0 0 0 0 1:0:0:0\n", r));
  auto buckets = region_histogram(r);
  ASSERT_EQ(buckets.size(), 4u);
  EXPECT_EQ(buckets[0].label, "0-1ms");
  EXPECT_EQ(buckets[2].label, "5ms-20ms");
  EXPECT_EQ(buckets[3].label, ">20ms");
  EXPECT_EQ(buckets[0].count, 6u);
  const std::string svg = histogram_svg("a <title> & more", buckets);
  // One bar per bucket, heights in proportion, counts carried along.
  std::regex bar("<rect class=\"bar\"[^>]*height=\"([0-9]+)\"[^>]*data-count=\"([0-9]+)\"");
  std::vector<std::pair<int, int>> bars;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator(); ++it)
    bars.emplace_back(std::stoi((*it)[1]), std::stoi((*it)[2]));
  ASSERT_EQ(bars.size(), 4u);
  EXPECT_EQ(bars[0], std::make_pair(240, 6));
  EXPECT_EQ(bars[1], std::make_pair(80, 2));
  EXPECT_EQ(bars[2], std::make_pair(0, 0));
  EXPECT_EQ(bars[3].second, 1);
  EXPECT_NE(svg.find("a &lt;title&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
  // Terminal bars: a line per bucket, the longest bar for the largest count.
  const std::string text = histogram_bars("t", buckets, false, 12);
  EXPECT_EQ(text, "t\n     0-1ms |############ 6\n   1ms-5ms |####         2\n  5ms-20ms |             0\n"
                  "     >20ms |##           1\n");
  EXPECT_NE(histogram_bars("t", buckets, true, 12).find("\033[34m"), std::string::npos);
}

TEST(StatsHistogram, LabelsInTheRegionsUnit) {
  EXPECT_EQ(latency_label(5, false), "5ms");
  EXPECT_EQ(latency_label(1000, false), "1s");
  EXPECT_EQ(latency_label(100000, true), "100us");
  EXPECT_EQ(latency_label(10, true), "10ns");
  EXPECT_EQ(latency_label(0, true), "0");
}

TEST(StatsGroup, RegionListsAsLibdmWritesAndReadsThem) {
  EXPECT_EQ(format_region_list({0, 1}), "0-1");
  EXPECT_EQ(format_region_list({1, 3, 4, 5, 9}), "1,3-5,9");
  EXPECT_EQ(format_region_list({7}), "7");
  auto l = parse_region_list("3,1,4-6,5");
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (std::vector<std::uint64_t>{1, 3, 4, 5, 6}));
  for (const char* bad : {"", "x", "1,", "3-1", "1-", "-1", "1 2", "99999999999999999999"}) {
    auto r = parse_region_list(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message, std::string("Could not parse list: '") + bad + "'");
  }
}

TEST(StatsGroup, TagInAuxData) {
  auto none = parse_group_tag("hi");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto t = parse_group_tag("DMS_GROUP=foo:2-3#hi");
  ASSERT_TRUE(t && *t);
  EXPECT_EQ((*t)->alias, "foo");
  EXPECT_EQ((*t)->members, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ((*t)->user_data, "hi");
  EXPECT_EQ(format_group_tag(**t), "DMS_GROUP=foo:2-3#hi");
  auto plain = parse_group_tag("DMS_GROUP=:0-1#-");
  ASSERT_TRUE(plain && *plain);
  EXPECT_EQ((*plain)->alias, "");
  EXPECT_EQ((*plain)->user_data, "");
  EXPECT_EQ(format_group_tag(**plain), "DMS_GROUP=:0-1#-");
  EXPECT_FALSE(parse_group_tag("DMS_GROUP=nocolon"));
  EXPECT_FALSE(parse_group_tag("DMS_GROUP=a:x#-"));
}

TEST(StatsGroup, ResolveSetsMembersAndRefusesBrokenTags) {
  std::vector<StatsRegionData> regions;
  ASSERT_TRUE(parse_stats_list("1: 1024+3000 3000 dmstats DMS_GROUP=foo:1,3#hi\n"
                               "2: 0+100 100 dmstats DMS_GROUP=:2,9#-\n"
                               "3: 300+200 200 dmstats -\n"
                               "4: 0+8 8 dmstats DMS_GROUP=:3-4#-\n",
                               regions));
  std::vector<std::string> errors;
  const auto groups = resolve_groups(regions, &errors);
  ASSERT_EQ(groups.size(), 2u);  // 2 keeps its missing member 9; 4 does not lead its own list
  EXPECT_EQ(groups[0].id, 1u);
  EXPECT_EQ(groups[0].alias, "foo");
  EXPECT_EQ(groups[1].members, (std::vector<std::uint64_t>{2, 9}));
  EXPECT_EQ(errors, (std::vector<std::string>{"Found invalid group descriptor in region 4 aux_data.",
                                              "Failed to parse group descriptor from region_id 4 aux_data:'DMS_GROUP='"}));
  EXPECT_EQ(regions[0].group_id, std::optional<std::uint64_t>{1});
  EXPECT_EQ(regions[0].user_data, "hi");
  EXPECT_EQ(regions[1].group_id, std::optional<std::uint64_t>{2});
  EXPECT_EQ(regions[2].group_id, std::optional<std::uint64_t>{1});
  EXPECT_FALSE(regions[3].group_id);

  StatsReportOptions o;
  o.defaults = "stats_name,group_id,region_id,obj_type,region_len,area_count,user_data";
  auto report = StatsReport::create(o);
  ASSERT_TRUE(report);
  report->add_list("dev", regions, groups);
  const std::string text = report->render();
  EXPECT_NE(text.find("\nfoo                  1  1,3 group     1.56m      1  "), std::string::npos) << text;
  EXPECT_NE(text.find("\nfoo                  1    1 region    1.46m      1 hi  "), std::string::npos) << text;
  EXPECT_NE(text.find("\ndev                  2  2,9 group    50.00k      1  "), std::string::npos) << text;
}

// One populated region of three areas with a histogram (bounds 10us, 1ms,
// 5ms in ns: precise) and 35 I/Os in area 0.
std::vector<StatsRegionData> hist_region() {
  std::vector<StatsRegionData> regions;
  EXPECT_TRUE(parse_stats_list("0: 0+3000 1000 dmstats - precise_timestamps histogram:10000,1000000,5000000\n",
                               regions));
  EXPECT_TRUE(parse_stats_print("0+1000 5 0 40 0 30 0 240 0 0 0 0 0 0 5:30:0:0\n"
                                "1000+1000 0 0 0 0 0 0 0 0 0 0 0 0 0 0:0:0:0\n"
                                "2000+1000 0 0 0 0 0 0 0 0 0 0 0 0 0 0:0:0:0\n",
                                regions[0]));
  return regions;
}

std::string render(StatsReportOptions o, const std::vector<StatsRegionData>& regions) {
  auto r = StatsReport::create(o);
  EXPECT_TRUE(r) << r.error().message;
  r->add_report("dev", regions, true);
  return r->render();
}

TEST(StatsReport, HistogramFieldsAsDmstatsLaysThemOut) {
  auto regions = hist_region();
  StatsReportOptions o;
  o.fields = "hist_count,hist_count_bounds,hist_count_ranges";
  const std::string aligned = render(o, regions);
  EXPECT_NE(aligned.find("     5    30     0     0     0s:     5,  10us:    30,   1ms:     0,   5ms:     0 "
                         "0s-10us:    5,10us-1ms:  30,1ms-5ms:    0,  >5ms:     0\n"),
            std::string::npos)
      << aligned;
  o.fields = "hist_percent,hist_percent_ranges";
  EXPECT_NE(render(o, regions).find(" 14.29% 85.71%  0.00%  0.00% 0s-10us:14.29%,10us-1ms:85.71%,1ms-5ms: 0.00%,"
                                    "  >5ms:  0.00%\n"),
            std::string::npos)
      << render(o, regions);
  o.fields = "hist_count_bounds,hist_percent";
  o.headings = false;
  o.separator = ":";
  o.aligned = false;
  EXPECT_EQ(render(o, regions).substr(0, 44), "0s:5:10us:30:1ms:0:5ms:0:14.29%:85.71%:0.00%");
  o = StatsReportOptions{};
  o.fields = "hist_count_ranges,hist_bounds";
  o.notimesuffix = true;
  EXPECT_NE(render(o, regions).find("0-10000:        5,10000-1000000: 30,1000000-5000000:0,  >5000000:     0 "
                                    "0,10000,1000000,5000000"),
            std::string::npos)
      << render(o, regions);
}

TEST(StatsReport, UnitsSortAndSelection) {
  auto regions = hist_region();
  StatsReportOptions o;
  o.fields = "area_id,area_start,area_len";
  o.units = "k";
  o.headings = false;
  o.separator = ",";
  o.aligned = false;
  EXPECT_EQ(render(o, regions).substr(0, 44), "0,0,500.00\n1,500.00,500.00\n2,1000.00,500.00\n");
  o.units = "s";
  EXPECT_EQ(render(o, regions).substr(0, 33), "0,0,1000\n1,1000,1000\n2,2000,1000\n");
  o.units = "H";
  EXPECT_EQ(render(o, regions).substr(0, 10), "0,0,512.00");
  o.units = "m";
  o.nosuffix = true;
  EXPECT_EQ(render(o, regions).substr(0, 8), "0,0,0.49");
  o = StatsReportOptions{};
  o.fields = "area_id,write_count";
  o.headings = false;
  o.separator = " ";
  o.aligned = false;
  o.sort = "-write_count,-area_id";
  EXPECT_EQ(render(o, regions), "0 30\n0 30\n2 0\n1 0\n");
  o.select = "write_count>0 && obj_type=area";
  EXPECT_EQ(render(o, regions), "0 30\n");
  // Sizes take units (MiB without one) and compare in sectors: areas are 1000 sectors.
  o.fields = "area_id";
  o.sort = "area_id";
  o.select = "obj_type=area && area_len=1000s && area_start>=500k";
  EXPECT_EQ(render(o, regions), "1\n2\n");
  o.select = "obj_type=area && area_len<0.49m";
  EXPECT_EQ(render(o, regions), "0\n1\n2\n");
  o.select = "obj_type=area && area_len>0.49m";
  EXPECT_EQ(render(o, regions), "");
  o.select = "area_len>1%";
  auto pct = StatsReport::create(o);
  ASSERT_FALSE(pct);
  EXPECT_EQ(pct.error().message,
            "Found percent value but size value expected for selection field area_len.\n"
            "Selection syntax error at 'area_len>1%'.\nUse 'help' for selection to get more help.\n");
  o.select = "area_id>1k";
  EXPECT_NE(StatsReport::create(o).error().message.find("Found size unit specifier but numeric value expected"),
            std::string::npos);
  o.select = "bogus=1";
  auto bad = StatsReport::create(o);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, EBADMSG);
  EXPECT_NE(bad.error().message.find("  region_start          - Region start. [size]\n"), std::string::npos);
  EXPECT_NE(bad.error().message.find("Unrecognised selection field: bogus\n"), std::string::npos);
  o = StatsReportOptions{};
  o.fields = "help";
  EXPECT_EQ(StatsReport::create(o).error().code, EAGAIN);
  o.fields = "Area_ID,STATSNAME";  // libdm's names match without case and '_'
  EXPECT_TRUE(StatsReport::create(o));
}

}  // namespace
}  // namespace udm::udmsetup

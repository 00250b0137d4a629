// udmsetup's dmstats pieces: @stats_list/@stats_print parsing, dmstats' size
// strings, and the latency histogram pictures.
#include <gtest/gtest.h>

#include <regex>

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

}  // namespace
}  // namespace udm::udmsetup

// Size display as lvm 2.03.16 printed it (values taken from real pvs output).
#include <gtest/gtest.h>

#include "lvm/report/units.hpp"

namespace udm::lvm::report {
namespace {

std::string show(sector_t s, const char* u, bool suffix = true) {
  auto units = parse_units(u);
  EXPECT_TRUE(units);
  units->suffix = suffix;
  return format_size(s, *units);
}

TEST(LvmReportUnits, HumanAndRounded) {
  EXPECT_EQ(show(122880, "r"), "60.00m");
  EXPECT_EQ(show(19531, "r"), "<9.54m");   // 9999872 bytes
  EXPECT_EQ(show(19531, "h"), "9.54m");
  EXPECT_EQ(show(131072, "R"), "<67.11M");
  EXPECT_EQ(show(40960, "R"), "20.97M");   // rounded down: no mark
  EXPECT_EQ(show(2048, "R"), "<1.05M");
  EXPECT_EQ(show(122880, "H"), "62.91M");
}

TEST(LvmReportUnits, FixedUnits) {
  EXPECT_EQ(show(122880, "b"), "62914560B");
  EXPECT_EQ(show(122880, "B"), "62914560B");
  EXPECT_EQ(show(122880, "s"), "122880S");
  EXPECT_EQ(show(19531, "k"), "9765.50k");
  EXPECT_EQ(show(19531, "K"), "9999.87K");
  EXPECT_EQ(show(122880, "g"), "0.06g");
  EXPECT_EQ(show(131072, "G"), "0.07G");
  EXPECT_EQ(show(2048, "t"), "0.00t");
  EXPECT_EQ(show(122880, "4m"), "15.00U");
  EXPECT_EQ(show(19531, "4m"), "2.38U");
}

TEST(LvmReportUnits, ZeroAndNoSuffix) {
  EXPECT_EQ(show(0, "r"), "0 ");
  EXPECT_EQ(show(0, "t"), "0t");
  EXPECT_EQ(show(0, "k"), "0k");
  EXPECT_EQ(show(0, "r", false), "0");
  EXPECT_EQ(show(24576, "g", false), "0.01");
  EXPECT_EQ(show(24576, "b", false), "12582912");
}

TEST(LvmReportUnits, InvalidSpecs) {
  EXPECT_FALSE(parse_units("512"));
  EXPECT_FALSE(parse_units("u"));
  EXPECT_FALSE(parse_units(""));
  EXPECT_FALSE(parse_units("4h"));
}

}  // namespace
}  // namespace udm::lvm::report

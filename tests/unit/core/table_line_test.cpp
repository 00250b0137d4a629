#include "testing.hpp"

namespace udm::core {
namespace {

TEST(TableText, ParsesLinesSkippingBlanksAndComments) {
  auto lines = parse_table_text(
      "# a comment\n"
      "\n"
      "  0 8 linear /dev/a 0   \n"
      "8 16 striped 2 8 /dev/a 0 /dev/b 0 # trailing comment\n"
      "\t\n"
      "24 8 zero",
      "t");
  ASSERT_TRUE(lines) << lines.error().message;
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[0].start, 0u);
  EXPECT_EQ((*lines)[0].length, 8u);
  EXPECT_EQ((*lines)[0].type, "linear");
  EXPECT_EQ((*lines)[0].params, "/dev/a 0");
  EXPECT_EQ((*lines)[0].line_no, 3u);
  EXPECT_EQ((*lines)[1].type, "striped");
  EXPECT_EQ((*lines)[1].params, "2 8 /dev/a 0 /dev/b 0 ");  // whitespace before '#' stays
  EXPECT_EQ((*lines)[1].line_no, 4u);
  EXPECT_EQ((*lines)[2].type, "zero");
  EXPECT_EQ((*lines)[2].params, "");
  EXPECT_EQ((*lines)[2].line_no, 6u);
}

TEST(TableText, RefusesShortLinesNamingLineAndSource) {
  auto r = parse_table_text("0 8 zero\n8 8\n", "mytable");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Invalid format on line 2 of table mytable.");
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_FALSE(parse_table_text("x 8 zero", "t"));
  EXPECT_FALSE(parse_table_text("0 - zero", "t"));
  // As dmsetup's sscanf("%llu"): a sign is taken (a negative wraps) and an
  // overflow is the largest value; the table build refuses both lengths.
  EXPECT_EQ((*parse_table_text("0 -8 zero", "t"))[0].length, UINT64_MAX - 7);
  EXPECT_EQ((*parse_table_text("0 99999999999999999999999 zero", "t"))[0].length, UINT64_MAX);
}

TEST(TableText, EmptyTextIsNoLines) {
  auto r = parse_table_text("", "t");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  r = parse_table_text("\n# only\n\n", "t");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(SplitParams, WhitespaceSeparatesBackslashEscapes) {
  EXPECT_EQ(split_params("  a  b\tc \n"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_params(R"(a\ b c\\d e\)"), (std::vector<std::string>{"a b", "c\\d", "e"}));
  EXPECT_TRUE(split_params("   ").empty());
  EXPECT_TRUE(split_params("").empty());
}

}  // namespace
}  // namespace udm::core

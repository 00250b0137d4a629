#include <gtest/gtest.h>

#include "table_text.hpp"

namespace udm::udmsetup {
namespace {

TEST(TableText, LinesCommentsAndBlanks) {
  auto t = parse_table("  0 8 zero\n\n# comment\n8 16 linear 7:0 0 # tail\n", "f");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0], (client::TableLine{0, 8, "zero", ""}));
  // Whitespace before a '#' comment stays in the params, as dmsetup keeps it.
  EXPECT_EQ((*t)[1], (client::TableLine{8, 16, "linear", "7:0 0 "}));
}

TEST(TableText, NoContinuationAndBackslashesKept) {
  auto t = parse_table("0 8 linear a\\ b 0", "");
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)[0].params, "a\\ b 0");
}

TEST(TableText, BadLinesNameTheSourceLikeDmsetup) {
  auto a = parse_table("0 8", "");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "Invalid format on line 1 of table .");
  auto b = parse_table("0 8 zero\nfoo bar baz\n", "on stdin");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "Invalid format on line 2 of table on stdin.");
  auto c = parse_table("\n\nx 1 zero", "t.txt");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "Invalid format on line 3 of table t.txt.");
}

TEST(TableText, EmptyTextHasNoTargets) {
  auto t = parse_table("", "");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->empty());
}

}  // namespace
}  // namespace udm::udmsetup

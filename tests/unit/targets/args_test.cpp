// ArgSet: the kernel's dm_read_arg / dm_read_arg_group / dm_shift_arg /
// dm_consume_args, with ranges and one error per range.
#include <gtest/gtest.h>

#include "targets/args.hpp"

namespace udm::targets {
namespace {

std::vector<std::string> words(std::initializer_list<const char*> w) { return {w.begin(), w.end()}; }

TEST(ArgSet, ReadsNumbersWithinRangesAndFailsWithTheRangesError) {
  auto w = words({"7", "12", "x", "5"});
  ArgSet as(w);
  constexpr ArgRange STRIPES{1, 10, "Invalid stripe count"};
  auto a = as.read(STRIPES);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 7u);
  auto b = as.read(STRIPES);  // 12 > 10
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, EINVAL);
  EXPECT_EQ(b.error().message, "Invalid stripe count");
  auto c = as.read({0, 100, "Invalid delay", true});  // not a number; quoted
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "Invalid delay 'x'");
  auto d = as.read({6, 9, "Too small", true});  // below the minimum
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "Too small '5'");
  EXPECT_TRUE(as.empty());
  auto e = as.read({0, 1, "Missing", true});  // nothing left
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "Missing ''");
  for (const char* bad : {"-1", "+1", " 1", "1 ", "0x10", "18446744073709551616", ""}) {
    auto v = words({bad});
    EXPECT_FALSE(ArgSet(v).read({0, UINT64_MAX, "bad"})) << bad;
  }
  auto max = words({"18446744073709551615"});
  EXPECT_EQ(*ArgSet(max).read({0, UINT64_MAX, "bad"}), UINT64_MAX);
}

TEST(ArgSet, GroupsCountTheirWordsAndMustFit) {
  constexpr ArgRange FEATURES{0, 4, "Invalid number of feature args"};
  auto ok = words({"2", "skip_block_zeroing", "ignore_discard", "tail"});
  ArgSet as(ok);
  auto n = as.read_group(FEATURES);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(as.size(), 3u);
  EXPECT_EQ(*as.shift(), "skip_block_zeroing");
  as.consume(1);
  EXPECT_EQ(*as.shift(), "tail");
  EXPECT_EQ(as.shift(), nullptr);
  as.consume(5);  // past the end is harmless
  EXPECT_TRUE(as.empty());

  auto too_many = words({"3", "a", "b"});
  auto r = ArgSet(too_many).read_group(FEATURES);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Invalid number of feature args");
  auto over_max = words({"5", "a", "b", "c", "d", "e"});
  EXPECT_FALSE(ArgSet(over_max).read_group(FEATURES));
  auto zero = words({"0"});
  EXPECT_EQ(*ArgSet(zero).read_group(FEATURES), 0u);
}

}  // namespace
}  // namespace udm::targets

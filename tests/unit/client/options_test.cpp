#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "options.hpp"

namespace udm::udmsetup {
namespace {

Result<CommandLine> parse(std::vector<std::string> words) {
  std::vector<char*> argv;
  static std::vector<std::string> keep;
  keep = std::move(words);
  keep.insert(keep.begin(), "udmsetup");
  for (auto& w : keep) argv.push_back(w.data());
  argv.push_back(nullptr);
  return parse_command_line(static_cast<int>(keep.size()), argv.data());
}

TEST(Options, OptionsMayFollowTheCommand) {
  auto cl = parse({"create", "x", "--table", "0 8 zero", "-u", "U1", "-r"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->args, (std::vector<std::string>{"create", "x"}));
  EXPECT_EQ(cl->sw.table, "0 8 zero");
  EXPECT_EQ(cl->sw.uuid, "U1");
  EXPECT_TRUE(cl->sw.readonly);
}

TEST(Options, ColumnsAndFields) {
  auto cl = parse({"info", "-c", "-o", "name,devno", "--noheadings", "--separator", ";", "y"});
  ASSERT_TRUE(cl);
  EXPECT_TRUE(cl->sw.columns);
  EXPECT_EQ(cl->sw.options, "name,devno");
  EXPECT_TRUE(cl->sw.noheadings);
  EXPECT_EQ(cl->sw.separator, ";");
  EXPECT_EQ(cl->args, (std::vector<std::string>{"info", "y"}));
}

TEST(Options, DmsetupConflicts) {
  auto a = parse({"create", "x", "--table", "0 8 zero", "--notable"});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "--table and --notable are incompatible.");
  auto b = parse({"info", "-j", "1"});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "Please specify both major number and minor number.");
}

TEST(Options, RundirAndRemoveFlags) {
  auto cl = parse({"--rundir", "/tmp/r", "remove", "-f", "--deferred", "x", "y"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->sw.rundir, "/tmp/r");
  EXPECT_TRUE(cl->sw.force);
  EXPECT_TRUE(cl->sw.deferred);
  EXPECT_EQ(cl->args.size(), 3u);
}

}  // namespace
}  // namespace udm::udmsetup

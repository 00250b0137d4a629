// Table::build refusals: each names the line and the field.
#include "testing.hpp"

namespace udm::core {
namespace {

using testing::TestBed;

struct Refusal {
  const char* table;
  std::vector<const char*> must_contain;
};

class TableRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(TableRefusal, NamesLineAndField) {
  TestBed bed;
  bed.memory("/dev/a", 1 << 20);  // 2048 sectors
  bed.memory("/dev/b", 1 << 20);
  auto t = bed.table(GetParam().table);
  ASSERT_FALSE(t) << "accepted: " << GetParam().table;
  for (const char* s : GetParam().must_contain)
    EXPECT_NE(t.error().message.find(s), std::string::npos) << "'" << s << "' not in: " << t.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Core, TableRefusal,
    ::testing::Values(
        Refusal{"0 8 zero\n16 8 zero", {"table line 2", "start", "gap"}},
        Refusal{"8 8 zero", {"table line 1", "start", "gap", "expected sector 0"}},
        Refusal{"0 16 zero\n8 8 zero", {"table line 2", "start", "overlaps"}},
        Refusal{"0 8 zero\n8 0 zero", {"table line 2", "length", "zero"}},
        Refusal{"0 8 zero\n8 8 frobnicate", {"table line 2", "type", "frobnicate"}},
        Refusal{"0 8 linear /dev/a", {"table line 1", "linear", "expected 2 arguments", "got 1"}},
        Refusal{"0 8 linear /dev/a 0 1", {"table line 1", "linear", "got 3"}},
        Refusal{"0 8 linear /dev/a x9", {"table line 1", "linear", "offset", "'x9' is not a number"}},
        Refusal{"0 8 zero\n8 8 linear /dev/nope 0", {"table line 2", "linear", "device", "/dev/nope"}},
        Refusal{"0 8 linear /dev/a 2044", {"table line 1", "linear", "device", "too small", "2048 sectors", "need 2052"}},
        Refusal{"0 8 zero x", {"table line 1", "zero", "arguments"}},
        Refusal{"0 9223372036854775807 zero", {"table line 1", "length", "2^63"}},
        Refusal{"0 18014398509481984 zero", {"table line 1", "length", "2^63"}},
        Refusal{"0 8 zero\n8 18014398509481977 zero", {"table line 2", "length", "2^63"}},
        Refusal{"0 8 striped 0 8", {"table line 1", "striped", "#stripes"}},
        Refusal{"0 8 striped 2 4 /dev/a 0", {"table line 1", "striped", "expected 6 arguments"}},
        Refusal{"0 8 striped 2 0 /dev/a 0 /dev/b 0", {"table line 1", "striped", "chunk_size"}},
        Refusal{"0 9 striped 2 1 /dev/a 0 /dev/b 0", {"table line 1", "striped", "length", "#stripes"}},
        Refusal{"0 12 striped 2 4 /dev/a 0 /dev/b 0", {"table line 1", "striped", "chunk_size", "divisible"}},
        Refusal{"0 8 striped 2 y /dev/a 0 /dev/b 0", {"table line 1", "striped", "chunk_size", "not a number"}},
        Refusal{"0 8 striped 2 4 /dev/a 0 /dev/b 2045", {"table line 1", "striped", "stripe 1 device", "too small"}},
        Refusal{"0 8 error /dev/nope 0", {"table line 1", "error", "device", "/dev/nope"}}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(TableBuild, AcceptsTheLargestSize) {
  TestBed bed;
  auto t = bed.table("0 18014398509481983 zero");  // 2^63 - 512 bytes
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ((*t)->size(), 18014398509481983u);
}

TEST(TableBuild, RefusesEmptyTable) {
  TestBed bed;
  auto t = bed.table("");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("no targets"), std::string::npos);
}

// A target type that must be alone, registered only for this test.
Result<std::unique_ptr<Target>> make_singleton(const TargetArgs&) {
  struct S final : Target {
    MapResult map(io::Request* r) override {
      r->complete(0);
      return MapResult::submitted;
    }
    std::string status(StatusType) const override { return ""; }
  };
  return std::make_unique<S>();
}

TEST(TableBuild, RefusesSingletonNotAlone) {
  TestBed bed;
  ASSERT_TRUE(bed.targets.add(TargetType{"lonely", {1, 0, 0}, TARGET_SINGLETON | TARGET_IMMUTABLE, make_singleton}));
  EXPECT_TRUE(bed.table("0 8 lonely"));
  auto t = bed.table("0 8 zero\n8 8 lonely");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("table line 2: lonely: type: a singleton"), std::string::npos) << t.error().message;
}

TEST(TableBuild, RefusesDuplicateRegistration) {
  TestBed bed;
  auto r = bed.targets.add(*bed.targets.find("linear"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EEXIST);
}

TEST(TableBuild, BuildsAndFindsTargets) {
  TestBed bed;
  bed.memory("/dev/a", 1 << 20);
  auto t = bed.table("0 8 zero\n8 16 linear /dev/a 0\n24 1 error\n25 7 zero");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ((*t)->size(), 32u);
  EXPECT_EQ((*t)->target_count(), 4u);
  const std::pair<sector_t, std::size_t> cases[] = {{0, 0}, {7, 0}, {8, 1}, {23, 1}, {24, 2}, {25, 3}, {31, 3}};
  for (auto [sector, index] : cases) EXPECT_EQ((*t)->find(sector), index) << sector;
  ASSERT_EQ((*t)->devices().size(), 1u);
  EXPECT_EQ((*t)->devices()[0]->table_name(), "/dev/a");
}

TEST(TargetRegistryOrder, BuiltinsListedMostRecentFirst) {
  TestBed bed;
  std::vector<std::string> names;
  for (auto* t : bed.targets.list()) names.emplace_back(t->name);
  // dmsetup targets ends with striped, linear, error for the built-ins.
  ASSERT_GE(names.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(names.end() - 3, names.end()),
            (std::vector<std::string>{"striped", "linear", "error"}));
  EXPECT_EQ(bed.targets.find("linear")->version.to_string(), "1.4.0");
  EXPECT_EQ(bed.targets.find("striped")->version.to_string(), "1.6.0");
  EXPECT_EQ(bed.targets.find("zero")->version.to_string(), "1.2.0");
  EXPECT_EQ(bed.targets.find("error")->version.to_string(), "1.7.0");
}

}  // namespace
}  // namespace udm::core

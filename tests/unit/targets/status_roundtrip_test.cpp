// The contract every registered target type must keep: status(TABLE) is a
// parameter string its constructor accepts back, yielding the same text.
// Iterates the registry, so target types added later are covered as soon as
// they are registered; a type without a sample line below fails the test.
#include <map>

#include "testing.hpp"

namespace udm::targets {
namespace {

constexpr sector_t LENGTH = 96;  // divides by 3 stripes of 4-sector chunks

// Parameters for a target of LENGTH sectors over /dev/s0 .. /dev/s3 (1 MiB each).
const std::map<std::string, std::string, std::less<>> SAMPLES{
    {"error", ""},
    {"zero", ""},
    {"linear", "/dev/s0 16"},
    {"striped", "3 4 /dev/s0 0 /dev/s1 8 /dev/s2 1"},
    {"delay", "/dev/s0 0 10 /dev/s1 8 20"},
    {"flakey", "/dev/s0 0 5 5 1 drop_writes"},
    {"dust", "/dev/s0 0 512"},
    {"snapshot-origin", "/dev/s0"},
    {"snapshot", "/dev/s0 /dev/s1 P 8"},
    {"snapshot-merge", "/dev/s0 /dev/s2 P 16"},
    {"crypt", "aes-xts-plain64 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 8 /dev/s0 16 2 "
              "allow_discards sector_size:4096"},
};

// Types whose tables need a live device (a pool found by its device, an
// exclusive metadata claim): their round trip is in thin_test.cpp.
const std::map<std::string, std::string, std::less<>> ROUND_TRIPPED_ELSEWHERE{
    {"thin-pool", "thin_test.cpp"},
    {"thin", "thin_test.cpp"},
    {"verity", "verity_test.cpp"},  // read-only tables only
};

TEST(TargetContract, EveryRegisteredTargetRoundTripsItsTableStatus) {
  testing::TestBed bed;
  for (int i = 0; i < 4; ++i) bed.memory("/dev/s" + std::to_string(i), 1 << 20);
  auto types = bed.targets.list();
  ASSERT_FALSE(types.empty());
  for (const core::TargetType* type : types) {
    SCOPED_TRACE(std::string(type->name));
    if (ROUND_TRIPPED_ELSEWHERE.count(type->name)) continue;
    auto sample = SAMPLES.find(type->name);
    ASSERT_NE(sample, SAMPLES.end()) << "target type '" << type->name
                                     << "' has no sample line in status_roundtrip_test.cpp; add one";
    const std::string prefix = "0 " + std::to_string(LENGTH) + " " + std::string(type->name) + " ";
    auto first = bed.table(prefix + sample->second);
    ASSERT_TRUE(first) << first.error().message;
    const std::string text = (*first)->entry(0).target->status(core::StatusType::table);
    (void)(*first)->entry(0).target->status(core::StatusType::info);

    auto second = bed.table(prefix + text);
    ASSERT_TRUE(second) << "status(TABLE) '" << text << "' was refused: " << second.error().message;
    EXPECT_EQ((*second)->entry(0).target->status(core::StatusType::table), text);
    EXPECT_FALSE(type->version == core::Version{}) << "target type has no version";
  }
}

}  // namespace
}  // namespace udm::targets

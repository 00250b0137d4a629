// --claim-version: the daemon as an older (or newer) driver of one command.
#include "daemon/options.hpp"
#include "fixture.hpp"

namespace udm::daemon::test {
namespace {

std::vector<VersionClaim> claims(std::initializer_list<const char*> texts) {
  std::vector<VersionClaim> out;
  for (auto t : texts) out.push_back(*parse_version_claim(t));
  return out;
}

class OldDriver : public DispatcherTest {
 protected:
  OldDriver()
      : DispatcherTest(claims({"list_devices=4.37.0", "dev_rename=4.18.0", "table_status=4.15.0", "version=4.30.1",
                               "remove=4.26.0"})) {}
};

TEST(ClaimParsing, Forms) {
  auto c = parse_version_claim("names=4.44.2");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->command, abi::CMD_LIST_DEVICES);
  EXPECT_EQ(c->version, (abi::CommandVersion{4, 44, 2}));
  EXPECT_FALSE(parse_version_claim("nope=4.0.0"));
  EXPECT_FALSE(parse_version_claim("version=4.0"));
  EXPECT_FALSE(parse_version_claim("version=4.x.0"));
  EXPECT_FALSE(parse_version_claim("version"));
}

TEST_F(OldDriver, VersionIsClaimed) {
  auto s = send(abi::CMD_VERSION, header());
  EXPECT_EQ(*abi::decode_version(s.reply.body), (abi::CommandVersion{4, 30, 1}));
}

TEST_F(OldDriver, ListWithoutEventTrailerAndNoUuids) {
  make_device("a", {});
  make_device("bb", {});
  auto s = send(abi::CMD_LIST_DEVICES, header());
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.version, (abi::CommandVersion{4, 37, 0}));
  EXPECT_EQ(s.header.data_size, 312u + 16 + 16);
  auto list = abi::decode_name_list(s.payload(), false);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].name, "bb");
  EXPECT_EQ(send(abi::CMD_LIST_DEVICES, header("", abi::UUID_FLAG)).error(), (std::uint32_t)EINVAL);
  auto h = header();
  h.version = {4, 38, 0};  // newer than the driver
  EXPECT_EQ(send(abi::CMD_LIST_DEVICES, h).error(), (std::uint32_t)EINVAL);
}

TEST_F(OldDriver, FeaturesNewerThanTheClaimAreRefused) {
  make_device("r", {{0, 8, "zero", "", 0}});
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("r", abi::UUID_FLAG), abi::encode_string("U")).error(),
            (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("r"), abi::encode_string("r2")).error(), 0u);
  EXPECT_EQ(send(abi::CMD_TABLE_STATUS, header("r2", abi::QUERY_INACTIVE_TABLE_FLAG)).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_TABLE_STATUS, header("r2")).error(), 0u);
  EXPECT_EQ(send(abi::CMD_DEV_REMOVE, header("r2", abi::DEFERRED_REMOVE_FLAG)).error(), (std::uint32_t)EINVAL);
}

TEST_F(OldDriver, ListCommandsReportsTheClaims) {
  auto h = header();
  h.version = {1, 0, 0};
  auto s = send(abi::CMD_LIST_COMMANDS, h);
  auto recs = abi::decode_versions(s.payload());
  ASSERT_TRUE(recs);
  for (const auto& r : *recs) {
    if (r.name == "names") {
      EXPECT_EQ(r.version, (abi::CommandVersion{4, 37, 0}));
    }
    if (r.name == "rename") {
      EXPECT_EQ(r.version, (abi::CommandVersion{4, 18, 0}));
    }
    if (r.name == "create") {
      EXPECT_EQ(r.version, (abi::CommandVersion{4, 0, 0}));
    }
  }
}

}  // namespace
}  // namespace udm::daemon::test

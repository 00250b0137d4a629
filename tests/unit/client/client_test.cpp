// libudm against an in-memory driver speaking real dm_ioctl bytes: tasks,
// version negotiation (lowest version per request, fallbacks, explanations,
// refusals), BUFFER_FULL growth and libdm-style errors.
#include <gtest/gtest.h>

#include "abi/commands.hpp"
#include "client/versions.hpp"
#include "fake_driver.hpp"

namespace udm::client {
namespace {

using testing::FakeDriver;

struct Fixture : ::testing::Test {
  FakeDriver* driver = nullptr;
  std::unique_ptr<Client> client;

  void connect(std::function<void(FakeDriver&)> setup = {}, ConnectOptions o = {}) {
    auto d = std::make_unique<FakeDriver>();
    if (setup) setup(*d);
    driver = d.get();
    o.rundir = "/nonexistent";
    client = Client::with_backend(std::move(d), o);
  }
  void create(const std::string& name, const std::string& uuid = {}) {
    Task t(*client, TaskType::create);
    t.set_name(name).set_uuid(uuid).add_target({0, 8, "zero", ""});
    ASSERT_TRUE(t.run());
  }
  std::vector<testing::SentRequest> sent_of(std::uint32_t nr) const {
    std::vector<testing::SentRequest> out;
    for (const auto& s : driver->sent)
      if (s.nr == nr) out.push_back(s);
    return out;
  }
};

using ClientTasks = Fixture;

TEST_F(ClientTasks, CreateLoadsAndResumesWithBaseVersions) {
  connect();
  create("x", "U-1");
  ASSERT_GE(driver->sent.size(), 4u);
  EXPECT_EQ(driver->sent[0].nr, abi::CMD_LIST_COMMANDS);
  EXPECT_EQ(driver->sent[0].version, (abi::CommandVersion{1, 0, 0}));
  for (auto nr : {abi::CMD_DEV_CREATE, abi::CMD_TABLE_LOAD, abi::CMD_DEV_SUSPEND}) {
    auto s = sent_of(nr);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].version, (abi::CommandVersion{4, 0, 0}));
    EXPECT_TRUE(s[0].flags & abi::EXISTS_FLAG);
  }
  Task info(*client, TaskType::info);
  info.set_name("x");
  ASSERT_TRUE(info.run());
  EXPECT_TRUE(info.info().exists);
  EXPECT_TRUE(info.info().live_table);
  EXPECT_EQ(info.info().uuid, "U-1");
  EXPECT_EQ(info.info().major, UDM_BLOCK_MAJOR);
  EXPECT_EQ(info.info().target_count, 1);

  Task table(*client, TaskType::table);
  table.set_name("x");
  ASSERT_TRUE(table.run());
  ASSERT_EQ(table.table().size(), 1u);
  EXPECT_EQ(table.table()[0], (TableLine{0, 8, "zero", ""}));
  EXPECT_TRUE(sent_of(abi::CMD_TABLE_STATUS)[0].flags & abi::STATUS_TABLE_FLAG);
  // The list is learnt once per connection.
  EXPECT_EQ(sent_of(abi::CMD_LIST_COMMANDS).size(), 1u);
}

TEST_F(ClientTasks, UnknownDeviceInfoIsNotAnErrorButRemoveIs) {
  connect();
  Task info(*client, TaskType::info);
  info.set_name("nope");
  ASSERT_TRUE(info.run());
  EXPECT_FALSE(info.info().exists);
  Task rm(*client, TaskType::remove);
  rm.set_name("nope");
  auto r = rm.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENXIO);
  EXPECT_EQ(r.error().message,
            "device-mapper: remove ioctl on nope  failed: No such device or address");
}

TEST_F(ClientTasks, DuplicatesAreBusy) {
  connect();
  create("x", "U-1");
  Task t(*client, TaskType::create);
  t.set_name("y").set_uuid("U-1");
  auto r = t.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "device-mapper: create ioctl on y U-1 failed: Device or resource busy");
}

TEST_F(ClientTasks, FailedLoadRollsBackTheCreate) {
  connect();
  Task t(*client, TaskType::create);
  t.set_name("bad").add_target({0, 8, "foo", ""});
  auto r = t.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "device-mapper: reload ioctl on bad (252:0) failed: Invalid argument");
  EXPECT_EQ(t.driver_message(), "unknown target type foo");
  EXPECT_EQ(driver->devices.count("bad"), 0u);
  EXPECT_EQ(sent_of(abi::CMD_DEV_REMOVE).size(), 1u);
}

TEST_F(ClientTasks, BackslashesAreDoubledOnTheWire) {
  connect();
  Task t(*client, TaskType::create);
  t.set_name("x").add_target({0, 8, "linear", "a\\b 0"});
  ASSERT_TRUE(t.run());
  EXPECT_EQ(driver->devices["x"].live[0].text, "a\\\\b 0");
}

TEST_F(ClientTasks, TargetsAndTargetVersion) {
  connect();
  Task t(*client, TaskType::list_versions);
  ASSERT_TRUE(t.run());
  ASSERT_EQ(t.versions().size(), 2u);
  EXPECT_EQ(t.versions()[0].name, "linear");
  EXPECT_EQ(t.versions()[0].version, (Version{1, 4, 0}));
  Task g(*client, TaskType::get_target_version);
  g.set_target_type("zero");
  ASSERT_TRUE(g.run());
  ASSERT_EQ(g.versions().size(), 1u);
  EXPECT_EQ(g.sent_version(), (Version{4, 41, 0}));
}

TEST_F(ClientTasks, TargetVersionFallsBackToListVersionsOnOldDrivers) {
  connect([](FakeDriver& d) { d.versions[abi::CMD_GET_TARGET_VERSION] = {4, 40, 0}; });
  Task g(*client, TaskType::get_target_version);
  g.set_target_type("zero");
  ASSERT_TRUE(g.run());
  ASSERT_EQ(g.versions().size(), 1u);
  EXPECT_EQ(g.versions()[0].version, (Version{1, 2, 0}));
  EXPECT_TRUE(sent_of(abi::CMD_GET_TARGET_VERSION).empty());
  Task bad(*client, TaskType::get_target_version);
  bad.set_target_type("nope");
  EXPECT_FALSE(bad.run());
}

TEST_F(ClientTasks, ListFallsBackToDevStatusBelow438) {
  connect([](FakeDriver& d) { d.versions[abi::CMD_LIST_DEVICES] = {4, 37, 0}; });
  create("a", "UA");
  create("b");
  driver->devices["a"].event_nr = 5;
  driver->sent.clear();
  Task t(*client, TaskType::list);
  t.set_want_details();
  ASSERT_TRUE(t.run());
  ASSERT_EQ(t.names().size(), 2u);
  EXPECT_EQ(t.names()[0].name, "a");
  EXPECT_EQ(t.names()[0].event_nr, 5u);
  EXPECT_EQ(t.names()[0].uuid, "UA");
  EXPECT_EQ(t.names()[1].uuid, "");
  EXPECT_EQ(sent_of(abi::CMD_DEV_STATUS).size(), 2u);
  EXPECT_FALSE(sent_of(abi::CMD_LIST_DEVICES)[0].flags & abi::UUID_FLAG);
  EXPECT_EQ(sent_of(abi::CMD_LIST_DEVICES)[0].version, (abi::CommandVersion{4, 0, 0}));
}

TEST_F(ClientTasks, ListUsesTrailersAt445) {
  connect();
  create("a", "UA");
  driver->devices["a"].event_nr = 3;
  driver->sent.clear();
  Task t(*client, TaskType::list);
  t.set_want_details();
  ASSERT_TRUE(t.run());
  EXPECT_EQ(t.names()[0].event_nr, 3u);
  EXPECT_EQ(t.names()[0].uuid, "UA");
  EXPECT_TRUE(sent_of(abi::CMD_DEV_STATUS).empty());
  auto list = sent_of(abi::CMD_LIST_DEVICES);
  EXPECT_TRUE(list[0].flags & abi::UUID_FLAG);
  EXPECT_EQ(list[0].version, (abi::CommandVersion{4, 45, 0}));
}

TEST_F(ClientTasks, ListAt444HasEventsButNoUuids) {
  connect([](FakeDriver& d) { d.versions[abi::CMD_LIST_DEVICES] = {4, 44, 0}; });
  create("a", "UA");
  driver->devices["a"].event_nr = 7;
  driver->sent.clear();
  Task t(*client, TaskType::list);
  t.set_want_details();
  ASSERT_TRUE(t.run());
  EXPECT_EQ(t.names()[0].event_nr, 7u);
  EXPECT_EQ(t.names()[0].uuid, "UA");
  EXPECT_EQ(sent_of(abi::CMD_DEV_STATUS).size(), 1u);
  EXPECT_FALSE(sent_of(abi::CMD_LIST_DEVICES)[0].flags & abi::UUID_FLAG);
}

TEST_F(ClientTasks, InactiveNeeds416AndExplains) {
  connect([](FakeDriver& d) { d.versions[abi::CMD_TABLE_STATUS] = {4, 15, 0}; });
  create("x");
  Task t(*client, TaskType::table);
  t.set_name("x").set_query_inactive();
  auto r = t.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "udmd's table_status is 4.15.0; --inactive needs 4.16.0");
  EXPECT_TRUE(sent_of(abi::CMD_TABLE_STATUS).empty());
  Task plain(*client, TaskType::table);
  plain.set_name("x");
  EXPECT_TRUE(plain.run());
}

TEST_F(ClientTasks, SetUuidNeeds419) {
  connect([](FakeDriver& d) { d.versions[abi::CMD_DEV_RENAME] = {4, 18, 0}; });
  create("x");
  Task t(*client, TaskType::rename);
  t.set_name("x").set_new_uuid("NEW");
  auto r = t.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "udmd's dev_rename is 4.18.0; --setuuid needs 4.19.0");
  Task n(*client, TaskType::rename);
  n.set_name("x").set_new_name("y");
  ASSERT_TRUE(n.run());
  EXPECT_EQ(sent_of(abi::CMD_DEV_RENAME).back().version, (abi::CommandVersion{4, 0, 0}));
  EXPECT_EQ(driver->devices.count("y"), 1u);
}

TEST_F(ClientTasks, DifferentMajorIsRefusedBeforeSending) {
  connect([](FakeDriver& d) { d.versions[abi::CMD_TABLE_STATUS] = {5, 0, 0}; });
  create("x");
  Task t(*client, TaskType::status);
  t.set_name("x");
  auto r = t.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "udmd's table_status is 5.0.0 and this client speaks 4.0.0: the major versions differ");
  EXPECT_TRUE(sent_of(abi::CMD_TABLE_STATUS).empty());
}

TEST_F(ClientTasks, ClaimedNewerMinorIsRefusedByTheDriver) {
  ConnectOptions o;
  o.claims["table_status"] = Version{4, 99, 0};
  connect({}, o);
  create("x");
  Task t(*client, TaskType::table);
  t.set_name("x");
  auto r = t.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "udmd refused table_status 4.99.0: udmd's table_status is 4.16.0, an older minor");
  EXPECT_EQ(sent_of(abi::CMD_TABLE_STATUS)[0].version, (abi::CommandVersion{4, 99, 0}));
}

TEST_F(ClientTasks, ClaimedOtherMajorIsRefusedByTheDriver) {
  ConnectOptions o;
  o.claims["dev_status"] = Version{5, 0, 0};
  connect({}, o);
  Task t(*client, TaskType::info);
  t.set_name("x");
  auto r = t.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "udmd refused dev_status 5.0.0: udmd's dev_status is 4.16.0, a different major");
}

TEST_F(ClientTasks, KernelLikeDriverUsesTheGlobalVersion) {
  connect([](FakeDriver& d) {
    d.kernel_like = true;
    d.global = {4, 37, 0};
  });
  create("a", "UA");
  EXPECT_EQ(driver->sent[0].nr, abi::CMD_VERSION);  // a kernel has no list_commands
  Task t(*client, TaskType::list);
  t.set_want_details();
  ASSERT_TRUE(t.run());
  EXPECT_EQ(t.names()[0].uuid, "UA");
  auto v = client->driver_version_of("table_status");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, (Version{4, 37, 0}));
  Task inactive(*client, TaskType::table);
  inactive.set_name("a").set_query_inactive();
  EXPECT_TRUE(inactive.run());  // 4.37 >= 4.16
}

TEST_F(ClientTasks, DriverWithoutListCommandsFallsBackToVersion) {
  connect([](FakeDriver& d) {
    d.versions.erase(abi::CMD_LIST_COMMANDS);
    d.versions[abi::CMD_VERSION] = {4, 44, 0};
  });
  create("a", "UA");
  EXPECT_EQ(driver->sent[0].nr, abi::CMD_LIST_COMMANDS);  // ENOTTY
  EXPECT_EQ(driver->sent[1].nr, abi::CMD_VERSION);
  auto v = client->driver_version_of("list_devices");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, (Version{4, 44, 0}));
}

TEST_F(ClientTasks, BufferFullDoublesAndTheSizeSticks) {
  connect([](FakeDriver& d) { d.force_buffer_full_below = 64 * 1024; });
  create("a");
  driver->sent.clear();
  Task t(*client, TaskType::list);
  ASSERT_TRUE(t.run());
  EXPECT_EQ(t.names().size(), 1u);
  auto lists = sent_of(abi::CMD_LIST_DEVICES);
  ASSERT_GE(lists.size(), 2u);
  EXPECT_GE(lists.back().size, 64u * 1024);
  driver->sent.clear();
  Task again(*client, TaskType::list);
  ASSERT_TRUE(again.run());
  EXPECT_EQ(sent_of(abi::CMD_LIST_DEVICES).size(), 1u);  // starts at the grown size
}

TEST(ClientVersions, ParseClaims) {
  auto c = detail::parse_claims("table_status=4.99.0,names=4.37.1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("table_status"), (Version{4, 99, 0}));
  EXPECT_EQ(c->at("list_devices"), (Version{4, 37, 1}));
  EXPECT_FALSE(detail::parse_claims("bogus=1.0.0"));
  EXPECT_FALSE(detail::parse_claims("table_status=4.x.0"));
  EXPECT_FALSE(detail::parse_claims("table_status=4.1"));
}

TEST(ClientVersions, RequiredVersionFollowsFlags) {
  using detail::required_version;
  EXPECT_EQ(required_version(abi::CMD_TABLE_STATUS, 0), (abi::CommandVersion{4, 0, 0}));
  EXPECT_EQ(required_version(abi::CMD_TABLE_STATUS, abi::QUERY_INACTIVE_TABLE_FLAG),
            (abi::CommandVersion{4, 16, 0}));
  EXPECT_EQ(required_version(abi::CMD_DEV_SUSPEND, abi::SUSPEND_FLAG | abi::NOFLUSH_FLAG),
            (abi::CommandVersion{4, 12, 0}));
  EXPECT_EQ(required_version(abi::CMD_TARGET_MSG, 0), (abi::CommandVersion{4, 2, 0}));
  EXPECT_EQ(required_version(abi::CMD_LIST_COMMANDS, 0), (abi::CommandVersion{1, 0, 0}));
}

}  // namespace
}  // namespace udm::client

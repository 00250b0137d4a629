// list_devices, list_versions, get_target_version, list_commands (ABI.md §6.3, §6.4).
#include "fixture.hpp"

namespace udm::daemon::test {
namespace {

class ListCommands : public DispatcherTest {};

TEST_F(ListCommands, EmptyListIsDataStartOnly) {
  auto s = send(abi::CMD_LIST_DEVICES, header());
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.data_size, 312u);
  EXPECT_EQ(s.header.data_start, 312u);
  EXPECT_TRUE(abi::decode_name_list(s.payload(), true)->empty());
}

TEST_F(ListCommands, DevicesSortedWithTrailers) {
  make_device("b", {}, "UUID-B");
  make_device("a", {});
  registry_.find_by_name("a")->raise_event();
  auto s = send(abi::CMD_LIST_DEVICES, header());
  ASSERT_EQ(s.error(), 0u);
  auto list = abi::decode_name_list(s.payload(), true);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ((*list)[0].event_nr, 1u);
  EXPECT_EQ((*list)[0].flags, 0u);
  EXPECT_EQ(DevNo::from_huge((*list)[1].dev).minor, 0u);
  EXPECT_EQ(s.header.data_size, 312u + 24 + 24);
  s = send(abi::CMD_LIST_DEVICES, header("", abi::UUID_FLAG));
  list = abi::decode_name_list(s.payload(), true);
  ASSERT_TRUE(list);
  EXPECT_EQ((*list)[0].flags, abi::NAME_LIST_FLAG_DOESNT_HAVE_UUID);
  EXPECT_EQ((*list)[1].uuid.value_or(""), "UUID-B");
}

TEST_F(ListCommands, PrefixFilterAndBufferFull) {
  make_device("vg-a", {});
  make_device("vg-b", {});
  make_device("other", {});
  auto s = send(abi::CMD_LIST_DEVICES, header("vg-"));
  auto list = abi::decode_name_list(s.payload(), true);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 2u);
  s = send(abi::CMD_LIST_DEVICES, header(), {}, 312 + 40);
  ASSERT_EQ(s.error(), 0u);
  EXPECT_TRUE(s.header.flags & abi::BUFFER_FULL_FLAG);
  EXPECT_EQ(s.header.data_size, 305u);
}

TEST_F(ListCommands, TargetVersions) {
  auto s = send(abi::CMD_LIST_VERSIONS, header());
  ASSERT_EQ(s.error(), 0u);
  auto recs = abi::decode_versions(s.payload());
  ASSERT_TRUE(recs);
  std::vector<std::string> names;
  for (auto& r : *recs) names.push_back(r.name);
  for (auto want : {"linear", "striped", "zero", "error"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  s = send(abi::CMD_LIST_VERSIONS, header(), {}, 312 + 16);
  EXPECT_TRUE(s.header.flags & abi::BUFFER_FULL_FLAG);
}

TEST_F(ListCommands, GetTargetVersion) {
  auto h = header("linear");
  h.version = {4, 41, 0};
  auto s = send(abi::CMD_GET_TARGET_VERSION, h);
  ASSERT_EQ(s.error(), 0u);
  auto recs = abi::decode_versions(s.payload());
  ASSERT_TRUE(recs);
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].name, "linear");
  EXPECT_EQ((*recs)[0].version.major, 1u);
  EXPECT_EQ(s.header.data_size, 312u + 16 + 7 + 7);
  h.name = "nope";
  EXPECT_EQ(send(abi::CMD_GET_TARGET_VERSION, h).error(), (std::uint32_t)EINVAL);
}

TEST_F(ListCommands, ListCommandsNamesEveryCommand) {
  auto h = header();
  h.version = {1, 0, 0};
  auto s = send(abi::CMD_LIST_COMMANDS, h);
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  auto recs = abi::decode_versions(s.payload());
  ASSERT_TRUE(recs);
  ASSERT_EQ(recs->size(), abi::COMMANDS.size());
  for (std::size_t i = 0; i < recs->size(); ++i) {
    EXPECT_EQ((*recs)[i].name, abi::COMMANDS[i].name);
    EXPECT_EQ((*recs)[i].version, abi::COMMANDS[i].version);
  }
  h.version = {4, 0, 0};  // list_commands is 1.x
  EXPECT_EQ(send(abi::CMD_LIST_COMMANDS, h).error(), (std::uint32_t)EINVAL);
}

}  // namespace
}  // namespace udm::daemon::test

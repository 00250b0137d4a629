// table_load, table_clear, table_deps, table_status, target_msg
// (ABI.md §6.1, §6.2, §6.5, §6.7, §7).
#include "fixture.hpp"

namespace udm::daemon::test {
namespace {

class TableCommands : public DispatcherTest {};

const std::vector<abi::TargetSpecText> ZERO8{{0, 8, "zero", "", 0}};

TEST_F(TableCommands, LoadFillsTheInactiveSlot) {
  ASSERT_EQ(send(abi::CMD_DEV_CREATE, header("t")).error(), 0u);
  auto s = load("t", ZERO8);
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_TRUE(s.header.flags & abi::INACTIVE_PRESENT_FLAG);
  EXPECT_FALSE(s.header.flags & abi::ACTIVE_PRESENT_FLAG);
  EXPECT_EQ(s.header.target_count, 0u);
  // Status of a device without a live table: the header only.
  s = send(abi::CMD_TABLE_STATUS, header("t"));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.data_size, 305u);
  s = send(abi::CMD_TABLE_STATUS, header("t", abi::QUERY_INACTIVE_TABLE_FLAG | abi::STATUS_TABLE_FLAG));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.target_count, 1u);
  EXPECT_GT(s.header.data_size, 312u);
}

TEST_F(TableCommands, LoadErrorsAreEinvalWithAMessage) {
  ASSERT_EQ(send(abi::CMD_DEV_CREATE, header("t")).error(), 0u);
  auto s = load("t", {{0, 8, "nosuchtarget", "", 0}});
  EXPECT_EQ(s.error(), (std::uint32_t)EINVAL);
  EXPECT_NE(s.reply.message.find("nosuchtarget"), std::string::npos) << s.reply.message;
  s = load("t", {{0, 8, "zero", "", 0}, {9, 8, "zero", "", 0}});  // a gap
  EXPECT_EQ(s.error(), (std::uint32_t)EINVAL);
  s = load("t", {{0, 8, "linear", "/nonexistent/file 0", 0}});
  EXPECT_EQ(s.error(), (std::uint32_t)EINVAL);
  EXPECT_FALSE(send(abi::CMD_DEV_STATUS, header("t")).header.flags & abi::INACTIVE_PRESENT_FLAG);
  // A spec chain that breaks the 4.48 checks.
  auto h = header("t");
  h.target_count = 2;
  EXPECT_EQ(send(abi::CMD_TABLE_LOAD, h, *abi::encode_load_specs(ZERO8), 400).error(), (std::uint32_t)EINVAL);
  h.target_count = 0;
  EXPECT_EQ(send(abi::CMD_TABLE_LOAD, h, *abi::encode_load_specs(ZERO8)).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(load("missing", ZERO8).error(), (std::uint32_t)ENXIO);
}

TEST_F(TableCommands, ReadOnlyLoad) {
  make_device("ro", {});
  ASSERT_EQ(load("ro", ZERO8, abi::READONLY_FLAG).error(), 0u);
  ASSERT_EQ(send(abi::CMD_DEV_SUSPEND, header("ro")).error(), 0u);
  auto s = send(abi::CMD_DEV_STATUS, header("ro"));
  EXPECT_TRUE(s.header.flags & abi::READONLY_FLAG);
}

TEST_F(TableCommands, ClearDropsTheInactiveTable) {
  make_device("c", ZERO8);
  ASSERT_EQ(load("c", ZERO8).error(), 0u);
  auto s = send(abi::CMD_TABLE_CLEAR, header("c"));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_FALSE(s.header.flags & abi::INACTIVE_PRESENT_FLAG);
  EXPECT_TRUE(s.header.flags & abi::ACTIVE_PRESENT_FLAG);
  EXPECT_EQ(s.reply.body.size(), 305u);
}

TEST_F(TableCommands, StatusAndTableText) {
  make_device("base", {{0, 64, "zero", "", 0}});
  make_device("top", {{0, 16, "linear", "252:0 8", 0}, {16, 8, "error", "", 0}});
  auto s = send(abi::CMD_TABLE_STATUS, header("top", abi::STATUS_TABLE_FLAG));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.target_count, 2u);
  EXPECT_EQ(s.header.data_start, 312u);
  auto specs = abi::decode_status_specs(s.reply.body, s.header.data_start, s.header.target_count);
  ASSERT_TRUE(specs) << specs.error().message;
  EXPECT_EQ((*specs)[0].type, "linear");
  EXPECT_EQ((*specs)[0].text, "252:0 8");
  EXPECT_EQ((*specs)[1].start, 16u);
  EXPECT_EQ((*specs)[1].text, "");
  // data_size ends at the last NUL.
  EXPECT_EQ(s.header.data_size, 312u + 48 + 40 + 1);
  EXPECT_EQ(s.reply.body.size(), s.header.data_size);
}

TEST_F(TableCommands, StatusBufferFull) {
  make_device("base", {{0, 64, "zero", "", 0}});
  make_device("top", {{0, 16, "linear", "252:0 8", 0}, {16, 8, "error", "", 0}});
  auto s = send(abi::CMD_TABLE_STATUS, header("top", abi::STATUS_TABLE_FLAG), {}, 312 + 60);
  ASSERT_EQ(s.error(), 0u);
  EXPECT_TRUE(s.header.flags & abi::BUFFER_FULL_FLAG);
  EXPECT_EQ(s.header.target_count, 2u);
  EXPECT_EQ(s.header.data_size, 312u + 48);  // the first target only
  s = send(abi::CMD_TABLE_STATUS, header("top"), {}, 312 + 40);
  EXPECT_TRUE(s.header.flags & abi::BUFFER_FULL_FLAG);
  EXPECT_EQ(s.header.data_size, 305u);
  EXPECT_EQ(send(abi::CMD_TABLE_STATUS, header("top", abi::IMA_MEASUREMENT_FLAG)).error(), (std::uint32_t)EINVAL);
}

TEST_F(TableCommands, DepsListsStackedDevices) {
  make_device("base", {{0, 64, "zero", "", 0}});
  make_device("top", {{0, 16, "linear", "252:0 8", 0}, {16, 8, "linear", "252:0 0", 0}});
  auto s = send(abi::CMD_TABLE_DEPS, header("top"));
  ASSERT_EQ(s.error(), 0u);
  auto deps = abi::decode_deps(s.payload());
  ASSERT_TRUE(deps);
  ASSERT_EQ(deps->size(), 1u);
  EXPECT_EQ(DevNo::from_huge((*deps)[0]), (DevNo{UDM_BLOCK_MAJOR, 0}));
  EXPECT_EQ(s.header.data_size, 312u + 8 + 8);
  s = send(abi::CMD_TABLE_DEPS, header("top"), {}, 312 + 15);
  EXPECT_TRUE(s.header.flags & abi::BUFFER_FULL_FLAG);
  EXPECT_EQ(s.header.data_size, 305u);
  s = send(abi::CMD_TABLE_DEPS, header("base"));
  EXPECT_EQ(abi::decode_deps(s.payload())->size(), 0u);
}

TEST_F(TableCommands, TargetMessages) {
  make_device("base", {{0, 64, "zero", "", 0}});
  make_device("d", {{0, 64, "dust", "252:0 0 512", 0}});
  auto msg = [&](sector_t sector, std::string text, std::uint32_t size = 16384) {
    return send(abi::CMD_TARGET_MSG, header("d"), abi::encode_target_msg({sector, std::move(text)}), size);
  };
  auto s = msg(0, "countbadblocks");
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_TRUE(s.header.flags & abi::DATA_OUT_FLAG);
  EXPECT_EQ(*abi::decode_string(s.reply.body, s.header.data_start), "countbadblocks: 0 badblock(s) found");
  s = msg(0, "countbadblocks", 312 + 20);
  EXPECT_TRUE(s.header.flags & abi::BUFFER_FULL_FLAG);
  s = msg(0, "addbadblock 3");
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_FALSE(s.header.flags & abi::DATA_OUT_FLAG);
  EXPECT_EQ(s.header.data_size, 305u);
  EXPECT_EQ(msg(64, "countbadblocks").error(), (std::uint32_t)EINVAL);  // outside the device
  EXPECT_EQ(msg(0, "").error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(msg(0, "bogus").error(), (std::uint32_t)EINVAL);
  // dm-stats messages are answered by the core: an empty list still sets DATA_OUT.
  s = msg(0, "@stats_list");
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_TRUE(s.header.flags & abi::DATA_OUT_FLAG);
  EXPECT_EQ(*abi::decode_string(s.reply.body, s.header.data_start), "");
  s = msg(0, "@stats_create - /2");
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_EQ(*abi::decode_string(s.reply.body, s.header.data_start), "0");
  s = msg(0, "@stats_delete 0");
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_FALSE(s.header.flags & abi::DATA_OUT_FLAG);
  EXPECT_EQ(msg(0, "@stats_delete 0").error(), (std::uint32_t)ENOENT);
  EXPECT_EQ(msg(0, "@stats_create - 0").error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(msg(0, "@bogus").error(), (std::uint32_t)EINVAL);
  // @cancel_deferred_remove
  auto dev = registry_.find_by_name("d");
  dev->open();
  ASSERT_EQ(send(abi::CMD_DEV_REMOVE, header("d", abi::DEFERRED_REMOVE_FLAG)).error(), 0u);
  ASSERT_EQ(msg(0, "@cancel_deferred_remove").error(), 0u);
  dev->close();
  EXPECT_NE(registry_.find_by_name("d"), nullptr);
}

}  // namespace
}  // namespace udm::daemon::test

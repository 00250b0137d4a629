// create, remove, remove_all, rename, suspend/resume, info, wait,
// set_geometry (ABI.md §6.6, §6.8, §8).
#include <thread>

#include "fixture.hpp"

namespace udm::daemon::test {
namespace {

class DeviceCommands : public DispatcherTest {};

const std::vector<abi::TargetSpecText> ZERO8{{0, 8, "zero", "", 0}};

TEST_F(DeviceCommands, CreateGivesAnEmptyRunningDevice) {
  auto s = send(abi::CMD_DEV_CREATE, header("a"));
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_EQ(DevNo::from_huge(s.header.dev), (DevNo{UDM_BLOCK_MAJOR, 0}));
  EXPECT_FALSE(s.header.flags & (abi::SUSPEND_FLAG | abi::ACTIVE_PRESENT_FLAG | abi::INACTIVE_PRESENT_FLAG));
  EXPECT_EQ(s.header.target_count, 0u);
  EXPECT_EQ(s.header.event_nr, 0u);
  auto b = send(abi::CMD_DEV_CREATE, header("b"));
  EXPECT_EQ(DevNo::from_huge(b.header.dev).minor, 1u);
}

TEST_F(DeviceCommands, CreateRules) {
  EXPECT_EQ(send(abi::CMD_DEV_CREATE, header("")).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_DEV_CREATE, header("control")).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_DEV_CREATE, header("a/b")).error(), (std::uint32_t)EINVAL);
  ASSERT_EQ(send(abi::CMD_DEV_CREATE, header("a")).error(), 0u);
  EXPECT_EQ(send(abi::CMD_DEV_CREATE, header("a")).error(), (std::uint32_t)EBUSY);
  auto h = header("p", abi::EXISTS_FLAG | abi::PERSISTENT_DEV_FLAG);
  h.dev = DevNo{0, 300}.to_huge();  // the major is ignored
  auto s = send(abi::CMD_DEV_CREATE, h);
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_EQ(DevNo::from_huge(s.header.dev), (DevNo{UDM_BLOCK_MAJOR, 300}));
  h.name = "q";
  EXPECT_EQ(send(abi::CMD_DEV_CREATE, h).error(), (std::uint32_t)EBUSY);
}

TEST_F(DeviceCommands, LookupByUuidNameOrDevAndWriteBack) {
  make_device("dev1", ZERO8, "UUID-1");
  auto h = header();
  h.uuid = "UUID-1";
  auto s = send(abi::CMD_DEV_STATUS, h);
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.name, "dev1");
  h = header();
  h.dev = DevNo{UDM_BLOCK_MAJOR, 0}.to_huge();
  s = send(abi::CMD_DEV_STATUS, h);
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.name, "dev1");
  EXPECT_EQ(s.header.uuid, "UUID-1");
  EXPECT_EQ(s.header.target_count, 1u);
  EXPECT_TRUE(s.header.flags & abi::ACTIVE_PRESENT_FLAG);
  h.name = "dev1";  // name with dev: an invalid request, ENXIO as the kernel
  EXPECT_EQ(send(abi::CMD_DEV_STATUS, h).error(), (std::uint32_t)ENXIO);
  EXPECT_EQ(send(abi::CMD_DEV_STATUS, header()).error(), (std::uint32_t)ENXIO);
}

TEST_F(DeviceCommands, SuspendAndResume) {
  make_device("s", ZERO8);
  auto s = send(abi::CMD_DEV_SUSPEND, header("s", abi::EXISTS_FLAG | abi::SUSPEND_FLAG));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_TRUE(s.header.flags & abi::SUSPEND_FLAG);
  EXPECT_EQ(s.reply.body.size(), 305u);
  // Suspending again succeeds.
  EXPECT_EQ(send(abi::CMD_DEV_SUSPEND, header("s", abi::SUSPEND_FLAG)).error(), 0u);
  s = send(abi::CMD_DEV_SUSPEND, header("s"));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_FALSE(s.header.flags & abi::SUSPEND_FLAG);
  EXPECT_TRUE(s.header.flags & abi::UEVENT_GENERATED_FLAG);
  // Resuming a running device without an inactive table is not an error, and sends no uevent.
  s = send(abi::CMD_DEV_SUSPEND, header("s"));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_FALSE(s.header.flags & abi::UEVENT_GENERATED_FLAG);
  EXPECT_EQ(s.header.event_nr, 0u);  // create/load/resume leave event_nr at 0
}

TEST_F(DeviceCommands, ResumeSwapsTheInactiveTable) {
  make_device("r", ZERO8);
  ASSERT_EQ(load("r", {{0, 16, "zero", "", 0}, {16, 8, "error", "", 0}}).error(), 0u);
  auto s = send(abi::CMD_DEV_STATUS, header("r"));
  EXPECT_TRUE(s.header.flags & abi::INACTIVE_PRESENT_FLAG);
  EXPECT_EQ(s.header.target_count, 1u);  // the live table's
  s = send(abi::CMD_DEV_STATUS, header("r", abi::QUERY_INACTIVE_TABLE_FLAG));
  EXPECT_EQ(s.header.target_count, 2u);
  s = send(abi::CMD_DEV_SUSPEND, header("r"));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_FALSE(s.header.flags & abi::INACTIVE_PRESENT_FLAG);
  EXPECT_EQ(s.header.target_count, 2u);
  EXPECT_EQ(registry_.find_by_name("r")->size(), 24u * 512);
}

TEST_F(DeviceCommands, RemoveAndDeferredRemove) {
  EXPECT_EQ(send(abi::CMD_DEV_REMOVE, header("none")).error(), (std::uint32_t)ENXIO);
  make_device("x", ZERO8);
  auto s = send(abi::CMD_DEV_REMOVE, header("x"));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.reply.body.size(), 305u);
  EXPECT_TRUE(s.header.flags & abi::UEVENT_GENERATED_FLAG);
  EXPECT_EQ(registry_.find_by_name("x"), nullptr);

  make_device("o", ZERO8);
  auto dev = registry_.find_by_name("o");
  dev->open();
  EXPECT_EQ(send(abi::CMD_DEV_REMOVE, header("o")).error(), (std::uint32_t)EBUSY);
  s = send(abi::CMD_DEV_REMOVE, header("o", abi::DEFERRED_REMOVE_FLAG));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_TRUE(s.header.flags & abi::DEFERRED_REMOVE_FLAG);
  EXPECT_NE(registry_.find_by_name("o"), nullptr);
  EXPECT_TRUE(send(abi::CMD_DEV_STATUS, header("o")).header.flags & abi::DEFERRED_REMOVE_FLAG);
  dev->close();  // last close removes it
  EXPECT_EQ(registry_.find_by_name("o"), nullptr);
}

TEST_F(DeviceCommands, RemoveAllReturnsOnlyTheVersion) {
  make_device("a", ZERO8);
  make_device("b", {});
  auto keep = registry_.find_by_name("a");
  keep->open();
  auto s = send(abi::CMD_REMOVE_ALL, header());
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.reply.body.size(), 12u);
  EXPECT_EQ(registry_.find_by_name("b"), nullptr);
  EXPECT_NE(registry_.find_by_name("a"), nullptr);  // open: skipped
  keep->close();
}

TEST_F(DeviceCommands, RenameNameAndUuid) {
  make_device("old", ZERO8);
  ASSERT_EQ(send(abi::CMD_DEV_CREATE, header("other")).error(), 0u);
  auto s = send(abi::CMD_DEV_RENAME, header("old"), abi::encode_string("new"));
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_TRUE(s.header.flags & abi::UEVENT_GENERATED_FLAG);
  EXPECT_EQ(s.header.event_nr, 1u);  // a rename is an event
  EXPECT_NE(registry_.find_by_name("new"), nullptr);
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("old"), abi::encode_string("x")).error(), (std::uint32_t)ENXIO);
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("new"), abi::encode_string("other")).error(), (std::uint32_t)EBUSY);
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("new"), abi::encode_string("")).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("new"), abi::encode_string("a/b")).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("new"), abi::encode_string(std::string(128, 'n'))).error(),
            (std::uint32_t)EINVAL);
  auto h = header("new", abi::UUID_FLAG);
  h.version = {4, 19, 0};
  s = send(abi::CMD_DEV_RENAME, h, abi::encode_string("THE-UUID"));
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_EQ(registry_.find_by_uuid("THE-UUID")->name(), "new");
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, h, abi::encode_string("ANOTHER")).error(), (std::uint32_t)EINVAL);
  // No NUL inside the buffer.
  auto raw = *abi::encode_request(header("new"), abi::encode_string("zz"));
  raw.back() = 'z';
  EXPECT_EQ(send_raw(abi::CMD_DEV_RENAME, raw).error(), (std::uint32_t)EINVAL);
}

TEST_F(DeviceCommands, WaitReturnsAtOnceWhenTheEventDiffers) {
  make_device("w", ZERO8);
  auto h = header("w", abi::STATUS_TABLE_FLAG);
  h.event_nr = 5;
  auto s = send(abi::CMD_DEV_WAIT, h);
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.event_nr, 0u);
  auto specs = abi::decode_status_specs(s.reply.body, s.header.data_start, s.header.target_count);
  ASSERT_TRUE(specs);
  ASSERT_EQ(specs->size(), 1u);
  EXPECT_EQ((*specs)[0].type, "zero");
}

TEST_F(DeviceCommands, WaitBlocksUntilAnEvent) {
  make_device("w", ZERO8);
  auto dev = registry_.find_by_name("w");
  std::jthread raiser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    dev->raise_event();
  });
  auto h = header("w");
  h.event_nr = 0;
  auto s = send(abi::CMD_DEV_WAIT, h);
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.header.event_nr, 1u);
}

TEST_F(DeviceCommands, WaitIsCancelledOnShutdown) {
  make_device("w", ZERO8);
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    dispatcher_.cancel_waits();
  });
  EXPECT_EQ(send(abi::CMD_DEV_WAIT, header("w")).error(), (std::uint32_t)EINTR);
}

TEST_F(DeviceCommands, SetGeometry) {
  make_device("g", ZERO8);
  auto s = send(abi::CMD_DEV_SET_GEOMETRY, header("g"), abi::encode_string("1024 255 63 0"));
  ASSERT_EQ(s.error(), 0u) << s.reply.message;
  EXPECT_EQ(s.reply.body.size(), 12u);
  for (auto bad : {"65536 1 1 0", "1 256 1 0", "1 1 256 0", "1 2 3", "1 2 3 4 ", "a b c d"})
    EXPECT_EQ(send(abi::CMD_DEV_SET_GEOMETRY, header("g"), abi::encode_string(bad)).error(), (std::uint32_t)EINVAL)
        << bad;
}

}  // namespace
}  // namespace udm::daemon::test

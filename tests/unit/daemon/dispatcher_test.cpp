// Request processing common to every command (ABI.md §5) and the copy-back
// rules of SHIM.md §2.
#include "fixture.hpp"

namespace udm::daemon::test {
namespace {

using abi::CommandVersion;

class Dispatch : public DispatcherTest {};

TEST_F(Dispatch, VersionReturnsOnlyTwelveBytes) {
  auto s = send(abi::CMD_VERSION, header());
  EXPECT_EQ(s.error(), 0u);
  ASSERT_EQ(s.reply.body.size(), 12u);
  EXPECT_EQ(*abi::decode_version(s.reply.body), (CommandVersion{4, 48, 0}));
}

TEST_F(Dispatch, MajorMismatchAndNewerMinorAreRefusedWithVersion) {
  auto h = header();
  h.version = {5, 0, 0};
  auto s = send(abi::CMD_DEV_STATUS, h);
  EXPECT_EQ(s.error(), (std::uint32_t)EINVAL);
  auto r = abi::split_reply({{abi::FRAME_MAGIC, 0, (std::uint32_t)s.reply.body.size(), s.error()}, s.reply.body});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->copy_back.size(), 12u);  // nothing but the version
  EXPECT_EQ(*abi::decode_version(r->copy_back), (CommandVersion{4, 16, 0}));
  EXPECT_NE(r->message.find("interface mismatch"), std::string::npos);
  h.version = {4, 17, 0};  // newer minor than the driver's 4.16 for info
  EXPECT_EQ(send(abi::CMD_DEV_STATUS, h).error(), (std::uint32_t)EINVAL);
  h.version = {4, 16, 99};  // patch never compared
  EXPECT_EQ(send(abi::CMD_DEV_STATUS, h).error(), (std::uint32_t)ENXIO);
}

TEST_F(Dispatch, UnknownCommandIsEnotty) {
  EXPECT_EQ(send(18, header()).error(), (std::uint32_t)ENOTTY);
  EXPECT_EQ(send(0x3fff, header()).error(), (std::uint32_t)ENOTTY);
  // A full ioctl number works like its nr; another type byte does not.
  EXPECT_EQ(send(abi::ioctl_request(abi::CMD_VERSION), header()).error(), 0u);
  EXPECT_EQ(send(0xc138fe00u, header()).error(), (std::uint32_t)ENOTTY);
}

TEST_F(Dispatch, UnknownFlagBitsAreRefused) {
  EXPECT_EQ(send(abi::CMD_LIST_DEVICES, header("", abi::EXISTS_FLAG | (1u << 7))).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_LIST_DEVICES, header("", 1u << 20)).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_LIST_DEVICES, header("", abi::KNOWN_FLAGS & ~abi::UUID_FLAG)).error(), 0u);
}

TEST_F(Dispatch, SizesAreChecked) {
  auto req = *abi::encode_request(header("x"), {}, 400);
  // data_size larger than what was sent
  EXPECT_EQ(send_raw(abi::CMD_DEV_STATUS, abi::ByteView(req).first(399)).error(), (std::uint32_t)EINVAL);
  // shorter than the header
  EXPECT_EQ(send_raw(abi::CMD_DEV_STATUS, abi::ByteView(req).first(304)).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send_raw(abi::CMD_DEV_STATUS, abi::ByteView(req).first(11)).error(), (std::uint32_t)EINVAL);
  auto small = req;
  std::uint32_t ds = 304;
  std::memcpy(small.data() + 12, &ds, 4);
  EXPECT_EQ(send_raw(abi::CMD_DEV_STATUS, small).error(), (std::uint32_t)EINVAL);
}

TEST_F(Dispatch, NameAndUuidTogetherAreRefused) {
  auto h = header("x");
  h.uuid = "U";
  EXPECT_EQ(send(abi::CMD_DEV_STATUS, h).error(), (std::uint32_t)EINVAL);
  h.name.clear();
  EXPECT_EQ(send(abi::CMD_DEV_STATUS, h).error(), (std::uint32_t)ENXIO);
}

TEST_F(Dispatch, NoParamsCommandsReturnTheHeaderOnlyAndEchoBit2) {
  auto s = send(abi::CMD_DEV_CREATE, header("a", abi::EXISTS_FLAG | abi::SKIP_LOCKFS_FLAG | abi::BUFFER_FULL_FLAG));
  ASSERT_EQ(s.error(), 0u);
  EXPECT_EQ(s.reply.body.size(), 305u);
  EXPECT_EQ(s.header.data_size, 305u);
  EXPECT_TRUE(s.header.flags & abi::EXISTS_FLAG);
  EXPECT_TRUE(s.header.flags & abi::SKIP_LOCKFS_FLAG);     // input bits echoed
  EXPECT_FALSE(s.header.flags & abi::BUFFER_FULL_FLAG);    // output-only bits cleared
  EXPECT_EQ(s.header.version, (CommandVersion{4, 0, 0}));  // the driver's create version
}

TEST_F(Dispatch, ErrorsCarryOnlyVersionAndAMessage) {
  auto s = send(abi::CMD_DEV_STATUS, header("missing"));
  EXPECT_EQ(s.error(), (std::uint32_t)ENXIO);
  ASSERT_GE(s.reply.body.size(), 12u);
  std::string msg(s.reply.body.begin() + 12, s.reply.body.end());
  EXPECT_NE(msg.find("missing"), std::string::npos);
}

TEST_F(Dispatch, GlobalEventCountsGlobalCommandsOnly) {
  auto before = dispatcher_.global_event_nr();
  ASSERT_EQ(send(abi::CMD_DEV_CREATE, header("g")).error(), 0u);
  EXPECT_EQ(dispatcher_.global_event_nr(), before + 1);
  ASSERT_EQ(send(abi::CMD_DEV_STATUS, header("g")).error(), 0u);
  EXPECT_EQ(dispatcher_.global_event_nr(), before + 1);
  EXPECT_NE(send(abi::CMD_DEV_CREATE, header("g")).error(), 0u);  // failures do not count
  EXPECT_EQ(dispatcher_.global_event_nr(), before + 1);
  ASSERT_EQ(send(abi::CMD_DEV_ARM_POLL, header()).error(), 0u);
  EXPECT_EQ(conn_.armed_global_event, before + 1);
}

}  // namespace
}  // namespace udm::daemon::test

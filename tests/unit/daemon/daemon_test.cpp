// A whole daemon in-process: control socket, pid file, concurrency, shutdown.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/frame.hpp"
#include "daemon/daemon.hpp"
#include "in_process.hpp"

namespace udm::daemon::test {
namespace {

namespace fs = std::filesystem;

TEST_F(InProcessDaemon, ServesTheSocketWithMode0600AndCleansUp) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d) << d.error().message;
  struct stat st{};
  ASSERT_EQ(::stat((*d)->control_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(fs::exists(opts_.rundir + "/udmd.pid"));
  int fd = connect_to((*d)->control_path());
  ASSERT_GE(fd, 0);
  auto r = call(fd, abi::CMD_VERSION, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, 0u);
  EXPECT_EQ(*abi::decode_version(r->copy_back), (abi::CommandVersion{4, 48, 0}));
  ::close(fd);
  (*d)->stop();
  EXPECT_FALSE(fs::exists(opts_.rundir + "/control"));
  EXPECT_FALSE(fs::exists(opts_.rundir + "/udmd.pid"));
}

TEST_F(InProcessDaemon, OneDaemonPerRunDirectory) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d);
  auto second = Daemon::start(opts_, *log_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, EBUSY);
  EXPECT_NE(second.error().message.find(std::to_string(::getpid())), std::string::npos);
  // The first one still works.
  int fd = connect_to((*d)->control_path());
  ASSERT_GE(fd, 0);
  EXPECT_EQ(call(fd, abi::CMD_VERSION, "")->error, 0u);
  ::close(fd);
}

TEST_F(InProcessDaemon, BlockedWaitDoesNotStallOthersAndShutdownCancelsIt) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d);
  int a = connect_to((*d)->control_path());
  int b = connect_to((*d)->control_path());
  ASSERT_EQ(call(a, abi::CMD_DEV_CREATE, "w")->error, 0u);
  auto waiting = std::async(std::launch::async, [&] { return call(a, abi::CMD_DEV_WAIT, "w", 0, 0); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  // Another client is served meanwhile.
  for (int i = 0; i < 20; ++i) ASSERT_EQ(call(b, abi::CMD_DEV_STATUS, "w")->error, 0u);
  (*d)->stop();
  auto r = waiting.get();
  // Either the EINTR reply arrived, or the connection was closed under it.
  if (r) {
    EXPECT_EQ(r->error, (std::uint32_t)EINTR);
  }
  ::close(a);
  ::close(b);
}

TEST_F(InProcessDaemon, EventWakesAWaiter) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d);
  int a = connect_to((*d)->control_path());
  int b = connect_to((*d)->control_path());
  ASSERT_EQ(call(a, abi::CMD_DEV_CREATE, "w")->error, 0u);
  auto waiting = std::async(std::launch::async, [&] { return call(a, abi::CMD_DEV_WAIT, "w", 0, 0); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  (*d)->registry().find_by_name("w")->raise_event();
  auto r = waiting.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, 0u);
  EXPECT_EQ(abi::decode_header(r->copy_back)->event_nr, 1u);
  ::close(a);
  ::close(b);
}

TEST_F(InProcessDaemon, BadFramesCloseOnlyTheirConnection) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d);
  int bad = connect_to((*d)->control_path());
  abi::FrameHeader h{0xdeadbeef, 0, 0, 0};
  ASSERT_EQ(::write(bad, &h, sizeof h), (ssize_t)sizeof h);
  auto f = abi::read_frame(bad);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->header.error, (std::uint32_t)EINVAL);
  EXPECT_FALSE(abi::read_frame(bad));  // closed
  ::close(bad);
  int big = connect_to((*d)->control_path());
  h = {abi::FRAME_MAGIC, 7, abi::MAX_FRAME_SIZE + 1, 0};
  ASSERT_EQ(::write(big, &h, sizeof h), (ssize_t)sizeof h);
  f = abi::read_frame(big);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->header.error, (std::uint32_t)EINVAL);
  ::close(big);
  int good = connect_to((*d)->control_path());
  EXPECT_EQ(call(good, abi::CMD_VERSION, "")->error, 0u);
  ::close(good);
}

}  // namespace
}  // namespace udm::daemon::test

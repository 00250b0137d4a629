// The control server's bounds, in-process: the connection limit makes the
// longest idle connection room for a new one, a stalled frame is cut off
// after the frame timeout, a parked DEV_WAIT costs no command thread.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <vector>
#include <unistd.h>

#include "abi/frame.hpp"
#include "daemon/daemon.hpp"
#include "in_process.hpp"

namespace udm::daemon::test {
namespace {

// True once the peer closed `fd` (EOF within `ms`).
bool closed_within(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return false;
  char b;
  return ::recv(fd, &b, 1, MSG_DONTWAIT) == 0;
}

class ControlLimitsTest : public InProcessDaemon {
 protected:
  void SetUp() override {
    InProcessDaemon::SetUp();
    opts_.control.max_connections = 4;
    opts_.control.frame_timeout_ms = 300;
    opts_.control.max_command_threads = 2;
  }
};

TEST_F(ControlLimitsTest, AtTheLimitTheLongestIdleConnectionMakesRoom) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d) << d.error().message;
  std::vector<int> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(connect_to((*d)->control_path()));
    ASSERT_EQ(call(idle.back(), abi::CMD_VERSION, "")->error, 0u);  // accepted, in this order
  }
  // A command thread lingers briefly after each reply: only a connection
  // back in the loop's hands is idle (a loaded machine may take a while).
  for (int ms = 0; (*d)->busy_connection_count() > 0 && ms < 5000; ms += 5) ::usleep(5000);
  ASSERT_EQ((*d)->busy_connection_count(), 0u);
  int fresh = connect_to((*d)->control_path());
  auto r = call(fresh, abi::CMD_VERSION, "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->error, 0u);
  EXPECT_TRUE(closed_within(idle[0], 2000));  // the oldest went
  for (int i = 1; i < 4; ++i) EXPECT_FALSE(closed_within(idle[i], 0));
  EXPECT_EQ((*d)->connection_count(), 4u);
  for (int fd : idle) ::close(fd);
  ::close(fresh);
}

TEST_F(ControlLimitsTest, AStalledFrameIsCutOffAfterTheTimeout) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d);
  int fd = connect_to((*d)->control_path());
  abi::FrameHeader h{abi::FRAME_MAGIC, abi::CMD_LIST_DEVICES, abi::MAX_FRAME_SIZE, 0};
  ASSERT_EQ(::write(fd, &h, sizeof h), (ssize_t)sizeof h);
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(closed_within(fd, 150));
  EXPECT_TRUE(closed_within(fd, 3000));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(ms, 250);
  ::close(fd);
  // Idle between frames is no stall.
  int idle = connect_to((*d)->control_path());
  EXPECT_FALSE(closed_within(idle, 600));
  EXPECT_EQ(call(idle, abi::CMD_VERSION, "")->error, 0u);
  ::close(idle);
}

TEST_F(ControlLimitsTest, ParkedWaitsTakeNoCommandThread) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d);
  int admin = connect_to((*d)->control_path());
  ASSERT_EQ(call(admin, abi::CMD_DEV_CREATE, "w")->error, 0u);
  // As many waiters as command threads: blocked waiters would starve `admin`.
  std::vector<int> fds;
  std::vector<std::future<Result<abi::Reply>>> waits;
  for (int i = 0; i < 2; ++i) {
    fds.push_back(connect_to((*d)->control_path()));
    waits.push_back(std::async(std::launch::async, [fd = fds.back()] { return call(fd, abi::CMD_DEV_WAIT, "w"); }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (auto& w : waits) EXPECT_EQ(w.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(call(admin, abi::CMD_DEV_STATUS, "w")->error, 0u);
  (*d)->registry().find_by_name("w")->raise_event();
  for (auto& w : waits) {
    ASSERT_EQ(w.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    auto r = w.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, 0u);
    EXPECT_EQ(abi::decode_header(r->copy_back)->event_nr, 1u);
  }
  // A waiter that hangs up is dropped.
  int quitter = connect_to((*d)->control_path());
  auto req = abi::encode_request([] {
    abi::Header h;
    h.version = {4, 0, 0};
    h.name = "w";
    h.event_nr = 1;
    return h;
  }(), {}, 16384);
  ASSERT_TRUE(abi::write_frame(quitter, abi::CMD_DEV_WAIT, 0, *req));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::close(quitter);
  for (int i = 0; i < 100 && (*d)->connection_count() > 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ((*d)->connection_count(), 3u);
  for (int fd : fds) ::close(fd);
  ::close(admin);
}

// Many clients at once, each on its own device and all on a shared one:
// every command answers, and (under TSan) the loop, the workers and the
// gates share nothing unguarded.
TEST_F(ControlLimitsTest, ManyClientsOnManyDevicesAtOnce) {
  opts_.control.max_connections = 64;
  opts_.control.max_command_threads = 4;
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d);
  int admin = connect_to((*d)->control_path());
  ASSERT_EQ(call(admin, abi::CMD_DEV_CREATE, "shared")->error, 0u);
  auto client = [&](int n) {
    int fd = connect_to((*d)->control_path());
    const std::string own = "dev" + std::to_string(n);
    int failures = 0;
    auto expect = [&](Result<abi::Reply> r) { failures += !r || r->error != 0; };
    expect(call(fd, abi::CMD_DEV_CREATE, own));
    for (int i = 0; i < 20; ++i) {
      abi::Header h;
      h.version = {4, 0, 0};
      h.name = i % 2 ? own : "shared";
      h.target_count = 1;
      std::vector<abi::TargetSpecText> table{{0, 8, "zero", "", 0}};
      expect(abi::exchange(fd, abi::CMD_TABLE_LOAD, *abi::encode_request(h, *abi::encode_load_specs(table), 16384)));
      expect(call(fd, abi::CMD_DEV_SUSPEND, h.name));  // resume: swaps the table in
      expect(call(fd, abi::CMD_DEV_STATUS, h.name));
      expect(call(fd, abi::CMD_LIST_DEVICES, ""));
    }
    expect(call(fd, abi::CMD_DEV_REMOVE, own));
    ::close(fd);
    return failures;
  };
  std::vector<std::future<int>> clients;
  for (int n = 0; n < 8; ++n) clients.push_back(std::async(std::launch::async, client, n));
  for (auto& c : clients) EXPECT_EQ(c.get(), 0);
  EXPECT_EQ((*d)->registry().list().size(), 1u);
  ::close(admin);
}

// Reads one reply frame: its header's error, or -1 when the connection failed.
long read_reply(int fd) {
  abi::FrameHeader h{};
  std::size_t got = 0;
  while (got < sizeof h) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 3000) <= 0) return -1;
    ssize_t n = ::recv(fd, reinterpret_cast<char*>(&h) + got, sizeof h - got, 0);
    if (n <= 0) return -1;
    got += static_cast<std::size_t>(n);
  }
  std::vector<char> body(h.size);
  for (got = 0; got < body.size();) {
    ssize_t n = ::recv(fd, body.data() + got, body.size() - got, 0);
    if (n <= 0) return -1;
    got += static_cast<std::size_t>(n);
  }
  return h.error;
}

// A command thread keeps a connection for its next frame for a moment after
// a reply (and reads it itself), then hands it back to the event loop: frames
// coming at once, in pieces, after a pause or never complete are all served
// (or cut off) as before, whichever thread reads them.
TEST_F(ControlLimitsTest, FramesAfterAReplyInPiecesOrLateAreServed) {
  auto d = Daemon::start(opts_, *log_);
  ASSERT_TRUE(d);
  int fd = connect_to((*d)->control_path());
  for (int i = 0; i < 200; ++i) ASSERT_EQ(call(fd, abi::CMD_VERSION, "")->error, 0u) << i;
  abi::Header h;
  h.version = {4, 0, 0};
  h.name = "piece";
  auto body = *abi::encode_request(h, {}, 16384);
  abi::FrameHeader fh{abi::FRAME_MAGIC, abi::CMD_DEV_CREATE, static_cast<std::uint32_t>(body.size()), 0};
  using namespace std::chrono_literals;
  // Header, then the body in two parts: within the linger, and slower than it.
  for (auto pause : {0ms, 1ms, 20ms}) {
    ASSERT_EQ(call(fd, abi::CMD_VERSION, "")->error, 0u);  // a worker just replied
    ASSERT_EQ(::write(fd, &fh, sizeof fh), (ssize_t)sizeof fh);
    std::this_thread::sleep_for(pause);
    const std::size_t half = body.size() / 2;
    ASSERT_EQ(::write(fd, body.data(), half), (ssize_t)half);
    std::this_thread::sleep_for(pause);
    ASSERT_EQ(::write(fd, body.data() + half, body.size() - half), (ssize_t)(body.size() - half));
    EXPECT_EQ(read_reply(fd), 0) << pause.count();
    ASSERT_TRUE((*d)->registry().find_by_name("piece"));
    ASSERT_EQ(call(fd, abi::CMD_DEV_REMOVE, "piece")->error, 0u);
  }
  // A frame left half-sent right after a reply is cut off after the timeout.
  ASSERT_EQ(call(fd, abi::CMD_VERSION, "")->error, 0u);
  ASSERT_EQ(::write(fd, &fh, sizeof fh), (ssize_t)sizeof fh);
  EXPECT_FALSE(closed_within(fd, 100));
  EXPECT_TRUE(closed_within(fd, 3000));
  ::close(fd);
}

}  // namespace
}  // namespace udm::daemon::test

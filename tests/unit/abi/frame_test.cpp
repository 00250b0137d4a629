#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "abi/frame.hpp"

using namespace udm::abi;

namespace {
struct SocketPair {
  int fd[2];
  SocketPair() { EXPECT_EQ(0, ::socketpair(AF_UNIX, SOCK_STREAM, 0, fd)); }
  ~SocketPair() {
    if (fd[0] >= 0) ::close(fd[0]);
    if (fd[1] >= 0) ::close(fd[1]);
  }
};
}  // namespace

TEST(Frame, WriteReadRoundTrip) {
  SocketPair s;
  Bytes body(400, 7);
  ASSERT_TRUE(write_frame(s.fd[0], CMD_DEV_STATUS, 0, body));
  auto f = read_frame(s.fd[1]);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->header.magic, FRAME_MAGIC);
  EXPECT_EQ(f->header.command, CMD_DEV_STATUS);
  EXPECT_EQ(f->header.size, 400u);
  EXPECT_EQ(f->body, body);
}

TEST(Frame, HeaderChecks) {
  EXPECT_FALSE(check_frame_header({0x12345678, 0, 0, 0}));
  EXPECT_FALSE(check_frame_header({FRAME_MAGIC, 0, MAX_FRAME_SIZE + 1, 0}));
  EXPECT_TRUE(check_frame_header({FRAME_MAGIC, 0, MAX_FRAME_SIZE, 0}));
}

TEST(Frame, EndOfStream) {
  SocketPair s;
  ::close(s.fd[0]);
  s.fd[0] = -1;
  EXPECT_EQ(read_frame(s.fd[1]).error().code, ENODATA);
}

TEST(Frame, ShortBodyIsProtocolError) {
  SocketPair s;
  FrameHeader h{FRAME_MAGIC, 1, 100, 0};
  ASSERT_EQ(::write(s.fd[0], &h, sizeof h), (ssize_t)sizeof h);
  ::close(s.fd[0]);
  s.fd[0] = -1;
  EXPECT_EQ(read_frame(s.fd[1]).error().code, EPROTO);
}

TEST(Frame, ErrorReplyCarriesVersionThenMessage) {
  Frame f;
  f.header = {FRAME_MAGIC, CMD_TABLE_LOAD, 0, EINVAL};
  f.body = encode_error_body({4, 48, 0}, "table line 1: linear: bad");
  f.header.size = static_cast<std::uint32_t>(f.body.size());
  auto r = split_reply(f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, (std::uint32_t)EINVAL);
  EXPECT_EQ(r->copy_back.size(), 12u);
  EXPECT_EQ(*decode_version(r->copy_back), (CommandVersion{4, 48, 0}));
  EXPECT_EQ(r->message, "table line 1: linear: bad");
  f.body.resize(11);
  EXPECT_FALSE(split_reply(f));
}

TEST(Frame, ExchangeOverSocket) {
  SocketPair s;
  Header h;
  h.version = {4, 0, 0};
  auto req = *encode_request(h, {});
  // Peer: echo the request back as a success reply.
  ASSERT_TRUE(write_frame(s.fd[1], CMD_VERSION, 0, req));  // queued before the call reads
  auto r = exchange(s.fd[0], CMD_VERSION, req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, 0u);
  EXPECT_EQ(r->copy_back, req);
  auto sent = read_frame(s.fd[1]);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->body, req);
}

// exchange_in_place: the round trip libudm and the preload shim share.
TEST(FrameInPlace, SuccessCopiesWhatFitsAndReadsTheRest) {
  SocketPair s;
  Bytes body(64);
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<std::uint8_t>(i);
  ASSERT_TRUE(write_frame(s.fd[1], CMD_DEV_STATUS, 0, body));
  ASSERT_TRUE(write_frame(s.fd[1], CMD_VERSION, 0, Bytes(12, 7)));  // the next reply stays in step
  std::uint8_t buffer[40] = {};
  char message[16];
  auto x = exchange_in_place(s.fd[0], CMD_DEV_STATUS, buffer, 40, message);
  EXPECT_EQ(x.transport, 0);
  EXPECT_EQ(x.error, 0u);
  EXPECT_EQ(x.reply_size, 64u);
  EXPECT_EQ(x.copied, 40u);
  EXPECT_EQ(buffer[39], 39);
  auto sent = read_frame(s.fd[1]);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->header.command, (std::uint32_t)CMD_DEV_STATUS);
  EXPECT_EQ(sent->body.size(), 40u);
  x = exchange_in_place(s.fd[0], CMD_VERSION, buffer, 12, message);
  EXPECT_EQ(x.transport, 0);
  EXPECT_EQ(x.reply_size, 12u);
  EXPECT_EQ(buffer[0], 7);
}

TEST(FrameInPlace, ErrorCopiesVersionOnlyAndCutsTheMessage) {
  SocketPair s;
  ASSERT_TRUE(write_frame(s.fd[1], CMD_TABLE_LOAD, EINVAL,
                          encode_error_body({4, 48, 0}, "table line 1: linear: bad")));
  std::uint8_t buffer[305];
  std::memset(buffer, 0xaa, sizeof buffer);
  char message[11];
  auto x = exchange_in_place(s.fd[0], CMD_TABLE_LOAD, buffer, sizeof buffer, message);
  EXPECT_EQ(x.transport, 0);
  EXPECT_EQ(x.error, (std::uint32_t)EINVAL);
  EXPECT_EQ(x.copied, 12u);
  EXPECT_EQ(*decode_version(ByteView(buffer, 12)), (CommandVersion{4, 48, 0}));
  EXPECT_EQ(buffer[12], 0xaa);  // nothing past version[3], as the kernel on failure
  EXPECT_STREQ(message, "table line");
}

TEST(FrameInPlace, TransportFailures) {
  std::uint8_t buffer[32] = {};
  char message[8];
  {
    SocketPair s;
    ::close(s.fd[1]);
    s.fd[1] = -1;
    auto x = exchange_in_place(s.fd[0], CMD_VERSION, buffer, 32, message);
    EXPECT_NE(x.transport, 0);  // EPIPE on send or ENODATA on the reply
  }
  {
    SocketPair s;
    FrameHeader bad{0x1234, 0, 0, 0};
    ASSERT_EQ(::write(s.fd[1], &bad, sizeof bad), (ssize_t)sizeof bad);
    EXPECT_EQ(exchange_in_place(s.fd[0], CMD_VERSION, buffer, 32, message).transport, EPROTO);
  }
  {
    SocketPair s;
    FrameHeader cut{FRAME_MAGIC, 0, 100, 0};
    ASSERT_EQ(::write(s.fd[1], &cut, sizeof cut), (ssize_t)sizeof cut);
    ::shutdown(s.fd[1], SHUT_WR);
    auto x = exchange_in_place(s.fd[0], CMD_VERSION, buffer, 32, message);
    EXPECT_EQ(x.transport, EPROTO);
    EXPECT_STREQ(x.what, "control socket closed mid-frame");
  }
  {
    SocketPair s;
    EXPECT_EQ(exchange_in_place(s.fd[0], CMD_VERSION, buffer, 33, message).transport, EINVAL);
  }
}

namespace {
void on_alarm(int) {}
}  // namespace

TEST(FrameInPlace, InterruptibleWaitEndsWithEintr) {
  SocketPair s;
  struct sigaction sa{}, old{};
  sa.sa_handler = on_alarm;  // no SA_RESTART: recv returns EINTR
  ASSERT_EQ(0, ::sigaction(SIGALRM, &sa, &old));
  std::uint8_t buffer[32] = {};
  char message[8];
  itimerval t{{0, 0}, {0, 50000}};
  ::setitimer(ITIMER_REAL, &t, nullptr);
  auto x = exchange_in_place(s.fd[0], CMD_DEV_WAIT, buffer, 32, message, true);
  EXPECT_EQ(x.transport, EINTR);
  // Not interruptible: the signal is retried through, and the reply is read.
  ::setitimer(ITIMER_REAL, &t, nullptr);
  std::thread peer([&] {
    ::usleep(150000);
    (void)read_frame(s.fd[1]);  // the DEV_WAIT above
    (void)write_frame(s.fd[1], CMD_VERSION, 0, Bytes(12, 1));
  });
  x = exchange_in_place(s.fd[0], CMD_VERSION, buffer, 32, message, false);
  peer.join();
  EXPECT_EQ(x.transport, 0);
  EXPECT_EQ(x.reply_size, 12u);
  ::sigaction(SIGALRM, &old, nullptr);
}

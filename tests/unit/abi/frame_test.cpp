#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

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

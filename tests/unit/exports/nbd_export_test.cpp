// The NBD export driven by libnbd, the reference client library.
#include <gtest/gtest.h>

#include <libnbd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <thread>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "exports/nbd/protocol.hpp"
#include "exports/nbd/wire.hpp"

#include "harness.hpp"

namespace udm::exports {
namespace {

using namespace std::chrono_literals;
using testing::Harness;
using testing::pattern;

struct Client {
  nbd_handle* h = nbd_create();
  ~Client() { nbd_close(h); }
  bool connect(const std::string& socket, const std::string& name) {
    nbd_set_export_name(h, name.c_str());
    if (nbd_connect_unix(h, socket.c_str()) == -1) {
      ADD_FAILURE() << "connect " << name << ": " << nbd_get_error();
      return false;
    }
    return true;
  }
};

class NbdExport : public ::testing::Test {
 protected:
  void SetUp() override {
    port = 20000 + ::getpid() % 20000;
    h = std::make_unique<Harness>(
        testing::options(testing::fuse_available(), true, "127.0.0.1:" + std::to_string(port)));
    auto r = h->exports().start();
    ASSERT_TRUE(r) << r.error().message;
  }
  std::unique_ptr<Harness> h;
  int port = 0;
};

TEST_F(NbdExport, TcpListenerServesTheSameExports) {
  h->striped("s");
  Client c;
  nbd_set_export_name(c.h, "s");
  ASSERT_NE(nbd_connect_tcp(c.h, "127.0.0.1", std::to_string(port).c_str()), -1) << nbd_get_error();
  EXPECT_EQ(nbd_get_size(c.h), 8 << 20);
  auto data = pattern(4096, 8);
  ASSERT_EQ(nbd_pwrite(c.h, data.data(), data.size(), 0, 0), 0);
  std::vector<std::byte> back(4096);
  ASSERT_EQ(nbd_pread(c.h, back.data(), back.size(), 0, 0), 0);
  EXPECT_EQ(back, data);
}

TEST_F(NbdExport, HandshakeNegotiatesEverythingAdvertised) {
  auto d = h->striped("s");
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  EXPECT_EQ(nbd_get_size(c.h), 8 << 20);
  EXPECT_EQ(nbd_get_structured_replies_negotiated(c.h), 1);
  EXPECT_EQ(nbd_is_read_only(c.h), 0);
  EXPECT_EQ(nbd_can_flush(c.h), 1);
  EXPECT_EQ(nbd_can_fua(c.h), 1);
  EXPECT_EQ(nbd_can_trim(c.h), 1);
  EXPECT_EQ(nbd_can_zero(c.h), 1);
  EXPECT_EQ(nbd_can_fast_zero(c.h), 1);
  EXPECT_EQ(nbd_can_multi_conn(c.h), 1);
  EXPECT_EQ(nbd_get_block_size(c.h, LIBNBD_SIZE_MINIMUM), 512);
  EXPECT_EQ(nbd_get_block_size(c.h, LIBNBD_SIZE_PREFERRED), 8192);  // io_opt: two 4 KiB chunks
  EXPECT_EQ(nbd_get_block_size(c.h, LIBNBD_SIZE_MAXIMUM), 32 << 20);
  // The connection holds the device open, so it cannot be removed.
  EXPECT_EQ(d->info(false).open_count, 1);
  auto r = h->devices().remove(d, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBUSY);
}

TEST_F(NbdExport, TrimAndZeroOnlyWhereTheTableTakesThem) {
  h->make("z", "0 2048 zero");
  h->make("l", "0 2048 linear " + h->backing("l.img", 1 << 20) + " 0");
  Client z;
  ASSERT_TRUE(z.connect(h->nbd_socket(), "z"));
  EXPECT_EQ(nbd_can_trim(z.h), 0);
  EXPECT_EQ(nbd_can_zero(z.h), 0);
  EXPECT_EQ(nbd_can_fast_zero(z.h), 0);
  EXPECT_EQ(nbd_can_flush(z.h), 1);
  EXPECT_EQ(nbd_get_block_size(z.h, LIBNBD_SIZE_PREFERRED), 512);
  Client l;
  ASSERT_TRUE(l.connect(h->nbd_socket(), "l"));
  EXPECT_EQ(nbd_can_trim(l.h), 1);
  EXPECT_EQ(nbd_can_zero(l.h), 1);
}

TEST_F(NbdExport, UnknownExportIsRefused) {
  h->striped("s");
  nbd_handle* c = nbd_create();
  nbd_set_export_name(c, "nope");
  EXPECT_EQ(nbd_connect_unix(c, h->nbd_socket().c_str()), -1);
  nbd_close(c);
}

TEST_F(NbdExport, ListShowsEveryDevice) {
  h->striped("alpha");
  h->striped("beta");
  auto hidden = h->devices().create("no-table", "");  // no live table: not exported
  ASSERT_TRUE(hidden);
  nbd_handle* c = nbd_create();
  nbd_set_opt_mode(c, true);
  ASSERT_NE(nbd_connect_unix(c, h->nbd_socket().c_str()), -1) << nbd_get_error();
  std::vector<std::string> names;
  nbd_list_callback cb{.callback =
                           [](void* user, const char* name, const char*) {
                             static_cast<std::vector<std::string>*>(user)->push_back(name);
                             return 0;
                           },
                       .user_data = &names,
                       .free = nullptr};
  ASSERT_NE(nbd_opt_list(c, cb), -1) << nbd_get_error();
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "beta"}));
  nbd_opt_abort(c);
  nbd_close(c);
}

TEST_F(NbdExport, ReadWriteFlushTrimZero) {
  auto d = h->striped("s");
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  auto data = pattern(1 << 20, 5);
  ASSERT_EQ(nbd_pwrite(c.h, data.data(), data.size(), 4096, 0), 0) << nbd_get_error();
  ASSERT_EQ(nbd_pwrite(c.h, data.data(), 65536, 2 << 20, LIBNBD_CMD_FLAG_FUA), 0) << nbd_get_error();
  std::vector<std::byte> back(data.size());
  ASSERT_EQ(nbd_pread(c.h, back.data(), back.size(), 4096, 0), 0) << nbd_get_error();
  EXPECT_EQ(back, data);
  EXPECT_EQ(nbd_flush(c.h, 0), 0);
  ASSERT_EQ(nbd_trim(c.h, 65536, 4096, 0), 0) << nbd_get_error();
  ASSERT_EQ(nbd_zero(c.h, 65536, 131072, LIBNBD_CMD_FLAG_FUA), 0) << nbd_get_error();
  ASSERT_EQ(nbd_pread(c.h, back.data(), 256 << 10, 0, 0), 0);
  std::vector<std::byte> zeros(65536);
  EXPECT_EQ(std::memcmp(back.data() + 4096, zeros.data(), 65536), 0);  // files discard to zeros
  EXPECT_EQ(std::memcmp(back.data() + 131072, zeros.data(), 65536), 0);
  EXPECT_EQ(std::memcmp(back.data() + 69632, data.data() + 65536, 4096), 0);
  // Fast zero is refused rather than promised; nothing was written.
  EXPECT_EQ(nbd_zero(c.h, 4096, 1 << 20, LIBNBD_CMD_FLAG_FAST_ZERO), -1);
  EXPECT_EQ(nbd_get_errno(), ENOTSUP);
  // Past the end and misaligned requests fail, the connection lives on.
  EXPECT_EQ(nbd_pread(c.h, back.data(), 4096, (8 << 20) - 512, 0), -1);
  nbd_set_strict_mode(c.h, 0);
  EXPECT_EQ(nbd_pread(c.h, back.data(), 100, 0, 0), -1);
  EXPECT_EQ(nbd_get_errno(), EINVAL);
  EXPECT_EQ(nbd_pread(c.h, back.data(), 4096, 0, 0), 0);
}

// The range is checked by the core alone; the replies are still NBD's.
TEST_F(NbdExport, RangeErrorsComeFromTheCoreInNbdTerms) {
  h->striped("s");  // 8 MiB
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  nbd_set_strict_mode(c.h, 0);
  std::vector<char> buf(4096);
  EXPECT_EQ(nbd_pread(c.h, buf.data(), 4096, (8 << 20) - 512, 0), -1);
  EXPECT_EQ(nbd_get_errno(), EINVAL);
  EXPECT_EQ(nbd_pwrite(c.h, buf.data(), 4096, (8 << 20) - 512, 0), -1);
  EXPECT_EQ(nbd_get_errno(), ENOSPC);
  EXPECT_EQ(nbd_trim(c.h, 4096, 8 << 20, 0), -1);
  EXPECT_EQ(nbd_get_errno(), ENOSPC);
  EXPECT_EQ(nbd_zero(c.h, 100, 0, 0), -1);
  EXPECT_EQ(nbd_get_errno(), EINVAL);
  EXPECT_EQ(nbd_pwrite(c.h, buf.data(), 4096, 8 << 20, 0), -1);
  EXPECT_EQ(nbd_get_errno(), ENOSPC);
  EXPECT_EQ(nbd_pread(c.h, buf.data(), 0, 8 << 20, 0), 0);  // empty, at the end
  EXPECT_EQ(nbd_pread(c.h, buf.data(), 4096, 0, 0), 0);
}

TEST_F(NbdExport, ManyRequestsInFlight) {
  h->striped("s");
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  constexpr int N = 128;
  auto data = pattern(N * 8192, 2);
  std::vector<int64_t> cookies;
  for (int i = 0; i < N; ++i) {
    auto cookie = nbd_aio_pwrite(c.h, data.data() + i * 8192, 8192, std::uint64_t(i) * 8192, NBD_NULL_COMPLETION, 0);
    ASSERT_GE(cookie, 0) << nbd_get_error();
    cookies.push_back(cookie);
  }
  EXPECT_GT(nbd_aio_in_flight(c.h), 1);
  while (nbd_aio_in_flight(c.h) > 0) ASSERT_NE(nbd_poll(c.h, -1), -1);
  for (auto cookie : cookies) EXPECT_EQ(nbd_aio_command_completed(c.h, cookie), 1);
  std::vector<std::byte> back(data.size());
  cookies.clear();
  for (int i = N - 1; i >= 0; --i)
    cookies.push_back(nbd_aio_pread(c.h, back.data() + i * 8192, 8192, std::uint64_t(i) * 8192, NBD_NULL_COMPLETION, 0));
  while (nbd_aio_in_flight(c.h) > 0) ASSERT_NE(nbd_poll(c.h, -1), -1);
  for (auto cookie : cookies) EXPECT_EQ(nbd_aio_command_completed(c.h, cookie), 1);
  EXPECT_EQ(back, data);
}

// Small writes queued deep on one connection go to the write pool (shallow
// ones run on the reader): either way, once they are answered, a flush sent
// on another connection (multi-conn) finds them in the backing file, and a
// third connection reads them back.
TEST_F(NbdExport, DeepQueueWritesAreCoveredByAFlushOnAnotherConnection) {
  const std::string file = h->backing("mc.img", 4 << 20);
  h->make("mc", "0 8192 linear " + file + " 0");
  Client a, b;
  ASSERT_TRUE(a.connect(h->nbd_socket(), "mc"));
  ASSERT_TRUE(b.connect(h->nbd_socket(), "mc"));
  ASSERT_EQ(nbd_can_multi_conn(a.h), 1);
  constexpr int N = 256;
  auto data = pattern(N * 4096, 7);
  std::vector<int64_t> cookies;
  for (int i = 0; i < N; ++i) {
    // Scattered, each 4 KiB block once: offsets (i * 37) mod N.
    const std::uint64_t block = (std::uint64_t(i) * 37) % N;
    auto cookie = nbd_aio_pwrite(a.h, data.data() + block * 4096, 4096, block * 4096, NBD_NULL_COMPLETION, 0);
    ASSERT_GE(cookie, 0) << nbd_get_error();
    cookies.push_back(cookie);
  }
  while (nbd_aio_in_flight(a.h) > 0) ASSERT_NE(nbd_poll(a.h, -1), -1);
  for (auto cookie : cookies) EXPECT_EQ(nbd_aio_command_completed(a.h, cookie), 1);
  ASSERT_EQ(nbd_flush(b.h, 0), 0) << nbd_get_error();
  std::vector<std::byte> in_file(data.size());
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pread(fd, in_file.data(), in_file.size(), 0), static_cast<ssize_t>(in_file.size()));
  ::close(fd);
  EXPECT_EQ(in_file, data);
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "mc"));
  std::vector<std::byte> back(data.size());
  ASSERT_EQ(nbd_pread(c.h, back.data(), back.size(), 0, 0), 0) << nbd_get_error();
  EXPECT_EQ(back, data);
}

TEST_F(NbdExport, SimpleRepliesWhenStructuredAreNotRequested) {
  h->striped("s");
  Client c;
  nbd_set_request_structured_replies(c.h, false);
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  EXPECT_EQ(nbd_get_structured_replies_negotiated(c.h), 0);
  auto data = pattern(65536, 12);
  ASSERT_EQ(nbd_pwrite(c.h, data.data(), data.size(), 8192, 0), 0);
  std::vector<std::byte> back(data.size());
  ASSERT_EQ(nbd_pread(c.h, back.data(), back.size(), 8192, 0), 0);
  EXPECT_EQ(back, data);
  EXPECT_EQ(nbd_pread(c.h, back.data(), 4096, (8 << 20) - 512, 0), -1);  // error reply, no payload
  ASSERT_EQ(nbd_pread(c.h, back.data(), 4096, 0, 0), 0);                  // still in sync
}

// A raw socket speaking broken protocol: the server drops it and carries on.
TEST_F(NbdExport, GarbageFromAClientClosesOnlyThatConnection) {
  h->striped("s");
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, h->nbd_socket().c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::array<std::byte, 18> hello;
  ASSERT_EQ(::recv(fd, hello.data(), hello.size(), MSG_WAITALL), 18);
  EXPECT_EQ(nbd::load_be<std::uint64_t>(hello.data()), nbd::NBDMAGIC);
  EXPECT_EQ(nbd::load_be<std::uint64_t>(hello.data() + 8), nbd::IHAVEOPT);
  std::array<std::byte, 4 + 16> bad{};
  nbd::store_be(bad.data(), nbd::FLAG_C_FIXED_NEWSTYLE);
  nbd::store_be(bad.data() + 4, std::uint64_t{0x1234});  // not IHAVEOPT
  ASSERT_EQ(::send(fd, bad.data(), bad.size(), MSG_NOSIGNAL), ssize_t(bad.size()));
  char sink;
  EXPECT_EQ(::recv(fd, &sink, 1, 0), 0);  // closed by the server
  ::close(fd);
  Client c;  // others are unaffected
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  EXPECT_EQ(nbd_get_size(c.h), 8 << 20);
}

TEST_F(NbdExport, ReadOnlyDeviceRefusesWrites) {
  auto file = h->backing("ro.img", 1 << 20);
  h->make("ro", "0 2048 linear " + file + " 0", true);
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "ro"));
  EXPECT_EQ(nbd_is_read_only(c.h), 1);
  char buf[4096] = {};
  EXPECT_EQ(nbd_pread(c.h, buf, sizeof buf, 0, 0), 0);
  nbd_set_strict_mode(c.h, 0);
  EXPECT_EQ(nbd_pwrite(c.h, buf, sizeof buf, 0, 0), -1);
  EXPECT_EQ(nbd_get_errno(), EPERM);
}

TEST_F(NbdExport, SuspendHoldsIoUntilResume) {
  auto d = h->striped("s");
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  auto data = pattern(65536, 4);
  ASSERT_EQ(nbd_pwrite(c.h, data.data(), data.size(), 0, 0), 0);
  ASSERT_TRUE(d->suspend(false));
  std::vector<std::byte> back(data.size());
  auto read = nbd_aio_pread(c.h, back.data(), back.size(), 0, NBD_NULL_COMPLETION, 0);
  auto write = nbd_aio_pwrite(c.h, data.data(), 4096, 1 << 20, NBD_NULL_COMPLETION, 0);
  ASSERT_GE(read, 0);
  ASSERT_GE(write, 0);
  auto until = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < until) nbd_poll(c.h, 50);
  EXPECT_EQ(nbd_aio_command_completed(c.h, read), 0);
  EXPECT_EQ(nbd_aio_command_completed(c.h, write), 0);
  ASSERT_TRUE(d->resume());
  while (nbd_aio_in_flight(c.h) > 0) ASSERT_NE(nbd_poll(c.h, -1), -1);
  EXPECT_EQ(nbd_aio_command_completed(c.h, read), 1);
  EXPECT_EQ(nbd_aio_command_completed(c.h, write), 1);
  EXPECT_EQ(back, data);
}

TEST_F(NbdExport, WritesThroughNbdAreSeenThroughFuseAndBack) {
  if (!testing::fuse_available()) GTEST_SKIP() << "needs root and /dev/fuse";
  h->striped("s");
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  int fd = ::open(h->fuse_path("s").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  auto a = pattern(8192, 21), b = pattern(8192, 22);
  ASSERT_EQ(nbd_pwrite(c.h, a.data(), a.size(), 40960, 0), 0);
  std::vector<std::byte> back(8192);
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 40960), 8192);
  EXPECT_EQ(back, a);
  ASSERT_EQ(::pwrite(fd, b.data(), b.size(), 40960), 8192);
  ASSERT_EQ(nbd_pread(c.h, back.data(), back.size(), 40960, 0), 0);
  EXPECT_EQ(back, b);
  ::close(fd);
}

TEST_F(NbdExport, StopDisconnectsClients) {
  auto d = h->striped("s");
  Client c;
  ASSERT_TRUE(c.connect(h->nbd_socket(), "s"));
  h->exports().stop();
  char buf[512];
  EXPECT_EQ(nbd_pread(c.h, buf, sizeof buf, 0, 0), -1);
  EXPECT_EQ(d->info(false).open_count, 0);
  EXPECT_EQ(::access(h->nbd_socket().c_str(), F_OK), -1);
}

}  // namespace
}  // namespace udm::exports

// NBD security: TLS required over TCP (libnbd as the client), plaintext TCP
// refused without --nbd-insecure, nbd.sock's mode independent of the umask,
// and the queued-bytes budget.
#include <gtest/gtest.h>

#include <libnbd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sys/stat.h>

#include "exports/nbd/queue_budget.hpp"
#include "harness.hpp"

namespace udm::exports {
namespace {

using namespace std::chrono_literals;
using testing::Harness;
using testing::pattern;

constexpr const char* KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Handle {
  nbd_handle* h = nbd_create();
  ~Handle() { nbd_close(h); }
};

class NbdTls : public ::testing::Test {
 protected:
  void SetUp() override {
    port = 20000 + (::getpid() + 7) % 20000;
    char tmpl[] = "/tmp/udm-nbd-tls.XXXXXX";
    keys = ::mkdtemp(tmpl);
    std::ofstream(keys + "/psk") << "alice:" << KEY << "\n";
    std::ofstream(keys + "/wrong.psk") << "alice:" << std::string(64, 'f') << "\n";
    auto o = testing::options(false, true, "127.0.0.1:" + std::to_string(port));
    o.nbd_insecure = false;
    o.tls_psk = keys + "/psk";
    h = std::make_unique<Harness>(o);
    auto r = h->exports().start();
    ASSERT_TRUE(r) << r.error().message;
  }
  void TearDown() override {
    h.reset();
    std::filesystem::remove_all(keys);
  }
  int tcp(Handle& c, const char* psk_file) {
    nbd_set_export_name(c.h, "s");
    if (psk_file) {
      nbd_set_tls(c.h, LIBNBD_TLS_REQUIRE);
      nbd_set_tls_username(c.h, "alice");
      nbd_set_tls_psk_file(c.h, psk_file);
    }
    return nbd_connect_tcp(c.h, "127.0.0.1", std::to_string(port).c_str());
  }
  std::unique_ptr<Harness> h;
  std::string keys;
  int port = 0;
};

TEST_F(NbdTls, TcpClientsMustUseTls) {
  h->striped("s");
  Handle plain;
  EXPECT_EQ(tcp(plain, nullptr), -1) << "plaintext TCP was served";
  Handle wrong;
  EXPECT_EQ(tcp(wrong, (keys + "/wrong.psk").c_str()), -1) << "a wrong key was accepted";
  Handle good;
  ASSERT_NE(tcp(good, (keys + "/psk").c_str()), -1) << nbd_get_error();
  EXPECT_EQ(nbd_get_tls_negotiated(good.h), 1);
  EXPECT_EQ(nbd_get_size(good.h), 8 << 20);
  auto data = pattern(1 << 20, 3);
  ASSERT_EQ(nbd_pwrite(good.h, data.data(), data.size(), 4096, 0), 0) << nbd_get_error();
  std::vector<std::byte> back(data.size());
  ASSERT_EQ(nbd_pread(good.h, back.data(), back.size(), 4096, 0), 0) << nbd_get_error();
  EXPECT_EQ(back, data);
}

TEST_F(NbdTls, UnixSocketNeedsNoTls) {
  h->striped("s");
  Handle c;
  nbd_set_export_name(c.h, "s");
  ASSERT_NE(nbd_connect_unix(c.h, h->nbd_socket().c_str()), -1) << nbd_get_error();
  EXPECT_EQ(nbd_get_tls_negotiated(c.h), 0);
  EXPECT_EQ(nbd_get_size(c.h), 8 << 20);
}

TEST(NbdSecurity, PlaintextTcpIsRefusedWithoutInsecure) {
  auto o = testing::options(false, true, "127.0.0.1:" + std::to_string(20000 + (::getpid() + 9) % 20000));
  o.nbd_insecure = false;
  Harness h(o);
  auto r = h.exports().start();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("needs TLS"), std::string::npos) << r.error().message;
}

TEST(NbdSecurity, BadPskFileIsRefused) {
  auto o = testing::options(false, true, "127.0.0.1:" + std::to_string(20000 + (::getpid() + 11) % 20000));
  o.tls_psk = "/nonexistent/psk";
  Harness h(o);
  auto r = h.exports().start();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/psk"), std::string::npos) << r.error().message;
}

TEST(NbdSecurity, SocketModeIgnoresTheUmask) {
  mode_t old = ::umask(0);
  {
    Harness h(testing::options(false, true));
    auto r = h.exports().start();
    ASSERT_TRUE(r) << r.error().message;
    struct stat st;
    ASSERT_EQ(::stat(h.nbd_socket().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
  }
  ::umask(old);
}

TEST(QueueBudget, WaitsForRoomAndLetsOneBigRequestThroughAlone) {
  nbd::QueueBudget b(100);
  EXPECT_TRUE(b.acquire(60));
  EXPECT_FALSE(b.try_acquire(50));
  auto waiter = std::async(std::launch::async, [&] { return b.acquire(50); });
  EXPECT_EQ(waiter.wait_for(50ms), std::future_status::timeout);
  b.release(60);
  EXPECT_TRUE(waiter.get());
  b.release(50);
  EXPECT_TRUE(b.try_acquire(1000));  // larger than the limit, but alone
  EXPECT_FALSE(b.try_acquire(1));
  b.release(1000);
  EXPECT_EQ(b.queued(), 0u);
}

TEST(QueueBudget, ShutdownWakesWaiters) {
  nbd::QueueBudget b(10);
  EXPECT_TRUE(b.acquire(10));
  auto waiter = std::async(std::launch::async, [&] { return b.acquire(5); });
  EXPECT_EQ(waiter.wait_for(50ms), std::future_status::timeout);
  b.shutdown();
  EXPECT_FALSE(waiter.get());
}

}  // namespace
}  // namespace udm::exports

// NBD URIs, and io::open_nbd against nbdkit: data round trips, requests split
// at the server's maximum payload, flush/FUA/trim/zero passed through or
// emulated, many requests in flight, and a server restart with requests held
// (and failed with EIO once the hold time is over).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "io/nbd_device.hpp"
#include "io/nbd_pv.hpp"
#include "io/nbd_uri.hpp"
#include "io_test_util.hpp"

namespace udm::io::test {
namespace {

// ---------------------------------------------------------------- URIs

TEST(NbdUri, RecognisesSchemesOnly) {
  EXPECT_TRUE(is_nbd_uri("nbd://h/x"));
  EXPECT_TRUE(is_nbd_uri("nbds+unix:///x?socket=/s"));
  EXPECT_TRUE(is_nbd_uri("nbd+vsock://3/x"));
  EXPECT_FALSE(is_nbd_uri("/srv/pv0.img"));
  EXPECT_FALSE(is_nbd_uri("8:16"));
  EXPECT_FALSE(is_nbd_uri("http://h/x"));
  EXPECT_FALSE(is_nbd_uri("nbd:/x"));
}

TEST(NbdUri, TcpWithPortAndExport) {
  auto u = parse_nbd_uri("nbd://example.com:10809/my%20disk");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, "10809");
  EXPECT_EQ(u->export_name, "my disk");
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->libnbd, "nbd://example.com:10809/my%20disk");
  EXPECT_EQ(u->given, "nbd://example.com:10809/my%20disk");
}

TEST(NbdUri, Ipv6AndNoExport) {
  auto u = parse_nbd_uri("nbds://[::1]:7000");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "[::1]");
  EXPECT_EQ(u->port, "7000");
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->export_name, "");
}

TEST(NbdUri, UnixSocketAndOwnParameterStripped) {
  auto u = parse_nbd_uri("nbd+unix:///pv1?socket=/run/x%2Fy.sock&reconnect-hold=5&tls-psk-file=/k");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(u->unix_socket);
  EXPECT_EQ(u->socket, "/run/x/y.sock");
  EXPECT_EQ(u->export_name, "pv1");
  ASSERT_TRUE(u->reconnect_hold_s);
  EXPECT_EQ(*u->reconnect_hold_s, 5u);
  EXPECT_EQ(u->libnbd, "nbd+unix:///pv1?socket=/run/x%2Fy.sock&tls-psk-file=/k");
  EXPECT_EQ(u->given, "nbd+unix:///pv1?socket=/run/x%2Fy.sock&reconnect-hold=5&tls-psk-file=/k");
}

TEST(NbdUri, RefusalsNameTheProblem) {
  auto expect_bad = [](std::string_view uri, std::string_view why) {
    auto u = parse_nbd_uri(uri);
    ASSERT_FALSE(u) << uri;
    EXPECT_EQ(u.error().code, EINVAL);
    EXPECT_NE(u.error().message.find(why), std::string::npos) << u.error().message;
    if (uri.size() < 100) {
      EXPECT_NE(u.error().message.find(uri), std::string::npos) << u.error().message;
    }
  };
  expect_bad("nbd+unix:///x", "missing socket=");
  expect_bad("nbd+unix://host/x?socket=/s", "has no host");
  expect_bad("nbd://h:0/x", "port must be");
  expect_bad("nbd://h:99999/x", "port must be");
  expect_bad("nbd://h:12a/x", "port must be");
  expect_bad("nbd:///x", "missing host");
  expect_bad("nbd://h/x?socket=/s", "only for nbd+unix");
  expect_bad("nbd://h/x%zz", "percent-encoding");
  expect_bad("nbd://h/x%0", "percent-encoding");
  expect_bad("nbd://h/x%00y", "percent-encoding");
  expect_bad("nbd://h/x?reconnect-hold=abc", "reconnect-hold=SECS");
  expect_bad("nbd://h/x?reconnect-hold=99999999999", "reconnect-hold=SECS");
  expect_bad("nbd://h/x y", "white space");
  expect_bad("nbd://[::1/x", "unterminated");
  expect_bad("nbd+vsock://host/x", "CID");
  expect_bad("ftp://h/x", "not an NBD URI");
  expect_bad(std::string(5000, 'a'), "longer than");
}

// ---------------------------------------------------------------- nbdkit

// An nbdkit serving one export on a unix socket; restartable on the same socket.
class Nbdkit {
 public:
  Nbdkit(std::string dir, std::vector<std::string> args) : dir_(std::move(dir)), args_(std::move(args)) { start(); }
  // At the end nbdkit is asked to stop (SIGTERM), so its eval/sh plugins
  // remove their /tmp/nbdkitXXXXXX script directory; SIGKILL after 5 s.
  ~Nbdkit() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 250; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
  }
  std::string socket() const { return dir_ + "/nbd.sock"; }
  std::string uri(const std::string& extra = "") const { return "nbd+unix:///?socket=" + socket() + extra; }
  void start() {
    ::unlink(socket().c_str());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<std::string> argv{"nbdkit", "--foreground", "--exit-with-parent", "-U", socket()};
      argv.insert(argv.end(), args_.begin(), args_.end());
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      ::execvp("nbdkit", c.data());
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      struct stat st {};
      if (::stat(socket().c_str(), &st) == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "nbdkit did not create " << socket();
  }
  // An outage: the server dies at once, as a dropped connection.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::string dir_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
};

bool have_nbdkit() { return shell("command -v nbdkit >/dev/null && echo y").value_or("") == "y"; }

class NbdDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_nbdkit()) GTEST_SKIP() << "nbdkit is not installed";
    char pattern[] = "/tmp/udm-nbd-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string read_log() {
    std::ifstream in(dir_ + "/log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string dir_;
};

void fill(std::byte* p, std::size_t n, unsigned seed) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}

TEST_F(NbdDeviceTest, RoundTripSplitAtMaximumPayloadAndLimits) {
  // The policy filter refuses anything over 64 KiB or not 4 KiB aligned.
  Nbdkit kit(dir_, {"--filter=blocksize-policy", "memory", "16M", "blocksize-minimum=4096",
                    "blocksize-preferred=16384", "blocksize-maximum=65536", "blocksize-error-policy=error"});
  auto dev = open_nbd(kit.uri());
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ((*dev)->size(), 16u << 20);
  EXPECT_EQ((*dev)->table_name(), kit.uri());
  EXPECT_TRUE((*dev)->devno().empty());
  const DeviceLimits l = (*dev)->limits();
  EXPECT_EQ(l.logical_block_size, 4096u);
  EXPECT_EQ(l.physical_block_size, 16384u);
  EXPECT_EQ(l.discard_granularity, 4096u);
  EXPECT_TRUE(l.write_zeroes);

  constexpr std::size_t n = 1 << 20;
  auto out = aligned_buffer(n), in = aligned_buffer(n);
  fill(out.get(), n, 3);
  EXPECT_EQ(submit_sync(**dev, Op::write, 4096, n, out.get()), 0);
  EXPECT_EQ(submit_sync(**dev, Op::read, 4096, n, in.get()), 0);
  EXPECT_EQ(std::memcmp(out.get(), in.get(), n), 0);
  // Below the minimum block: refused here, not sent.
  EXPECT_EQ(submit_sync(**dev, Op::read, 512, 512, in.get()), -EINVAL);
  EXPECT_EQ(submit_sync(**dev, Op::read, (16u << 20) - 4096, 8192, in.get()), -EIO);
  EXPECT_EQ(submit_sync(**dev, Op::write_zeroes, 4096, 8192), 0);
  EXPECT_EQ(submit_sync(**dev, Op::read, 4096, n, in.get()), 0);
  for (std::size_t i = 0; i < 8192; ++i) ASSERT_EQ(in[i], std::byte{0}) << i;
  EXPECT_EQ(in[8192], out[8192]);
}

TEST_F(NbdDeviceTest, FlushFuaTrimZeroPassedThrough) {
  Nbdkit kit(dir_, {"--filter=log", "memory", "4M", "logfile=" + dir_ + "/log"});
  auto dev = open_nbd(kit.uri());
  ASSERT_TRUE(dev) << dev.error().message;
  auto buf = aligned_buffer(4096, std::byte{7});
  EXPECT_EQ(submit_sync(**dev, Op::write, 0, 4096, buf.get(), true), 0);
  EXPECT_EQ(submit_sync(**dev, Op::flush, 0, 0), 0);
  EXPECT_EQ(submit_sync(**dev, Op::discard, 8192, 4096), 0);
  EXPECT_EQ(submit_sync(**dev, Op::write_zeroes, 16384, 4096), 0);
  const std::string log = read_log();
  EXPECT_NE(log.find("Write id="), std::string::npos) << log;
  EXPECT_NE(log.find("fua=1"), std::string::npos) << log;
  EXPECT_NE(log.find("Flush id="), std::string::npos) << log;
  EXPECT_NE(log.find("Trim id="), std::string::npos) << log;
  EXPECT_NE(log.find("Zero id="), std::string::npos) << log;
}

TEST_F(NbdDeviceTest, FuaAndZeroEmulatedWhenNotAdvertised) {
  // A shell-scripted server over a file that advertises neither FUA nor zero.
  TempFile file(4 << 20);
  const std::string& f = file.path();
  Nbdkit kit(dir_, {"--filter=nozero", "--filter=log", "eval", "logfile=" + dir_ + "/log", "zeromode=none",
                    "get_size=echo 4194304",
                    "pread=dd if=" + f + " skip=$4 count=$3 iflag=skip_bytes,count_bytes status=none",
                    "pwrite=dd of=" + f + " seek=$4 conv=notrunc oflag=seek_bytes status=none",
                    "can_write=exit 0", "can_flush=exit 0", "flush=exit 0", "can_fua=echo none"});
  auto dev = open_nbd(kit.uri());
  ASSERT_TRUE(dev) << dev.error().message;
  auto buf = aligned_buffer(4096, std::byte{7});
  EXPECT_EQ(submit_sync(**dev, Op::write, 0, 4096, buf.get()), 0);
  EXPECT_EQ(submit_sync(**dev, Op::write, 4096, 4096, buf.get(), true), 0);
  EXPECT_EQ(submit_sync(**dev, Op::write_zeroes, 0, 4096), 0);
  EXPECT_EQ(submit_sync(**dev, Op::read, 0, 4096, buf.get()), 0);
  for (std::size_t i = 0; i < 4096; ++i) ASSERT_EQ(buf[i], std::byte{0}) << i;
  const std::string log = read_log();
  EXPECT_EQ(log.find("Zero id="), std::string::npos) << log;
  EXPECT_EQ(log.find("fua=1"), std::string::npos) << log;
  EXPECT_NE(log.find("Flush id="), std::string::npos) << log;  // after the FUA write
}

// Many requests at once: all complete, and each read sees its own write.
TEST_F(NbdDeviceTest, ManyInFlight) {
  Nbdkit kit(dir_, {"memory", "8M"});
  auto dev = open_nbd(kit.uri(), NbdOpenOptions{.max_in_flight = 4});
  ASSERT_TRUE(dev) << dev.error().message;
  constexpr int kCount = 64;
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < kCount; ++t)
    threads.emplace_back([&, t] {
      auto out = aligned_buffer(65536), in = aligned_buffer(65536);
      fill(out.get(), 65536, t);
      if (submit_sync(**dev, Op::write, t * 65536ull, 65536, out.get()) != 0) ++bad;
      if (submit_sync(**dev, Op::read, t * 65536ull, 65536, in.get()) != 0) ++bad;
      if (std::memcmp(out.get(), in.get(), 65536) != 0) ++bad;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

// A server restart shorter than the hold time: the requests submitted during
// the outage complete without error once it is back.
TEST_F(NbdDeviceTest, RequestsHeldAcrossServerRestart) {
  TempFile file(4 << 20);
  Nbdkit kit(dir_, {"file", "file=" + file.path()});
  auto dev = open_nbd(kit.uri("&reconnect-hold=20"));
  ASSERT_TRUE(dev) << dev.error().message;
  auto out = aligned_buffer(65536), in = aligned_buffer(65536);
  fill(out.get(), 65536, 9);
  ASSERT_EQ(submit_sync(**dev, Op::write, 0, 65536, out.get()), 0);
  kit.stop();
  std::atomic<int> result{1};
  std::thread reader([&] { result = submit_sync(**dev, Op::read, 0, 65536, in.get()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(result.load(), 1) << "the read finished while the server was down";
  kit.start();
  reader.join();
  EXPECT_EQ(result.load(), 0);
  EXPECT_EQ(std::memcmp(out.get(), in.get(), 65536), 0);
  // And the device keeps working.
  EXPECT_EQ(submit_sync(**dev, Op::write, 65536, 65536, out.get()), 0);
}

// An outage longer than the hold time: EIO, then I/O works again once the
// server is back.
TEST_F(NbdDeviceTest, HeldRequestsFailAfterHoldTime) {
  TempFile file(4 << 20);
  Nbdkit kit(dir_, {"file", "file=" + file.path()});
  auto dev = open_nbd(kit.uri("&reconnect-hold=1"));
  ASSERT_TRUE(dev) << dev.error().message;
  auto buf = aligned_buffer(4096);
  ASSERT_EQ(submit_sync(**dev, Op::read, 0, 4096, buf.get()), 0);
  kit.stop();
  EXPECT_EQ(submit_sync(**dev, Op::read, 0, 4096, buf.get()), -EIO);
  kit.start();
  int r = -EIO;
  for (int i = 0; i < 100 && r != 0; ++i) {
    r = submit_sync(**dev, Op::read, 0, 4096, buf.get());
    if (r != 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r, 0);
}

TEST_F(NbdDeviceTest, UnreachableServerNamesTheUri) {
  auto dev = open_nbd("nbd+unix:///x?socket=" + dir_ + "/none.sock");
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.error().message.find("nbd+unix:///x?socket="), std::string::npos) << dev.error().message;
}

TEST_F(NbdDeviceTest, SyncDeviceReadModifyWritesBelowMinimumBlock) {
  Nbdkit kit(dir_, {"--filter=blocksize-policy", "memory", "1M", "blocksize-minimum=4096",
                    "blocksize-error-policy=error"});
  auto dev = NbdSyncDevice::open(kit.uri(), false);
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ((*dev)->size(), 1u << 20);
  std::vector<std::byte> out(700), in(700);
  fill(out.data(), out.size(), 1);
  ASSERT_TRUE((*dev)->write(4000, out)) << "write across a block boundary";
  ASSERT_TRUE((*dev)->read(4000, in));
  EXPECT_EQ(out, in);
  ASSERT_TRUE((*dev)->flush());
  auto past = (*dev)->read((1u << 20) - 100, in);
  ASSERT_FALSE(past);
  EXPECT_NE(past.error().message.find("run past the end"), std::string::npos);
}

}  // namespace
}  // namespace udm::io::test

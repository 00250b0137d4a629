// The run directory checks (src/daemon/run_dir.cpp), the pid file's refusal
// of a symbolic link, and the NBD security and size options.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/options.hpp"
#include "daemon/pid_file.hpp"
#include "daemon/run_dir.hpp"

namespace udm::daemon {
namespace {

class RunDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/udm-run-dir-test.XXXXXX";
    base = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(base); }
  mode_t mode_of(const std::string& p) {
    struct stat st;
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  std::string base;
};

TEST_F(RunDir, CreatedOwnerOnlyWhateverTheUmask) {
  mode_t old = ::umask(0);
  auto a = prepare_run_dir(base + "/parent/run", "");
  ::umask(old);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(mode_of(base + "/parent/run"), 0700u);
  EXPECT_EQ(a->uid, ::geteuid());
  EXPECT_FALSE(a->group);
  EXPECT_EQ(a->file_mode(), 0600u);
}

TEST_F(RunDir, ExistingLooseModeOfOwnDirectoryIsTightened) {
  std::string r = base + "/run";
  ASSERT_EQ(::mkdir(r.c_str(), 0755), 0);
  ASSERT_TRUE(prepare_run_dir(r, ""));
  EXPECT_EQ(mode_of(r), 0700u);
}

TEST_F(RunDir, WritableByOthersWithoutStickyIsRefused) {
  std::string r = base + "/run";
  ASSERT_EQ(::mkdir(r.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(r.c_str(), 0777), 0);
  auto a = prepare_run_dir(r, "");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("writable by group or others"), std::string::npos) << a.error().message;
  ASSERT_EQ(::chmod(r.c_str(), 01777), 0);  // sticky: accepted, mode kept
  ASSERT_TRUE(prepare_run_dir(r, ""));
  EXPECT_EQ(mode_of(r), 01777u);
}

TEST_F(RunDir, SymbolicLinksAreRefused) {
  std::string real = base + "/real", r = base + "/run";
  ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(real.c_str(), r.c_str()), 0);
  auto a = prepare_run_dir(r, "");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("symbolic link"), std::string::npos) << a.error().message;

  ASSERT_EQ(::symlink("/etc", (real + "/dev").c_str()), 0);
  a = prepare_run_dir(real, "");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("dev is a symbolic link"), std::string::npos) << a.error().message;
}

TEST_F(RunDir, OtherUsersDirectoryIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  std::string r = base + "/run";
  ASSERT_EQ(::mkdir(r.c_str(), 0700), 0);
  ASSERT_EQ(::chown(r.c_str(), 65534, static_cast<gid_t>(-1)), 0);
  auto a = prepare_run_dir(r, "");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("owned by uid 65534"), std::string::npos) << a.error().message;
}

TEST_F(RunDir, UnknownGroupIsRefused) {
  auto a = prepare_run_dir(base + "/run", "no-such-group-udm");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("no-such-group-udm"), std::string::npos);
}

TEST_F(RunDir, PidFileSymlinkIsNotFollowed) {
  std::string victim = base + "/victim";
  std::ofstream(victim) << "precious\n";
  ASSERT_EQ(::symlink(victim.c_str(), (base + "/udmd.pid").c_str()), 0);
  auto p = PidFile::acquire(base + "/udmd.pid");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("symbolic link"), std::string::npos) << p.error().message;
  std::string content;
  std::getline(std::ifstream(victim), content);
  EXPECT_EQ(content, "precious");
}

TEST(DaemonOptions, ByteSizes) {
  EXPECT_EQ(parse_byte_size("--x", "65536").value(), 65536u);
  EXPECT_EQ(parse_byte_size("--x", "64M").value(), 64u << 20);
  EXPECT_EQ(parse_byte_size("--x", "1G").value(), 1u << 30);
  for (const char* bad : {"", "0", "M", "12Q", "-1", "99999999999999999999", "20000000T"}) {
    auto r = parse_byte_size("--nbd-max-queued-bytes", bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--nbd-max-queued-bytes"), std::string::npos);
  }
}

TEST(DaemonOptions, TcpNeedsTlsOrInsecure) {
  DaemonOptions o;
  EXPECT_TRUE(check_nbd_security(o));
  o.nbd_listen = "127.0.0.1:10809";
  auto r = check_nbd_security(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--nbd-insecure"), std::string::npos);
  o.nbd_insecure = true;
  EXPECT_TRUE(check_nbd_security(o));
  o.nbd_insecure = false;
  o.tls_psk = "/etc/udm/psk";
  EXPECT_TRUE(check_nbd_security(o));
  o.tls_creds = "/etc/udm/x509";
  EXPECT_FALSE(check_nbd_security(o));  // one kind of credentials
}

}  // namespace
}  // namespace udm::daemon

// libudm refuses a <rundir>/control it must not trust, as udmd's run-directory
// rules: a symbolic link, not a socket, or a socket of another user.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <udm/client.hpp>

#include "client/socket_backend.hpp"

using namespace udm::client;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/udm-sockbe-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path).c_str()); }
};

int listen_at(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  EXPECT_EQ(0, ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a));
  EXPECT_EQ(0, ::listen(fd, 4));
  return fd;
}

}  // namespace

TEST(ControlPath, SocketOfThisUserIsUsed) {
  TempDir d;
  int l = listen_at(d.path + "/control");
  EXPECT_TRUE(detail::check_control_path(d.path + "/control"));
  EXPECT_TRUE(detail::SocketBackend::connect(d.path + "/control"));
  ::close(l);
}

TEST(ControlPath, SymlinkIsRefused) {
  TempDir d;
  int l = listen_at(d.path + "/real");
  ASSERT_EQ(0, ::symlink((d.path + "/real").c_str(), (d.path + "/control").c_str()));
  auto b = detail::SocketBackend::connect(d.path + "/control");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ELOOP);
  EXPECT_EQ(b.error().message, d.path + "/control is a symbolic link; refusing to use it");
  ConnectOptions o;
  o.kind = ConnectOptions::Kind::udmd;
  o.rundir = d.path;
  o.autostart = true;  // a refused path is not "nobody listens": no udmd is started over it
  auto c = Client::connect(o);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("is a symbolic link; refusing to use it"), std::string::npos) << c.error().message;
  ::close(l);
}

TEST(ControlPath, NotASocketIsRefused) {
  TempDir d;
  ASSERT_EQ(0, ::mkfifo((d.path + "/control").c_str(), 0600));
  auto r = detail::check_control_path(d.path + "/control");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOTSOCK);
  EXPECT_EQ(r.error().message, d.path + "/control is not a socket; refusing to use it");
}

TEST(ControlPath, OtherUsersSocketIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the socket away";
  TempDir d;
  int l = listen_at(d.path + "/control");
  ASSERT_EQ(0, ::chown((d.path + "/control").c_str(), 4242, 4242));
  auto b = detail::SocketBackend::connect(d.path + "/control");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, EPERM);
  EXPECT_EQ(b.error().message,
            d.path + "/control is owned by uid 4242, not by root or this user (uid 0); refusing to use it");
  ::close(l);
}

TEST(ControlPath, MissingIsEnoent) {
  TempDir d;
  auto b = detail::SocketBackend::connect(d.path + "/control");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ENOENT);
}

// A whole daemon started in-process on a private run directory, and a client
// that talks to its control socket with the abi frame codec.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/frame.hpp"
#include "daemon/daemon.hpp"

namespace udm::daemon::test {

inline int connect_to(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline Result<abi::Reply> call(int fd, abi::Command cmd, const std::string& name, std::uint32_t flags = 0,
                               std::uint32_t event_nr = 0) {
  abi::Header h;
  h.version = {4, 0, 0};
  h.name = name;
  h.flags = flags;
  h.event_nr = event_nr;
  auto req = abi::encode_request(h, {}, 16384);
  return abi::exchange(fd, cmd, *req);
}

// Options for a daemon without FUSE or NBD exports, on a fresh temporary
// directory removed afterwards; tests start it with Daemon::start(opts_, *log_).
class InProcessDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/udmd-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    opts_.rundir = dir_ + "/run";
    opts_.fuse = false;
    opts_.nbd = false;
    log_ = std::make_unique<Log>(std::tmpfile(), true);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  DaemonOptions opts_;
  std::unique_ptr<Log> log_;
};

}  // namespace udm::daemon::test

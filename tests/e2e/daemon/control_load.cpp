// udm-control-load: loads udmd's control socket the way a careless or
// hostile client would, for the bounded-connection tests.
//
//   udm-control-load SOCKET idle N      open N connections, print "open N",
//                                       hold them until stdin closes; then
//                                       print how many the daemon had closed
//   udm-control-load SOCKET stall BYTES send a frame header declaring BYTES
//                                       and 1 KiB of body, then nothing; print
//                                       "closed after MS ms" when udmd hangs up
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#include "abi/frame.hpp"

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "udm-control-load: %s\n", what.c_str());
  std::exit(1);
}

int connect_to(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    die("connect " + path + ": " + std::strerror(errno));
  return fd;
}

int idle(const std::string& path, long n) {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  std::vector<int> fds;
  for (long i = 0; i < n; ++i) fds.push_back(connect_to(path));
  std::printf("open %ld\n", n);
  std::fflush(stdout);
  char c;
  while (::read(0, &c, 1) > 0) {
  }
  long closed = 0;
  for (int fd : fds) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP))) {
      char b;
      if (::recv(fd, &b, 1, MSG_DONTWAIT) == 0) ++closed;
    }
    ::close(fd);
  }
  std::printf("closed by udmd %ld\n", closed);
  return 0;
}

int stall(const std::string& path, unsigned long declared) {
  int fd = connect_to(path);
  udm::abi::FrameHeader h{udm::abi::FRAME_MAGIC, 2, static_cast<std::uint32_t>(declared), 0};
  std::vector<std::uint8_t> out(sizeof h + 1024, 0);
  std::memcpy(out.data(), &h, sizeof h);
  if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
    die(std::string("send: ") + std::strerror(errno));
  std::printf("sent\n");
  std::fflush(stdout);
  auto start = std::chrono::steady_clock::now();
  char b[64];
  for (;;) {
    ssize_t r = ::read(fd, b, sizeof b);
    if (r > 0) continue;  // an error reply is fine too
    if (r < 0 && errno == EINTR) continue;
    break;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("closed after %lld ms\n", static_cast<long long>(ms));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) die("usage: udm-control-load SOCKET idle N | SOCKET stall BYTES");
  std::string mode = argv[2];
  if (mode == "idle") return idle(argv[1], std::strtol(argv[3], nullptr, 10));
  if (mode == "stall") return stall(argv[1], std::strtoul(argv[3], nullptr, 10));
  die("unknown mode " + mode);
}

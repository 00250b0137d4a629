#include "daemon/listen_fds.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace udm::daemon {
namespace {

std::optional<long> env_number(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  long n = 0;
  std::string_view s(v);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || n < 0) return std::nullopt;
  return n;
}

}  // namespace

std::string socket_path(int fd) {
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || addr.sun_family != AF_UNIX) return {};
  if (len <= offsetof(sockaddr_un, sun_path)) return {};
  return std::string(addr.sun_path, ::strnlen(addr.sun_path, sizeof addr.sun_path));
}

Result<std::optional<int>> take_listen_fd() {
  auto pid = env_number("LISTEN_PID");
  auto count = env_number("LISTEN_FDS");
  std::string names = std::getenv("LISTEN_FDNAMES") ? std::getenv("LISTEN_FDNAMES") : "";
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  if (!pid || !count || *pid != ::getpid() || *count == 0) return std::optional<int>{};
  if (*count > 64) return fail(EINVAL, "LISTEN_FDS=" + std::to_string(*count) + ": too many sockets passed");
  int chosen = LISTEN_FDS_START;
  // LISTEN_FDNAMES: colon-separated, one per fd (FileDescriptorName=).
  std::size_t start = 0;
  for (int i = 0; i < *count && start <= names.size(); ++i) {
    std::size_t end = names.find(':', start);
    if (end == std::string::npos) end = names.size();
    if (names.compare(start, end - start, "control") == 0) chosen = LISTEN_FDS_START + i;
    start = end + 1;
  }
  int type = 0, listening = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(chosen, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
    return fail(EBADF, "LISTEN_FDS: fd " + std::to_string(chosen) + " is not a socket: " + std::strerror(errno));
  len = sizeof listening;
  ::getsockopt(chosen, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
  sockaddr_storage addr{};
  socklen_t alen = sizeof addr;
  ::getsockname(chosen, reinterpret_cast<sockaddr*>(&addr), &alen);
  if (type != SOCK_STREAM || !listening || addr.ss_family != AF_UNIX)
    return fail(EINVAL, "LISTEN_FDS: fd " + std::to_string(chosen) +
                            " is not a listening unix stream socket (ListenStream=PATH in udmd.socket)");
  // The others are not ours to keep.
  for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + *count; ++fd)
    if (fd != chosen) ::close(fd);
  return std::optional<int>{chosen};
}

}  // namespace udm::daemon

#include "client/socket_backend.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "abi/frame.hpp"

namespace udm::client::detail {

std::string control_socket_path(const std::string& rundir) { return rundir + "/control"; }

namespace {
bool trusted_uid(uid_t uid) { return uid == 0 || uid == ::geteuid(); }
}  // namespace

Result<void> check_control_path(const std::string& socket_path) {
  struct stat st{};
  if (::lstat(socket_path.c_str(), &st) != 0)
    return fail(errno, fmt::format("{}: connect failed: {}", socket_path, std::strerror(errno)));  // as connect() words it
  if (S_ISLNK(st.st_mode)) return fail(ELOOP, fmt::format("{} is a symbolic link; refusing to use it", socket_path));
  if (!S_ISSOCK(st.st_mode)) return fail(ENOTSOCK, fmt::format("{} is not a socket; refusing to use it", socket_path));
  if (!trusted_uid(st.st_uid))
    return fail(EPERM, fmt::format("{} is owned by uid {}, not by root or this user (uid {}); refusing to use it",
                                   socket_path, st.st_uid, ::geteuid()));
  return {};
}

Result<std::unique_ptr<SocketBackend>> SocketBackend::connect(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path))
    return fail(ENAMETOOLONG, fmt::format("{}: socket path too long", socket_path));
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (auto r = check_control_path(socket_path); !r) return fail(r.error());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errno, fmt::format("socket: {}", std::strerror(errno)));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    int e = errno;
    ::close(fd);
    return fail(e, fmt::format("{}: connect failed: {}", socket_path, std::strerror(e)));
  }
  // The path may have been swapped between the check and connect(): the
  // listener itself must be root or this user too.
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && !trusted_uid(cred.uid)) {
    ::close(fd);
    return fail(EPERM, fmt::format("{}: the listener runs as uid {}, not as root or this user (uid {}); "
                                   "refusing to use it",
                                   socket_path, cred.uid, ::geteuid()));
  }
  return std::unique_ptr<SocketBackend>(new SocketBackend(fd));
}

SocketBackend::~SocketBackend() {
  if (fd_ >= 0) ::close(fd_);
}

int SocketBackend::transact(std::uint32_t nr, std::vector<std::uint8_t>& buffer,
                            std::string& driver_message) {
  driver_message.clear();
  if (buffer.size() > abi::MAX_FRAME_SIZE) {
    driver_message = fmt::format("request of {} bytes is larger than a control frame may be", buffer.size());
    return EINVAL;
  }
  char message[abi::MAX_ERROR_MESSAGE + 1];
  auto x = abi::exchange_in_place(fd_, nr, buffer, static_cast<std::uint32_t>(buffer.size()), message);
  if (x.transport) {
    // The request never got an answer: say so, whatever errno the transport gave.
    driver_message = "lost the connection to udmd: " + abi::describe_failure(x);
    return ECONNRESET;
  }
  // The reply overwrites the start of the caller's buffer, never more of it.
  if (x.error == 0 && x.reply_size > buffer.size()) {
    driver_message =
        fmt::format("udmd reply of {} bytes is larger than the {}-byte request", x.reply_size, buffer.size());
    return EPROTO;
  }
  driver_message = message;
  return static_cast<int>(x.error);
}

Result<int> peer_pid(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return fail(errno, fmt::format("SO_PEERCRED: {}", std::strerror(errno)));
  return static_cast<int>(cred.pid);
}

namespace {

bool is_executable(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The directory of the file this code was loaded from: the program for the
// static client, libudm.so for the shared one.
std::string loaded_from_dir() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&loaded_from_dir), &info) == 0 || !info.dli_fname) return "";
  char real[PATH_MAX];
  if (!::realpath(info.dli_fname, real)) return "";
  std::string dir(real);
  return dir.substr(0, dir.rfind('/'));
}

}  // namespace

Result<std::string> find_udmd() {
  // Beside the program (the build tree's bin/), then by the install layout
  // (bin/../sbin for the tools, <libdir>/<rel>/sbin for libudm.so), then PATH,
  // then the configured sbin.
  std::vector<std::string> candidates;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string dir(self, static_cast<std::size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    candidates.push_back(dir + "/udmd");
    candidates.push_back(dir + "/" UDM_BINDIR_TO_SBINDIR "/udmd");
  }
  if (std::string lib = loaded_from_dir(); !lib.empty()) {
    candidates.push_back(lib + "/../bin/udmd");  // build tree: lib/libudm.so beside bin/
    candidates.push_back(lib + "/" UDM_LIBDIR_TO_SBINDIR "/udmd");
  }
  for (const auto& c : candidates)
    if (is_executable(c)) return c;
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) continue;
    if (is_executable(dir + "/udmd")) return dir + "/udmd";
  }
  if (is_executable(UDM_FULL_SBINDIR "/udmd")) return std::string(UDM_FULL_SBINDIR "/udmd");
  return fail(ENOENT, "cannot find udmd beside this program, in " UDM_FULL_SBINDIR " or on PATH");
}

Result<std::unique_ptr<SocketBackend>> start_udmd_and_connect(const std::string& rundir,
                                                              int timeout_ms) {
  auto udmd = find_udmd();
  if (!udmd) return fail(udmd.error());
  ::mkdir(rundir.c_str(), 0755);  // udmd makes it too; harmless if it exists

  // Double fork: udmd ends up in its own session, reparented to init, so no
  // zombie is left in a long-running caller.
  pid_t child = ::fork();
  if (child < 0) return fail(errno, fmt::format("fork: {}", std::strerror(errno)));
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    const char* argv[] = {udmd->c_str(), "--rundir", rundir.c_str(), nullptr};
    ::execv(udmd->c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }

  std::string socket = control_socket_path(rundir);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Error last{ENOENT, ""};
  while (std::chrono::steady_clock::now() < deadline) {
    auto b = SocketBackend::connect(socket);
    if (b) return b;
    last = b.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fail(last.code ? last.code : ETIMEDOUT,
              fmt::format("started {} but {} did not accept connections within {} ms", *udmd,
                          socket, timeout_ms));
}

}  // namespace udm::client::detail

#include "shim/control_fds.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/frame.hpp"
#include "base/devno.hpp"
#include "shim/config.hpp"
#include "shim/fakes.hpp"
#include "shim/renumber.hpp"
#include "shim/real_calls.hpp"

namespace udm::shim {
namespace {

constexpr int MAX_TRACKED_FD = 1 << 16;
constexpr std::uint32_t MIN_IOCTL_BUFFER = 305;  // offsetof(struct dm_ioctl, data): the kernel reads at least this

std::atomic<unsigned char> states[MAX_TRACKED_FD];
std::atomic<int> tracked{0};
// One exchange at a time per process: dup'ed fds share a socket, and a
// request/reply pair must not interleave with another.
pthread_mutex_t exchange_lock = PTHREAD_MUTEX_INITIALIZER;

void after_fork_in_child() {
  pthread_mutex_init(&exchange_lock, nullptr);
  if (tracked.load() == 0) return;
  // The socket is shared with the parent now; give the child its own on first use.
  for (auto& s : states)
    if (s.load(std::memory_order_relaxed) == static_cast<unsigned char>(FdState::connected))
      s.store(static_cast<unsigned char>(FdState::stale), std::memory_order_relaxed);
}

pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
void install_atfork() { pthread_atfork(nullptr, nullptr, after_fork_in_child); }

// Gives a stale (post-fork) fd a fresh connection at the same number.
bool reconnect(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  int fresh = connect_control((flags >= 0 && (flags & FD_CLOEXEC)) != 0);
  if (fresh < 0) return false;
  auto real_dup3 = UDM_SHIM_REAL(dup3, int (*)(int, int, int));
  int r = real_dup3(fresh, fd, (flags >= 0 && (flags & FD_CLOEXEC)) ? O_CLOEXEC : 0);
  UDM_SHIM_REAL(close, int (*)(int))(fresh);
  if (r < 0) return false;
  set_fd_state(fd, FdState::connected);
  return true;
}

}  // namespace

FdState fd_state(int fd) noexcept {
  if (fd < 0 || fd >= MAX_TRACKED_FD) return FdState::none;
  return static_cast<FdState>(states[fd].load(std::memory_order_acquire));
}

void set_fd_state(int fd, FdState s) noexcept {
  if (fd < 0 || fd >= MAX_TRACKED_FD) return;
  auto old = static_cast<FdState>(states[fd].exchange(static_cast<unsigned char>(s), std::memory_order_acq_rel));
  if (old == FdState::none && s != FdState::none) tracked.fetch_add(1);
  if (old != FdState::none && s == FdState::none) tracked.fetch_sub(1);
}

bool is_control_fd(int fd) noexcept {
  if (tracked.load(std::memory_order_relaxed) == 0) return false;
  return fd_state(fd) != FdState::none;
}

void fd_copied(int from, int to) noexcept {
  if (to < 0) return;
  FdState s = fd_state(from);
  set_fd_state(to, s);
}

int connect_control(bool cloexec) noexcept {
  pthread_once(&atfork_once, install_atfork);
  const Config& c = config();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | (cloexec ? SOCK_CLOEXEC : 0), 0);
  if (fd < 0) return -1;
  if (fd >= MAX_TRACKED_FD) {
    UDM_SHIM_REAL(close, int (*)(int))(fd);
    errno = EMFILE;
    return -1;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (std::strlen(c.control_socket) >= sizeof addr.sun_path) {
    UDM_SHIM_REAL(close, int (*)(int))(fd);
    errno = ENAMETOOLONG;
    return -1;
  }
  std::strcpy(addr.sun_path, c.control_socket);
  int r;
  do {
    r = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    UDM_SHIM_REAL(close, int (*)(int))(fd);
    if (c.debug) std::fprintf(stderr, "udm-preload: cannot connect to %s: %s\n", c.control_socket, std::strerror(e));
    // What opening /dev/mapper/control gives when no driver is there.
    errno = ENODEV;
    return -1;
  }
  return fd;
}

int control_ioctl(int fd, unsigned long request, void* arg) noexcept {
  if (!arg) {
    errno = EFAULT;
    return -1;
  }
  auto* buffer = static_cast<char*>(arg);
  std::uint32_t data_size = 0;
  std::memcpy(&data_size, buffer + 12, sizeof data_size);
  std::uint32_t size = data_size > MIN_IOCTL_BUFFER ? data_size : MIN_IOCTL_BUFFER;
  if (size > abi::MAX_FRAME_SIZE) {
    errno = EINVAL;
    return -1;
  }

  pthread_mutex_lock(&exchange_lock);
  int result = -1, error = EIO;
  bool transport_failed = true;
  if (fd_state(fd) != FdState::stale || reconnect(fd)) {
    // The one client round trip (abi/frame.hpp), as libudm's. DEV_WAIT may
    // be ended by a signal, as the kernel's ioctl is.
    auto command = static_cast<std::uint32_t>(_IOC_NR(request));
    const bool renumber = block_devices_on();
    if (renumber) request_dev_to_udmd(buffer, size);
    char message[512];
    auto x = abi::exchange_in_place(fd, command, {reinterpret_cast<std::uint8_t*>(buffer), size}, size, message,
                                    command == abi::CMD_DEV_WAIT);
    if (x.transport == 0) {
      transport_failed = false;
      if (renumber) reply_devs_to_caller(command, buffer, size);
      error = static_cast<int>(x.error);
      if (error == 0) result = 0;
      else if (config().debug && message[0]) std::fprintf(stderr, "udm-preload: udmd: %s\n", message);
    } else if (x.transport == EINTR) {
      error = EINTR;
    }
  }
  if (transport_failed && fd_state(fd) == FdState::connected) {
    // The connection is broken (udmd went away): try a fresh one next time.
    set_fd_state(fd, FdState::stale);
  }
  pthread_mutex_unlock(&exchange_lock);
  if (result < 0) errno = error;
  return result;
}

}  // namespace udm::shim

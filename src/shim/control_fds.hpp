// Which file descriptors of this process are udm control connections (what
// libdevmapper believes is /dev/mapper/control). Lock-free lookups: every
// ioctl and close asks.
#pragma once

namespace udm::shim {

enum class FdState : unsigned char {
  none = 0,
  connected = 1,
  stale = 2,  // inherited across fork: reconnect before the next exchange
};

FdState fd_state(int fd) noexcept;
void set_fd_state(int fd, FdState s) noexcept;
bool is_control_fd(int fd) noexcept;
// After a copy of `from` was made at `to` (dup, dup2, dup3, F_DUPFD).
void fd_copied(int from, int to) noexcept;

// A new connection to udmd's control socket; -1 with errno set on failure.
int connect_control(bool cloexec) noexcept;

// One dm ioctl on a control fd: frames the caller's buffer, sends it, and
// copies the reply over it. Returns 0 or -1 with errno.
int control_ioctl(int fd, unsigned long request, void* arg) noexcept;

}  // namespace udm::shim

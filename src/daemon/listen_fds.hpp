// Socket activation as systemd does it (sd_listen_fds(3), without
// libsystemd): LISTEN_PID names this process, LISTEN_FDS counts the
// sockets passed from fd 3 on, LISTEN_FDNAMES optionally names them.
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"

namespace udm::daemon {

inline constexpr int LISTEN_FDS_START = 3;

// The control socket passed to this process: the one named "control" in
// LISTEN_FDNAMES, else the first. Checks it is a listening AF_UNIX stream
// socket. Unsets the variables (children must not take them). Empty when
// nothing was passed (or LISTEN_PID is another process's); an error when
// what was passed cannot be used.
Result<std::optional<int>> take_listen_fd();

// The path a listening unix socket is bound to ("" if none).
std::string socket_path(int fd);

}  // namespace udm::daemon

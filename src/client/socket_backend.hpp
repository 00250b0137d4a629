// The udmd backend: one connected Unix stream socket to <rundir>/control,
// one frame per request (abi/frame.hpp), and udmd started on demand.
#pragma once

#include <memory>
#include <string>

#include <udm/client.hpp>

#include "base/result.hpp"

namespace udm::client::detail {

class SocketBackend final : public Backend {
 public:
  // Connects to `socket_path` (check_control_path first). ENOENT/ECONNREFUSED
  // when nobody listens.
  static Result<std::unique_ptr<SocketBackend>> connect(const std::string& socket_path);
  // Over a connected socket, which it then owns (tests).
  static std::unique_ptr<SocketBackend> adopt(int fd) { return std::unique_ptr<SocketBackend>(new SocketBackend(fd)); }
  ~SocketBackend() override;

  int transact(std::uint32_t nr, std::vector<std::uint8_t>& buffer,
               std::string& driver_message) override;
  // All in flight at once, replies read as they come (frame.hpp: in order).
  void transact_many(std::vector<Request>& requests) override;
  std::string driver_name() const override { return "udmd"; }
  bool has_command_list() const override { return true; }

  int fd() const { return fd_; }

 private:
  explicit SocketBackend(int fd) : fd_(fd) {}
  int fd_;
};

// <rundir>/control
std::string control_socket_path(const std::string& rundir);

// What connect() checks first, as udmd's run-directory rules: the control
// path must be a socket (not a symbolic link) owned by root or this user.
// ENOENT when it does not exist; ELOOP, ENOTSOCK or EPERM, with a message
// naming the path, when it must not be used.
Result<void> check_control_path(const std::string& socket_path);

// The udmd to start: beside the running executable (/proc/self/exe), by the
// install layout from the program or libudm.so, on $PATH, in the configured
// sbin. ENOENT when there is none.
Result<std::string> find_udmd();

// Starts `udmd --rundir DIR` detached (its own session, stdio on /dev/null)
// and waits up to `timeout_ms` until its socket accepts a connection.
Result<std::unique_ptr<SocketBackend>> start_udmd_and_connect(const std::string& rundir,
                                                              int timeout_ms = 10000);

// The pid of the process listening on the socket (SO_PEERCRED).
Result<int> peer_pid(int fd);

}  // namespace udm::client::detail

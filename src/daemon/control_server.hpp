// The control socket: <rundir>/control (mode 0600), one thread per
// connection, SO_PEERCRED checks (root and the daemon's own uid only; anyone
// else gets EPERM for every frame, and a log line).
#pragma once

#include <atomic>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/dispatcher.hpp"
#include "daemon/log.hpp"

namespace udm::daemon {

class ControlServer {
 public:
  ControlServer(Dispatcher& dispatcher, Log& log) : dispatcher_(dispatcher), log_(log) {}
  ~ControlServer();  // stop()

  // Binds and listens on `path` (a stale socket file is replaced: the caller
  // holds the pid-file lock) and starts accepting.
  Result<void> start(const std::string& path);

  // Stops accepting, cancels waits, closes every connection, joins the
  // threads and removes the socket file. Idempotent.
  void stop();

  std::size_t connection_count() const;

 private:
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> finished{false};
  };
  void accept_loop();
  void serve(Connection& c);
  void reap_finished();

  Dispatcher& dispatcher_;
  Log& log_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_fd_[2] = {-1, -1};  // a pipe that wakes the accept loop on stop
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex lock_;
  std::list<Connection> connections_;
};

}  // namespace udm::daemon

// The control socket: <rundir>/control (mode 0600). One event-loop thread
// (epoll) accepts connections and reads frames incrementally, with a
// deadline per frame; complete frames run on a WorkerPool, one at a time per
// connection, replies in order. The worker that replied waits briefly for
// the connection's next frame and serves it too (a client sending commands
// back to back costs one wake-up per command), then puts the connection
// back into epoll itself. Idle connections cost a socket and no
// thread. DEV_WAITs that must wait are parked in the loop, not on a thread.
// At --max-connections (or out of descriptors) the longest idle connection
// is closed to make room; with none idle the new one is closed. A spare
// descriptor is kept so that EMFILE never leaves a connection pending.
// SO_PEERCRED checks: root and the daemon's own uid only; anyone else gets
// EPERM for every frame, and a log line.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "abi/frame.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/log.hpp"
#include "daemon/options.hpp"
#include "io/worker_pool.hpp"

namespace udm::daemon {

class ControlServer {
 public:
  ControlServer(Dispatcher& dispatcher, Log& log, ControlLimits limits = {})
      : dispatcher_(dispatcher), log_(log), limits_(limits) {}
  ~ControlServer();  // stop()

  // Binds and listens on `path` (a stale socket file is replaced: the caller
  // holds the pid-file lock) and starts the loop.
  // With `inherited_fd` (a socket systemd passed, listen_fds.hpp) that
  // listening socket is used as it is, and `path` is only named in messages
  // and left in place at stop (systemd owns it).
  Result<void> start(const std::string& path, int inherited_fd = -1);

  // Stops accepting, answers parked waits with EINTR, closes every
  // connection, waits for running commands and removes the socket file.
  // Idempotent.
  void stop();

  std::size_t connection_count() const { return count_.load(); }
  // Connections a command thread owns (a command, its reply, the linger).
  std::size_t busy_connection_count() const { return busy_.load(); }
  std::size_t command_threads() const { return pool_ ? pool_->threads() : 0; }

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;

  void loop();
  void accept_all();
  enum class ReadResult { complete, partial, closed };
  ReadResult read_frame(Connection& c);
  void read_from(const ConnectionPtr& c);
  void submit(const ConnectionPtr& c, abi::FrameHeader header, abi::Bytes body);
  // On a worker: the command, then the connection's next ones while they come quickly.
  void serve(const ConnectionPtr& c, abi::FrameHeader header, abi::Bytes body);
  bool run_command(const ConnectionPtr& c, abi::FrameHeader header, abi::Bytes body, abi::Bytes* held = nullptr);
  static bool may_wait(const abi::FrameHeader& header, const abi::Bytes& body);
  static void append_frame(abi::Bytes& out, std::uint32_t command, std::uint32_t error, abi::ByteView body);
  bool send_bytes(Connection& c, abi::ByteView out, bool wait);
  bool linger_for_frame(Connection& c);
  void hand_back(const ConnectionPtr& c);  // to the loop, through finished_
  void take_back();  // connections whose command finished
  void check_deadlines();
  void close_connection(int fd);
  // Logs `what`, at most every 10 s for the same `why`, with a count.
  void shed(const std::string& what, const std::string& why);
  bool evict_idle(const std::string& why);
  bool send_reply(Connection& c, std::uint32_t command, std::uint32_t error, abi::ByteView body, bool wait);
  abi::CommandVersion version_of(std::uint32_t command) const;

  Dispatcher& dispatcher_;
  Log& log_;
  const ControlLimits limits_;
  std::string path_;
  int listen_fd_ = -1;
  bool owns_path_ = true;  // false for an inherited socket
  int epoll_fd_ = -1;
  int event_fd_ = -1;    // wakes the loop: a command finished, or stop
  int reserve_fd_ = -1;  // given up on EMFILE to accept-and-close a connection
  std::thread loop_thread_;
  std::unique_ptr<io::WorkerPool> pool_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> count_{0};
  std::atomic<std::size_t> busy_{0};
  std::atomic<int> queued_{0};  // commands posted to the pool and not yet started
  // How long a worker waits for a connection's next frame after a reply.
  static constexpr int LINGER_MS = 2;
  static constexpr int LINGER_ROUNDS = 4;  // reads of one frame while waiting so
  // Replies held back for a pipelining client, at most (control_server.cpp, serve).
  static constexpr std::size_t MAX_HELD = 64;
  static constexpr std::size_t MAX_HELD_BYTES = 256 << 10;
  bool any_parked_ = false;  // the loop's own
  std::unordered_map<int, ConnectionPtr> connections_;  // the loop's own
  std::mutex finished_lock_;
  std::vector<ConnectionPtr> finished_;  // handed back by workers
  std::chrono::steady_clock::time_point last_shed_log_{};
  std::size_t shed_since_log_ = 0;
  std::string last_shed_why_;
};

}  // namespace udm::daemon

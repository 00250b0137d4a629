// udmd as an object: the device registry with the built-in targets, the
// command dispatcher, the control socket, the pid-file lock and (when built
// with udm_exports) the FUSE/NBD exports. tools/udmd/main.cpp wraps it with
// option parsing, daemonizing and signals; tests run it in-process.
#pragma once

#include <memory>
#include <string>

#include "core/device_registry.hpp"
#include "daemon/control_server.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/log.hpp"
#include "daemon/options.hpp"
#include "daemon/pid_file.hpp"

namespace udm::daemon {

class Daemon {
 public:
  // Creates the run directory if needed, takes <rundir>/udmd.pid (EBUSY when
  // another daemon holds it), starts exports unless disabled (a failure to
  // start them is logged, not fatal), and listens on <rundir>/control last:
  // once this returns, clients can connect. `log` must outlive the daemon.
  static Result<std::unique_ptr<Daemon>> start(const DaemonOptions& options, Log& log);

  // The shutdown sequence: I/O held by suspended devices fails with EIO
  // (commands waiting on it finish); stop accepting and close connections
  // (waits are cancelled); resume suspended devices (dropping inactive tables) so that
  // held I/O completes; stop exports (their I/O drains); suspend every device
  // with a flush; remove the socket and the pid file. Idempotent; the
  // destructor calls it.
  void stop();
  ~Daemon();

  core::DeviceRegistry& registry() { return *registry_; }
  Dispatcher& dispatcher() { return *dispatcher_; }
  const std::string& control_path() const { return control_path_; }
  void rewrite_pid() { pid_file_.write_pid(); }
  std::size_t connection_count() const { return server_ ? server_->connection_count() : 0; }
  std::size_t busy_connection_count() const { return server_ ? server_->busy_connection_count() : 0; }

  struct Exports;  // the seam to udm_exports (or nothing)

 private:
  Daemon(Log& log, PidFile pid_file);
  void fail_held_io();  // first step of stop()
  Log& log_;
  PidFile pid_file_;
  std::string control_path_;
  std::unique_ptr<core::TargetRegistry> targets_;
  std::unique_ptr<core::DeviceRegistry> registry_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Exports> exports_;
  std::unique_ptr<ControlServer> server_;
  bool stopped_ = false;
};

}  // namespace udm::daemon

// udmsetup daemon start|stop|status: udmd for a run directory, its pid from
// the socket's peer credentials.
#include <signal.h>

#include <chrono>
#include <thread>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "client/socket_backend.hpp"

namespace udm::udmsetup {

// ---------------------------------------------------------------- daemon

int cmd_daemon(Context& ctx, const std::vector<std::string>& args) {
  client::ConnectOptions o;
  if (ctx.sw.rundir) o.rundir = *ctx.sw.rundir;
  std::string rundir = client::resolve_rundir(o);
  std::string socket = client::detail::control_socket_path(rundir);
  const std::string& what = args[0];
  if (what == "status") {
    auto b = client::detail::SocketBackend::connect(socket);
    if (!b) {
      out(fmt::format("udmd is not running ({})\n", socket));
      return 1;
    }
    auto pid = client::detail::peer_pid((*b)->fd());
    out(fmt::format("udmd is running (pid {}, {})\n", pid ? *pid : 0, socket));
    return 0;
  }
  if (what == "start") {
    auto b = client::detail::SocketBackend::connect(socket);
    if (!b) b = client::detail::start_udmd_and_connect(rundir);
    if (!b) {
      err(fmt::format("cannot start udmd: {}", b.error().message));
      return 1;
    }
    auto pid = client::detail::peer_pid((*b)->fd());
    out(fmt::format("udmd is running (pid {}, {})\n", pid ? *pid : 0, socket));
    return 0;
  }
  if (what == "stop") {
    auto b = client::detail::SocketBackend::connect(socket);
    if (!b) {
      out(fmt::format("udmd is not running ({})\n", socket));
      return 0;
    }
    auto pid = client::detail::peer_pid((*b)->fd());
    b->reset();
    // udmd keeps its devices across any stop (its record in the run
    // directory brings them back at the next start), but a plain stop of a
    // daemon holding devices is more likely a mistake: their files and NBD
    // exports go away until then.
    std::size_t active = 0;
    {
      client::ConnectOptions co;
      co.rundir = rundir;
      co.kind = client::ConnectOptions::Kind::udmd;
      co.autostart = false;
      auto c = client::Client::connect(co);
      if (!c) {
        err(fmt::format("cannot count the devices of udmd: {}", c.error().message));
        return 1;
      }
      client::Task t(**c, client::TaskType::list);
      if (auto r = t.run(); !r) {
        err(fmt::format("cannot count the devices of udmd: {}", r.error().message));
        return 1;
      }
      active = t.names().size();
    }
    if (active > 0 && !ctx.sw.force) {
      err(fmt::format("{} devices are still active; remove them or use --force", active));
      return 1;
    }
    if (!pid || *pid <= 0) {
      err("cannot tell which process serves " + socket);
      return 1;
    }
    if (::kill(*pid, SIGTERM) < 0) {
      err(fmt::format("kill {}: {}", *pid, std::strerror(errno)));
      return 1;
    }
    for (int i = 0; i < 500; ++i) {
      if (::kill(*pid, 0) < 0 && errno == ESRCH) {
        out(fmt::format("udmd stopped (pid {})\n", *pid));
        if (active > 0)
          out(fmt::format("{} device(s) kept in {}/devices; the next udmd restores them\n", active, rundir));
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    err(fmt::format("udmd (pid {}) did not stop within 10 s", *pid));
    return 1;
  }
  err(fmt::format("Unknown daemon command '{}': use start, stop or status.", what));
  return 1;
}

}  // namespace udm::udmsetup

// udmd: the udm driver daemon. Options, daemonizing and signals; the daemon
// itself is udm::daemon::Daemon (src/daemon).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <tuple>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "daemon/daemon.hpp"
#include "daemon/listen_fds.hpp"
#include "udm_build_version.h"
#include "daemon/run_dir.hpp"

namespace {

using udm::daemon::DaemonOptions;

// Detaches into the background. Returns in the child with `ready_fd` set to
// the pipe end on which it reports readiness; the parent never returns: it
// exits 0 once the child reports that the socket listens, 1 otherwise.
void daemonize(int& ready_fd) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    std::perror("udmd: pipe");
    std::exit(1);
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("udmd: fork");
    std::exit(1);
  }
  if (pid > 0) {
    ::close(p[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) msg.append(buf, static_cast<std::size_t>(n));
    if (msg == "ok") std::exit(0);
    std::fprintf(stderr, "udmd: %s\n", msg.empty() ? "the daemon exited during start-up" : msg.c_str());
    std::exit(1);
  }
  ::close(p[0]);
  ::setsid();
  ready_fd = p[1];
}

void report(int fd, const std::string& msg) {
  ssize_t n = ::write(fd, msg.data(), msg.size());
  (void)n;
}

void detach_stdio() {
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::dup2(null, 2);
  if (null > 2) ::close(null);
}

// Every control connection is a descriptor: take all the kernel allows us
// (the soft limit is often 1024, the hard one far higher).
void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"udmd: the udm driver daemon (device-mapper in userspace)"};
  std::string rundir_flag;
  bool foreground = false, no_fuse = false, no_nbd = false;
  std::vector<std::string> claims;
  std::string nbd_listen;
  app.add_option("--rundir", rundir_flag,
                 "run directory (default: $UDM_RUNDIR, /run/udm as root, else $XDG_RUNTIME_DIR/udm)");
  app.add_flag("-f,--foreground", foreground, "stay in the foreground and log to stderr");
  app.add_option("--claim-version", claims,
                 "COMMAND=MAJ.MIN.PATCH: behave as a driver with that version of COMMAND (testing)");
  app.add_flag("--no-fuse", no_fuse, "do not mount the FUSE export");
  app.add_flag("--no-nbd", no_nbd, "do not serve NBD");
  bool block_devices = false, no_block_devices = false;
  app.add_flag("--block-devices", block_devices,
               "back every device with a kernel block device (a loop device over its FUSE file) and make "
               "DEVDIR/mapper/NAME and DEVDIR/VG/LV; default when root with DEVDIR writable and FUSE on");
  app.add_flag("--no-block-devices", no_block_devices, "no kernel block devices nor /dev links");
  std::string devdir = "/dev";
  app.add_option("--devdir", devdir, "DIR: where mapper/NAME and VG/LV links go (default /dev)");
  app.add_option("--nbd-listen", nbd_listen,
                 "HOST:PORT: also serve NBD over TCP (PORT or :PORT alone: 127.0.0.1; all interfaces only "
                 "when named, 0.0.0.0:PORT or [::]:PORT); needs --tls-psk/--tls-creds or --nbd-insecure");
  udm::daemon::ControlLimits limits;
  double frame_timeout = limits.frame_timeout_ms / 1000.0, stop_timeout = 20;
  app.add_option("--max-connections", limits.max_connections,
                 "control connections open at once; more are closed at once (default 1024)")
      ->check(CLI::PositiveNumber);
  app.add_option("--frame-timeout", frame_timeout,
                 "SECONDS a client has to send a whole request frame, or to read a reply (default 10)")
      ->check(CLI::Range(0.01, 3600.0));
  app.add_option("--max-command-threads", limits.max_command_threads,
                 "control commands running at once (default 64)")
      ->check(CLI::PositiveNumber);
  app.add_option("--stop-timeout", stop_timeout,
                 "SECONDS after SIGTERM after which udmd exits even if shutting down has not finished (default 20)")
      ->check(CLI::Range(1.0, 3600.0));
  DaemonOptions opts;
  std::string max_queued, max_queued_total;
  app.add_option("--group", opts.group, "NAME: run directory 0750 and its sockets and files 0660 for this group");
  app.add_option("--tls-creds", opts.tls_creds,
                 "DIR: X.509 server-cert.pem and server-key.pem; NBD over TCP then requires TLS");
  app.add_option("--tls-psk", opts.tls_psk,
                 "FILE: TLS pre-shared keys, username:hexkey lines (psktool); NBD over TCP then requires TLS");
  app.add_flag("--nbd-insecure", opts.nbd_insecure, "allow --nbd-listen without TLS (any client reads and writes every device)");
  app.add_option("--nbd-max-queued-bytes", max_queued,
                 "SIZE: NBD request bytes (read buffers, write payloads) queued per connection (default 64M)");
  app.add_option("--nbd-max-queued-bytes-total", max_queued_total,
                 "SIZE: NBD request bytes queued over all connections (default 256M)");
  app.add_option("--snapshot-copy-throttle", opts.snapshot_copy_throttle,
                 "PERCENT of time snapshot copy-outs may have I/O in flight (dm-snapshot's snapshot_copy_throttle; default 100: unthrottled)")
      ->check(CLI::Range(0u, 100u));
  app.add_option("--thin-no-space-timeout", opts.thin_no_space_timeout_s,
                 "SECONDS a write to an out-of-space thin pool waits for space before failing, 0: forever (default 60)");
  app.add_option("--nbd-reconnect-hold", opts.nbd_reconnect_hold_s,
                 "SECONDS I/O to an NBD backing device (nbd://, nbd+unix:// in a table) waits for a dropped connection to come back before failing with EIO (default 30; per device: ?reconnect-hold=SECS in the URI)")
      ->check(CLI::Range(0u, 604800u));
  app.set_version_flag("--version", "udmd " UDM_VERSION, "print udmd's version and exit");
  CLI11_PARSE(app, argc, argv);
  limits.frame_timeout_ms = static_cast<std::uint32_t>(frame_timeout * 1000);
  for (auto [flag, text, out] : {std::tuple{"--nbd-max-queued-bytes", &max_queued, &opts.nbd_max_queued_bytes},
                                 std::tuple{"--nbd-max-queued-bytes-total", &max_queued_total,
                                            &opts.nbd_max_queued_bytes_total}}) {
    if (text->empty()) continue;
    auto size = udm::daemon::parse_byte_size(flag, *text);
    if (!size) {
      std::fprintf(stderr, "udmd: %s\n", size.error().message.c_str());
      return 1;
    }
    *out = *size;
  }

  auto rundir = udm::daemon::resolve_rundir(rundir_flag);
  if (!rundir) {
    std::fprintf(stderr, "udmd: %s\n", rundir.error().message.c_str());
    return 1;
  }
  std::error_code ec;
  opts.rundir = std::filesystem::absolute(*rundir, ec).lexically_normal().string();
  if (!opts.rundir.empty() && opts.rundir.size() > 1 && opts.rundir.back() == '/') opts.rundir.pop_back();
  opts.foreground = foreground;
  opts.control = limits;
  opts.fuse = !no_fuse;
  opts.nbd = !no_nbd;
  if (block_devices && no_block_devices) {
    std::fprintf(stderr, "udmd: --block-devices and --no-block-devices cannot be used together\n");
    return 1;
  }
  if (block_devices) opts.block_devices = true;
  else if (no_block_devices) opts.block_devices = false;
  else if (const char* e = std::getenv("UDM_BLOCK_DEVICES"); e && std::string_view(e) == "0") opts.block_devices = false;
  opts.devdir = devdir;
  if (!opts.devdir.empty() && opts.devdir != "/") {
    opts.devdir = std::filesystem::absolute(opts.devdir, ec).lexically_normal().string();
    if (opts.devdir.size() > 1 && opts.devdir.back() == '/') opts.devdir.pop_back();
  }
  if (!nbd_listen.empty()) opts.nbd_listen = nbd_listen;
  for (const auto& c : claims) {
    auto claim = udm::daemon::parse_version_claim(c);
    if (!claim) {
      std::fprintf(stderr, "udmd: %s\n", claim.error().message.c_str());
      return 1;
    }
    opts.claims.push_back(*claim);
  }
  if (auto ok = udm::daemon::check_nbd_security(opts); !ok) {
    std::fprintf(stderr, "udmd: %s\n", ok.error().message.c_str());
    return 1;
  }

  // Socket activation: taken before daemonizing (LISTEN_PID is this pid).
  if (auto passed = udm::daemon::take_listen_fd(); !passed) {
    std::fprintf(stderr, "udmd: %s\n", passed.error().message.c_str());
    return 1;
  } else if (*passed) {
    opts.control_fd = **passed;
  }

  // Signals are taken synchronously by the main thread; every thread started
  // from here on inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  std::signal(SIGPIPE, SIG_IGN);

  int ready_fd = -1;
  if (!foreground) daemonize(ready_fd);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  raise_fd_limit();
  // The run directory is checked before anything is written into it (the log).
  std::FILE* log_file = stderr;
  auto access = udm::daemon::prepare_run_dir(opts.rundir, opts.group);
  if (access && !foreground) {
    auto fd = udm::daemon::open_in_run_dir(opts.rundir, "udmd.log", *access);
    if (!fd) access = std::unexpected(fd.error());
    else log_file = ::fdopen(*fd, "a");
  }
  if (!access || !log_file) {
    std::string msg = access ? std::string("cannot open udmd.log") : access.error().message;
    if (ready_fd >= 0) report(ready_fd, msg);
    else std::fprintf(stderr, "udmd: %s\n", msg.c_str());
    return 1;
  }
  udm::daemon::Log log(log_file, /*owned=*/log_file != stderr);
  opts.log_to_stderr = foreground;
  auto daemon = udm::daemon::Daemon::start(opts, log);
  if (!daemon) {
    if (ready_fd >= 0) {
      report(ready_fd, daemon.error().message);
      log.info("start-up failed: {}", daemon.error().message);
    } else {
      std::fprintf(stderr, "udmd: %s\n", daemon.error().message.c_str());
    }
    return 1;
  }
  if (ready_fd >= 0) {
    detach_stdio();
    report(ready_fd, "ok");
    ::close(ready_fd);
  }

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  log.info("{}: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // Shutdown releases everything it knows to be held; should anything still
  // hang (a backing device that never answers), exit anyway.
  std::thread([&log, stop_timeout] {
    std::this_thread::sleep_for(std::chrono::duration<double>(stop_timeout));
    log.info("shutdown did not finish within {} s; exiting now", stop_timeout);
    ::_exit(1);
  }).detach();
  (*daemon)->stop();
  daemon->reset();
  return 0;
}

#include "daemon/daemon.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "daemon/listen_fds.hpp"
#include "daemon/run_dir.hpp"

#include "core/target_registry.hpp"
#include "daemon/device_restore.hpp"
#include "targets/snapshot_throttle.hpp"

#if UDM_HAVE_EXPORTS
#include "blockdev/block_device_manager.hpp"
#include "exports/export_manager.hpp"
#include "thin/pool.hpp"
#include "io/nbd_device.hpp"
#endif

namespace udm::daemon {

// The exports seam: udm_exports' ExportManager when it is built in, else nothing.
struct Daemon::Exports {
#if UDM_HAVE_EXPORTS
  std::unique_ptr<blockdev::BlockDeviceManager> block_devices;  // over the FUSE files
  std::unique_ptr<exports::ExportManager> manager;
#endif
  void stop() {
#if UDM_HAVE_EXPORTS
    // Loops first: they hold FUSE files open.
    if (block_devices) block_devices->stop();
    if (manager) manager->stop();
#endif
  }
};

namespace {

// Brings back the devices of the record a previous udmd left in the run
// directory, and records every later change there.
void restore_devices(const DaemonOptions& options, core::DeviceRegistry& registry, Dispatcher& dispatcher,
                     Log& log) {
  const std::string dir = options.rundir + "/" + std::string(RUN_STATE_DIR);
  LoadedRunState loaded = load_run_state(options.rundir);
  if (loaded.upgraded)
    log.info("converted {}/{} to one record per device in {}", options.rundir, RUN_STATE_FILE, dir);
  for (const auto& bad : loaded.set_aside)
    log.info("device record cannot be read: {}; its device is not restored; the record is kept as {}",
             bad.problem.message, bad.path.empty() ? std::string("(rename failed, left in place)") : bad.path);
  auto recorder = std::make_shared<StateRecorder>(options.rundir, registry, log);
  if (loaded.found) {
    RestoreReport report = restore_run_state(registry, loaded.state, log);
    log.info("restored {} of {} device(s) from {} (format version {}){}", report.devices,
             loaded.state.devices.size(), dir, DEVICE_STATE_VERSION,
             report.failures ? fmt::format("; {} problem(s), see above", report.failures) : "");
    // The recorder rewrites a device's file without what did not come back
    // (and drops the file of a device that was not created): keep each such
    // file whole aside first. Deferred removals are due: their files go.
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    auto keep = [&](std::uint32_t minor, bool copy) {
      const std::string name = device_state_name(minor);
      const std::string to = name + ".incomplete-" + std::to_string(::time(nullptr));
      std::error_code ec;
      if (copy) std::filesystem::copy_file(dir + "/" + name, dir + "/" + to, ec);
      else if (::renameat(dfd, name.c_str(), dfd, to.c_str()) != 0) ec.assign(errno, std::generic_category());
      if (ec) log.info("cannot keep {}/{} as {}: {}", dir, name, to, ec.message());
      else log.info("the record of device {}:{} as it was is kept as {}/{}", UDM_BLOCK_MAJOR, minor, dir, to);
      loaded.files.erase(minor);
    };
    if (dfd >= 0) {
      for (auto m : report.incomplete) keep(m, true);
      for (auto m : report.not_created) keep(m, false);
      for (auto m : report.dropped) {
        (void)remove_device_state(dfd, m);
        loaded.files.erase(m);
      }
      ::close(dfd);
    }
  }
  recorder->start(std::move(loaded.files));
  dispatcher.set_state_hook([recorder](abi::Command command, const abi::Header& in, const abi::Header& out) {
    recorder->record(state_change(command, in, out));
  });
}

// Why an export is not there: "" when it runs. Kept in <rundir>/exports.status
// ("fuse: ok", "fuse: off" (--no-fuse) or "fuse: unavailable: WHY", the same
// for nbd) for `udmsetup info`.
struct ExportStatus {
  std::string fuse, nbd;
  bool block = false;  // "block: on": devices are kernel block devices (loop devices)
};

std::string status_word(bool wanted, const std::string& why) {
  if (!wanted) return "off";
  return why.empty() ? std::string("ok") : "unavailable: " + why;
}

void write_export_status(const DaemonOptions& options, const ExportStatus& st, Log& log) {
  const std::string& rundir = options.rundir;
  std::string text = "fuse: " + status_word(options.fuse, st.fuse) + "\n" + "nbd: " + status_word(options.nbd, st.nbd) + "\n" +
                     "block: " + (st.block ? "on" : "off") + "\n";
  const std::string path = rundir + "/exports.status";
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    log.info("cannot write {}: {}", path, std::strerror(errno));
    ::unlink(tmp.c_str());
  }
}

// What keeps FUSE from mounting, when libfuse's own error does not say
// (it prints the real cause on stderr, which a daemonized udmd has closed).
std::string fuse_problem(const std::string& mountpoint) {
  int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return fmt::format("cannot open /dev/fuse: {} (errno {})", std::strerror(e), e);
  }
  ::close(fd);
  struct stat st{};
  if (::stat(mountpoint.c_str(), &st) != 0) {
    int e = errno;
    return fmt::format("mount point {}: {} (errno {})", mountpoint, std::strerror(e), e);
  }
  if (!S_ISDIR(st.st_mode)) return fmt::format("mount point {} is not a directory", mountpoint);
  return {};
}

}  // namespace

Daemon::Daemon(Log& log, PidFile pid_file) : log_(log), pid_file_(std::move(pid_file)) {}

Result<std::unique_ptr<Daemon>> Daemon::start(const DaemonOptions& options, Log& log) {
  auto access = prepare_run_dir(options.rundir, options.group);  // see run_dir.hpp
  if (!access) return fail(access.error());
  auto pid = PidFile::acquire(options.rundir + "/udmd.pid");
  if (!pid) return fail(pid.error());
  std::unique_ptr<Daemon> d(new Daemon(log, std::move(*pid)));
  d->targets_ = std::make_unique<core::TargetRegistry>();
  targets::register_builtin_targets(*d->targets_);
  targets::set_snapshot_copy_throttle(options.snapshot_copy_throttle);
  thin::Pool::set_no_space_timeout(std::chrono::seconds(options.thin_no_space_timeout_s));
  io::set_nbd_reconnect_hold(std::chrono::seconds(options.nbd_reconnect_hold_s));
  d->registry_ = std::make_unique<core::DeviceRegistry>(*d->targets_);
  d->dispatcher_ = std::make_unique<Dispatcher>(*d->registry_, CommandVersions(options.claims), log);
  // Before exports and the control socket: nobody sees a half-restored set.
  restore_devices(options, *d->registry_, *d->dispatcher_, log);
  for (const auto& c : options.claims)
    log.info("claiming version {}.{}.{} for {}", c.version.major, c.version.minor, c.version.patch,
             abi::command_id(c.command));

  d->exports_ = std::make_unique<Exports>();
  ExportStatus status;
  if (!options.fuse) status.fuse = "disabled (udmd --no-fuse)";
  if (!options.nbd) status.nbd = "disabled (udmd --no-nbd)";
#if UDM_HAVE_EXPORTS
  // Block devices: decided before FUSE mounts, so that loops a crashed udmd
  // left over its FUSE files are found by their path while it still shows.
  std::unique_ptr<blockdev::BlockDeviceManager> blocks;
  if (options.fuse && options.block_devices.value_or(true)) {
    std::string why = blockdev::BlockDeviceManager::unavailable_reason(options.devdir);
    if (why.empty()) {
      log.info("{}", blockdev::BlockDeviceManager::ublk_note());
      blocks = std::make_unique<blockdev::BlockDeviceManager>(
          blockdev::BlockDeviceOptions{options.rundir + "/dev", options.devdir, true, options.rundir + "/loops"}, *d->registry_,
          [&log](const std::string& line) { log.info("{}", line); });
      blocks->detach_stale();
    } else {
      log.info("block devices {}: {}", options.block_devices ? "unavailable" : "off", why);
    }
  } else if (options.block_devices.value_or(false)) {
    log.info("block devices unavailable: they need the FUSE export (udmd --no-fuse)");
  }
  // One part failing (FUSE without /dev/fuse, typically) must not take the
  // other down: on failure, try each part alone.
  auto try_start = [&](bool fuse, bool nbd) -> Result<std::unique_ptr<exports::ExportManager>> {
    exports::ExportOptions eo;
    eo.rundir = options.rundir;
    eo.fuse = fuse;
    eo.nbd_unix = nbd;
    if (nbd) eo.nbd_tcp = options.nbd_listen;
    eo.access = {access->uid, access->gid, access->group};
    eo.tls_creds = options.tls_creds;
    eo.tls_psk = options.tls_psk;
    eo.nbd_insecure = options.nbd_insecure;
    eo.max_queued_bytes = options.nbd_max_queued_bytes;
    eo.max_queued_bytes_total = options.nbd_max_queued_bytes_total;
    if (fuse && blocks)
      eo.after_update = [b = blocks.get()](const core::DeviceRegistry::Change& c) { b->on_change(c); };
    auto m = std::make_unique<exports::ExportManager>(eo, *d->registry_);
    if (auto r = m->start(); !r) {
      m->stop();
      return fail(r.error());
    }
    return m;
  };
  if (options.fuse || options.nbd) {
    auto both = try_start(options.fuse, options.nbd);
    if (both) {
      d->exports_->manager = std::move(*both);
    } else {
      log.info("exports not started: {}", both.error().message);
      if (options.fuse && options.nbd) {
        auto nbd_only = try_start(false, true);
        if (nbd_only) {
          d->exports_->manager = std::move(*nbd_only);
          status.fuse = both.error().message;
        } else {
          status.nbd = nbd_only.error().message;
          auto fuse_only = try_start(true, false);
          if (fuse_only) d->exports_->manager = std::move(*fuse_only);
          else status.fuse = fuse_only.error().message;
        }
      } else {
        (options.fuse ? status.fuse : status.nbd) = both.error().message;
      }
      if (!status.fuse.empty() && options.fuse)
        if (auto why = fuse_problem(options.rundir + "/dev"); !why.empty()) status.fuse += " (" + why + ")";
      if (!status.fuse.empty() && options.fuse) log.info("FUSE export unavailable: {}", status.fuse);
      if (!status.nbd.empty() && options.nbd) log.info("NBD export unavailable: {}", status.nbd);
      // NBD over TCP was asked for by name (with its security): not silently dropped.
      if (!status.nbd.empty() && options.nbd && options.nbd_listen) return fail(EINVAL, "NBD export: " + status.nbd);
    }
    if (d->exports_->manager)
      log.info("exports started (fuse {}, nbd {})", status.fuse.empty() ? "on" : "off",
               status.nbd.empty() ? "on" : "off");
    if (blocks && d->exports_->manager && status.fuse.empty()) {
      blocks->start();
      log.info("block devices on: links in {}/mapper", options.devdir);
      d->exports_->block_devices = std::move(blocks);
      status.block = true;
    }
  }
#else
  if (options.fuse) status.fuse = "not built into this udmd";
  if (options.nbd) status.nbd = "not built into this udmd";
  if (options.fuse || options.nbd) log.info("exports are not built into this udmd");
#endif
  write_export_status(options, status, log);

  d->control_path_ = options.rundir + "/control";
  d->server_ = std::make_unique<ControlServer>(*d->dispatcher_, log, options.control);
  if (options.control_fd >= 0) {
    std::string bound = socket_path(options.control_fd);
    if (bound != d->control_path_)
      log.info("the control socket passed by systemd is {}, not {}: clients look for the latter", bound,
               d->control_path_);
  }
  if (auto r = d->server_->start(d->control_path_, options.control_fd); !r) {
    d->exports_->stop();
    return fail(r.error());
  }
  log.info("listening on {}{}", d->control_path_, options.control_fd >= 0 ? " (socket passed by systemd)" : "");
  return d;
}

void Daemon::stop() {
  if (stopped_) return;
  stopped_ = true;
  fail_held_io();
  if (server_) server_->stop();
  // I/O held by a suspended device would keep the exports from stopping.
  // Everything is discarded at exit anyway, so drop inactive tables and let
  // held I/O go on to the live table it was addressed to.
  if (registry_) {
    for (const auto& dev : registry_->list()) {
      if (!dev->info(false).suspended) continue;
      dev->clear();
      if (auto r = dev->resume(); !r)
        log_.info("shutdown: resuming {} to release held I/O failed: {}", dev->name(), r.error().message);
    }
  }
  if (exports_) exports_->stop();
  // Then flush every device: suspend drains in-flight I/O and flushes backing devices.
  if (registry_) {
    for (const auto& dev : registry_->list()) {
      if (auto r = dev->suspend(false); !r)
        log_.info("shutdown: suspending {} failed: {}", dev->name(), r.error().message);
    }
  }
  pid_file_.release();
  log_.info("stopped");
}

// Before the server stops: a command may be waiting for I/O that a
// suspended device holds (suspend of a device stacked on it), and nobody
// will resume that device now. Failing held I/O lets every such wait end.
void Daemon::fail_held_io() {
  if (dispatcher_) dispatcher_->cancel_waits();
  if (!registry_) return;
  for (const auto& dev : registry_->list()) dev->fail_held_io();
}

Daemon::~Daemon() { stop(); }

}  // namespace udm::daemon

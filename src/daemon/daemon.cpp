#include "daemon/daemon.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon/run_dir.hpp"

#include "core/target_registry.hpp"

#if UDM_HAVE_EXPORTS
#include "exports/export_manager.hpp"
#endif

namespace udm::daemon {

// The exports seam: udm_exports' ExportManager when it is built in, else nothing.
struct Daemon::Exports {
#if UDM_HAVE_EXPORTS
  std::unique_ptr<exports::ExportManager> manager;
#endif
  void stop() {
#if UDM_HAVE_EXPORTS
    if (manager) manager->stop();
#endif
  }
};

Daemon::Daemon(Log& log, PidFile pid_file) : log_(log), pid_file_(std::move(pid_file)) {}

Result<std::unique_ptr<Daemon>> Daemon::start(const DaemonOptions& options, Log& log) {
  auto access = prepare_run_dir(options.rundir, options.group);  // see run_dir.hpp
  if (!access) return fail(access.error());
  auto pid = PidFile::acquire(options.rundir + "/udmd.pid");
  if (!pid) return fail(pid.error());
  std::unique_ptr<Daemon> d(new Daemon(log, std::move(*pid)));
  d->targets_ = std::make_unique<core::TargetRegistry>();
  targets::register_builtin_targets(*d->targets_);
  d->registry_ = std::make_unique<core::DeviceRegistry>(*d->targets_);
  d->dispatcher_ = std::make_unique<Dispatcher>(*d->registry_, CommandVersions(options.claims), log);
  for (const auto& c : options.claims)
    log.info("claiming version {}.{}.{} for {}", c.version.major, c.version.minor, c.version.patch,
             abi::command_id(c.command));

  d->exports_ = std::make_unique<Exports>();
#if UDM_HAVE_EXPORTS
  if (options.fuse || options.nbd) {
    exports::ExportOptions eo;
    eo.rundir = options.rundir;
    eo.fuse = options.fuse;
    eo.nbd_unix = options.nbd;
    if (options.nbd) eo.nbd_tcp = options.nbd_listen;
    eo.access = {access->uid, access->gid, access->group};
    eo.tls_creds = options.tls_creds;
    eo.tls_psk = options.tls_psk;
    eo.nbd_insecure = options.nbd_insecure;
    eo.max_queued_bytes = options.nbd_max_queued_bytes;
    eo.max_queued_bytes_total = options.nbd_max_queued_bytes_total;
    auto m = std::make_unique<exports::ExportManager>(eo, *d->registry_);
    if (auto r = m->start(); !r) {
      // NBD over TCP was asked for by name (with its security): not silently dropped.
      if (options.nbd && options.nbd_listen) return fail(r.error());
      log.info("exports not started: {}", r.error().message);
    } else {
      d->exports_->manager = std::move(m);
      log.info("exports started (fuse {}, nbd {})", options.fuse ? "on" : "off", options.nbd ? "on" : "off");
    }
  }
#else
  if (options.fuse || options.nbd) log.info("exports are not built into this udmd");
#endif

  d->control_path_ = options.rundir + "/control";
  d->server_ = std::make_unique<ControlServer>(*d->dispatcher_, log);
  if (auto r = d->server_->start(d->control_path_); !r) {
    d->exports_->stop();
    return fail(r.error());
  }
  log.info("listening on {}", d->control_path_);
  return d;
}

void Daemon::stop() {
  if (stopped_) return;
  stopped_ = true;
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

Daemon::~Daemon() { stop(); }

}  // namespace udm::daemon

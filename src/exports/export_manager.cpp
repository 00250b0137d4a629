#include "exports/export_manager.hpp"

#include <mutex>
#include <sys/stat.h>

#include "exports/fuse/filesystem.hpp"
#include "exports/nbd/server.hpp"
#include "exports/nbd/tls.hpp"

namespace udm::exports {

struct ExportManager::Impl {
  ExportOptions options;
  core::DeviceRegistry& registry;
  std::mutex lock;
  // shared: refresh() and stop() work on them outside the lock, because a
  // last close inside the exports may remove a device and so call refresh().
  std::shared_ptr<fuse::Filesystem> fuse;
  std::shared_ptr<nbd::Server> nbd;

  Impl(ExportOptions o, core::DeviceRegistry& r) : options(std::move(o)), registry(r) {}
};

ExportManager::ExportManager(ExportOptions options, core::DeviceRegistry& registry)
    : impl_(std::make_unique<Impl>(std::move(options), registry)) {}

ExportManager::~ExportManager() { stop(); }

std::string ExportManager::fuse_mountpoint() const { return impl_->options.rundir + "/dev"; }
std::string ExportManager::nbd_socket_path() const { return impl_->options.rundir + "/nbd.sock"; }

Result<void> ExportManager::start() {
  std::lock_guard g(impl_->lock);
  auto& o = impl_->options;
  ::mkdir(o.rundir.c_str(), o.access.dir_mode());  // the daemon made it already; tests may not have
  // TLS credentials first: a bad --tls-* must not leave FUSE half started.
  nbd::ServerOptions so;
  if ((o.nbd_unix || o.nbd_tcp) && !impl_->nbd) {
    if (!o.tls_creds.empty() || !o.tls_psk.empty()) {
      auto creds = o.tls_psk.empty() ? nbd::TlsCredentials::load_x509(o.tls_creds)
                                     : nbd::TlsCredentials::load_psk(o.tls_psk);
      if (!creds) return fail(with_context("exports: ", creds.error()));
      so.tls = std::move(*creds);
    }
    so.tcp_insecure = o.nbd_insecure;
    so.max_queued_bytes = o.max_queued_bytes;
    so.max_queued_bytes_total = o.max_queued_bytes_total;
  }
  if (o.fuse && !impl_->fuse) {
    auto fs = std::make_shared<fuse::Filesystem>();
    fs->set_access(o.access.uid, o.access.gid, o.access.group);
    fs->refresh(impl_->registry.list());
    if (auto r = fs->mount(fuse_mountpoint()); !r) return fail(with_context("exports: ", r.error()));
    impl_->fuse = std::move(fs);
  }
  if ((o.nbd_unix || o.nbd_tcp) && !impl_->nbd) {
    auto server = std::make_shared<nbd::Server>(impl_->registry, std::move(so));
    const gid_t group = o.access.group ? o.access.gid : static_cast<gid_t>(-1);
    if (o.nbd_unix)
      if (auto r = server->listen_unix(nbd_socket_path(), o.access.file_mode(), group); !r)
        return fail(with_context("exports: ", r.error()));
    if (o.nbd_tcp)
      if (auto r = server->listen_tcp(*o.nbd_tcp); !r) return fail(with_context("exports: ", r.error()));
    if (auto r = server->start(); !r) return fail(with_context("exports: ", r.error()));
    impl_->nbd = std::move(server);
  }
  // The registry's listener is the one change notification: commands, table
  // swaps, and deferred removes completed at a last close inside the exports.
  impl_->registry.set_listener([this](const core::DeviceRegistry::Change& change) {
    update(change.device);
    if (impl_->options.after_update) impl_->options.after_update(change);
  });
  return {};
}

void ExportManager::refresh() {
  std::shared_ptr<fuse::Filesystem> fs;
  {
    std::lock_guard g(impl_->lock);
    fs = impl_->fuse;
  }
  // NBD looks devices up at connect time; only the FUSE tree is cached.
  if (fs) fs->refresh(impl_->registry.list());
}

void ExportManager::update(const core::MappedDevicePtr& device) {
  std::shared_ptr<fuse::Filesystem> fs;
  {
    std::lock_guard g(impl_->lock);
    fs = impl_->fuse;
  }
  if (fs) fs->update(device);
}

void ExportManager::stop() {
  if (!impl_) return;
  std::shared_ptr<fuse::Filesystem> fs;
  std::shared_ptr<nbd::Server> server;
  {
    std::lock_guard g(impl_->lock);
    if (impl_->fuse || impl_->nbd) impl_->registry.set_listener(std::function<void()>{});
    fs = std::move(impl_->fuse);
    server = std::move(impl_->nbd);
  }
  if (server) server->stop();
  if (fs) fs->unmount();
}

}  // namespace udm::exports

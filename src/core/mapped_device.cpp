#include "core/mapped_device.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "core/mapped_device_impl.hpp"
#include "core/limits.hpp"
#include "core/sync_io.hpp"

namespace udm::core {

MappedDevice::MappedDevice(std::string name, std::string uuid, DevNo devno)
    : name_(std::move(name)), uuid_(std::move(uuid)), devno_(devno), impl_(std::make_unique<Impl>(*this)) {}

MappedDevice::~MappedDevice() {
  // Nobody can submit any more; anything still held fails.
  for (auto* r : impl_->release_held()) r->complete(-EIO);
}

// --- tables -----------------------------------------------------------------

void MappedDevice::load(std::unique_ptr<Table> table) {
  std::unique_ptr<Table> old;
  {
    std::lock_guard g(impl_->control);
    old = std::exchange(impl_->inactive, std::move(table));
  }
  // `old` is destroyed here, outside the lock: closing a stacked device may
  // trigger its deferred removal.
}

bool MappedDevice::clear() {
  std::unique_ptr<Table> old;
  {
    std::lock_guard g(impl_->control);
    old = std::move(impl_->inactive);
  }
  return old != nullptr;
}

void MappedDevice::Impl::wait_drained() {
  std::unique_lock l(drain_lock);
  drained.wait(l, [&] { return in_flight.load() == 0; });
}

namespace {

// Sends a flush to every backing file and block device under `table` and
// waits for them all. Stacked mapped devices are skipped: each flushes its
// own backing devices when it is suspended, and a suspended lower device
// would hold the flush forever.
void flush_backing(const Table& table) {
  SyncBatch batch;
  io::Request flush;
  flush.op = io::Op::flush;
  for (auto& d : table.devices())
    if (d->devno().major != UDM_BLOCK_MAJOR) batch.submit(*d, flush);
  // A failed flush is not a failed suspend: the error reaches the next
  // writer's flush, as the kernel's suspend does not fail on it either.
  (void)batch.wait();
}

}  // namespace

Result<void> MappedDevice::Impl::suspend_locked(bool noflush) {
  // `live` and `suspended` cannot change under us (`transition` is held), so
  // they are read without `control`, which stays free during the wait.
  if (suspended) return {};
  if (live) {
    const auto entries = live->entries();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (auto r = entries[i].target->presuspend(noflush); !r) {
        const std::string where =
            "suspend: target " + std::to_string(i + 1) + " (" + std::string(entries[i].type->name) + "): ";
        // Undo in reverse order what the earlier targets did; the device keeps running.
        for (std::size_t k = i; k-- > 0;) entries[k].target->presuspend_undo();
        return fail(with_context(where, std::move(r.error())));
      }
    }
  }
  blocking.store(true);
  wait_drained();
  if (!noflush && live) flush_backing(*live);
  if (live)
    for (auto& e : live->entries()) e.target->postsuspend(noflush);
  std::lock_guard g(control);
  suspended = true;
  return {};
}

std::vector<io::Request*> MappedDevice::Impl::release_held() {
  std::lock_guard g(hold_lock);
  blocking.store(false);
  return std::exchange(held, {});
}

void MappedDevice::Impl::publish_live() {
  {
    std::lock_guard g(limits_lock);
    live_limits = live ? live->limits() : io::DeviceLimits{};
  }
  live_raw.store(live.get(), std::memory_order_release);
  live_bytes.store(live ? sectors_to_bytes(live->size()) : 0);
  live_read_only.store(live && live->read_only());
}

void MappedDevice::Impl::notify_change() {
  std::function<void(MappedDevice&)> listener;
  {
    std::lock_guard g(hooks_lock);
    listener = change_listener;
  }
  if (listener) listener(self);
}

Result<void> MappedDevice::suspend(bool noflush) {
  // In-flight I/O is always drained, as for the kernel's bio-based devices;
  // then completed writes are made durable unless `noflush`.
  std::lock_guard t(impl_->transition);
  return impl_->suspend_locked(noflush);
}

Result<void> MappedDevice::resume() {
  std::unique_ptr<Table> old;
  std::vector<io::Request*> held;
  bool swapped = false;
  std::lock_guard t(impl_->transition);
  bool has_inactive;
  {
    std::lock_guard g(impl_->control);
    has_inactive = impl_->inactive != nullptr;
  }
  if (has_inactive)
    if (auto r = impl_->suspend_locked(false); !r) return fail(with_context("resume: ", std::move(r.error())));
  {
    std::lock_guard g(impl_->control);
    // A table loaded while we were not suspending waits for the next resume.
    if (impl_->inactive && impl_->suspended) {
      for (auto& e : impl_->inactive->entries()) {
        if (auto r = e.target->preresume(); !r) {
          old = std::move(impl_->inactive);  // a failed swap destroys the new table
          return fail(with_context("resume: ", std::move(r.error())));
        }
      }
      old = std::exchange(impl_->live, std::move(impl_->inactive));
      impl_->publish_live();
      swapped = true;
    } else if (impl_->suspended && impl_->live) {
      for (auto& e : impl_->live->entries())
        if (auto r = e.target->preresume(); !r) return fail(with_context("resume: ", std::move(r.error())));
    }
    if (!impl_->suspended) return {};
    if (impl_->live)
      for (auto& e : impl_->live->entries()) e.target->resume();
    impl_->suspended = false;
    held = impl_->release_held();
  }
  old.reset();
  for (auto* r : held) impl_->submit(r);
  if (swapped) impl_->notify_change();
  return {};
}

void MappedDevice::drop_tables() {
  std::unique_ptr<Table> live, inactive;
  std::vector<io::Request*> held;
  std::lock_guard t(impl_->transition);
  (void)impl_->suspend_locked(true);  // removal goes on whatever a target says
  {
    std::lock_guard g(impl_->control);
    live = std::move(impl_->live);
    inactive = std::move(impl_->inactive);
    impl_->publish_live();
    impl_->suspended = false;
    held = impl_->release_held();  // later I/O finds no table and fails with EIO
  }
  for (auto* r : held) r->complete(-EIO);
  impl_->notify_change();
}

// --- queries ----------------------------------------------------------------

DeviceInfo MappedDevice::info(bool inactive) const {
  std::lock_guard g(impl_->control);
  DeviceInfo i;
  i.suspended = impl_->suspended;
  i.live_present = impl_->live != nullptr;
  i.inactive_present = impl_->inactive != nullptr;
  i.deferred_remove = impl_->deferred_remove.load();
  i.open_count = impl_->open_count.load();
  i.event_nr = impl_->event_nr.load();
  const Table* t = inactive ? impl_->inactive.get() : impl_->live.get();
  if (t) {
    i.read_only = t->read_only();
    i.target_count = static_cast<std::uint32_t>(t->target_count());
  }
  return i;
}

std::vector<TargetStatusLine> MappedDevice::status(StatusType type, bool inactive, bool noflush) const {
  std::lock_guard g(impl_->control);
  std::vector<TargetStatusLine> out;
  const Table* t = inactive ? impl_->inactive.get() : impl_->live.get();
  if (!t) return out;
  out.reserve(t->target_count());
  for (const auto& e : t->entries())
    out.push_back(TargetStatusLine{e.begin, e.length, std::string(e.type->name), e.target->status(type, StatusFlags{noflush})});
  return out;
}

std::vector<DevNo> MappedDevice::deps(bool inactive) const {
  std::lock_guard g(impl_->control);
  std::vector<DevNo> out;
  const Table* t = inactive ? impl_->inactive.get() : impl_->live.get();
  if (!t) return out;
  // One entry per distinct device number, as the kernel lists opened devices:
  // two targets may have opened the same file or block device separately.
  for (const auto& d : t->devices())
    if (auto n = d->devno(); !n.empty() && std::find(out.begin(), out.end(), n) == out.end())
      out.push_back(n);
  return out;
}

Result<std::string> MappedDevice::message(sector_t sector, std::span<const std::string> args) {
  if (args.empty()) return fail(EINVAL, "message: no message given");
  if (args[0] == "@cancel_deferred_remove") {
    if (args.size() != 1) return fail(EINVAL, "message: @cancel_deferred_remove takes no arguments");
    if (!impl_->deferred_remove.exchange(false)) return fail(ENXIO, name() + ": device is not marked for deferred removal");
    return std::string{};
  }
  std::lock_guard g(impl_->control);
  const Table* t = impl_->live.get();
  if (!t) return fail(EINVAL, name() + ": message: device has no live table");
  if (sector >= t->size())
    return fail(EINVAL, name() + ": message: sector " + std::to_string(sector) + " is beyond the end of the table");
  return t->entry(t->find(sector)).target->message(args);
}

std::optional<Result<StatsReply>> MappedDevice::stats_message(std::span<const std::string> args, std::size_t room) {
  return impl_->stats.message(args, bytes_to_sectors(size()), room);
}

// --- openers, removal, events --------------------------------------------

void MappedDevice::open() { impl_->open_count.fetch_add(1); }

void MappedDevice::close() {
  if (impl_->open_count.fetch_sub(1) != 1 || !impl_->deferred_remove.load()) return;
  std::function<void(MappedDevice&)> hook;
  {
    std::lock_guard g(impl_->hooks_lock);
    hook = impl_->last_close;
  }
  if (hook) hook(*this);
}

void MappedDevice::set_last_close_hook(std::function<void(MappedDevice&)> hook) {
  std::lock_guard g(impl_->hooks_lock);
  impl_->last_close = std::move(hook);
}

bool MappedDevice::deferred_remove() const { return impl_->deferred_remove.load(); }
void MappedDevice::set_deferred_remove(bool on) { impl_->deferred_remove.store(on); }

void MappedDevice::set_change_listener(std::function<void(MappedDevice&)> listener) {
  std::lock_guard g(impl_->hooks_lock);
  impl_->change_listener = std::move(listener);
}

void MappedDevice::raise_event() {
  {
    std::lock_guard g(impl_->event_lock);
    impl_->event_nr.fetch_add(1);
  }
  impl_->event_cv.notify_all();
}

void MappedDevice::restore_event_nr(std::uint32_t event_nr) {
  {
    std::lock_guard g(impl_->event_lock);
    impl_->event_nr.store(event_nr);
  }
  impl_->event_cv.notify_all();
}

std::uint32_t MappedDevice::wait_event(std::uint32_t seen, const std::atomic<bool>& cancel) {
  std::unique_lock l(impl_->event_lock);
  // The cancel flag belongs to the caller and is not tied to our condvar, so poll it.
  while (impl_->event_nr.load() == seen && !cancel.load())
    impl_->event_cv.wait_for(l, std::chrono::milliseconds(100));
  return impl_->event_nr.load();
}

std::uint32_t MappedDevice::event_nr() const { return impl_->event_nr.load(); }

void MappedDevice::fail_held_io() {
  std::vector<io::Request*> held;
  {
    std::lock_guard g(impl_->hold_lock);
    impl_->failing = true;
    held = std::exchange(impl_->held, {});
  }
  for (auto* r : held) r->complete(-EIO);
}

// --- BlockDevice --------------------------------------------------------------

byte_count MappedDevice::size() const { return impl_->live_bytes.load(); }

bool MappedDevice::read_only() const { return impl_->live_read_only.load(); }

io::DeviceLimits MappedDevice::limits() const {
  std::lock_guard g(impl_->limits_lock);
  return normalize_limits(impl_->live_limits);
}

std::string MappedDevice::name() const {
  std::lock_guard g(names_lock_);
  return name_;
}

std::string MappedDevice::uuid() const {
  std::lock_guard g(names_lock_);
  return uuid_;
}

void MappedDevice::set_name(std::string name) {
  std::lock_guard g(names_lock_);
  name_ = std::move(name);
}

void MappedDevice::set_uuid(std::string uuid) {
  std::lock_guard g(names_lock_);
  uuid_ = std::move(uuid);
}

bool MappedDevice::holds_io() const { return impl_->blocking.load(std::memory_order_relaxed); }

void MappedDevice::submit(io::Request* request) { impl_->submit(request); }

}  // namespace udm::core

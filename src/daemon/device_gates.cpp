#include "daemon/device_gates.hpp"

namespace udm::daemon {

DeviceGates::Pass& DeviceGates::Pass::operator=(Pass&& o) noexcept {
  if (this != &o) {
    release();
    gates_ = std::exchange(o.gates_, nullptr);
    device_ = std::move(o.device_);
  }
  return *this;
}

void DeviceGates::Pass::release() {
  if (!gates_) return;
  std::exchange(gates_, nullptr)->leave(device_.get());
  device_.reset();
}

DeviceGates::Pass DeviceGates::enter(core::MappedDevicePtr device) {
  std::unique_lock l(lock_);
  auto& slot = gates_[device.get()];
  if (!slot) slot = std::make_unique<Gate>();
  Gate* g = slot.get();  // stays put: erased only when nobody holds or waits
  const std::uint64_t ticket = g->next++;
  g->cv.wait(l, [&] { return g->serving == ticket; });
  return Pass(this, std::move(device));
}

void DeviceGates::leave(const core::MappedDevice* device) {
  std::lock_guard l(lock_);
  auto it = gates_.find(device);
  if (it == gates_.end()) return;
  Gate* g = it->second.get();
  if (++g->serving == g->next)
    gates_.erase(it);
  else
    g->cv.notify_all();
}

std::size_t DeviceGates::busy() const {
  std::lock_guard l(lock_);
  return gates_.size();
}

}  // namespace udm::daemon

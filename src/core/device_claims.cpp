#include "core/device_claims.hpp"

namespace udm::core {

DeviceClaims::Claim& DeviceClaims::Claim::operator=(Claim&& o) noexcept {
  if (this != &o) {
    release();
    state_ = std::move(o.state_);
    device_ = std::move(o.device_);
  }
  return *this;
}

void DeviceClaims::Claim::release() {
  if (!state_) return;
  {
    std::lock_guard g(state_->lock);
    state_->holders.erase(device_);
  }
  state_.reset();
}

Result<DeviceClaims::Claim> DeviceClaims::claim(const io::BlockDevice& device, std::string holder) {
  std::string name = device.table_name();
  std::lock_guard g(state_->lock);
  if (auto it = state_->holders.find(name); it != state_->holders.end())
    return fail(EBUSY, "device " + name + " is busy: already claimed by " + it->second);
  state_->holders.emplace(name, std::move(holder));
  Claim c;
  c.state_ = state_;
  c.device_ = std::move(name);
  return c;
}

bool DeviceClaims::claimed(const io::BlockDevice& device) const {
  std::lock_guard g(state_->lock);
  return state_->holders.contains(device.table_name());
}

}  // namespace udm::core

// Exclusive claims on devices, as the kernel opens a thin-pool's or cache's
// metadata device with FMODE_EXCL: a second claim of the same device fails
// with EBUSY naming who holds it. A claim is a token released when it is
// destroyed; give it to the object that keeps the device's state (the shared
// pool object, not the target), so a table swap that finds that object does
// not claim twice.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.hpp"
#include "io/block_device.hpp"

namespace udm::core {

class DeviceClaims {
  struct State {
    std::mutex lock;
    std::map<std::string, std::string, std::less<>> holders;  // device table name -> holder
  };

 public:
  class Claim {
   public:
    Claim() = default;
    Claim(Claim&& o) noexcept : state_(std::move(o.state_)), device_(std::move(o.device_)) {}
    Claim& operator=(Claim&& o) noexcept;
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    ~Claim() { release(); }
    void release();
    const std::string& device() const { return device_; }

   private:
    friend class DeviceClaims;
    std::shared_ptr<State> state_;
    std::string device_;
  };

  // `holder` says who claims it, for the message a second claimer gets:
  // "device 7:0 is busy: already claimed by thin-pool 252:1 as its metadata device".
  Result<Claim> claim(const io::BlockDevice& device, std::string holder);
  bool claimed(const io::BlockDevice& device) const;

 private:
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace udm::core

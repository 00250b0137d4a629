// The kernel backend: a real /dev/mapper/control and ioctl(2), the same
// dm_ioctl bytes the udmd socket carries. The ioctl function is injectable so
// tests can check request numbers and buffer layout without a kernel.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <udm/client.hpp>

#include "base/result.hpp"

namespace udm::client::detail {

// Same contract as ioctl(2): returns -1 and sets errno on failure.
using IoctlFn = std::function<int(int fd, unsigned long request, void* arg)>;

class KernelBackend final : public Backend {
 public:
  // Opens `control_node` O_RDWR (ENODEV on a kernel without dm).
  static Result<std::unique_ptr<KernelBackend>> open(const std::string& control_node);
  // Over an fd the caller owns, with a given ioctl (tests).
  KernelBackend(int fd, IoctlFn ioctl_fn, bool owns_fd = false);
  ~KernelBackend() override;

  int transact(std::uint32_t nr, std::vector<std::uint8_t>& buffer,
               std::string& driver_message) override;
  std::string driver_name() const override { return "kernel"; }
  bool has_command_list() const override { return false; }

 private:
  int fd_;
  IoctlFn ioctl_;
  bool owns_fd_;
};

}  // namespace udm::client::detail

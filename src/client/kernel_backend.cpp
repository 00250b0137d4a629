#include "client/kernel_backend.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "abi/dm_ioctl.hpp"

namespace udm::client::detail {

Result<std::unique_ptr<KernelBackend>> KernelBackend::open(const std::string& control_node) {
  int fd = ::open(control_node.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return fail(errno, fmt::format("{}: open failed: {}", control_node, std::strerror(errno)));
  return std::make_unique<KernelBackend>(
      fd, [](int f, unsigned long req, void* arg) { return ::ioctl(f, req, arg); }, true);
}

KernelBackend::KernelBackend(int fd, IoctlFn ioctl_fn, bool owns_fd)
    : fd_(fd), ioctl_(std::move(ioctl_fn)), owns_fd_(owns_fd) {}

KernelBackend::~KernelBackend() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

int KernelBackend::transact(std::uint32_t nr, std::vector<std::uint8_t>& buffer,
                            std::string& driver_message) {
  driver_message.clear();
  // The ioctl number has 8 bits: udm's extensions (list_commands) do not
  // exist for a kernel.
  if (nr > 0xff) return ENOTTY;
  if (buffer.size() < abi::HEADER_MIN_SIZE) return EINVAL;
  if (ioctl_(fd_, abi::ioctl_request(nr), buffer.data()) < 0) return errno ? errno : EIO;
  return 0;
}

}  // namespace udm::client::detail

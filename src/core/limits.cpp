#include "core/limits.hpp"

#include <algorithm>
#include <numeric>

namespace udm::core {
namespace {

std::uint32_t lcm_not_zero(std::uint32_t a, std::uint32_t b) {
  if (a == 0 || b == 0) return a ? a : b;
  const std::uint64_t l = std::lcm(std::uint64_t{a}, std::uint64_t{b});
  return l > UINT32_MAX ? std::max(a, b) : static_cast<std::uint32_t>(l);
}

}  // namespace

io::DeviceLimits stack_limits(io::DeviceLimits top, const io::DeviceLimits& bottom) {
  top.logical_block_size = std::max(top.logical_block_size, bottom.logical_block_size);
  top.physical_block_size = std::max(top.physical_block_size, bottom.physical_block_size);
  top.io_min = std::max(top.io_min, bottom.io_min);
  top.io_opt = lcm_not_zero(top.io_opt, bottom.io_opt);
  top.discard_granularity = top.discard_granularity && bottom.discard_granularity
                                ? std::max(top.discard_granularity, bottom.discard_granularity)
                                : 0;
  top.write_zeroes = top.write_zeroes && bottom.write_zeroes;
  return normalize_limits(top);
}

io::DeviceLimits stack_devices(const std::vector<io::BlockDevicePtr>& devices) {
  if (devices.empty()) return normalize_limits({});
  io::DeviceLimits l = normalize_limits(devices.front()->limits());
  for (std::size_t i = 1; i < devices.size(); ++i) l = stack_limits(l, devices[i]->limits());
  return l;
}

io::DeviceLimits normalize_limits(io::DeviceLimits l) {
  l.logical_block_size = std::max<std::uint32_t>(l.logical_block_size, 512);
  l.physical_block_size = std::max(l.physical_block_size, l.logical_block_size);
  l.io_min = std::max(l.io_min, l.physical_block_size);
  return l;
}

}  // namespace udm::core

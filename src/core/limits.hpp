// Device limits through a stack (the kernel's blk_stack_limits and
// dm_calculate_queue_limits): a table takes the largest block sizes of the
// devices under each target, each target adjusts them (io_hints), and the
// table's limits are what its mapped device reports, so a device over a
// 4 KiB-sector disk reports 4096 and so does a device stacked on that one.
#pragma once

#include <vector>

#include "io/block_device.hpp"

namespace udm::core {

// `top` after stacking `bottom` under it: the larger block sizes, io_min and
// discard granularity; io_opt the least common multiple of the non-zero ones.
// Discards and write-zeroes only when both take them (the kernel's
// dm_table_supports_discards: every target, every device under it).
io::DeviceLimits stack_limits(io::DeviceLimits top, const io::DeviceLimits& bottom);

// What a target's devices take together, before its io_hints: the stack of
// their limits; no devices (zero, error): 512-byte blocks, no discards and
// no write-zeroes, as the kernel's targets that set neither.
io::DeviceLimits stack_devices(const std::vector<io::BlockDevicePtr>& devices);

// Makes the fields consistent: physical >= logical, io_min >= physical.
io::DeviceLimits normalize_limits(io::DeviceLimits limits);

}  // namespace udm::core

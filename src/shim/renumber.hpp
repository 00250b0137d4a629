// Device numbers between libdevmapper and udmd when udmd's devices are
// block devices (loop devices, major 7): libdevmapper knows one
// device-mapper major, 7 then (fakes.cpp's /proc/devices). A device without
// a loop yet (no live table) is 252:M at udmd and 7:(SHIM_LOOP_OFFSET + M)
// to the caller; loops keep their own 7:N. In place, in a dm_ioctl buffer.
#pragma once

#include <cstdint>

namespace udm::shim {

// The request's header dev, before it goes to udmd.
void request_dev_to_udmd(char* buffer, std::uint32_t size) noexcept;

// udmd's reply: the header's dev, each dm_name_list entry's (LIST_DEVICES),
// each dm_target_deps entry's (TABLE_DEPS). Every offset and count in the
// reply is checked against `size`, the caller's buffer.
void reply_devs_to_caller(std::uint32_t command, char* buffer, std::uint32_t size) noexcept;

}  // namespace udm::shim

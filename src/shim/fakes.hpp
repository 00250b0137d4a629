// The files the shim fakes: /proc/devices with a device-mapper line, and the
// sysfs read-ahead of udm's block major.
#pragma once

#include <cstdio>

namespace udm::shim {

// "/sys/dev/block/<udm major>:<minor>/bdi/read_ahead_kb"
bool is_udm_read_ahead_path(const char* path) noexcept;
// An fd to read the read-ahead from (or to write it to and have it ignored).
int open_read_ahead(int flags) noexcept;
// /proc/devices with "<major> device-mapper" appended to its block section.
FILE* open_proc_devices() noexcept;

}  // namespace udm::shim

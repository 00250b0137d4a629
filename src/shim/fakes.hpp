// The files the shim fakes: /proc/devices with a device-mapper line, and the
// sysfs read-ahead of udm's block major.
#pragma once

#include <cstdio>
#include <sys/types.h>

namespace udm::shim {

// "/sys/dev/block/<udm major>:<minor>/bdi/read_ahead_kb"
bool is_udm_read_ahead_path(const char* path) noexcept;
// An fd to read the read-ahead from (or to write it to and have it ignored).
int open_read_ahead(int flags) noexcept;
// "/sys/dev/block/<udm major>:<minor>" itself, a symlink whose last part is
// the kernel name "dm-<minor>" (dmsetup's blkdevname).
bool is_udm_sysfs_device_link(const char* path, unsigned* minor) noexcept;
ssize_t read_sysfs_device_link(unsigned minor, char* buf, std::size_t size) noexcept;
// "/sys/dev/block/<udm major>:<minor>/dm/name"; sets *minor.
bool is_udm_dm_name_path(const char* path, unsigned* minor) noexcept;
// The device's name as sysfs shows it ("NAME\n"), asked of udmd (DEV_STATUS
// by device number); -1 with errno ENOENT when there is no such device.
int open_dm_name(unsigned minor, int flags) noexcept;
FILE* fopen_dm_name(unsigned minor) noexcept;
// /proc/devices with "<major> device-mapper" appended to its block section.
FILE* open_proc_devices() noexcept;

}  // namespace udm::shim

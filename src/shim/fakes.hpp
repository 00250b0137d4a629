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

// udmd's devices are kernel block devices (loop devices): "block: on" in
// <rundir>/exports.status, read once per process.
bool block_devices_on() noexcept;
inline constexpr unsigned LOOP_MAJOR = 7;
// Devices without a loop (no live table yet) are shown to libdevmapper as
// 7:(OFFSET + minor), inside the one major it takes for device-mapper's;
// loop minors stay far below.
inline constexpr unsigned SHIM_LOOP_OFFSET = 1u << 19;

}  // namespace udm::shim

// ---- cryptsetup's volume keys (the kernel keyring stand-in for udmd)
//
// LUKS2 puts the volume key in the kernel keyring as a `logon` key
// ("cryptsetup:<uuid>-d<segment>") and loads a crypt table naming it
// (":64:logon:cryptsetup:..."). udmd is a process and cannot read logon keys,
// so the shim remembers the payload of cryptsetup's own add_key calls (in
// locked memory, wiped when the key is revoked or invalidated and at exit)
// and puts the hex key in place of the reference in the table load or
// `key set` message it sends to udmd. Nothing is written anywhere else.
namespace udm::shim {

// After a successful add_key(2): remembers `payload` if this is cryptsetup's logon key.
void remember_logon_key(long serial, const char* type, const char* description, const void* payload,
                        std::size_t size) noexcept;
// After keyctl(KEYCTL_REVOKE / KEYCTL_INVALIDATE, serial).
void forget_logon_key(long serial) noexcept;
// For DM_TABLE_LOAD and DM_TARGET_MSG: a malloc'd copy of the ioctl buffer
// with known logon key references replaced by hex keys, or null when there
// is nothing to replace. The caller wipes and frees it (release_resolved).
void* resolve_logon_keys(unsigned long request, const void* arg) noexcept;
void release_resolved(void* copy) noexcept;

}  // namespace udm::shim

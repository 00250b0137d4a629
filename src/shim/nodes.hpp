// Device nodes under $DM_DEV_DIR/mapper/. libdevmapper makes a block node for
// each device after resume (no udev here). The shim makes the node path a
// symlink to the device's FUSE file, <rundir>/dev/mapper/NAME, so that the
// path reads and writes the device, and records the node's major:minor in
// $DM_DEV_DIR/.udm-devno/NAME (a symlink whose text is "252:3") so that
// stat() can still show libdevmapper the block node it expects.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>

namespace udm::shim {

// Programs that use libdevmapper without setting its device directory
// (libcryptsetup: cryptsetup, veritysetup) make and look for nodes under the
// host's /dev/mapper/. Under udm-run those paths are redirected to
// $DM_DEV_DIR/mapper/, so the host's /dev is never touched: the result is
// `path`, or the redirected path written into `buf`.
const char* redirect_host_node(const char* path, char* buf, std::size_t size) noexcept;

// The control node: "*/mapper/control".
bool is_control_path(const char* path) noexcept;
// A path under $DM_DEV_DIR/mapper/ other than control; sets *name to the part after it.
bool is_node_path(const char* path, const char** name) noexcept;

// mknod of a block node at a node path: the symlink and its record.
int make_node(const char* path, const char* name, dev_t dev) noexcept;
// Fills `st` as stat() of a node we made shows it; false if not ours.
bool stat_node(const char* name, const char* path, struct stat* st) noexcept;
// After unlink/rename of a node path: keep the record and symlink in step.
void node_removed(const char* name) noexcept;
void node_renamed(const char* old_name, const char* new_name, const char* new_path) noexcept;

// What stat() of the control path shows: a char device 10:236, mode 0600.
void fill_control_stat(struct stat* st) noexcept;

}  // namespace udm::shim

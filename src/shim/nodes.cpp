#include "shim/nodes.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/devno.hpp"
#include "shim/config.hpp"
#include "shim/real_calls.hpp"

namespace udm::shim {
namespace {

using stat_fn = int (*)(const char*, struct stat*);

// The shim hooks unlink and rename itself; its own bookkeeping must not.
int real_unlink(const char* path) { return UDM_SHIM_REAL(unlink, int (*)(const char*))(path); }
int real_rename(const char* a, const char* b) { return UDM_SHIM_REAL(rename, int (*)(const char*, const char*))(a, b); }

bool record_path(const char* name, char* out, std::size_t size) {
  const Config& c = config();
  return c.devno_dir[0] && std::snprintf(out, size, "%s/%s", c.devno_dir, name) < static_cast<int>(size);
}

bool fuse_path(const char* name, char* out, std::size_t size) {
  return std::snprintf(out, size, "%s/dev/mapper/%s", config().rundir, name) < static_cast<int>(size);
}

// A devno outside udm's major is the kernel block device udmd made for the
// device (a loop device): the node is a link to its /dev node, named by
// /sys/dev/block/M:m/uevent (DEVNAME=loop3). False: no such block device.
bool block_node_path(dev_t dev, char* out, std::size_t size) {
  if (::major(dev) == UDM_BLOCK_MAJOR) return false;
  char uevent[96];
  std::snprintf(uevent, sizeof uevent, "/sys/dev/block/%u:%u/uevent", ::major(dev), ::minor(dev));
  std::FILE* f = std::fopen(uevent, "re");
  if (!f) return false;
  char line[256];
  bool found = false;
  while (!found && std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "DEVNAME=", 8) != 0) continue;
    line[std::strcspn(line, "\n")] = 0;
    found = line[8] && !std::strstr(line + 8, "..") &&
            std::snprintf(out, size, "/dev/%s", line + 8) < static_cast<int>(size);
  }
  std::fclose(f);
  return found;
}

}  // namespace

const char* redirect_host_node(const char* path, char* buf, std::size_t size) noexcept {
  static constexpr char HOST[] = "/dev/mapper/";
  constexpr std::size_t HOST_LEN = sizeof HOST - 1;
  const Config& c = config();
  if (!path || c.node_prefix_len == 0 || std::strncmp(path, HOST, HOST_LEN) != 0) return path;
  if (std::strcmp(c.node_prefix, HOST) == 0) return path;  // DM_DEV_DIR is /dev itself
  const char* name = path + HOST_LEN;
  if (!*name || std::strchr(name, '/') || std::strcmp(name, "control") == 0) return path;
  if (std::snprintf(buf, size, "%s%s", c.node_prefix, name) >= static_cast<int>(size)) return path;
  // udmd's own /dev/mapper/NAME link to the device's block device (udmd
  // --block-devices) is used as it is when there is no node of ours.
  struct stat st;
  if (UDM_SHIM_REAL(lstat, int (*)(const char*, struct stat*))(buf, &st) != 0 &&
      UDM_SHIM_REAL(lstat, int (*)(const char*, struct stat*))(path, &st) == 0 && S_ISLNK(st.st_mode))
    return path;
  return buf;
}

bool is_control_path(const char* path) noexcept { return ends_with(path, "/mapper/control"); }

bool is_node_path(const char* path, const char** name) noexcept {
  const Config& c = config();
  if (!path || c.node_prefix_len == 0 || std::strncmp(path, c.node_prefix, c.node_prefix_len) != 0) return false;
  const char* rest = path + c.node_prefix_len;
  if (!*rest || std::strchr(rest, '/') || std::strcmp(rest, "control") == 0) return false;
  *name = rest;
  return true;
}

int make_node(const char* path, const char* name, dev_t dev) noexcept {
  char target[1024], record[1024], devno[32];
  if ((!block_node_path(dev, target, sizeof target) && !fuse_path(name, target, sizeof target)) ||
      !record_path(name, record, sizeof record)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  // A dangling link until the device has a live table is fine: the FUSE
  // file appears then, under the same name.
  if (::symlink(target, path) < 0) return -1;
  ::mkdir(config().devno_dir, 0755);
  std::snprintf(devno, sizeof devno, "%u:%u", ::major(dev), ::minor(dev));
  real_unlink(record);
  if (::symlink(devno, record) < 0) {
    int e = errno;
    real_unlink(path);
    errno = e;
    return -1;
  }
  return 0;
}

bool stat_node(const char* name, const char* path, struct stat* st) noexcept {
  char record[1024], devno[32];
  if (!record_path(name, record, sizeof record)) return false;
  ssize_t n = ::readlink(record, devno, sizeof devno - 1);
  if (n <= 0) return false;
  devno[n] = 0;
  unsigned maj = 0, min = 0;
  if (std::sscanf(devno, "%u:%u", &maj, &min) != 2) return false;
  if (UDM_SHIM_REAL(stat, stat_fn)(path, st) < 0 && UDM_SHIM_REAL(lstat, stat_fn)(path, st) < 0) return false;
  st->st_mode = S_IFBLK | 0660;
  st->st_rdev = ::makedev(maj, min);
  return true;
}

void node_removed(const char* name) noexcept {
  char record[1024];
  if (record_path(name, record, sizeof record)) real_unlink(record);
}

void node_renamed(const char* old_name, const char* new_name, const char* new_path) noexcept {
  char old_record[1024], new_record[1024], target[1024];
  if (!record_path(old_name, old_record, sizeof old_record) || !record_path(new_name, new_record, sizeof new_record))
    return;
  if (real_rename(old_record, new_record) < 0) return;  // not one of ours
  // A link to the FUSE file follows the device's new name (a link to its
  // block device stays as it is).
  char old_target[1024];
  ssize_t n = ::readlink(new_path, old_target, sizeof old_target - 1);
  if (n > 0) old_target[n] = 0;
  if (n > 0 && std::strncmp(old_target, "/dev/", 5) == 0) return;
  if (fuse_path(new_name, target, sizeof target)) {
    real_unlink(new_path);
    if (::symlink(target, new_path) < 0) return;
  }
}

void fill_control_stat(struct stat* st) noexcept {
  std::memset(st, 0, sizeof *st);
  st->st_mode = S_IFCHR | 0600;
  st->st_rdev = ::makedev(10, 236);
  st->st_nlink = 1;
  st->st_blksize = 4096;
}

}  // namespace udm::shim

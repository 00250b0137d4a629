// The libc entry points libudm-preload.so replaces. Each one decides quickly
// whether the call is about udm (the control node, a udm device node, the
// faked files) and otherwise passes it, untouched, to the next definition.
// Nothing here throws (the library is built with -fno-exceptions), and every
// hook keeps errno as the real call would.
#include <cerrno>
#include <cstdint>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/dm-ioctl.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/config.hpp"
#include "shim/control_fds.hpp"
#include "shim/fakes.hpp"
#include "shim/nodes.hpp"
#include "shim/real_calls.hpp"

#define UDM_EXPORT extern "C" __attribute__((visibility("default")))

namespace udm::shim {
namespace {

constexpr unsigned DM_IOCTL_TYPE = 0xfd;

using open_fn = int (*)(const char*, int, ...);
using openat_fn = int (*)(int, const char*, int, ...);
using stat_fn = int (*)(const char*, struct stat*);
using fstatat_fn = int (*)(int, const char*, struct stat*, int);
using fopen_fn = FILE* (*)(const char*, const char*);

// Paths under the host's /dev/mapper/ go to $DM_DEV_DIR/mapper/ (nodes.hpp).
#define UDM_REDIRECT(path)                    \
  char path##_buf[4400];                      \
  path = redirect_host_node(path, path##_buf, sizeof path##_buf)

bool needs_mode(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

// -1 with *handled false: not ours, call the real open.
int open_udm_path(const char* path, int flags, bool* handled) {
  *handled = false;
  if (!path) return -1;
  if (is_control_path(path)) {
    *handled = true;
    int fd = connect_control((flags & O_CLOEXEC) != 0);
    if (fd >= 0) set_fd_state(fd, FdState::connected);
    return fd;
  }
  if (is_udm_read_ahead_path(path)) {
    *handled = true;
    return open_read_ahead(flags);
  }
  unsigned minor = 0;
  if (is_udm_dm_name_path(path, &minor) && (flags & O_ACCMODE) == O_RDONLY) {
    *handled = true;
    return open_dm_name(minor, flags);
  }
  return -1;
}

// stat of the control path or of a node we made; false: not ours.
bool stat_udm_path(const char* path, struct stat* st, bool follow) {
  if (!path || !st) return false;
  UDM_REDIRECT(path);
  if (is_control_path(path)) {
    fill_control_stat(st);
    return true;
  }
  const char* name = nullptr;
  return follow && is_node_path(path, &name) && stat_node(name, path, st);
}

bool is_fopen_proc_devices(const char* path, const char* mode) {
  return path && mode && mode[0] == 'r' && std::strchr(mode, '+') == nullptr && std::strcmp(path, "/proc/devices") == 0;
}

int do_open(const char* path, int flags, mode_t mode, const char* real_name) {
  UDM_REDIRECT(path);
  bool handled;
  int fd = open_udm_path(path, flags, &handled);
  if (handled) return fd;
  return next_symbol<open_fn>(real_name)(path, flags, mode);
}

int do_openat(int dirfd, const char* path, int flags, mode_t mode, const char* real_name) {
  UDM_REDIRECT(path);
  bool handled;
  if (path && (path[0] == '/' || dirfd == AT_FDCWD)) {
    int fd = open_udm_path(path, flags, &handled);
    if (handled) return fd;
  }
  return next_symbol<openat_fn>(real_name)(dirfd, path, flags, mode);
}

}  // namespace
}  // namespace udm::shim

using namespace udm::shim;

// ---------------------------------------------------------------- open

#define UDM_MODE_ARG(flags, mode)        \
  mode_t mode = 0;                       \
  if (needs_mode(flags)) {               \
    va_list ap;                          \
    va_start(ap, flags);                 \
    mode = va_arg(ap, mode_t);           \
    va_end(ap);                          \
  }

UDM_EXPORT int open(const char* path, int flags, ...) {
  UDM_MODE_ARG(flags, mode)
  return do_open(path, flags, mode, "open");
}
UDM_EXPORT int open64(const char* path, int flags, ...) {
  UDM_MODE_ARG(flags, mode)
  return do_open(path, flags, mode, "open64");
}
UDM_EXPORT int openat(int dirfd, const char* path, int flags, ...) {
  UDM_MODE_ARG(flags, mode)
  return do_openat(dirfd, path, flags, mode, "openat");
}
UDM_EXPORT int openat64(int dirfd, const char* path, int flags, ...) {
  UDM_MODE_ARG(flags, mode)
  return do_openat(dirfd, path, flags, mode, "openat64");
}
// _FORTIFY_SOURCE builds call these for opens without a mode.
UDM_EXPORT int __open_2(const char* path, int flags) { return do_open(path, flags, 0, "open"); }
UDM_EXPORT int __open64_2(const char* path, int flags) { return do_open(path, flags, 0, "open64"); }
UDM_EXPORT int __openat_2(int dirfd, const char* path, int flags) { return do_openat(dirfd, path, flags, 0, "openat"); }
UDM_EXPORT int __openat64_2(int dirfd, const char* path, int flags) {
  return do_openat(dirfd, path, flags, 0, "openat64");
}

// ---------------------------------------------------------------- ioctl

UDM_EXPORT int ioctl(int fd, unsigned long request, ...) __THROW {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (_IOC_TYPE(request) == DM_IOCTL_TYPE && is_control_fd(fd)) {
    // cryptsetup's keyring references become the keys they name (fakes.hpp).
    if (void* resolved = resolve_logon_keys(request, arg)) {
      auto* mine = static_cast<dm_ioctl*>(arg);
      const std::uint32_t data_size = mine->data_size;
      int r = control_ioctl(fd, request, resolved);
      int saved = errno;
      // The reply's header (never the key-bearing body) goes back to the caller.
      std::memcpy(mine, resolved, sizeof(dm_ioctl));
      mine->data_size = data_size;
      release_resolved(resolved);
      errno = saved;
      return r;
    }
    return control_ioctl(fd, request, arg);
  }
  return UDM_SHIM_REAL(ioctl, int (*)(int, unsigned long, ...))(fd, request, arg);
}

// ---------------------------------------------------------------- fd lifetime

UDM_EXPORT int close(int fd) {
  // Forget first: once closed, the number may be reused by another thread.
  if (is_control_fd(fd)) set_fd_state(fd, FdState::none);
  return UDM_SHIM_REAL(close, int (*)(int))(fd);
}

UDM_EXPORT int dup(int fd) __THROW {
  int r = UDM_SHIM_REAL(dup, int (*)(int))(fd);
  if (r >= 0 && is_control_fd(fd)) fd_copied(fd, r);
  return r;
}

UDM_EXPORT int dup2(int fd, int fd2) __THROW {
  int r = UDM_SHIM_REAL(dup2, int (*)(int, int))(fd, fd2);
  if (r >= 0 && fd != fd2) fd_copied(fd, r);
  return r;
}

UDM_EXPORT int dup3(int fd, int fd2, int flags) __THROW {
  int r = UDM_SHIM_REAL(dup3, int (*)(int, int, int))(fd, fd2, flags);
  if (r >= 0) fd_copied(fd, r);
  return r;
}

UDM_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  // Every fcntl argument is an int or a pointer; a long carries either.
  long arg = va_arg(ap, long);
  va_end(ap);
  int r = UDM_SHIM_REAL(fcntl, int (*)(int, int, ...))(fd, cmd, arg);
  if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && is_control_fd(fd)) fd_copied(fd, r);
  return r;
}
UDM_EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  int r = next_symbol<int (*)(int, int, ...)>("fcntl64")(fd, cmd, arg);
  if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && is_control_fd(fd)) fd_copied(fd, r);
  return r;
}

UDM_EXPORT int close_range(unsigned int first, unsigned int last, int flags) __THROW {
  if (!(flags & CLOSE_RANGE_CLOEXEC)) {
    for (unsigned int fd = first; fd <= last && fd < (1u << 16); ++fd) {
      if (is_control_fd(static_cast<int>(fd))) set_fd_state(static_cast<int>(fd), FdState::none);
      if (fd == last) break;
    }
  }
  return UDM_SHIM_REAL(close_range, int (*)(unsigned int, unsigned int, int))(first, last, flags);
}

// ---------------------------------------------------------------- stat

UDM_EXPORT int stat(const char* path, struct stat* st) __THROW {
  UDM_REDIRECT(path);
  if (stat_udm_path(path, st, true)) return 0;
  return UDM_SHIM_REAL(stat, stat_fn)(path, st);
}
UDM_EXPORT int stat64(const char* path, struct stat64* st) __THROW {
  UDM_REDIRECT(path);
  if (stat_udm_path(path, reinterpret_cast<struct stat*>(st), true)) return 0;
  return next_symbol<int (*)(const char*, struct stat64*)>("stat64")(path, st);
}
UDM_EXPORT int lstat(const char* path, struct stat* st) __THROW {
  UDM_REDIRECT(path);
  if (stat_udm_path(path, st, false)) return 0;
  return UDM_SHIM_REAL(lstat, stat_fn)(path, st);
}
UDM_EXPORT int lstat64(const char* path, struct stat64* st) __THROW {
  UDM_REDIRECT(path);
  if (stat_udm_path(path, reinterpret_cast<struct stat*>(st), false)) return 0;
  return next_symbol<int (*)(const char*, struct stat64*)>("lstat64")(path, st);
}
UDM_EXPORT int fstatat(int dirfd, const char* path, struct stat* st, int flags) __THROW {
  UDM_REDIRECT(path);
  if (path && (path[0] == '/' || dirfd == AT_FDCWD) && stat_udm_path(path, st, !(flags & AT_SYMLINK_NOFOLLOW)))
    return 0;
  return UDM_SHIM_REAL(fstatat, fstatat_fn)(dirfd, path, st, flags);
}
UDM_EXPORT int fstatat64(int dirfd, const char* path, struct stat64* st, int flags) __THROW {
  UDM_REDIRECT(path);
  if (path && (path[0] == '/' || dirfd == AT_FDCWD) &&
      stat_udm_path(path, reinterpret_cast<struct stat*>(st), !(flags & AT_SYMLINK_NOFOLLOW)))
    return 0;
  return next_symbol<int (*)(int, const char*, struct stat64*, int)>("fstatat64")(dirfd, path, st, flags);
}
// Binaries built against glibc < 2.33 call these; the modern calls do the work.
UDM_EXPORT int __xstat(int, const char* path, struct stat* st) { return stat(path, st); }
UDM_EXPORT int __xstat64(int, const char* path, struct stat64* st) { return stat64(path, st); }
UDM_EXPORT int __lxstat(int, const char* path, struct stat* st) { return lstat(path, st); }
UDM_EXPORT int __lxstat64(int, const char* path, struct stat64* st) { return lstat64(path, st); }
UDM_EXPORT int __fxstatat(int, int dirfd, const char* path, struct stat* st, int flags) {
  return fstatat(dirfd, path, st, flags);
}
UDM_EXPORT int __fxstatat64(int, int dirfd, const char* path, struct stat64* st, int flags) {
  return fstatat64(dirfd, path, st, flags);
}

// ---------------------------------------------------------------- /proc/devices

UDM_EXPORT FILE* fopen(const char* path, const char* mode) {
  if (is_fopen_proc_devices(path, mode)) return open_proc_devices();
  if (unsigned minor; mode && mode[0] == 'r' && is_udm_dm_name_path(path, &minor)) return fopen_dm_name(minor);
  return UDM_SHIM_REAL(fopen, fopen_fn)(path, mode);
}
UDM_EXPORT FILE* fopen64(const char* path, const char* mode) {
  if (is_fopen_proc_devices(path, mode)) return open_proc_devices();
  if (unsigned minor; mode && mode[0] == 'r' && is_udm_dm_name_path(path, &minor)) return fopen_dm_name(minor);
  return next_symbol<fopen_fn>("fopen64")(path, mode);
}

// ---------------------------------------------------------------- nodes under DM_DEV_DIR

UDM_EXPORT int mknod(const char* path, mode_t mode, dev_t dev) __THROW {
  UDM_REDIRECT(path);
  const char* name = nullptr;
  if (S_ISBLK(mode) && is_node_path(path, &name)) return make_node(path, name, dev);
  return UDM_SHIM_REAL(mknod, int (*)(const char*, mode_t, dev_t))(path, mode, dev);
}
UDM_EXPORT int mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) __THROW {
  UDM_REDIRECT(path);
  const char* name = nullptr;
  if (S_ISBLK(mode) && path && (path[0] == '/' || dirfd == AT_FDCWD) && is_node_path(path, &name))
    return make_node(path, name, dev);
  return UDM_SHIM_REAL(mknodat, int (*)(int, const char*, mode_t, dev_t))(dirfd, path, mode, dev);
}
UDM_EXPORT int __xmknod(int, const char* path, mode_t mode, dev_t* dev) { return mknod(path, mode, *dev); }

UDM_EXPORT int unlink(const char* path) __THROW {
  UDM_REDIRECT(path);
  int r = UDM_SHIM_REAL(unlink, int (*)(const char*))(path);
  const char* name = nullptr;
  if (r == 0 && is_node_path(path, &name)) node_removed(name);
  return r;
}

UDM_EXPORT int rename(const char* from, const char* to) __THROW {
  UDM_REDIRECT(from);
  UDM_REDIRECT(to);
  int r = UDM_SHIM_REAL(rename, int (*)(const char*, const char*))(from, to);
  const char *old_name = nullptr, *new_name = nullptr;
  if (r == 0 && is_node_path(from, &old_name) && is_node_path(to, &new_name)) node_renamed(old_name, new_name, to);
  return r;
}

// libdevmapper chowns each node it makes; ours are symlinks, so change the
// link, never the FUSE file behind it.
UDM_EXPORT int chown(const char* path, uid_t uid, gid_t gid) __THROW {
  UDM_REDIRECT(path);
  const char* name = nullptr;
  if (is_node_path(path, &name)) return ::lchown(path, uid, gid);
  return UDM_SHIM_REAL(chown, int (*)(const char*, uid_t, gid_t))(path, uid, gid);
}

// ---------------------------------------------------------------- sysfs names

UDM_EXPORT ssize_t readlink(const char* path, char* buf, size_t size) __THROW {
  if (unsigned minor; is_udm_sysfs_device_link(path, &minor)) return read_sysfs_device_link(minor, buf, size);
  return UDM_SHIM_REAL(readlink, ssize_t (*)(const char*, char*, size_t))(path, buf, size);
}
UDM_EXPORT ssize_t readlinkat(int dirfd, const char* path, char* buf, size_t size) __THROW {
  if (unsigned minor; path && path[0] == '/' && is_udm_sysfs_device_link(path, &minor))
    return read_sysfs_device_link(minor, buf, size);
  return UDM_SHIM_REAL(readlinkat, ssize_t (*)(int, const char*, char*, size_t))(dirfd, path, buf, size);
}

// statx (coreutils' stat, newer programs): the same view as stat() gives.
UDM_EXPORT int statx(int dirfd, const char* path, int flags, unsigned int mask, struct statx* out) __THROW {
  UDM_REDIRECT(path);
  auto real_statx = UDM_SHIM_REAL(statx, int (*)(int, const char*, int, unsigned int, struct statx*));
  struct stat st;
  if (out && path && (path[0] == '/' || dirfd == AT_FDCWD) &&
      stat_udm_path(path, &st, !(flags & AT_SYMLINK_NOFOLLOW))) {
    if (is_control_path(path)) {
      std::memset(out, 0, sizeof *out);
      out->stx_mask = STATX_BASIC_STATS;
      out->stx_nlink = 1;
      out->stx_blksize = 4096;
    } else if (real_statx(dirfd, path, flags, mask, out) < 0) {
      return -1;
    }
    out->stx_mode = static_cast<unsigned short>(st.st_mode);
    out->stx_rdev_major = ::major(st.st_rdev);
    out->stx_rdev_minor = ::minor(st.st_rdev);
    return 0;
  }
  return real_statx(dirfd, path, flags, mask, out);
}

// ---------------------------------------------------------------- keyring (cryptsetup)

// libcryptsetup calls add_key/keyctl through syscall(3): remember its logon
// keys so table loads naming them can carry the key to udmd (fakes.hpp).
UDM_EXPORT long syscall(long number, ...) __THROW {
  va_list ap;
  va_start(ap, number);
  long a[6];
  for (long& x : a) x = va_arg(ap, long);
  va_end(ap);
  long r = UDM_SHIM_REAL(syscall, long (*)(long, ...))(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (number == SYS_add_key && r >= 0)
    remember_logon_key(r, reinterpret_cast<const char*>(a[0]), reinterpret_cast<const char*>(a[1]),
                       reinterpret_cast<const void*>(a[2]), static_cast<std::size_t>(a[3]));
  if (number == SYS_keyctl && r >= 0 && (a[0] == KEYCTL_REVOKE || a[0] == KEYCTL_INVALIDATE)) {
    int saved = errno;
    forget_logon_key(a[1]);
    errno = saved;
  }
  return r;
}

#include "shim/fakes.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shim/config.hpp"
#include "shim/control_fds.hpp"
#include "shim/real_calls.hpp"

namespace udm::shim {
namespace {

using open_fn = int (*)(const char*, int, ...);

// A sealed-enough in-memory file holding `text`, positioned at 0.
int memory_file(const char* name, const char* text, std::size_t n, bool cloexec) {
  int fd = ::memfd_create(name, cloexec ? MFD_CLOEXEC : 0);
  if (fd < 0) return -1;
  std::size_t done = 0;
  while (done < n) {
    ssize_t w = ::write(fd, text + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = errno;
      UDM_SHIM_REAL(close, int (*)(int))(fd);
      errno = e;
      return -1;
    }
    done += static_cast<std::size_t>(w);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

// "/sys/dev/block/<udm major>:<minor><suffix>"
bool is_udm_sysfs_path(const char* path, const char* suffix, unsigned* minor_out) {
  static const char prefix[] = "/sys/dev/block/";
  if (!path || std::strncmp(path, prefix, sizeof prefix - 1) != 0) return false;
  const char* p = path + sizeof prefix - 1;
  char* end = nullptr;
  unsigned long major = std::strtoul(p, &end, 10);
  if (end == p || *end != ':' || major != config().major) return false;
  p = end + 1;
  unsigned long minor = std::strtoul(p, &end, 10);
  if (end == p || minor > 0xfffff) return false;
  if (minor_out) *minor_out = static_cast<unsigned>(minor);
  return std::strcmp(end, suffix) == 0;
}

}  // namespace

bool is_udm_read_ahead_path(const char* path) noexcept {
  return is_udm_sysfs_path(path, "/bdi/read_ahead_kb", nullptr);
}

bool is_udm_sysfs_device_link(const char* path, unsigned* minor) noexcept {
  return is_udm_sysfs_path(path, "", minor);
}

ssize_t read_sysfs_device_link(unsigned minor, char* buf, std::size_t size) noexcept {
  char text[64];
  int n = std::snprintf(text, sizeof text, "../../devices/virtual/block/dm-%u", minor);
  std::size_t len = static_cast<std::size_t>(n) < size ? static_cast<std::size_t>(n) : size;
  std::memcpy(buf, text, len);  // readlink(2): no NUL, truncated silently
  return static_cast<ssize_t>(len);
}

bool is_udm_dm_name_path(const char* path, unsigned* minor) noexcept {
  return is_udm_sysfs_path(path, "/dm/name", minor);
}

int open_dm_name(unsigned minor, int flags) noexcept {
  // A DEV_STATUS addressed by device number only, on a connection of our own.
  constexpr std::uint32_t DM_DEV_STATUS_IOCTL = 0xc138fd07;
  alignas(8) char buffer[1024] = {};
  std::uint32_t header[5] = {4, 0, 0, sizeof buffer, 312};  // version, data_size, data_start
  std::memcpy(buffer, header, sizeof header);
  unsigned major = config().major;
  std::uint64_t dev = (minor & 0xffu) | (std::uint64_t{major} << 8) | ((std::uint64_t{minor} & ~0xffull) << 12);
  std::memcpy(buffer + 40, &dev, sizeof dev);
  int fd = connect_control(true);
  if (fd < 0) return -1;
  set_fd_state(fd, FdState::connected);
  int r = control_ioctl(fd, DM_DEV_STATUS_IOCTL, buffer);
  int e = errno;
  set_fd_state(fd, FdState::none);
  UDM_SHIM_REAL(close, int (*)(int))(fd);
  if (r < 0) {
    errno = e == ENXIO ? ENOENT : e;
    return -1;
  }
  char text[140];
  int n = std::snprintf(text, sizeof text, "%.127s\n", buffer + 48);
  return memory_file("udm-dm-name", text, static_cast<std::size_t>(n), (flags & O_CLOEXEC) != 0);
}

FILE* fopen_dm_name(unsigned minor) noexcept {
  int fd = open_dm_name(minor, O_CLOEXEC);
  if (fd < 0) return nullptr;
  FILE* f = ::fdopen(fd, "r");
  if (!f) UDM_SHIM_REAL(close, int (*)(int))(fd);
  return f;
}


int open_read_ahead(int flags) noexcept {
  if ((flags & O_ACCMODE) != O_RDONLY) {
    // Setting read-ahead (dmsetup --readahead): accepted and ignored.
    return UDM_SHIM_REAL(open, open_fn)("/dev/null", O_WRONLY | (flags & O_CLOEXEC));
  }
  char text[32];
  int n = std::snprintf(text, sizeof text, "%u\n", config().read_ahead_kb);
  return memory_file("udm-read_ahead_kb", text, static_cast<std::size_t>(n), (flags & O_CLOEXEC) != 0);
}

FILE* open_proc_devices() noexcept {
  using fopen_fn = FILE* (*)(const char*, const char*);
  FILE* real = UDM_SHIM_REAL(fopen, fopen_fn)("/proc/devices", "r");
  if (!real) return nullptr;
  char* text = nullptr;
  std::size_t size = 0, used = 0;
  char chunk[4096];
  std::size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, real)) > 0) {
    if (used + got + 64 > size) {
      size = (used + got + 64) * 2;
      char* grown = static_cast<char*>(std::realloc(text, size));
      if (!grown) {
        std::free(text);
        std::fclose(real);
        errno = ENOMEM;
        return nullptr;
      }
      text = grown;
    }
    std::memcpy(text + used, chunk, got);
    used += got;
  }
  std::fclose(real);
  char line[64];
  int n = std::snprintf(line, sizeof line, "%3u device-mapper\n", config().major);
  if (!text || used + static_cast<std::size_t>(n) > size) {
    char* grown = static_cast<char*>(std::realloc(text, used + static_cast<std::size_t>(n) + 1));
    if (!grown) {
      std::free(text);
      errno = ENOMEM;
      return nullptr;
    }
    text = grown;
  }
  // The block section is the last one in /proc/devices.
  if (used > 0 && text[used - 1] != '\n') text[used++] = '\n';
  std::memcpy(text + used, line, static_cast<std::size_t>(n));
  used += static_cast<std::size_t>(n);
  int fd = memory_file("udm-proc-devices", text, used, true);
  std::free(text);
  if (fd < 0) return nullptr;
  FILE* f = ::fdopen(fd, "r");
  if (!f) UDM_SHIM_REAL(close, int (*)(int))(fd);
  return f;
}

}  // namespace udm::shim

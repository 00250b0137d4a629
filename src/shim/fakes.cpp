#include "shim/fakes.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shim/config.hpp"
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

}  // namespace

bool is_udm_read_ahead_path(const char* path) noexcept {
  static const char prefix[] = "/sys/dev/block/";
  if (!path || std::strncmp(path, prefix, sizeof prefix - 1) != 0) return false;
  const char* p = path + sizeof prefix - 1;
  char* end = nullptr;
  unsigned long major = std::strtoul(p, &end, 10);
  if (end == p || *end != ':' || major != config().major) return false;
  p = end + 1;
  std::strtoul(p, &end, 10);
  if (end == p) return false;
  return std::strcmp(end, "/bdi/read_ahead_kb") == 0;
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

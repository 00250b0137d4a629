#include "shim/fakes.hpp"

#include <algorithm>
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

namespace {

bool read_block_devices_on() noexcept {
  using fopen_fn = FILE* (*)(const char*, const char*);
  char path[1100];
  if (std::snprintf(path, sizeof path, "%s/exports.status", config().rundir) >= static_cast<int>(sizeof path)) return false;
  FILE* f = UDM_SHIM_REAL(fopen, fopen_fn)(path, "re");
  if (!f) return false;
  char line[256];
  bool on = false;
  while (!on && std::fgets(line, sizeof line, f)) on = std::strncmp(line, "block: on", 9) == 0;
  std::fclose(f);
  return on;
}

}  // namespace

bool block_devices_on() noexcept {
  // Once per process: a process sees one numbering throughout.
  static const bool on = read_block_devices_on();
  return on;
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
  // With udmd's block devices on, a device's devno is its loop device's
  // (major 7): libdevmapper (one dm major on any recent kernel) must take
  // that major for device-mapper's, or its dependency trees (lvm2's
  // activation) see no dm device there. control_ioctl numbers devices
  // without a loop yet inside that major (SHIM_LOOP_OFFSET).
  int n = std::snprintf(line, sizeof line, "%3u device-mapper\n", block_devices_on() ? LOOP_MAJOR : config().major);
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

// ---------------------------------------------------------------- cryptsetup's logon keys

#include <linux/dm-ioctl.h>
#include <linux/ioctl.h>
#include <pthread.h>

namespace udm::shim {
namespace {

struct LogonKey {
  long serial;
  std::size_t size;  // 0: free slot
  char description[200];
  unsigned char key[128];
};
constexpr int MAX_KEYS = 16;
LogonKey g_keys[MAX_KEYS];
pthread_mutex_t g_keys_lock = PTHREAD_MUTEX_INITIALIZER;
bool g_keys_locked_in_ram = false;

void wipe_all_keys() {
  pthread_mutex_lock(&g_keys_lock);
  ::explicit_bzero(g_keys, sizeof g_keys);
  pthread_mutex_unlock(&g_keys_lock);
}

__attribute__((destructor)) void wipe_keys_at_exit() { wipe_all_keys(); }

// The hex key for ":<size>:logon:<description>" into `out` (2*size+1 bytes); false if unknown.
bool lookup_reference(const char* word, std::size_t len, char* out, std::size_t out_size) {
  static constexpr char digits[] = "0123456789abcdef";
  if (len < 4 || word[0] != ':') return false;
  std::size_t size = 0, i = 1;
  for (; i < len && word[i] >= '0' && word[i] <= '9'; ++i) size = size * 10 + static_cast<std::size_t>(word[i] - '0');
  if (i >= len || word[i] != ':' || std::strncmp(word + i + 1, "logon:", 6) != 0) return false;
  const char* desc = word + i + 7;
  std::size_t desc_len = len - (i + 7);
  bool found = false;
  pthread_mutex_lock(&g_keys_lock);
  for (auto& k : g_keys) {
    if (!k.size || k.size != size || std::strlen(k.description) != desc_len ||
        std::memcmp(k.description, desc, desc_len) != 0 || out_size < 2 * size + 1)
      continue;
    for (std::size_t b = 0; b < size; ++b) {
      out[2 * b] = digits[k.key[b] >> 4];
      out[2 * b + 1] = digits[k.key[b] & 15];
    }
    out[2 * size] = 0;
    found = true;
    break;
  }
  pthread_mutex_unlock(&g_keys_lock);
  return found;
}

// Copies `params` to `out` with word number `which` (0-based) replaced by
// its hex key when it is a known reference. Returns bytes written (with the
// NUL), 0 when nothing was replaced.
std::size_t substitute_word(const char* params, unsigned which, char* out, std::size_t out_size) {
  const char* p = params;
  unsigned word = 0;
  while (*p) {
    while (*p == ' ' || *p == '\t') ++p;
    const char* start = p;
    while (*p && *p != ' ' && *p != '\t') ++p;
    if (start == p) break;
    if (word++ != which) continue;
    char hex[2 * sizeof(LogonKey::key) + 1];
    if (!lookup_reference(start, static_cast<std::size_t>(p - start), hex, sizeof hex)) return 0;
    std::size_t head = static_cast<std::size_t>(start - params), hex_len = std::strlen(hex), tail = std::strlen(p);
    if (head + hex_len + tail + 1 > out_size) return 0;
    std::memcpy(out, params, head);
    std::memcpy(out + head, hex, hex_len);
    std::memcpy(out + head + hex_len, p, tail + 1);
    ::explicit_bzero(hex, sizeof hex);
    return head + hex_len + tail + 1;
  }
  return 0;
}

constexpr std::size_t EXTRA = 512;  // room for the hex keys that replace references

}  // namespace

void remember_logon_key(long serial, const char* type, const char* description, const void* payload,
                        std::size_t size) noexcept {
  if (!type || !description || !payload || std::strcmp(type, "logon") != 0 ||
      std::strncmp(description, "cryptsetup:", 11) != 0 || size == 0 || size > sizeof(LogonKey::key) ||
      std::strlen(description) >= sizeof(LogonKey::description))
    return;
  int saved = errno;
  pthread_mutex_lock(&g_keys_lock);
  if (!g_keys_locked_in_ram) g_keys_locked_in_ram = ::mlock(g_keys, sizeof g_keys) == 0;  // never swapped out
  LogonKey* slot = nullptr;
  for (auto& k : g_keys)
    if (k.size && k.serial == serial) slot = &k;
  for (auto& k : g_keys)
    if (!slot && !k.size) slot = &k;
  if (slot) {
    slot->serial = serial;
    slot->size = size;
    std::strcpy(slot->description, description);
    std::memcpy(slot->key, payload, size);
  }
  pthread_mutex_unlock(&g_keys_lock);
  errno = saved;
}

void forget_logon_key(long serial) noexcept {
  pthread_mutex_lock(&g_keys_lock);
  for (auto& k : g_keys)
    if (k.size && k.serial == serial) ::explicit_bzero(&k, sizeof k);
  pthread_mutex_unlock(&g_keys_lock);
}

void* resolve_logon_keys(unsigned long request, const void* arg) noexcept {
  const unsigned nr = _IOC_NR(request);
  if ((nr != DM_TABLE_LOAD_CMD && nr != DM_TARGET_MSG_CMD) || !arg) return nullptr;
  const auto* in = static_cast<const dm_ioctl*>(arg);
  if (in->data_size < sizeof(dm_ioctl) || in->data_start < sizeof(dm_ioctl) || in->data_start > in->data_size ||
      in->data_size > (64u << 20))
    return nullptr;
  const std::size_t cap = in->data_size + EXTRA * (in->target_count + 1);
  auto* out = static_cast<char*>(std::calloc(1, cap));
  if (!out) return nullptr;
  std::memcpy(out, arg, in->data_start);
  const char* src = static_cast<const char*>(arg);
  const char* end = src + in->data_size;
  std::size_t pos = in->data_start;
  bool changed = false;

  if (nr == DM_TARGET_MSG_CMD) {
    // dm_target_msg: u64 sector, then the message text.
    const std::size_t msg_at = in->data_start + sizeof(dm_target_msg);
    if (msg_at >= in->data_size || !std::memchr(src + msg_at, 0, in->data_size - msg_at)) return std::free(out), nullptr;
    const char* msg = src + msg_at;
    std::memcpy(out + in->data_start, src + in->data_start, sizeof(dm_target_msg));
    if (std::strncmp(msg, "key set ", 8) == 0) {
      std::size_t n = substitute_word(msg, 2, out + msg_at, cap - msg_at);
      if (n) {
        changed = true;
        pos = msg_at + n;
      }
    }
  } else {
    const char* spec_at = src + in->data_start;
    for (std::uint32_t t = 0; t < in->target_count; ++t) {
      if (spec_at + sizeof(dm_target_spec) > end) return std::free(out), nullptr;
      dm_target_spec spec;
      std::memcpy(&spec, spec_at, sizeof spec);
      const char* params = spec_at + sizeof spec;
      if (!std::memchr(params, 0, static_cast<std::size_t>(end - params))) return std::free(out), nullptr;
      char* dst_spec = out + pos;
      char* dst_params = dst_spec + sizeof spec;
      std::size_t room = cap - pos - sizeof spec;
      std::size_t n = 0;
      if (std::strncmp(spec.target_type, "crypt", sizeof spec.target_type) == 0)
        n = substitute_word(params, 1, dst_params, room);
      if (n) {
        changed = true;
      } else {
        n = std::strlen(params) + 1;
        if (n > room) return std::free(out), nullptr;
        std::memcpy(dst_params, params, n);
      }
      std::size_t block = (sizeof spec + n + 7) & ~std::size_t{7};
      spec.next = static_cast<std::uint32_t>(block);
      std::memcpy(dst_spec, &spec, sizeof spec);
      pos += block;
      if (spec_at + sizeof(dm_target_spec) > end) break;
      // `next` of a request counts from this spec to the following one.
      const dm_target_spec* cur = reinterpret_cast<const dm_target_spec*>(spec_at);
      std::uint32_t next;
      std::memcpy(&next, &cur->next, sizeof next);
      if (t + 1 < in->target_count && (next < sizeof spec || next > static_cast<std::size_t>(end - spec_at)))
        return std::free(out), nullptr;
      spec_at += next;
    }
  }
  if (!changed) {
    ::explicit_bzero(out, cap);
    std::free(out);
    return nullptr;
  }
  auto* hdr = reinterpret_cast<dm_ioctl*>(out);
  hdr->data_size = static_cast<std::uint32_t>(cap);  // the rest is zeros
  hdr->flags |= DM_SECURE_DATA_FLAG;
  return out;
}

void release_resolved(void* copy) noexcept {
  if (!copy) return;
  ::explicit_bzero(copy, reinterpret_cast<dm_ioctl*>(copy)->data_size);
  std::free(copy);
}

}  // namespace udm::shim

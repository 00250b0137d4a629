// lvmlock full: lvcreate extends it as lvm2's lvcreate does (handle_sanlock_lv
// in lvm2 2.03.16): by global/sanlock_lv_extend MiB, the new space zeroed so
// that sanlock finds no stale lease there; the new LV's lease goes into its
// first slot.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "lvm/api/shared_vg.hpp"
#include "lvm/api/shared_vg_internal.hpp"
#include "lvm/locking/sanlock_lock_lv.hpp"

namespace udm::lvm::api::detail {
namespace sl = locking::sanlock;
namespace {

std::string mib_or_gib(std::uint64_t bytes) {
  if (bytes >= (1ULL << 30)) return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1ULL << 30));
  return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1ULL << 20));
}

unsigned extend_mb(const Cmd& c) {
  const ConfigNode* n = c.config().find("global/sanlock_lv_extend");
  if (!n || n->is_section || !n->value.is_int()) return sl::DEFAULT_LV_EXTEND_MB;
  if (n->value.integer <= 0) return 0;
  return static_cast<unsigned>(std::min<std::int64_t>(n->value.integer, 1 << 20));
}

// Zeroes `len` bytes at `offset` of `path` (O_DIRECT where the file takes
// it: sanlock reads the leases with O_DIRECT).
Result<void> zero_range(const std::string& path, std::uint64_t offset, std::uint64_t len) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC | O_DIRECT);
  if (fd < 0 && errno == EINVAL) fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  constexpr std::size_t CHUNK = 1 << 20;
  void* buf = nullptr;
  if (posix_memalign(&buf, 4096, CHUNK) != 0) {
    close(fd);
    return fail(ENOMEM, "out of memory");
  }
  std::unique_ptr<void, decltype(&std::free)> hold(buf, &std::free);
  std::memset(buf, 0, CHUNK);
  for (std::uint64_t done = 0; done < len;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(CHUNK, len - done));
    ssize_t w = pwrite(fd, buf, n, static_cast<off_t>(offset + done));
    if (w <= 0) {
      const int e = w < 0 ? errno : EIO;
      close(fd);
      return fail(e, fmt::format("cannot zero {} at {}: {}", path, offset + done, std::strerror(e)));
    }
    done += static_cast<std::uint64_t>(w);
  }
  const int synced = fdatasync(fd);
  close(fd);
  if (synced != 0) return fail(errno, fmt::format("cannot sync {}", path));
  return {};
}

}  // namespace

Outcome<void> extend_lock_lv(Cmd& c, VolumeGroup& vg, sl::LeaseArea& a, const std::string& lv_name) {
  const unsigned mb = extend_mb(c);
  // sanlock_lv_extend = 0: lvm2 leaves lvmlock alone and the lease has no room.
  if (mb == 0) return failed(fmt::format("No sanlock space for lock for LV {}/{}", vg.name, lv_name));
  const std::string no_space = "No space for sanlock lock, extend the internal lvmlock LV.";
  const std::uint64_t old_bytes = a.size;
  const extent_t add = sl::lock_lv_extend_extents(vg.extent_bytes(), mb);
  if (auto r = alloc::extend_lv(vg, sl::LOCK_LV_NAME, {.extents = add, .lv_name = std::string(sl::LOCK_LV_NAME)}); !r) {
    c.warn(r.error().message);
    c.warn(fmt::format("Extend sanlock LV {}/{} to size {} failed.", vg.name, sl::LOCK_LV_NAME,
                       mib_or_gib(old_bytes + add * vg.extent_bytes())));
    return failed(no_space);
  }
  alloc::merge_segments(*vg.find_lv(sl::LOCK_LV_NAME));
  const std::uint64_t new_bytes = old_bytes + add * vg.extent_bytes();
  c.say(fmt::format("Zeroing {} MiB on extended internal lvmlock LV...", mb));
  auto first = sl::lock_lv_place(vg, 0);
  if (!first) return failed(first.error().message);
  const auto paths = c.pv_paths(vg.name);
  for (std::uint64_t off = old_bytes; off < new_bytes;) {
    auto at = sl::lock_lv_place(vg, off);
    if (!at) return failed(at.error().message);
    std::string path;
    std::uint64_t dev_off = at->pv_offset;
    if (at->pv_name == first->pv_name && at->pv_offset >= first->pv_offset) {
      path = a.path;  // the device the leases are reached by
      dev_off = a.offset + (at->pv_offset - first->pv_offset);
    } else if (auto p = paths.find(at->pv_name); p != paths.end()) {
      path = p->second;
    } else {
      return failed(fmt::format("Extend sanlock LV {}/{} cannot find device.", vg.name, sl::LOCK_LV_NAME));
    }
    const std::uint64_t len = std::min(at->run, new_bytes - off);
    if (auto r = zero_range(path, dev_off, len); !r) {
      c.warn(fmt::format("Extend sanlock LV {}/{} cannot zero device at {}.", vg.name, sl::LOCK_LV_NAME, off));
      return failed(r.error().message);
    }
    off += len;
  }
  a.size = new_bytes;
  return {};
}

Outcome<void> shared_lvcreate_prepare(Cmd& c, VolumeGroup& vg, const std::string& name) {
  if (!sl::is_sanlock_vg(vg) || c.test_mode()) return {};
  auto a = area_of(c, vg);
  if (!a) return std::unexpected(a.error());
  auto off = sl::free_lv_offset(vg, a->size);
  if (off || off.error().code != ENOSPC) return {};
  return extend_lock_lv(c, vg, *a, name);
}

}  // namespace udm::lvm::api::detail

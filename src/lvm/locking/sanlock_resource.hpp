// A sanlock resource (one lease on one disk) as libsanlock takes it, filled
// from a Lease; shared by the sanlock client and the VG admin calls.
#pragma once

// libsanlock's headers have no extern "C" of their own.
extern "C" {
#include <sanlock.h>
#include <sanlock_resource.h>
}

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "lvm/locking/sanlock_client.hpp"

namespace udm::lvm::locking::sanlock {

// Copies `s` into a fixed sanlock name field (sanlock needs no terminating
// zero there); longer names are cut, as lvmlockd cuts them.
template <std::size_t N>
void put(char (&dst)[N], std::string_view s) {
  std::memset(dst, 0, N);
  std::memcpy(dst, s.data(), std::min(s.size(), N));
}

struct ResourceBuf {
  // sanlk_resource is followed by its disks.
  alignas(sanlk_resource) unsigned char bytes[sizeof(sanlk_resource) + sizeof(sanlk_disk)]{};
  sanlk_resource* res() { return reinterpret_cast<sanlk_resource*>(bytes); }
  // The first disk, addressed in `bytes` (the struct declares disks[0]).
  sanlk_disk* disk() { return reinterpret_cast<sanlk_disk*>(bytes + offsetof(sanlk_resource, disks)); }
};

// `l` under the name `name` (lvmlockd's 512-byte sectors, 1 MiB alignment).
inline void fill(ResourceBuf& b, const Lease& l, std::string_view name, bool shared = false) {
  sanlk_resource* r = b.res();
  put(r->lockspace_name, l.lockspace);
  put(r->name, name);
  r->flags = SANLK_RES_ALIGN1M | SANLK_RES_SECTOR512 | (shared ? SANLK_RES_SHARED : 0);
  r->num_disks = 1;
  std::strncpy(b.disk()->path, l.path.c_str(), SANLK_PATH_LEN - 1);
  b.disk()->offset = l.offset;
}

}  // namespace udm::lvm::locking::sanlock

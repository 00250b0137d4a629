#include "lvm/locking/sanlock_vg_admin.hpp"

// libsanlock's headers have no extern "C" of their own.
extern "C" {
#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_resource.h>
}

#include <cstdlib>
#include <cstring>
#include <string>
#include <fmt/format.h>

#include "lvm/locking/sanlock_resource.hpp"

namespace udm::lvm::locking::sanlock {

Result<std::vector<std::uint64_t>> live_hosts(std::string_view lockspace, std::uint64_t self) {
  const std::string name(lockspace.substr(0, SANLK_NAME_LEN));
  sanlk_host* hosts = nullptr;
  int count = 0;
  int rv = sanlock_get_hosts(name.c_str(), 0, &hosts, &count, 0);
  if (rv < 0) {
    std::free(hosts);
    return fail(EIO, fmt::format("Reading the hosts of sanlock lockspace {} failed: error {}", lockspace, rv));
  }
  std::vector<std::uint64_t> out;
  // lvmlockd counts LIVE hosts only; a host renewing while this one has
  // not watched it long enough is UNKNOWN yet, and is counted too.
  for (int i = 0; hosts && i < count; ++i) {
    const std::uint32_t state = hosts[i].flags & SANLK_HOST_MASK;
    if (hosts[i].host_id != self &&
        (state == SANLK_HOST_LIVE || (state == SANLK_HOST_UNKNOWN && hosts[i].timestamp != 0)))
      out.push_back(hosts[i].host_id);
  }
  std::free(hosts);
  return out;
}

Result<void> release_rename(int sock, const Lease& lease, std::string_view new_name) {
  ResourceBuf from, to;
  fill(from, lease, lease.name);
  fill(to, lease, new_name);
  sanlk_resource* list[2] = {from.res(), to.res()};
  int rv = sanlock_release(sock, -1, SANLK_REL_RENAME, 2, list);
  if (rv < 0)
    return fail(EIO, fmt::format("Releasing the sanlock lease {}:{} as {} failed: error {}", lease.lockspace,
                                 lease.name, new_name, rv));
  return {};
}

}  // namespace udm::lvm::locking::sanlock

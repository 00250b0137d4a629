#include "lvm/locking/sanlock_client.hpp"

// libsanlock's headers have no extern "C" of their own.
extern "C" {
#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_resource.h>
#include <sanlock_rv.h>
}
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <fmt/format.h>

#include "lvm/locking/sanlock_resource.hpp"

namespace udm::lvm::locking::sanlock {
namespace {

std::string san_error(int rv) {
  if (rv < 0 && rv > -200) return std::strerror(-rv);
  return fmt::format("sanlock error {}", rv);
}

sanlk_lockspace make_lockspace(std::string_view name, std::uint64_t host_id, const std::string& path,
                               std::uint64_t offset) {
  sanlk_lockspace ls{};
  put(ls.name, name);
  ls.host_id = host_id;
  ls.flags = SANLK_LSF_ALIGN1M | SANLK_LSF_SECTOR512;
  std::strncpy(ls.host_id_disk.path, path.c_str(), SANLK_PATH_LEN - 1);
  ls.host_id_disk.offset = offset;
  return ls;
}

// Not the holder's: an orphan a dead holder left (persistent leases). This
// process adopts it on a registration of its own and releases it there.
int release_orphan(ResourceBuf& b) {
  const int sock = sanlock_register();
  if (sock < 0) return sock;
  sanlk_resource* list[1] = {b.res()};
  b.res()->flags |= SANLK_RES_PERSISTENT;
  int rv = sanlock_acquire(sock, -1, SANLK_ACQUIRE_ORPHAN_ONLY, 1, list, nullptr);
  if (rv == -EUCLEAN) {  // orphaned in the other mode
    b.res()->flags ^= SANLK_RES_SHARED;
    rv = sanlock_acquire(sock, -1, SANLK_ACQUIRE_ORPHAN_ONLY, 1, list, nullptr);
  }
  if (rv == 0) rv = sanlock_release(sock, -1, 0, 1, list);
  close(sock);
  return rv;
}

}  // namespace

Result<void> write_lockspace(std::string_view lockspace, const std::string& path, std::uint64_t offset,
                             unsigned io_timeout) {
  sanlk_lockspace ls = make_lockspace(lockspace, 0, path, offset);
  int rv = sanlock_write_lockspace(&ls, 0, 0, io_timeout);
  if (rv < 0) return fail(EIO, fmt::format("Writing the sanlock lockspace {} on {} failed: {}", lockspace, path, san_error(rv)));
  return {};
}

Result<void> write_resource(const Lease& lease) {
  ResourceBuf b;
  fill(b, lease, lease.name);
  int rv = sanlock_write_resource(b.res(), 0, 0, 0);
  if (rv < 0)
    return fail(EIO, fmt::format("Writing the sanlock lease {}:{} on {} failed: {}", lease.lockspace, lease.name,
                                 lease.path, san_error(rv)));
  return {};
}

Result<void> add_lockspace(std::string_view lockspace, std::uint64_t host_id, const std::string& path,
                           std::uint64_t offset, unsigned io_timeout) {
  sanlk_lockspace ls = make_lockspace(lockspace, host_id, path, offset);
  int rv = sanlock_add_lockspace_timeout(&ls, 0, io_timeout);
  if (rv == -EEXIST) return {};
  if (rv == SANLK_HOSTID_BUSY)
    return fail(EBUSY, fmt::format("host_id {} is in use by another host in lockspace {}", host_id, lockspace));
  if (rv < 0) return fail(rv == -EINPROGRESS ? EINPROGRESS : EIO, san_error(rv));
  return {};
}

Result<void> rem_lockspace(std::string_view lockspace, std::uint64_t host_id, const std::string& path,
                           std::uint64_t offset) {
  sanlk_lockspace ls = make_lockspace(lockspace, host_id, path, offset);
  int rv = sanlock_rem_lockspace(&ls, 0);
  if (rv == -ENOENT) return {};
  if (rv < 0) return fail(EIO, san_error(rv));
  return {};
}

bool lockspace_joined(std::string_view lockspace, std::uint64_t host_id, const std::string& path,
                      std::uint64_t offset) {
  sanlk_lockspace ls = make_lockspace(lockspace, host_id, path, offset);
  return sanlock_inq_lockspace(&ls, 0) == 0;
}

Result<int> register_client() {
  int sock = sanlock_register();
  if (sock < 0) return fail(ECONNREFUSED, fmt::format("Cannot reach the sanlock daemon: {}", san_error(sock)));
  // A child (udmd started by the command) must not keep the registration,
  // and with it the command's leases, alive.
  fcntl(sock, F_SETFD, FD_CLOEXEC);
  return sock;
}

Result<void> set_killpath(int sock, const std::string& path, const std::string& args) {
  if (path.size() >= SANLK_HELPER_PATH_LEN || args.size() >= SANLK_HELPER_ARGS_LEN)
    return fail(ENAMETOOLONG, fmt::format("sanlock killpath {} is longer than {} bytes", path, SANLK_HELPER_PATH_LEN - 1));
  std::string a = args;  // libsanlock takes a writable string
  int rv = sanlock_killpath(sock, SANLK_KILLPATH_PID, path.c_str(), a.data());
  if (rv < 0) return fail(EIO, fmt::format("Setting the sanlock killpath failed: {}", san_error(rv)));
  return {};
}

std::vector<std::uint64_t> owners(const Lease& lease) {
  ResourceBuf b;
  fill(b, lease, lease.name);
  sanlk_host* hosts = nullptr;
  int count = 0;
  std::vector<std::uint64_t> out;
  if (sanlock_read_resource_owners(b.res(), 0, &hosts, &count) == 0 && hosts) {
    for (int i = 0; i < count; ++i) out.push_back(hosts[i].host_id);
  }
  std::free(hosts);
  return out;
}

Result<void> acquire(int sock, int pid, const Lease& lease, bool shared, bool nowait) {
  ResourceBuf b;
  fill(b, lease, lease.name, shared);
  sanlk_resource* list[1] = {b.res()};
  std::uint32_t flags = nowait ? SANLK_ACQUIRE_OWNER_NOWAIT : 0;
  if (sock < 0 && pid > 0) {
    // The holder's LV leases are persistent, as lvmlockd's: if udm-lockd
    // dies, sanlock keeps them for this host as orphans (the LVs are still
    // active here) instead of freeing them for another host; a new holder
    // adopts an orphan when the LV is activated again.
    b.res()->flags |= SANLK_RES_PERSISTENT;
    flags |= SANLK_ACQUIRE_ORPHAN;
  }
  int rv = sanlock_acquire(sock, pid, flags, 1, list, nullptr);
  if (rv == 0 || rv == -EEXIST) return {};
  if (rv == -ENOSPC || rv == SANLK_ACQUIRE_LOCKSPACE)
    return fail(NO_LOCKSPACE, fmt::format("lockspace {} is not started", lease.lockspace));
  if (rv == -EAGAIN || rv == SANLK_ACQUIRE_IDLIVE || rv == SANLK_ACQUIRE_OWNED || rv == SANLK_ACQUIRE_OTHER ||
      rv == SANLK_ACQUIRE_SHRETRY || rv == SANLK_ACQUIRE_OWNED_RETRY) {
    std::string who;
    for (auto id : owners(lease)) who += fmt::format("{}{}", who.empty() ? "" : ", ", id);
    return fail(HELD_ELSEWHERE, who.empty() ? "held by another host" : "held by host_id " + who);
  }
  return fail(EIO, san_error(rv));
}

Result<void> release(int sock, int pid, const Lease& lease) {
  ResourceBuf b;
  fill(b, lease, lease.name);
  sanlk_resource* list[1] = {b.res()};
  int rv = pid > 0 || sock >= 0 ? sanlock_release(sock, pid, 0, 1, list) : -ENOENT;
  if (rv == -ENOENT && sock < 0) rv = release_orphan(b);
  if (rv < 0 && rv != -ENOENT) return fail(EIO, san_error(rv));
  return {};
}

Result<void> release_all(int sock) {
  int rv = sanlock_release(sock, -1, SANLK_REL_ALL, 0, nullptr);
  if (rv < 0 && rv != -ENOENT) return fail(EIO, san_error(rv));
  return {};
}

Result<std::vector<HeldLease>> held_by(int sock, int pid) {
  int count = 0;
  char* state = nullptr;
  int rv = sanlock_inquire(sock, pid, 0, &count, &state);
  if (rv < 0) {
    std::free(state);
    if (rv == -ESRCH || rv == -ENOENT) return std::vector<HeldLease>{};
    return fail(EIO, san_error(rv));
  }
  std::vector<HeldLease> out;
  sanlk_resource** res = nullptr;
  int n = 0;
  // libsanlock parses its own state string.
  if (state && sanlock_state_to_args(state, &n, &res) == 0) {
    for (int i = 0; i < n; ++i) {
      HeldLease h;
      h.lockspace.assign(res[i]->lockspace_name, strnlen(res[i]->lockspace_name, SANLK_NAME_LEN));
      h.name.assign(res[i]->name, strnlen(res[i]->name, SANLK_NAME_LEN));
      h.shared = (res[i]->flags & SANLK_RES_SHARED) != 0;
      out.push_back(std::move(h));
      std::free(res[i]);
    }
    std::free(res);
  }
  std::free(state);
  return out;
}

}  // namespace udm::lvm::locking::sanlock

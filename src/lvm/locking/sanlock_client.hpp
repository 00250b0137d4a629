// The sanlock calls a shared VG needs, over libsanlock (the sanlock daemon of
// this host does the disk I/O): formatting the lockspace and leases in
// lvmlock, joining and leaving the lockspace with this host's id, and taking
// and releasing leases for a process (the command itself for the VG and
// global locks, the lease holder, udm-lockd, for LV locks).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace udm::lvm::locking::sanlock {

struct Lease {
  std::string lockspace;  // "lvm_vg0"
  std::string name;       // "VGLK", an LV uuid, ...
  std::string path;       // the device holding lvmlock
  std::uint64_t offset = 0;  // bytes on `path`
};

// Error codes besides errnos: the lease is held by another host (the message
// names it), the lockspace is not joined here.
inline constexpr int HELD_ELSEWHERE = EAGAIN;
inline constexpr int NO_LOCKSPACE = ENOSPC;

// Formatting (lvmlockd's vgcreate --shared): the lockspace's delta leases at
// `offset` and one paxos lease per call.
Result<void> write_lockspace(std::string_view lockspace, const std::string& path, std::uint64_t offset,
                             unsigned io_timeout);
Result<void> write_resource(const Lease& lease);

// Joining blocks until this host holds its delta lease (a few io_timeouts).
Result<void> add_lockspace(std::string_view lockspace, std::uint64_t host_id, const std::string& path,
                           std::uint64_t offset, unsigned io_timeout);
Result<void> rem_lockspace(std::string_view lockspace, std::uint64_t host_id, const std::string& path,
                           std::uint64_t offset);
// Whether this host's sanlock holds the lockspace (joined and not leaving).
bool lockspace_joined(std::string_view lockspace, std::uint64_t host_id, const std::string& path,
                      std::uint64_t offset);

// Registers this process as a sanlock client: leases it takes are released
// when it exits. The descriptor is the registration.
Result<int> register_client();

// sanlock's kill path for the client `sock`: when its leases must go (the
// host cannot renew its lease, or the lockspace is removed), sanlock runs
// `path args <pid>` instead of killing the process, repeatedly until the
// leases are released (then SIGKILL after its timeout). Set before acquiring.
Result<void> set_killpath(int sock, const std::string& path, const std::string& args);

// Takes `lease` for the client `sock` (or, with sock -1, for the registered
// process `pid`). HELD_ELSEWHERE names the owning host ids in the message
// ("host_id 1"); NO_LOCKSPACE when the lockspace is not joined. sanlock
// waits for an owner that stopped renewing to be dead (minutes) before it
// takes the lease; `nowait` refuses at once instead (HELD_ELSEWHERE).
// Leases taken for `pid` (the holder) are persistent: orphaned, not freed,
// when it dies; taking one adopts this host's orphan. Releasing with sock -1
// releases the orphan when `pid` (or no holder: 0) does not hold the lease.
Result<void> acquire(int sock, int pid, const Lease& lease, bool shared, bool nowait = false);
Result<void> release(int sock, int pid, const Lease& lease);
// Every lease of the client `sock`.
Result<void> release_all(int sock);

// The host ids that hold `lease` now (from its leader and mode blocks).
std::vector<std::uint64_t> owners(const Lease& lease);

// The leases the registered process `pid` holds (resource names with their
// lockspace), from sanlock's state.
struct HeldLease {
  std::string lockspace;
  std::string name;
  bool shared = false;
};
Result<std::vector<HeldLease>> held_by(int sock, int pid);

}  // namespace udm::lvm::locking::sanlock

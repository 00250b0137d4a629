// The sanlock calls that end a shared VG (vgremove, vgchange --lock-type
// none) as lvmlockd's free_vg does: which other hosts still renew their delta
// lease in the lockspace, and releasing a held lease while renaming it on
// disk (the VG and global locks become "invalid_removed").
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/locking/sanlock_client.hpp"

namespace udm::lvm::locking::sanlock {

inline constexpr std::string_view REMOVED_RESOURCE = "invalid_removed";

// Host ids other than `self` that this host's sanlock sees alive in
// `lockspace` (their delta leases renewed lately, or held and not yet
// watched long enough to tell). The lockspace must be joined here.
Result<std::vector<std::uint64_t>> live_hosts(std::string_view lockspace, std::uint64_t self);

// Releases `lease`, held by the client `sock`, and writes it back under
// `new_name` in one step (nobody can take the old name meanwhile).
Result<void> release_rename(int sock, const Lease& lease, std::string_view new_name);

}  // namespace udm::lvm::locking::sanlock

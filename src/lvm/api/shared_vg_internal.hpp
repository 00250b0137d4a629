// What shared_vg.cpp and the shared_vg_*.cpp files share: the command's own
// sanlock registration, settings and lease addresses.
#pragma once

#include <cstdint>
#include <string>

#include "lvm/api/cmd.hpp"
#include "lvm/locking/sanlock_client.hpp"
#include "lvm/locking/sanlock_layout.hpp"

namespace udm::lvm::api::detail {

// The command's sanlock registration (VG and global leases go with it).
Outcome<int> command_sock(Cmd& c);
// local/host_id (1..2000), or lvm2's message naming the VG.
Outcome<std::uint64_t> host_id(const Cmd& c, std::string_view vg);
unsigned io_timeout();
Outcome<locking::sanlock::LeaseArea> area_of(Cmd& c, const VolumeGroup& vg);
// A lease at `slot_offset` in lvmlock's first segment (lockspace, GL, VG lock).
locking::sanlock::Lease lease_at(const VolumeGroup& vg, const locking::sanlock::LeaseArea& a, std::string name,
                                 std::uint64_t slot_offset);
// An LV lease at `offset` in lvmlock, which may lie in an extension.
Outcome<locking::sanlock::Lease> lv_lease(Cmd& c, const VolumeGroup& vg, const locking::sanlock::LeaseArea& a,
                                          std::string name, std::uint64_t offset);
Result<void> acquire_retrying(int sock, const locking::sanlock::Lease& lease, bool shared);
// The lockspace whose "GLLK" this command holds, or "".
std::string held_gl_lockspace(Cmd& c);
// Whether a VG this command removed had the global lock (`set` records it).
bool global_lock_removed(Cmd& c, bool set = false);
// vgchange --lock-type none --lockopt force: lvm2 takes no lock at all.
bool locktype_forced_none(const Cmd& c);

// Writes the lockspace, the global lock (disabled when another shared VG
// exists), the VG lock and "#unused" LV slots into a new lvmlock.
Outcome<void> format_leases(Cmd& c, const VolumeGroup& vg, const locking::sanlock::LeaseArea& a);

// lvcreate found no free lease slot: extends lvmlock in `vg` by
// global/sanlock_lv_extend MiB (default 256), zeroes the new space and
// updates a.size, as lvm2's lvcreate does (shared_vg_lock_lv.cpp).
// `lv_name` is the LV that needs the lease (for messages).
Outcome<void> extend_lock_lv(Cmd& c, VolumeGroup& vg, locking::sanlock::LeaseArea& a, const std::string& lv_name);

}  // namespace udm::lvm::api::detail

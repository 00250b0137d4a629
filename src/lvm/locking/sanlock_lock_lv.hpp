// The size of lvmlock and where its bytes lie, as lvm2 2.03.16 grows it
// (lib/locking/lvmlockd.c): 256 MiB at vgcreate --shared; 256 MiB plus 1 MiB
// per LV lock when vgchange --lock-type sanlock converts a VG with LVs (whole
// extents, rounded down); extended by global/sanlock_lv_extend MiB (default
// 256, 0 = never) when lvcreate finds every lease slot used. An extension
// may land anywhere in the VG, so lvmlock can have several linear segments:
// a lease is found by its offset in lvmlock, mapped through them.
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::locking::sanlock {

inline constexpr unsigned DEFAULT_LV_EXTEND_MB = 256;

// Extents of a new lvmlock for a VG with `lv_locks` LVs that need a lock.
extent_t lock_lv_extents(byte_count extent_bytes, std::size_t lv_locks);

// Extents to add for an extension by `extend_mb` MiB (rounded up to extents,
// as lvextend rounds a size).
extent_t lock_lv_extend_extents(byte_count extent_bytes, unsigned extend_mb);

// LV lease slots lvmlock of `bytes` holds (slots 67.. up to its end).
std::uint64_t lv_lease_slots(std::uint64_t bytes);

// Where the byte `offset` of lvmlock lies: the PV and the byte offset on it,
// and how many bytes from there on stay in the same segment.
struct LockLvPlace {
  std::string pv_name;
  std::uint64_t pv_offset = 0;
  std::uint64_t run = 0;
};
Result<LockLvPlace> lock_lv_place(const VolumeGroup& vg, std::uint64_t offset);

}  // namespace udm::lvm::locking::sanlock

#include "lvm/locking/sanlock_lock_lv.hpp"

#include <fmt/format.h>

#include "lvm/locking/sanlock_layout.hpp"

namespace udm::lvm::locking::sanlock {

extent_t lock_lv_extents(byte_count extent_bytes, std::size_t lv_locks) {
  if (extent_bytes == 0) return 0;
  const std::uint64_t bytes = LOCK_LV_BYTES + static_cast<std::uint64_t>(lv_locks) * ALIGN_BYTES;
  // lvm2 divides and drops the remainder; never less than one extent.
  return std::max<extent_t>(1, bytes / extent_bytes);
}

extent_t lock_lv_extend_extents(byte_count extent_bytes, unsigned extend_mb) {
  if (extent_bytes == 0) return 0;
  const std::uint64_t bytes = static_cast<std::uint64_t>(extend_mb) << 20;
  return (bytes + extent_bytes - 1) / extent_bytes;
}

std::uint64_t lv_lease_slots(std::uint64_t bytes) {
  const std::uint64_t slots = bytes / ALIGN_BYTES;
  return slots > LV_LOCK_FIRST_SLOT ? slots - LV_LOCK_FIRST_SLOT : 0;
}

Result<LockLvPlace> lock_lv_place(const VolumeGroup& vg, std::uint64_t offset) {
  const LogicalVolume* lv = vg.find_lv(LOCK_LV_NAME);
  if (!lv) return fail(ENOENT, fmt::format("VG {} has no {} LV for its sanlock leases.", vg.name, LOCK_LV_NAME));
  const std::uint64_t eb = vg.extent_bytes();
  if (eb == 0) return fail(EINVAL, fmt::format("VG {} has no extent size.", vg.name));
  for (const auto& s : lv->segments) {
    const std::uint64_t begin = s.start_extent * eb, end = (s.start_extent + s.extent_count) * eb;
    if (offset < begin || offset >= end) continue;
    if (s.stripes.size() != 1)
      return fail(EINVAL, fmt::format("The {}/{} LV is not linear.", vg.name, LOCK_LV_NAME));
    const PhysicalVolume* pv = vg.find_pv(s.stripes[0].name);
    if (!pv) return fail(ENODEV, fmt::format("The PV of {}/{} ({}) is missing.", vg.name, LOCK_LV_NAME, s.stripes[0].name));
    LockLvPlace p;
    p.pv_name = pv->name;
    p.pv_offset = sectors_to_bytes(pv->pe_start) + s.stripes[0].start * eb + (offset - begin);
    p.run = end - offset;
    return p;
  }
  return fail(ERANGE, fmt::format("Offset {} is past the end of {}/{}.", offset, vg.name, LOCK_LV_NAME));
}

}  // namespace udm::lvm::locking::sanlock

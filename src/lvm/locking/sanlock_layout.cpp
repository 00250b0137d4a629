#include "lvm/locking/sanlock_layout.hpp"

#include <charconv>
#include <fmt/format.h>

#include "lvm/segtypes/snapshot.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::locking::sanlock {

std::string vg_lock_args() { return fmt::format("{}:{}", LOCK_ARGS_VERSION, LOCK_LV_NAME); }
std::string lv_lock_args(std::uint64_t offset) { return fmt::format("{}:{}", LOCK_ARGS_VERSION, offset); }

Result<std::uint64_t> parse_lv_lock_args(std::string_view args) {
  auto bad = [&](std::string_view why) {
    return fail(EINVAL, fmt::format("Invalid sanlock lock_args \"{}\": {}", args, why));
  };
  const auto colon = args.find(':');
  if (colon == std::string_view::npos) return bad("no version");
  const std::string_view version = args.substr(0, colon);
  if (!version.starts_with("1.")) return bad("unknown version");
  const std::string_view num = args.substr(colon + 1);
  std::uint64_t offset = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), offset);
  if (num.empty() || ec != std::errc() || p != num.data() + num.size()) return bad("offset is not a number");
  if (offset % ALIGN_BYTES != 0 || offset < LV_LOCK_FIRST_SLOT * ALIGN_BYTES) return bad("offset is not an LV lease slot");
  return offset;
}

bool lv_needs_lock(const VolumeGroup& vg, const LogicalVolume& lv) {
  if (lv.name == LOCK_LV_NAME || !lv_is_visible(vg, lv) || lv.segments.empty()) return false;
  // An old-style snapshot's COW LV is covered by its origin's lock.
  if (segtypes::snapshot_of_cow(vg, lv.name)) return false;
  return lv.segments.front().type != "thin";
}

std::string lv_resource_name(const LogicalVolume& lv) { return format_id(lv.id); }

Result<LeaseArea> lease_area(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths) {
  const LogicalVolume* lock_lv = vg.find_lv(LOCK_LV_NAME);
  if (!lock_lv) return fail(ENOENT, fmt::format("VG {} has no {} LV for its sanlock leases.", vg.name, LOCK_LV_NAME));
  // lvcreate may have extended lvmlock elsewhere (sanlock_lock_lv.hpp): the
  // area starts at its first segment, size is the whole LV.
  if (lock_lv->segments.empty() || lock_lv->segments[0].stripes.size() != 1)
    return fail(EINVAL, fmt::format("The {}/{} LV is not linear.", vg.name, LOCK_LV_NAME));
  const Segment& seg = lock_lv->segments[0];
  const PhysicalVolume* pv = vg.find_pv(seg.stripes[0].name);
  auto path = pv_paths.find(seg.stripes[0].name);
  if (!pv || path == pv_paths.end())
    return fail(ENODEV, fmt::format("The PV of {}/{} ({}) is missing.", vg.name, LOCK_LV_NAME, seg.stripes[0].name));
  LeaseArea a;
  a.path = path->second;
  a.offset = sectors_to_bytes(pv->pe_start + seg.stripes[0].start * vg.extent_size);
  a.size = 0;
  for (const auto& s : lock_lv->segments) a.size += sectors_to_bytes(s.extent_count * vg.extent_size);
  if (a.offset % 512 != 0 || a.size < (LV_LOCK_FIRST_SLOT + 1) * ALIGN_BYTES)
    return fail(EINVAL, fmt::format("The {}/{} LV is too small for sanlock leases.", vg.name, LOCK_LV_NAME));
  return a;
}

Result<std::uint64_t> free_lv_offset(const VolumeGroup& vg, std::uint64_t area_size) {
  std::vector<bool> used;
  for (const auto& lv : vg.lvs) {
    if (!lv.lock_args) continue;
    auto off = parse_lv_lock_args(*lv.lock_args);
    if (!off) continue;
    const std::uint64_t slot = *off / ALIGN_BYTES - LV_LOCK_FIRST_SLOT;
    if (slot >= used.size()) used.resize(slot + 1, false);
    used[slot] = true;
  }
  std::uint64_t slot = 0;
  while (slot < used.size() && used[slot]) ++slot;
  const std::uint64_t offset = (LV_LOCK_FIRST_SLOT + slot) * ALIGN_BYTES;
  if (offset + ALIGN_BYTES > area_size)
    return fail(ENOSPC, "No space for sanlock lock, extend the internal lvmlock LV.");
  return offset;
}

LogicalVolume make_lock_lv(std::string id, std::int64_t now, std::string host) {
  LogicalVolume lv;
  lv.name = std::string(LOCK_LV_NAME);
  lv.id = std::move(id);
  lv.status = FlagSet(FlagSet::Kind::lv_status, {"READ", "WRITE"});
  lv.creation_time = now;
  lv.creation_host = std::move(host);
  return lv;
}

}  // namespace udm::lvm::locking::sanlock

// vgchange --lock-type: a local VG becomes shared (sanlock) and back, with
// lvm2 2.03.16's preconditions and words (tools/vgchange.c):
//   none -> sanlock   no LV active; lvmlock is made (256 MiB + 1 MiB per LV
//                     lock), the leases formatted, each LV gets its lease;
//                     the lockspace is not started
//   sanlock -> none   the lockspace started here, no other host in it, no
//                     LV active anywhere; lvmlock goes, the leases retire
//   --lockopt force   to none without any lock (recovery): lock_type and
//                     every lock_args dropped, lvmlock left as it is
#include "lvm/api/prompt.hpp"
#include <udm/client.hpp>

#include "lvm/api/shared_vg.hpp"
#include "lvm/api/shared_vg_internal.hpp"
#include "lvm/locking/lease_device.hpp"
#include "lvm/locking/sanlock_lock_lv.hpp"

namespace udm::lvm::api::detail {
namespace sl = locking::sanlock;
namespace {

bool is_lockd_type(std::string_view t) { return t == "sanlock" || t == "dlm" || t == "idm"; }

void drop_lock_fields(VolumeGroup& vg) {
  vg.lock_type.reset();
  vg.lock_args.reset();
  for (auto& lv : vg.lvs) lv.lock_args.reset();
}

Outcome<void> any_lv_active(Cmd& c, const VolumeGroup& vg) {
  for (const auto& lv : vg.lvs)
    if (lv.name != sl::LOCK_LV_NAME && c.is_active(vg, lv))
      return failed(fmt::format("Changing VG {} lock type not allowed with active LVs", vg.name));
  return {};
}

// Every LV lease must be free on every host: taken exclusively at once and
// given back (lvm2's "ex" then "un" per LV).
Outcome<void> lvs_inactive_everywhere(Cmd& c, const VolumeGroup& vg) {
  auto a = area_of(c, vg);
  if (!a) return std::unexpected(a.error());
  auto sock = command_sock(c);
  if (!sock) return std::unexpected(sock.error());
  for (const auto& lv : vg.lvs) {
    if (!lv.lock_args) continue;
    auto off = sl::parse_lv_lock_args(*lv.lock_args);
    if (!off) continue;
    auto l = lv_lease(c, vg, *a, sl::lv_resource_name(lv), *off);
    if (!l) return std::unexpected(l.error());
    auto r = sl::acquire(*sock, -1, *l, false, /*nowait=*/true);
    if (!r && r.error().code == sl::HELD_ELSEWHERE)
      return failed(fmt::format("LV {}/{} must be inactive on all hosts.\n  Cannot change VG {} with active LVs",
                                vg.name, lv.name, vg.name));
    if (r) (void)sl::release(*sock, -1, *l);
  }
  return {};
}

Outcome<void> to_none(Cmd& c, const VolumeGroup& old) {
  if (auto r = any_lv_active(c, old); !r) return r;
  if (auto r = lvs_inactive_everywhere(c, old); !r) return r;
  if (auto r = shared_vg_free_check(c, old); !r) return r;
  const auto paths = c.pv_paths(old.name);
  VolumeGroup vg = old;
  std::erase_if(vg.lvs, [](const LogicalVolume& lv) { return lv.name == sl::LOCK_LV_NAME; });
  drop_lock_fields(vg);
  if (auto r = c.commit(vg, old); !r) return r;
  shared_vg_free(c, old, paths);
  return {};
}

Outcome<void> to_sanlock(Cmd& c, const VolumeGroup& old) {
  if (auto r = any_lv_active(c, old); !r) return r;
  if (old.find_lv(sl::LOCK_LV_NAME))
    return failed(fmt::format("Logical Volume \"{}\" already exists in volume group \"{}\"", sl::LOCK_LV_NAME, old.name));
  VolumeGroup vg = old;
  std::size_t locks = 0;
  for (const auto& lv : vg.lvs) locks += sl::lv_needs_lock(vg, lv) ? 1 : 0;
  vg.lvs.push_back(sl::make_lock_lv(generate_id(), std::time(nullptr), nodename()));
  const extent_t extents = sl::lock_lv_extents(vg.extent_bytes(), locks);
  if (auto r = alloc::extend_lv(vg, sl::LOCK_LV_NAME, {.extents = extents, .lv_name = std::string(sl::LOCK_LV_NAME)}); !r) {
    c.warn(r.error().message);
    c.warn(fmt::format("Failed to create sanlock lv {}/{}", vg.name, sl::LOCK_LV_NAME));
    c.warn("Failed to create internal lv.");
    return failed("Failed to initialize lock args for lock type sanlock");
  }
  vg.lock_type = std::string(sl::LOCK_TYPE);
  vg.lock_args = sl::vg_lock_args();
  vg.system_id.reset();
  for (auto& lv : vg.lvs) lv.lock_args.reset();
  // Stage 1: lvmlock and the VG's lock fields; the leases are formatted in
  // place; stage 2 (the commit hook) gives each LV its lease.
  if (auto r = c.commit(vg, old); !r) return r;
  c.say(fmt::format("Logical volume \"{}\" created.", sl::LOCK_LV_NAME));
  if (c.test_mode()) return {};
  if (sl::lease_lv_is_remote(vg, c.pv_paths(vg.name))) {
    activate::Driver* d = c.driver(true);
    if (!d) return failed(fmt::format("VG {} init failed: udmd is not reachable", vg.name));
    if (auto r = sl::activate_lease_lv(*d, vg, c.pv_paths(vg.name)); !r) return failed(r.error().message);
  }
  auto a = sl::host_lease_area(vg, c.pv_paths(vg.name), client::default_rundir());
  if (!a) return failed(a.error().message);
  if (auto r = format_leases(c, vg, *a); !r) return r;
  auto stage1 = c.vg(vg.name);
  if (!stage1) return std::unexpected(stage1.error());
  return c.commit(*stage1, *stage1);
}

}  // namespace

Outcome<void> cmd_vgchange_locktype(Cmd& c) {
  const std::string lt = c.cl().get("locktype").value_or("");
  const std::string opt = c.cl().get("lockopt").value_or("");
  if (lt != "none" && lt != "sanlock" && lt != "dlm" && lt != "idm")
    return failed(fmt::format("Invalid argument for --locktype: {}\n  Error during parsing of command line.", lt),
                  EXIT_INVALID);
  // lvm2 2.03.16 exits 0 from these two refusals.
  if (opt == "force") {
    if (lt != "none") {
      c.warn("Lock type can only be forced to \"none\" for recovery.");
      return {};
    }
    if (yes_no(c, "Forcibly change VG lock type to none? [y/n]: ") == 'n') {
      c.warn("VG lock type not changed.");
      return {};
    }
  }
  if (auto r = c.open(true); !r) return r;
  bool any_failed = false;
  for (const auto& name : c.vg_names_or_all()) {
    auto old = c.vg(name);
    if (!old) return std::unexpected(old.error());
    const std::string cur = old->lock_type.value_or("none");
    Outcome<void> r;
    if (opt == "force") {
      VolumeGroup vg = *old;
      drop_lock_fields(vg);
      r = c.commit(vg, *old);
    } else if (cur == lt) {
      c.warn(fmt::format("New lock type {} matches the current lock type {}.", lt, cur));
      r = c.commit(*old, *old);
    } else if (is_lockd_type(cur) && is_lockd_type(lt)) {
      r = failed(fmt::format("Cannot change lock type directly from \"{}\" to \"{}\".\n"
                             "  First change lock type to \"none\", then to \"{}\".",
                             cur, lt, lt));
    } else if (cur == "sanlock") {
      r = to_none(c, *old);
    } else if (lt == "sanlock") {
      r = to_sanlock(c, *old);
    } else if (lt == "none") {
      VolumeGroup vg = *old;
      drop_lock_fields(vg);
      r = c.commit(vg, *old);
    } else {
      r = failed(fmt::format("VG {} init failed: lock manager {} is not running\n"
                             "  Failed to initialize lock args for lock type {}",
                             name, lt, lt));
    }
    if (!r) {
      if (!r.error().message.empty()) c.warn(r.error().message);
      any_failed = true;
      continue;
    }
    c.say(fmt::format("Volume group \"{}\" successfully changed", name));
  }
  if (any_failed) return failed("");
  return {};
}

}  // namespace udm::lvm::api::detail

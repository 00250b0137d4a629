// The end of a shared VG, as lvmlockd's free_vg (lvm2 2.03.16): vgremove
// and vgchange --lock-type none refuse while other hosts are in the VG's
// lockspace; afterwards the VG lock (and the global lock when this VG had it)
// is released and renamed "invalid_removed" on disk, the lockspace is left
// and overwritten as "#unused", so no host can join it again.
#include <udm/client.hpp>

#include "lvm/api/shared_vg.hpp"
#include "lvm/api/shared_vg_internal.hpp"
#include "lvm/locking/lease_device.hpp"
#include "lvm/locking/sanlock_vg_admin.hpp"

namespace udm::lvm::api::detail {
namespace sl = locking::sanlock;

Outcome<void> shared_vg_free_check(Cmd& c, const VolumeGroup& vg) {
  if (!sl::is_sanlock_vg(vg) || c.test_mode()) return {};
  // lvm2: `vgremove a b` where a had the global lock stops before b.
  if (global_lock_removed(c))
    return failed("Global lock failed: global lock was lost by removing a previous VG.");
  auto h = host_id(c, vg.name);
  if (!h) return std::unexpected(h.error());
  // Just after joining, sanlock has no host list yet: lvm2 goes on then too.
  auto others = sl::live_hosts(sl::lockspace_name(vg.name), *h);
  if (others && !others->empty()) return failed(fmt::format("Lockspace for \"{}\" not stopped on other hosts", vg.name));
  return {};
}

bool shared_vg_keeps_until_free(const VolumeGroup& vg, const LogicalVolume& lv) {
  return sl::is_sanlock_vg(vg) && lv.name == sl::LOCK_LV_NAME;
}

void shared_vg_free(Cmd& c, const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths) {
  if (!sl::is_sanlock_vg(vg) || c.test_mode()) return;
  // Last, whatever fails before: the remote lvmlock's device goes down after
  // the lockspace is left (no-op for a local lvmlock, never activated).
  struct LockLvDown {
    Cmd& c;
    const VolumeGroup& vg;
    const std::map<std::string, std::string>& paths;
    ~LockLvDown() {
      if (activate::Driver* d = c.driver(false)) (void)sl::deactivate_lease_lv(*d, vg, paths);
    }
  } down{c, vg, pv_paths};
  auto a = sl::host_lease_area(vg, pv_paths, client::default_rundir());
  auto h = host_id(c, vg.name);
  auto sock = command_sock(c);
  if (!a || !h || !sock) return;
  const std::string ls = sl::lockspace_name(vg.name);
  const std::string removed(sl::REMOVED_RESOURCE);
  if (auto r = sl::release_rename(*sock, lease_at(vg, *a, std::string(sl::VG_RESOURCE), sl::VG_LOCK_SLOT * sl::ALIGN_BYTES),
                                  removed);
      !r)
    c.warn(r.error().message);
  // The LVs' leases go back to "#unused", as lvm2's removal of each LV.
  for (const auto& lv : vg.lvs) {
    auto off = lv.lock_args ? sl::parse_lv_lock_args(*lv.lock_args) : Result<std::uint64_t>(fail(ENOENT, ""));
    if (!off) continue;
    if (auto l = lv_lease(c, vg, *a, std::string(sl::UNUSED_RESOURCE), *off)) (void)sl::write_resource(*l);
  }
  const bool had_gl = held_gl_lockspace(c) == ls;
  if (had_gl)
    if (auto r = sl::release_rename(*sock, lease_at(vg, *a, std::string(sl::GL_RESOURCE), sl::GL_LOCK_SLOT * sl::ALIGN_BYTES),
                                    removed);
        !r)
      c.warn(r.error().message);
  if (auto r = sl::rem_lockspace(ls, *h, a->path, a->offset); !r) c.warn(r.error().message);
  if (auto r = sl::write_lockspace(sl::UNUSED_RESOURCE, a->path, a->offset, io_timeout()); !r) c.warn(r.error().message);
  bool others = false;
  for (const auto& [n, f] : c.store().vgs()) others |= n != vg.name && sl::is_sanlock_vg(f.text.vg);
  if (had_gl) (void)global_lock_removed(c, true);
  if (had_gl && others)
    c.warn(fmt::format("VG {} held the sanlock global lock, enable global lock in another VG.", vg.name));
}

}  // namespace udm::lvm::api::detail

#include "lvm/locking/lease_device.hpp"

#include <fmt/format.h>

#include "lvm/metadata/dm_names.hpp"

namespace udm::lvm::locking::sanlock {
namespace {

const LogicalVolume* lease_lv(const VolumeGroup& vg) { return vg.find_lv(LOCK_LV_NAME); }

bool is_uri(const std::string& path) { return path.find("://") != std::string::npos; }

}  // namespace

bool lease_lv_is_remote(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths) {
  const LogicalVolume* lv = lease_lv(vg);
  if (!lv || lv->segments.size() != 1 || lv->segments[0].stripes.size() != 1) return false;
  auto p = pv_paths.find(lv->segments[0].stripes[0].name);
  return p != pv_paths.end() && is_uri(p->second);
}

Result<LeaseArea> host_lease_area(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths,
                                  const std::string& rundir) {
  // Checks the layout (one linear segment, big enough) either way.
  auto a = lease_area(vg, pv_paths);
  if (!a || !is_uri(a->path)) return a;
  a->path = fmt::format("{}/dev/mapper/{}", rundir, dm_device_name(vg.name, LOCK_LV_NAME));
  a->offset = 0;
  return a;
}

Result<void> activate_lease_lv(activate::Driver& driver, const VolumeGroup& vg,
                               const std::map<std::string, std::string>& pv_paths) {
  if (!lease_lv_is_remote(vg, pv_paths)) return {};
  // Already active (a second lockstart): no reload under sanlock's I/O.
  if (auto st = driver.state(vg, *lease_lv(vg)); st && st->active) return {};
  if (auto r = driver.activate(vg, *lease_lv(vg), pv_paths); !r)
    return fail(r.error().code, fmt::format("Failed to activate lock LV {}/{}: {}", vg.name, LOCK_LV_NAME,
                                            r.error().message));
  return {};
}

Result<void> deactivate_lease_lv(activate::Driver& driver, const VolumeGroup& vg,
                                 const std::map<std::string, std::string>& pv_paths) {
  if (!lease_lv_is_remote(vg, pv_paths)) return {};
  if (auto r = driver.deactivate(vg, *lease_lv(vg), pv_paths); !r)
    return fail(r.error().code, fmt::format("Failed to deactivate lock LV {}/{}: {}", vg.name, LOCK_LV_NAME,
                                            r.error().message));
  return {};
}

}  // namespace udm::lvm::locking::sanlock

// Splitting a dm device name into LVM's VG and LV names, as LVM names its
// devices: "VG-LV" with every hyphen inside VG and LV doubled ("my--vg-lv" is
// VG "my-vg", LV "lv"). A third part after another single hyphen is a layer
// ("vg-lv-real", "vg-pool-tpool"): such devices get no VG/LV path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace udm::exports {

struct LvmName {
  std::string vg;
  std::string lv;
};

// Empty when `dm_name` is not "VG-LV" (no single hyphen, an empty part, or a layer).
std::optional<LvmName> split_lvm_name(std::string_view dm_name);

// True for uuids LVM gives its devices ("LVM-<vg uuid><lv uuid>[-layer]").
inline bool is_lvm_uuid(std::string_view uuid) { return uuid.starts_with("LVM-"); }

}  // namespace udm::exports

#include "exports/lvm_name.hpp"

#include "lvm/metadata/dm_names.hpp"

namespace udm::exports {

// LVM's own rule (the one activation names devices with).
std::optional<LvmName> split_lvm_name(std::string_view dm_name) {
  auto n = lvm::split_dm_device_name(dm_name);
  if (!n) return std::nullopt;
  return LvmName{std::move(n->vg), std::move(n->lv)};
}

}  // namespace udm::exports

// lvconvert of raid LVs (filled in below).
#include "lvm/api/lvcreate_raid.hpp"

namespace udm::lvm::api::detail {

std::optional<Outcome<void>> lvconvert_raid(Cmd& c) {
  (void)c;
  return std::nullopt;
}

}  // namespace udm::lvm::api::detail

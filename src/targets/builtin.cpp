// The explicit list of target types udm ships, in the kernel's registration
// order (the registry lists the most recent first, so `dmsetup targets` ends
// with striped, linear, error). Add one line per new target type.
#include "core/target_registry.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {

const core::TargetType& crypt_target_type();   // crypt.cpp
const core::TargetType& verity_target_type();  // verity.cpp

void register_builtin_targets(core::TargetRegistry& registry) {
  for (const core::TargetType* type : {
           &error_target_type(),
           &linear_target_type(),
           &striped_target_type(),
           &zero_target_type(),
           &delay_target_type(),
           &flakey_target_type(),
           &dust_target_type(),
           &snapshot_origin_target_type(),
           &snapshot_target_type(),
           &snapshot_merge_target_type(),
           &thin_pool_target_type(),
           &thin_target_type(),
           &crypt_target_type(),
           &verity_target_type(),
       }) {
    // Duplicates mean the list above is wrong; the registry already has the type then.
    (void)registry.add(*type);
  }
}

}  // namespace udm::targets

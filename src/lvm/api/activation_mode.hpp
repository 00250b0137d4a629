// lvm2's activation modes for LVs on missing PVs (--activationmode, -P,
// activation/activation_mode): "complete" activates only whole LVs,
// "degraded" (the default) also raid LVs that keep enough images, "partial"
// every LV.
#pragma once

#include <set>
#include <string>

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

enum class ActivationMode { complete, degraded, partial };

// The mode of this command; lvm2's errors for a bad or conflicting one.
Outcome<ActivationMode> activation_mode_of(const Cmd& c);

// Checks the mode before anything is read, as lvm2 does, and warns in
// partial mode.
Outcome<void> announce_activation_mode(Cmd& c);

// PV names of `vg` lvm2 counts missing: not found, or flagged MISSING.
std::set<std::string> missing_pvs(Cmd& c, const VolumeGroup& vg);

// lvm2's refusal to activate `lv` in `mode` ("Refusing activation of
// partial LV vg/lv.  ..."), empty when it may be activated.
std::string partial_activation_refusal(const VolumeGroup& vg, const LogicalVolume& lv,
                                       const std::set<std::string>& missing, ActivationMode mode);

// For partial mode: `vg` with every linear segment on a missing PV made an
// error segment (lvm2 maps such areas onto an error device), so what is
// left of the LV reads and writes. Striped segments and raid sub-LVs (a
// raid runs without the slot) stay as they are.
VolumeGroup with_missing_areas_as_error(const VolumeGroup& vg, const std::set<std::string>& missing);

}  // namespace udm::lvm::api::detail

// ulvm's thin commands, dispatched from the generic ones (lv_commands.cpp):
// lvcreate of thin pools, thin LVs and thin snapshots, lvremove of thin LVs
// and pools, with lvm2's order for pool messages: the metadata is written
// with the message queued (`message1 { ... }`, transaction_id + 1), the pool
// is activated, the message and set_transaction_id are sent, and the
// metadata is written again without the message.
#pragma once

#include <optional>

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

// nullopt: not a thin request (the generic lvcreate goes on).
std::optional<Outcome<void>> lvcreate_thin(Cmd& c);
// Removes one thin LV or pool (with its thins) when `lvn` is one; nullopt
// otherwise. `vg` is the VG as the store holds it.
std::optional<Outcome<void>> lvremove_thin(Cmd& c, const std::string& vgn, const std::string& lvn);

// lvextend/lvresize of a thin pool (its _tdata; --poolmetadatasize grows
// _tmeta) or of a thin LV (virtual size); the live pool is reloaded.
std::optional<Outcome<void>> lvresize_thin(Cmd& c, Resize mode);
// lvchange --errorwhenfull y|n of a thin pool.
std::optional<Outcome<void>> lvchange_thin(Cmd& c);

// lvconvert --type thin-pool VG/DATA --poolmetadata META (lvconvert_thin.cpp).
std::optional<Outcome<void>> lvconvert_thin(Cmd& c);

// Activation/deactivation of a thin LV, pool or pool sub-LV, with the
// driver started when needed.
Outcome<void> activate_thin_lv(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv);
Outcome<void> deactivate_thin_lv(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv);

// "<15.88 TiB": lvm2's display_size, '<' when the two decimals round up.
std::string thin_display_size(sector_t sectors);

}  // namespace udm::lvm::api::detail

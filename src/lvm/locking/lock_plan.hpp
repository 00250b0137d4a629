// Which of lvm2's locks each command takes, as lvm2 2.03.16 takes them
// (strace of each command on loop devices):
//
//   pvcreate pvremove                          global EX
//   vgcreate vgextend vgreduce vgcfgrestore    global EX, the VG EX
//   vgremove vgrename                          global EX, each VG named (old and new name) EX
//   lvcreate lvresize lvrename lvremove lvchange, vgchange VG   the VGs named EX
//   vgs lvs vgdisplay lvdisplay vgck vgcfgbackup vgmap VG      the VGs named SH
//   the same without a VG                      global SH, then every VG SH
//   vgchange without a VG, pvresize            global SH, then every VG EX
//   pvs pvdisplay                              global SH, then every VG SH
//   vgck --updatemetadata                      as vgck, EX
//
// Commands not listed take everything exclusively.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lvm/locking/file_locks.hpp"

namespace udm::lvm::locking {

struct LockPlan {
  LockMode global = LockMode::none;
  LockMode vg_mode = LockMode::none;
  std::vector<std::string> vgs;  // sorted, unique; valid VG names only
  bool all_vgs = false;          // every VG the scan finds (after the global lock)
};

// `args` are the positional arguments; `update_metadata` is vgck's --updatemetadata.
LockPlan plan_locks(std::string_view command, const std::vector<std::string>& args, bool update_metadata);

// The VG part of an LV argument: "vg/lv", "/dev/vg/lv" or "vg".
std::string vg_of_arg(std::string_view arg);

}  // namespace udm::lvm::locking

#include "lvm/locking/lock_plan.hpp"

#include <algorithm>
#include <array>

#include "lvm/metadata/model.hpp"

namespace udm::lvm::locking {
namespace {

bool one_of(std::string_view c, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), c) != names.end();
}

}  // namespace

std::string vg_of_arg(std::string_view arg) {
  if (arg.starts_with("/dev/")) arg.remove_prefix(5);
  return std::string(arg.substr(0, arg.find('/')));
}

LockPlan plan_locks(std::string_view c, const std::vector<std::string>& args, bool update_metadata) {
  LockPlan p;
  const LockMode EX = LockMode::exclusive, SH = LockMode::shared;
  std::vector<std::string> named;
  auto name_first = [&] {
    if (!args.empty()) named.push_back(vg_of_arg(args[0]));
  };
  auto name_all = [&] {
    for (const auto& a : args) named.push_back(vg_of_arg(a));
  };
  // A report or a check: the VGs named, or all of them under the global lock.
  auto read_vgs = [&](LockMode mode) {
    p.vg_mode = mode;
    name_all();
    if (named.empty()) {
      p.global = SH;
      p.all_vgs = true;
    }
  };
  if (one_of(c, {"pvcreate", "pvremove"})) {
    p.global = EX;
  } else if (one_of(c, {"vgcreate", "vgextend", "vgreduce", "vgcfgrestore"})) {
    p.global = EX;
    p.vg_mode = EX;
    name_first();
  } else if (one_of(c, {"vgremove", "vgrename"})) {
    p.global = EX;
    p.vg_mode = EX;
    name_all();
  } else if (one_of(c, {"lvcreate", "lvextend", "lvreduce", "lvresize", "lvrename"})) {
    p.vg_mode = EX;
    name_first();
  } else if (one_of(c, {"lvremove", "lvchange", "vgchange"})) {
    read_vgs(EX);
  } else if (one_of(c, {"vgs", "lvs", "vgdisplay", "lvdisplay", "vgcfgbackup", "vgmap"})) {
    read_vgs(SH);
  } else if (c == "vgck") {
    read_vgs(update_metadata ? EX : SH);
  } else if (one_of(c, {"pvs", "pvdisplay"})) {
    p.global = SH;
    p.vg_mode = SH;
    p.all_vgs = true;
  } else if (c == "pvresize") {
    p.global = SH;
    p.vg_mode = EX;
    p.all_vgs = true;
  } else {
    p.global = EX;
    p.vg_mode = EX;
    p.all_vgs = true;
  }
  // A name that is no VG name cannot be a lock file name either (no '/' or
  // ".."); the command itself refuses it.
  for (auto& n : named)
    if (check_vg_name(n)) p.vgs.push_back(std::move(n));
  std::sort(p.vgs.begin(), p.vgs.end());
  p.vgs.erase(std::unique(p.vgs.begin(), p.vgs.end()), p.vgs.end());
  return p;
}

}  // namespace udm::lvm::locking

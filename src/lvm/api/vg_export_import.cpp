// vgexport, vgimport, vgimportclone and vgmknodes as lvm2 2.03.16 prints
// them. An exported VG (status and every PV flagged EXPORTED) is left alone
// by the other commands until vgimport.
#include "lvm/api/change_commands.hpp"

namespace udm::lvm::api::detail {
namespace {

// lvm2's order for -a: the VGs last found first.
std::vector<std::string> all_vgs_in_lvm2_order(Cmd& c) {
  std::vector<std::pair<std::size_t, std::string>> vgs;
  for (const auto& [name, f] : c.store().vgs()) {
    std::size_t first = format::NO_PV;
    for (auto i : f.pv_index) first = std::min(first, i);
    vgs.emplace_back(first, name);
  }
  std::sort(vgs.begin(), vgs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& [i, n] : vgs) out.push_back(std::move(n));
  return out;
}

Outcome<void> set_exported(Cmd& c, bool exported) {
  const auto& args = c.cl().args;
  const char* verb = exported ? "export" : "import";
  if (args.empty() && !c.cl().has("all"))
    return failed(fmt::format("Please supply volume groups or use -a for all."), EXIT_INVALID);
  if (!args.empty() && c.cl().has("all")) return failed("No arguments permitted when using -a for all.", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  const std::vector<std::string> names = args.empty() ? all_vgs_in_lvm2_order(c) : args;
  bool any_failed = false;
  for (const auto& n : names) {
    auto step = [&]() -> Outcome<void> {
      auto old = c.vg(n);
      if (!old) return std::unexpected(old.error());
      if (old->status.has("EXPORTED") == exported)
        return failed(exported ? fmt::format("Volume group {} is exported", n)
                               : fmt::format("Volume group \"{}\" is not exported", n));
      VolumeGroup vg = *old;
      if (exported)
        for (const auto& lv : vg.lvs)
          if (c.is_active(vg, lv))
            return failed(fmt::format("Volume group \"{}\" has active logical volumes", n));
      for (auto& pv : vg.pvs) {
        if (exported) pv.status.add("EXPORTED");
        else pv.status.remove("EXPORTED");
      }
      if (exported) vg.status.add("EXPORTED");
      else vg.status.remove("EXPORTED");
      if (auto r = c.commit(vg, *old); !r) return r;
      c.say(fmt::format("Volume group \"{}\" successfully {}ed", n, verb));
      return {};
    };
    if (auto r = step(); !r) {
      if (!r.error().message.empty()) c.warn(r.error().message);
      any_failed = true;
    }
  }
  if (any_failed) return failed("");
  return {};
}

}  // namespace

Outcome<void> cmd_vgexport(Cmd& c) { return set_exported(c, true); }
Outcome<void> cmd_vgimport(Cmd& c) { return set_exported(c, false); }

// vgimportclone PV...: the VG on these PVs (a copy of another one, say a
// snapshot of its disks) gets new PV and VG uuids and a new name (-n, else
// the old name with the first free number appended), so both can be used
// side by side. -i also imports it.
Outcome<void> cmd_vgimportclone(Cmd& c) {
  const auto& args = c.cl().args;
  if (args.empty()) return failed("Please specify the physical volumes of the volume group.", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  std::string vgn;
  for (const auto& p : args) {
    const format::PvState* s = c.device(p);
    if (!s || !s->is_pv) return failed(fmt::format("Failed to find device \"{}\".", p));
    std::string owner;
    for (const auto& [name, f] : c.store().vgs())
      if (!c.pv_name_of_path(f.text.vg, p).empty()) owner = name;
    if (owner.empty()) return failed(fmt::format("Device {} does not belong to a volume group.", p));
    if (!vgn.empty() && owner != vgn) return failed("Devices must all be in the same VG.");
    vgn = owner;
  }
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  if (c.pv_paths(vgn).size() != args.size() || old->pvs.size() != args.size())
    return failed(fmt::format("The devices of VG {} must all be named.", vgn));
  std::string name = c.cl().get("basevgname").value_or("");
  if (name.empty()) {
    for (unsigned i = 1; name.empty(); ++i)
      if (!c.store().find_vg(vgn + std::to_string(i))) name = vgn + std::to_string(i);
  } else if (c.store().find_vg(name)) {
    return failed(fmt::format("Volume group \"{}\" already exists.", name));
  }
  if (auto r = check_vg_name(name); !r) return failed(r.error().message, EXIT_INVALID);
  if (auto r = lock_new_vg(c, name); !r) return r;
  VolumeGroup vg = *old;
  vg.name = name;
  c.store().allow_replacing_vg(vg.id);
  vg.id = generate_id();
  if (c.cl().has("import")) {
    vg.status.remove("EXPORTED");
    for (auto& pv : vg.pvs) pv.status.remove("EXPORTED");
  }
  const auto paths = c.pv_paths(vgn);  // by PV id: read before the ids change
  for (auto& pv : vg.pvs) {
    const std::string& path = paths.at(pv.name);
    pv.id = generate_id();
    if (!c.test_mode())
      if (auto r = c.store().set_pv_id(path, pv.id); !r) return failed(r.error().message);
  }
  return c.commit(vg, std::nullopt);
}

// udm's device links (/dev/VG/LV, /dev/mapper/NAME) follow the devices
// udmd holds: there is nothing to make or remove.
Outcome<void> cmd_vgmknodes(Cmd& c) {
  if (auto r = c.open(false); !r) return r;
  for (const auto& n : c.cl().args)
    if (!c.store().find_vg(n)) return failed(fmt::format("Volume group \"{}\" not found", n));
  return {};
}

}  // namespace udm::lvm::api::detail

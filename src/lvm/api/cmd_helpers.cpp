// Helpers shared by the ulvm commands.
#include "lvm/api/cmd.hpp"
#include "lvm/api/activation_mode.hpp"
#include "lvm/api/snapshot_commands.hpp"

namespace udm::lvm::api::detail {

// "vg/lv" or "/dev/vg/lv" -> {vg, lv}; "lv" with a default VG.
std::pair<std::string, std::string> split_lv_path(std::string_view s, std::string_view default_vg) {
  if (s.starts_with("/dev/")) s.remove_prefix(5);
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return {std::string(default_vg), std::string(s)};
  return {std::string(s.substr(0, slash)), std::string(s.substr(slash + 1))};
}

std::string free_lvol_name(const VolumeGroup& vg, std::string_view suffix) {
  for (unsigned n = 0;; ++n) {
    std::string name = fmt::format("lvol{}{}", n, suffix);
    if (!vg.find_lv(name)) return name;
  }
}

LogicalVolume new_lv(std::string name) {
  LogicalVolume lv;
  lv.name = std::move(name);
  lv.id = generate_id();
  lv.creation_time = std::time(nullptr);
  lv.creation_host = nodename();
  return lv;
}

// --addtag/--deltag on a tag list; true when it changed. Tags use lvm's
// characters: [A-Za-z0-9_+.-/=!:#&], at most 1024 of them.
Outcome<bool> apply_tags(const Cmd& c, std::vector<std::string>& tags) {
  bool changed = false;
  for (const auto& t : c.cl().all("addtag")) {
    if (t.empty() || t.size() > 1024 ||
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.-/=!:#&") != std::string::npos)
      return failed(fmt::format("Tag must consist of only [A-Za-z0-9_+.-/=!:#&] and be at most 1024 characters: {}", t),
                    EXIT_INVALID);
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) {
      tags.push_back(t);
      changed = true;
    }
  }
  for (const auto& t : c.cl().all("deltag")) changed = std::erase(tags, t) > 0 || changed;
  return changed;
}


Outcome<void> set_activation(Cmd& c, VolumeGroup& vg, const LogicalVolume& lv, bool on) {
  if (on) {  // lvm2's activation modes for LVs on missing PVs
    auto mode = activation_mode_of(c);
    if (!mode) return std::unexpected(mode.error());
    const auto missing = missing_pvs(c, vg);
    if (auto why = partial_activation_refusal(vg, lv, missing, *mode); !why.empty()) return failed(why);
    if (*mode == ActivationMode::partial && !missing.empty()) {
      const VolumeGroup filled = with_missing_areas_as_error(vg, missing);
      if (filled != vg) return c.activate(filled, *filled.find_lv(lv.name));
    }
  }
  if (auto r = snapshot_activation(c, vg, lv, on)) return *r;
  if (on) return c.activate(vg, lv);
  return c.deactivate(vg, lv);
}

Outcome<bool> parse_activate(const std::string& v) {
  if (v == "y" || v == "ay" || v == "ey" || v == "ly" || v == "sy") return true;
  if (v == "n" || v == "en" || v == "ln" || v == "sn") return false;
  return failed(fmt::format("Invalid argument for --activate: {}", v), EXIT_INVALID);
}

Outcome<void> remove_sub_lv_devices(Cmd& c, const VolumeGroup& before, const std::vector<std::string>& names,
                                    const std::string& lvn) {
  activate::Driver* d = c.driver(false);
  if (!d || c.test_mode() || names.empty()) return {};
  activate::DeviceTree t;
  for (const auto& n : names)
    if (const LogicalVolume* s = before.find_lv(n)) {
      activate::DmDevice dev;
      dev.uuid = dm_device_uuid(before.id, s->id);
      dev.name = n;
      t.add(std::move(dev));
    }
  if (auto r = d->remove(t, display_lvname(before, lvn)); !r) return failed(r.error().message);
  return {};
}

}  // namespace udm::lvm::api::detail

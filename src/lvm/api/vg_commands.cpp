// vgcreate, vgextend, vgremove, vgrename, vgcfgbackup,
// vgcfgrestore, vgchange.
#include "lvm/api/cmd.hpp"
#include "lvm/api/activation_mode.hpp"
#include "lvm/api/shared_vg.hpp"
#include "lvm/api/report_data.hpp"
#include "lvm/api/snapshot_commands.hpp"

#include <charconv>

namespace udm::lvm::api::detail {

// ---------------------------------------------------------------- VG commands

Outcome<void> cmd_vgcreate(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please provide volume group name and physical volumes", EXIT_INVALID);
  if (a.size() < 2) return failed("Please enter physical volume name(s)", EXIT_INVALID);
  if (auto r = check_vg_name(a[0]); !r) return failed(r.error().message, EXIT_INVALID);
  VolumeGroup vg;
  vg.name = a[0];
  vg.id = generate_id();
  if (auto s = c.cl().get("physicalextentsize")) {
    auto sz = alloc::parse_size(*s, 'm');
    if (!sz || sz->sign != alloc::Sign::none) return failed(fmt::format("Invalid argument for --physicalextentsize: {}", *s), EXIT_INVALID);
    if (auto r = alloc::check_extent_size(sz->sectors); !r) return failed(r.error().message, EXIT_INVALID);
    vg.extent_size = sz->sectors;
  }
  if (auto p = c.cl().get("alloc")) {
    auto pol = parse_allocation_policy(*p);
    if (!pol || *pol == AllocationPolicy::inherit) return failed(fmt::format("Invalid argument for --alloc: {}", *p), EXIT_INVALID);
    if (*pol != AllocationPolicy::normal) vg.allocation_policy = pol;
  }
  if (auto t = apply_tags(c, vg.tags); !t) return std::unexpected(t.error());
  if (auto r = c.open(true, std::vector<std::string>(a.begin() + 1, a.end())); !r) return r;
  if (c.store().find_vg(vg.name)) return failed(fmt::format("A volume group called {} already exists.", vg.name));
  std::vector<std::string> paths(a.begin() + 1, a.end());
  for (const auto& p : paths)
    if (auto r = add_new_pv(c, vg, p); !r) return r;
  const bool shared = c.cl().has("shared");
  if (shared)
    if (auto r = shared_vgcreate_prepare(c, vg); !r) return r;
  if (auto r = c.commit(vg, std::nullopt); !r) return r;
  c.say(fmt::format("Volume group \"{}\" successfully created", vg.name));
  if (shared) return shared_vgcreate_finish(c, vg);
  return {};
}

Outcome<void> cmd_vgextend(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.size() < 2) return failed("Please enter volume group name and physical volume(s)", EXIT_INVALID);
  if (auto r = c.open(true, std::vector<std::string>(a.begin() + 1, a.end())); !r) return r;
  auto old = c.vg(a[0]);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  std::vector<std::string> paths(a.begin() + 1, a.end());
  for (const auto& p : paths)
    if (auto r = add_new_pv(c, vg, p); !r) return r;
  if (auto r = c.commit(vg, *old); !r) return r;
  c.say(fmt::format("Volume group \"{}\" successfully extended", vg.name));
  return {};
}

Outcome<void> cmd_vgremove(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please enter one or more volume group paths", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  bool all_removed = true;
  for (const auto& name : a) {
    auto old = c.vg(name);
    if (!old) return std::unexpected(old.error());
    const VolumeGroup vg = *old;
    // A shared VG: not while other hosts are in its lockspace (lvm2 removes
    // the LVs before it finds out; nothing is removed here).
    if (auto r = shared_vg_free_check(c, vg); !r) return r;
    const auto vis = lv_visibility(vg);  // lvm2's: a snapshot counts as its COW LV
    const auto visible = std::count(vis.begin(), vis.end(), true);
    // lvm asks about the VG, then about each active LV, unless -f (or -y).
    if (visible > 0 && c.force_count() == 0 &&
        yes_no(c, fmt::format("Do you really want to remove volume group \"{}\" containing {} logical volumes? [y/n]: ",
                              name, visible)) == 'n') {
      c.warn(fmt::format("Volume group \"{}\" not removed", name));
      all_removed = false;
      continue;
    }
    VolumeGroup remaining = vg;
    bool kept = false;
    for (const auto& lv : vg.lvs) {
      if (c.force_count() == 0) {
        auto ok = confirm_lv_removal(c, vg, lv);
        if (!ok) return std::unexpected(ok.error());
        if (!*ok) {
          kept = true;
          continue;
        }
      }
      // Snapshots and their carriers go down with their origin.
      if (shared_vg_keeps_until_free(vg, lv)) {
        // shared_vg_free deactivates it once the leases are freed.
      } else if (auto r = snapshot_activation(c, vg, lv, false)) {
        if (!*r) return *r;
      } else if (auto r2 = c.deactivate(vg, lv); !r2) {
        return r2;
      }
      std::erase_if(remaining.lvs, [&](const LogicalVolume& x) { return x.name == lv.name; });
      if (lv_is_visible(vg, lv)) c.say(fmt::format("Logical volume \"{}\" successfully removed.", lv.name));
    }
    if (kept) {
      // The LVs said yes to are gone, as lvm removes them one by one.
      if (remaining.lvs.size() != vg.lvs.size())
        if (auto r = c.commit(remaining, vg); !r) return r;
      all_removed = false;
      continue;
    }
    auto paths = c.pv_paths(name);
    c.archive(vg);
    if (!c.test_mode())
      for (const auto& [pvn, p] : paths) {
        if (auto r = c.store().clear_metadata(Cmd::normal_path(p)); !r) return failed(r.error().message);
        if (auto r = c.store().set_pv_in_use(Cmd::normal_path(p), false); !r) return failed(r.error().message);
      }
    shared_vg_free(c, vg, paths);
    c.say(fmt::format("Volume group \"{}\" successfully removed", name));
  }
  if (!all_removed) return failed("");
  return {};
}

Outcome<void> cmd_vgrename(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.size() != 2) return failed("Old and new volume group names need specifying", EXIT_INVALID);
  if (auto r = check_vg_name(a[1]); !r) return failed(r.error().message, EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(a[0]);
  if (!old) return std::unexpected(old.error());
  if (c.store().find_vg(a[1])) return failed(fmt::format("New volume group \"{}\" already exists", a[1]));
  VolumeGroup vg = *old;
  vg.name = a[1];
  if (auto r = c.commit(vg, *old); !r) return r;
  c.say(fmt::format("Volume group \"{}\" successfully renamed to \"{}\"", a[0], a[1]));
  return {};
}

Outcome<void> cmd_vgcfgbackup(Cmd& c) {
  if (auto r = c.open(false); !r) return r;
  const std::vector<std::string> names = c.vg_names_or_all();
  for (const auto& n : names) {
    auto vg = c.vg(n);
    if (!vg) return std::unexpected(vg.error());
    std::string file = c.cl().get("file").value_or(c.config().backup_dir + "/" + n);
    if (names.size() > 1 && c.cl().has("file")) {
      // lvm expands %s in the file name to the VG name.
      if (auto p = file.find("%s"); p != std::string::npos) file.replace(p, 2, n);
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
    std::ofstream f(file);
    if (!f) return failed(fmt::format("Failed to write backup file {}", file));
    f << c.backup_text(*vg, "Created *after* executing '" + c.cl().text + "'");
    if (!f) return failed(fmt::format("Failed to write backup file {}", file));
    c.say(fmt::format("Volume group \"{}\" successfully backed up.", n));
  }
  return {};
}

// Restoring metadata under active LVs leaves devices that no longer match
// it: lvm names each active LV and asks (unless -y).
Outcome<void> confirm_restore_over_active(Cmd& c, const VolumeGroup& restored) {
  activate::Driver* drv = c.driver(false);
  if (!drv) return {};
  std::vector<std::string> active;
  auto collect = [&](const VolumeGroup& vg) {
    auto states = drv->states(vg);
    if (!states) return;
    for (std::size_t i = 0; i < vg.lvs.size(); ++i)
      if ((*states)[i].active && std::find(active.begin(), active.end(), vg.lvs[i].name) == active.end())
        active.push_back(vg.lvs[i].name);
  };
  if (const format::VgState* cur = c.store().find_vg(restored.name)) collect(cur->text.vg);
  collect(restored);
  if (active.empty()) return {};
  for (const auto& lv : active) c.say(fmt::format("Volume group {} has active volume: {}.", restored.name, lv));
  c.warn(fmt::format("WARNING: Found {} active volume(s) in volume group \"{}\".", active.size(), restored.name));
  c.say("Restoring VG with active LVs, may cause mismatch with its metadata.");
  if (yes_no(c, fmt::format("Do you really want to proceed with restore of volume group \"{}\", while {} volume(s) "
                            "are active? [y/n]: ",
                            restored.name, active.size())) == 'n')
    return failed("Restore aborted.");
  return {};
}

Outcome<void> cmd_vgcfgrestore(Cmd& c) {
  const auto& a = c.cl().args;
  if (auto r = c.open(true); !r) return r;
  if (c.cl().has("list")) {
    std::string name = a.empty() ? "" : a[0];
    std::error_code ec;
    std::vector<std::string> files;
    for (auto& e : std::filesystem::directory_iterator(c.config().archive_dir, ec))
      if (e.path().filename().string().starts_with(name + "_")) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) c.say("File:\t\t" + f);
    return {};
  }
  if (a.size() != 1) return failed("Please specify a *single* volume group to restore.", EXIT_INVALID);
  std::string file = c.cl().get("file").value_or(c.config().backup_dir + "/" + a[0]);
  std::ifstream f(file);
  if (!f) return failed(fmt::format("Couldn't read backup file {}", file));
  std::stringstream ss;
  ss << f.rdbuf();
  auto text = format::import_vg_text(ss.str());
  if (!text) return failed(fmt::format("Couldn't read volume group metadata from file {}: {}", file, text.error().message));
  VolumeGroup vg = text->vg;
  vg.name = a[0];
  if (auto r = confirm_restore_over_active(c, vg); !r) return r;
  // PVs by id among the scanned devices.
  std::vector<std::string> paths;
  for (auto& pv : vg.pvs) {
    std::string path;
    for (const auto& s : c.store().pvs())
      if (s.is_pv && s.label.pv_id == pv.id) path = s.path;
    if (path.empty()) return failed(fmt::format("Couldn't find device with uuid {}.", format_id(pv.id)));
    paths.push_back(path);
  }
  std::optional<VolumeGroup> previous;
  if (const format::VgState* cur = c.store().find_vg(a[0])) previous = cur->text.vg;
  std::uint64_t seq = std::max(previous ? previous->seqno : 0, vg.seqno);
  VolumeGroup base = vg;
  base.seqno = seq;
  if (auto r = c.commit(vg, base); !r) return r;
  c.say(fmt::format("Restored volume group {}.", vg.name));
  return {};
}


namespace {

// The VGs vgchange acts on: those named (or every VG), kept when -S matches.
Outcome<std::vector<std::string>> vgchange_targets(Cmd& c) {
  std::vector<std::string> names = c.vg_names_or_all();
  for (const auto& n : c.cl().args)
    if (!c.store().find_vg(n)) return failed(fmt::format("Volume group \"{}\" not found", n));
  auto text = c.cl().get("select");
  if (!text) return names;
  auto sel = report::parse_selection(report::ReportType::vgs, *text);
  if (!sel) return failed(Cmd::indented(sel.error().message));
  ReportData rows = report_rows(c, false);
  std::vector<std::string> out;
  for (const auto& v : rows.in.vgs)
    if (std::find(names.begin(), names.end(), v.vg->name) != names.end() &&
        report::row_selected(*sel, report::Row{.vg = &v}))
      out.push_back(v.vg->name);
  return out;
}

Outcome<std::uint64_t> count_argument(const std::string& name, const std::string& v) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size())
    return failed(fmt::format("Invalid argument for --{}: {}", name, v), EXIT_INVALID);
  return n;
}

// -s: every PV and segment must be whole extents of the new size, as lvm2
// checks before it rescales the VG.
Outcome<void> change_extent_size(VolumeGroup& vg, sector_t size) {
  const sector_t old = vg.extent_size;
  if (size == old) return {};
  const auto fits = [&](extent_t e) { return (e * old) % size == 0; };
  extent_t total = 0, free = 0;
  for (const auto& pv : vg.pvs) {
    total += pv.pe_count;
    free += pv_free_extents(vg, pv);
  }
  // lvm2's checks in its order: the whole VG, its free space, then each part.
  if (!fits(total)) return failed("New extent size is not a perfect fit");
  if (!fits(free))
    return failed(fmt::format("New size {} for {} free space not an exact number of new extents.", free * old, vg.name));
  for (const auto& pv : vg.pvs)
    if (!fits(pv.pe_count)) return failed("New extent size is not a perfect fit");
  for (const auto& lv : vg.lvs)
    for (const auto& seg : lv.segments) {
      if (!fits(seg.start_extent) || !fits(seg.extent_count) || !seg.is_striped())
        return failed("New extent size is not a perfect fit");
      for (const auto& a : seg.stripes)
        if (!fits(a.start) || !fits(seg.area_extents())) return failed("New extent size is not a perfect fit");
    }
  const auto scale = [&](extent_t e) { return e * old / size; };
  for (auto& pv : vg.pvs) pv.pe_count = scale(pv.pe_count);
  for (auto& lv : vg.lvs)
    for (auto& seg : lv.segments) {
      seg.start_extent = scale(seg.start_extent);
      seg.extent_count = scale(seg.extent_count);
      for (auto& a : seg.stripes) a.start = scale(a.start);
    }
  vg.extent_size = size;
  return {};
}

// -x, -l, -p, --addtag/--deltag, --uuid, -s, --alloc: one commit per VG.
Outcome<void> vgchange_metadata(Cmd& c) {
  std::optional<bool> resizeable;
  if (auto x = c.cl().get("resizeable")) {
    if (*x != "y" && *x != "n") return failed(fmt::format("Invalid argument for --resizeable: {}", *x), EXIT_INVALID);
    resizeable = *x == "y";
  }
  std::optional<std::uint64_t> max_lv, max_pv;
  if (auto l = c.cl().get("logicalvolume")) {
    auto n = count_argument("logicalvolume", *l);
    if (!n) return std::unexpected(n.error());
    max_lv = *n;
  }
  if (auto p = c.cl().get("maxphysicalvolumes")) {
    auto n = count_argument("maxphysicalvolumes", *p);
    if (!n) return std::unexpected(n.error());
    max_pv = *n;
  }
  std::optional<sector_t> extent_size;
  if (auto s = c.cl().get("physicalextentsize")) {
    auto sz = alloc::parse_size(*s, 'm');
    if (!sz || sz->sign != alloc::Sign::none)
      return failed(fmt::format("Invalid argument for --physicalextentsize: {}", *s), EXIT_INVALID);
    if (auto r = alloc::check_extent_size(sz->sectors); !r) return failed(r.error().message, EXIT_INVALID);
    extent_size = sz->sectors;
  }
  std::optional<AllocationPolicy> policy;
  if (auto a = c.cl().get("alloc")) {
    policy = parse_allocation_policy(*a);
    if (!policy || *policy == AllocationPolicy::inherit)
      return failed(fmt::format("Invalid argument for --alloc: {}", *a), EXIT_INVALID);
  }
  if (auto r = c.open(true); !r) return r;
  auto names = vgchange_targets(c);
  if (!names) return std::unexpected(names.error());
  bool any_failed = false;
  for (const auto& n : *names) {
    auto old = c.vg(n);
    if (!old) return std::unexpected(old.error());
    VolumeGroup vg = *old;
    auto step = [&]() -> Outcome<void> {
      if (resizeable) {
        if (vg.status.has("RESIZEABLE") == *resizeable)
          return failed(fmt::format("Volume group \"{}\" is already {}resizeable", n, *resizeable ? "" : "not "));
        if (*resizeable) vg.status.add("RESIZEABLE");
        else vg.status.remove("RESIZEABLE");
      }
      if (max_lv) {
        std::uint64_t visible = 0;
        for (const auto& lv : vg.lvs) visible += lv_is_visible(vg, lv) ? 1 : 0;
        if (*max_lv && *max_lv < visible)
          return failed(fmt::format("MaxLogicalVolume is less than the current number {} of LVs for {}", visible, n));
        vg.max_lv = *max_lv;
      }
      if (max_pv) {
        if (*max_pv && *max_pv < vg.pvs.size())
          return failed(fmt::format("MaxPhysicalVolumes is less than the current number {} of PVs for \"{}\"",
                                    vg.pvs.size(), n));
        vg.max_pv = *max_pv;
      }
      if (auto t = apply_tags(c, vg.tags); !t) return std::unexpected(t.error());
      if (c.cl().has("uuid")) {
        for (const auto& lv : vg.lvs)
          if (c.is_active(vg, lv)) return failed("Volume group has active logical volumes");
        c.store().allow_replacing_vg(vg.id);
        vg.id = generate_id();
      }
      if (extent_size)
        if (auto r = change_extent_size(vg, *extent_size); !r) return r;
      if (policy) {
        if (*policy == AllocationPolicy::normal) vg.allocation_policy.reset();
        else vg.allocation_policy = *policy;
      }
      if (auto r = c.commit(vg, *old); !r) return r;
      c.say(fmt::format("Volume group \"{}\" successfully changed", n));
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

Outcome<void> cmd_vgchange(Cmd& c) {
  if (c.cl().has("lockstart") || c.cl().has("lockstop")) return cmd_vgchange_lock(c);
  if (c.cl().has("locktype")) return cmd_vgchange_locktype(c);
  auto act = c.cl().get("activate");
  if (!act)
    for (auto opt : {"addtag", "deltag", "resizeable", "logicalvolume", "maxphysicalvolumes", "uuid",
                     "physicalextentsize", "alloc"})
      if (c.cl().has(opt)) return vgchange_metadata(c);
  if (!act) return failed("Need one or more command options.", EXIT_INVALID);
  auto on = parse_activate(*act);
  if (!on) return std::unexpected(on.error());
  if (auto r = announce_activation_mode(c); !r) return r;
  if (auto r = c.open(false); !r) return r;
  auto targets = vgchange_targets(c);
  if (!targets) return std::unexpected(targets.error());
  const std::vector<std::string>& names = *targets;
  bool any_failed = false;
  for (const auto& n : names) {
    auto vg = c.vg(n);
    if (!vg) return std::unexpected(vg.error());
    // Every LV in one driver session with one device list, and per-LV
    // lookups (snapshots, names) from an index instead of a scan per LV.
    VgIndexScope index(*vg);
    activate::Driver* drv = vg->lvs.empty() || c.test_mode() ? nullptr : c.driver(*on);
    // Pipelined both ways: -ay makes the LVs' devices together at the end,
    // -an removes them together (a round of infos and removes per level).
    const bool batched = drv && drv->begin_batch(/*pipelined=*/true).has_value();
    unsigned active = 0;
    for (const auto& lv : vg->lvs) {
      if (!lv.visible()) continue;
      if (*on && lv.flags.has("ACTIVATION_SKIP") && !c.cl().has("ignoreactivationskip")) continue;
      // As lvm: a failing LV is reported and the others still activated.
      if (auto r = set_activation(c, *vg, lv, *on); !r) {
        c.warn(r.error().message);
        any_failed = true;
        if (!*on && c.is_active(*vg, lv)) ++active;
        continue;
      }
      if (*on) ++active;
    }
    if (batched)
      for (const auto& f : drv->end_batch()) {  // LVs whose devices were made or removed together at the end
        c.warn(f.error.message);
        any_failed = true;
        if (*on) {
          --active;
          continue;
        }
        const std::string_view lv_name = std::string_view(f.lv).substr(f.lv.find('/') + 1);
        for (const auto& lv : vg->lvs)
          if (lv.name == lv_name && c.is_active(*vg, lv)) ++active;
      }
    c.say(fmt::format("{} logical volume(s) in volume group \"{}\" now active", active, n));
  }
  if (any_failed) return failed("");
  return {};
}

}  // namespace udm::lvm::api::detail

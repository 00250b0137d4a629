// vgreduce, as lvm2 2.03.16:
//   vgreduce VG PV... | -a VG         empty PVs leave the VG, one at a time;
//   vgreduce --removemissing VG       PVs not found leave the VG when no LV
//       uses them; else the partial LVs are named, the VG is written with
//       the PVs flagged MISSING, and the command fails;
//   ... --force                       first a raid LV's images on them become
//       error segments, a mirror drops its images (and disk log) there, and
//       other partial LVs are removed; --mirrorsonly removes only from
//       mirrors and raids (other partial LVs are named and kept).
#include <set>

#include "lvm/api/cmd.hpp"
#include "lvm/api/vgreduce_plan.hpp"

namespace udm::lvm::api::detail {
namespace {

// A command line lvm2 refuses without a --help hint.
Outcome<void> refused(Cmd& c, const std::string& why) {
  c.warn(why);
  return failed("", EXIT_INVALID);
}

// lvm2's words when the command line matches none of vgreduce's syntaxes.
Outcome<void> no_matching_syntax(Cmd& c, bool removemissing_usage) {
  if (removemissing_usage) c.say_raw("  vgreduce --removemissing VG\n  Remove all missing PVs from a VG.\n\n");
  std::string m = "No command with matching syntax recognised.  Run 'vgreduce --help' for more information.";
  c.warn(m);
  if (removemissing_usage) c.warn("Nearest similar command has syntax:");
  return failed("", EXIT_INVALID);
}

// The VG being repaired: what is committed, and the PVs not found.
struct Repair {
  VolumeGroup cur;                   // as last committed
  std::set<std::string> missing;     // PV names: not found or flagged MISSING
  std::vector<std::string> unfound;  // ids of the PVs not found, in VG order (names change)
  // PVs flagged MISSING that are there again: id and device.
  std::vector<std::pair<std::string, std::string>> returned;
};

// What lvm2 says of a PV written while it was missing, at each read and write.
void previously_missing(Cmd& c, const VolumeGroup& vg, const std::pair<std::string, std::string>& pv) {
  c.warn(fmt::format("WARNING: VG {} was previously updated while PV {} was missing.", vg.name, pv.second));
}

// Writes `vg` as lvm2 does after each change (`writes` of its commits: it
// names each PV not found at each one) and reloads `lv` when it is active,
// removing the devices of its sub-LVs `gone`.
Outcome<void> write(Cmd& c, Repair& r, VolumeGroup vg, unsigned writes, const std::string& lv = {},
                    const std::vector<std::string>& gone = {}) {
  for (unsigned i = 0; i < writes; ++i) {
    for (const auto& id : r.unfound)
      if (vg.find_pv_by_id(id)) c.warn(fmt::format("WARNING: Couldn't find device with uuid {}.", format_id(id)));
    for (const auto& pv : r.returned)
      if (vg.find_pv_by_id(pv.first)) previously_missing(c, vg, pv);
  }
  const bool active = !lv.empty() && !c.test_mode() && r.cur.find_lv(lv) && c.is_active(r.cur, *r.cur.find_lv(lv));
  const VolumeGroup before = r.cur;
  // As many commits as lvm2's, so the seqno is lvm2's too.
  for (unsigned i = 0; i < writes; ++i) {
    if (auto w = c.commit(vg, r.cur); !w) return w;
    vg.seqno = r.cur.seqno + 1;
    r.cur = vg;
  }
  if (!active) return {};
  if (auto a = c.activate(r.cur, *r.cur.find_lv(lv)); !a) return a;
  return remove_sub_lv_devices(c, before, gone, lv);
}

// A partial LV removed (lvm2's lv_remove_with_dependencies, no questions).
Outcome<void> remove_partial(Cmd& c, Repair& r, VolumeGroup vg, const std::string& lvn) {
  if (auto x = remove_lv(c, vg, lvn); !x) return x;
  c.say(fmt::format("Logical volume \"{}\" successfully removed.", lvn));
  return write(c, r, std::move(vg), 1);
}

// lvm2's _make_vg_consistent before its _consolidate_vg: each partial LV
// in turn, starting over after each change.
Outcome<void> force_consistent(Cmd& c, Repair& r) {
  const bool mirrors_only = c.cl().has("mirrorsonly");
  // Each step takes an LV or an image away: the VG's LV count bounds them.
  for (std::size_t round = 0; round <= 2 * r.cur.lvs.size() + 1; ++round) {
    VolumeGroup vg = r.cur;
    const MissingStep step = next_missing_fix(vg, r.missing, mirrors_only);
    for (const auto& n : step.refused) c.warn(fmt::format("Non-mirror-image LV {} found: can't remove.", n));
    if (!step.fix) return {};
    switch (*step.fix) {
      case MissingFix::raid_errors:
        if (auto x = raid_remove_missing(vg, step.lv, r.missing); !x) return failed(x.error().message);
        if (auto w = write(c, r, std::move(vg), 1, step.lv); !w) return w;
        break;
      case MissingFix::mirror_images: {
        auto fix = mirror_remove_missing(vg, step.lv, r.missing);
        if (!fix) return failed(fix.error().message);
        if (fix->no_images_left) {
          c.warn(fmt::format("No usable images left in {}.", display_lvname(vg, step.lv)));
          if (auto w = remove_partial(c, r, std::move(vg), step.lv); !w) return w;
          break;
        }
        // lvm2 writes the VG five times taking the images out.
        if (auto w = write(c, r, std::move(vg), 5, step.lv, fix->gone); !w) return w;
        break;
      }
      case MissingFix::remove_lv:
        c.warn(fmt::format("WARNING: Removing partial LV {}.", display_lvname(vg, step.lv)));
        if (auto w = remove_partial(c, r, std::move(vg), step.lv); !w) return w;
        break;
    }
  }
  return failed(fmt::format("Internal error: partial LVs of VG {} are still being repaired.", r.cur.name));
}

// lvm2's _consolidate_vg: without partial LVs the missing PVs leave `vg`.
bool consolidate(Cmd& c, const Repair& r, VolumeGroup& vg) {
  const auto partial = partial_lvs(vg, r.missing);
  for (const auto& n : partial) c.warn(fmt::format("WARNING: Partial LV {} needs to be repaired or removed. ", n));
  if (!partial.empty()) {
    c.warn(fmt::format("There are still partial LVs in VG {}.", vg.name));
    c.warn("To remove them unconditionally use: vgreduce --removemissing --force.");
    c.warn("To remove them unconditionally from mirror LVs use: vgreduce --removemissing --mirrorsonly --force.");
    c.warn("WARNING: Proceeding to remove empty missing PVs.");
    return false;
  }
  const auto used = pv_extent_map(vg);
  for (const auto& n : std::vector<std::string>(r.missing.begin(), r.missing.end())) {
    const PhysicalVolume* pv = vg.find_pv(n);
    if (!pv) continue;
    if (vg.pvs.size() == 1) {
      c.warn("Volume Groups must always contain at least one PV.");
      return false;
    }
    if (std::any_of(used.begin(), used.end(), [&](const PvExtentUse& u) { return u.pv_name == n; })) {
      c.warn(fmt::format("LVs still present on PV with UUID {}: Can't remove from VG {}.", format_id(pv->id), vg.name));
      return false;
    }
    std::erase_if(vg.pvs, [&](const PhysicalVolume& p) { return p.name == n; });
  }
  renumber_pvs(vg);
  return true;
}

Outcome<void> remove_missing(Cmd& c) {
  const std::string name = c.cl().args[0];
  if (auto o = c.open(true); !o) return o;
  auto old = c.vg(name);
  if (!old) return failed(Cmd::indented(fmt::format("{}\nCannot process volume group {}", old.error().message, name)));
  Repair r{*old, {}, {}, {}};
  const auto paths = c.pv_paths(name);
  for (const auto& pv : old->pvs) {
    if (!paths.contains(pv.name)) r.unfound.push_back(pv.id);
    else if (pv.flags.has("MISSING") || pv.status.has("MISSING")) r.returned.emplace_back(pv.id, paths.at(pv.name));
    if (!paths.contains(pv.name) || pv.flags.has("MISSING") || pv.status.has("MISSING")) r.missing.insert(pv.name);
  }
  if (r.missing.empty()) {
    c.say(fmt::format("Volume group \"{}\" is already consistent.", name));
    return {};
  }
  // lvm2 reads the VG again to repair it, naming the PVs not found again.
  for (const auto& pv : r.returned) {
    previously_missing(c, *old, pv);
    c.warn(fmt::format("WARNING: VG {} was missing PV {} {}.", name, pv.second, format_id(pv.first)));
  }
  for (const auto& id : r.unfound) c.warn(fmt::format("WARNING: Couldn't find device with uuid {}.", format_id(id)));
  for (const auto& pv : r.returned) previously_missing(c, *old, pv);
  // Written from now on with the PVs not found flagged MISSING, as lvm2.
  c.flag_missing_pvs(r.cur);
  const bool force = c.force_count() > 0;
  if (force)
    if (auto f = force_consistent(c, r); !f) return f;
  VolumeGroup vg = r.cur;
  // lvm2 says it wrote a consistent VG after --force even with partial LVs kept.
  const bool fixed = consolidate(c, r, vg) || force;
  if (auto w = write(c, r, std::move(vg), 1); !w)
    return failed(Cmd::indented(fmt::format("{}\nFailed to write out a consistent VG for {}", w.error().message, name)));
  if (!fixed) return failed("");
  c.say(fmt::format("Wrote out consistent volume group {}.", name));
  return {};
}

}  // namespace

Outcome<void> cmd_vgreduce(Cmd& c) {
  const auto& a = c.cl().args;
  const bool repairing = c.cl().has("removemissing");
  const bool all = c.cl().has("all");
  // lvm2's command-line matching, before vgreduce.c's own checks.
  if (c.cl().has("mirrorsonly") && !repairing) return refused(c, "Command does not accept option: --mirrorsonly.");
  if (repairing && all) return refused(c, "Command does not accept option: --removemissing.");
  if (a.empty()) return no_matching_syntax(c, repairing);
  if (repairing && a.size() > 1) return refused(c, fmt::format("Command does not accept argument: {}.", a[1]));
  if (repairing) return remove_missing(c);
  if (a.size() < 2 && !all) return no_matching_syntax(c, false);
  if (all && a.size() > 1) return refused(c, fmt::format("Command does not accept argument: {}.", a[1]));
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(a[0]);
  if (!old) return std::unexpected(old.error());
  VolumeGroup cur = *old;
  std::vector<std::string> paths(a.begin() + 1, a.end());
  if (all) {  // -a: every PV of the VG found, in VG order
    const auto found = c.pv_paths(a[0]);
    for (const auto& pv : old->pvs)
      if (auto it = found.find(pv.name); it != found.end()) paths.push_back(it->second);
  }
  // As lvm2: one PV at a time, each written; one that cannot go is named
  // and the others still go.
  bool any_failed = false;
  for (const auto& p : paths) {
    const std::string name = c.pv_name_of_path(cur, p);
    if (name.empty()) return failed(fmt::format("Physical Volume \"{}\" not found in Volume Group \"{}\".", p, cur.name));
    const auto used = pv_extent_map(cur);
    if (std::any_of(used.begin(), used.end(), [&](const PvExtentUse& u) { return u.pv_name == name; })) {
      c.warn(fmt::format("Physical volume \"{}\" still in use", p));
      any_failed = true;
      continue;
    }
    if (cur.pvs.size() == 1) {
      c.warn(fmt::format("Can't remove final physical volume \"{}\" from volume group \"{}\"", p, cur.name));
      any_failed = true;
      continue;
    }
    VolumeGroup vg = cur;
    std::erase_if(vg.pvs, [&](const PhysicalVolume& x) { return x.name == name; });
    if (auto r = c.commit(vg, cur); !r) return r;
    vg.seqno = cur.seqno + 1;
    cur = std::move(vg);
    if (!c.test_mode()) {
      if (auto r = c.store().clear_metadata(Cmd::normal_path(p)); !r) return failed(r.error().message);
      if (auto r = c.store().set_pv_in_use(Cmd::normal_path(p), false); !r) return failed(r.error().message);
    }
    c.say(fmt::format("Removed \"{}\" from volume group \"{}\"", p, cur.name));
  }
  if (any_failed) return failed("");
  return {};
}

}  // namespace udm::lvm::api::detail

// pvmove as lvm2 does it. The extents of the source PV that LVs use become
// segments of a hidden LV `pvmove0` (status PVMOVE, LOCKED; allocation
// contiguous), each a `mirror` of its source area and a destination area
// (extents_moved = 0); the LVs' areas name pvmove0 instead (the LVs get
// LOCKED). One segment runs as a mirror at a time: the others are linear,
// on the destination once copied and on the source before. Each time the
// running segment is in sync its extents_moved is committed and pvmove0
// reloaded, so the next one runs; the metadata is the only state, so a
// kill of ulvm or udmd at any point is continued by a bare `pvmove` (or
// undone by `pvmove --abort`: copied segments stay moved, the rest stay on
// the source, as lvm2 does). At the end the LVs' areas go back onto PVs
// (split where pvmove0's segments split them), pvmove0 leaves the metadata
// and its device goes once the LVs are reloaded off it.
//
// Device changes keep the LVs in use: pvmove0 first comes up (or is
// reloaded) with every segment linear, the very mapping the LVs had, and
// only once every active LV maps onto it does a segment run as a mirror, so
// no write can reach a region being copied without going through the mirror.

#include "lvm/api/mirror_activate.hpp"
#include "lvm/api/progress.hpp"
#include "lvm/api/pvmove_metadata.hpp"
#include "lvm/segtypes/mirror.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::api::detail {
namespace {

struct Move {
  std::string vg_name;
  std::string mv_name;       // "pvmove0"
  std::string display_name;  // the source PV as lvm2 prints it
};

// Brings the devices in line with the metadata: active LVs onto pvmove0
// (which comes up linear), then pvmove0 with its running segment.
Outcome<void> bring_up(Cmd& c, const VolumeGroup& vg, const std::string& mv_name) {
  if (c.test_mode()) return {};
  const VolumeGroup lin = pvmove_linear_view(vg, mv_name);
  std::vector<const LogicalVolume*> active;
  for (const auto& n : lvs_using(vg, mv_name))
    if (const LogicalVolume* lv = vg.find_lv(n); lv && c.is_active(vg, *lv)) active.push_back(lv);
  if (!active.empty()) {
    if (auto r = c.activate(lin, *lin.find_lv(mv_name)); !r) return r;
    for (const LogicalVolume* lv : active)
      if (auto r = c.activate(lin, *lin.find_lv(lv->name)); !r) return r;
  }
  return c.activate(vg, *vg.find_lv(mv_name));
}

// Ends a pvmove (finished or aborted): the metadata without pvmove0, the
// LVs reloaded off it, its device removed.
Outcome<void> finish(Cmd& c, const std::string& vg_name, const std::string& mv_name) {
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(vg_name);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  const LogicalVolume* mv = vg.find_lv(mv_name);
  if (!mv) return {};
  std::vector<std::string> uuids{dm_device_uuid(vg.id, mv->id)};  // pvmove0 and an --atomic one's images
  for (const auto& n : pvmove_image_lvs(vg, mv_name)) uuids.push_back(dm_device_uuid(vg.id, vg.find_lv(n)->id));
  const std::vector<std::string> users = lvs_using(vg, mv_name);
  pvmove_remove(vg, mv_name);
  if (auto r = c.commit(vg, *old); !r) return r;
  if (c.test_mode()) return {};
  for (const auto& n : users) {
    const LogicalVolume* lv = vg.find_lv(n);
    if (lv && c.is_active(vg, *lv))
      if (auto r = c.activate(vg, *lv); !r) return r;
  }
  if (activate::Driver* d = c.driver(false)) {
    for (const auto& uuid : uuids) {
      auto i = d->info(uuid);
      if (!i || !i->exists) continue;
      activate::DeviceTree t;
      activate::DmDevice dev;
      dev.uuid = uuid;
      t.add(std::move(dev));
      if (auto r = d->remove(t, fmt::format("{}/{}", vg_name, mv_name)); !r) return failed(r.error().message);
    }
  }
  c.release_locks();
  return {};
}

// One poll: reads pvmove0's status; when its running segment is in sync,
// commits it as moved and reloads pvmove0 so the next one runs.
Outcome<PollCheck> check_move(Cmd& c, const Move& m) {
  if (auto r = c.open(true); !r) return std::unexpected(r.error());
  auto old = c.vg(m.vg_name);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  LogicalVolume* mv = vg.find_lv(m.mv_name);
  if (!mv) {
    // Aborted or finished by another command meanwhile.
    c.release_locks();
    return PollCheck{PollState::finished, 100};
  }
  activate::Driver* d = c.driver(false);
  std::optional<std::vector<extent_t>> copied;
  if (d) copied = mirror_extents_copied(*d, vg, *mv);
  if (!copied) {
    c.release_locks();
    c.say(fmt::format("{}: Interrupted: No longer active.", m.display_name));
    return PollCheck{PollState::failed, 0};
  }
  const std::size_t run = segtypes::pvmove_running_segment(*mv);
  const double percent = static_cast<double>(mirror_copy_percent(*mv, *copied)) / 1'000'000.0;
  if (run >= mv->segments.size()) {
    c.release_locks();
    return PollCheck{PollState::finished, 100};
  }
  Segment& seg = mv->segments[run];
  if ((*copied)[run] < seg.extent_count) {
    c.release_locks();
    return PollCheck{PollState::unfinished, percent};
  }
  // The running segment is in sync: commit it as moved, then reload.
  auto k = *segtypes::mirror_keys(seg);
  k.extents_moved = seg.extent_count;
  segtypes::set_mirror_keys(seg, k);
  const bool last = segtypes::pvmove_running_segment(*mv) >= mv->segments.size();
  if (auto r = c.commit(vg, *old); !r) return std::unexpected(r.error());
  if (!c.test_mode())
    if (auto r = c.activate(vg, *vg.find_lv(m.mv_name)); !r) {
      c.warn(r.error().message);
      c.release_locks();
      return failed(fmt::format("Unable to reactivate logical volume \"{}\".", m.mv_name));
    }
  c.release_locks();
  return PollCheck{last ? PollState::finished : PollState::unfinished, percent};
}

Outcome<void> poll_move(Cmd& c, const PollOptions& o, const Move& m) {
  c.release_locks();
  auto r = poll_progress(c, o, m.display_name, "Moved", [&] { return check_move(c, m); });
  if (!r) {
    if (r.error().message.empty()) return {};  // "Interrupted" was printed
    return r;
  }
  return finish(c, m.vg_name, m.mv_name);
}

Outcome<void> run_move(Cmd& c, const PollOptions& o, const Move& m) {
  if (c.test_mode()) return {};
  if (c.cl().has("background")) {
    poll_in_background(c, o, [&](const PollOptions& quiet) { (void)poll_move(c, quiet, m); });
    return {};
  }
  return poll_move(c, o, m);
}

// The VG a PV path belongs to, with the PV's name in it.
struct PvRef {
  std::string vg;
  std::string pv;
};

Outcome<PvRef> find_pv(Cmd& c, const std::string& path) {
  for (const auto& [name, f] : c.store().vgs()) {
    (void)f;
    auto vg = c.current_vg(name);
    if (!vg) continue;
    std::string pv = c.pv_name_of_path(**vg, path);
    if (!pv.empty()) return PvRef{name, pv};
  }
  if (c.device(path)) return failed(fmt::format("Physical volume {} not in a volume group.", path));
  return failed(fmt::format("Cannot use {}: device not found", path), EXIT_INVALID);
}

// Every pvmove in progress: the VG and its pvmove LV.
std::vector<Move> moves_in_progress(Cmd& c, std::string_view only_vg = {}) {
  std::vector<Move> out;
  for (const auto& [name, f] : c.store().vgs()) {
    (void)f;
    if (!only_vg.empty() && name != only_vg) continue;
    auto vg = c.current_vg(name);
    if (!vg) continue;
    for (const auto& lv : (*vg)->lvs) {
      if (!segtypes::lv_is_pvmove(lv)) continue;
      const std::string src = pvmove_source(lv);
      const auto paths = c.pv_paths(name);
      auto p = paths.find(src);
      out.push_back({name, lv.name, p != paths.end() ? p->second : src});
    }
  }
  return out;
}

}  // namespace

Outcome<void> cmd_pvmove(Cmd& c) {
  auto o = poll_options(c);
  if (!o) return std::unexpected(o.error());
  const auto& args = c.cl().args;
  if (auto r = c.open(true); !r) return r;

  if (c.cl().has("abort")) {
    std::string only_vg;
    if (!args.empty()) {
      auto p = find_pv(c, args[0]);
      if (!p) return std::unexpected(p.error());
      only_vg = p->vg;
    }
    for (const auto& m : moves_in_progress(c, only_vg))
      if (auto r = finish(c, m.vg_name, m.mv_name); !r) return r;
    return {};
  }

  if (args.empty()) {
    // A bare pvmove continues every move in progress.
    const std::vector<Move> moves = moves_in_progress(c);
    for (const auto& m : moves) {
      auto vg = c.vg(m.vg_name);
      if (!vg) return std::unexpected(vg.error());
      if (auto r = bring_up(c, *vg, m.mv_name); !r) return r;
    }
    for (const auto& m : moves)
      if (auto r = run_move(c, *o, m); !r) return r;
    return {};
  }

  auto src_arg = parse_pv_ranges(args[0]);
  if (!src_arg) return failed(src_arg.error().message);
  const std::string& src_path = src_arg->first;
  auto src = find_pv(c, src_path);
  if (!src) return std::unexpected(src.error());
  auto old = c.vg(src->vg);
  if (!old) return std::unexpected(old.error());
  // lvm2 continues the move in progress for this PV; moves from other PVs
  // of the VG run beside it (pvmove1, ...).
  for (const auto& lv : old->lvs) {
    if (!segtypes::lv_is_pvmove(lv) || pvmove_source(lv) != src->pv) continue;
    c.say(fmt::format("Detected pvmove in progress for {}.", src_path));
    if (args.size() > 1 || c.cl().has("name")) c.warn("WARNING: Ignoring remaining command line arguments.");
    if (auto r = bring_up(c, *old, lv.name); !r) return r;
    return run_move(c, *o, {src->vg, lv.name, src_path});
  }
  PvmoveRequest req;
  req.source = src->pv;
  req.source_ranges = src_arg->second;
  req.atomic = c.cl().has("atomic");
  std::vector<std::string>& dests = req.dests;
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto d = parse_pv_ranges(args[i]);
    if (!d) return failed(d.error().message);
    std::string n = c.pv_name_of_path(*old, d->first);
    if (n.empty())
      return failed(fmt::format("Physical Volume \"{}\" not found in Volume Group \"{}\".", d->first, old->name));
    if (n == src->pv) continue;
    dests.push_back(n);
    req.dest_ranges.push_back(d->second);
  }
  if (dests.empty())
    for (const auto& pv : old->pvs)
      if (pv.name != src->pv && pv.status.has("ALLOCATABLE")) dests.push_back(pv.name);
  if (dests.empty())
    return failed(fmt::format("No extents available for allocation."));
  if (auto n = c.cl().get("name")) {
    req.only_lv = split_lv_path(*n, old->name).second;
    const LogicalVolume* lv = old->find_lv(req.only_lv);
    if (!lv) return failed(fmt::format("Logical volume {} not found.", req.only_lv));
  }
  auto policy = policy_of(c, *old, nullptr);
  if (!policy) return std::unexpected(policy.error());
  if (*policy == AllocationPolicy::contiguous) policy = AllocationPolicy::normal;
  req.policy = *policy;
  std::vector<std::string> skipped;
  auto vg = pvmove_set_up(*old, req, &skipped);
  for (const auto& n : skipped) c.say(fmt::format("Skipping locked LV {}/{}.", old->name, n));
  if (!vg && vg.error().code == ENOSPC) {
    std::string next = "pvmove0";
    for (unsigned n = 1; old->find_lv(next); ++n) next = fmt::format("pvmove{}", n);
    c.warn(vg.error().message);
    c.warn(fmt::format("Unable to allocate mirror extents for {}/{}.", old->name, next));
    return failed("Failed to convert pvmove LV to mirrored.");
  }
  if (!vg) return failed(vg.error().message);
  std::string mv_name;
  for (const auto& lv : vg->lvs)
    if (segtypes::lv_is_pvmove(lv) && !old->find_lv(lv.name)) mv_name = lv.name;
  if (auto r = c.commit(*vg, *old); !r) return r;
  if (auto r = bring_up(c, *vg, mv_name); !r) {
    c.warn(r.error().message);
    return failed("ABORTING: Temporary pvmove mirror activation failed. Run pvmove --abort.");
  }
  return run_move(c, *o, {src->vg, mv_name, src_path});
}

}  // namespace udm::lvm::api::detail

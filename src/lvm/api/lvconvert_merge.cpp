// lvconvert --merge VG/SNAP: the old-style snapshot is copied back into its
// origin by the snapshot-merge target, which takes over the origin's device
// (over the origin's -real and the snapshot's -cow layers), so the origin
// stays usable and shows the snapshot's data at once. The metadata says so
// with merging_store (and the carrier loses VISIBLE). ulvm polls the origin's
// status, printing lvm2's "vg/lv: Merged: N%" lines, and when the merge is
// done drops the snapshot from the metadata and the origin goes back to its
// own table. While the origin or snapshot is open the merge waits for the
// origin's next activation, as lvm2 does.

#include <algorithm>
#include <map>
#include <optional>

#include "lvm/api/lvconvert_mirror.hpp"
#include "lvm/api/lvcreate_raid.hpp"
#include "lvm/api/lvcreate_thin.hpp"
#include "lvm/api/progress.hpp"
#include "lvm/api/snapshot_commands.hpp"
#include "lvm/api/snapshot_devices.hpp"
#include "lvm/metadata/dm_names.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/snapshot.hpp"

namespace udm::lvm::api::detail {
namespace {

std::string lvname(const VolumeGroup& vg, std::string_view lv) { return fmt::format("{}/{}", vg.name, lv); }

// The snapshot's percent as lvm2 computes it from the driver's status;
// nullopt = blank (merge failed, no status).
struct MergeProgress {
  bool active = false;
  bool merging_target = false;
  segtypes::SnapshotStatus status;
};

MergeProgress origin_merge_progress(Cmd& c, const VolumeGroup& vg, const LogicalVolume& origin) {
  MergeProgress p;
  DeviceTarget d = device_target(c, dm_device_uuid(vg.id, origin.id));
  p.active = d.exists;
  if (!d.exists || d.type != "snapshot-merge") return p;
  p.merging_target = true;
  if (auto s = segtypes::parse_snapshot_status(d.status)) p.status = *s;
  else p.status.unknown = true;
  return p;
}

// lvm2's lvconvert_merge_finish: the merged snapshot leaves the metadata and
// the origin goes back to its own table (snapshot-origin if others remain).
Outcome<void> finish_merge(Cmd& c, const std::string& vg_name, const std::string& origin_name) {
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(vg_name);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  auto ref = segtypes::merging_snapshot_of_origin(vg, origin_name);
  if (!ref) {
    c.say(fmt::format("Logical volume {} is no longer merging origin, polling has finished.", lvname(vg, origin_name)));
    return {};
  }
  c.say(fmt::format("Merge of snapshot into logical volume {} has finished.", lvname(vg, origin_name)));
  const std::string cow_name = ref->cow;
  const std::string carrier_name = ref->carrier->name;
  const LogicalVolume* cow = vg.find_lv(cow_name);
  const std::string cow_layer = cow ? dm_device_uuid(vg.id, cow->id, "cow") : std::string();
  const std::string cow_top = cow ? dm_device_uuid(vg.id, cow->id) : std::string();
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return x.name == cow_name || x.name == carrier_name; });
  if (auto r = c.commit(vg, *old); !r) return r;
  const LogicalVolume* origin = vg.find_lv(origin_name);
  if (origin && c.is_active(vg, *origin)) {
    if (auto r = c.activate(vg, *origin); !r) return r;
    if (!cow_layer.empty()) {
      remove_unused_device(c, cow_top);
      remove_unused_device(c, cow_layer);
    }
    if (segtypes::snapshots_of_origin(vg, origin_name).empty())
      remove_unused_device(c, dm_device_uuid(vg.id, origin->id, "real"));
  }
  c.say(fmt::format("Logical volume \"{}\" successfully removed.", cow_name));
  return {};
}

// Polls the origin's snapshot-merge until the COW is empty, then finishes.
Outcome<void> poll_merge(Cmd& c, const PollOptions& o, const std::string& vg_name, const std::string& origin_name,
                         const VolumeGroup& vg, const LogicalVolume& origin) {
  c.release_locks();
  const std::string name = lvname(vg, origin_name);
  const VolumeGroup vg_copy = vg;
  const LogicalVolume origin_copy = origin;
  auto r = poll_progress(c, o, name, "Merged", [&]() -> Outcome<PollCheck> {
    MergeProgress p = origin_merge_progress(c, vg_copy, origin_copy);
    if (!p.active) {
      c.say(fmt::format("{}: Interrupted: No longer active.", name));
      return PollCheck{PollState::failed, 0};
    }
    if (!p.merging_target) return PollCheck{PollState::finished, 100};
    if (p.status.merge_failed) {
      c.warn(fmt::format("{}: Merge failed. Retry merge or inspect manually.", name));
      return PollCheck{PollState::failed, 0};
    }
    if (p.status.invalid) {
      c.warn(fmt::format("{}: Merging snapshot invalidated. Aborting merge.", name));
      return PollCheck{PollState::failed, 0};
    }
    const std::int64_t pct = segtypes::snapshot_percent(p.status).value_or(0);
    const double merged = static_cast<double>(PERCENT_100 - pct) / 1'000'000.0;
    return PollCheck{pct == 0 ? PollState::finished : PollState::unfinished, merged};
  });
  if (!r) {
    // "Interrupted: No longer active." is not an error for lvm2.
    if (r.error().message.empty()) return {};
    return r;
  }
  return finish_merge(c, vg_name, origin_name);
}

}  // namespace

// --background, and the merge an activation starts: a child process polls
// and finishes the merge; the command returns at once.
void poll_merge_in_background(Cmd& c, const PollOptions& o, const VolumeGroup& vg, const LogicalVolume& origin) {
  poll_in_background(c, o, [&](const PollOptions& quiet) {
    (void)poll_merge(c, quiet, vg.name, origin.name, vg, origin);
  });
}

namespace {

// A merge started by this command, polled once every merge has started.
struct StartedMerge {
  VolumeGroup vg;
  std::string origin;
};

// lvm2's _lvconvert_merge_old_snapshot for one LV: starts the merge (or
// defers it to the next activation). Returns the merge to poll, if any.
Outcome<std::optional<StartedMerge>> merge_one(Cmd& c, const std::string& vgn, const std::string& lvn) {
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  const LogicalVolume* lv = vg.find_lv(lvn);
  if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
  auto ref = segtypes::snapshot_of_cow(vg, lvn);
  if (!ref) {
    const std::string layout = segtypes::lv_layout(*lv);
    // lvm2 takes a linear or striped LV for a split raid image to merge back.
    if (layout == "linear" || layout == "striped")
      return failed(fmt::format("{} cannot be merged because --trackchanges was not used.", lvname(vg, lvn)));
    return failed(fmt::format("Command on LV {} does not accept LV type {}.", lvname(vg, lvn), layout));
  }
  const LogicalVolume* origin = vg.find_lv(ref->origin);
  if (!origin) return failed(fmt::format("Snapshot {} has no origin.", lvname(vg, lvn)));
  if (auto m = segtypes::merging_snapshot_of_origin(vg, origin->name))
    return failed(fmt::format("Cannot merge snapshot {} into the origin {} with merging snapshot {}.", lvname(vg, lvn),
                              lvname(vg, origin->name), lvname(vg, m->carrier->name)));
  if (!origin->status.has("WRITE"))
    return failed(fmt::format("Cannot merge snapshot {} into the read-only origin {}. (Use lvchange -p rw).",
                              lvname(vg, lvn), lvname(vg, origin->name)));
  const DeviceTarget snap_dev = device_target(c, dm_device_uuid(vg.id, lv->id));
  if (snap_dev.exists) {
    auto s = segtypes::parse_snapshot_status(snap_dev.status);
    if (!s || s->invalid) return failed(fmt::format("Unable to merge invalidated snapshot LV {}.", lvname(vg, lvn)));
  }
  const DeviceTarget origin_dev = device_target(c, dm_device_uuid(vg.id, origin->id));
  bool on_activate = false;
  if (origin_dev.exists) {
    if (origin_dev.open) {
      c.say("Delaying merge since origin is open.");
      on_activate = true;
    } else if (snap_dev.open) {
      c.say("Delaying merge since snapshot is open.");
      on_activate = true;
    }
  }
  // init_snapshot_merge: merging_store, and the carrier is no longer VISIBLE.
  LogicalVolume* carrier = vg.find_lv(ref->carrier->name);
  for (auto& seg : carrier->segments)
    if (segtypes::is_snapshot_segment(seg)) segtypes::set_snapshot_merging(seg, true);
  carrier->status.remove("VISIBLE");
  if (auto r = c.commit(vg, *old); !r) return std::unexpected(r.error());
  const std::string origin_name = origin->name;
  const LogicalVolume* now_origin = vg.find_lv(origin_name);
  if (!on_activate && !c.test_mode()) {
    if (!origin_dev.exists) {
      c.say("Conversion starts after activation.");
      on_activate = true;
    } else if (auto r = c.activate(vg, *now_origin); !r) {
      return std::unexpected(r.error());
    } else {
      // The snapshot's own devices go: the merge owns the COW now.
      remove_unused_device(c, dm_device_uuid(vg.id, lv->id));
    }
  }
  if (on_activate) {
    c.say(fmt::format("Merging of snapshot {} will occur on next activation of {}.", lvname(vg, lvn),
                      lvname(vg, origin_name)));
    return std::nullopt;
  }
  c.say(fmt::format("Merging of volume {} started.", lvname(vg, lvn)));
  if (c.test_mode()) return std::nullopt;
  return StartedMerge{std::move(vg), origin_name};
}

bool has_tag(const std::vector<std::string>& tags, std::string_view tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

}  // namespace

// lvconvert --merge LV|VG|@tag ...: as lvm2's process_each_lv, the LVs named
// (a VG names its visible LVs, @tag the LVs with that tag in every VG) are
// taken VG by VG in the VG's order; every merge is started, a failing one
// reported and the others still started, names not found reported after
// their VG; then each started merge is polled in turn (lvm2's poll list).
Outcome<void> cmd_lvconvert(Cmd& c) {
  if (auto thin = lvconvert_thin(c)) return *thin;
  if (auto mirror = lvconvert_mirror(c)) return *mirror;
  if (auto raid = lvconvert_raid(c)) return *raid;
  if (!c.cl().has("merge"))
    return failed("lvconvert: only --merge of a snapshot and --type thin-pool are supported by ulvm yet.", EXIT_INVALID);
  if (c.cl().args.empty()) return failed("Please specify a logical volume path.", EXIT_INVALID);
  auto o = poll_options(c);
  if (!o) return std::unexpected(o.error());
  if (auto r = c.open(true); !r) return r;
  // VG name -> LV names asked for (empty: every visible LV), in lvm2's VG order.
  struct Wanted {
    bool all = false;
    std::vector<std::string> names, tags;
  };
  std::map<std::string, Wanted> wanted;
  std::vector<std::string> tags;
  for (const std::string& arg : c.cl().args) {
    if (arg.starts_with("@")) {
      tags.push_back(arg.substr(1));
      continue;
    }
    auto [vgn, lvn] = split_lv_path(arg);
    Wanted& w = wanted[vgn];
    if (lvn.empty()) w.all = true;
    else if (std::find(w.names.begin(), w.names.end(), lvn) == w.names.end()) w.names.push_back(lvn);
  }
  if (!tags.empty())
    for (const auto& [n, f] : c.store().vgs()) wanted[n].tags = tags;
  bool any_failed = false;
  auto report = [&](const Failure& f) {
    if (!f.message.empty()) c.warn(f.message);
    any_failed = true;
  };
  std::vector<StartedMerge> started;
  for (const auto& [vgn, w] : wanted) {
    auto vg = c.vg(vgn);
    if (!vg) {
      report(vg.error());
      continue;
    }
    std::vector<std::string> names;
    const std::vector<bool> visible = lv_visibility(*vg);
    for (std::size_t i = 0; i < vg->lvs.size(); ++i) {
      const LogicalVolume& lv = vg->lvs[i];
      const bool named = std::find(w.names.begin(), w.names.end(), lv.name) != w.names.end();
      const bool tagged = std::any_of(w.tags.begin(), w.tags.end(), [&](const std::string& t) { return has_tag(lv.tags, t); });
      if (named || ((w.all || tagged) && visible[i])) names.push_back(lv.name);
    }
    for (const std::string& lvn : names) {
      auto r = merge_one(c, vgn, lvn);
      if (!r) report(r.error());
      else if (*r) started.push_back(std::move(**r));
    }
    for (const std::string& lvn : w.names)
      if (!vg->find_lv(lvn)) report(Failure{EXIT_FAILED, fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn)});
  }
  for (const StartedMerge& m : started) {
    const LogicalVolume* origin = m.vg.find_lv(m.origin);
    if (!origin) continue;
    if (c.cl().has("background")) {
      poll_merge_in_background(c, *o, m.vg, *origin);
      continue;
    }
    if (auto r = poll_merge(c, *o, m.vg.name, m.origin, m.vg, *origin); !r) report(r.error());
  }
  if (any_failed) return failed("");
  return {};
}

}  // namespace udm::lvm::api::detail

// lvconvert of `--type mirror` LVs, as lvm2 2.03.16 does them:
//   --repair [--use-policies]  first takes the failed images (PV missing, or
//       D in the mirror target's status) and a failed disk log out of the
//       mirror (one image left: a linear LV), then, as the answers or the
//       activation/mirror_{image,log}_fault_policy settings say, makes it a
//       mirror of as many images and logs again on free space (fewer when
//       there is no room), the new images resynced from the kept one;
//   -m [+-]N                   adds images (resynced) or drops the last ones;
//   --type mirror -m N         of a linear LV: its extents become image 0.
// Adding images polls the copy ("vg/lv: Converted: 100.00%").
#include <algorithm>
#include <charconv>

#include "lvm/api/lvconvert_mirror.hpp"
#include "lvm/api/lvconvert_mirror_plan.hpp"
#include "lvm/api/mirror_activate.hpp"
#include "lvm/api/progress.hpp"
#include "lvm/api/prompt.hpp"
#include "lvm/api/wipe.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {
namespace {

// lvm2's DEFAULT_MIRROR_MAX_IMAGES.
constexpr unsigned MAX_IMAGES = 8;

bool any_pv_missing(const VolumeGroup& vg, const std::string& lv_name, const std::map<std::string, std::string>& paths) {
  if (const LogicalVolume* lv = vg.find_lv(lv_name))
    for (const auto& s : lv->segments)
      for (const auto& a : s.stripes)
        if (vg.find_pv(a.name) && !paths.contains(a.name)) return true;
  return false;
}

// Images and disk logs of LV `lvn` as it stands (a linear LV: 1 and 0).
MirrorShape shape_of(const VolumeGroup& vg, const std::string& lvn) {
  auto p = mirror_parts(vg, lvn);
  if (!p) return {1, 0};
  return {static_cast<unsigned>(p->images.size()), p->log.empty() ? 0u : 1u};
}

// The mirror committed so far (`cur`, replaced by what is written) and
// whether its device is to be reloaded.
struct State {
  VolumeGroup cur;
  bool active = false;
  bool polling = false;
  // Images added to a mirror with a disk log: lvm2 syncs them under a
  // temporary layer it collapses at the end of the poll, and says so.
  bool converting = false;
};

// Writes `vg`, reloads the LV when active and removes the devices of the
// sub-LVs `gone` of the VG before.
Outcome<void> commit_and_reload(Cmd& c, State& st, VolumeGroup vg, const std::string& lvn,
                                const std::vector<std::string>& gone) {
  if (auto r = c.commit(vg, st.cur); !r) return r;
  const VolumeGroup before = std::move(st.cur);
  st.cur = std::move(vg);
  st.cur.seqno = before.seqno + 1;
  if (!st.active || c.test_mode()) return {};
  if (auto r = c.activate(st.cur, *st.cur.find_lv(lvn)); !r) return r;
  return remove_sub_lv_devices(c, before, gone, lvn);
}

// The PVs new extents may go on: present and allocatable, and among those
// named after the LV when any are.
Outcome<std::vector<std::string>> usable_pvs(Cmd& c, const VolumeGroup& vg) {
  auto named = pv_names_of_args(c, vg, std::vector<std::string>(c.cl().args.begin() + 1, c.cl().args.end()));
  if (!named) return std::unexpected(named.error());
  const auto paths = c.pv_paths(vg.name);
  std::vector<std::string> out;
  for (const auto& pv : vg.pvs)
    if (paths.contains(pv.name) && pv.status.has("ALLOCATABLE") &&
        (named->empty() || std::find(named->begin(), named->end(), pv.name) != named->end()))
      out.push_back(pv.name);
  return out;
}

// lvm2's _lvconvert_mirrors_aux: the LV to `want` images and logs.
Outcome<void> mirrors_aux(Cmd& c, State& st, const std::string& lvn, MirrorShape want, sector_t region) {
  const LogicalVolume* lv = st.cur.find_lv(lvn);
  const bool mirrored = segtypes::lv_is_mirror(*lv);
  if (want.images == 1 && !mirrored) {
    c.warn(fmt::format("WARNING: Logical volume {} is already not mirrored.", display_lvname(st.cur, lvn)));
    return {};
  }
  const MirrorShape have = shape_of(st.cur, lvn);
  if (want == have) return commit_and_reload(c, st, st.cur, lvn, {});
  VolumeGroup vg = st.cur;
  if (want.images < have.images) {
    // The last images go; one left, the log too.
    auto parts = mirror_parts(vg, lvn);
    if (!parts) return failed(parts.error().message);
    std::vector<std::string> drop(parts->images.end() - (have.images - want.images), parts->images.end());
    auto gone = remove_mirror_images(vg, lvn, drop, want.images == 1 || want.logs == 0);
    if (!gone) return failed(gone.error().message);
    return commit_and_reload(c, st, std::move(vg), lvn, *gone);
  }
  if (want.logs < have.logs && want.images == have.images) {
    auto gone = remove_mirror_images(vg, lvn, {}, true);
    if (!gone) return failed(gone.error().message);
    return commit_and_reload(c, st, std::move(vg), lvn, *gone);
  }
  if (mirrored && want.images > have.images && lv->status.has("NOTSYNCED"))
    return failed("Can't add mirror to out-of-sync mirrored LV: use lvchange --resync first.");
  auto usable = usable_pvs(c, vg);
  if (!usable) return std::unexpected(usable.error());
  auto policy = policy_of(c, vg, lv);
  if (!policy) return std::unexpected(policy.error());
  const extent_t extents = lv->extent_count();
  region = segtypes::pvmove_region_size(vg.extent_size, extents, region);
  auto added = add_mirror_images(vg, lvn, want, region, *policy, *usable);
  if (!added) return failed(added.error().message);
  // A new log starts blank: nothing in sync, the images are copied from image 0.
  if (!added->log.empty() && !c.test_mode()) {
    const ByteTarget t = lv_target(vg, *vg.find_lv(added->log), c.pv_paths(vg.name));
    if (auto r = zero_start(t, t.size); !r) {
      c.warn(r.error().message);
      return failed(fmt::format("Failed to initialize logical volume {}/{} with value 0.", vg.name, added->log));
    }
  }
  if (auto r = commit_and_reload(c, st, std::move(vg), lvn, {}); !r) return r;
  if (!added->images.empty()) st.polling = true;
  if (!added->images.empty() && mirrored && have.logs > 0) st.converting = true;
  return {};
}

// One check of the copy of the LV's new images.
Outcome<PollCheck> check_copy(Cmd& c, const std::string& vgn, const std::string& lvn) {
  if (auto r = c.open(false); !r) return std::unexpected(r.error());
  auto vg = c.vg(vgn);
  c.release_locks();
  if (!vg) return std::unexpected(vg.error());
  const LogicalVolume* lv = vg->find_lv(lvn);
  if (!lv || !segtypes::lv_is_mirror(*lv)) return PollCheck{PollState::finished, 100};
  activate::Driver* d = c.driver(false);
  std::optional<std::vector<extent_t>> copied;
  if (d) copied = mirror_extents_copied(*d, *vg, *lv);
  if (!copied) {
    c.say(fmt::format("{}: Interrupted: No longer active.", display_lvname(*vg, lvn)));
    return PollCheck{PollState::failed, 0};
  }
  const std::int64_t p = mirror_copy_percent(*lv, *copied);
  return PollCheck{p >= PERCENT_100 ? PollState::finished : PollState::unfinished, static_cast<double>(p) / 1'000'000.0};
}

Outcome<void> poll_copy(Cmd& c, const State& st, const std::string& lvn) {
  if (!st.polling || c.test_mode()) return {};
  if (!st.active) {
    c.say("Conversion starts after activation.");
    return {};
  }
  auto o = poll_options(c);
  if (!o) return std::unexpected(o.error());
  const std::string vgn = st.cur.name;
  c.release_locks();
  auto poll = [&c, vgn, lvn](const PollOptions& opts) {
    return poll_progress(c, opts, fmt::format("{}/{}", vgn, lvn), "Converted", [&] { return check_copy(c, vgn, lvn); });
  };
  if (c.cl().has("background")) {
    poll_in_background(c, *o, [&](const PollOptions& quiet) { (void)poll(quiet); });
    return {};
  }
  auto r = poll(*o);
  if (!r && r.error().message.empty()) return {};  // "Interrupted" was printed
  if (r && st.converting) c.say(fmt::format("Logical volume {} converted.", display_lvname(st.cur, lvn)));
  return r;
}

// Failed images and log of the mirror: a PV missing under them, or not A
// in the active device's status (lvm2's lv_check_transient).
struct Failures {
  std::vector<std::string> images;
  bool log = false;
};

Failures find_failures(Cmd& c, const VolumeGroup& vg, const std::string& lvn, const MirrorParts& parts, bool active) {
  Failures f;
  const auto paths = c.pv_paths(vg.name);
  std::string health;
  char log_health = 'A';
  if (active)
    if (activate::Driver* d = c.driver(false))
      if (auto st = d->status(dm_device_uuid(vg.id, vg.find_lv(lvn)->id)); st && st->size() == 1 &&
                                                                            (*st)[0].type == "mirror") {
        const std::string& params = (*st)[0].params;
        if (auto s = segtypes::parse_mirror_status(params)) health = s->health;
        // "... 3 disk <dev> <A|D>": the log's health is the last word.
        if (!parts.log.empty() && params.find(" disk ") != std::string::npos && !params.empty()) log_health = params.back();
      }
  for (std::size_t i = 0; i < parts.images.size(); ++i)
    if (any_pv_missing(vg, parts.images[i], paths) || (i < health.size() && health[i] != 'A'))
      f.images.push_back(parts.images[i]);
  f.log = !parts.log.empty() && (any_pv_missing(vg, parts.log, paths) || log_health != 'A');
  return f;
}

std::string config_string(const Cmd& c, std::string_view path, std::string_view deflt) {
  if (const ConfigNode* n = c.config().find(path); n && n->value.is_string()) return std::string(n->value.text);
  return std::string(deflt);
}

Outcome<void> repair(Cmd& c, const VolumeGroup& old, const std::string& lvn) {
  auto parts = mirror_parts(old, lvn);
  if (!parts) return failed(parts.error().message);
  if (const LogicalVolume* log = parts->log.empty() ? nullptr : old.find_lv(parts->log); log && segtypes::lv_is_mirror(*log))
    return failed(fmt::format("ulvm does not repair mirror {} with a mirrored log yet.", display_lvname(old, lvn)));
  State st{old, c.is_active(old, *old.find_lv(lvn))};
  const Failures f = find_failures(c, old, lvn, *parts, st.active);
  if (f.images.empty() && !f.log) {
    c.say(fmt::format("Volume {} is consistent. Nothing to repair.", display_lvname(old, lvn)));
    return {};
  }
  const MirrorShape original = shape_of(old, lvn);
  const unsigned failed_images = static_cast<unsigned>(f.images.size());
  const unsigned failed_logs = f.log ? 1 : 0;
  const unsigned logs_left = original.logs - failed_logs;
  // First phase: the failed parts out (the log first when it failed). The
  // VG is written without the PVs not found, flagged MISSING as lvm2 does.
  {
    VolumeGroup vg = old;
    c.flag_missing_pvs(vg);
    auto gone = remove_mirror_images(vg, lvn, f.images, logs_left == 0);
    if (!gone) return failed(gone.error().message);
    if (auto r = commit_and_reload(c, st, std::move(vg), lvn, *gone); !r) return r;
  }
  if (failed_images) c.say(fmt::format("Mirror status: {} of {} images failed.", failed_images, original.images));
  if (failed_logs) c.say(fmt::format("Mirror log status: {} of {} images failed.", failed_logs, original.logs));
  // Then what to put back.
  bool replace_logs = false, replace_images = false;
  if (c.cl().has("usepolicies")) {
    replace_images = config_string(c, "activation/mirror_image_fault_policy", "remove") != "remove";
    replace_logs = config_string(c, "activation/mirror_log_fault_policy", "allocate") != "remove";
  } else if (c.force_count() == 0) {
    replace_logs = replace_images = true;
    if (failed_logs && yes_no(c, "Attempt to replace failed mirror log? [y/n]: ") == 'n') replace_logs = false;
    if (failed_images && yes_no(c, "Attempt to replace failed mirror images (requires full device resync)? [y/n]: ") == 'n')
      replace_images = false;
  }
  MirrorShape want{replace_images ? original.images : original.images - failed_images, 0};
  if (want.images == 1) replace_logs = false;
  want.logs = replace_logs ? original.logs : logs_left;
  if (replace_images || replace_logs)
    for (const MirrorShape& s : mirror_repair_attempts(want)) {
      c.warn(fmt::format("WARNING: Trying to up-convert to {} images, {} logs.", s.images, s.logs));
      auto r = mirrors_aux(c, st, lvn, s, parts->region_size);
      if (r) break;
      if (!r.error().message.empty()) c.warn(r.error().message);
    }
  const MirrorShape now = shape_of(st.cur, lvn);
  if (replace_images && now.images != original.images)
    c.warn(fmt::format("WARNING: Failed to replace {} of {} images in volume {}.", original.images - now.images,
                       original.images, display_lvname(old, lvn)));
  if (replace_logs && now.logs != original.logs)
    c.warn(fmt::format("WARNING: Failed to replace {} of {} logs in volume {}.", original.logs - now.logs, original.logs,
                       display_lvname(old, lvn)));
  return poll_copy(c, st, lvn);
}

// -m [+-]N (and --type mirror of a linear LV).
Outcome<void> change_images(Cmd& c, const VolumeGroup& old, const std::string& lvn) {
  const LogicalVolume* lv = old.find_lv(lvn);
  const MirrorShape have = shape_of(old, lvn);
  unsigned images = have.images;
  if (auto arg = c.cl().get("mirrors")) {
    std::string m = *arg;
    char sign = 0;
    if (!m.empty() && (m[0] == '+' || m[0] == '-')) {
      sign = m[0];
      m.erase(0, 1);
    }
    unsigned v = 0;
    auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), v);
    if (m.empty() || ec != std::errc() || end != m.data() + m.size())
      return failed(fmt::format("Invalid argument for --mirrors: {}", *arg), EXIT_INVALID);
    images = sign == '+' ? have.images + v : sign == '-' ? (have.images > v ? have.images - v : 0) : v + 1;
  }
  if (images > MAX_IMAGES) return failed(fmt::format("Only up to {} images in mirror supported currently.", MAX_IMAGES));
  if (images < 1)
    return failed(fmt::format("Unable to reduce images by specified amount - only {} in {}", have.images, lvn));
  MirrorShape want{images, have.images > 1 ? have.logs : 1u};
  if (auto ml = c.cl().get("mirrorlog")) {
    if (*ml != "core" && *ml != "disk") return failed(fmt::format("ulvm does not support --mirrorlog {} here yet.", *ml));
    want.logs = *ml == "disk" ? 1 : 0;
  }
  if (images == 1) want.logs = 0;
  sector_t region = segtypes::DEFAULT_MIRROR_REGION;
  if (segtypes::lv_is_mirror(*lv)) {
    auto p = mirror_parts(old, lvn);
    if (!p) return failed(p.error().message);
    region = p->region_size;
  }
  if (auto r = c.cl().get("regionsize")) {
    auto sz = alloc::parse_size(*r, 'm');
    if (!sz || sz->sign != alloc::Sign::none || sz->sectors == 0 || (sz->sectors & (sz->sectors - 1)))
      return failed(fmt::format("Invalid argument for --regionsize: {}", *r), EXIT_INVALID);
    if (segtypes::lv_is_mirror(*lv) && sz->sectors != region)
      return failed("Mirror log region size cannot be changed on an existing mirror.");
    region = sz->sectors;
  }
  if (want == have) return {};
  State st{old, c.is_active(old, *lv)};
  if (auto r = mirrors_aux(c, st, lvn, want, region); !r) return r;
  c.say(fmt::format("Logical volume {} {}.", display_lvname(old, lvn), st.polling ? "being converted" : "converted"));
  return poll_copy(c, st, lvn);
}

// Whether the LV named first on the command line is a mirror, read by a
// command of its own so that the one that runs scans (and warns) once.
bool names_mirror_lv(const Cmd& c) {
  CommandIo io;
  Cmd peek(c.cl(), io);
  if (!peek.open(false)) return false;
  auto [vgn, lvn] = split_lv_path(c.cl().args[0]);
  auto vg = peek.current_vg(vgn);
  if (!vg) return false;
  const LogicalVolume* lv = (*vg)->find_lv(lvn);
  return lv && segtypes::lv_is_mirror(*lv);
}

}  // namespace

std::optional<Outcome<void>> lvconvert_mirror(Cmd& c) {
  const bool repair_it = c.cl().has("repair");
  if (!repair_it && !c.cl().has("mirrors") && !c.cl().has("mirrorlog")) return std::nullopt;
  const auto type = c.cl().get("type");
  if (type && *type != "mirror") return std::nullopt;
  if (c.cl().args.empty()) return std::nullopt;
  if (!type && !names_mirror_lv(c)) return std::nullopt;
  if (auto r = c.open(true); !r) return r;
  auto [vgn, lvn] = split_lv_path(c.cl().args[0]);
  if (vgn.empty()) return failed(fmt::format("Cannot find VG name for LV {}.", lvn));
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  const LogicalVolume* lv = old->find_lv(lvn);
  if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
  const bool linear = !lv->segments.empty() && std::all_of(lv->segments.begin(), lv->segments.end(), [](const Segment& s) {
    return s.type == "striped" && s.stripes.size() == 1;
  });
  if (!segtypes::lv_is_mirror(*lv) && !(linear && !repair_it))
    return failed(fmt::format("Operation not permitted on LV {}/{}.", vgn, lvn));
  if (repair_it) return repair(c, *old, lvn);
  return change_images(c, *old, lvn);
}

}  // namespace udm::lvm::api::detail

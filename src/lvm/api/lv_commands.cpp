// lvcreate, lvextend/lvreduce/lvresize, lvremove, lvrename, lvchange.
#include "lvm/api/cmd.hpp"

#include <charconv>
#include <set>

#include "lvm/api/lv_iterator.hpp"
#include "lvm/api/activation_mode.hpp"
#include "lvm/api/report_data.hpp"

#include "lvm/api/snapshot_commands.hpp"
#include "lvm/api/lvcreate_thin.hpp"
#include "lvm/api/shared_vg.hpp"
#include "lvm/api/mirror_activate.hpp"
#include "lvm/api/lvcreate_raid.hpp"
#include "lvm/api/wipe.hpp"
#include "lvm/segtypes/mirror.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/snapshot.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::api::detail {

namespace {
// --stripes N: a whole number from 1 to 128, as lvm checks it.
Outcome<unsigned> stripes_argument(const std::string& text) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return failed(fmt::format("Invalid argument for --stripes: {}", text), EXIT_INVALID);
  if (v < 1 || v > 128) return failed(fmt::format("Number of stripes ({}) must be between 1 and 128", v), EXIT_INVALID);
  return v;
}

// -Z/--zero and -W/--wipesignatures take y or n.
Outcome<std::optional<bool>> yes_no_option(const Cmd& c, const char* name) {
  auto v = c.cl().get(name);
  if (!v) return std::nullopt;
  if (*v == "y" || *v == "yes") return true;
  if (*v == "n" || *v == "no") return false;
  return failed(fmt::format("Invalid argument for --{}: {}", name, *v), EXIT_INVALID);
}

// lvm zeroes the first 4 KiB of a new LV.
constexpr std::uint64_t ZERO_BYTES = 4096;

// Cleans the start of a new LV on its PVs before it is used: known
// signatures wiped (asked about unless -y), the first 4 KiB zeroed.
Outcome<void> clean_new_lv(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv, bool zero, bool wipe) {
  const ByteTarget t = lv_target(vg, lv, c.pv_paths(vg.name));
  if (wipe) {
    WipeOptions o;
    o.yes = c.cl().has("yes");
    if (auto r = wipe_signatures(c, t, o); !r) return std::unexpected(r.error());
  }
  if (zero)
    if (auto r = zero_start(t, ZERO_BYTES); !r) {
      c.warn(r.error().message);
      return failed(fmt::format("Failed to initialize {} of logical volume {}/{} with value 0.",
                                alloc::message_size(std::min(ZERO_BYTES, t.size) / SECTOR_SIZE), vg.name, lv.name));
    }
  return {};
}

// Takes a new LV out of the VG again after a later step failed. `vg` is the
// VG as given to commit(), which wrote it as seqno + 1.
void revert_new_lv(Cmd& c, const VolumeGroup& vg, const std::string& name) {
  VolumeGroup committed = vg;
  committed.seqno = vg.seqno + 1;
  VolumeGroup without = committed;
  std::erase_if(without.lvs, [&](const LogicalVolume& x) { return x.name == name; });
  if (auto r = c.commit(without, committed); !r) {
    c.warn(r.error().message);
    c.warn("Manual intervention may be required to remove abandoned LV(s) before retrying.");
  }
}
}  // namespace

Outcome<void> for_each_lv(Cmd& c, bool writable, const LvAction& each, bool keep_going) {
  const auto& args = c.cl().args;
  const auto sel_text = c.cl().get("select");
  if (args.empty() && !sel_text) return failed("Please give logical volume path(s).", EXIT_INVALID);
  report::Selection sel;
  if (sel_text) {
    auto parsed = report::parse_selection(report::ReportType::lvs, *sel_text);
    if (!parsed) return failed(Cmd::indented(parsed.error().message));
    sel = std::move(*parsed);
  }
  if (auto r = c.open(writable); !r) return r;
  // @tag may name LVs of any VG: lock them all, as lvm2 does.
  if (std::any_of(args.begin(), args.end(), [](const std::string& a) { return a.starts_with("@"); })) {
    std::vector<std::string> all;
    for (const auto& [n, f] : c.store().vgs()) all.push_back(n);
    if (auto r = c.lock(locking::plan_locks(c.cl().command, args, false), all); !r) return r;
    if (c.store().changed_since_scan())
      if (auto r = c.store().rescan(); !r) return failed(r.error().message);
  }
  // Which LVs the arguments name, per VG.
  std::map<std::string, std::set<std::string>> named;
  std::set<std::string> whole_vgs, tags;
  for (const auto& a : args) {
    if (a.starts_with("@")) {
      tags.insert(a.substr(1));
      continue;
    }
    auto [vgn, lvn] = split_lv_path(a);
    if (vgn.empty()) vgn = a, lvn.clear();
    const format::VgState* f = c.store().find_vg(vgn);
    if (!f) return failed(fmt::format("Volume group \"{}\" not found", vgn));
    if (lvn.empty()) {
      whole_vgs.insert(vgn);
    } else if (!f->text.vg.find_lv(lvn)) {
      return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
    } else {
      named[vgn].insert(lvn);
    }
  }
  std::optional<ReportData> rows;
  if (sel_text) rows = report_rows(c, true);
  // As lvm2: VGs in name order, LVs in each VG's order.
  std::vector<std::pair<std::string, std::string>> todo;
  for (const auto& [vgn, f] : c.store().vgs()) {
    const VolumeGroup& vg = f.text.vg;
    const report::VgView* view = nullptr;
    if (rows)
      for (const auto& v : rows->in.vgs)
        if (v.vg->name == vgn) view = &v;
    for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
      const LogicalVolume& lv = vg.lvs[i];
      bool want = args.empty() || whole_vgs.contains(vgn) || (named.contains(vgn) && named[vgn].contains(lv.name));
      for (const auto& t : lv.tags) want = want || tags.contains(t);
      if (!want) continue;
      const bool by_name = named.contains(vgn) && named[vgn].contains(lv.name);
      if (!by_name && !lv_is_visible(vg, lv)) continue;
      if (view && !report::row_selected(sel, report::Row{.vg = view, .lv = &lv, .lv_index = i})) continue;
      todo.emplace_back(vgn, lv.name);
    }
  }
  rows.reset();
  bool any_failed = false;
  for (const auto& [vgn, lvn] : todo) {
    auto old = c.vg(vgn);
    if (!old) return std::unexpected(old.error());
    VolumeGroup vg = *old;
    LogicalVolume* lv = vg.find_lv(lvn);
    if (!lv) continue;  // gone with an earlier one (a snapshot with its origin)
    if (auto r = each(vg, *lv, *old); !r) {
      if (!keep_going) return r;
      if (!r.error().message.empty()) c.warn(r.error().message);
      any_failed = true;
    }
  }
  if (any_failed) return failed("");
  return {};
}

namespace {

// -r/--readahead: auto (absent), none (0) or a number of sectors.
Outcome<std::optional<std::int64_t>> read_ahead_argument(const std::string& v) {
  if (v == "auto") return std::optional<std::int64_t>{};
  if (v == "none") return std::optional<std::int64_t>{0};
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < 0)
    return failed(fmt::format("Invalid argument for --readahead: {}", v), EXIT_INVALID);
  return std::optional<std::int64_t>{n};
}

std::string read_ahead_words(const std::optional<std::int64_t>& r) {
  if (!r) return "auto";
  if (*r == 0) return "none";
  return std::to_string(*r);
}

}  // namespace

// -p, --addtag/--deltag, -r, -C, --alloc: metadata only (an active LV whose
// permission changed is reloaded read-only or writable). Each LV is committed
// once; one already as asked is reported and the command fails, as lvm2.
Outcome<void> lvchange_metadata(Cmd& c) {
  auto perm = c.cl().get("permission");
  if (perm && *perm != "r" && *perm != "rw") return failed("Invalid argument for --permission: " + *perm, EXIT_INVALID);
  std::optional<std::optional<std::int64_t>> read_ahead;
  if (auto r = c.cl().get("readahead")) {
    auto v = read_ahead_argument(*r);
    if (!v) return std::unexpected(v.error());
    read_ahead = *v;
  }
  std::optional<AllocationPolicy> policy;
  if (auto a = c.cl().get("alloc")) {
    policy = parse_allocation_policy(*a);
    if (!policy) return failed(fmt::format("Invalid argument for --alloc: {}", *a), EXIT_INVALID);
  }
  if (auto cont = c.cl().get("contiguous")) {
    if (*cont != "y" && *cont != "n") return failed(fmt::format("Invalid argument for --contiguous: {}", *cont), EXIT_INVALID);
    policy = *cont == "y" ? AllocationPolicy::contiguous : AllocationPolicy::inherit;
  }
  return for_each_lv(c, true, [&](VolumeGroup& vg, LogicalVolume& lv, const VolumeGroup& old) -> Outcome<void> {
    const std::string name = vg.name + "/" + lv.name;
    bool changed = false, refused = false, perm_changed = false;
    if (perm) {
      const bool writable = lv.status.has("WRITE");
      if ((*perm == "rw") == writable) {
        c.warn(writable ? fmt::format("Logical volume {} is already writable.", name)
                        : fmt::format("Logical volume \"{}\" is already read only.", name));
        refused = true;
      } else {
        if (*perm == "rw") lv.status.add("WRITE");
        else lv.status.remove("WRITE");
        changed = perm_changed = true;
      }
    }
    if (policy) {
      const AllocationPolicy now = lv.allocation_policy.value_or(AllocationPolicy::inherit);
      if (now == *policy) {
        c.warn(fmt::format("Allocation policy of logical volume {} is already {}.", name,
                           allocation_policy_name(*policy)));
        refused = true;
      } else {
        if (*policy == AllocationPolicy::inherit) lv.allocation_policy.reset();
        else lv.allocation_policy = *policy;
        changed = true;
      }
    }
    auto tagged = apply_tags(c, lv.tags);
    if (!tagged) return std::unexpected(tagged.error());
    changed = changed || *tagged;
    if (read_ahead) {
      if (lv.read_ahead == *read_ahead) {
        c.warn(fmt::format("Read ahead is already {} for {}.", read_ahead_words(*read_ahead), name));
        refused = true;
      } else {
        lv.read_ahead = *read_ahead;
        changed = true;
      }
    }
    if (changed) {
      const std::string lvn = lv.name;
      if (auto r = c.commit(vg, old); !r) return r;
      const LogicalVolume* now = vg.find_lv(lvn);
      if (perm_changed && c.is_active(vg, *now))
        if (auto r = c.activate(vg, *now); !r) return r;  // reload with the new access mode
      c.say(fmt::format("Logical volume {} changed.", name));
    }
    if (refused) return failed("");
    return {};
  }, true);
}

Outcome<void> cmd_lvchange(Cmd& c) {
  if (auto thin = lvchange_thin(c)) return *thin;
  if (auto raid = lvchange_raid(c)) return *raid;
  auto act = c.cl().get("activate");
  if (!act) {
    for (auto opt : {"addtag", "deltag", "permission", "readahead", "contiguous", "alloc"})
      if (c.cl().has(opt)) return lvchange_metadata(c);
    return failed("Need one or more command options.", EXIT_INVALID);
  }
  auto on = parse_activate(*act);
  if (!on) return std::unexpected(on.error());
  if (auto r = announce_activation_mode(c); !r) return r;
  return for_each_lv(c, false, [&](VolumeGroup& vg, LogicalVolume& lv, const VolumeGroup&) -> Outcome<void> {
    // As lvm2: LVs flagged to skip activation (thin snapshots) need -K.
    if (*on && lv.flags.has("ACTIVATION_SKIP") && !c.cl().has("ignoreactivationskip")) return {};
    return set_activation(c, vg, lv, *on);
  });
}


// ---------------------------------------------------------------- LV commands

Outcome<extent_t> extents_from_args(Cmd& c, const VolumeGroup& vg, extent_t current, alloc::Sign* sign,
                                    const std::vector<std::string>& pv_names, bool resize) {
  auto L = c.cl().get("size");
  auto l = c.cl().get("extents");
  if (L && l) return failed("Please specify either size or extents (not both).", EXIT_INVALID);
  if (!L && !l) return failed("Please specify either size or extents.", EXIT_INVALID);
  if (L) {
    auto s = alloc::parse_size(*L);
    if (!s) return failed(fmt::format("Invalid argument for --size: {}", *L), EXIT_INVALID);
    *sign = s->sign;
    if (s->sectors == 0 && !resize) return failed("--size may not be zero.", EXIT_INVALID);
    std::string note;
    extent_t e = alloc::round_to_extents(s->sectors, vg.extent_size, &note);
    if (!note.empty()) {
      if (resize && s->sign == alloc::Sign::none)
        c.say(fmt::format("Rounding size to boundary between physical extents: {}.",
                          alloc::message_size(e * vg.extent_size)));
      else
        c.say(note);
    }
    return e;
  }
  auto e = alloc::parse_extents(*l);
  if (!e) return failed(e.error().message, EXIT_INVALID);
  *sign = e->sign;
  if (e->percent == alloc::Percent::none) return e->value;
  if (e->percent == alloc::Percent::origin) return failed("--extents with %ORIGIN needs a snapshot", EXIT_INVALID);
  extent_t n = alloc::percent_extents(vg, e->percent, e->value, pv_names);
  (void)current;
  return n;
}

Outcome<std::vector<std::string>> pv_names_of_args(Cmd& c, const VolumeGroup& vg, const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::string n = c.pv_name_of_path(vg, p);
    if (n.empty()) return failed(fmt::format("Physical Volume \"{}\" not found in Volume Group \"{}\".", p, vg.name));
    out.push_back(n);
  }
  return out;
}

Outcome<AllocationPolicy> policy_of(Cmd& c, const VolumeGroup& vg, const LogicalVolume* lv) {
  if (auto p = c.cl().get("alloc")) {
    auto pol = parse_allocation_policy(*p);
    if (!pol) return failed(fmt::format("Invalid argument for --alloc: {}", *p), EXIT_INVALID);
    if (*pol != AllocationPolicy::inherit) return *pol;
  }
  if (auto cont = c.cl().get("contiguous"); cont && (*cont == "y" || *cont == "yes")) return AllocationPolicy::contiguous;
  if (lv && lv->allocation_policy && *lv->allocation_policy != AllocationPolicy::inherit) return *lv->allocation_policy;
  return vg.allocation_policy.value_or(AllocationPolicy::normal);
}

Outcome<void> cmd_lvcreate(Cmd& c) {
  const auto& a = c.cl().args;
  if (auto thin = lvcreate_thin(c)) return *thin;
  if (c.cl().get("type") == "mirror") return lvcreate_mirror(c);
  if (auto raid = lvcreate_raid(c)) return *raid;
  if ((c.cl().has("snapshot") || c.cl().get("type") == "snapshot") && !c.cl().has("thin") && !c.cl().has("virtualsize"))
    return lvcreate_snapshot(c);
  for (auto refused : {"snapshot", "thin", "mirrors", "virtualsize"})
    if (c.cl().has(refused)) return failed(fmt::format("lvcreate --{} is not supported by ulvm yet.", refused));
  if (a.empty()) return failed("Please specify a volume group name.", EXIT_INVALID);
  auto [vgn, lvn_from_path] = split_lv_path(a[0]);
  if (vgn.empty()) {
    vgn = a[0];
    lvn_from_path.clear();
  }
  std::string type = c.cl().get("type").value_or("");
  unsigned stripes = 1;
  if (auto i = c.cl().get("stripes")) {
    auto n = stripes_argument(*i);
    if (!n) return std::unexpected(n.error());
    stripes = *n;
  }
  const segtypes::SegmentType* segtype = type.empty() ? &segtypes::default_create_type(stripes)
                                                      : segtypes::find_segment_type(type);
  if (!segtype || !segtype->has(segtypes::SEG_CAN_CREATE))
    return failed(fmt::format("lvcreate --type {} is not supported by ulvm.", type));
  if (auto r = segtype->check_create({.extents = 0, .stripes = stripes, .stripes_given = c.cl().has("stripes")}); !r)
    return failed(r.error().message, EXIT_INVALID);
  std::string name = c.cl().get("name").value_or(lvn_from_path);
  if (!name.empty())
    if (auto r = check_new_lv_name(name); !r)
      return failed(fmt::format("Logical volume name \"{}\" is invalid.", name), EXIT_INVALID);
  auto zero_arg = yes_no_option(c, "zero");
  if (!zero_arg) return std::unexpected(zero_arg.error());
  auto wipe_arg = yes_no_option(c, "wipesignatures");
  if (!wipe_arg) return std::unexpected(wipe_arg.error());
  // As lvm with wipe_signatures_when_zeroing_new_lvs = 1: -W follows -Z.
  bool zero = zero_arg->value_or(true);
  bool wipe = wipe_arg->value_or(zero);
  bool activate_it = true;
  if (auto act = c.cl().get("activate")) {
    auto on = parse_activate(*act);
    if (!on) return std::unexpected(on.error());
    activate_it = *on;
  }
  if (auto r = c.open(true); !r) return r;
  auto old = c.current_vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = **old;
  if (name.empty()) name = free_lvol_name(vg);
  if (vg.find_lv(name)) return failed(fmt::format("Logical Volume \"{}\" already exists in volume group \"{}\"", name, vg.name));
  if (auto r = shared_lvcreate_prepare(c, vg, name); !r) return r;  // lvmlock full: extended first, as lvm2
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(a.begin() + 1, a.end()));
  if (!pvn) return std::unexpected(pvn.error());
  sector_t stripe_size = 0;
  if (stripes > 1) {
    if (auto I = c.cl().get("stripesize")) {
      auto s = alloc::parse_size(*I, 'k');
      if (!s || s->sectors == 0 || (s->sectors & (s->sectors - 1)) != 0)
        return failed(fmt::format("Invalid stripe size {}.", *I), EXIT_INVALID);
      stripe_size = s->sectors;
    } else {
      stripe_size = 128;
      c.say("Using default stripesize 64.00 KiB.");
    }
  }
  alloc::Sign sign = alloc::Sign::none;
  auto ext = extents_from_args(c, vg, 0, &sign, *pvn, false);
  if (!ext) return std::unexpected(ext.error());
  extent_t extents = *ext;
  if (extents == 0) return failed("Unable to create new logical volume with no extents.");
  std::string note;
  extents = alloc::round_to_stripes(extents, stripes, vg.extent_size, &note);
  if (!note.empty()) c.say(note);

  LogicalVolume lv = new_lv(name);
  if (auto virt = segtype->virtual_segments(0, extents); !virt.empty()) {
    lv.segments = std::move(virt);
  } else {
    auto policy = policy_of(c, vg, nullptr);
    if (!policy) return std::unexpected(policy.error());
    extent_t free = 0;
    for (const auto& fa : alloc::free_areas(vg, *pvn)) free += fa.count;
    if (extents > free)
      return failed(fmt::format("Volume group \"{}\" has insufficient free space ({} extents): {} required.", vg.name,
                                free, extents));
    auto segs = alloc::allocate(vg, nullptr, {.extents = extents, .stripes = stripes, .stripe_size = stripe_size,
                                              .policy = *policy, .pv_names = *pvn, .lv_name = name});
    if (!segs) return failed(segs.error().message);
    lv.segments = *segs;
    if (auto p = c.cl().get("alloc"); p && *policy != AllocationPolicy::normal) lv.allocation_policy = *policy;
  }
  if (auto t = apply_tags(c, lv.tags); !t) return std::unexpected(t.error());
  if (auto p = c.cl().get("permission")) {
    if (*p == "r") lv.status.remove("WRITE");
    else if (*p != "rw") return failed("Invalid argument for --permission: " + *p, EXIT_INVALID);
  }
  vg.lvs.push_back(lv);
  // Visible LVs before hidden ones, as lvm writes them.
  std::stable_partition(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });
  const VolumeGroup before = **old;  // the store's copy changes at commit
  if (auto r = c.commit(vg, before); !r) return r;
  const LogicalVolume& made = *vg.find_lv(name);
  const bool has_data = !segtype->has(segtypes::SEG_VIRTUAL);
  if (has_data && made.status.has("WRITE") && !c.test_mode() && (zero || wipe)) {
    if (auto r = clean_new_lv(c, vg, made, zero, wipe); !r) {
      if (!r.error().message.empty()) c.warn(r.error().message);
      c.warn("Aborting. Failed to wipe start of new LV.");
      revert_new_lv(c, vg, name);
      return failed("");
    }
  }
  if (activate_it && c.driver(false)) {
    if (auto r = c.activate(vg, made); !r) {
      // lvm removes an LV it could not activate: the VG is as before.
      c.warn(r.error().message);
      c.warn(fmt::format("Failed to activate new LV {}/{}.", vg.name, name));
      revert_new_lv(c, vg, name);
      return failed("");
    }
  }
  if (has_data && !zero) c.warn(fmt::format("WARNING: Logical volume {}/{} not zeroed.", vg.name, name));
  c.say(fmt::format("Logical volume \"{}\" created.", name));
  return {};
}


Outcome<void> cmd_lvresize(Cmd& c, Resize mode) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please provide the logical volume name", EXIT_INVALID);
  auto [vgn, lvn] = split_lv_path(a[0]);
  if (vgn.empty() || lvn.empty()) return failed("Please provide a volume group name", EXIT_INVALID);
  if (c.cl().has("resizefs")) return failed("--resizefs is not supported by ulvm.");
  if (auto r = c.open(true); !r) return r;
  if (auto cur = c.current_vg(vgn))
    if (const LogicalVolume* e = (*cur)->find_lv(lvn); e && segtypes::lv_is_external_origin(**cur, *e))
      return failed(fmt::format("Cannot resize external origin logical volume {}/{}.", vgn, lvn));
  if (auto thin = lvresize_thin(c, mode)) return *thin;
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  LogicalVolume* lv = vg.find_lv(lvn);
  if (!lv) return failed(fmt::format("Logical volume {} not found in volume group {}.", lvn, vgn));
  if (lv->status.has("LOCKED")) return failed(fmt::format("Can't resize locked logical volume {}/{}.", vgn, lvn));
  if (segtypes::lv_is_mirror(*lv) || segtypes::mirror_of_sub_lv(vg, *lv))
    return failed(fmt::format("Resizing mirror LV {}/{} is not supported by ulvm yet.", vgn, lvn));
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(a.begin() + 1, a.end()));
  if (!pvn) return std::unexpected(pvn.error());
  const extent_t cur = lv->extent_count();
  alloc::Sign sign = alloc::Sign::none;
  auto n = extents_from_args(c, vg, cur, &sign, *pvn, true);
  if (!n) return std::unexpected(n.error());
  extent_t target = *n;
  if (sign == alloc::Sign::plus) target = cur + *n;
  if (sign == alloc::Sign::minus) {
    if (*n >= cur) return failed("Unable to reduce logical volume to zero size.", EXIT_INVALID);
    target = cur - *n;
  }
  if (mode == Resize::extend && target <= cur)
    return failed(fmt::format("New size given ({} extents) not larger than existing size ({} extents)", target, cur));
  if (mode == Resize::reduce && target >= cur)
    return failed(fmt::format("New size given ({} extents) not less than existing size ({} extents)", target, cur));
  if (target == cur) return failed(fmt::format("New size ({} extents) matches existing size ({} extents).", target, cur));
  if (target == 0) return failed("Unable to reduce logical volume to zero size.", EXIT_INVALID);
  if (auto t = snapshot_resize(c, vg, *lv, cur, target); !t) {
    return std::unexpected(t.error());
  } else if (*t == cur) {
    return {};
  } else {
    target = *t;
  }
  const Segment& last = lv->segments.back();
  const std::string size_before = fmt::format("{} ({} extents)", alloc::message_size(cur * vg.extent_size), cur);
  if (target > cur) {
    extent_t add = target - cur;
    if (segtypes::segment_type_of(last).has(segtypes::SEG_VIRTUAL)) {
      Segment s = last;
      s.start_extent = cur;
      s.extent_count = add;
      lv->segments.push_back(s);
      alloc::merge_segments(*lv);
    } else {
      const segtypes::AllocShape shape = segtypes::segment_type_of(last).alloc_shape(last);
      unsigned stripes = shape.stripes;
      sector_t ss = shape.stripe_size;
      if (auto i = c.cl().get("stripes")) {
        auto n = stripes_argument(*i);
        if (!n) return std::unexpected(n.error());
        stripes = *n;
      }
      if (auto I = c.cl().get("stripesize")) {
        auto s = alloc::parse_size(*I, 'k');
        if (!s) return failed(fmt::format("Invalid stripe size {}.", *I), EXIT_INVALID);
        ss = s->sectors;
      }
      if (stripes > 1 && ss == 0) ss = 128;
      std::string note;
      extent_t rounded = alloc::round_to_stripes(add, stripes, vg.extent_size, &note);
      if (!note.empty()) c.say(note);
      target = cur + rounded;
      auto policy = policy_of(c, vg, lv);
      if (!policy) return std::unexpected(policy.error());
      if (auto r = alloc::extend_lv(vg, lvn, {.extents = rounded, .stripes = stripes, .stripe_size = ss,
                                              .policy = *policy, .pv_names = *pvn, .lv_name = lvn});
          !r)
        return failed(r.error().message);
    }
  } else {
    // lvm asks before shrinking an active LV (open or not): its end is lost.
    const activate::DeviceState st = c.device_state(vg, *lv);
    if (st.active) {
      c.warn(fmt::format("WARNING: Reducing active{} logical volume to {}", st.open ? " and open" : "",
                         alloc::message_size(target * vg.extent_size)));
      c.warn("THIS MAY DESTROY YOUR DATA (filesystem etc.)");
      if (c.force_count() == 0 && yes_no(c, fmt::format("Do you really want to reduce {}/{}? [y/n]: ", vgn, lvn)) == 'n')
        return failed(fmt::format("Logical volume {}/{} NOT reduced", vgn, lvn));
    }
    if (auto r = alloc::reduce_lv(vg, lvn, target); !r) return failed(r.error().message);
  }
  if (auto r = c.commit(vg, *old); !r) return r;
  const LogicalVolume* now = vg.find_lv(lvn);
  if (c.is_active(vg, *now))
    if (auto r = c.activate(vg, *now); !r) return r;
  c.say(fmt::format("Size of logical volume {}/{} changed from {} to {} ({} extents).", vgn, lvn, size_before,
                    alloc::message_size(target * vg.extent_size), target));
  c.say(fmt::format("Logical volume {}/{} successfully resized.", vgn, lvn));
  return {};
}

Outcome<void> remove_lv(Cmd& c, VolumeGroup& vg, const std::string& lv_name) {
  const LogicalVolume* lv = vg.find_lv(lv_name);
  if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vg.name, lv_name));
  if (auto r = remove_snapshot_lv(c, vg, lv_name)) return *r;
  lv = vg.find_lv(lv_name);  // snapshots of it may have left vg.lvs
  if (lv->status.has("LOCKED") || segtypes::lv_is_pvmove(*lv))
    return failed(fmt::format("Can't remove locked logical volume {}/{}.", vg.name, lv_name));
  if (auto r = c.deactivate(vg, *lv); !r) return r;
  // A mirror's images and log go with it; a raid's rmeta/rimage sub-LVs too.
  std::vector<std::string> subs{lv_name};
  // (A mirrored log's own images as well.)
  for (std::size_t i = 0; i < subs.size(); ++i)
    if (const LogicalVolume* top = vg.find_lv(subs[i]); top && segtypes::lv_is_mirror(*top))
      for (const auto& x : vg.lvs)
        if (segtypes::mirror_of_sub_lv(vg, x) == top) subs.push_back(x.name);
  remove_raid_sub_lvs(vg, lv_name);
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return std::find(subs.begin(), subs.end(), x.name) != subs.end(); });
  return {};
}

// lvm's check before removing an LV: an open one is refused ("in use"), an
// active one asked about unless -f or -y. False: not to be removed (the
// message is printed).
Outcome<bool> confirm_lv_removal(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  const activate::DeviceState st = c.device_state(vg, lv);
  if (!st.active) return true;
  if (st.open) return failed(fmt::format("Logical volume {}/{} in use.", vg.name, lv.name));
  if (c.force_count() > 0 || !lv_is_visible(vg, lv)) return true;
  // lvm2 names an origin and its snapshot count.
  const auto snaps = segtypes::snapshots_of_origin(vg, lv.name).size();
  const std::string what = snaps ? fmt::format("origin logical volume {}/{} with {} snapshots(s)", vg.name, lv.name, snaps)
                                 : fmt::format("logical volume {}/{}", vg.name, lv.name);
  if (yes_no(c, fmt::format("Do you really want to remove active {}? [y/n]: ", what)) == 'n') {
    c.warn(fmt::format("Logical volume {}/{} not removed.", vg.name, lv.name));
    return false;
  }
  return true;
}

// lvremove VG: lvm2 takes the thin pools first (each asks, then takes its
// thins), then the other thins; a refused pool stays, with its sub-LVs.
Outcome<void> lvremove_vg_thins(Cmd& c, const std::string& vgn, bool& all_removed) {
  for (const bool pools : {true, false}) {
    auto cur = c.current_vg(vgn);
    if (!cur) return std::unexpected(cur.error());
    std::vector<std::string> names;
    for (const auto& lv : (*cur)->lvs)
      if (pools ? segtypes::lv_is_thin_pool(lv) : segtypes::lv_is_thin_volume(lv)) names.push_back(lv.name);
    for (const auto& n : names) {
      auto r = lvremove_thin(c, vgn, n);
      if (!r || *r) continue;
      if (!r->error().message.empty()) return *r;
      all_removed = false;  // answered no
    }
  }
  return {};
}

Outcome<void> cmd_lvremove(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please enter one or more logical volume paths", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  bool all_removed = true;
  for (const auto& arg : a) {
    auto [vgn, lvn] = split_lv_path(arg);
    if (vgn.empty()) {
      vgn = lvn;
      lvn.clear();
    }
    if (!lvn.empty()) {
      if (auto thin = lvremove_thin(c, vgn, lvn)) {
        if (!*thin) return *thin;
        continue;
      }
    } else if (auto r = lvremove_vg_thins(c, vgn, all_removed); !r) {
      return r;
    }
    auto old = c.current_vg(vgn);
    if (!old) return std::unexpected(old.error());
    VolumeGroup vg = **old;
    std::vector<std::string> names;
    if (lvn.empty()) {
      // Hidden LVs go with the LV they serve (a snapshot's carrier with it);
      // thin LVs and pools are done above (a refused pool stays).
      for (const auto& lv : vg.lvs)
        if (lv_is_visible(vg, lv) && !segtypes::lv_is_thin_pool(lv) && !segtypes::lv_is_thin_volume(lv))
          names.push_back(lv.name);
    } else {
      names.push_back(lvn);
    }
    std::vector<std::string> removed;
    for (const auto& n : names) {
      const LogicalVolume* lv = vg.find_lv(n);
      if (!lv && lvn.empty()) continue;  // a snapshot removed with its origin
      if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vg.name, n));
      auto ok = confirm_lv_removal(c, vg, *lv);
      if (!ok) return std::unexpected(ok.error());
      if (!*ok) {
        all_removed = false;
        continue;
      }
      if (auto r = remove_lv(c, vg, n); !r) return r;
      removed.push_back(n);
    }
    if (removed.empty()) continue;
    if (auto r = c.commit(vg, **old); !r) return r;
    for (const auto& n : removed) c.say(fmt::format("Logical volume \"{}\" successfully removed.", n));
  }
  if (!all_removed) return failed("");
  return {};
}

Outcome<void> cmd_lvrename(Cmd& c) {
  const auto& a = c.cl().args;
  std::string vgn, from, to;
  if (a.size() == 3) {
    vgn = a[0];
    from = split_lv_path(a[1], vgn).second;
    to = split_lv_path(a[2], vgn).second;
  } else if (a.size() == 2) {
    auto [v1, l1] = split_lv_path(a[0]);
    auto [v2, l2] = split_lv_path(a[1], v1);
    if (v1.empty()) return failed("Please provide a valid volume group name", EXIT_INVALID);
    if (v1 != v2) return failed("Logical volume names must have the same volume group (\"" + v1 + "\" or \"" + v2 + "\").", EXIT_INVALID);
    vgn = v1;
    from = l1;
    to = l2;
  } else {
    return failed("Old and new logical volume names required", EXIT_INVALID);
  }
  if (auto r = check_new_lv_name(to); !r) return failed(fmt::format("New logical volume name \"{}\" is invalid.", to), EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  LogicalVolume* lv = vg.find_lv(from);
  if (!lv) return failed(fmt::format("Existing logical volume \"{}\" not found in volume group \"{}\"", from, vgn));
  if (lv->status.has("LOCKED") || segtypes::lv_is_pvmove(*lv))
    return failed(fmt::format("Cannot rename locked LV {}/{}", vgn, from));
  if (segtypes::lv_is_mirror(*lv))
    return failed(fmt::format("Renaming mirror LV {}/{} is not supported by ulvm yet.", vgn, from));
  if (vg.find_lv(to)) return failed(fmt::format("Logical volume \"{}\" already exists in volume group \"{}\"", to, vgn));
  const bool active = !c.test_mode() && c.is_active(vg, *lv);
  // The device first: a failed rename leaves metadata and device as they were.
  if (active)
    if (auto r = c.driver(false)->rename(vg, *lv, to); !r) return failed(r.error().message);
  lv->name = to;
  segtypes::rename_snapshot_refs(vg, from, to);
  if (auto r = c.commit(vg, *old); !r) {
    if (active) (void)c.driver(false)->rename(vg, *lv, from);
    return r;
  }
  c.say(fmt::format("Renamed \"{}\" to \"{}\" in volume group \"{}\"", from, to, vgn));
  return {};
}

}  // namespace udm::lvm::api::detail

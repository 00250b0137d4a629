// lvcreate --type mirror -m N: lvm2's old mirror. As lvm2 lays it out: N+1
// hidden linear images `<lv>_mimage_K`, each on its own PVs, a disk log
// `<lv>_mlog` of one extent on a PV no image uses (--mirrorlog disk, the
// default) or none (core), and the LV itself one `mirror` segment naming
// them. The images' first 4 KiB and the log are zeroed before activation
// (a blank log means "nothing in sync": the target copies image 0 to the
// others and Cpy%Sync rises to 100%).
#include <charconv>

#include "lvm/api/mirror_activate.hpp"
#include "lvm/api/wipe.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {
namespace {

// lvm2's DEFAULT_MIRROR_MAX_IMAGES.
constexpr unsigned MAX_IMAGES = 8;
constexpr std::uint64_t ZERO_BYTES = 4096;

Outcome<unsigned> mirrors_argument(const Cmd& c) {
  auto m = c.cl().get("mirrors");
  if (!m) return failed("--type mirror requires -m/--mirrors.", EXIT_INVALID);
  unsigned v = 0;
  auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), v);
  if (m->empty() || ec != std::errc() || end != m->data() + m->size())
    return failed(fmt::format("Invalid argument for --mirrors: {}", *m), EXIT_INVALID);
  if (v == 0) return failed("Mirrors must be at least 1 with --type mirror.", EXIT_INVALID);
  if (v + 1 > MAX_IMAGES)
    return failed(fmt::format("Only up to {} images in mirror supported currently.", MAX_IMAGES), EXIT_INVALID);
  return v;
}

Outcome<sector_t> region_size_argument(const Cmd& c) {
  auto r = c.cl().get("regionsize");
  if (!r) return segtypes::DEFAULT_MIRROR_REGION;
  auto s = alloc::parse_size(*r, 'm');
  if (!s || s->sign != alloc::Sign::none || s->sectors == 0)
    return failed(fmt::format("Invalid argument for --regionsize: {}", *r), EXIT_INVALID);
  if (s->sectors & (s->sectors - 1))
    return failed(fmt::format("Region size ({}) must be a power of 2.", alloc::message_size(s->sectors)), EXIT_INVALID);
  if (s->sectors % 8)
    return failed(fmt::format("Region size ({}) must be a multiple of machine memory page size (4.00 KiB).",
                              alloc::message_size(s->sectors)),
                  EXIT_INVALID);
  return s->sectors;
}

}  // namespace

Outcome<void> lvcreate_mirror(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please specify a volume group name.", EXIT_INVALID);
  auto [vgn, lvn_from_path] = split_lv_path(a[0]);
  if (vgn.empty()) {
    vgn = a[0];
    lvn_from_path.clear();
  }
  auto m = mirrors_argument(c);
  if (!m) return std::unexpected(m.error());
  const unsigned images = *m + 1;
  if (c.cl().has("stripes") && c.cl().get("stripes") != "1")
    return failed("ulvm does not support striped mirrors (-i with --type mirror).", EXIT_INVALID);
  const std::string log_type = c.cl().get("mirrorlog").value_or("disk");
  if (log_type != "disk" && log_type != "core" && log_type != "mirrored")
    return failed(fmt::format("Unknown mirrorlog type: {}", log_type), EXIT_INVALID);
  const unsigned log_images = log_type == "mirrored" ? 2 : log_type == "disk" ? 1 : 0;
  const bool nosync = c.cl().has("nosync");
  auto region = region_size_argument(c);
  if (!region) return std::unexpected(region.error());
  std::string name = c.cl().get("name").value_or(lvn_from_path);
  if (!name.empty())
    if (auto r = check_new_lv_name(name); !r)
      return failed(fmt::format("Logical volume name \"{}\" is invalid.", name), EXIT_INVALID);
  bool activate_it = true;
  if (auto act = c.cl().get("activate")) {
    auto on = parse_activate(*act);
    if (!on) return std::unexpected(on.error());
    activate_it = *on;
  }
  if (!activate_it) return failed("Can't create mirror without activation (use -ay).", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old = c.current_vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = **old;
  if (name.empty()) name = free_lvol_name(vg);
  if (vg.find_lv(name))
    return failed(fmt::format("Logical Volume \"{}\" already exists in volume group \"{}\"", name, vg.name));
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(a.begin() + 1, a.end()));
  if (!pvn) return std::unexpected(pvn.error());
  alloc::Sign sign = alloc::Sign::none;
  auto ext = extents_from_args(c, vg, 0, &sign, *pvn, false);
  if (!ext) return std::unexpected(ext.error());
  const extent_t extents = *ext;
  if (extents == 0) return failed("Unable to create new logical volume with no extents.");
  auto policy = policy_of(c, vg, nullptr);
  if (!policy) return std::unexpected(policy.error());

  // As lvm2's adjusted_mirror_region_size: no larger than the largest power
  // of two of extents dividing the LV.
  sector_t region_size = *region;
  if (const sector_t max = segtypes::pvmove_region_size(vg.extent_size, extents, *region); max < region_size) {
    region_size = max;
    c.say(fmt::format("Using reduced mirror region size of {}", alloc::message_size(region_size)));
  }

  // The images: one striped allocation with a stripe per image puts each
  // image on PVs of its own; image K is area K of every piece.
  auto pieces = alloc::allocate(vg, nullptr, {.extents = extents * images, .stripes = images, .stripe_size = 128,
                                              .policy = *policy, .pv_names = *pvn, .lv_name = name});
  if (!pieces) return failed(pieces.error().message);
  std::vector<LogicalVolume> subs;
  std::vector<std::string> image_pvs;
  for (unsigned k = 0; k < images; ++k) {
    LogicalVolume img = new_lv(fmt::format("{}_mimage_{}", name, k));
    img.status.remove("VISIBLE");
    extent_t le = 0;
    for (const auto& p : *pieces) {
      Segment s;
      s.start_extent = le;
      s.extent_count = p.area_extents();
      s.stripes = {p.stripes.at(k)};
      le += s.extent_count;
      img.segments.push_back(std::move(s));
      image_pvs.push_back(p.stripes.at(k).name);
    }
    alloc::merge_segments(img);
    subs.push_back(std::move(img));
  }
  for (const auto& s : subs) vg.lvs.push_back(s);
  segtypes::MirrorKeys keys;
  keys.region_size = region_size;
  for (const auto& s : subs) keys.mirrors.push_back({s.name, 0});
  std::vector<std::string> zero_whole;  // the log's LVs: zeroed whole
  if (log_images) {
    // The log (one extent; a mirrored log: two, each on a PV of its own)
    // on PVs no image uses, as lvm2 allocates it.
    std::vector<std::string> log_pvs;
    for (const auto& pv : vg.pvs) {
      if (std::find(image_pvs.begin(), image_pvs.end(), pv.name) != image_pvs.end()) continue;
      if (!pvn->empty() && std::find(pvn->begin(), pvn->end(), pv.name) == pvn->end()) continue;
      log_pvs.push_back(pv.name);
    }
    std::vector<Segment> log_pieces;
    if (!log_pvs.empty()) {
      auto l = alloc::allocate(vg, nullptr, {.extents = log_images, .stripes = log_images,
                                             .stripe_size = log_images > 1 ? 128u : 0u,
                                             .policy = *policy, .pv_names = log_pvs, .lv_name = name + "_mlog"});
      if (l) log_pieces = *l;
    }
    if (log_pieces.size() != 1)
      return failed(fmt::format("Insufficient suitable allocatable extents for logical volume {}: {} more required",
                                name + "_mlog", log_images));
    LogicalVolume log = new_lv(name + "_mlog");
    log.status.remove("VISIBLE");
    if (log_images == 1) {
      Segment ls;
      ls.extent_count = 1;
      ls.stripes = {log_pieces[0].stripes.at(0)};
      log.segments.push_back(std::move(ls));
      zero_whole.push_back(log.name);
    } else {
      // lvm2's mirrored log: `<lv>_mlog` a mirror (core log) of
      // `<lv>_mlog_mimage_0/1`, its region size no larger than the log.
      segtypes::MirrorKeys lk;
      lk.region_size = segtypes::pvmove_region_size(vg.extent_size, 1, region_size);
      if (*lk.region_size != region_size)
        c.say(fmt::format("Adjusting region_size to {} for mirrored log.", alloc::message_size(*lk.region_size)));
      for (unsigned k = 0; k < log_images; ++k) {
        LogicalVolume img = new_lv(fmt::format("{}_mimage_{}", log.name, k));
        img.status.remove("VISIBLE");
        Segment is;
        is.extent_count = 1;
        is.stripes = {log_pieces[0].stripes.at(k)};
        img.segments.push_back(std::move(is));
        lk.mirrors.push_back({img.name, 0});
        zero_whole.push_back(img.name);
        vg.lvs.push_back(std::move(img));
      }
      Segment ls;
      ls.extent_count = 1;
      segtypes::set_mirror_keys(ls, lk);
      log.segments.push_back(std::move(ls));
    }
    keys.mirror_log = log.name;
    vg.lvs.push_back(std::move(log));
  }
  LogicalVolume lv = new_lv(name);
  if (nosync) lv.status.add("NOTSYNCED");
  Segment seg;
  seg.extent_count = extents;
  segtypes::set_mirror_keys(seg, keys);
  lv.segments.push_back(std::move(seg));
  if (auto t = apply_tags(c, lv.tags); !t) return std::unexpected(t.error());
  vg.lvs.push_back(std::move(lv));
  std::stable_partition(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });

  // Zero the images' first 4 KiB and the log before the VG names them.
  if (!c.test_mode()) {
    const auto paths = c.pv_paths(vg.name);
    std::vector<std::string> zero_lvs;
    for (const auto& s : subs) zero_lvs.push_back(s.name);
    zero_lvs.insert(zero_lvs.end(), zero_whole.begin(), zero_whole.end());
    for (const auto& n : zero_lvs) {
      const ByteTarget t = lv_target(vg, *vg.find_lv(n), paths);
      const bool whole = std::find(zero_whole.begin(), zero_whole.end(), n) != zero_whole.end();
      if (auto r = zero_start(t, whole ? t.size : ZERO_BYTES); !r) {
        c.warn(r.error().message);
        return failed(fmt::format("Failed to initialize logical volume {}/{} with value 0.", vg.name, n));
      }
    }
  }
  const VolumeGroup before = **old;
  if (auto r = c.commit(vg, before); !r) return r;
  if (!c.test_mode()) {
    segtypes::set_mirror_create_in_sync(nosync);
    auto r = c.activate(vg, *vg.find_lv(name));
    segtypes::set_mirror_create_in_sync(false);
    if (!r) {
      c.warn(r.error().message);
      c.warn(fmt::format("Failed to activate new LV {}/{}.", vg.name, name));
      VolumeGroup committed = vg;
      committed.seqno = before.seqno + 1;
      if (auto back = c.commit(before, committed); !back) c.warn(back.error().message);
      return failed("");
    }
  }
  if (nosync) c.warn("WARNING: New mirror won't be synchronised. Don't read what you didn't write!");
  c.say(fmt::format("Logical volume \"{}\" created.", name));
  return {};
}

}  // namespace udm::lvm::api::detail

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
  if (log_type != "disk" && log_type != "core") {
    if (log_type == "mirrored") return failed("--mirrorlog mirrored is not supported by ulvm.");
    return failed(fmt::format("Unknown mirrorlog type: {}", log_type), EXIT_INVALID);
  }
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
  if (log_type == "disk") {
    // The log on a PV no image uses, as lvm2 allocates it.
    std::vector<std::string> log_pvs;
    for (const auto& pv : vg.pvs) {
      if (std::find(image_pvs.begin(), image_pvs.end(), pv.name) != image_pvs.end()) continue;
      if (!pvn->empty() && std::find(pvn->begin(), pvn->end(), pv.name) == pvn->end()) continue;
      log_pvs.push_back(pv.name);
    }
    std::vector<Segment> log_segs;
    if (!log_pvs.empty()) {
      auto l = alloc::allocate(vg, nullptr, {.extents = 1, .stripes = 1, .stripe_size = 0, .policy = *policy,
                                             .pv_names = log_pvs, .lv_name = name + "_mlog"});
      if (l) log_segs = *l;
    }
    if (log_segs.empty())
      return failed(fmt::format("Insufficient suitable allocatable extents for logical volume {}: 1 more required",
                                name + "_mlog"));
    LogicalVolume log = new_lv(name + "_mlog");
    log.status.remove("VISIBLE");
    log.segments = std::move(log_segs);
    keys.mirror_log = log.name;
    vg.lvs.push_back(std::move(log));
  }
  LogicalVolume lv = new_lv(name);
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
    if (keys.mirror_log) zero_lvs.push_back(*keys.mirror_log);
    for (const auto& n : zero_lvs) {
      const ByteTarget t = lv_target(vg, *vg.find_lv(n), paths);
      if (auto r = zero_start(t, n == keys.mirror_log ? t.size : ZERO_BYTES); !r) {
        c.warn(r.error().message);
        return failed(fmt::format("Failed to initialize logical volume {}/{} with value 0.", vg.name, n));
      }
    }
  }
  const VolumeGroup before = **old;
  if (auto r = c.commit(vg, before); !r) return r;
  if (!c.test_mode()) {
    if (auto r = c.activate(vg, *vg.find_lv(name)); !r) {
      c.warn(r.error().message);
      c.warn(fmt::format("Failed to activate new LV {}/{}.", vg.name, name));
      VolumeGroup committed = vg;
      committed.seqno = before.seqno + 1;
      if (auto back = c.commit(before, committed); !back) c.warn(back.error().message);
      return failed("");
    }
  }
  c.say(fmt::format("Logical volume \"{}\" created.", name));
  return {};
}

}  // namespace udm::lvm::api::detail

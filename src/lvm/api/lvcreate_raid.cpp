// lvcreate --type raid1 -m N, -m N alone (lvm2's default mirror type is
// raid1), --type raid0|raid0_meta|raid10|raid4|raid5*|raid6* -i S [-I size],
// --nosync, --regionsize: the LV, one _rmeta_N (1 extent) and _rimage_N per
// device on distinct PVs, committed, the metadata LVs zeroed, activated.
#include "lvm/api/lvcreate_raid.hpp"

#include <charconv>

#include "lvm/api/wipe.hpp"
#include "lvm/segtypes/raid_keys.hpp"

namespace udm::lvm::api::detail {
namespace {

Outcome<unsigned> number_arg(const Cmd& c, const char* name, unsigned lo, unsigned hi) {
  auto v = c.cl().get(name);
  unsigned n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size() || n < lo || n > hi)
    return failed(fmt::format("Invalid argument for --{}: {}", name, *v), EXIT_INVALID);
  return n;
}

// What the command line asks for, before the VG is read.
struct RaidShape {
  std::string type;
  unsigned images = 2;
  unsigned data_stripes = 1;  // LV extents split over these
  std::optional<std::uint64_t> copies;  // raid10
  sector_t stripe_size = 0;
};

Outcome<RaidShape> raid_shape(Cmd& c, const std::string& type) {
  RaidShape s;
  s.type = type;
  const bool raid1 = type == "raid1", raid10 = type == "raid10";
  unsigned mirrors = 1;
  if (c.cl().has("mirrors")) {
    auto m = number_arg(c, "mirrors", 0, 9);
    if (!m) return std::unexpected(m.error());
    mirrors = *m;
    if (!raid1 && !raid10) return failed(fmt::format("Mirrors not allowed with {}.", type), EXIT_INVALID);
    if (mirrors == 0) return failed("--mirrors must be at least 1 with segment type raid1.", EXIT_INVALID);
  }
  if (raid1) {
    if (c.cl().has("stripes")) return failed("Stripes not allowed with raid1.", EXIT_INVALID);
    s.images = mirrors + 1;
    return s;
  }
  const unsigned parity = segtypes::raid_parity_devs(type);
  unsigned stripes = type.starts_with("raid6") ? 3 : 2;
  if (c.cl().has("stripes")) {
    auto i = number_arg(c, "stripes", 1, 64);
    if (!i) return std::unexpected(i.error());
    stripes = *i;
  }
  if (auto I = c.cl().get("stripesize")) {
    auto z = alloc::parse_size(*I, 'k');
    if (!z || z->sectors == 0 || (z->sectors & (z->sectors - 1)) != 0)
      return failed(fmt::format("Invalid stripe size {}.", *I), EXIT_INVALID);
    s.stripe_size = z->sectors;
  } else {
    s.stripe_size = 128;
    c.say("Using default stripesize 64.00 KiB.");
  }
  if (type.starts_with("raid6") && stripes < 3)
    return failed("Minimum of 3 stripes required for raid6.", EXIT_INVALID);
  if (parity && stripes < 2)
    return failed(fmt::format("Minimum of 2 stripes required for {}.", type.substr(0, 5)), EXIT_INVALID);
  if (raid10) {
    s.copies = mirrors + 1;
    s.images = stripes * (mirrors + 1);
    s.data_stripes = stripes;
  } else {
    s.images = stripes + parity;
    s.data_stripes = stripes;
  }
  return s;
}

Outcome<sector_t> region_size_arg(Cmd& c, sector_t lv_sectors) {
  auto v = c.cl().get("regionsize");
  if (!v) return segtypes::default_raid_region_size(lv_sectors);
  auto s = alloc::parse_size(*v, 'm');
  if (!s || s->sectors == 0) return failed(fmt::format("Invalid argument for --regionsize: {}", *v), EXIT_INVALID);
  if (s->sectors % 8)
    return failed(fmt::format("Region size must be a multiple of machine memory page size (4096 bytes).\n  "
                              "Invalid argument for --regionsize: {}\n  Error during parsing of command line.",
                              *v),
                  EXIT_INVALID);
  if (s->sectors & (s->sectors - 1))
    return failed(fmt::format("Region size ({}) must be a power of 2.", alloc::message_size(s->sectors)), EXIT_INVALID);
  return s->sectors;
}

Outcome<void> create(Cmd& c, const std::string& type) {
  const auto& a = c.cl().args;
  auto shape = raid_shape(c, type);
  if (!shape) return std::unexpected(shape.error());
  if (a.empty()) return failed("Please specify a volume group name.", EXIT_INVALID);
  auto [vgn, lvn_from_path] = split_lv_path(a[0]);
  if (vgn.empty()) {
    vgn = a[0];
    lvn_from_path.clear();
  }
  std::string name = c.cl().get("name").value_or(lvn_from_path);
  if (!name.empty())
    if (auto r = check_new_lv_name(name); !r)
      return failed(fmt::format("Logical volume name \"{}\" is invalid.", name), EXIT_INVALID);
  const bool nosync = c.cl().has("nosync");
  bool activate_it = true;
  if (auto act = c.cl().get("activate")) {
    auto on = parse_activate(*act);
    if (!on) return std::unexpected(on.error());
    activate_it = *on;
  }
  bool zero = true;
  if (auto z = c.cl().get("zero")) zero = *z == "y" || *z == "yes";
  if (auto r = c.open(true); !r) return r;
  auto old = c.current_vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = **old;
  const VolumeGroup before = vg;
  if (name.empty()) name = free_lvol_name(vg);
  if (vg.find_lv(name))
    return failed(fmt::format("Logical Volume \"{}\" already exists in volume group \"{}\"", name, vg.name));
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(a.begin() + 1, a.end()));
  if (!pvn) return std::unexpected(pvn.error());
  alloc::Sign sign = alloc::Sign::none;
  auto ext = extents_from_args(c, vg, 0, &sign, *pvn, false);
  if (!ext) return std::unexpected(ext.error());
  if (*ext == 0) return failed("Unable to create new logical volume with no extents.");
  std::string note;
  const extent_t extents = alloc::round_to_stripes(*ext, shape->data_stripes, vg.extent_size, &note);
  if (!note.empty()) c.say(note);
  const extent_t per_image = extents / shape->data_stripes;
  const bool raid0 = type == "raid0";
  const bool with_meta = type != "raid0";
  sector_t region = 0;
  if (!segtypes::is_raid0_type(type)) {
    auto r = region_size_arg(c, per_image * vg.extent_size);
    if (!r) return std::unexpected(r.error());
    region = *r;
  }
  auto policy = policy_of(c, vg, nullptr);
  if (!policy) return std::unexpected(policy.error());

  LogicalVolume top = new_lv(name);
  if (nosync && !raid0) top.status.add("NOTSYNCED");
  segtypes::RaidKeys k;
  k.type = type;
  k.device_count = shape->images;
  k.data_copies = shape->copies;
  k.region_size = region;
  k.stripe_size = shape->stripe_size;
  if (!raid0)
    if (auto r = recovery_rate_args(c, k); !r) return std::unexpected(r.error());
  const std::size_t first_sub = vg.lvs.size();
  std::vector<std::string> avoid;
  for (unsigned i = 0; i < shape->images; ++i) {
    if (auto r = allocate_raid_slot(c, vg, name, i, with_meta, per_image, *pvn, avoid, *policy); !r) {
      // lvm2 allocates the images in parallel: none of them was found.
      const extent_t need = (per_image + (with_meta ? 1 : 0)) * shape->images;
      return failed(fmt::format("Insufficient suitable allocatable extents for logical volume {}: {} more required",
                                name, need));
    }
    k.images.push_back(fmt::format("{}_rimage_{}", name, i));
    k.metas.push_back(with_meta ? fmt::format("{}_rmeta_{}", name, i) : "");
  }
  Segment seg;
  seg.start_extent = 0;
  seg.extent_count = extents;
  segtypes::set_raid_keys(seg, k);
  top.segments.push_back(std::move(seg));
  if (auto t = apply_tags(c, top.tags); !t) return std::unexpected(t.error());
  // The LV first, its sub-LVs after it (lvm2's creation order); visible
  // LVs before hidden ones.
  vg.lvs.insert(vg.lvs.begin() + static_cast<std::ptrdiff_t>(first_sub), top);
  std::stable_partition(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });
  if (auto r = c.commit(vg, before); !r) return r;
  if (!c.test_mode()) {
    std::vector<std::string> metas;
    for (const auto& m : k.metas)
      if (!m.empty()) metas.push_back(m);
    if (auto r = clear_raid_sub_lvs(c, vg, metas, k.images, zero); !r) return r;
  }
  if (activate_it && !c.test_mode()) {
    segtypes::set_raid_create_in_sync(nosync);
    auto r = c.activate(vg, *vg.find_lv(name));
    segtypes::set_raid_create_in_sync(false);
    if (!r) {
      c.warn(r.error().message);
      return failed(fmt::format("Failed to activate new LV {}/{}.", vg.name, name));
    }
  }
  if (nosync && !raid0)
    c.warn(fmt::format("WARNING: New {} won't be synchronised. Don't read what you didn't write!", type));
  if (!zero) c.warn(fmt::format("WARNING: Logical volume {}/{} not zeroed.", vg.name, name));
  c.say(fmt::format("Logical volume \"{}\" created.", name));
  return {};
}

}  // namespace

Outcome<void> allocate_raid_slot(Cmd& c, VolumeGroup& vg, const std::string& lv_name, std::size_t slot, bool meta,
                                 extent_t image_extents, const std::vector<std::string>& pv_names,
                                 std::vector<std::string>& avoid, AllocationPolicy policy) {
  (void)c;
  const extent_t need = image_extents + (meta ? 1 : 0);
  // The PV with the most free extents that no other image uses (lvm2 sorts
  // the candidate areas largest first).
  const PhysicalVolume* best = nullptr;
  extent_t best_free = 0;
  for (const auto& pv : vg.pvs) {
    if (!pv.status.has("ALLOCATABLE")) continue;
    if (!pv_names.empty() && std::find(pv_names.begin(), pv_names.end(), pv.name) == pv_names.end()) continue;
    if (std::find(avoid.begin(), avoid.end(), pv.name) != avoid.end()) continue;
    extent_t free = 0;
    for (const auto& fa : alloc::free_areas(vg, {pv.name})) free += fa.count;
    if (free >= need && free > best_free) {
      best = &pv;
      best_free = free;
    }
  }
  if (!best) return failed("no PV");
  const std::string pv = best->name;
  avoid.push_back(pv);
  LogicalVolume img = new_lv(fmt::format("{}_rimage_{}", lv_name, slot));
  img.status.remove("VISIBLE");
  LogicalVolume m = new_lv(fmt::format("{}_rmeta_{}", lv_name, slot));
  m.status.remove("VISIBLE");
  if (meta) {
    auto s = alloc::allocate(vg, nullptr, {.extents = 1, .stripes = 1, .policy = policy, .pv_names = {pv},
                                           .lv_name = m.name});
    if (!s) return failed(s.error().message);
    m.segments = *s;
    vg.lvs.push_back(m);  // so the image's allocation sees these extents taken
  }
  auto s = alloc::allocate(vg, nullptr, {.extents = image_extents, .stripes = 1, .policy = policy,
                                         .pv_names = {pv}, .lv_name = img.name});
  if (!s) {
    if (meta) vg.lvs.pop_back();
    return failed(s.error().message);
  }
  img.segments = *s;
  if (meta) vg.lvs.insert(vg.lvs.end() - 1, img);
  else vg.lvs.push_back(img);
  return {};
}

Outcome<void> clear_raid_sub_lvs(Cmd& c, const VolumeGroup& vg, const std::vector<std::string>& metas,
                                 const std::vector<std::string>& images, bool zero_images) {
  const auto paths = c.pv_paths(vg.name);
  for (const auto& n : metas) {
    const LogicalVolume* lv = vg.find_lv(n);
    if (!lv) continue;
    const ByteTarget t = lv_target(vg, *lv, paths);
    if (auto r = zero_start(t, t.size); !r) {
      c.warn(r.error().message);
      return failed(fmt::format("Failed to initialize logical volume {}/{}.", vg.name, n));
    }
  }
  if (zero_images)
    for (const auto& n : images) {
      const LogicalVolume* lv = vg.find_lv(n);
      if (!lv) continue;
      if (auto r = zero_start(lv_target(vg, *lv, paths), 4096); !r) {
        c.warn(r.error().message);
        return failed(fmt::format("Failed to initialize 4.00 KiB of logical volume {}/{} with value 0.", vg.name, n));
      }
    }
  return {};
}

Outcome<bool> recovery_rate_args(const Cmd& c, segtypes::RaidKeys& k) {
  bool any = false;
  for (auto [name, dst] : {std::pair{"minrecoveryrate", &k.min_recovery_rate}, std::pair{"maxrecoveryrate", &k.max_recovery_rate}}) {
    auto v = c.cl().get(name);
    if (!v) continue;
    auto s = alloc::parse_size(*v, 'k');
    if (!s) return failed(fmt::format("Invalid argument for --{}: {}", name, *v), EXIT_INVALID);
    const std::uint64_t kib = s->sectors / 2;
    *dst = kib ? std::optional<std::uint64_t>(kib) : std::nullopt;
    any = true;
  }
  if (k.min_recovery_rate && k.max_recovery_rate && *k.min_recovery_rate > *k.max_recovery_rate)
    return failed("Minimum recovery rate cannot be higher than maximum.", EXIT_INVALID);
  return any;
}

std::unexpected<Failure> not_permitted(const std::string& vgn, const LogicalVolume& lv) {
  const std::string who = fmt::format("{}/{}", vgn, lv.name);
  if (segtypes::lv_is_raid(lv) && segtypes::is_raid0_type(lv.segments[0].type))
    return failed(fmt::format("Command on LV {} with invalid LV type striped.\n  Command not permitted on LV {}.", who, who));
  return failed(fmt::format("Command on LV {} does not accept LV type {}.\n  Command not permitted on LV {}.", who,
                            segtypes::lv_layout(lv), who));
}

void remove_raid_sub_lvs(VolumeGroup& vg, const std::string& lv_name) {
  const LogicalVolume* lv = vg.find_lv(lv_name);
  if (!lv || !segtypes::lv_is_raid(*lv)) return;
  std::vector<std::string> subs;
  for (const auto& seg : lv->segments)
    if (auto k = segtypes::raid_keys(seg)) {
      for (const auto& n : k->images) subs.push_back(n);
      for (const auto& n : k->metas)
        if (!n.empty()) subs.push_back(n);
    }
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return std::find(subs.begin(), subs.end(), x.name) != subs.end(); });
}

std::optional<Outcome<void>> lvcreate_raid(Cmd& c) {
  std::string type;
  if (auto t = c.cl().get("type")) {
    if (!segtypes::is_raid_type(*t)) return std::nullopt;
    type = segtypes::canonical_raid_type(*t);
  } else if (c.cl().has("mirrors") && !c.cl().has("snapshot") && !c.cl().has("thin")) {
    type = "raid1";  // lvm.conf global/mirror_segtype_default
  } else {
    return std::nullopt;
  }
  return create(c, type);
}

}  // namespace udm::lvm::api::detail

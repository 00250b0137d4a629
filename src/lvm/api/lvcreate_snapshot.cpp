// lvcreate -s: an old-style snapshot of VG/origin with a COW of -L/-l. As
// lvm2 makes it: the COW is allocated as a plain LV, its first chunk zeroed
// (a zero magic tells the snapshot target "new store"), then it becomes the
// snapshot: the COW LV loses VISIBLE and a carrier "snapshotN" (as long as
// the origin) names origin, COW and chunk size. With the origin active, the
// origin is reloaded with the snapshot stack (origin suspended while the
// snapshot device is made, so no write escapes it).
#include <fmt/format.h>

#include "lvm/api/cmd.hpp"
#include "lvm/api/snapshot_commands.hpp"
#include "lvm/api/wipe.hpp"
#include "lvm/segtypes/snapshot.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::api::detail {

namespace {

// --chunksize: 4 KiB to 512 KiB, a power of 2 (in sectors 8..1024).
Outcome<sector_t> chunk_size_argument(const Cmd& c) {
  auto text = c.cl().get("chunksize");
  if (!text) return segtypes::DEFAULT_SNAPSHOT_CHUNK;
  auto s = alloc::parse_size(*text, 'k');
  if (!s || s->sign != alloc::Sign::none) return failed(fmt::format("Invalid argument for --chunksize: {}", *text), EXIT_INVALID);
  const sector_t v = s->sectors;
  if (v < 8 || v > 1024 || (v & (v - 1)) != 0)
    return failed("Chunk size must be a power of 2 in the range 4K to 512K.", EXIT_INVALID);
  return v;
}

// lvm2's validate_snapshot_origin: what may not have an old-style snapshot.
Outcome<void> check_origin(const VolumeGroup& vg, const LogicalVolume& origin) {
  const char* what = nullptr;
  if (segtypes::lv_is_cow(vg, origin)) what = "snapshots";
  else if (origin.status.has("LOCKED")) what = "locked volumes";
  else if (origin.status.has("PVMOVE")) what = "pvmoved volumes";
  else if (!lv_is_visible(vg, origin)) what = "hidden volumes";
  else if (segtypes::merging_snapshot_of_origin(vg, origin.name)) what = "an origin that has a merging snapshot";
  if (what) return failed(fmt::format("Snapshots of {} are not supported.", what));
  return {};
}

bool is_thin_volume(const LogicalVolume& lv) {
  return segtypes::lv_is_thin_volume(lv);
}

}  // namespace

Outcome<void> lvcreate_snapshot(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please specify a logical volume to act as the snapshot origin.", EXIT_INVALID);
  auto [vgn, origin_name] = split_lv_path(a[0]);
  if (vgn.empty() || origin_name.empty())
    return failed("Please specify a logical volume to act as the snapshot origin.", EXIT_INVALID);
  const bool sized = c.cl().has("size") || c.cl().has("extents");
  auto chunk = chunk_size_argument(c);
  if (sized && !chunk) return std::unexpected(chunk.error());
  std::string name = c.cl().get("name").value_or("");
  if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (!name.empty())
    if (auto r = check_new_lv_name(name); !r)
      return failed(fmt::format("Logical volume name \"{}\" is invalid.", name), EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old = c.current_vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = **old;
  const LogicalVolume* origin = vg.find_lv(origin_name);
  if (!origin)
    return failed(fmt::format("Snapshot origin LV {} not found in Volume group {}.", origin_name, vg.name));
  if (!sized) {
    // A snapshot of a thin LV without a size is a thin snapshot (thin's code).
    if (is_thin_volume(*origin)) return failed("lvcreate -s of a thin volume is not supported by ulvm yet.");
    return failed("Please specify either size or extents with snapshots.");
  }
  const extent_t origin_extents = origin->extent_count();
  const sector_t origin_sectors = origin_extents * vg.extent_size;
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(a.begin() + 1, a.end()));
  if (!pvn) return std::unexpected(pvn.error());

  extent_t extents = 0;
  auto l = c.cl().get("extents");
  if (l && !c.cl().has("size")) {
    auto e = alloc::parse_extents(*l);
    if (!e) return failed(e.error().message, EXIT_INVALID);
    if (e->percent == alloc::Percent::origin) {
      // The whole metadata estimate plus the percentage of the origin.
      extents = segtypes::cow_max_extents(origin_sectors, *chunk, vg.extent_size) - origin_extents +
                (e->value * origin_extents + 99) / 100;
    }
  }
  if (extents == 0) {
    alloc::Sign sign = alloc::Sign::none;
    auto ext = extents_from_args(c, vg, 0, &sign, *pvn, false);
    if (!ext) return std::unexpected(ext.error());
    extents = *ext;
  }
  if (extents == 0) return failed("Unable to create new logical volume with no extents.");
  const extent_t max = segtypes::cow_max_extents(origin_sectors, *chunk, vg.extent_size);
  if (max < extents) {
    c.say(fmt::format("Reducing COW size {} down to maximum usable size {}.", alloc::message_size(extents * vg.extent_size),
                      alloc::message_size(max * vg.extent_size)));
    extents = max;
  }
  if (auto r = check_origin(vg, *origin); !r) return r;
  if (extents * vg.extent_size < segtypes::SNAPSHOT_MIN_CHUNKS * *chunk) {
    const sector_t min = segtypes::SNAPSHOT_MIN_CHUNKS * *chunk;
    return failed(fmt::format("Snapshot volume cannot be smaller than {} chunks ({} extents, {}).",
                              segtypes::SNAPSHOT_MIN_CHUNKS, (min + vg.extent_size - 1) / vg.extent_size,
                              alloc::message_size(min)));
  }
  if (name.empty()) name = free_lvol_name(vg);
  if (vg.find_lv(name)) return failed(fmt::format("Logical Volume \"{}\" already exists in volume group \"{}\"", name, vg.name));
  extent_t free = 0;
  for (const auto& fa : alloc::free_areas(vg, *pvn)) free += fa.count;
  if (extents > free)
    return failed(fmt::format("Volume group \"{}\" has insufficient free space ({} extents): {} required.", vg.name, free,
                              extents));
  auto policy = policy_of(c, vg, nullptr);
  if (!policy) return std::unexpected(policy.error());

  // The COW LV: READ WRITE only (lvm drops VISIBLE: it shows as the snapshot).
  LogicalVolume cow = new_lv(name);
  auto segs = alloc::allocate(vg, nullptr, {.extents = extents, .stripes = 1, .stripe_size = 0, .policy = *policy,
                                            .pv_names = *pvn, .lv_name = name});
  if (!segs) return failed(segs.error().message);
  cow.segments = *segs;
  cow.status.remove("VISIBLE");
  if (auto p = c.cl().get("permission")) {
    if (*p == "r") cow.status.remove("WRITE");
    else if (*p != "rw") return failed("Invalid argument for --permission: " + *p, EXIT_INVALID);
  }
  if (auto t = apply_tags(c, cow.tags); !t) return std::unexpected(t.error());
  LogicalVolume carrier = new_lv(segtypes::next_snapshot_carrier_name(vg));
  carrier.segments.push_back(segtypes::make_snapshot_segment(origin_extents, *chunk, origin_name, name));
  vg.lvs.push_back(std::move(cow));
  vg.lvs.push_back(std::move(carrier));

  // A new store: the header chunk zeroed before anything can use the COW.
  if (!c.test_mode()) {
    const ByteTarget t = lv_target(vg, *vg.find_lv(name), c.pv_paths(vg.name));
    if (auto r = zero_start(t, *chunk * SECTOR_SIZE); !r) {
      c.warn(r.error().message);
      return failed("Aborting. Failed to wipe snapshot exception store.");
    }
  }
  const VolumeGroup before = **old;
  const bool origin_active = !c.test_mode() && c.is_active(before, *before.find_lv(origin_name));
  if (auto r = c.commit(vg, before); !r) return r;
  if (origin_active) {
    if (auto r = activate_origin(c, vg, *vg.find_lv(origin_name)); !r) {
      c.warn(r.error().message);
      return failed("Aborting. Manual intervention required.");
    }
  }
  c.say(fmt::format("Logical volume \"{}\" created.", name));
  return {};
}

}  // namespace udm::lvm::api::detail

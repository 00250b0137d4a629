// lvconvert --type thin-pool VG/DATA --poolmetadata META: existing LVs
// become a thin pool as lvm2 makes one. DATA is renamed DATA_tdata and META
// DATA_tmeta (both hidden, their extents and ids kept), a new visible LV DATA
// carries the thin-pool segment, the spare is made or grown, and the
// metadata's start is wiped (after lvm2's warning and question) so the pool
// formats it.
#include "lvm/api/cmd.hpp"
#include "lvm/api/lvcreate_thin.hpp"
#include "lvm/api/wipe.hpp"

namespace udm::lvm::api::detail {

namespace {

constexpr sector_t MIN_CHUNK = 128;

// lvm2's chunk size for a given metadata size: data / (metadata * 8),
// rounded up to a power of two, at least 64 KiB.
sector_t estimate_chunk(sector_t data, sector_t meta) {
  sector_t c = meta ? data / (meta * 8) : MIN_CHUNK;
  sector_t p = 1;
  while (p < c) p <<= 1;
  return std::clamp<sector_t>(p, MIN_CHUNK, segtypes::THIN_MAX_CHUNK);
}

}  // namespace

std::optional<Outcome<void>> lvconvert_thin(Cmd& c) {
  if (c.cl().get("type").value_or("") != "thin-pool") return std::nullopt;
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please specify a logical volume path.", EXIT_INVALID);
  auto [vgn, lvn] = split_lv_path(a[0]);
  if (vgn.empty() || lvn.empty()) return failed("Please specify a logical volume path.", EXIT_INVALID);
  auto meta_arg = c.cl().get("poolmetadata");
  if (!meta_arg) return failed("lvconvert --type thin-pool without --poolmetadata is not supported by ulvm yet.");
  const std::string meta_name = split_lv_path(*meta_arg, vgn).second;
  if (auto r = c.open(true); !r) return r;
  auto cur = c.current_vg(vgn);
  if (!cur) return std::unexpected(cur.error());
  const VolumeGroup old = **cur;
  VolumeGroup vg = old;
  const LogicalVolume* data = old.find_lv(lvn);
  if (!data) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
  const LogicalVolume* meta = old.find_lv(meta_name);
  if (!meta) return failed(fmt::format("Unknown pool metadata LV {}.", meta_name));
  for (const LogicalVolume* x : {data, meta}) {
    bool striped = !x->segments.empty();
    for (const auto& s : x->segments) striped = striped && s.is_striped();
    if (!striped || !x->visible())
      return failed(fmt::format("Pool data LV {}/{} is of an unsupported type.", vgn, x->name));
  }
  if (data == meta) return failed("Cannot use same LV for pool data and metadata LV.", EXIT_INVALID);
  const sector_t es = vg.extent_size;
  const sector_t data_sectors = data->extent_count() * es;
  const sector_t meta_sectors = meta->extent_count() * es;
  if (meta_sectors < 2 * 2048)
    return failed(fmt::format("Can't use volume {}/{} with size {} as pool metadata. Minimal required size is {}.",
                              vgn, meta->name, thin_display_size(meta_sectors), thin_display_size(2 * 2048)));
  segtypes::ThinPoolKeys k;
  k.metadata = lvn + "_tmeta";
  k.pool = lvn + "_tdata";
  if (auto cs = c.cl().get("chunksize")) {
    auto s = alloc::parse_size(*cs, 'k');
    if (!s || s->sectors < MIN_CHUNK || s->sectors % MIN_CHUNK || s->sectors > segtypes::THIN_MAX_CHUNK)
      return failed(fmt::format("Invalid argument for --chunksize: {}", *cs), EXIT_INVALID);
    k.chunk_size = s->sectors;
  } else {
    k.chunk_size = estimate_chunk(data_sectors, meta_sectors);
  }
  bool wipe_meta = true;
  if (auto z = c.cl().get("zero")) {
    if (*z == "n" || *z == "no") wipe_meta = false;
    else if (*z != "y" && *z != "yes") return failed(fmt::format("Invalid argument for --zero: {}", *z), EXIT_INVALID);
  }
  if (auto d = c.cl().get("discards")) {
    if (*d != "passdown" && *d != "nopassdown" && *d != "ignore")
      return failed(fmt::format("Invalid argument for --discards: {}", *d), EXIT_INVALID);
    k.discards = *d;
  }
  const std::uint64_t max_meta = 2ull * 255 * ((1 << 14) - 64) * 4;
  c.say(fmt::format("Thin pool volume with chunk size {} can address at most {} of data.",
                    thin_display_size(k.chunk_size), thin_display_size(max_meta * k.chunk_size * 512 / 64)));
  const std::string names = fmt::format("{}/{} and {}/{}", vgn, lvn, vgn, meta->name);
  c.warn(fmt::format("WARNING: Converting {} to thin pool's data and metadata volumes {} metadata wiping.", names,
                     wipe_meta ? "with" : "WITHOUT"));
  if (wipe_meta) c.warn("THIS WILL DESTROY CONTENT OF LOGICAL VOLUME (filesystem etc.)");
  if (!c.cl().has("yes") && yes_no(c, fmt::format("Do you really want to convert {}? [y/n]: ", names)) == 'n')
    return failed("Conversion aborted.");
  // Both LVs go down before they change role.
  const bool was_active = c.is_active(old, *data);
  for (const LogicalVolume* x : {data, meta}) {
    const activate::DeviceState st = c.device_state(old, *x);
    if (st.open) return failed(fmt::format("Logical volume {}/{} in use.", vgn, x->name));
    if (st.active)
      if (auto r = c.deactivate(old, *x); !r) return r;
  }
  const extent_t meta_extents = meta->extent_count();
  LogicalVolume* d = vg.find_lv(lvn);
  d->name = k.pool;
  d->status.remove("VISIBLE");
  LogicalVolume* m = vg.find_lv(meta_name);
  m->name = k.metadata;
  m->status.remove("VISIBLE");
  LogicalVolume pool = new_lv(lvn);
  if (c.cl().get("errorwhenfull").value_or("n") == "y") pool.flags.add("ERROR_WHEN_FULL");
  Segment seg;
  seg.extent_count = vg.find_lv(k.pool)->extent_count();
  segtypes::set_thin_pool_keys(seg, k);
  pool.segments.push_back(std::move(seg));
  vg.lvs.push_back(std::move(pool));
  // The spare: as big as this metadata LV.
  LogicalVolume* spare = nullptr;
  for (auto& x : vg.lvs)
    if (segtypes::lv_is_pool_metadata_spare(x)) spare = &x;
  if (!spare || spare->extent_count() < meta_extents) {
    const extent_t add = spare ? meta_extents - spare->extent_count() : meta_extents;
    if (spare) {
      if (auto r = alloc::extend_lv(vg, spare->name, {.extents = add, .stripes = 1, .stripe_size = 0,
                                                      .policy = AllocationPolicy::normal, .pv_names = {},
                                                      .lv_name = spare->name});
          !r)
        return failed(r.error().message);
    } else {
      const std::string name = free_lvol_name(vg, "_pmspare");
      LogicalVolume s = new_lv(name);
      s.status.remove("VISIBLE");
      auto segs = alloc::allocate(vg, nullptr, {.extents = add, .stripes = 1, .stripe_size = 0,
                                                .policy = AllocationPolicy::normal, .pv_names = {}, .lv_name = name});
      if (!segs) return failed(segs.error().message);
      s.segments = *segs;
      vg.lvs.push_back(std::move(s));
    }
  }
  std::stable_partition(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });
  if (auto r = c.commit(vg, old); !r) return r;
  if (wipe_meta && !c.test_mode()) {
    const ByteTarget t = lv_target(vg, *vg.find_lv(k.metadata), c.pv_paths(vgn));
    if (auto r = zero_start(t, 4096); !r) return failed(r.error().message);
  }
  if (was_active)
    if (auto r = c.activate(vg, *vg.find_lv(lvn)); !r) return r;
  c.say(fmt::format("Converted {} to thin pool.", names));
  return Outcome<void>{};
}

// ulvm's lvconvert knows thin pools only so far; other conversions are
// refused as not supported.
}  // namespace udm::lvm::api::detail

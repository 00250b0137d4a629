#include "lvm/api/lvcreate_thin.hpp"

#include <cmath>

#include "lvm/api/thin_activate.hpp"
#include "lvm/api/wipe.hpp"

namespace udm::lvm::api::detail {

namespace {

using segtypes::ThinKeys;
using segtypes::ThinMessage;
using segtypes::ThinPoolKeys;

// lvm2's defaults (lvm.conf allocation/thin_pool_*), in sectors.
constexpr sector_t DEFAULT_CHUNK = 128;                      // 64 KiB
constexpr sector_t OPTIMAL_METADATA = 2 * 128 * 1024 * 2;    // chunk grows while metadata > 256 MiB
constexpr sector_t MIN_METADATA = 2 * 2048;                  // 2 MiB
constexpr sector_t MAX_METADATA = 2ull * 255 * ((1 << 14) - 64) * 4;  // the kernel's usable ~15.81 GiB
constexpr std::uint64_t MAX_SPARE_SECTORS = 2ull * 16 * 1024 * 1024;  // spare capped at 16 GiB

Outcome<std::optional<sector_t>> size_arg(const Cmd& c, const char* name, char unit) {
  auto v = c.cl().get(name);
  if (!v) return std::optional<sector_t>{};
  auto s = alloc::parse_size(*v, unit);
  if (!s || s->sectors == 0) return failed(fmt::format("Invalid argument for --{}: {}", name, *v), EXIT_INVALID);
  return std::optional<sector_t>(s->sectors);
}

void sort_lvs(VolumeGroup& vg) {
  std::stable_partition(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });
}

Outcome<std::vector<Segment>> allocate(Cmd& c, const VolumeGroup& vg, const std::string& name, extent_t extents,
                                       const std::vector<std::string>& pvn) {
  auto policy = policy_of(c, vg, nullptr);
  if (!policy) return std::unexpected(policy.error());
  auto segs = alloc::allocate(vg, nullptr, {.extents = extents, .stripes = 1, .stripe_size = 0, .policy = *policy,
                                            .pv_names = pvn, .lv_name = name});
  if (!segs) return failed(segs.error().message);
  return *segs;
}

LogicalVolume hidden_lv(std::string name) {
  LogicalVolume lv = new_lv(std::move(name));
  lv.status.remove("VISIBLE");
  return lv;
}

Outcome<void> check_free(const VolumeGroup& vg, extent_t need, const std::vector<std::string>& pvn) {
  extent_t free = 0;
  for (const auto& fa : alloc::free_areas(vg, pvn)) free += fa.count;
  if (need > free)
    return failed(fmt::format("Volume group \"{}\" has insufficient free space ({} extents): {} required.", vg.name,
                              free, need));
  return {};
}

// Sends the pool's queued messages and writes the VG again without them.
Outcome<void> deliver_messages(Cmd& c, const std::string& vgn, const std::string& pool_name,
                               const LogicalVolume* suspend_origin) {
  if (c.test_mode()) return {};
  auto cur = c.current_vg(vgn);
  if (!cur) return std::unexpected(cur.error());
  const VolumeGroup written = **cur;
  const LogicalVolume* pool = written.find_lv(pool_name);
  activate::Driver* d = c.driver(true);
  if (!d) return failed(fmt::format("Cannot activate thin pool {}/{}: udmd is not reachable", vgn, pool_name));
  if (auto r = thin_activate_pool_layer(*d, written, *pool, c.pv_paths(vgn)); !r)
    return failed(fmt::format("{}\n  Failed to activate thin pool {}/{}.", r.error().message, vgn, pool_name));
  // create_snap needs the origin quiet: lvm2 suspends it around the message.
  std::string origin_uuid;
  if (suspend_origin) {
    auto st = thin_state(*d, written, *suspend_origin);
    if (st && st->active) {
      origin_uuid = dm_device_uuid(written.id, suspend_origin->id);
      if (auto r = d->suspend(origin_uuid); !r) return failed(r.error().message);
    }
  }
  auto sent = send_pool_messages(*d, written, *pool);
  if (!origin_uuid.empty()) {
    (void)d->resume(origin_uuid);
  }
  if (!sent) return failed(sent.error().message);
  VolumeGroup next = written;
  LogicalVolume* p = next.find_lv(pool_name);
  auto k = segtypes::thin_pool_keys(p->segments[0]);
  if (!k) return failed(k.error().message);
  k->messages.clear();
  segtypes::set_thin_pool_keys(p->segments[0], *k);
  return c.commit(next, written);
}

// lvm2's pool_check_overprovisioning warnings (autoextend threshold 100).
void warn_overprovisioning(Cmd& c, const VolumeGroup& vg, const LogicalVolume& pool) {
  sector_t thinsum = 0;
  for (const auto* t : segtypes::pool_thin_lvs(vg, pool.name)) thinsum += t->extent_count() * vg.extent_size;
  const sector_t poolsum = pool.extent_count() * vg.extent_size;
  if (thinsum <= poolsum) return;
  sector_t vg_size = 0, vg_free = 0;
  for (const auto& pv : vg.pvs) {
    vg_size += pv.pe_count * vg.extent_size;
    vg_free += pv_free_extents(vg, pv) * vg.extent_size;
  }
  std::string txt;
  sector_t sz = poolsum;
  if (vg_size < thinsum) {
    txt = " and the size of whole volume group";
    sz = vg_size;
  } else if (vg_free < thinsum) {
    txt = vg_free ? " and the amount of free space in volume group" : "";
    sz = vg_free;
  }
  c.warn(fmt::format("WARNING: Sum of all thin volume sizes ({}) exceeds the size of thin pool {}/{}{} ({}).",
                     thin_display_size(thinsum), vg.name, pool.name, txt,
                     sz ? thin_display_size(sz) : "no free space in volume group"));
  c.say("WARNING: You have not turned on protection against thin pools running out of space.");
  c.say("WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin "
        "pools before they get full.");
}

struct PoolRequest {
  std::string name;
  extent_t data_extents = 0;
  std::vector<std::string> pvn;
};

// Makes the pool's LVs in `vg` (no commit): lvol0_pmspare first, then the
// pool over POOL_tdata and POOL_tmeta, sized as lvm2 sizes them.
Outcome<void> add_pool(Cmd& c, VolumeGroup& vg, const PoolRequest& req) {
  ThinPoolKeys k;
  k.metadata = req.name + "_tmeta";
  k.pool = req.name + "_tdata";
  const sector_t data = req.data_extents * vg.extent_size;
  auto chunk = size_arg(c, "chunksize", 'k');
  if (!chunk) return std::unexpected(chunk.error());
  auto meta_arg = size_arg(c, "poolmetadatasize", 'm');
  if (!meta_arg) return std::unexpected(meta_arg.error());
  sector_t meta = 0;
  if (*chunk) {
    k.chunk_size = **chunk;
    if (k.chunk_size < segtypes::THIN_MIN_CHUNK || k.chunk_size > segtypes::THIN_MAX_CHUNK ||
        k.chunk_size % segtypes::THIN_MIN_CHUNK)
      return failed(fmt::format("Thin pool chunk size {} is not a multiple of 64.00 KiB between 64.00 KiB and "
                                "1.00 GiB.", thin_display_size(k.chunk_size)), EXIT_INVALID);
    meta = data / (k.chunk_size * 8);
  } else if (!*meta_arg) {
    k.chunk_size = DEFAULT_CHUNK;
    meta = data / (k.chunk_size * 8);
    while (meta > OPTIMAL_METADATA && k.chunk_size < segtypes::THIN_MAX_CHUNK) {
      k.chunk_size <<= 1;
      meta >>= 1;
    }
  }
  if (*meta_arg) {
    meta = **meta_arg;
    if (!*chunk) k.chunk_size = DEFAULT_CHUNK;
  }
  const sector_t es = vg.extent_size;
  meta = (meta + es - 1) / es * es;
  const sector_t min_meta = (MIN_METADATA + es - 1) / es * es;
  const sector_t max_meta = (MAX_METADATA + es - 1) / es * es;
  if (meta > max_meta) {
    if (*meta_arg)
      c.say(fmt::format("Reducing pool metadata size {} to maximum usable size {}.", thin_display_size(meta),
                        thin_display_size(max_meta)));
    meta = max_meta;
  } else if (meta < min_meta) {
    if (*meta_arg)
      c.say(fmt::format("Extending pool metadata size {} to required minimal size {}.", thin_display_size(meta),
                        thin_display_size(min_meta)));
    meta = min_meta;
  }
  const extent_t meta_extents = meta / es;
  const sector_t max_data = MAX_METADATA * k.chunk_size * 512 / 64;
  c.say(fmt::format("Thin pool volume with chunk size {} can address at most {} of data.",
                    thin_display_size(k.chunk_size), thin_display_size(max_data)));
  if (k.chunk_size > data)
    return failed(fmt::format("Size of thin-pool data volume cannot be smaller than chunk size {}.",
                              thin_display_size(k.chunk_size)));
  auto zero = c.cl().get("zero");
  if (zero) {
    if (*zero == "y" || *zero == "yes") k.zero_new_blocks = true;
    else if (*zero == "n" || *zero == "no") k.zero_new_blocks = false;
    else return failed(fmt::format("Invalid argument for --zero: {}", *zero), EXIT_INVALID);
  }
  if (k.zero_new_blocks && k.chunk_size >= 1024) {
    c.warn(fmt::format("WARNING: Pool zeroing and {} large chunk size slows down thin provisioning.",
                       thin_display_size(k.chunk_size)));
    c.warn("WARNING: Consider disabling zeroing (-Zn) or using smaller chunk size (<512.00 KiB).");
  }
  if (auto d = c.cl().get("discards")) {
    if (*d != "passdown" && *d != "nopassdown" && *d != "ignore")
      return failed(fmt::format("Invalid argument for --discards: {}", *d), EXIT_INVALID);
    k.discards = *d;
  }
  // The spare: as big as the biggest pool metadata (at most 16 GiB).
  extent_t spare_extents = std::min<extent_t>(meta_extents, (MAX_SPARE_SECTORS + es - 1) / es);
  LogicalVolume* spare = nullptr;
  for (auto& lv : vg.lvs)
    if (segtypes::lv_is_pool_metadata_spare(lv)) spare = &lv;
  extent_t spare_add = spare ? (spare->extent_count() < spare_extents ? spare_extents - spare->extent_count() : 0)
                             : spare_extents;
  if (auto r = check_free(vg, req.data_extents + meta_extents + spare_add, req.pvn); !r) return r;
  if (spare_add) {
    if (spare) {
      if (auto r = alloc::extend_lv(vg, spare->name, {.extents = spare_add, .stripes = 1, .stripe_size = 0,
                                                      .policy = AllocationPolicy::normal, .pv_names = req.pvn,
                                                      .lv_name = spare->name});
          !r)
        return failed(r.error().message);
    } else {
      const std::string name = free_lvol_name(vg, "_pmspare");
      LogicalVolume s = hidden_lv(name);
      auto segs = allocate(c, vg, name, spare_extents, req.pvn);
      if (!segs) return std::unexpected(segs.error());
      s.segments = *segs;
      vg.lvs.push_back(std::move(s));
    }
  }
  LogicalVolume pool = new_lv(req.name);
  if (c.cl().get("errorwhenfull").value_or("n") == "y") pool.flags.add("ERROR_WHEN_FULL");
  LogicalVolume tdata = hidden_lv(k.pool);
  LogicalVolume tmeta = hidden_lv(k.metadata);
  auto dsegs = allocate(c, vg, k.pool, req.data_extents, req.pvn);
  if (!dsegs) return std::unexpected(dsegs.error());
  tdata.segments = *dsegs;
  vg.lvs.push_back(tdata);  // counted as used while tmeta is placed
  auto msegs = allocate(c, vg, k.metadata, meta_extents, req.pvn);
  if (!msegs) return std::unexpected(msegs.error());
  vg.lvs.pop_back();
  tmeta.segments = *msegs;
  Segment seg;
  seg.start_extent = 0;
  seg.extent_count = req.data_extents;
  segtypes::set_thin_pool_keys(seg, k);
  pool.segments.push_back(seg);
  vg.lvs.push_back(std::move(pool));
  vg.lvs.push_back(std::move(tmeta));
  vg.lvs.push_back(std::move(tdata));
  sort_lvs(vg);
  return {};
}

// The new pool's metadata LV starts zeroed, so the pool formats it.
Outcome<void> zero_pool_metadata(Cmd& c, const VolumeGroup& vg, const std::string& pool) {
  if (c.test_mode()) return {};
  const LogicalVolume* meta = vg.find_lv(pool + "_tmeta");
  if (!meta) return {};
  const ByteTarget t = lv_target(vg, *meta, c.pv_paths(vg.name));
  if (auto r = zero_start(t, 4096); !r)
    return failed(fmt::format("{}\n  Aborting. Failed to wipe pool metadata {}/{}.", r.error().message, vg.name,
                              meta->name));
  return {};
}

bool activation_wanted(const Cmd& c) {
  auto a = c.cl().get("activate");
  return !a || (*a != "n" && *a != "en" && *a != "ln" && *a != "sn");
}

Outcome<void> create_thin_lv(Cmd& c, const std::string& vgn, const std::string& pool_name, std::string name,
                             extent_t extents, const LogicalVolume* origin_in, const LogicalVolume* external = nullptr) {
  auto old = c.current_vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = **old;
  LogicalVolume* pool = vg.find_lv(pool_name);
  if (!pool || !segtypes::lv_is_thin_pool(*pool))
    return failed(fmt::format("Thin pool {}/{} not found.", vgn, pool_name));
  if (name.empty()) name = free_lvol_name(vg);
  if (vg.find_lv(name))
    return failed(fmt::format("Logical Volume \"{}\" already exists in volume group \"{}\"", name, vgn));
  auto pk = segtypes::thin_pool_keys(pool->segments[0]);
  if (!pk) return failed(pk.error().message);
  if (!pk->messages.empty())
    return failed(fmt::format("Thin pool {}/{} has unsent messages; activate it first.", vgn, pool_name));
  std::uint64_t max_id = 0;
  for (const auto* t : segtypes::pool_thin_lvs(vg, pool_name))
    if (auto tk = segtypes::thin_keys(t->segments[0])) max_id = std::max(max_id, tk->device_id);
  if (max_id + 1 > segtypes::THIN_MAX_DEVICE_ID) return failed("Cannot find free device_id.");
  ThinKeys tk;
  tk.thin_pool = pool_name;
  tk.transaction_id = pk->transaction_id;
  tk.device_id = max_id + 1;
  LogicalVolume lv = new_lv(name);
  if (origin_in) {
    tk.origin = origin_in->name;
    auto ok = segtypes::thin_keys(origin_in->segments[0]);
    if (ok && ok->external_origin) tk.external_origin = ok->external_origin;
    extents = origin_in->extent_count();
    // lvm2 marks thin snapshots to be skipped by plain activation (-K).
    if (c.cl().get("setactivationskip").value_or("y") != "n") lv.flags.add("ACTIVATION_SKIP");
  } else if (external) {
    // Unprovisioned blocks read from the (read-only) external origin.
    tk.external_origin = external->name;
    extents = external->extent_count();
    if (c.cl().get("setactivationskip").value_or("y") != "n") lv.flags.add("ACTIVATION_SKIP");
  }
  Segment seg;
  seg.extent_count = extents;
  segtypes::set_thin_keys(seg, tk);
  lv.segments.push_back(seg);
  if (auto t = apply_tags(c, lv.tags); !t) return std::unexpected(t.error());
  if (auto p = c.cl().get("permission"); p && *p == "r") lv.status.remove("WRITE");
  pk->transaction_id += 1;
  pk->messages.push_back(ThinMessage{name, 0});
  segtypes::set_thin_pool_keys(pool->segments[0], *pk);
  vg.lvs.push_back(std::move(lv));
  sort_lvs(vg);
  const VolumeGroup before = **old;
  if (auto r = c.commit(vg, before); !r) return r;
  if (auto r = deliver_messages(c, vgn, pool_name, origin_in ? vg.find_lv(origin_in->name) : nullptr); !r) {
    // As lvm2's revert_new_lv: the VG goes back to what it was (the pool's
    // transaction id included), so the pool and the metadata stay in step.
    auto written = c.current_vg(vgn);
    if (written) {
      const VolumeGroup w = **written;
      if (auto rr = c.commit(before, w); !rr) {
        c.warn(rr.error().message);
        c.warn("Manual intervention may be required to remove abandoned LV(s) before retrying.");
      }
    }
    return r;
  }
  auto now = c.current_vg(vgn);
  if (!now) return std::unexpected(now.error());
  const LogicalVolume* made = (*now)->find_lv(name);
  const bool skip = made->flags.has("ACTIVATION_SKIP") && !c.cl().has("ignoreactivationskip");
  if (activation_wanted(c) && !skip && !c.test_mode()) {
    if (auto r = activate_thin_lv(c, **now, *made); !r) return r;
  } else if (!c.test_mode()) {
    // The pool layer came up only for the message: back down, as lvm2
    // restores an inactive pool.
    if (activate::Driver* d = c.driver(false))
      (void)thin_release_pool_layer(*d, **now, *(*now)->find_lv(pool_name), c.pv_paths(vgn));
  }
  warn_overprovisioning(c, **now, *(*now)->find_lv(pool_name));
  c.say(fmt::format("Logical volume \"{}\" created.", name));
  return {};
}

Outcome<void> create_pool_cmd(Cmd& c, const std::string& vgn, std::string name,
                              const std::vector<std::string>& pv_args) {
  auto old = c.current_vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = **old;
  if (name.empty()) name = free_lvol_name(vg);
  if (vg.find_lv(name))
    return failed(fmt::format("Logical Volume \"{}\" already exists in volume group \"{}\"", name, vgn));
  auto pvn = pv_names_of_args(c, vg, pv_args);
  if (!pvn) return std::unexpected(pvn.error());
  alloc::Sign sign = alloc::Sign::none;
  auto ext = extents_from_args(c, vg, 0, &sign, *pvn, false);
  if (!ext) return std::unexpected(ext.error());
  if (*ext == 0) return failed("Unable to create new logical volume with no extents.");
  if (auto r = add_pool(c, vg, {name, *ext, *pvn}); !r) return r;
  const VolumeGroup before = **old;
  if (auto r = c.commit(vg, before); !r) return r;
  if (auto r = zero_pool_metadata(c, vg, name); !r) return r;
  if (activation_wanted(c) && !c.test_mode() && c.driver(false))
    if (auto r = activate_thin_lv(c, vg, *vg.find_lv(name)); !r) return r;
  c.say(fmt::format("Logical volume \"{}\" created.", name));
  return {};
}

}  // namespace

std::string thin_display_size(sector_t sectors) {
  static constexpr const char* NAMES[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  const double bytes = static_cast<double>(sectors) * 512;
  if (bytes < 1024) return fmt::format("{} B", static_cast<std::uint64_t>(bytes));
  int n = 0;
  double v = bytes / 1024;
  while (n < 5 && v >= 1024) {
    v /= 1024;
    ++n;
  }
  const double shown = std::round(v * 100) / 100;
  return fmt::format("{}{:.2f} {}", shown > v + 1e-9 ? "<" : "", v, NAMES[n]);
}

Outcome<void> activate_thin_lv(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  if (c.test_mode()) return {};
  activate::Driver* d = c.driver(true);
  if (!d) return failed(fmt::format("Cannot activate {}/{}: udmd is not reachable", vg.name, lv.name));
  if (auto r = d->activate(vg, lv, c.pv_paths(vg.name)); !r) return failed(r.error().message);
  // A pool whose metadata still queues messages gets them now (lvm2 sends
  // them on activation).
  const LogicalVolume* pool = segtypes::lv_is_thin_pool(lv) ? &lv : nullptr;
  if (pool) {
    auto k = segtypes::thin_pool_keys(pool->segments[0]);
    if (k && !k->messages.empty())
      if (auto r = deliver_messages(c, vg.name, pool->name, nullptr); !r) return r;
    if (k && k->messages.empty())
      if (auto r = send_pool_messages(*d, vg, *pool); !r) return failed(r.error().message);
  }
  return {};
}

Outcome<void> deactivate_thin_lv(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) { return c.deactivate(vg, lv); }

// lvcreate -s --thinpool POOL VG/EXT: a thin LV over EXT (an LV outside the
// pool), with lvm2's checks: EXT read-only and not active unless it is an
// external origin already, its size a multiple of the pool's chunk size.
Outcome<void> create_external_thin(Cmd& c, const VolumeGroup& vg, const std::string& pool_name, const std::string& name,
                                   const LogicalVolume& ext) {
  const LogicalVolume* pool = vg.find_lv(pool_name);
  if (!pool || !segtypes::lv_is_thin_pool(*pool))
    return failed(fmt::format("Thin pool volume {} not found in Volume group {}.", pool_name, vg.name));
  if (ext.status.has("LOCKED"))
    return failed("Snapshots of locked devices are not supported.");
  auto pk = segtypes::thin_pool_keys(pool->segments[0]);
  if (!pk) return failed(pk.error().message);
  const sector_t size = ext.extent_count() * vg.extent_size;
  if (size < pk->chunk_size || size % pk->chunk_size)
    return failed(fmt::format("Can't use \"{}/{}\" as external origin with \"{}/{}\" pool. Size {} is not a multiple "
                              "of pool's chunk size {}.",
                              vg.name, ext.name, vg.name, pool_name, alloc::message_size(size),
                              alloc::message_size(pk->chunk_size)));
  if (ext.status.has("WRITE")) return failed("Cannot use writable LV as the external origin.");
  if (!segtypes::lv_is_external_origin(vg, ext) && c.device_state(vg, ext).active)
    return failed("Cannot use active LV for the external origin.");
  // Copies: `vg` and `ext` live in the store, which the commit replaces.
  const LogicalVolume copy = ext;
  const std::string vgn = vg.name;
  return create_thin_lv(c, vgn, pool_name, name, 0, nullptr, &copy);
}

std::optional<Outcome<void>> lvcreate_thin(Cmd& c) {
  const auto& a = c.cl().args;
  const std::string type = c.cl().get("type").value_or("");
  const bool thin_flag = c.cl().has("thin");
  const bool virt = c.cl().has("virtualsize");
  const bool snapshot = c.cl().has("snapshot");
  const bool sized = c.cl().has("size") || c.cl().has("extents");
  if (type != "thin-pool" && type != "thin" && !thin_flag && !c.cl().has("thinpool") && !(snapshot && !sized))
    return std::nullopt;
  if (a.empty()) return failed("Please specify a volume group name.", EXIT_INVALID);
  auto [vgn, lvn_path] = split_lv_path(a[0]);
  const bool arg_is_vg = vgn.empty();
  if (arg_is_vg) vgn = a[0];
  std::string name = c.cl().get("name").value_or("");
  if (!name.empty())
    if (auto r = check_new_lv_name(name); !r)
      return failed(fmt::format("Logical volume name \"{}\" is invalid.", name), EXIT_INVALID);
  if (snapshot && !sized && !virt) {
    // lvcreate -s VG/THIN [-n NAME]: a thin snapshot.
    if (arg_is_vg) return failed("Please specify a logical volume to act as the snapshot origin.", EXIT_INVALID);
    if (auto r = c.open(true); !r) return r;
    auto vg = c.current_vg(vgn);
    if (!vg) return std::unexpected(vg.error());
    const LogicalVolume* origin = (*vg)->find_lv(lvn_path);
    if (!origin) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn_path));
    std::optional<std::string> in_pool;
    if (segtypes::lv_is_thin_volume(*origin))
      if (auto ok = segtypes::thin_keys(origin->segments[0])) in_pool = ok->thin_pool;
    if (auto tp = c.cl().get("thinpool")) {
      auto [pv, pl] = split_lv_path(*tp, vgn);
      if (!in_pool || *in_pool != pl) return create_external_thin(c, **vg, pl, name, *origin);
    }
    if (!segtypes::lv_is_thin_volume(*origin)) return std::nullopt;  // old-style snapshot code says the rest
    auto ok = segtypes::thin_keys(origin->segments[0]);
    if (!ok) return failed(ok.error().message);
    const LogicalVolume copy = *origin;
    return create_thin_lv(c, vgn, ok->thin_pool, name, 0, &copy);
  }
  // Which pool, and whether a pool is made.
  std::string pool;
  if (auto tp = c.cl().get("thinpool")) {
    auto [pv, pl] = split_lv_path(*tp, vgn);
    pool = pl;
  } else if (!arg_is_vg && (thin_flag || type == "thin-pool" || type == "thin")) {
    pool = lvn_path;
  }
  const bool make_pool = type == "thin-pool" || (sized && !virt);
  const bool make_thin = virt || type == "thin";
  if (make_pool && type == "thin-pool" && name.empty()) name = pool.empty() ? lvn_path : pool;
  if (auto r = c.open(true); !r) return r;
  std::vector<std::string> pv_args(a.begin() + 1, a.end());
  // lvm2 has no lock for a pool and a thin LV made in one command.
  if ((make_pool && make_thin) || (sized && virt))
    if (const format::VgState* f = c.store().find_vg(vgn); f && f->text.vg.lock_type.value_or("none") != "none")
      return failed("Use lvconvert to create thin pools and cache pools in a shared VG.");
  if (make_pool) {
    std::string pool_name = make_thin ? pool : (name.empty() ? pool : name);
    if (make_thin && pool_name.empty())
      return failed("Please specify a name for the thin pool (-T VG/POOL).", EXIT_INVALID);
    if (auto r = create_pool_cmd(c, vgn, pool_name, pv_args); !r) return r;
    if (!make_thin) return Outcome<void>{};
    pool = pool_name;
  }
  if (!make_thin) return failed("Please specify either size or extents.", EXIT_INVALID);
  if (pool.empty()) return failed("Please specify name of existing thin pool.", EXIT_INVALID);
  auto vs = alloc::parse_size(*c.cl().get("virtualsize"));
  if (!vs || vs->sectors == 0)
    return failed(fmt::format("Invalid argument for --virtualsize: {}", *c.cl().get("virtualsize")), EXIT_INVALID);
  auto vg = c.current_vg(vgn);
  if (!vg) return std::unexpected(vg.error());
  std::string note;
  const extent_t extents = alloc::round_to_extents(vs->sectors, (*vg)->extent_size, &note);
  if (!note.empty()) c.say(note);
  return create_thin_lv(c, vgn, pool, name, extents, nullptr);
}

std::optional<Outcome<void>> lvremove_thin(Cmd& c, const std::string& vgn, const std::string& lvn) {
  auto cur = c.current_vg(vgn);
  if (!cur) return std::nullopt;
  const LogicalVolume* lv = (*cur)->find_lv(lvn);
  if (lv && segtypes::lv_is_external_origin(**cur, *lv)) {
    // lvm2 removes the thins over an external origin first, after asking.
    std::vector<std::string> users;
    for (const auto* t : segtypes::external_origin_users(**cur, lvn)) users.push_back(t->name);
    if (c.force_count() == 0 &&
        yes_no(c, fmt::format("Removing external origin {}/{} will remove {} dependent volume(s). Proceed? [y/n]: ",
                              vgn, lvn, users.size())) == 'n') {
      c.warn(fmt::format("Logical volume {}/{} not removed.", vgn, lvn));
      return failed("");
    }
    for (const auto& u : users)
      if (auto r = lvremove_thin(c, vgn, u); r && !*r) return *r;
    return std::nullopt;  // then the LV itself, as any other
  }
  if (!lv || (!segtypes::lv_is_thin_volume(*lv) && !segtypes::lv_is_thin_pool(*lv))) return std::nullopt;
  const VolumeGroup old = **cur;
  VolumeGroup vg = old;
  if (segtypes::lv_is_thin_pool(*lv)) {
    auto thins = segtypes::pool_thin_lvs(old, lvn);
    if (!thins.empty() && c.force_count() == 0 &&
        yes_no(c, fmt::format("Removing pool {}/{} will remove {} dependent volume(s). Proceed? [y/n]: ", vgn, lvn,
                              thins.size())) == 'n') {
      c.warn(fmt::format("Logical volume {}/{} not removed.", vgn, lvn));
      return failed("");
    }
    std::vector<std::string> names;
    for (const auto* t : thins) {
      auto ok = confirm_lv_removal(c, old, *t);
      if (!ok) return std::unexpected(ok.error());
      if (!*ok) return failed("");
      if (auto r = deactivate_thin_lv(c, old, *t); !r) return r;
      names.push_back(t->name);
    }
    auto ok = confirm_lv_removal(c, old, *lv);
    if (!ok) return std::unexpected(ok.error());
    if (!*ok) return failed("");
    if (auto r = deactivate_thin_lv(c, old, *lv); !r) return r;
    auto k = segtypes::thin_pool_keys(lv->segments[0]);
    if (!k) return failed(k.error().message);
    std::erase_if(vg.lvs, [&](const LogicalVolume& x) {
      return x.name == lvn || x.name == k->metadata || x.name == k->pool ||
             std::find(names.begin(), names.end(), x.name) != names.end();
    });
    // The spare goes with the last pool.
    bool pools_left = false;
    for (const auto& x : vg.lvs) pools_left = pools_left || segtypes::lv_is_thin_pool(x);
    if (!pools_left) std::erase_if(vg.lvs, [](const LogicalVolume& x) { return segtypes::lv_is_pool_metadata_spare(x); });
    if (auto r = c.commit(vg, old); !r) return r;
    for (const auto& n : names) c.say(fmt::format("Logical volume \"{}\" successfully removed.", n));
    c.say(fmt::format("Logical volume \"{}\" successfully removed.", lvn));
    return Outcome<void>{};
  }
  auto ok = confirm_lv_removal(c, old, *lv);
  if (!ok) return std::unexpected(ok.error());
  if (!*ok) return failed("");
  auto tk = segtypes::thin_keys(lv->segments[0]);
  if (!tk) return failed(tk.error().message);
  if (auto r = deactivate_thin_lv(c, old, *lv); !r) return r;
  LogicalVolume* pool = vg.find_lv(tk->thin_pool);
  auto pk = segtypes::thin_pool_keys(pool->segments[0]);
  if (!pk) return failed(pk.error().message);
  pk->transaction_id += 1;
  pk->messages.push_back(ThinMessage{"", tk->device_id});
  segtypes::set_thin_pool_keys(pool->segments[0], *pk);
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return x.name == lvn; });
  if (auto r = c.commit(vg, old); !r) return r;
  if (auto r = deliver_messages(c, vgn, tk->thin_pool, nullptr); !r) return r;
  // The pool layer came up for the message: back down unless in use.
  if (!c.test_mode())
    if (activate::Driver* d = c.driver(false)) {
      auto now = c.current_vg(vgn);
      if (now) (void)thin_release_pool_layer(*d, **now, *(*now)->find_lv(tk->thin_pool), c.pv_paths(vgn));
    }
  c.say(fmt::format("Logical volume \"{}\" successfully removed.", lvn));
  return Outcome<void>{};
}

}  // namespace udm::lvm::api::detail

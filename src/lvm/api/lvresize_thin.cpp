// lvextend/lvresize of thin pools (their _tdata; --poolmetadatasize grows
// _tmeta and the spare) and thin LVs (virtual size), the live pool grown by
// a reload; lvchange --errorwhenfull of a pool.
#include "lvm/api/lvcreate_thin.hpp"
#include "lvm/metadata/dm_names.hpp"

namespace udm::lvm::api::detail {

namespace {
Outcome<extent_t> new_extents(Cmd& c, const VolumeGroup& vg, extent_t cur, const char* size_opt) {
  auto v = c.cl().get(size_opt);
  if (!v) return cur;
  auto s = alloc::parse_size(*v, 'm');
  if (!s) return failed(fmt::format("Invalid argument for --{}: {}", size_opt, *v), EXIT_INVALID);
  std::string note;
  const extent_t n = alloc::round_to_extents(s->sectors, vg.extent_size, &note);
  if (!note.empty()) c.say(note);
  if (s->sign == alloc::Sign::plus) return cur + n;
  if (s->sign == alloc::Sign::minus) return n >= cur ? 0 : cur - n;
  return n;
}

std::string size_and_extents(const VolumeGroup& vg, extent_t e) {
  return fmt::format("{} ({} extents)", alloc::message_size(e * vg.extent_size), e);
}

Outcome<void> grow_sub_lv(Cmd& c, VolumeGroup& vg, const std::string& name, extent_t add,
                          const std::vector<std::string>& pvn) {
  const LogicalVolume* lv = vg.find_lv(name);
  auto policy = policy_of(c, vg, lv);
  if (!policy) return std::unexpected(policy.error());
  if (auto r = alloc::extend_lv(vg, name, {.extents = add, .stripes = 1, .stripe_size = 0, .policy = *policy,
                                           .pv_names = pvn, .lv_name = name});
      !r)
    return failed(r.error().message);
  return {};
}
}  // namespace

std::optional<Outcome<void>> lvresize_thin(Cmd& c, Resize mode) {
  const auto& a = c.cl().args;
  if (a.empty()) return std::nullopt;
  auto [vgn, lvn] = split_lv_path(a[0]);
  if (vgn.empty() || lvn.empty()) return std::nullopt;
  auto cur = c.current_vg(vgn);
  if (!cur) return std::nullopt;
  const LogicalVolume* lv = (*cur)->find_lv(lvn);
  if (!lv || !is_thin_lv(**cur, *lv)) return std::nullopt;
  const VolumeGroup old = **cur;
  VolumeGroup vg = old;
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(a.begin() + 1, a.end()));
  if (!pvn) return std::unexpected(pvn.error());
  if (segtypes::lv_is_thin_volume(*lv)) {
    const extent_t now = lv->extent_count();
    alloc::Sign sign = alloc::Sign::none;
    auto n = extents_from_args(c, vg, now, &sign, *pvn, true);
    if (!n) return std::unexpected(n.error());
    extent_t target = sign == alloc::Sign::plus ? now + *n : sign == alloc::Sign::minus ? (*n >= now ? 0 : now - *n) : *n;
    if (target == 0) return failed("Unable to reduce logical volume to zero size.", EXIT_INVALID);
    if (mode == Resize::extend && target <= now)
      return failed(fmt::format("New size given ({} extents) not larger than existing size ({} extents)", target, now));
    if (mode == Resize::reduce && target >= now)
      return failed(fmt::format("New size given ({} extents) not less than existing size ({} extents)", target, now));
    vg.find_lv(lvn)->segments[0].extent_count = target;
    if (auto r = c.commit(vg, old); !r) return r;
    if (c.is_active(vg, *vg.find_lv(lvn)))
      if (auto r = c.activate(vg, *vg.find_lv(lvn)); !r) return r;
    c.say(fmt::format("Size of logical volume {}/{} changed from {} to {}.", vgn, lvn, size_and_extents(vg, now),
                      size_and_extents(vg, target)));
    c.say(fmt::format("Logical volume {}/{} successfully resized.", vgn, lvn));
    return Outcome<void>{};
  }
  // A pool: its data LV grows (and the pool segment with it); its metadata
  // LV grows with --poolmetadatasize. Pools do not shrink.
  auto k = segtypes::thin_pool_keys(lv->segments[0]);
  if (!k) return failed(k.error().message);
  const extent_t data_now = lv->extent_count();
  extent_t data_target = data_now;
  if (c.cl().has("size") || c.cl().has("extents")) {
    alloc::Sign sign = alloc::Sign::none;
    auto n = extents_from_args(c, vg, data_now, &sign, *pvn, true);
    if (!n) return std::unexpected(n.error());
    data_target = sign == alloc::Sign::plus ? data_now + *n : sign == alloc::Sign::minus ? 0 : *n;
  }
  const LogicalVolume* meta = vg.find_lv(k->metadata);
  if (!meta) return failed(fmt::format("Thin pool {}/{} is missing its {} LV.", vgn, lvn, k->metadata));
  const extent_t meta_now = meta->extent_count();
  auto meta_target = new_extents(c, vg, meta_now, "poolmetadatasize");
  if (!meta_target) return std::unexpected(meta_target.error());
  if (data_target < data_now || *meta_target < meta_now)
    return failed(fmt::format("Thin pool volumes {}/{} cannot be reduced in size yet.", vgn, lvn));
  if (data_target == data_now && *meta_target == meta_now)
    return failed(fmt::format("New size ({} extents) matches existing size ({} extents).", data_now, data_now));
  if (*meta_target > meta_now) {
    if (auto r = grow_sub_lv(c, vg, k->metadata, *meta_target - meta_now, *pvn); !r) return r;
    // The spare keeps up with the biggest metadata LV.
    for (auto& x : vg.lvs)
      if (segtypes::lv_is_pool_metadata_spare(x) && x.extent_count() < *meta_target)
        if (auto r = grow_sub_lv(c, vg, x.name, *meta_target - x.extent_count(), *pvn); !r) return r;
  }
  if (data_target > data_now) {
    if (auto r = grow_sub_lv(c, vg, k->pool, data_target - data_now, *pvn); !r) return r;
    vg.find_lv(lvn)->segments[0].extent_count = data_target;
  }
  if (auto r = c.commit(vg, old); !r) return r;
  const LogicalVolume* pool = vg.find_lv(lvn);
  // The live pool grows through a reload (tdata/tmeta first, then -tpool).
  if (!c.test_mode())
    if (activate::Driver* d = c.driver(false)) {
      auto st = thin_state(*d, vg, *pool);
      if (st && st->active) {
        auto top = d->info(dm_device_uuid(vg.id, pool->id));
        if (top && top->exists) {
          if (auto r = d->activate(vg, *pool, c.pv_paths(vgn)); !r) return failed(r.error().message);
        } else if (auto r = thin_activate_pool_layer(*d, vg, *pool, c.pv_paths(vgn)); !r) {
          return failed(r.error().message);
        }
      }
    }
  if (*meta_target > meta_now)
    c.say(fmt::format("Size of logical volume {}/{} changed from {} to {}.", vgn, k->metadata,
                      size_and_extents(vg, meta_now), size_and_extents(vg, *meta_target)));
  if (data_target > data_now)
    c.say(fmt::format("Size of logical volume {}/{} changed from {} to {}.", vgn, k->pool,
                      size_and_extents(vg, data_now), size_and_extents(vg, data_target)));
  c.say(fmt::format("Logical volume {}/{} successfully resized.", vgn, lvn));
  return Outcome<void>{};
}

std::optional<Outcome<void>> lvchange_thin(Cmd& c) {
  auto v = c.cl().get("errorwhenfull");
  if (!v) return std::nullopt;
  if (*v != "y" && *v != "n") return failed(fmt::format("Invalid argument for --errorwhenfull: {}", *v), EXIT_INVALID);
  if (c.cl().args.empty()) return failed("Please give logical volume path(s).", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  for (const auto& arg : c.cl().args) {
    auto [vgn, lvn] = split_lv_path(arg);
    auto cur = c.current_vg(vgn);
    if (!cur) return std::unexpected(cur.error());
    const VolumeGroup old = **cur;
    VolumeGroup vg = old;
    LogicalVolume* lv = vg.find_lv(lvn);
    if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
    if (!segtypes::lv_is_thin_pool(*lv))
      return failed(fmt::format("Option --errorwhenfull is only supported with thin pools."), EXIT_INVALID);
    const bool want = *v == "y";
    if (lv->flags.has("ERROR_WHEN_FULL") == want) {
      c.warn(fmt::format("Error when full is already {}abled for {}/{}.", want ? "en" : "dis", vgn, lvn));
      continue;
    }
    if (want) lv->flags.add("ERROR_WHEN_FULL");
    else lv->flags.remove("ERROR_WHEN_FULL");
    if (auto r = c.commit(vg, old); !r) return r;
    if (!c.test_mode())
      if (activate::Driver* d = c.driver(false)) {
        auto st = thin_state(*d, vg, *vg.find_lv(lvn));
        if (st && st->active)
          if (auto r = thin_activate_pool_layer(*d, vg, *vg.find_lv(lvn), c.pv_paths(vgn)); !r)
            return failed(r.error().message);
      }
    c.say(fmt::format("Logical volume {}/{} changed.", vgn, lvn));
  }
  return Outcome<void>{};
}

}  // namespace udm::lvm::api::detail

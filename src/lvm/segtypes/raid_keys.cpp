#include "lvm/segtypes/raid_keys.hpp"

#include <algorithm>
#include <atomic>

#include <fmt/format.h>

#include "lvm/segtypes/segment_keys.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {
namespace {

constexpr std::string_view RAID_TYPES[] = {
    "raid0",    "raid0_meta", "raid1",    "raid4",      "raid5",      "raid5_la",   "raid5_ra",   "raid5_ls",
    "raid5_rs", "raid5_n",    "raid6",    "raid6_zr",   "raid6_nr",   "raid6_nc",   "raid6_ls_6", "raid6_rs_6",
    "raid6_la_6", "raid6_ra_6", "raid6_n_6", "raid10",  "raid10_near"};

std::atomic<bool> create_in_sync{false};

}  // namespace

bool is_raid_type(std::string_view word) {
  word = word.substr(0, word.find('+'));
  return std::find(std::begin(RAID_TYPES), std::end(RAID_TYPES), word) != std::end(RAID_TYPES);
}

bool is_raid0_type(std::string_view word) { return word == "raid0" || word == "raid0_meta"; }

std::string canonical_raid_type(std::string_view word) {
  if (word == "raid5") return "raid5_ls";
  if (word == "raid6") return "raid6_zr";
  if (word == "raid10_near") return "raid10";
  return std::string(word);
}

unsigned raid_parity_devs(std::string_view word) {
  if (word.starts_with("raid4") || word.starts_with("raid5")) return 1;
  if (word.starts_with("raid6")) return 2;
  return 0;
}

std::uint64_t raid_data_stripes(const RaidKeys& k) {
  if (k.type == "raid1") return 1;
  if (k.type.starts_with("raid10")) {
    const std::uint64_t copies = k.data_copies.value_or(2);
    return copies ? std::max<std::uint64_t>(1, k.device_count / copies) : 1;
  }
  const unsigned p = raid_parity_devs(k.type);
  return k.device_count > p ? k.device_count - p : 1;
}

Result<RaidKeys> raid_keys(const Segment& seg) {
  RaidKeys k;
  k.type = seg.type;
  const bool raid0 = is_raid0_type(seg.type);
  auto count = opt_num(seg, raid0 ? "stripe_count" : "device_count");
  if (!count) return fail(count.error());
  if (!*count) return fail(EINVAL, fmt::format("{} segment: {} missing", seg.type, raid0 ? "stripe_count" : "device_count"));
  k.device_count = **count;
  struct {
    std::string_view key;
    std::optional<std::uint64_t>* dst;
  } opts[] = {{"data_copies", &k.data_copies},         {"writebehind", &k.writebehind},
              {"min_recovery_rate", &k.min_recovery_rate}, {"max_recovery_rate", &k.max_recovery_rate},
              {"data_offset", &k.data_offset}};
  for (auto& o : opts) {
    auto v = opt_num(seg, o.key);
    if (!v) return fail(v.error());
    *o.dst = *v;
  }
  auto rs = opt_num(seg, "region_size");
  if (!rs) return fail(rs.error());
  k.region_size = rs->value_or(0);
  auto ss = opt_num(seg, "stripe_size");
  if (!ss) return fail(ss.error());
  k.stripe_size = ss->value_or(0);
  const ConfigNode* list = find_key(seg, "raids");
  if (!list) list = find_key(seg, "raid0_lvs");
  if (!list || list->is_section || !list->value.is_array())
    return fail(EINVAL, fmt::format("{} segment: {} missing", seg.type, raid0 ? "raid0_lvs" : "raids"));
  const auto& a = list->value.array;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string()) return fail(EINVAL, fmt::format("{} segment: {} must list LV names", seg.type, list->key));
    std::string meta;
    // A pair is `"<lv>_rmeta_N", "<lv>_rimage_N"`: the metadata LV comes first.
    if (a[i].text.find("_rmeta_") != std::string::npos) {
      meta = a[i].text;
      if (++i >= a.size() || !a[i].is_string())
        return fail(EINVAL, fmt::format("{} segment: {} has no image after {}", seg.type, list->key, meta));
    }
    k.metas.push_back(std::move(meta));
    k.images.push_back(a[i].text);
  }
  if (k.images.size() != k.device_count)
    return fail(EINVAL, fmt::format("{} segment: {} lists {} images, {} says {}", seg.type, list->key, k.images.size(),
                                    raid0 ? "stripe_count" : "device_count", k.device_count));
  return k;
}

void set_raid_keys(Segment& seg, const RaidKeys& k) {
  static constexpr std::string_view OWN[] = {"device_count", "stripe_count", "data_copies", "region_size",
                                             "stripe_size", "writebehind", "min_recovery_rate",
                                             "max_recovery_rate", "data_offset", "raids", "raid0_lvs"};
  std::vector<ConfigNode> rest;
  for (const auto& n : seg.unknown)
    if (std::find(std::begin(OWN), std::end(OWN), n.key) == std::end(OWN)) rest.push_back(n);
  seg.type = k.type;
  seg.stripes.clear();
  seg.stripe_size = 0;
  const bool raid0 = is_raid0_type(k.type);
  std::vector<ConfigNode> out;
  if (raid0) {
    out.push_back(num_node("stripe_count", k.device_count));
    if (k.stripe_size) out.push_back(num_node("stripe_size", k.stripe_size));
  } else {
    out.push_back(num_node("device_count", k.device_count));
    if (k.data_copies && *k.data_copies) out.push_back(num_node("data_copies", *k.data_copies));
    if (k.region_size) out.push_back(num_node("region_size", k.region_size));
    if (k.stripe_size) out.push_back(num_node("stripe_size", k.stripe_size));
    if (k.writebehind && *k.writebehind) out.push_back(num_node("writebehind", *k.writebehind));
    if (k.min_recovery_rate && *k.min_recovery_rate) out.push_back(num_node("min_recovery_rate", *k.min_recovery_rate));
    if (k.max_recovery_rate && *k.max_recovery_rate) out.push_back(num_node("max_recovery_rate", *k.max_recovery_rate));
    if (k.data_offset) out.push_back(num_node("data_offset", *k.data_offset));
  }
  ConfigNode list;
  list.key = raid0 ? "raid0_lvs" : "raids";
  std::vector<ConfigValue> items;
  for (std::size_t i = 0; i < k.images.size(); ++i) {
    if (i < k.metas.size() && !k.metas[i].empty()) items.push_back(ConfigValue::of_string(k.metas[i]));
    items.push_back(ConfigValue::of_string(k.images[i]));
  }
  list.value = ConfigValue::of_array(std::move(items));
  out.push_back(std::move(list));
  out.insert(out.end(), rest.begin(), rest.end());
  seg.unknown = std::move(out);
}

bool is_raid_segment(const Segment& seg) { return is_raid_type(seg.type); }

bool lv_is_raid(const LogicalVolume& lv) { return !lv.segments.empty() && is_raid_segment(lv.segments[0]); }

const LogicalVolume* raid_of_sub_lv(const VolumeGroup& vg, const LogicalVolume& lv, bool* is_meta, std::size_t* slot) {
  const bool meta = lv.name.find("_rmeta_") != std::string::npos;
  if (!meta && lv.name.find("_rimage_") == std::string::npos) return nullptr;
  for (const auto& r : vg.lvs) {
    if (!lv_is_raid(r)) continue;
    for (const auto& seg : r.segments) {
      auto k = raid_keys(seg);
      if (!k) continue;
      const auto& names = meta ? k->metas : k->images;
      for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == lv.name) {
          if (is_meta) *is_meta = meta;
          if (slot) *slot = i;
          return &r;
        }
    }
  }
  return nullptr;
}

Result<std::string> raid_target_params(const TableContext& ctx, const Segment& seg) {
  auto k = raid_keys(seg);
  if (!k) return fail(k.error());
  if (!ctx.planner)
    return fail(EOPNOTSUPP, fmt::format("RAID LV {}/{} needs its sub-LVs planned.", ctx.vg.name, ctx.lv.name));
  const bool raid0 = is_raid0_type(k->type);
  std::vector<std::string> opts;
  if (!raid0 && create_in_sync.load()) opts.push_back("nosync");
  if (k->region_size && !raid0) opts.push_back(fmt::format("region_size {}", k->region_size));
  if (k->data_copies && *k->data_copies > 2 && k->type.starts_with("raid10"))
    opts.push_back(fmt::format("raid10_copies {}", *k->data_copies));
  std::string devs;
  for (std::size_t i = 0; i < k->images.size(); ++i) {
    const LogicalVolume* img = ctx.vg.find_lv(k->images[i]);
    if (!img) return fail(ENOENT, fmt::format("RAID LV {}/{} is missing its image {}.", ctx.vg.name, ctx.lv.name, k->images[i]));
    const LogicalVolume* meta = k->metas[i].empty() ? nullptr : ctx.vg.find_lv(k->metas[i]);
    if (!k->metas[i].empty() && !meta)
      return fail(ENOENT, fmt::format("RAID LV {}/{} is missing its metadata {}.", ctx.vg.name, ctx.lv.name, k->metas[i]));
    // A slot with extents on a missing PV runs degraded ("- -"), as lvm2's
    // activation_mode "degraded" does.
    const auto on_missing_pv = [&](const LogicalVolume* s) {
      if (!s) return false;
      for (const auto& sg : s->segments)
        for (const auto& a : sg.stripes)
          if (ctx.vg.find_pv(a.name)) {
            auto it = ctx.pv_paths.find(a.name);
            if (it == ctx.pv_paths.end() || it->second.empty()) return true;
          }
      return false;
    };
    // So does a slot vgreduce --removemissing made error segments: the
    // kernel fails such a device at once; udm's raid takes it as absent.
    const auto is_error = [](const LogicalVolume* s) { return s && lv_has_virtual_segment(*s); };
    if (on_missing_pv(img) || on_missing_pv(meta) || is_error(img) || is_error(meta)) {
      devs += " - -";
      continue;
    }
    if (img->status.has("REBUILD") || (meta && meta->status.has("REBUILD")))
      opts.push_back(fmt::format("rebuild {}", i));
    std::string m = "-";
    if (meta) {
      auto t = ctx.planner->lv_device(*meta);
      if (!t) return fail(t.error());
      m = *t;
    }
    auto d = ctx.planner->lv_device(*img);
    if (!d) return fail(d.error());
    devs += fmt::format(" {} {}", m, *d);
  }
  if (k->min_recovery_rate && !raid0) opts.push_back(fmt::format("min_recovery_rate {}", *k->min_recovery_rate));
  if (k->max_recovery_rate && !raid0) opts.push_back(fmt::format("max_recovery_rate {}", *k->max_recovery_rate));
  std::size_t words = 0;
  std::string params;
  for (const auto& o : opts) {
    words += static_cast<std::size_t>(std::count(o.begin(), o.end(), ' ')) + 1;
    params += " " + o;
  }
  // The dm type word is the metadata's ("raid5_ls"), raid0_meta runs as raid0.
  const std::string dm_type = raid0 ? "raid0" : canonical_raid_type(k->type);
  return fmt::format("{} {} {}{} {}{}", dm_type, words + 1, k->stripe_size, params, k->images.size(), devs);
}

void set_raid_create_in_sync(bool in_sync) { create_in_sync.store(in_sync); }

sector_t default_raid_region_size(sector_t lv_sectors) {
  sector_t r = 4096;
  while (r > 1 && r > lv_sectors) r /= 2;
  return r;
}

}  // namespace udm::lvm::segtypes

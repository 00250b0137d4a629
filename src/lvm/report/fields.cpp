#include "lvm/report/fields.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <sstream>

#include <fmt/format.h>

#include "lvm/metadata/dm_names.hpp"
#include "lvm/segtypes/mirror.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/snapshot.hpp"
#include "lvm/segtypes/raid_keys.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::report {
namespace {

Cell text(std::string s) { return Cell::of_text(std::move(s)); }
Cell num(std::int64_t v) { return Cell::of_num(v); }
Cell size(sector_t v) { return Cell::of_size(v); }
Cell empty() { return Cell::of_text(""); }

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

// lvm2 shows tags sorted, whatever order the metadata keeps them in.
std::string tag_list(std::vector<std::string> tags, std::string_view sep) {
  std::sort(tags.begin(), tags.end());
  return join(tags, sep);
}

const VolumeGroup& vgof(const Row& r) { return *r.vg->vg; }

// A reference, not a copy: several fields of every row ask for it.
const LvState& state_of(const VgView& v, std::size_t i) {
  static const LvState unknown;
  return i < v.lv_states.size() ? v.lv_states[i] : unknown;
}

// Path shown for a segment area: the PV's device, "[unknown]" when missing,
// or the LV name for LV areas.
std::string area_device(const Row& r, const SegmentArea& a) {
  const VolumeGroup& vg = vgof(r);
  for (std::size_t i = 0; i < vg.pvs.size(); ++i) {
    if (vg.pvs[i].name == a.name) {
      const std::string& p = i < r.vg->devices.size() ? r.vg->devices[i].path : std::string();
      return p.empty() ? "[unknown]" : p;
    }
  }
  return a.name;
}

extent_t vg_extent_count(const VolumeGroup& vg) {
  extent_t n = 0;
  for (const auto& pv : vg.pvs) n += pv.pe_count;
  return n;
}

extent_t vg_free_count(const VolumeGroup& vg) {
  extent_t n = 0;
  for (const auto& pv : vg.pvs) n += pv_free_extents(vg, pv);
  return n;
}

std::int64_t visible_lv_count(const VolumeGroup& vg) {
  std::int64_t n = 0;
  for (bool v : lv_visibility(vg)) n += v ? 1 : 0;
  return n;
}

bool visible(const Row& r) { return lv_is_visible(vgof(r), *r.lv); }

std::string lv_display_name(const Row& r) { return visible(r) ? r.lv->name : "[" + r.lv->name + "]"; }

// pvmove's LV shows its source PV; a mirror LV its disk log, bracketed as
// hidden LVs are.
Cell move_pv(const Row& r) {
  if (!segtypes::lv_is_pvmove(*r.lv)) return empty();
  for (const auto& s : r.lv->segments)
    if (auto k = segtypes::mirror_keys(s); k && !k->mirrors.empty()) return text(area_device(r, k->mirrors[0]));
  return empty();
}

Cell mirror_log(const Row& r) {
  if (!segtypes::lv_is_mirror(*r.lv)) return empty();
  auto k = segtypes::mirror_keys(r.lv->segments[0]);
  if (!k || !k->mirror_log) return empty();
  const LogicalVolume* log = vgof(r).find_lv(*k->mirror_log);
  return text(log && lv_is_visible(vgof(r), *log) ? *k->mirror_log : "[" + *k->mirror_log + "]");
}

// Old-style snapshots: the COW LV shows its origin and how full it is; a
// merging origin shows how much is left to merge (the driver's status).
Cell origin_of(const Row& r) {
  auto ref = segtypes::snapshot_of_cow(vgof(r), r.lv->name);
  return text(ref ? ref->origin : "");
}

Cell snapshot_percent(const Row& r) {
  const LvState& st = state_of(*r.vg, r.lv_index);
  if (st.target_type != "snapshot" && st.target_type != "snapshot-merge") return empty();
  auto s = segtypes::parse_snapshot_status(st.target_status);
  if (!s) return empty();
  auto p = segtypes::snapshot_percent(*s);
  if (!p) return empty();
  return text(fmt::format("{:.2f}", static_cast<double>(*p) / 1'000'000.0));
}

std::string alloc_name(const std::optional<AllocationPolicy>& p, std::string_view dflt) {
  return p ? std::string(allocation_policy_name(*p)) : std::string(dflt);
}

bool pv_in_vg(const Row& r) { return r.pv != nullptr; }
sector_t pv_dev_size(const Row& r) { return r.dev ? r.dev->dev_size : 0; }

extent_t pv_used_extents(const Row& r) {
  if (!r.pv) return 0;
  return r.pv->pe_count - pv_free_extents(vgof(r), *r.pv);
}

std::string ranges(const Row& r, bool with_pe_numbers_as_devices) {
  std::vector<std::string> parts;
  for (const auto& u : segtypes::segment_type_of(*r.seg).report(*r.seg).areas) {
    const SegmentArea& a = u.area;
    if (with_pe_numbers_as_devices)
      parts.push_back(fmt::format("{}({})", area_device(r, a), a.start));
    else
      parts.push_back(fmt::format("{}:{}-{}", area_device(r, a), a.start, a.start + u.extents - 1));
  }
  return join(parts, with_pe_numbers_as_devices ? "," : " ");
}

segtypes::SegmentReport seg_report(const Row& r) { return segtypes::segment_type_of(*r.seg).report(*r.seg); }

// ---- thin fields: a thin LV's values come from its pool's segment.
std::optional<segtypes::ThinPoolKeys> pool_keys_of(const VolumeGroup& vg, const Segment& seg) {
  if (segtypes::is_thin_pool_segment(seg)) {
    auto k = segtypes::thin_pool_keys(seg);
    return k ? std::optional(*k) : std::nullopt;
  }
  if (!segtypes::is_thin_segment(seg)) return std::nullopt;
  auto t = segtypes::thin_keys(seg);
  if (!t) return std::nullopt;
  const LogicalVolume* p = vg.find_lv(t->thin_pool);
  if (!p || !segtypes::lv_is_thin_pool(*p)) return std::nullopt;
  auto k = segtypes::thin_pool_keys(p->segments[0]);
  return k ? std::optional(*k) : std::nullopt;
}
Cell blank_num() { Cell c = Cell::of_num(0); c.blank = true; return c; }
Cell thin_transaction_id(const Row& r) {
  if (segtypes::is_thin_pool_segment(*r.seg))
    if (auto k = segtypes::thin_pool_keys(*r.seg)) return num(static_cast<std::int64_t>(k->transaction_id));
  if (segtypes::is_thin_segment(*r.seg))
    if (auto k = segtypes::thin_keys(*r.seg)) return num(static_cast<std::int64_t>(k->transaction_id));
  return blank_num();
}
Cell thin_id(const Row& r) {
  if (segtypes::is_thin_segment(*r.seg))
    if (auto k = segtypes::thin_keys(*r.seg)) return num(static_cast<std::int64_t>(k->device_id));
  return blank_num();
}
Cell thin_pool_lv(const Row& r) {
  if (!r.lv || !segtypes::lv_is_thin_volume(*r.lv)) return empty();
  auto k = segtypes::thin_keys(r.lv->segments[0]);
  return text(k ? k->thin_pool : "");
}
Cell thin_origin(const Row& r) {
  if (!r.lv || !segtypes::lv_is_thin_volume(*r.lv)) return empty();
  auto k = segtypes::thin_keys(r.lv->segments[0]);
  if (k && k->origin) return text(*k->origin);
  return text(k && k->external_origin ? *k->external_origin : "");
}
Cell thin_count(const Row& r) {
  if (!segtypes::is_thin_pool_segment(*r.seg) || !r.lv) return blank_num();
  return num(static_cast<std::int64_t>(segtypes::pool_thin_lvs(vgof(r), r.lv->name).size()));
}
Cell chunk_size_cell(const Row& r) {
  if (segtypes::is_thin_pool_segment(*r.seg))
    if (auto k = segtypes::thin_pool_keys(*r.seg)) return size(k->chunk_size);
  return size(0);
}
Cell thin_discards(const Row& r) {
  auto k = pool_keys_of(vgof(r), *r.seg);
  return text(k ? k->discards : "");
}
Cell thin_zero(const Row& r) {
  auto k = pool_keys_of(vgof(r), *r.seg);
  if (!k) return text("unknown");
  return text(k->zero_new_blocks ? "zero" : "");
}

Cell blank_size() { Cell c = Cell::of_size(0); c.blank = true; return c; }

std::string lv_uuid_of(const Row& r, const std::string& name) {
  if (name.empty()) return "";
  const LogicalVolume* lv = vgof(r).find_lv(name);
  return lv ? format_id(lv->id) : "";
}

std::string origin_name(const Row& r) {
  Cell thin = thin_origin(r);
  return thin.text.empty() ? origin_of(r).text : thin.text;
}

std::string origin_uuid(const Row& r) { return lv_uuid_of(r, origin_name(r)); }

// An old-style snapshot's origin size (thin snapshots show none).
Cell origin_size(const Row& r) {
  if (segtypes::lv_is_thin_volume(*r.lv))  // a thin LV over an external origin shows its size
    if (auto k = segtypes::thin_keys(r.lv->segments[0]); k && k->external_origin)
      if (const LogicalVolume* e = vgof(r).find_lv(*k->external_origin))
        return size(e->extent_count() * vgof(r).extent_size);
  auto ref = segtypes::snapshot_of_cow(vgof(r), r.lv->name);
  if (!ref) return blank_size();
  const LogicalVolume* o = vgof(r).find_lv(ref->origin);
  if (!o) return blank_size();
  return size(o->extent_count() * vgof(r).extent_size);
}

// lvm2's raid LV settings from the first segment's keys; blank when unset
// (or not raid), as lvm2 shows a zero there.
Cell raid_setting(const Row& r, std::optional<std::uint64_t> segtypes::RaidKeys::*key) {
  if (!segtypes::lv_is_raid(*r.lv)) return blank_num();
  auto k = segtypes::raid_keys(r.lv->segments[0]);
  if (!k || !((*k).*key) || !*((*k).*key)) return blank_num();
  return num(static_cast<std::int64_t>(*((*k).*key)));
}

// lvm2's seg->data_copies: raid1 every image, raid10 its data_copies (2 by
// default), raid4/5 2, raid6 3; any other segment 1.
Cell data_copies(const Row& r) {
  if (!segtypes::is_raid_segment(*r.seg)) return num(1);
  auto k = segtypes::raid_keys(*r.seg);
  if (!k) return num(1);
  if (k->type == "raid1") return num(static_cast<std::int64_t>(k->images.size()));
  if (k->type == "raid10") return num(static_cast<std::int64_t>(k->data_copies.value_or(2)));
  return num(1 + segtypes::raid_parity_devs(k->type));
}

// The kernel modules an LV needs beyond linear/striped, as lvm2 lists them.
std::string lv_modules(const LogicalVolume& lv) {
  std::vector<std::string> mods;
  for (const auto& seg : lv.segments) {
    std::string t = segment_type_name(seg);
    if ((t == "error" || t == "zero") && std::find(mods.begin(), mods.end(), t) == mods.end()) mods.push_back(t);
  }
  return join(mods, ",");
}

// lv_merge_failed / lv_snapshot_invalid: known only for an active snapshot.
Cell snapshot_flag(const Row& r, bool merge_failed) {
  const LvState& st = state_of(*r.vg, r.lv_index);
  if (st.active != Tri::yes || (st.target_type != "snapshot" && st.target_type != "snapshot-merge"))
    return text("unknown");
  auto s = segtypes::parse_snapshot_status(st.target_status);
  if (!s) return text("unknown");
  if (merge_failed) return text(s->merge_failed ? "merge failed" : "");
  return text(s->invalid ? "snapshot invalid" : "");
}

// The PV row's (or orphan's) device.
const PvDevice* device_of(const Row& r) { return r.dev ? r.dev : (r.orphan ? &r.orphan->device : nullptr); }

#define F(name, heading, w, right, kind, obj, body) \
  FieldDef { name, heading, w, right, Kind::kind, Object::obj, [](const Row& r) -> Cell { (void)r; body } }

const FieldDef FIELDS[] = {
    // ------------------------------------------------------------ LV
    F("lv_uuid", "LV UUID", 38, false, str, lv, return text(format_id(r.lv->id));),
    F("lv_name", "LV", 4, false, str, lv, return text(lv_display_name(r));),
    F("lv_full_name", "LV", 2, false, str, lv, return text(vgof(r).name + "/" + r.lv->name);),
    F("lv_path", "Path", 4, false, str, lv,
      return text(visible(r) ? "/dev/" + vgof(r).name + "/" + r.lv->name : "");),
    F("lv_dm_path", "DMPath", 6, false, str, lv,
      return text("/dev/mapper/" + dm_device_name(vgof(r).name, r.lv->name));),
    F("lv_parent", "Parent", 6, false, str, lv, return empty();),
    F("lv_layout", "Layout", 10, false, str, lv, return text(segtypes::lv_layout(*r.lv));),
    F("lv_role", "Role", 10, false, str, lv, {
      std::string role = visible(r) ? "public" : "private";
      if (const auto n = segtypes::snapshots_of_origin(vgof(r), r.lv->name).size()) {
        role += ",origin,thickorigin";
        if (n > 1) role += ",multithickorigin";
      }
      else if (segtypes::lv_is_cow(vgof(r), *r.lv)) role += ",snapshot,thicksnapshot";
      return text(role);
    }),
    F("lv_attr", "Attr", 4, false, str, lv, return text(lv_attr(*r.vg, r.lv_index));),
    F("lv_size", "LSize", 5, true, size, lv, return size(r.lv->extent_count() * vgof(r).extent_size);),
    F("seg_count", "#Seg", 4, true, num, lv, return num(static_cast<std::int64_t>(r.lv->segments.size()));),
    F("origin", "Origin", 6, false, str, lv, {
      Cell thin = thin_origin(r);
      return thin.text.empty() ? origin_of(r) : thin;
    }),
    F("pool_lv", "Pool", 4, false, str, lv, return thin_pool_lv(r);),
    // Percent fields are left-aligned in lvm2 2.03 (libdm aligns only numbers and sizes right).
    F("data_percent", "Data%", 6, false, str, lv, {
      const std::string& thin = state_of(*r.vg, r.lv_index).data_percent;
      return thin.empty() ? snapshot_percent(r) : text(thin);
    }),
    F("snap_percent", "Snap%", 6, false, str, lv, return snapshot_percent(r);),
    F("metadata_percent", "Meta%", 6, false, str, lv, return text(state_of(*r.vg, r.lv_index).metadata_percent);),
    F("lv_when_full", "WhenFull", 15, false, str, lv, {
      if (!segtypes::lv_is_thin_pool(*r.lv)) return empty();
      return text(r.lv->flags.has("ERROR_WHEN_FULL") ? "error" : "queue");
    }),
    F("copy_percent", "Cpy%Sync", 8, true, str, lv, return text(state_of(*r.vg, r.lv_index).copy_percent);),
    F("sync_percent", "Cpy%Sync", 8, true, str, lv, return text(state_of(*r.vg, r.lv_index).copy_percent);),
    F("raid_sync_action", "SyncAction", 10, false, str, lv, return text(state_of(*r.vg, r.lv_index).sync_action);),
    F("raid_mismatch_count", "Mismatches", 10, true, str, lv,
      return text(state_of(*r.vg, r.lv_index).mismatch_count);),
    F("move_pv", "Move", 4, false, str, lv, return move_pv(r);),
    F("mirror_log", "Log", 3, false, str, lv, return mirror_log(r);),
    F("move_pv_uuid", "Move UUID", 38, false, str, lv, {
      if (!segtypes::lv_is_pvmove(*r.lv)) return empty();
      for (const auto& s : r.lv->segments)
        if (auto k = segtypes::mirror_keys(s); k && !k->mirrors.empty())
          if (const PhysicalVolume* pv = vgof(r).find_pv(k->mirrors[0].name)) return text(format_id(pv->id));
      return empty();
    }),
    F("mirror_log_uuid", "Log UUID", 38, false, str, lv, {
      if (!segtypes::lv_is_mirror(*r.lv)) return empty();
      auto k = segtypes::mirror_keys(r.lv->segments[0]);
      return text(k && k->mirror_log ? lv_uuid_of(r, *k->mirror_log) : "");
    }),
    F("raid_write_behind", "WBehind", 7, true, num, lv, return raid_setting(r, &segtypes::RaidKeys::writebehind);),
    F("raid_min_recovery_rate", "MinSync", 7, true, num, lv,
      return raid_setting(r, &segtypes::RaidKeys::min_recovery_rate);),
    F("raid_max_recovery_rate", "MaxSync", 7, true, num, lv,
      return raid_setting(r, &segtypes::RaidKeys::max_recovery_rate);),
    F("convert_lv", "Convert", 7, false, str, lv, return empty();),
    F("data_lv", "Data", 4, false, str, lv, return empty();),
    F("metadata_lv", "Meta", 4, false, str, lv, return empty();),
    F("lv_tags", "LV Tags", 7, false, str, lv, return text(tag_list(r.lv->tags, ","));),
    F("lv_time", "CTime", 26, false, str, lv, return text(lvm_time_text(r.lv->creation_time));),
    F("lv_host", "Host", 10, false, str, lv, return text(r.lv->creation_host);),
    F("lv_active", "Active", 6, false, str, lv, {
      auto s = state_of(*r.vg, r.lv_index).active;
      return text(s == Tri::unknown ? "unknown" : s == Tri::yes ? "active" : "");
    }),
    F("lv_allocation_policy", "AllocPol", 10, false, str, lv,
      return text(alloc_name(r.lv->allocation_policy, "inherit"));),
    F("lv_read_ahead", "Rahead", 6, true, str, lv, {
      if (!r.lv->read_ahead) return text("auto");
      return size(*r.lv->read_ahead < 0 ? 0 : static_cast<sector_t>(*r.lv->read_ahead));
    }),
    F("lv_kernel_major", "KMaj", 4, true, num, lv, return num(-1);),
    F("lv_kernel_minor", "KMin", 4, true, num, lv, return num(-1);),
    F("lv_major", "Maj", 3, true, num, lv, return num(r.lv->major.value_or(-1));),
    F("lv_minor", "Min", 3, true, num, lv, return num(r.lv->minor.value_or(-1));),
    F("lv_device_open", "DevOpen", 10, true, str, lv, {
      auto s = state_of(*r.vg, r.lv_index).open;
      return text(s == Tri::unknown ? "unknown" : s == Tri::yes ? "open" : "");
    }),
    F("lv_skip_activation", "SkipAct", 15, false, str, lv,
      return text(r.lv->flags.has("ACTIVATION_SKIP") ? "skip activation" : "");),
    F("lv_fixed_minor", "FixMin", 10, false, str, lv, return text(r.lv->minor ? "fixed minor" : "");),
    F("lv_health_status", "Health", 15, false, str, lv, return text(state_of(*r.vg, r.lv_index).health);),
    F("lv_profile", "LProfile", 8, false, str, lv, return text(r.lv->profile.value_or(""));),
    F("lv_autoactivation", "AutoAct", 7, false, str, lv, return text("enabled");),
    // ------------------------------------------------------------ segment
    F("segtype", "Type", 4, false, str, seg, return text(segment_type_name(*r.seg));),
    F("stripes", "#Str", 4, true, num, seg, return num(static_cast<std::int64_t>(seg_report(r).stripes));),
    F("data_stripes", "#DStr", 5, true, num, seg, {
      const auto s = seg_report(r);
      return num(static_cast<std::int64_t>(s.data_stripes.value_or(s.stripes)));
    }),
    F("data_copies", "#Cpy", 4, true, num, seg, return data_copies(r);),
    F("stripe_size", "Stripe", 6, true, size, seg, return size(seg_report(r).stripe_size);),
    F("region_size", "Region", 6, true, size, seg, return size(seg_report(r).region_size);),
    F("chunk_size", "Chunk", 5, true, size, seg, return chunk_size_cell(r);),
    F("transaction_id", "TransId", 7, true, num, seg, return thin_transaction_id(r);),
    F("thin_id", "ThId", 4, true, num, seg, return thin_id(r);),
    F("thin_count", "#Thins", 6, true, num, seg, return thin_count(r);),
    F("discards", "Discards", 8, false, str, seg, return thin_discards(r);),
    F("zero", "Zero", 4, true, str, seg, return thin_zero(r);),
    F("seg_start", "Start", 5, true, size, seg, return size(r.seg->start_extent * vgof(r).extent_size);),
    F("seg_start_pe", "Start", 5, true, num, seg, return num(static_cast<std::int64_t>(r.seg->start_extent));),
    F("seg_size", "SSize", 5, true, size, seg, return size(r.seg->extent_count * vgof(r).extent_size);),
    F("seg_size_pe", "SSize", 5, true, num, seg, return num(static_cast<std::int64_t>(r.seg->extent_count));),
    F("seg_pe_ranges", "PE Ranges", 9, false, str, seg, return text(ranges(r, false));),
    F("seg_le_ranges", "LE Ranges", 9, false, str, seg, {
      std::string t = ranges(r, false);  // lvm2 joins these with commas, seg_pe_ranges with spaces
      std::replace(t.begin(), t.end(), ' ', ',');
      return text(t);
    }),
    F("devices", "Devices", 7, false, str, seg, return text(ranges(r, true));),
    F("seg_tags", "Seg Tags", 8, false, str, seg, return text(tag_list(r.seg->tags, ","));),
    // ------------------------------------------------------------ VG
    F("vg_fmt", "Fmt", 3, false, str, vg, return text(vgof(r).format);),
    F("vg_uuid", "VG UUID", 38, false, str, vg, return text(format_id(vgof(r).id));),
    F("vg_name", "VG", 2, false, str, vg, return text(r.vg ? vgof(r).name : "");),
    F("vg_attr", "Attr", 4, false, str, vg, return text(r.vg ? vg_attr(*r.vg) : "");),
    F("vg_permissions", "VPerms", 10, false, str, vg,
      return text(vgof(r).status.has("WRITE") ? "writeable" : "read-only");),
    F("vg_extendable", "Extendable", 10, false, str, vg,
      return text(vgof(r).status.has("RESIZEABLE") ? "extendable" : "");),
    F("vg_exported", "Exported", 10, false, str, vg, return text(vgof(r).status.has("EXPORTED") ? "exported" : "");),
    F("vg_partial", "Partial", 10, false, str, vg, return empty();),
    F("vg_allocation_policy", "AllocPol", 10, false, str, vg,
      return text(alloc_name(vgof(r).allocation_policy, "normal"));),
    F("vg_clustered", "Clustered", 10, false, str, vg, return empty();),
    F("vg_shared", "Shared", 7, false, str, vg,
      return text(vgof(r).lock_type && *vgof(r).lock_type != "none" ? "shared" : "");),
    F("vg_autoactivation", "AutoAct", 7, false, str, vg, return text("enabled");),
    F("vg_size", "VSize", 5, true, size, vg, return size(vg_extent_count(vgof(r)) * vgof(r).extent_size);),
    F("vg_free", "VFree", 5, true, size, vg, return size(vg_free_count(vgof(r)) * vgof(r).extent_size);),
    F("vg_sysid", "SYS ID", 6, false, str, vg, return text(vgof(r).system_id.value_or(""));),
    F("vg_systemid", "System ID", 9, false, str, vg, return text(vgof(r).system_id.value_or(""));),
    F("vg_lock_type", "LockType", 8, false, str, vg, return text(vgof(r).lock_type.value_or(""));),
    F("vg_extent_size", "Ext", 3, true, size, vg, return size(vgof(r).extent_size);),
    F("vg_extent_count", "#Ext", 4, true, num, vg, return num(static_cast<std::int64_t>(vg_extent_count(vgof(r))));),
    F("vg_free_count", "Free", 4, true, num, vg, return num(static_cast<std::int64_t>(vg_free_count(vgof(r))));),
    F("max_lv", "MaxLV", 5, true, num, vg, return num(static_cast<std::int64_t>(vgof(r).max_lv));),
    F("max_pv", "MaxPV", 5, true, num, vg, return num(static_cast<std::int64_t>(vgof(r).max_pv));),
    F("pv_count", "#PV", 3, true, num, vg, return num(static_cast<std::int64_t>(vgof(r).pvs.size()));),
    F("vg_missing_pv_count", "#PV Missing", 11, true, num, vg, {
      std::int64_t n = 0;
      for (const auto& d : r.vg->devices) n += d.path.empty() ? 1 : 0;
      return num(n);
    }),
    F("lv_count", "#LV", 3, true, num, vg, return num(visible_lv_count(vgof(r)));),
    F("snap_count", "#SN", 3, true, num, vg, return num(static_cast<std::int64_t>(segtypes::snapshots(vgof(r)).size()));),
    F("vg_seqno", "Seq", 3, true, num, vg, return num(static_cast<std::int64_t>(vgof(r).seqno));),
    F("vg_tags", "VG Tags", 7, false, str, vg, return text(tag_list(vgof(r).tags, ","));),
    F("vg_profile", "VProfile", 8, false, str, vg, return text(vgof(r).profile.value_or(""));),
    F("vg_mda_count", "#VMda", 5, true, num, vg, {
      std::int64_t n = 0;
      for (const auto& d : r.vg->devices) n += d.mda_count;
      return num(n);
    }),
    F("vg_mda_used_count", "#VMdaUse", 8, true, num, vg, {
      std::int64_t n = 0;
      for (const auto& d : r.vg->devices) n += d.mda_used_count;
      return num(n);
    }),
    F("vg_mda_free", "VMdaFree", 9, true, size, vg, {
      byte_count m = 0;
      bool first = true;
      for (const auto& d : r.vg->devices)
        if (d.mda_count) { m = first ? d.mda_free : std::min(m, d.mda_free); first = false; }
      return size(bytes_to_sectors(m));
    }),
    F("vg_mda_size", "VMdaSize", 9, true, size, vg, {
      byte_count m = 0;
      bool first = true;
      for (const auto& d : r.vg->devices)
        if (d.mda_count) { m = first ? d.mda_size : std::min(m, d.mda_size); first = false; }
      return size(bytes_to_sectors(m));
    }),
    F("vg_mda_copies", "#VMdaCps", 8, false, str, vg, {
      auto c = vgof(r).metadata_copies;
      return text(c == 0 ? "unmanaged" : std::to_string(c));
    }),
    // ------------------------------------------------------------ PV
    F("pv_fmt", "Fmt", 3, false, str, pv, return text("lvm2");),
    F("pv_uuid", "PV UUID", 38, false, str, pv, return text(format_id(r.pv ? r.pv->id : r.orphan->id));),
    F("dev_size", "DevSize", 7, true, size, pv, {
      const PvDevice* d = device_of(r);
      return size(d ? d->dev_size : 0);
    }),
    F("pv_name", "PV", 10, false, str, pv, {
      const PvDevice* d = device_of(r);
      return text(d && !d->path.empty() ? d->path : "[unknown]");
    }),
    F("pv_major", "Maj", 3, false, num, pv, return num(device_of(r) ? device_of(r)->major : 0);),
    F("pv_minor", "Min", 3, false, num, pv, return num(device_of(r) ? device_of(r)->minor : 0);),
    F("pv_mda_free", "PMdaFree", 9, true, size, pv,
      return size(device_of(r) ? bytes_to_sectors(device_of(r)->mda_free) : 0);),
    F("pv_mda_size", "PMdaSize", 9, true, size, pv,
      return size(device_of(r) ? bytes_to_sectors(device_of(r)->mda_size) : 0);),
    F("pv_ext_vsn", "PExtVsn", 7, true, num, pv, return num(device_of(r) ? device_of(r)->ext_version : 2);),
    F("pe_start", "1st PE", 7, true, size, pv, return size(r.pv ? r.pv->pe_start : r.orphan->pe_start);),
    F("pv_size", "PSize", 5, true, size, pv,
      return size(pv_in_vg(r) ? r.pv->pe_count * vgof(r).extent_size : pv_dev_size(r) + (r.orphan ? r.orphan->device.dev_size : 0));),
    F("pv_free", "PFree", 5, true, size, pv, {
      if (!pv_in_vg(r)) return size(r.orphan ? r.orphan->device.dev_size : 0);
      return size(pv_free_extents(vgof(r), *r.pv) * vgof(r).extent_size);
    }),
    F("pv_used", "Used", 4, true, size, pv, return size(pv_used_extents(r) * (r.vg ? vgof(r).extent_size : 0));),
    F("pv_attr", "Attr", 4, false, str, pv, return text(pv_attr(r));),
    F("pv_allocatable", "Allocatable", 11, false, str, pv,
      return text(r.pv && r.pv->status.has("ALLOCATABLE") ? "allocatable" : "");),
    F("pv_exported", "Exported", 10, false, str, pv, return text(r.pv && r.pv->status.has("EXPORTED") ? "exported" : "");),
    F("pv_missing", "Missing", 10, false, str, pv, return text(r.pv && r.dev && r.dev->path.empty() ? "missing" : "");),
    F("pv_pe_count", "PE", 3, true, num, pv, return num(r.pv ? static_cast<std::int64_t>(r.pv->pe_count) : 0);),
    F("pv_pe_alloc_count", "Alloc", 5, true, num, pv, return num(static_cast<std::int64_t>(pv_used_extents(r)));),
    F("pv_tags", "PV Tags", 7, false, str, pv, return text(r.pv ? tag_list(r.pv->tags, ",") : "");),
    F("pv_mda_count", "#PMda", 5, true, num, pv, return num(device_of(r) ? device_of(r)->mda_count : 0);),
    F("pv_mda_used_count", "#PMdaUse", 8, true, num, pv, return num(device_of(r) ? device_of(r)->mda_used_count : 0);),
    F("pv_ba_start", "BA Start", 8, true, size, pv, return size(r.pv ? r.pv->ba_start.value_or(0) : 0);),
    F("pv_ba_size", "BA Size", 7, true, size, pv, return size(r.pv ? r.pv->ba_size.value_or(0) : 0);),
    F("pv_in_use", "PInUse", 6, true, str, pv, return text(r.pv ? "used" : "");),
    F("pv_duplicate", "Duplicate", 9, false, str, pv, return empty();),
    F("pv_device_id", "DeviceID", 8, false, str, pv, return text(r.pv ? r.pv->device_id.value_or("") : "");),
    F("pv_device_id_type", "DeviceIDType", 12, false, str, pv, return text(r.pv ? r.pv->device_id_type.value_or("") : "");),
    // ------------------------------------------------------------ lvm2 fields for what udm has not
    // (cache, VDO, writecache) or has no value for here; headings and widths as lvm 2.03.16.
    F("lv_initial_image_sync", "InitImgSyn", 10, true, str, lv, return empty();),
    F("lv_image_synced", "ImgSynced", 10, true, str, lv, return empty();),
    F("lv_merging", "Merging", 10, true, str, lv, return empty();),
    F("lv_converting", "Converting", 10, true, str, lv, return empty();),
    F("lv_allocation_locked", "AllocLock", 10, true, str, lv, return text(r.lv->status.has("LOCKED") ? "allocation locked" : "");),
    F("lv_active_locally", "ActLocal", 10, true, str, lv, const auto& s = state_of(*r.vg, r.lv_index); return text(s.active == Tri::unknown ? "unknown" : s.active == Tri::yes ? "active locally" : "");),
    F("lv_active_remotely", "ActRemote", 10, true, str, lv, const auto& s = state_of(*r.vg, r.lv_index); return text(s.active == Tri::unknown ? "unknown" : "");),
    F("lv_active_exclusively", "ActExcl", 10, true, str, lv, const auto& s = state_of(*r.vg, r.lv_index); return text(s.active == Tri::unknown ? "unknown" : s.active == Tri::yes ? "active exclusively" : "");),
    F("lv_metadata_size", "MSize", 5, true, size, lv, return blank_size();),
    F("origin_uuid", "Origin UUID", 38, false, str, lv, return text(origin_uuid(r));),
    F("origin_size", "OSize", 5, true, size, lv, return origin_size(r);),
    F("lv_ancestors", "Ancestors", 9, false, str, lv, return empty();),
    F("lv_full_ancestors", "FAncestors", 10, false, str, lv, return empty();),
    F("lv_descendants", "Descendants", 11, false, str, lv, return empty();),
    F("lv_full_descendants", "FDescendants", 12, false, str, lv, return empty();),
    F("convert_lv_uuid", "Convert UUID", 38, false, str, lv, return empty();),
    F("data_lv_uuid", "Data UUID", 38, false, str, lv, return empty();),
    F("metadata_lv_uuid", "Meta UUID", 38, false, str, lv, return empty();),
    F("pool_lv_uuid", "Pool UUID", 38, false, str, lv, return text(lv_uuid_of(r, thin_pool_lv(r).text));),
    F("lv_lockargs", "LLockArgs", 9, false, str, lv, return text(r.lv->lock_args.value_or(""));),
    F("lv_time_removed", "RTime", 26, false, str, lv, return empty();),
    F("lv_modules", "Modules", 7, false, str, lv, return text(lv_modules(*r.lv));),
    F("lv_historical", "Historical", 10, true, str, lv, return empty();),
    F("writecache_block_size", "WCacheBlkSize", 13, true, num, lv, return num(-1);),
    F("lv_kernel_read_ahead", "KRahead", 7, true, size, lv, return num(-1);),
    F("lv_permissions", "LPerms", 8, false, str, lv, const auto& s = state_of(*r.vg, r.lv_index); if (s.active == Tri::unknown) return text("unknown"); if (s.active == Tri::no) return empty(); return text(r.lv->status.has("WRITE") ? "writeable" : "read-only");),
    F("lv_suspended", "Suspended", 10, true, str, lv, const auto& s = state_of(*r.vg, r.lv_index); return text(s.active == Tri::unknown ? "unknown" : "");),
    F("lv_live_table", "LiveTable", 20, true, str, lv, const auto& s = state_of(*r.vg, r.lv_index); return text(s.active == Tri::unknown ? "unknown" : s.active == Tri::yes ? "live table present" : "");),
    F("lv_inactive_table", "InactiveTable", 20, true, str, lv, const auto& s = state_of(*r.vg, r.lv_index); return text(s.active == Tri::unknown ? "unknown" : "");),
    F("cache_total_blocks", "CacheTotalBlocks", 16, true, num, lv, return blank_num();),
    F("cache_used_blocks", "CacheUsedBlocks", 16, true, num, lv, return blank_num();),
    F("cache_dirty_blocks", "CacheDirtyBlocks", 16, true, num, lv, return blank_num();),
    F("cache_read_hits", "CacheReadHits", 16, true, num, lv, return blank_num();),
    F("cache_read_misses", "CacheReadMisses", 16, true, num, lv, return blank_num();),
    F("cache_write_hits", "CacheWriteHits", 16, true, num, lv, return blank_num();),
    F("cache_write_misses", "CacheWriteMisses", 16, true, num, lv, return blank_num();),
    F("kernel_cache_settings", "KCacheSettings", 18, false, str, lv, return empty();),
    F("kernel_cache_policy", "KCachePolicy", 18, false, str, lv, return empty();),
    F("kernel_metadata_format", "KMFmt", 5, true, num, lv, return blank_num();),
    F("kernel_discards", "KDiscards", 9, false, str, lv, return empty();),
    F("lv_check_needed", "CheckNeeded", 15, true, str, lv, const auto& s = state_of(*r.vg, r.lv_index); if (s.active != Tri::yes || !segtypes::lv_is_thin_pool(*r.lv)) return text("unknown"); return text(s.needs_check ? "check needed" : "");),
    F("lv_merge_failed", "MergeFailed", 15, true, str, lv, return snapshot_flag(r, true);),
    F("lv_snapshot_invalid", "SnapInvalid", 15, true, str, lv, return snapshot_flag(r, false);),
    F("vdo_operating_mode", "VDOOperatingMode", 16, false, str, lv, return empty();),
    F("vdo_compression_state", "VDOCompressionState", 19, false, str, lv, return empty();),
    F("vdo_index_state", "VDOIndexState", 13, false, str, lv, return empty();),
    F("vdo_used_size", "VDOUsedSize", 11, true, num, lv, return blank_num();),
    F("vdo_saving_percent", "VDOSaving%", 10, true, num, lv, return blank_num();),
    F("writecache_total_blocks", "WCacheTotalBlocks", 17, true, num, lv, return blank_num();),
    F("writecache_free_blocks", "WCacheFreeBlocks", 16, true, num, lv, return blank_num();),
    F("writecache_writeback_blocks", "WCacheWritebackBlocks", 21, true, num, lv, return blank_num();),
    F("writecache_error", "WCacheErrors", 12, true, num, lv, return blank_num();),
    F("vg_lock_args", "VLockArgs", 9, false, str, vg, return text(vgof(r).lock_args.value_or(""));),
    F("reshape_len", "RSize", 5, true, size, seg, return blank_size();),
    F("reshape_len_le", "RSize", 5, true, num, seg, return blank_num();),
    F("data_offset", "DOff", 4, true, num, seg, return blank_num();),
    F("new_data_offset", "NOff", 4, true, num, seg, return blank_num();),
    F("parity_chunks", "#Par", 4, true, num, seg, return blank_num();),
    F("cache_metadata_format", "CMFmt", 5, true, num, seg, return blank_num();),
    F("cache_mode", "CacheMode", 9, false, str, seg, return empty();),
    F("seg_metadata_le_ranges", "Metadata LE Ranges", 18, false, str, seg, return empty();),
    F("metadata_devices", "Metadata Devs", 13, false, str, seg, return empty();),
    F("seg_monitor", "Monitor", 7, false, str, seg, return empty();),
    F("cache_policy", "CachePolicy", 11, false, str, seg, return empty();),
    F("cache_settings", "CacheSettings", 13, false, str, seg, return empty();),
    F("vdo_compression", "VDOCompression", 14, true, num, seg, return blank_num();),
    F("vdo_deduplication", "VDODeduplication", 16, true, num, seg, return blank_num();),
    F("vdo_use_metadata_hints", "VDOMetadataHints", 16, true, num, seg, return blank_num();),
    F("vdo_minimum_io_size", "VDOMinimumIOSize", 16, true, num, seg, return blank_num();),
    F("vdo_block_map_cache_size", "VDOBlockMapCacheSize", 20, true, size, seg, return blank_size();),
    F("vdo_block_map_era_length", "VDOBlockMapEraLength", 20, true, num, seg, return blank_num();),
    F("vdo_use_sparse_index", "VDOSparseIndex", 14, true, num, seg, return blank_num();),
    F("vdo_index_memory_size", "VDOIndexMemorySize", 18, true, size, seg, return blank_size();),
    F("vdo_slab_size", "VDOSlabSize", 11, true, size, seg, return blank_size();),
    F("vdo_ack_threads", "VDOAckThreads", 13, true, num, seg, return blank_num();),
    F("vdo_bio_threads", "VDOBioThreads", 13, true, num, seg, return blank_num();),
    F("vdo_bio_rotation", "VDOBioRotation", 14, true, num, seg, return blank_num();),
    F("vdo_cpu_threads", "VDOCPUThreads", 13, true, num, seg, return blank_num();),
    F("vdo_hash_zone_threads", "VDOHashZoneThreads", 18, true, num, seg, return blank_num();),
    F("vdo_logical_threads", "VDOLogicalThreads", 17, true, num, seg, return blank_num();),
    F("vdo_physical_threads", "VDOPhysicalThreads", 18, true, num, seg, return blank_num();),
    F("vdo_max_discard", "VDOMaxDiscard", 13, true, num, seg, return blank_num();),
    F("vdo_write_policy", "VDOWritePolicy", 14, false, str, seg, return empty();),
    F("vdo_header_size", "VDOHeaderSize", 13, true, size, seg, return blank_size();),
    F("raidintegritymode", "IntegMode", 9, false, str, lv, return empty();),
    F("raidintegrityblocksize", "IntegBlkSize", 12, true, num, lv, return num(-1);),
    F("integritymismatches", "IntegMismatches", 15, true, num, lv, return blank_num();),
    // ------------------------------------------------------------ PV segment
    F("pvseg_start", "Start", 5, true, num, pvseg, return num(static_cast<std::int64_t>(r.pvseg_start));),
    F("pvseg_size", "SSize", 5, true, num, pvseg, return num(static_cast<std::int64_t>(r.pvseg_size));),
};

#undef F

}  // namespace

std::span<const FieldDef> all_fields() { return FIELDS; }

const FieldDef* find_field(ReportType type, std::string_view name) {
  auto exact = [](std::string_view n) -> const FieldDef* {
    for (const auto& f : FIELDS)
      if (f.name == n) return &f;
    return nullptr;
  };
  if (auto* f = exact(name)) return f;
  std::string_view prefix = type == ReportType::lvs ? "lv_" : type == ReportType::vgs ? "vg_" : "pv_";
  if (auto* f = exact(std::string(prefix) + std::string(name))) return f;
  if (type == ReportType::lvs)
    if (auto* f = exact("seg_" + std::string(name))) return f;
  if (type == ReportType::pvs)
    if (auto* f = exact("pvseg_" + std::string(name))) return f;
  // libdevmapper compares names without '_' and case ("lock_args" is
  // lv_lockargs in lvs, vg_lock_args in vgs).
  auto canonical = [](std::string_view n) {
    std::string out;
    for (char ch : n)
      if (ch != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  };
  const std::string want = canonical(name);
  for (const std::string& c : {want, canonical(prefix) + want})
    for (const auto& f : FIELDS)
      if (canonical(f.name) == c) return &f;
  return nullptr;
}

std::string segment_type_name(const Segment& seg) { return segtypes::segment_type_of(seg).report(seg).segtype; }

// lvm2's thin letters: pool 't', thin 'V', pool data 'T', pool metadata
// and spare 'e'; target type 't' and 'z' when the pool zeroes new blocks.
void thin_attr(const VolumeGroup& vg, const LogicalVolume& lv, std::string& a) {
  bool meta = false;
  if (segtypes::lv_is_thin_pool(lv) || segtypes::lv_is_thin_volume(lv)) {
    a[0] = segtypes::lv_is_thin_pool(lv) ? 't' : 'V';
    a[6] = 't';
    auto k = pool_keys_of(vg, lv.segments[0]);
    a[7] = k && k->zero_new_blocks ? 'z' : '-';
  } else if (segtypes::pool_of_sub_lv(vg, lv, &meta)) {
    a[0] = meta ? 'e' : 'T';
  } else if (segtypes::lv_is_pool_metadata_spare(lv)) {
    a[0] = 'e';
  }
}

// lvm2's raid letters: 'r' ('R' made --nosync) for the raid LV, 'i' for an
// image in sync ('I' otherwise, and while inactive), 'e' for its metadata;
// target type 'r'; health 'r' (a device failed: refresh needed), 'm'
// (mismatches found), 'X' when the driver was not asked.
void raid_attr(const VgView& v, std::size_t i, std::string& a) {
  const LogicalVolume& lv = v.vg->lvs[i];
  bool meta = false;
  std::size_t slot = 0;
  const LogicalVolume* top = segtypes::lv_is_raid(lv) ? &lv : segtypes::raid_of_sub_lv(*v.vg, lv, &meta, &slot);
  if (!top) return;
  const std::size_t ti = static_cast<std::size_t>(top - v.vg->lvs.data());
  const LvState& st = state_of(v, ti);
  std::string health;   // "AaD" of the status
  std::string mismatches;
  {
    std::istringstream in(st.target_status);
    std::string type, n;
    in >> type >> n >> health;
  }
  const char own = slot < health.size() ? health[slot] : '?';
  a[6] = 'r';
  if (top == &lv) a[0] = lv.status.has("NOTSYNCED") ? 'R' : 'r';
  else if (meta) a[0] = 'e';
  else if (segtypes::lv_has_virtual_segment(lv)) a[0] = 'v';  // an image vgreduce --removemissing made error
  else a[0] = st.active == Tri::yes && own == 'A' ? 'i' : 'I';
  if (st.active == Tri::unknown) {
    a[8] = 'X';
  } else if (st.active == Tri::yes) {
    const bool failed = top == &lv ? health.find('D') != std::string::npos : own == 'D';
    if (failed) a[8] = 'r';
    else if (top == &lv && !st.mismatch_count.empty() && st.mismatch_count != "0") a[8] = 'm';
    else if (top != &lv && !meta && lv.status.has("WRITEMOSTLY")) a[8] = 'w';
  }
}

// lvm2's mirror letters: 'm' ('M' made --nosync) for a mirror LV (a
// mirrored log too), 'i' for an image of an active mirror in sync ('I'
// otherwise), 'l' for a disk log, 'p' for pvmove's LV (no permission
// letter); target type 'm' for all of them.
void mirror_attr(const VgView& v, std::size_t i, std::string& a) {
  const LogicalVolume& lv = v.vg->lvs[i];
  if (segtypes::lv_is_pvmove(lv)) {
    a[0] = 'p';
    a[1] = '-';
    a[6] = 'm';
    return;
  }
  if (segtypes::lv_is_mirror(lv)) {
    a[0] = lv.status.has("NOTSYNCED") ? 'M' : 'm';
    a[6] = 'm';
    return;
  }
  // Mirror images and logs are hidden LVs: a visible LV is none of them, and
  // `lvs` of 10,000 plain LVs does not scan the VG once per LV.
  if (lv.status.has("VISIBLE")) return;
  bool log = false;
  const LogicalVolume* top = segtypes::mirror_of_sub_lv(*v.vg, lv, &log);
  for (const auto& o : v.vg->lvs)  // an --atomic pvmove's images
    if (!top && segtypes::lv_is_pvmove(o))
      for (const auto& seg : o.segments)
        if (auto k = segtypes::mirror_keys(seg))
          for (const auto& m : k->mirrors)
            if (m.name == lv.name) top = &o;
  if (!top) return;
  a[6] = 'm';
  if (log) {
    a[0] = 'l';
    return;
  }
  const LvState st = state_of(v, static_cast<std::size_t>(top - v.vg->lvs.data()));
  a[0] = st.active == Tri::yes && st.copy_percent == "100.00" ? 'i' : 'I';
}

// lvm2's partial LV: one of its extents (or its sub-LVs') is on a missing PV.
bool lv_is_partial(const VgView& v, const LogicalVolume& lv, int depth = 0) {
  if (depth > 8) return false;
  const VolumeGroup& vg = *v.vg;
  for (const auto& seg : lv.segments) {
    for (const auto& u : segtypes::segment_type_of(seg).report(seg).areas) {
      for (std::size_t k = 0; k < vg.pvs.size(); ++k)
        if (vg.pvs[k].name == u.area.name && (k >= v.devices.size() || v.devices[k].path.empty())) return true;
      if (const LogicalVolume* sub = vg.find_lv(u.area.name); sub && sub != &lv && lv_is_partial(v, *sub, depth + 1))
        return true;
    }
    if (segtypes::is_raid_segment(seg))
      if (auto k = segtypes::raid_keys(seg))
        for (const auto& m : k->metas)
          if (const LogicalVolume* sub = m.empty() ? nullptr : vg.find_lv(m); sub && lv_is_partial(v, *sub, depth + 1))
            return true;
    if (segtypes::is_mirror_segment(seg))
      if (auto k = segtypes::mirror_keys(seg); k && k->mirror_log)
        if (const LogicalVolume* sub = vg.find_lv(*k->mirror_log); sub && lv_is_partial(v, *sub, depth + 1))
          return true;
  }
  return false;
}

std::string lv_attr(const VgView& v, std::size_t i) {
  const LogicalVolume& lv = v.vg->lvs[i];
  std::string a(10, '-');
  const bool virt = segtypes::lv_has_virtual_segment(lv);
  if (virt) a[0] = 'v';
  // Old-style snapshots: origin 'o' ('O' merging), COW 's' ('S' merging).
  const bool origin = segtypes::lv_is_origin(*v.vg, lv);
  const auto cow = segtypes::snapshot_of_cow(*v.vg, lv.name);
  if (origin) a[0] = segtypes::merging_snapshot_of_origin(*v.vg, lv.name) ? 'O' : 'o';
  else if (segtypes::lv_is_external_origin(*v.vg, lv)) a[0] = 'o';
  else if (cow) a[0] = cow->merging ? 'S' : 's';
  a[1] = lv.status.has("WRITE") ? 'w' : 'r';
  char p = 'i';
  if (lv.allocation_policy) {
    switch (*lv.allocation_policy) {
      case AllocationPolicy::contiguous: p = 'c'; break;
      case AllocationPolicy::cling:
      case AllocationPolicy::cling_by_tags: p = 'l'; break;
      case AllocationPolicy::normal: p = 'n'; break;
      case AllocationPolicy::anywhere: p = 'a'; break;
      case AllocationPolicy::inherit: p = 'i'; break;
    }
  }
  if (lv.status.has("LOCKED")) p = static_cast<char>(p - 'a' + 'A');
  a[2] = p;
  if (lv.minor) a[3] = 'm';
  const LvState& st = state_of(v, i);
  a[4] = st.active == Tri::unknown ? 'X' : st.active == Tri::yes ? 'a' : '-';
  a[5] = st.open == Tri::unknown ? 'X' : st.open == Tri::yes ? 'o' : '-';
  if (st.active == Tri::yes && st.target_type == "snapshot") {
    auto s = segtypes::parse_snapshot_status(st.target_status);
    if (s && s->invalid) a[4] = 'I';  // invalid snapshot
    else if (s && s->merge_failed) a[4] = 'm';
  }
  if (origin || cow) a[6] = 's';
  else if (virt) a[6] = 'v';
  if (lv.flags.has("ACTIVATION_SKIP")) a[9] = 'k';
  thin_attr(*v.vg, lv, a);
  raid_attr(v, i, a);
  mirror_attr(v, i, a);
  // lvm2's letters for a pool's or thin's trouble.
  if (st.needs_check) a[4] = 'c';
  if (st.health == "failed") a[8] = 'F';
  else if (st.health == "out_of_data") a[8] = 'D';
  else if (st.health == "metadata_read_only") a[8] = 'M';
  if (lv_is_partial(v, lv)) a[8] = 'p';  // first of lvm2's health letters
  return a;
}

std::string vg_attr(const VgView& v) {
  const VolumeGroup& vg = *v.vg;
  std::string a(6, '-');
  a[0] = vg.status.has("WRITE") ? 'w' : 'r';
  if (vg.status.has("RESIZEABLE")) a[1] = 'z';
  if (vg.status.has("EXPORTED")) a[2] = 'x';
  for (const auto& d : v.devices)
    if (d.path.empty()) a[3] = 'p';
  char p = 'n';
  if (vg.allocation_policy) {
    switch (*vg.allocation_policy) {
      case AllocationPolicy::contiguous: p = 'c'; break;
      case AllocationPolicy::cling:
      case AllocationPolicy::cling_by_tags: p = 'l'; break;
      case AllocationPolicy::anywhere: p = 'a'; break;
      default: p = 'n'; break;
    }
  }
  a[4] = p;
  if (vg.lock_type && *vg.lock_type != "none") a[5] = 's';  // shared (lvmlockd)
  return a;
}

std::string pv_attr(const Row& r) {
  std::string a(3, '-');
  if (!r.pv) return a;
  // (a)llocatable, else (u)sed: a PV of a VG that pvchange -x n closed.
  a[0] = r.pv->status.has("ALLOCATABLE") ? 'a' : 'u';
  if (r.pv->status.has("EXPORTED")) a[1] = 'x';
  if (r.dev && r.dev->path.empty()) a[2] = 'm';
  return a;
}

}  // namespace udm::lvm::report

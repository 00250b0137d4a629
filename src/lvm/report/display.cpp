#include "lvm/report/display.hpp"

#include <algorithm>
#include <ctime>
#include <optional>

#include <fmt/format.h>

#include "lvm/report/fields.hpp"
#include "lvm/report/units.hpp"
#include "lvm/segtypes/mirror.hpp"
#include "lvm/segtypes/raid_keys.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/snapshot.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::report {
namespace {

void item(std::string& out, std::string_view label, std::string_view value, int width) {
  out += fmt::format("  {:<{}}{}\n", label, width, value);
}

extent_t free_of(const VolumeGroup& vg, const PhysicalVolume& pv) { return pv_free_extents(vg, pv); }

// A snapshot (its COW LV) counts as active for lvdisplay when its device
// answers with a valid snapshot status; its percent then.
std::optional<std::int64_t> active_snapshot_percent(const VgView& v, std::string_view cow) {
  const VolumeGroup& vg = *v.vg;
  for (std::size_t k = 0; k < vg.lvs.size() && k < v.lv_states.size(); ++k) {
    if (vg.lvs[k].name != cow) continue;
    const LvState& st = v.lv_states[k];
    if (st.active != Tri::yes || st.target_type != "snapshot") return std::nullopt;
    auto s = segtypes::parse_snapshot_status(st.target_status);
    if (!s || s->invalid || s->merge_failed || s->unknown) return std::nullopt;
    return segtypes::snapshot_percent(*s);
  }
  return std::nullopt;
}

// pvdisplay -m: the PV's used runs and the free gaps between them, in PE
// order; what a used run says is its segment type's (pv_display_lines).
std::string physical_segments(const VolumeGroup& vg, const PhysicalVolume& pv) {
  std::vector<PvExtentUse> uses;
  for (auto& u : pv_extent_map(vg))
    if (u.pv_name == pv.name) uses.push_back(std::move(u));
  std::sort(uses.begin(), uses.end(), [](const auto& a, const auto& b) { return a.pe_start < b.pe_start; });
  std::string out = "  --- Physical Segments ---\n";
  auto run = [&](extent_t first, extent_t count) {
    out += fmt::format("  Physical extent {} to {}:\n", first, first + count - 1);
  };
  extent_t at = 0;
  for (const auto& u : uses) {
    if (u.pe_start > at) {
      run(at, u.pe_start - at);
      out += "    FREE\n";
    }
    run(u.pe_start, u.pe_count);
    for (const auto& lv : vg.lvs)
      if (lv.name == u.lv_name && u.segment_index < lv.segments.size()) {
        const Segment& seg = lv.segments[u.segment_index];
        out += segtypes::segment_type_of(seg).pv_display_lines(vg, lv, seg);
      }
    at = std::max(at, u.pe_start + u.pe_count);
  }
  if (at < pv.pe_count) {
    run(at, pv.pe_count - at);
    out += "    FREE\n";
  }
  out += "   \n";
  return out;
}

}  // namespace

std::string long_size(sector_t sectors) {
  if (sectors == 0) return "0   ";
  std::string s = format_size(sectors, Units{.type = 'r'});
  // "60.00m" -> "60.00 MiB"
  char unit = s.back();
  s.pop_back();
  std::string_view name;
  switch (unit) {
    case 'k': name = "KiB"; break;
    case 'm': name = "MiB"; break;
    case 'g': name = "GiB"; break;
    case 't': name = "TiB"; break;
    case 'p': name = "PiB"; break;
    case 'e': name = "EiB"; break;
    default: name = "B"; break;
  }
  return s + " " + std::string(name);
}

std::string display_vg(const VgView& v) {
  const VolumeGroup& vg = *v.vg;
  std::string out = "  --- Volume group ---\n";
  extent_t total = 0, free = 0;
  for (const auto& pv : vg.pvs) {
    total += pv.pe_count;
    free += free_of(vg, pv);
  }
  unsigned mdas = 0, present = 0, open = 0, lvs = 0;
  for (const auto& d : v.devices) {
    mdas += d.mda_used_count;
    present += d.path.empty() ? 0 : 1;
  }
  for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
    if (!vg.lvs[i].visible()) continue;
    ++lvs;
    if (i < v.lv_states.size() && v.lv_states[i].open == Tri::yes) ++open;
  }
  const int w = 22;
  item(out, "VG Name", vg.name, w);
  item(out, "System ID", vg.system_id.value_or(""), w);
  item(out, "Format", vg.format, w);
  item(out, "Metadata Areas", std::to_string(mdas), w);
  item(out, "Metadata Sequence No", std::to_string(vg.seqno), w);
  item(out, "VG Access", vg.status.has("WRITE") ? "read/write" : "read", w);
  item(out, "VG Status", vg.status.has("RESIZEABLE") ? "resizable" : "", w);
  item(out, "MAX LV", std::to_string(vg.max_lv), w);
  item(out, "Cur LV", std::to_string(lvs), w);
  item(out, "Open LV", std::to_string(open), w);
  item(out, "Max PV", std::to_string(vg.max_pv), w);
  item(out, "Cur PV", std::to_string(vg.pvs.size()), w);
  item(out, "Act PV", std::to_string(present), w);
  item(out, "VG Size", long_size(total * vg.extent_size), w);
  item(out, "PE Size", long_size(vg.extent_size), w);
  item(out, "Total PE", std::to_string(total), w);
  item(out, "Alloc PE / Size", fmt::format("{} / {}", total - free, long_size((total - free) * vg.extent_size)), w);
  item(out, "Free  PE / Size", fmt::format("{} / {}", free, long_size(free * vg.extent_size)), w);
  item(out, "VG UUID", format_id(vg.id), w);
  out += "   \n";
  return out;
}

std::string display_pv(const VgView& v, std::size_t i, bool maps) {
  const VolumeGroup& vg = *v.vg;
  const PhysicalVolume& pv = vg.pvs[i];
  const PvDevice* d = i < v.devices.size() ? &v.devices[i] : nullptr;
  const int w = 22;
  std::string out = "  --- Physical volume ---\n";
  sector_t dev_size = d && d->dev_size ? d->dev_size : pv.dev_size;
  // lvm2 counts the part of pe_start that fills whole extents as usable
  // (measured: 64M/4M PE -> 4 MiB, 32M/1M -> 0, 66M/4M -> 2 MiB).
  sector_t usable = pv.pe_count * vg.extent_size;
  if (vg.extent_size) usable += pv.pe_start / vg.extent_size * vg.extent_size;
  extent_t free = free_of(vg, pv);
  item(out, "PV Name", d && !d->path.empty() ? d->path : "[unknown]", w);
  item(out, "VG Name", vg.name, w);
  item(out, "PV Size", fmt::format("{} / not usable {}", long_size(dev_size),
                                   long_size(dev_size > usable ? dev_size - usable : 0)), w);
  bool alloc = pv.status.has("ALLOCATABLE");
  item(out, "Allocatable", alloc ? (free == 0 ? "yes (but full)" : "yes ") : "NO  ", w);
  item(out, "PE Size", long_size(vg.extent_size), w);
  item(out, "Total PE", std::to_string(pv.pe_count), w);
  item(out, "Free PE", std::to_string(free), w);
  item(out, "Allocated PE", std::to_string(pv.pe_count - free), w);
  item(out, "PV UUID", format_id(pv.id), w);
  out += "   \n";
  if (maps) out += physical_segments(vg, pv);
  return out;
}

std::string display_orphan(const OrphanPv& pv) {
  const int w = 22;
  std::string out = fmt::format("  \"{}\" is a new physical volume of \"{}\"\n", pv.device.path,
                                long_size(pv.device.dev_size));
  out += "  --- NEW Physical volume ---\n";
  item(out, "PV Name", pv.device.path, w);
  item(out, "VG Name", "", w);
  item(out, "PV Size", long_size(pv.device.dev_size), w);
  item(out, "Allocatable", "NO", w);
  item(out, "PE Size", "0   ", w);
  item(out, "Total PE", "0", w);
  item(out, "Free PE", "0", w);
  item(out, "Allocated PE", "0", w);
  item(out, "PV UUID", format_id(pv.id), w);
  out += "   \n";
  return out;
}

std::string display_lv(const VgView& v, std::size_t i, bool maps) {
  const VolumeGroup& vg = *v.vg;
  const LogicalVolume& lv = vg.lvs[i];
  const int w = 23;
  std::string out = "  --- Logical volume ---\n";
  // A thin pool has no /dev/VG/LV link, so lvm2 shows no path.
  if (!segtypes::lv_is_thin_pool(lv)) item(out, "LV Path", "/dev/" + vg.name + "/" + lv.name, w);
  item(out, "LV Name", lv.name, w);
  item(out, "VG Name", vg.name, w);
  item(out, "LV UUID", format_id(lv.id), w);
  item(out, "LV Write Access", lv.status.has("WRITE") ? "read/write" : "read only", w);
  std::time_t t = static_cast<std::time_t>(lv.creation_time);
  std::tm tm{};
  localtime_r(&t, &tm);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &tm);
  item(out, "LV Creation host, time", fmt::format("{}, {}", lv.creation_host, when), w);
  // Old-style snapshots: the origin lists its snapshots, a snapshot (COW LV)
  // names its origin and shows the origin's size and its COW's.
  const bool inkernel = i < v.lv_states.size() && v.lv_states[i].active != Tri::unknown;
  const auto snaps = segtypes::snapshots_of_origin(vg, lv.name);
  const auto cow_of = snaps.empty() ? segtypes::snapshot_of_cow(vg, lv.name) : std::nullopt;
  std::optional<std::int64_t> snap_percent;
  const LogicalVolume* snap_origin = cow_of ? vg.find_lv(cow_of->origin) : nullptr;
  if (!snaps.empty()) {
    item(out, "LV snapshot status", "source of", w);
    for (const auto& r : snaps)
      item(out, "", fmt::format("{} [{}]", r.cow, inkernel && active_snapshot_percent(v, r.cow) ? "active" : "INACTIVE"), w);
  } else if (cow_of) {
    if (inkernel) snap_percent = active_snapshot_percent(v, lv.name);
    item(out, "LV snapshot status",
         fmt::format("{} destination for {}", snap_percent ? "active" : "INACTIVE", cow_of->origin), w);
  }
  if (segtypes::lv_is_thin_volume(lv)) {
    if (auto k = segtypes::thin_keys(lv.segments[0])) {
      item(out, "LV Pool name", k->thin_pool, w);
      if (k->origin) item(out, "LV Thin origin name", *k->origin, w);
      if (k->external_origin) item(out, "LV External origin name", *k->external_origin, w + 1);
      if (k->merge) item(out, "LV merging to", *k->merge, w);
    }
  } else if (segtypes::lv_is_thin_pool(lv)) {
    if (auto k = segtypes::thin_pool_keys(lv.segments[0])) {
      item(out, "LV Pool metadata", k->metadata, w);
      item(out, "LV Pool data", k->pool, w);
    }
  }
  LvState st = i < v.lv_states.size() ? v.lv_states[i] : LvState{};
  if (st.active != Tri::unknown) {
    item(out, "LV Status", st.active == Tri::yes ? "available" : "NOT available", w);
    if (st.active == Tri::yes) item(out, "# open", st.open == Tri::yes ? "1" : "0", w);
  }
  const extent_t shown_le = snap_origin ? snap_origin->extent_count() : lv.extent_count();
  item(out, "LV Size", long_size(shown_le * vg.extent_size), w);
  if (segtypes::lv_is_thin_pool(lv) && !st.data_percent.empty()) {
    item(out, "Allocated pool data", st.data_percent + "%", w);
    item(out, "Allocated metadata", st.metadata_percent + "%", w);
  } else if (segtypes::lv_is_thin_volume(lv) && !st.data_percent.empty()) {
    item(out, "Mapped size", st.data_percent + "%", w);
  }
  item(out, "Current LE", std::to_string(shown_le), w);
  if (cow_of) {
    item(out, "COW-table size", long_size(lv.extent_count() * vg.extent_size), w);
    item(out, "COW-table LE", std::to_string(lv.extent_count()), w);
    if (snap_percent)
      item(out, "Allocated to snapshot", fmt::format("{:.2f}%", static_cast<double>(*snap_percent) / 1'000'000.0), w);
    item(out, "Snapshot chunk size", long_size(cow_of->chunk_size), w);
  }
  // lvm2's lv_mirror_count for mirror, raid1 and raid10 LVs: their legs.
  if (segtypes::lv_is_mirror(lv)) {
    if (auto k = segtypes::mirror_keys(lv.segments[0])) item(out, "Mirrored volumes", std::to_string(k->mirrors.size()), w);
  } else if (segtypes::lv_is_raid(lv)) {
    auto k = segtypes::raid_keys(lv.segments[0]);
    if (k && (k->type == "raid1" || k->type == "raid10"))
      item(out, "Mirrored volumes", std::to_string(k->images.size()), w);
  }
  item(out, "Segments", std::to_string(lv.segments.size()), w);
  item(out, "Allocation",
       lv.allocation_policy ? std::string(allocation_policy_name(*lv.allocation_policy)) : "inherit", w);
  item(out, "Read ahead sectors", lv.read_ahead ? std::to_string(*lv.read_ahead) : "auto", w);
  out += "   \n";
  if (!maps) return out;
  out += "  --- Segments ---\n";
  auto dev = [&](const SegmentArea& a) {
    for (std::size_t k = 0; k < vg.pvs.size(); ++k)
      if (vg.pvs[k].name == a.name)
        return k < v.devices.size() && !v.devices[k].path.empty() ? v.devices[k].path : std::string("[unknown]");
    return a.name;
  };
  const segtypes::DisplayContext ctx{dev, [](sector_t s) { return long_size(s); }, &vg};
  for (const auto& s : lv.segments) {
    const segtypes::SegmentType& type = segtypes::segment_type_of(s);
    const bool virt = type.has(segtypes::SEG_VIRTUAL);
    out += fmt::format("  {} extents {} to {}:\n", virt ? "Virtual" : "Logical", s.start_extent,
                       s.start_extent + s.extent_count - 1);
    out += fmt::format("    Type\t\t{}\n", type.report(s).segtype);
    out += type.display_lines(ctx, s);
    if (!virt) out += "   \n";
  }
  out += "   \n";
  return out;
}

}  // namespace udm::lvm::report

#include "lvm/activate/device_tree.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "lvm/metadata/dm_names.hpp"

namespace udm::lvm::activate {

namespace {

// "@{uuid}": dm uuids are [0-9A-Za-z!#-] and table words never hold "@{".
constexpr std::string_view REF_OPEN = "@{";
constexpr char REF_CLOSE = '}';

std::vector<std::string> refs_in(const std::vector<TableLine>& table) {
  std::vector<std::string> out;
  for (const auto& l : table) {
    std::string_view p = l.params;
    for (std::size_t i = p.find(REF_OPEN); i != std::string_view::npos; i = p.find(REF_OPEN, i)) {
      const std::size_t end = p.find(REF_CLOSE, i);
      if (end == std::string_view::npos) break;
      std::string u(p.substr(i + REF_OPEN.size(), end - i - REF_OPEN.size()));
      if (std::find(out.begin(), out.end(), u) == out.end()) out.push_back(std::move(u));
      i = end + 1;
    }
  }
  return out;
}

// One line per segment, as the segment's handler writes it.
Result<std::vector<TableLine>> segment_lines(const VolumeGroup& vg, const LogicalVolume& lv,
                                             const std::map<std::string, std::string>& pv_paths,
                                             segtypes::DevicePlanner* planner) {
  std::vector<TableLine> out;
  const sector_t es = vg.extent_size;
  const segtypes::TableContext ctx{vg, lv, pv_paths, planner};
  for (const auto& seg : lv.segments) {
    auto line = segtypes::segment_type_of(seg).target_line(ctx, seg);
    if (!line) return fail(line.error());
    out.push_back({seg.start_extent * es, seg.extent_count * es, std::move(line->type), std::move(line->params)});
  }
  return out;
}

class Planner final : public segtypes::DevicePlanner {
 public:
  Planner(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths, DeviceTree& tree)
      : vg_(vg), pv_paths_(pv_paths), tree_(tree) {}

  Result<std::string> lv_device(const LogicalVolume& lv) override { return plan(lv); }

  Result<std::string> layer_device(const LogicalVolume& lv, std::string_view layer, std::vector<TableLine> table,
                                   bool read_only) override {
    DmDevice d;
    d.name = dm_device_name(vg_.name, lv.name, layer);
    d.uuid = dm_device_uuid(vg_.id, lv.id, layer);
    d.lv = lv.name;
    d.layer = std::string(layer);
    d.read_only = read_only;
    d.deps = refs_in(table);
    d.table = std::move(table);
    return tree_.add(std::move(d));
  }

  Result<std::vector<TableLine>> own_table(const LogicalVolume& lv) override {
    return segment_lines(vg_, lv, pv_paths_, this);
  }

  Result<std::string> plan(const LogicalVolume& lv) {
    const std::string uuid = dm_device_uuid(vg_.id, lv.id);
    if (tree_.find(uuid)) return device_ref(uuid);
    for (const auto& n : planning_)
      if (n == lv.name) return fail(ELOOP, fmt::format("LV {}/{} depends on itself.", vg_.name, lv.name));
    planning_.push_back(lv.name);
    auto table = top_table(lv);
    planning_.pop_back();
    if (!table) return fail(table.error());
    DmDevice d;
    d.name = dm_device_name(vg_.name, lv.name);
    d.uuid = uuid;
    d.lv = lv.name;
    d.read_only = !lv.status.has("WRITE");
    d.deps = refs_in(*table);
    d.table = std::move(*table);
    return tree_.add(std::move(d));
  }

 private:
  Result<std::vector<TableLine>> top_table(const LogicalVolume& lv) {
    const segtypes::TableContext ctx{vg_, lv, pv_paths_, this};
    for (const auto& other : vg_.lvs)
      for (const auto& seg : other.segments) {
        auto t = segtypes::segment_type_of(seg).lay_out(ctx, seg, lv);
        if (!t) return fail(t.error());
        if (*t) return std::move(**t);
      }
    return own_table(lv);
  }

  const VolumeGroup& vg_;
  const std::map<std::string, std::string>& pv_paths_;
  DeviceTree& tree_;
  std::vector<std::string> planning_;  // the LVs being planned, outermost first
};

}  // namespace

std::string device_ref(std::string_view uuid) {
  return std::string(REF_OPEN) + std::string(uuid) + REF_CLOSE;
}

Result<std::string> resolve_refs(std::string_view params,
                                 const std::map<std::string, std::string, std::less<>>& devnos) {
  std::string out;
  std::size_t from = 0;
  for (std::size_t i = params.find(REF_OPEN); i != std::string_view::npos; i = params.find(REF_OPEN, from)) {
    const std::size_t end = params.find(REF_CLOSE, i);
    if (end == std::string_view::npos) break;
    const std::string_view uuid = params.substr(i + REF_OPEN.size(), end - i - REF_OPEN.size());
    auto it = devnos.find(uuid);
    if (it == devnos.end()) return fail(ENXIO, fmt::format("Device {} is not active.", uuid));
    out.append(params.substr(from, i - from));
    out += it->second;
    from = end + 1;
  }
  out.append(params.substr(from));
  return out;
}

const DmDevice* DeviceTree::find(std::string_view uuid) const {
  for (const auto& d : devices_)
    if (d.uuid == uuid) return &d;
  return nullptr;
}

std::string DeviceTree::add(DmDevice d) {
  std::string ref = device_ref(d.uuid);
  if (!find(d.uuid)) devices_.push_back(std::move(d));
  return ref;
}

Result<DeviceTree> plan_lv(const VolumeGroup& vg, const LogicalVolume& lv,
                           const std::map<std::string, std::string>& pv_paths) {
  DeviceTree tree;
  Planner p(vg, pv_paths, tree);
  if (auto r = p.plan(lv); !r) return fail(r.error());
  return tree;
}

Result<std::vector<TableLine>> lv_table(const VolumeGroup& vg, const LogicalVolume& lv,
                                        const std::map<std::string, std::string>& pv_paths) {
  return segment_lines(vg, lv, pv_paths, nullptr);
}

}  // namespace udm::lvm::activate

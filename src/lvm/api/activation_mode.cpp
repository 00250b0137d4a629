// lvm2's activation modes (see activation_mode.hpp).
#include "lvm/api/activation_mode.hpp"

#include "lvm/api/vgreduce_plan.hpp"
#include "lvm/segtypes/raid_keys.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::api::detail {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// lvm2's partial_raid_lv_supports_degraded_activation: enough slots (image
// and metadata) left for the raid level; an error image counts as failed.
bool raid_is_redundant(const VolumeGroup& vg, const LogicalVolume& lv, const std::vector<std::string>& partial) {
  auto k = segtypes::raid_keys(lv.segments.front());
  if (!k) return false;
  const auto degraded = [&](const std::string& n) {
    if (n.empty()) return false;
    const LogicalVolume* s = vg.find_lv(n);
    return !s || contains(partial, n) || segtypes::lv_has_virtual_segment(*s);
  };
  const std::size_t n = k->images.size();
  std::vector<bool> failed(n);
  std::size_t failed_count = 0;
  for (std::size_t s = 0; s < n; ++s) {
    failed[s] = degraded(k->images[s]) || (s < k->metas.size() && degraded(k->metas[s]));
    failed_count += failed[s];
  }
  if (k->type.starts_with("raid10")) {
    // Two copies on neighbouring images: both of a pair lost is data lost.
    for (std::size_t s = 0; s + 1 < n; s += 2)
      if (failed[s] && failed[s + 1]) return false;
    return true;
  }
  if (failed_count == n) return false;
  const unsigned parity = segtypes::raid_parity_devs(k->type);
  return !(parity && failed_count > parity);
}

}  // namespace

Outcome<ActivationMode> activation_mode_of(const Cmd& c) {
  std::string mode = "degraded";
  if (const ConfigNode* n = c.config().find("activation/activation_mode"); n && n->value.is_string()) mode = n->value.text;
  if (auto m = c.cl().get("activationmode")) {
    if (c.cl().has("partial") && *m != "partial")
      return failed("--partial and --activationmode are mutually exclusive arguments", EXIT_INVALID);
    mode = *m;
  } else if (c.cl().has("partial")) {
    mode = "partial";
  }
  if (mode == "partial") return ActivationMode::partial;
  if (mode == "degraded") return ActivationMode::degraded;
  if (mode == "complete") return ActivationMode::complete;
  return failed("Invalid activation mode given.", EXIT_INVALID);
}

Outcome<void> announce_activation_mode(Cmd& c) {
  auto mode = activation_mode_of(c);
  if (!mode) return std::unexpected(mode.error());
  if (*mode == ActivationMode::partial) c.warn("PARTIAL MODE. Incomplete logical volumes will be processed.");
  return {};
}

std::set<std::string> missing_pvs(Cmd& c, const VolumeGroup& vg) {
  const auto paths = c.pv_paths(vg.name);
  std::set<std::string> out;
  for (const auto& pv : vg.pvs)
    if (!paths.contains(pv.name) || pv.flags.has("MISSING") || pv.status.has("MISSING")) out.insert(pv.name);
  return out;
}

std::string partial_activation_refusal(const VolumeGroup& vg, const LogicalVolume& lv,
                                       const std::set<std::string>& missing, ActivationMode mode) {
  if (mode == ActivationMode::partial || missing.empty()) return {};
  const auto partial = partial_lvs(vg, missing);
  if (!contains(partial, lv.name)) return {};
  const bool raid = segtypes::lv_is_raid(lv) && !lv.segments.empty();
  if (!raid || !raid_is_redundant(vg, lv, partial))
    return fmt::format("Refusing activation of partial LV {}/{}.  Use '--activationmode partial' to override.", vg.name,
                       lv.name);
  if (mode != ActivationMode::degraded)
    return fmt::format("Refusing activation of partial LV {}/{}.  Try '--activationmode degraded'.", vg.name, lv.name);
  return {};
}

VolumeGroup with_missing_areas_as_error(const VolumeGroup& vg, const std::set<std::string>& missing) {
  VolumeGroup out = vg;
  for (auto& lv : out.lvs) {
    // A raid runs without the slot instead ("- -").
    if (segtypes::raid_of_sub_lv(vg, lv)) continue;
    for (auto& seg : lv.segments)
      if (seg.type == segtypes::STRIPED && seg.stripes.size() == 1 && missing.contains(seg.stripes[0].name) &&
          out.find_pv(seg.stripes[0].name)) {
        Segment e;
        e.start_extent = seg.start_extent;
        e.extent_count = seg.extent_count;
        e.type = std::string(segtypes::ERROR);
        seg = std::move(e);
      }
  }
  return out;
}

}  // namespace udm::lvm::api::detail

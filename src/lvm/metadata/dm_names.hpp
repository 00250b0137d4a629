// Device-mapper names and uuids of LVs, as LVM2 forms them: name "VG-LV" with
// every '-' inside VG and LV doubled (so "my-vg"/"lv-1" -> "my--vg-lv--1"),
// uuid "LVM-" + raw VG id + raw LV id (no dashes). The one place for this
// rule: activation names devices with it, the exports split names with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace udm::lvm {

inline std::string dm_escape_hyphens(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 4);
  for (char c : s) {
    out += c;
    if (c == '-') out += '-';
  }
  return out;
}

// A layer ("real", "cow", "tpool") adds "-LAYER" to both, as lvm2's layered
// devices have it ("vg-lv-real", "LVM-<ids>-real").
inline std::string dm_device_name(std::string_view vg, std::string_view lv, std::string_view layer = {}) {
  std::string n = dm_escape_hyphens(vg) + "-" + dm_escape_hyphens(lv);
  if (!layer.empty()) n += "-" + dm_escape_hyphens(layer);
  return n;
}

inline std::string dm_device_uuid(std::string_view vg_raw_id, std::string_view lv_raw_id,
                                  std::string_view layer = {}) {
  std::string u = "LVM-" + std::string(vg_raw_id) + std::string(lv_raw_id);
  if (!layer.empty()) u += "-" + std::string(layer);
  return u;
}

struct DmLvName {
  std::string vg;
  std::string lv;
};

// dm_device_name backwards. Empty when `dm_name` is not "VG-LV": no single
// hyphen, an empty part, or a third part (a layer: "vg-lv-real").
inline std::optional<DmLvName> split_dm_device_name(std::string_view dm_name) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < dm_name.size(); ++i) {
    char c = dm_name[i];
    if (c != '-') {
      parts.back() += c;
    } else if (i + 1 < dm_name.size() && dm_name[i + 1] == '-') {
      parts.back() += '-';  // an escaped hyphen
      ++i;
    } else {
      parts.emplace_back();
    }
  }
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) return std::nullopt;
  return DmLvName{std::move(parts[0]), std::move(parts[1])};
}

}  // namespace udm::lvm

// Device-mapper names and uuids of LVs, as LVM2 forms them: name "VG-LV" with
// every '-' inside VG and LV doubled (so "my-vg"/"lv-1" -> "my--vg-lv--1"),
// uuid "LVM-" + raw VG id + raw LV id (no dashes).
#pragma once

#include <string>
#include <string_view>

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

inline std::string dm_device_name(std::string_view vg, std::string_view lv) {
  return dm_escape_hyphens(vg) + "-" + dm_escape_hyphens(lv);
}

inline std::string dm_device_uuid(std::string_view vg_raw_id, std::string_view lv_raw_id) {
  return "LVM-" + std::string(vg_raw_id) + std::string(lv_raw_id);
}

}  // namespace udm::lvm

// The handler of a type whose keys udm keeps without reading them.
#pragma once

#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {

class Kept : public SegmentType {
 public:
  // Named by the segment's own type word (report() and lv_layout use it).
  std::string_view name() const override { return {}; }
  unsigned flags() const override { return 0; }
  std::string_view layout() const override { return {}; }
  int layout_rank() const override { return 1; }
  Result<void> import_text(SegmentKeys& keys, Segment& seg) const override;
  void export_text(SegmentWriter& w, const Segment& seg) const override;
};

// A string key of a kept segment's section, or null.
inline const ConfigNode* kept_string(const Segment& seg, std::string_view key) {
  for (const auto& n : seg.unknown)
    if (n.key == key && !n.is_section && n.value.is_string()) return &n;
  return nullptr;
}

}  // namespace udm::lvm::segtypes

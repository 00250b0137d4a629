// Types LVM2 has and udm does not run yet (thin, raid, cache, ...): every key
// is kept as read and written back; activation is refused.
#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/kept.hpp"

namespace udm::lvm::segtypes {

Result<void> Kept::import_text(SegmentKeys& keys, Segment& seg) const {
  (void)keys;
  (void)seg;
  return {};
}

void Kept::export_text(SegmentWriter& w, const Segment& seg) const {
  (void)w;
  (void)seg;
}

bool is_area_list_key(std::string_view key) {
  return key == "stripes" || key == "mirrors" || key == "raids" || key == "raid0_lvs" || key == "areas";
}

bool area_list_pairs_names(std::string_view key) { return key == "raids"; }

const SegmentType& kept_segtype() {
  static const Kept t;
  return t;
}

}  // namespace udm::lvm::segtypes

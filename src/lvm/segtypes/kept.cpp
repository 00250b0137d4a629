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

const SegmentType& kept_segtype() {
  static const Kept t;
  return t;
}

}  // namespace udm::lvm::segtypes

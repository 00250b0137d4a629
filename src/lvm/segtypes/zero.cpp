// zero: reads return zeros, writes are dropped; dm's zero target. No areas.
#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/no_area.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {

const SegmentType& zero_segtype() {
  static const NoAreaVirtual t{ZERO};
  return t;
}

}  // namespace udm::lvm::segtypes

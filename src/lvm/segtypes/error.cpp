// error: every I/O fails; dm's error target. No areas.
#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/no_area.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {

const SegmentType& error_segtype() {
  static const NoAreaVirtual t{ERROR};
  return t;
}

}  // namespace udm::lvm::segtypes

// raid0 (raid0_lvs = [images], no metadata LVs) and raid0_meta (an _rmeta_N
// per image): dm-raid's raid0, striped over the _rimage_N sub-LVs.
#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/raid_handler.hpp"

namespace udm::lvm::segtypes {

const SegmentType& raid0_segtype() {
  static const Raid t("raid0", "raid,raid0");
  return t;
}

const SegmentType& raid0_meta_segtype() {
  static const Raid t("raid0_meta", "raid,raid0");
  return t;
}

}  // namespace udm::lvm::segtypes

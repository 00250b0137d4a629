// The list of built-in segment types (as lvm2's init_segtype_array) and the
// lookups everything else uses.
#include <algorithm>

#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {

// Order matters where handlers share a metadata word: the first that claims a
// segment handles it (linear takes one-area "striped" segments first).
void register_builtin_segment_types(std::vector<const SegmentType*>& out) {
  out.push_back(&linear_segtype());
  out.push_back(&striped_segtype());
  out.push_back(&zero_segtype());
  out.push_back(&error_segtype());
  out.push_back(&mirror_segtype());
  out.push_back(&snapshot_segtype());
  out.push_back(&thin_pool_segtype());
  out.push_back(&thin_segtype());
  register_raid_segment_types(out);
}

const std::vector<const SegmentType*>& segment_types() {
  static const std::vector<const SegmentType*> all = [] {
    std::vector<const SegmentType*> v;
    register_builtin_segment_types(v);
    return v;
  }();
  return all;
}

const SegmentType* find_segment_type(std::string_view name) {
  for (const SegmentType* t : segment_types())
    if (t->name() == name) return t;
  return nullptr;
}

const SegmentType& segment_type_of(const Segment& seg) {
  for (const SegmentType* t : segment_types())
    if (t->metadata_name() == seg.type && t->claims(seg)) return *t;
  return kept_segtype();
}

bool is_known_type(std::string_view type) {
  // A type may carry "+FLAG" suffixes ("raid5+RESHAPE").
  type = type.substr(0, type.find('+'));
  for (const SegmentType* t : segment_types())
    if (t->name() == type || t->metadata_name() == type) return true;
  // Types LVM2 has that udm reads and keeps but does not run yet.
  static constexpr std::string_view KEPT[] = {
      "cache", "cache-pool", "writecache", "integrity", "vdo", "vdo-pool",
      "raid0", "raid0_meta", "raid1", "raid4", "raid5", "raid5_la", "raid5_ra", "raid5_ls", "raid5_rs",
      "raid5_n", "raid6", "raid6_zr", "raid6_nr", "raid6_nc", "raid6_ls_6", "raid6_rs_6", "raid6_la_6",
      "raid6_ra_6", "raid6_n_6", "raid10", "raid10_near", "raid10_far", "raid10_offset", "free"};
  return std::find(std::begin(KEPT), std::end(KEPT), type) != std::end(KEPT);
}

const SegmentType& default_create_type(unsigned stripes) {
  return stripes > 1 ? striped_segtype() : linear_segtype();
}

const SegmentType& striped_type() { return striped_segtype(); }

}  // namespace udm::lvm::segtypes

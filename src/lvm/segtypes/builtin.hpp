// The built-in handlers, one per file, for registry.cpp.
#pragma once

#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {

const SegmentType& linear_segtype();
const SegmentType& striped_segtype();
const SegmentType& zero_segtype();
const SegmentType& error_segtype();
const SegmentType& mirror_segtype();
const SegmentType& snapshot_segtype();
const SegmentType& thin_pool_segtype();
const SegmentType& thin_segtype();
// raid.cpp and raid0.cpp: every raid type word.
void register_raid_segment_types(std::vector<const SegmentType*>& out);
const SegmentType& raid0_segtype();
const SegmentType& raid0_meta_segtype();
// Any other type word: keys kept, no activation.
const SegmentType& kept_segtype();

}  // namespace udm::lvm::segtypes

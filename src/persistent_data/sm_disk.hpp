// The two space maps' on-disk forms (dm-space-map-common/-disk/-metadata):
//  - data: 2-bit bitmaps in metadata blocks, found through an index btree
//    (bitmap number -> {blocknr, nr_free, none_free_before}),
//  - metadata: the same bitmaps, found through one index block of up to 255 entries,
// both with an overflow btree (block -> le32 count) for counts above 2.
// The root of each (32 bytes, padded to 128 in the superblock) is
// {nr_blocks, nr_allocated, bitmap_root, ref_count_root}.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.hpp"
#include "persistent_data/btree.hpp"
#include "persistent_data/space_map.hpp"
#include "persistent_data/transaction_manager.hpp"

namespace udm::pd {

inline constexpr uint32_t kSmRootSize = 128;
inline constexpr uint32_t kMaxMetadataBitmaps = 255;
inline constexpr uint32_t kIndexEntrySize = 16;

struct SmRoot {
  uint64_t nr_blocks = 0;
  uint64_t nr_allocated = 0;
  uint64_t bitmap_root = 0;
  uint64_t ref_count_root = 0;
};
void encode_sm_root(const SmRoot& r, uint8_t* out);  // 128 bytes
SmRoot decode_sm_root(const uint8_t* in);

// Reads one bitmap block's counts into `counts` (overflow counts come later).
void load_bitmap(RefCounts& counts, uint64_t index, const uint8_t* block);

// Data blocks' space map: counts in memory, bitmaps and trees in metadata.
class DataSpaceMap {
 public:
  static Result<std::unique_ptr<DataSpaceMap>> create(TransactionManager& tm, uint64_t nr_blocks);
  static Result<std::unique_ptr<DataSpaceMap>> open(TransactionManager& tm, const SmRoot& root);
  RefCounts& counts() { return counts_; }
  Result<void> extend(uint64_t nr_blocks);
  // Writes changed bitmaps, the index and overflow trees (allocating metadata).
  Result<void> save(TransactionManager& tm);
  SmRoot root() const;

 private:
  explicit DataSpaceMap(uint64_t nr) : counts_("data", nr) {}
  RefCounts counts_;
  uint64_t index_root_ = 0, overflow_root_ = 0;
  std::vector<uint64_t> bitmap_locs_;  // 0 = not written yet
};

// Metadata blocks' space map. The counts object is owned by the caller and
// shared with the transaction manager, which allocates from it.
class MetadataSpaceMap {
 public:
  static Result<std::unique_ptr<MetadataSpaceMap>> create(TransactionManager& tm);
  // Fills tm.sm() (already sized to root.nr_blocks) from disk.
  static Result<std::unique_ptr<MetadataSpaceMap>> open(TransactionManager& tm, const SmRoot& root);
  Result<void> extend(TransactionManager& tm, uint64_t nr_blocks);
  Result<void> save(TransactionManager& tm);
  SmRoot root(const RefCounts& counts) const;
  const std::vector<uint64_t>& bitmap_locations() const { return bitmap_locs_; }

 private:
  uint64_t index_block_ = 0, overflow_root_ = 0;
  bool have_index_ = false;
  std::vector<uint64_t> bitmap_locs_;
};

}  // namespace udm::pd

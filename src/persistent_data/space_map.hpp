// Reference counts of one space map (metadata or data blocks), held in
// memory while a transaction runs and written back in the kernel's on-disk
// form at commit (sm_disk.cpp). Counts 0..2 live in the 2-bit bitmaps;
// 3 in a bitmap means "look in the overflow ref-count tree".
#pragma once

#include <cstdint>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/result.hpp"
#include "persistent_data/block_device.hpp"

namespace udm::pd {

inline constexpr uint32_t kBitmapHeader = 16;
inline constexpr uint32_t kEntriesPerBitmap = (kBlockSize - kBitmapHeader) * 4;  // 16320

class RefCounts {
 public:
  RefCounts(const char* name, uint64_t nr_blocks) : name_(name) { extend(nr_blocks); }

  uint64_t nr_blocks() const { return nr_blocks_; }
  uint64_t nr_allocated() const { return nr_allocated_; }
  uint64_t nr_bitmaps() const { return (nr_blocks_ + kEntriesPerBitmap - 1) / kEntriesPerBitmap; }

  Result<uint32_t> get(uint64_t b) const;
  Result<void> inc(uint64_t b);
  Result<void> dec(uint64_t b);
  // A block free now and free in the last committed transaction, count set to 1.
  Result<uint64_t> alloc();
  void extend(uint64_t nr_blocks);

  // Loading: one count as found on disk.
  void load(uint64_t b, uint32_t count);

  // For writing back.
  const std::set<uint64_t>& dirty_bitmaps() const { return dirty_bitmaps_; }
  const std::set<uint64_t>& dirty_overflow() const { return dirty_overflow_; }
  void clear_dirty_overflow() { dirty_overflow_.clear(); }
  void fill_bitmap(uint64_t index, uint8_t* block) const;  // entries after the 16-byte header
  void index_entry(uint64_t index, uint32_t& nr_free, uint32_t& none_free_before) const;
  void mark_all_dirty();
  // The transaction is on disk: freed blocks may be reused, nothing is dirty.
  void committed();

 private:
  Result<void> set(uint64_t b, uint32_t v);
  const char* name_;
  uint64_t nr_blocks_ = 0;
  uint64_t nr_allocated_ = 0;
  uint64_t hint_ = 0;
  std::vector<uint8_t> small_;                  // 0, 1, 2, or 3 = see big_
  std::unordered_map<uint64_t, uint32_t> big_;  // counts >= 3
  std::unordered_set<uint64_t> freed_;          // freed in this transaction
  std::set<uint64_t> dirty_bitmaps_;
  std::set<uint64_t> dirty_overflow_;
};

}  // namespace udm::pd

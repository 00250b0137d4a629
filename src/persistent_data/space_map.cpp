#include "persistent_data/space_map.hpp"

#include <cstring>
#include <string>

namespace udm::pd {

Result<uint32_t> RefCounts::get(uint64_t b) const {
  if (b >= nr_blocks_)
    return fail(EINVAL, std::string(name_) + " space map: block " + std::to_string(b) + " is out of range (" +
                            std::to_string(nr_blocks_) + " blocks)");
  uint8_t s = small_[b];
  if (s < 3) return s;
  auto it = big_.find(b);
  return it == big_.end() ? 3u : it->second;
}

Result<void> RefCounts::set(uint64_t b, uint32_t v) {
  auto old = get(b);
  if (!old) return fail(old.error());
  if (*old == v) return {};
  if (*old == 0 && v) ++nr_allocated_;
  if (*old && v == 0) {
    --nr_allocated_;
    freed_.insert(b);
  }
  if (*old >= 3 || v >= 3) dirty_overflow_.insert(b);
  if (v >= 3) big_[b] = v;
  else big_.erase(b);
  small_[b] = uint8_t(v >= 3 ? 3 : v);
  dirty_bitmaps_.insert(b / kEntriesPerBitmap);
  return {};
}

Result<void> RefCounts::inc(uint64_t b) {
  auto c = get(b);
  if (!c) return fail(c.error());
  if (*c == 0xffffffffu) return fail(EOVERFLOW, std::string(name_) + " space map: block " + std::to_string(b) + " count overflows");
  return set(b, *c + 1);
}

Result<void> RefCounts::dec(uint64_t b) {
  auto c = get(b);
  if (!c) return fail(c.error());
  if (*c == 0)
    return fail(EINVAL, std::string(name_) + " space map: block " + std::to_string(b) + " is already free");
  return set(b, *c - 1);
}

Result<uint64_t> RefCounts::alloc() {
  for (uint64_t n = 0; n < nr_blocks_; ++n) {
    uint64_t b = (hint_ + n) % nr_blocks_;
    if (small_[b] == 0 && !freed_.count(b)) {
      hint_ = b + 1;
      if (auto r = set(b, 1); !r) return fail(r.error());
      return b;
    }
  }
  return fail(ENOSPC, std::string(name_) + " space map: no free blocks (" + std::to_string(nr_blocks_) + " in use)");
}

void RefCounts::extend(uint64_t nr_blocks) {
  if (nr_blocks <= nr_blocks_) return;
  uint64_t old_bitmaps = nr_bitmaps();
  nr_blocks_ = nr_blocks;
  small_.resize(nr_blocks, 0);
  for (uint64_t i = old_bitmaps; i < nr_bitmaps(); ++i) dirty_bitmaps_.insert(i);
  // The bitmap that held the old end gains entries too.
  if (old_bitmaps) dirty_bitmaps_.insert(old_bitmaps - 1);
}

void RefCounts::load(uint64_t b, uint32_t count) {
  if (b >= nr_blocks_) return;
  uint32_t old = small_[b] == 3 ? big_[b] : small_[b];
  if (old == 0 && count) ++nr_allocated_;
  if (old && count == 0) --nr_allocated_;
  if (count >= 3) big_[b] = count;
  else big_.erase(b);
  small_[b] = uint8_t(count >= 3 ? 3 : count);
}

void RefCounts::fill_bitmap(uint64_t index, uint8_t* block) const {
  uint8_t* bits = block + kBitmapHeader;
  std::memset(bits, 0, kBlockSize - kBitmapHeader);
  uint64_t first = index * kEntriesPerBitmap;
  for (uint32_t i = 0; i < kEntriesPerBitmap && first + i < nr_blocks_; ++i) {
    uint8_t v = small_[first + i];
    // The kernel's bit order: bit 2i (LE) is the high bit, bit 2i+1 the low bit.
    uint8_t hi = (v >> 1) & 1, lo = v & 1;
    bits[i / 4] |= uint8_t((hi | lo << 1) << (2 * (i % 4)));
  }
}

void RefCounts::index_entry(uint64_t index, uint32_t& nr_free, uint32_t& none_free_before) const {
  uint64_t first = index * kEntriesPerBitmap;
  nr_free = 0;
  none_free_before = kEntriesPerBitmap;
  for (uint32_t i = 0; i < kEntriesPerBitmap; ++i) {
    bool is_free = first + i >= nr_blocks_ || small_[first + i] == 0;
    if (is_free) {
      ++nr_free;
      if (none_free_before == kEntriesPerBitmap) none_free_before = i;
    }
  }
}

void RefCounts::mark_all_dirty() {
  for (uint64_t i = 0; i < nr_bitmaps(); ++i) dirty_bitmaps_.insert(i);
  for (auto& [b, v] : big_) dirty_overflow_.insert(b);
}

void RefCounts::committed() {
  freed_.clear();
  dirty_bitmaps_.clear();
  dirty_overflow_.clear();
}

}  // namespace udm::pd

#include "persistent_data/sm_disk.hpp"

#include <cstring>
#include <set>
#include <string>

#include "persistent_data/endian.hpp"

namespace udm::pd {

void encode_sm_root(const SmRoot& r, uint8_t* out) {
  std::memset(out, 0, kSmRootSize);
  put_le64(out, r.nr_blocks);
  put_le64(out + 8, r.nr_allocated);
  put_le64(out + 16, r.bitmap_root);
  put_le64(out + 24, r.ref_count_root);
}

SmRoot decode_sm_root(const uint8_t* in) { return SmRoot{le64(in), le64(in + 8), le64(in + 16), le64(in + 24)}; }

void load_bitmap(RefCounts& counts, uint64_t index, const uint8_t* block) {
  const uint8_t* bits = block + kBitmapHeader;
  uint64_t first = index * kEntriesPerBitmap;
  for (uint32_t i = 0; i < kEntriesPerBitmap && first + i < counts.nr_blocks(); ++i) {
    uint8_t byte = bits[i / 4] >> (2 * (i % 4));
    uint32_t v = uint32_t((byte & 1) << 1 | ((byte >> 1) & 1));
    if (v) counts.load(first + i, v);
  }
}

namespace {

void put_index_entry(uint8_t* p, uint64_t blocknr, uint32_t nr_free, uint32_t none_free_before) {
  put_le64(p, blocknr);
  put_le32(p + 8, nr_free);
  put_le32(p + 12, none_free_before);
}

// Brings the overflow tree in line with the counts that changed.
Result<uint64_t> sync_overflow(TransactionManager& tm, RefCounts& counts, uint64_t root) {
  BTree tree(tm, plain_value(4));
  while (!counts.dirty_overflow().empty()) {
    std::set<uint64_t> todo = counts.dirty_overflow();
    counts.clear_dirty_overflow();
    for (uint64_t b : todo) {
      auto c = counts.get(b);
      if (!c) return fail(c.error());
      Result<uint64_t> r;
      if (*c >= 3) {
        uint8_t v[4];
        put_le32(v, *c);
        r = tree.insert(root, b, v);
      } else {
        r = tree.remove(root, b);
      }
      if (!r) return fail(r.error());
      root = *r;
    }
  }
  return root;
}

Result<void> load_overflow(TransactionManager& tm, RefCounts& counts, uint64_t root) {
  BTree tree(tm, plain_value(4));
  return tree.walk(root, [&](uint64_t b, const uint8_t* v) -> Result<void> {
    if (b >= counts.nr_blocks())
      return fail(EILSEQ, std::string("overflow ref count for block ") + std::to_string(b) + " is out of range");
    auto c = counts.get(b);
    if (!c) return fail(c.error());
    if (*c != 3) return fail(EILSEQ, "overflow ref count for block " + std::to_string(b) + " but its bitmap entry is not 3");
    uint32_t n = le32(v);
    if (n < 3) return fail(EILSEQ, "overflow ref count " + std::to_string(n) + " for block " + std::to_string(b) + " is below 3");
    counts.load(b, n);
    return {};
  });
}

}  // namespace

// ---- data space map -------------------------------------------------------

Result<std::unique_ptr<DataSpaceMap>> DataSpaceMap::create(TransactionManager& tm, uint64_t nr_blocks) {
  std::unique_ptr<DataSpaceMap> sm(new DataSpaceMap(nr_blocks));
  auto idx = BTree(tm, plain_value(kIndexEntrySize)).create();
  if (!idx) return fail(idx.error());
  auto ovf = BTree(tm, plain_value(4)).create();
  if (!ovf) return fail(ovf.error());
  sm->index_root_ = *idx;
  sm->overflow_root_ = *ovf;
  sm->bitmap_locs_.assign(sm->counts_.nr_bitmaps(), 0);
  sm->counts_.mark_all_dirty();
  return sm;
}

Result<std::unique_ptr<DataSpaceMap>> DataSpaceMap::open(TransactionManager& tm, const SmRoot& root) {
  // Each bitmap takes a metadata block: more bitmaps than that is corruption
  // (and would make us allocate counts for blocks that cannot exist).
  uint64_t nr_bitmaps = root.nr_blocks / kEntriesPerBitmap + 1;
  if (nr_bitmaps > tm.sm().nr_blocks())
    return fail(EILSEQ, "data space map: " + std::to_string(root.nr_blocks) + " blocks need more bitmaps than there are metadata blocks");
  std::unique_ptr<DataSpaceMap> sm(new DataSpaceMap(root.nr_blocks));
  sm->index_root_ = root.bitmap_root;
  sm->overflow_root_ = root.ref_count_root;
  sm->bitmap_locs_.assign(sm->counts_.nr_bitmaps(), 0);
  BTree idx(tm, plain_value(kIndexEntrySize));
  auto r = idx.walk(root.bitmap_root, [&](uint64_t i, const uint8_t* v) -> Result<void> {
    if (i >= sm->bitmap_locs_.size())
      return fail(EILSEQ, "data space map: index entry " + std::to_string(i) + " is past the last bitmap");
    uint64_t loc = le64(v);
    auto b = tm.read_lock(loc, kBitmapValidator);
    if (!b) return fail(with_context("data space map: ", b.error()));
    load_bitmap(sm->counts_, i, b->data());
    sm->bitmap_locs_[i] = loc;
    return {};
  });
  if (!r) return fail(r.error());
  for (size_t i = 0; i < sm->bitmap_locs_.size(); ++i)
    if (!sm->bitmap_locs_[i]) return fail(EILSEQ, "data space map: bitmap " + std::to_string(i) + " is missing from the index");
  if (auto o = load_overflow(tm, sm->counts_, root.ref_count_root); !o) return fail(with_context("data space map: ", o.error()));
  sm->counts_.committed();
  return sm;
}

Result<void> DataSpaceMap::extend(uint64_t nr_blocks) {
  counts_.extend(nr_blocks);
  bitmap_locs_.resize(counts_.nr_bitmaps(), 0);
  return {};
}

Result<void> DataSpaceMap::save(TransactionManager& tm) {
  auto o = sync_overflow(tm, counts_, overflow_root_);
  if (!o) return fail(o.error());
  overflow_root_ = *o;
  BTree idx(tm, plain_value(kIndexEntrySize));
  for (uint64_t i : counts_.dirty_bitmaps()) {
    auto w = tm.new_block(kBitmapValidator);
    if (!w) return fail(w.error());
    counts_.fill_bitmap(i, w->data());
    uint64_t loc = w->location();
    w = WriteRef();
    if (bitmap_locs_[i])
      if (auto r = tm.dec(bitmap_locs_[i]); !r) return r;
    bitmap_locs_[i] = loc;
    uint32_t nr_free, nfb;
    counts_.index_entry(i, nr_free, nfb);
    uint8_t v[kIndexEntrySize];
    put_index_entry(v, loc, nr_free, nfb);
    auto r = idx.insert(index_root_, i, v);
    if (!r) return fail(r.error());
    index_root_ = *r;
  }
  return {};
}

SmRoot DataSpaceMap::root() const {
  return SmRoot{counts_.nr_blocks(), counts_.nr_allocated(), index_root_, overflow_root_};
}

// ---- metadata space map ---------------------------------------------------

Result<std::unique_ptr<MetadataSpaceMap>> MetadataSpaceMap::create(TransactionManager& tm) {
  auto sm = std::make_unique<MetadataSpaceMap>();
  if (tm.sm().nr_bitmaps() > kMaxMetadataBitmaps)
    return fail(EINVAL, "metadata device of " + std::to_string(tm.sm().nr_blocks()) + " blocks needs more than " +
                            std::to_string(kMaxMetadataBitmaps) + " bitmaps");
  auto ovf = BTree(tm, plain_value(4)).create();
  if (!ovf) return fail(ovf.error());
  sm->overflow_root_ = *ovf;
  sm->bitmap_locs_.assign(tm.sm().nr_bitmaps(), 0);
  tm.sm().mark_all_dirty();
  return sm;
}

Result<std::unique_ptr<MetadataSpaceMap>> MetadataSpaceMap::open(TransactionManager& tm, const SmRoot& root) {
  auto sm = std::make_unique<MetadataSpaceMap>();
  RefCounts& counts = tm.sm();
  if (counts.nr_bitmaps() > kMaxMetadataBitmaps)
    return fail(EILSEQ, "metadata space map: " + std::to_string(root.nr_blocks) + " blocks need more than 255 bitmaps");
  sm->index_block_ = root.bitmap_root;
  sm->have_index_ = true;
  sm->overflow_root_ = root.ref_count_root;
  sm->bitmap_locs_.assign(counts.nr_bitmaps(), 0);
  auto idx = tm.read_lock(root.bitmap_root, kIndexValidator);
  if (!idx) return fail(with_context("metadata space map: ", idx.error()));
  std::vector<uint8_t> index(idx->data(), idx->data() + kBlockSize);
  idx = ReadRef();
  for (uint64_t i = 0; i < counts.nr_bitmaps(); ++i) {
    uint64_t loc = le64(index.data() + 16 + i * kIndexEntrySize);
    auto b = tm.read_lock(loc, kBitmapValidator);
    if (!b) return fail(with_context("metadata space map: ", b.error()));
    load_bitmap(counts, i, b->data());
    sm->bitmap_locs_[i] = loc;
  }
  if (auto o = load_overflow(tm, counts, root.ref_count_root); !o)
    return fail(with_context("metadata space map: ", o.error()));
  counts.committed();
  return sm;
}

Result<void> MetadataSpaceMap::extend(TransactionManager& tm, uint64_t nr_blocks) {
  RefCounts probe("metadata", nr_blocks);
  if (probe.nr_bitmaps() > kMaxMetadataBitmaps)
    return fail(EINVAL, "metadata device of " + std::to_string(nr_blocks) + " blocks needs more than 255 bitmaps");
  tm.sm().extend(nr_blocks);
  bitmap_locs_.resize(tm.sm().nr_bitmaps(), 0);
  return {};
}

Result<void> MetadataSpaceMap::save(TransactionManager& tm) {
  RefCounts& counts = tm.sm();
  auto o = sync_overflow(tm, counts, overflow_root_);
  if (!o) return fail(o.error());
  overflow_root_ = *o;
  // The index moves every commit, like every other block of the transaction.
  auto idx = tm.new_block(kIndexValidator);
  if (!idx) return fail(idx.error());
  uint64_t new_index = idx->location();
  idx = WriteRef();
  if (have_index_)
    if (auto r = tm.dec(index_block_); !r) return r;
  index_block_ = new_index;
  have_index_ = true;
  // Moving a bitmap changes counts, which may dirty more bitmaps: repeat until
  // every dirty bitmap has its new place. Only 0<->1 counts change here.
  std::set<uint64_t> moved;
  for (;;) {
    uint64_t next = UINT64_MAX;
    for (uint64_t i : counts.dirty_bitmaps())
      if (!moved.count(i)) { next = i; break; }
    if (next == UINT64_MAX) break;
    auto w = tm.new_block(kBitmapValidator);
    if (!w) return fail(w.error());
    uint64_t loc = w->location();
    w = WriteRef();
    if (bitmap_locs_[next])
      if (auto r = tm.dec(bitmap_locs_[next]); !r) return r;
    bitmap_locs_[next] = loc;
    moved.insert(next);
  }
  if (!counts.dirty_overflow().empty())
    return fail(EIO, "metadata space map: overflow counts changed while writing bitmaps");
  for (uint64_t i : moved) {
    auto w = tm.bm().write_lock_zero(bitmap_locs_[i], kBitmapValidator);
    if (!w) return fail(w.error());
    counts.fill_bitmap(i, w->data());
  }
  auto w = tm.bm().write_lock_zero(index_block_, kIndexValidator);
  if (!w) return fail(w.error());
  for (uint64_t i = 0; i < counts.nr_bitmaps(); ++i) {
    uint32_t nr_free, nfb;
    counts.index_entry(i, nr_free, nfb);
    put_index_entry(w->data() + 16 + i * kIndexEntrySize, bitmap_locs_[i], nr_free, nfb);
  }
  return {};
}

SmRoot MetadataSpaceMap::root(const RefCounts& counts) const {
  return SmRoot{counts.nr_blocks(), counts.nr_allocated(), index_block_, overflow_root_};
}

}  // namespace udm::pd

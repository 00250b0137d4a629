#include "persistent_data/thin_metadata.hpp"

#include <cstring>
#include <string>

#include "persistent_data/endian.hpp"

namespace udm::pd {
namespace {

// Superblock field offsets (struct thin_disk_superblock, packed).
constexpr size_t kOffFlags = 4, kOffUuid = 16, kOffMagic = 32, kOffVersion = 40, kOffTime = 44,
                 kOffTransId = 48, kOffHeldRoot = 56, kOffDataSm = 64, kOffMetaSm = 192,
                 kOffMappingRoot = 320, kOffDetailsRoot = 328, kOffDataBlockSize = 336,
                 kOffMetaBlockSize = 340, kOffMetaNrBlocks = 344, kOffCompat = 352, kOffCompatRo = 356,
                 kOffIncompat = 360;
constexpr uint32_t kDetailsSize = 24;

void encode_details(const DeviceDetails& d, uint8_t* p) {
  put_le64(p, d.mapped_blocks);
  put_le64(p + 8, d.transaction_id);
  put_le32(p + 16, d.creation_time);
  put_le32(p + 20, d.snapshotted_time);
}
DeviceDetails decode_details(const uint8_t* p) { return DeviceDetails{le64(p), le64(p + 8), le32(p + 16), le32(p + 20)}; }

uint64_t pack_mapping(uint64_t block, uint32_t time) { return block << 24 | (time & 0xffffff); }

std::string devname(uint32_t dev) { return "thin device " + std::to_string(dev); }

}  // namespace

void encode_superblock(const Superblock& sb, uint8_t* b) {
  std::memset(b, 0, kBlockSize);
  put_le32(b + kOffFlags, sb.flags);
  std::memcpy(b + kOffUuid, sb.uuid, 16);
  put_le64(b + kOffMagic, kThinMagic);
  put_le32(b + kOffVersion, sb.version);
  put_le32(b + kOffTime, sb.time);
  put_le64(b + kOffTransId, sb.trans_id);
  put_le64(b + kOffHeldRoot, sb.held_root);
  encode_sm_root(sb.data_sm, b + kOffDataSm);
  encode_sm_root(sb.metadata_sm, b + kOffMetaSm);
  put_le64(b + kOffMappingRoot, sb.data_mapping_root);
  put_le64(b + kOffDetailsRoot, sb.device_details_root);
  put_le32(b + kOffDataBlockSize, sb.data_block_size);
  put_le32(b + kOffMetaBlockSize, sb.metadata_block_size);
  put_le64(b + kOffMetaNrBlocks, sb.metadata_nr_blocks);
  put_le32(b + kOffCompat, sb.compat_flags);
  put_le32(b + kOffCompatRo, sb.compat_ro_flags);
  put_le32(b + kOffIncompat, sb.incompat_flags);
}

Result<Superblock> decode_superblock(const uint8_t* b) {
  Superblock sb;
  if (le64(b + kOffMagic) != kThinMagic)
    return fail(EILSEQ, "superblock magic " + std::to_string(le64(b + kOffMagic)) + " is not thin pool metadata (" +
                            std::to_string(kThinMagic) + ")");
  sb.flags = le32(b + kOffFlags);
  std::memcpy(sb.uuid, b + kOffUuid, 16);
  sb.version = le32(b + kOffVersion);
  if (sb.version < 1 || sb.version > kThinVersion)
    return fail(EINVAL, "superblock version " + std::to_string(sb.version) + " is not supported (1 to " +
                            std::to_string(kThinVersion) + ")");
  sb.time = le32(b + kOffTime);
  sb.trans_id = le64(b + kOffTransId);
  sb.held_root = le64(b + kOffHeldRoot);
  sb.data_sm = decode_sm_root(b + kOffDataSm);
  sb.metadata_sm = decode_sm_root(b + kOffMetaSm);
  sb.data_mapping_root = le64(b + kOffMappingRoot);
  sb.device_details_root = le64(b + kOffDetailsRoot);
  sb.data_block_size = le32(b + kOffDataBlockSize);
  sb.metadata_block_size = le32(b + kOffMetaBlockSize);
  sb.metadata_nr_blocks = le64(b + kOffMetaNrBlocks);
  sb.compat_flags = le32(b + kOffCompat);
  sb.compat_ro_flags = le32(b + kOffCompatRo);
  sb.incompat_flags = le32(b + kOffIncompat);
  if (sb.metadata_block_size != kSectorsPerBlock)
    return fail(EINVAL, "superblock metadata block size " + std::to_string(sb.metadata_block_size) +
                            " sectors is not " + std::to_string(kSectorsPerBlock));
  if (sb.data_block_size < kMinDataBlockSize || sb.data_block_size > kMaxDataBlockSize ||
      sb.data_block_size % kMinDataBlockSize)
    return fail(EINVAL, "superblock data block size " + std::to_string(sb.data_block_size) +
                            " sectors is not a multiple of 128 between 128 and 2097152");
  if (sb.incompat_flags)
    return fail(EINVAL, "superblock has unsupported incompatible features " + std::to_string(sb.incompat_flags));
  if (sb.metadata_sm.nr_blocks != sb.metadata_nr_blocks)
    return fail(EILSEQ, "superblock says " + std::to_string(sb.metadata_nr_blocks) +
                            " metadata blocks but its space map has " + std::to_string(sb.metadata_sm.nr_blocks));
  return sb;
}

ThinMetadata::ThinMetadata(BlockDevice& dev) : dev_(dev), bm_(std::make_unique<BlockManager>(dev)) {}
ThinMetadata::~ThinMetadata() = default;

void ThinMetadata::make_trees() {
  TransactionManager& tm = *tm_;
  sub_ = std::make_unique<BTree>(
      tm, ValueType{8, [this](const uint8_t* v) { return data_sm_->counts().inc(le64(v) >> 24); },
                    [this](const uint8_t* v) { return data_sm_->counts().dec(le64(v) >> 24); }});
  top_ = std::make_unique<BTree>(
      tm, ValueType{8, [this](const uint8_t* v) { return tm_->inc(le64(v)); },
                    [this](const uint8_t* v) { return sub_->del(le64(v)); }});
  details_tree_ = std::make_unique<BTree>(tm, plain_value(kDetailsSize));
}

Result<std::unique_ptr<ThinMetadata>> ThinMetadata::format(BlockDevice& dev, uint32_t data_block_size,
                                                           uint64_t nr_data_blocks) {
  if (data_block_size < kMinDataBlockSize || data_block_size > kMaxDataBlockSize || data_block_size % kMinDataBlockSize)
    return fail(EINVAL, "data block size " + std::to_string(data_block_size) +
                            " sectors is not a multiple of 128 between 128 and 2097152");
  uint64_t nr_meta = dev.nr_blocks();
  if (nr_meta < 16) return fail(EINVAL, "metadata device of " + std::to_string(nr_meta) + " blocks is too small");
  nr_meta = std::min<uint64_t>(nr_meta, uint64_t(kMaxMetadataBitmaps) * kEntriesPerBitmap);
  std::unique_ptr<ThinMetadata> md(new ThinMetadata(dev));
  md->meta_counts_ = std::make_unique<RefCounts>("metadata", nr_meta);
  md->tm_ = std::make_unique<TransactionManager>(*md->bm_, *md->meta_counts_);
  if (auto r = md->meta_counts_->inc(0); !r) return fail(r.error());  // the superblock
  auto msm = MetadataSpaceMap::create(*md->tm_);
  if (!msm) return fail(msm.error());
  md->meta_sm_ = std::move(*msm);
  auto dsm = DataSpaceMap::create(*md->tm_, nr_data_blocks);
  if (!dsm) return fail(dsm.error());
  md->data_sm_ = std::move(*dsm);
  md->make_trees();
  auto mr = md->top_->create();
  if (!mr) return fail(mr.error());
  auto dr = md->details_tree_->create();
  if (!dr) return fail(dr.error());
  md->sb_.data_mapping_root = *mr;
  md->sb_.device_details_root = *dr;
  md->sb_.data_block_size = data_block_size;
  md->sb_.metadata_nr_blocks = nr_meta;
  if (auto r = md->commit(); !r) return fail(r.error());
  return md;
}

Result<std::unique_ptr<ThinMetadata>> ThinMetadata::open(BlockDevice& dev, Mode mode) {
  std::unique_ptr<ThinMetadata> md(new ThinMetadata(dev));
  md->read_only_ = mode == Mode::read_only;
  if (dev.nr_blocks() == 0) return fail(EINVAL, "metadata device is empty");
  {
    auto r = md->bm_->read_lock(0, kSuperblockValidator);
    if (!r) return fail(r.error());
    auto sb = decode_superblock(r->data());
    if (!sb) return fail(sb.error());
    md->sb_ = *sb;
  }
  if ((md->sb_.flags & kNeedsCheckFlag) && !md->read_only_)
    return fail(EUCLEAN, "metadata needs checking: the needs_check flag is set; run thin_check first");
  if (md->sb_.metadata_nr_blocks > dev.nr_blocks())
    return fail(EINVAL, "superblock says " + std::to_string(md->sb_.metadata_nr_blocks) +
                            " metadata blocks but the device has " + std::to_string(dev.nr_blocks()));
  if (md->sb_.metadata_nr_blocks > uint64_t(kMaxMetadataBitmaps) * kEntriesPerBitmap)
    return fail(EILSEQ, "superblock says " + std::to_string(md->sb_.metadata_nr_blocks) + " metadata blocks, more than a space map can hold");
  md->meta_counts_ = std::make_unique<RefCounts>("metadata", md->sb_.metadata_nr_blocks);
  md->tm_ = std::make_unique<TransactionManager>(*md->bm_, *md->meta_counts_);
  auto msm = MetadataSpaceMap::open(*md->tm_, md->sb_.metadata_sm);
  if (!msm) return fail(msm.error());
  md->meta_sm_ = std::move(*msm);
  auto dsm = DataSpaceMap::open(*md->tm_, md->sb_.data_sm);
  if (!dsm) return fail(dsm.error());
  md->data_sm_ = std::move(*dsm);
  md->make_trees();
  for (uint64_t root : {md->sb_.data_mapping_root, md->sb_.device_details_root}) {
    auto c = md->meta_counts_->get(root);
    if (!c) return fail(c.error());
    if (*c == 0) return fail(EILSEQ, "superblock root " + std::to_string(root) + " is a free block");
  }
  if (auto r = md->load_details(); !r) return fail(r.error());
  return md;
}

Result<void> ThinMetadata::load_details() {
  details_.clear();
  return details_tree_->walk(sb_.device_details_root, [this](uint64_t k, const uint8_t* v) -> Result<void> {
    if (k > kMaxDevId) return fail(EILSEQ, "device details: device id " + std::to_string(k) + " is out of range");
    details_[uint32_t(k)] = decode_details(v);
    return {};
  });
}

Result<void> ThinMetadata::usable() const {
  if (failed_) return fail(EIO, "metadata: an earlier operation failed; reopen the metadata");
  return {};
}

Result<void> ThinMetadata::writable() const {
  if (auto r = usable(); !r) return r;
  if (read_only_) return fail(EROFS, "metadata is open read-only");
  return {};
}

std::vector<uint32_t> ThinMetadata::devices() const {
  std::vector<uint32_t> out;
  for (auto& [d, det] : details_) out.push_back(d);
  return out;
}

Result<DeviceDetails> ThinMetadata::details(uint32_t dev) const {
  auto it = details_.find(dev);
  if (it == details_.end()) return fail(ENODATA, devname(dev) + " does not exist");
  return it->second;
}

Result<uint64_t> ThinMetadata::subtree_root(uint32_t dev) {
  auto v = top_->lookup(sb_.data_mapping_root, dev);
  if (!v) return fail(v.error());
  if (!*v) return fail(ENODATA, devname(dev) + " has no mapping tree");
  return le64((*v)->data());
}

Result<void> ThinMetadata::touch_top(uint32_t dev, uint64_t subroot) {
  uint8_t v[8];
  put_le64(v, subroot);
  auto r = top_->insert(sb_.data_mapping_root, dev, v, false);
  if (!r) return fail(r.error());
  sb_.data_mapping_root = *r;
  touched_.insert(dev);
  return {};
}

// Every mutation goes through here: on error the in-memory state is no
// longer trustworthy, so later calls are refused until the metadata is reopened.
#define PD_TRY(expr)                          \
  do {                                        \
    auto&& _r = (expr);                       \
    if (!_r) {                                \
      failed_ = true;                         \
      return fail(_r.error());                \
    }                                         \
  } while (0)

Result<void> ThinMetadata::create_thin(uint32_t dev) {
  if (auto r = writable(); !r) return r;
  if (dev > kMaxDevId) return fail(EINVAL, "device id " + std::to_string(dev) + " is out of range (max " + std::to_string(kMaxDevId) + ")");
  if (details_.count(dev)) return fail(EEXIST, devname(dev) + " already exists");
  auto root = sub_->create();
  PD_TRY(root);
  uint8_t v[8];
  put_le64(v, *root);
  auto r = top_->insert(sb_.data_mapping_root, dev, v);
  PD_TRY(r);
  sb_.data_mapping_root = *r;
  details_[dev] = DeviceDetails{0, sb_.trans_id, sb_.time, sb_.time};
  dirty_details_.insert(dev);
  deleted_details_.erase(dev);
  return {};
}

Result<void> ThinMetadata::create_snap(uint32_t dev, uint32_t origin) {
  if (auto r = writable(); !r) return r;
  if (dev > kMaxDevId) return fail(EINVAL, "device id " + std::to_string(dev) + " is out of range (max " + std::to_string(kMaxDevId) + ")");
  if (details_.count(dev)) return fail(EEXIST, devname(dev) + " already exists");
  if (!details_.count(origin)) return fail(ENODATA, "snapshot origin " + devname(origin) + " does not exist");
  auto root = subtree_root(origin);
  PD_TRY(root);
  PD_TRY(tm_->inc(*root));
  uint8_t v[8];
  put_le64(v, *root);
  auto r = top_->insert(sb_.data_mapping_root, dev, v);
  PD_TRY(r);
  sb_.data_mapping_root = *r;
  ++sb_.time;
  DeviceDetails& o = details_[origin];
  o.snapshotted_time = sb_.time;
  dirty_details_.insert(origin);
  details_[dev] = DeviceDetails{o.mapped_blocks, sb_.trans_id, sb_.time, sb_.time};
  dirty_details_.insert(dev);
  deleted_details_.erase(dev);
  return {};
}

Result<void> ThinMetadata::delete_device(uint32_t dev) {
  if (auto r = writable(); !r) return r;
  if (!details_.count(dev)) return fail(ENODATA, devname(dev) + " does not exist");
  bool removed = false;
  auto r = top_->remove(sb_.data_mapping_root, dev, &removed);
  PD_TRY(r);
  sb_.data_mapping_root = *r;
  details_.erase(dev);
  dirty_details_.erase(dev);
  deleted_details_.insert(dev);
  touched_.erase(dev);
  return {};
}

Result<std::optional<Mapping>> ThinMetadata::lookup(uint32_t dev, uint64_t vblock) {
  if (auto r = usable(); !r) return fail(r.error());
  auto it = details_.find(dev);
  if (it == details_.end()) return fail(ENODATA, devname(dev) + " does not exist");
  auto root = subtree_root(dev);
  if (!root) return fail(root.error());
  auto v = sub_->lookup(*root, vblock);
  if (!v) return fail(v.error());
  if (!*v) return std::optional<Mapping>{};
  uint64_t raw = le64((*v)->data());
  Mapping m{raw >> 24, uint32_t(raw & 0xffffff), false};
  m.shared = it->second.snapshotted_time > m.time;
  return std::optional<Mapping>(m);
}

Result<uint64_t> ThinMetadata::alloc_data_block() {
  if (auto r = writable(); !r) return fail(r.error());
  return data_sm_->counts().alloc();
}

Result<void> ThinMetadata::release_data_block(uint64_t data_block) {
  if (auto r = writable(); !r) return r;
  return data_sm_->counts().dec(data_block);
}

Result<void> ThinMetadata::insert_block(uint32_t dev, uint64_t vblock, uint64_t data_block) {
  if (auto r = writable(); !r) return r;
  auto it = details_.find(dev);
  if (it == details_.end()) return fail(ENODATA, devname(dev) + " does not exist");
  if (data_block >= nr_data_blocks() || data_block >= (uint64_t(1) << 40))
    return fail(EINVAL, "data block " + std::to_string(data_block) + " is out of range");
  auto root = subtree_root(dev);
  PD_TRY(root);
  if (!touched_.count(dev)) PD_TRY(touch_top(dev, *root));
  uint8_t v[8];
  put_le64(v, pack_mapping(data_block, sb_.time));
  bool inserted = false;
  auto nr = sub_->insert(*root, vblock, v, true, &inserted);
  PD_TRY(nr);
  if (*nr != *root) PD_TRY(touch_top(dev, *nr));
  if (inserted) ++it->second.mapped_blocks;
  dirty_details_.insert(dev);
  return {};
}

Result<uint64_t> ThinMetadata::provision(uint32_t dev, uint64_t vblock) {
  if (!details_.count(dev)) return fail(ENODATA, devname(dev) + " does not exist");
  auto b = alloc_data_block();
  if (!b) return fail(b.error());
  if (auto r = insert_block(dev, vblock, *b); !r) return fail(r.error());
  return *b;
}

Result<bool> ThinMetadata::remove_block(uint32_t dev, uint64_t vblock) {
  if (auto r = writable(); !r) return fail(r.error());
  auto it = details_.find(dev);
  if (it == details_.end()) return fail(ENODATA, devname(dev) + " does not exist");
  auto root = subtree_root(dev);
  PD_TRY(root);
  if (!touched_.count(dev)) PD_TRY(touch_top(dev, *root));
  bool removed = false;
  auto nr = sub_->remove(*root, vblock, &removed);
  PD_TRY(nr);
  if (*nr != *root) PD_TRY(touch_top(dev, *nr));
  if (removed) {
    --it->second.mapped_blocks;
    dirty_details_.insert(dev);
  }
  return removed;
}

Result<void> ThinMetadata::walk_mappings(uint32_t dev, const std::function<Result<void>(uint64_t, const Mapping&)>& fn) {
  auto it = details_.find(dev);
  if (it == details_.end()) return fail(ENODATA, devname(dev) + " does not exist");
  uint32_t snap_time = it->second.snapshotted_time;
  auto root = subtree_root(dev);
  if (!root) return fail(root.error());
  return sub_->walk(*root, [&](uint64_t k, const uint8_t* v) -> Result<void> {
    uint64_t raw = le64(v);
    Mapping m{raw >> 24, uint32_t(raw & 0xffffff), false};
    m.shared = snap_time > m.time;
    return fn(k, m);
  });
}

Result<void> ThinMetadata::set_transaction_id(uint64_t old_id, uint64_t new_id) {
  if (auto r = writable(); !r) return r;
  if (old_id != sb_.trans_id)
    return fail(EINVAL, "transaction id mismatch: expected " + std::to_string(old_id) + ", but the metadata has " +
                            std::to_string(sb_.trans_id));
  sb_.trans_id = new_id;
  return {};
}

Result<void> ThinMetadata::reserve_metadata_snap() {
  if (auto r = writable(); !r) return r;
  if (sb_.held_root) return fail(EBUSY, "a metadata snapshot is already held: release it before taking another");
  // Commit so the roots the copy holds are the ones on disk.
  if (auto r = commit(); !r) return r;
  auto w = tm_->new_block(kSuperblockValidator);
  PD_TRY(w);
  Superblock copy = sb_;
  copy.data_sm = SmRoot{};
  copy.metadata_sm = SmRoot{};
  encode_superblock(copy, w->data());
  PD_TRY(tm_->inc(sb_.data_mapping_root));
  PD_TRY(tm_->inc(sb_.device_details_root));
  sb_.held_root = w->location();
  return {};
}

Result<void> ThinMetadata::release_metadata_snap() {
  if (auto r = writable(); !r) return r;
  if (!sb_.held_root) return fail(EINVAL, "no metadata snapshot is held");
  uint64_t mapping_root, details_root;
  {
    auto r = tm_->read_lock(sb_.held_root, kSuperblockValidator);
    PD_TRY(r);
    mapping_root = le64(r->data() + kOffMappingRoot);
    details_root = le64(r->data() + kOffDetailsRoot);
  }
  PD_TRY(top_->del(mapping_root));
  PD_TRY(details_tree_->del(details_root));
  PD_TRY(tm_->dec(sb_.held_root));
  sb_.held_root = 0;
  return {};
}

Result<void> ThinMetadata::resize_data(uint64_t nr_blocks) {
  if (auto r = writable(); !r) return r;
  if (nr_blocks < nr_data_blocks())
    return fail(EINVAL, "data device cannot shrink from " + std::to_string(nr_data_blocks()) + " to " +
                            std::to_string(nr_blocks) + " blocks");
  return data_sm_->extend(nr_blocks);
}

Result<void> ThinMetadata::resize_metadata(uint64_t nr_blocks) {
  if (auto r = writable(); !r) return r;
  if (nr_blocks < nr_metadata_blocks())
    return fail(EINVAL, "metadata device cannot shrink from " + std::to_string(nr_metadata_blocks()) + " to " +
                            std::to_string(nr_blocks) + " blocks");
  if (nr_blocks > dev_.nr_blocks())
    return fail(EINVAL, "metadata device has " + std::to_string(dev_.nr_blocks()) + " blocks, not " + std::to_string(nr_blocks));
  if (auto r = meta_sm_->extend(*tm_, nr_blocks); !r) return r;
  sb_.metadata_nr_blocks = nr_blocks;
  return {};
}

Result<void> ThinMetadata::set_needs_check() {
  if (auto r = writable(); !r) return r;
  sb_.flags |= kNeedsCheckFlag;
  return commit();
}

Result<void> ThinMetadata::commit() {
  if (auto r = writable(); !r) return r;
  for (uint32_t dev : deleted_details_) {
    auto r = details_tree_->remove(sb_.device_details_root, dev);
    PD_TRY(r);
    sb_.device_details_root = *r;
  }
  for (uint32_t dev : dirty_details_) {
    uint8_t v[kDetailsSize];
    encode_details(details_[dev], v);
    auto r = details_tree_->insert(sb_.device_details_root, dev, v);
    PD_TRY(r);
    sb_.device_details_root = *r;
  }
  PD_TRY(data_sm_->save(*tm_));
  PD_TRY(meta_sm_->save(*tm_));
  sb_.data_sm = data_sm_->root();
  sb_.metadata_sm = meta_sm_->root(*meta_counts_);
  {
    auto w = bm_->write_lock_zero(0, kSuperblockValidator);
    PD_TRY(w);
    encode_superblock(sb_, w->data());
  }
  // Everything new first; the superblock that points at it last.
  PD_TRY(bm_->flush_dirty(0));
  PD_TRY(bm_->flush_block(0));
  deleted_details_.clear();
  dirty_details_.clear();
  touched_.clear();
  data_sm_->counts().committed();
  meta_counts_->committed();
  tm_->committed();
  bm_->trim();
  return {};
}

}  // namespace udm::pd

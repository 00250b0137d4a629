// dm-thin's pool metadata (the kernel's dm-thin-metadata format): a
// superblock at block 0, a two-level mapping tree (dev_id -> (virtual block
// -> data block << 24 | time)), a device details tree, and the data and
// metadata space maps. Every change is copy-on-write; commit() makes it
// durable atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "base/result.hpp"
#include "persistent_data/block_device.hpp"
#include "persistent_data/block_manager.hpp"
#include "persistent_data/btree.hpp"
#include "persistent_data/sm_disk.hpp"
#include "persistent_data/transaction_manager.hpp"

namespace udm::pd {

inline constexpr uint64_t kThinMagic = 27022010;
inline constexpr uint32_t kThinVersion = 2;
inline constexpr uint32_t kNeedsCheckFlag = 1;
inline constexpr uint32_t kMaxDevId = (1u << 24) - 1;
inline constexpr uint32_t kMinDataBlockSize = 128;      // sectors: 64 KiB
inline constexpr uint32_t kMaxDataBlockSize = 2097152;  // sectors: 1 GiB

struct DeviceDetails {
  uint64_t mapped_blocks = 0;
  uint64_t transaction_id = 0;
  uint32_t creation_time = 0;
  uint32_t snapshotted_time = 0;
};

struct Mapping {
  uint64_t data_block = 0;
  uint32_t time = 0;
  bool shared = false;  // written before the device's last snapshot
};

struct Superblock {
  uint32_t flags = 0;
  uint8_t uuid[16] = {};
  uint32_t version = kThinVersion;
  uint32_t time = 0;
  uint64_t trans_id = 0;
  uint64_t held_root = 0;
  SmRoot data_sm, metadata_sm;
  uint64_t data_mapping_root = 0;
  uint64_t device_details_root = 0;
  uint32_t data_block_size = 0;
  uint32_t metadata_block_size = kSectorsPerBlock;
  uint64_t metadata_nr_blocks = 0;
  uint32_t compat_flags = 0, compat_ro_flags = 0, incompat_flags = 0;
};
void encode_superblock(const Superblock& sb, uint8_t* block);
// Checks magic, version and sizes (the checksum is the block manager's job).
Result<Superblock> decode_superblock(const uint8_t* block);

class ThinMetadata {
 public:
  // Writes a new, empty pool metadata over `dev` and commits it.
  static Result<std::unique_ptr<ThinMetadata>> format(BlockDevice& dev, uint32_t data_block_size,
                                                      uint64_t nr_data_blocks);
  enum class Mode { read_write, read_only };
  // Opens existing metadata; refuses bad metadata without writing. Metadata
  // with the needs_check flag opens only read-only (as the kernel's pool
  // then runs read-only); read-only refuses every change with EROFS.
  static Result<std::unique_ptr<ThinMetadata>> open(BlockDevice& dev, Mode mode = Mode::read_write);
  ~ThinMetadata();

  Result<void> create_thin(uint32_t dev);
  Result<void> create_snap(uint32_t dev, uint32_t origin);
  Result<void> delete_device(uint32_t dev);
  std::vector<uint32_t> devices() const;
  Result<DeviceDetails> details(uint32_t dev) const;

  Result<std::optional<Mapping>> lookup(uint32_t dev, uint64_t vblock);
  Result<uint64_t> alloc_data_block();
  // Gives back a block from alloc_data_block() that was never inserted
  // (the write that was to fill it failed).
  Result<void> release_data_block(uint64_t data_block);
  // Maps vblock to an allocated data block (takes over its reference);
  // a previous mapping's block is released.
  Result<void> insert_block(uint32_t dev, uint64_t vblock, uint64_t data_block);
  // alloc_data_block + insert_block.
  Result<uint64_t> provision(uint32_t dev, uint64_t vblock);
  Result<bool> remove_block(uint32_t dev, uint64_t vblock);
  Result<void> walk_mappings(uint32_t dev, const std::function<Result<void>(uint64_t, const Mapping&)>& fn);

  uint64_t transaction_id() const { return sb_.trans_id; }
  Result<void> set_transaction_id(uint64_t old_id, uint64_t new_id);
  Result<void> reserve_metadata_snap();
  Result<void> release_metadata_snap();
  uint64_t held_root() const { return sb_.held_root; }

  uint64_t data_block_size() const { return sb_.data_block_size; }
  uint64_t nr_data_blocks() const { return data_sm_->counts().nr_blocks(); }
  uint64_t used_data_blocks() const { return data_sm_->counts().nr_allocated(); }
  uint64_t nr_metadata_blocks() const { return meta_counts_->nr_blocks(); }
  uint64_t used_metadata_blocks() const { return meta_counts_->nr_allocated(); }
  Result<uint32_t> data_block_count(uint64_t b) const { return data_sm_->counts().get(b); }
  Result<uint32_t> metadata_block_count(uint64_t b) const { return meta_counts_->get(b); }

  Result<void> resize_data(uint64_t nr_blocks);
  Result<void> resize_metadata(uint64_t nr_blocks);
  bool needs_check() const { return sb_.flags & kNeedsCheckFlag; }
  Result<void> set_needs_check();

  Result<void> commit();

  // Recounts every reference from the trees on disk (metadata blocks and
  // data blocks) and compares with both space maps, like thin_check does for
  // metadata. Call right after commit() or open().
  Result<void> verify();

 private:
  ThinMetadata(BlockDevice& dev);
  void make_trees();
  Result<void> usable() const;
  Result<void> writable() const;
  Result<uint64_t> subtree_root(uint32_t dev);
  // Shadows the top-level path to dev's entry before its subtree changes, so
  // a top-level leaf shared with a metadata snapshot is copied first.
  Result<void> touch_top(uint32_t dev, uint64_t subroot);
  Result<void> load_details();

  BlockDevice& dev_;
  std::unique_ptr<BlockManager> bm_;
  std::unique_ptr<RefCounts> meta_counts_;
  std::unique_ptr<TransactionManager> tm_;
  friend class Verifier;
  std::unique_ptr<MetadataSpaceMap> meta_sm_;
  std::unique_ptr<DataSpaceMap> data_sm_;
  std::unique_ptr<BTree> top_, sub_, details_tree_;
  Superblock sb_;
  std::map<uint32_t, DeviceDetails> details_;
  std::set<uint32_t> dirty_details_, deleted_details_;
  // Devices whose top-level path is already this transaction's own copy:
  // top-level nodes only become shared at a commit (metadata snapshot).
  std::set<uint32_t> touched_;
  bool failed_ = false;
  bool read_only_ = false;
};

}  // namespace udm::pd

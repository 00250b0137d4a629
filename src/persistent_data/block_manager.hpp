// Block manager: a cache of 4 KiB metadata blocks over a BlockDevice, each
// block checked by a validator (block number and checksum) when read and
// checksummed when written. Read locks may be shared; a write lock is
// exclusive, so code cannot change a block another path is still reading.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "persistent_data/block_device.hpp"

namespace udm::pd {

// Every checksummed block type starts with le32 csum, le32 flags/pad,
// le64 blocknr; the checksum covers the block from byte 4.
struct Validator {
  const char* name;
  uint32_t salt;
};
inline constexpr Validator kSuperblockValidator{"superblock", 160774};
inline constexpr Validator kBtreeValidator{"btree node", 121107};
inline constexpr Validator kBitmapValidator{"space map bitmap", 240779};
inline constexpr Validator kIndexValidator{"space map index", 160478};

// Checks a raw block: right block number, right checksum.
Result<void> check_block(const uint8_t* data, uint64_t location, const Validator& v);
// Stamps block number and checksum into a block about to be written.
void seal_block(uint8_t* data, uint64_t location, const Validator& v);

class BlockManager;

struct CachedBlock {
  std::vector<uint8_t> data;
  const Validator* validator = nullptr;
  bool dirty = false;
  int readers = 0;
  bool writer = false;
};

class ReadRef {
 public:
  ReadRef() = default;
  ReadRef(CachedBlock* b, uint64_t loc) : b_(b), loc_(loc) { ++b_->readers; }
  ReadRef(ReadRef&& o) noexcept : b_(o.b_), loc_(o.loc_) { o.b_ = nullptr; }
  ReadRef& operator=(ReadRef&& o) noexcept {
    if (this != &o) { release(); b_ = o.b_; loc_ = o.loc_; o.b_ = nullptr; }
    return *this;
  }
  ~ReadRef() { release(); }
  const uint8_t* data() const { return b_->data.data(); }
  uint64_t location() const { return loc_; }

 private:
  void release() { if (b_) --b_->readers; b_ = nullptr; }
  CachedBlock* b_ = nullptr;
  uint64_t loc_ = 0;
};

class WriteRef {
 public:
  WriteRef() = default;
  WriteRef(CachedBlock* b, uint64_t loc) : b_(b), loc_(loc) { b_->writer = true; b_->dirty = true; }
  WriteRef(WriteRef&& o) noexcept : b_(o.b_), loc_(o.loc_) { o.b_ = nullptr; }
  WriteRef& operator=(WriteRef&& o) noexcept {
    if (this != &o) { release(); b_ = o.b_; loc_ = o.loc_; o.b_ = nullptr; }
    return *this;
  }
  ~WriteRef() { release(); }
  uint8_t* data() const { return b_->data.data(); }
  uint64_t location() const { return loc_; }

 private:
  void release() { if (b_) b_->writer = false; b_ = nullptr; }
  CachedBlock* b_ = nullptr;
  uint64_t loc_ = 0;
};

class BlockManager {
 public:
  explicit BlockManager(BlockDevice& dev, size_t cache_limit = 16384) : dev_(dev), cache_limit_(cache_limit) {}
  uint64_t nr_blocks() const { return dev_.nr_blocks(); }

  Result<ReadRef> read_lock(uint64_t b, const Validator& v);
  Result<WriteRef> write_lock(uint64_t b, const Validator& v);
  // A block whose old contents do not matter: zeroed, not read from disk.
  Result<WriteRef> write_lock_zero(uint64_t b, const Validator& v);

  // Writes every dirty block except `except` (the superblock), then flushes.
  Result<void> flush_dirty(uint64_t except);
  // Writes one dirty block now and flushes (the superblock, last in a commit).
  Result<void> flush_block(uint64_t b);
  // Drops dirty blocks without writing them (an aborted transaction).
  void drop_dirty();
  // Drops clean blocks when the cache holds more than its limit.
  void trim();
  size_t cached() const { return cache_.size(); }

 private:
  Result<CachedBlock*> get(uint64_t b, const Validator& v, bool zero);
  BlockDevice& dev_;
  size_t cache_limit_;
  std::unordered_map<uint64_t, std::unique_ptr<CachedBlock>> cache_;
};

}  // namespace udm::pd

// dm-verity's hash tree: geometry, salted digests, and verification of a data
// block up to the root digest.
//
// Layout on the hash device, as the kernel reads it: the top level (one block)
// at hash_start, then each lower level; the leaves (digests of data blocks)
// last. A hash block holds 2^bits digests, bits = floor(log2(hbs / digest)).
// Version 1 gives each digest a slot of hbs >> bits bytes and hashes
// salt ‖ block; version 0 packs digests and hashes block ‖ salt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"

typedef struct evp_md_st EVP_MD;

namespace udm::verity {

struct VerityParams {
  unsigned version = 1;
  std::uint32_t data_block_size = 4096, hash_block_size = 4096;
  std::uint64_t data_blocks = 0;
  std::uint64_t hash_start = 0;  // in hash blocks: where the top level is
  std::string algorithm = "sha256";
  std::vector<std::uint8_t> root_digest;
  std::vector<std::uint8_t> salt;
};

class HashTree {
 public:
  static Result<HashTree> create(VerityParams params);
  HashTree(HashTree&& other) noexcept;
  HashTree& operator=(HashTree&&) = delete;
  ~HashTree();

  const VerityParams& params() const { return p_; }
  unsigned digest_size() const { return digest_size_; }
  unsigned levels() const { return levels_; }
  unsigned per_block_bits() const { return bits_; }
  // Bytes between digests in a hash block (version 1: a power of two).
  std::size_t slot_bytes() const { return p_.version == 1 ? p_.hash_block_size >> bits_ : digest_size_; }
  // First hash block of `level` (0 = leaves).
  std::uint64_t level_start(unsigned level) const { return level_start_[level]; }
  // First hash block after the tree.
  std::uint64_t hash_end() const { return hash_end_; }

  // The hash block covering data block `block` at `level`, and the digest's index in it.
  std::uint64_t hash_block_of(std::uint64_t block, unsigned level, unsigned* index) const;
  // The salted digest of `length` bytes into `out` (digest_size() bytes).
  bool digest(const std::byte* data, std::size_t length, std::uint8_t* out) const;
  // The digest of a data block of zeros (ignore_zero_blocks).
  const std::vector<std::uint8_t>& zero_digest() const { return zero_digest_; }

 private:
  HashTree() = default;
  VerityParams p_;
  EVP_MD* md_ = nullptr;
  unsigned digest_size_ = 0, bits_ = 0, levels_ = 0;
  std::vector<std::uint64_t> level_start_;
  std::uint64_t hash_end_ = 0;
  std::vector<std::uint8_t> zero_digest_;
};

// Verifies data blocks against a tree, reading hash blocks through a callback
// (synchronous: call it from a worker thread). Verified hash blocks are kept
// in an LRU cache of at most `cache_blocks`. Thread-safe.
class Verifier {
 public:
  // Reads hash block `index` (hash_block_size bytes) into `out`: 0 or -errno.
  using ReadHashBlock = std::function<int(std::uint64_t index, std::byte* out)>;
  enum class Outcome { ok, zero, corrupt, io_error };

  Verifier(const HashTree& tree, ReadHashBlock read, std::size_t cache_blocks = 1024);

  // Checks `data` (data_block_size bytes) as data block `block`. `zero`: the
  // tree names the zero block's digest and ignore_zero_blocks is on (the
  // caller then returns zeros). `corrupt_level` tells where it failed (-1: the data).
  Outcome verify(std::uint64_t block, const std::byte* data, bool ignore_zero, int* corrupt_level = nullptr);

  std::size_t cached() const;

  // The asynchronous path (the verity target reads hash blocks itself and
  // hashes on the worker pool): a verified hash block's contents from the
  // cache (hash_block_size bytes into out), or false when it is not cached.
  bool copy_cached(std::uint64_t hash_block, std::byte* out);
  // Checks a hash block just read against `want` (its digest in the level
  // above) and caches it when it matches: ok, corrupt, or io_error (the
  // digest could not be computed).
  Outcome check_and_cache(std::uint64_t hash_block, const std::byte* block, const std::uint8_t* want);

 private:
  void insert(std::uint64_t hash_block, std::vector<std::uint8_t> block);
  // The digest `index` of verified hash block `hash_block`, checked against `want`.
  Outcome hash_block_digest(std::uint64_t hash_block, const std::uint8_t* want, unsigned index, std::uint8_t* out);

  const HashTree& tree_;
  ReadHashBlock read_;
  std::size_t cache_blocks_;
  mutable std::mutex lock_;
  std::list<std::uint64_t> lru_;  // most recent first
  struct Entry {
    std::vector<std::uint8_t> block;
    std::list<std::uint64_t>::iterator pos;
  };
  std::unordered_map<std::uint64_t, Entry> cache_;
};

}  // namespace udm::verity

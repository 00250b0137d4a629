// B-trees in dm-btree's on-disk node format: a 32-byte header (csum, flags,
// blocknr, nr_entries, max_entries, value_size, padding), then max_entries
// le64 keys, then max_entries values. Internal nodes hold le64 child block
// numbers; parent key i is the lowest key under child i. Every change is
// copy-on-write through the transaction manager and returns the new root.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_set>
#include <vector>

#include "base/result.hpp"
#include "persistent_data/transaction_manager.hpp"

namespace udm::pd {

inline constexpr uint32_t kNodeHeader = 32;
inline constexpr uint32_t kInternalNode = 1;
inline constexpr uint32_t kLeafNode = 2;

// Entries per node for a value size: as many as fit, rounded down to a multiple of 3.
constexpr uint32_t btree_max_entries(uint32_t value_size) {
  return (kBlockSize - kNodeHeader) / (8 + value_size) / 3 * 3;
}

// How the values of a tree hold references: inc when a shared leaf is copied,
// dec when a value is removed, overwritten or its tree deleted.
struct ValueType {
  uint32_t size = 8;
  std::function<Result<void>(const uint8_t*)> inc;
  std::function<Result<void>(const uint8_t*)> dec;
};

// Checks a node's header and key order; `value_size` is the tree's leaf value size.
Result<void> check_node(const uint8_t* node, uint64_t location, uint32_t value_size);

class BTree {
 public:
  BTree(TransactionManager& tm, ValueType vt) : tm_(tm), vt_(std::move(vt)) {}
  const ValueType& value_type() const { return vt_; }

  Result<uint64_t> create();
  Result<std::optional<std::vector<uint8_t>>> lookup(uint64_t root, uint64_t key);
  // Inserts or overwrites. The tree takes over the caller's reference in
  // `value`; an overwritten value is dec'd unless dec_old is false.
  Result<uint64_t> insert(uint64_t root, uint64_t key, const uint8_t* value, bool dec_old = true,
                          bool* inserted = nullptr);
  Result<uint64_t> remove(uint64_t root, uint64_t key, bool* removed = nullptr);
  // In key order. Refuses a node seen twice or a tree deeper than 32 levels.
  Result<void> walk(uint64_t root, const std::function<Result<void>(uint64_t, const uint8_t*)>& fn);
  // Drops this reference to the tree, freeing what no one else shares.
  Result<void> del(uint64_t root);

 private:
  Result<WriteRef> shadow_node(uint64_t b);
  Result<void> inc_children(const uint8_t* node);
  Result<void> split_beneath(WriteRef& root);
  Result<WriteRef> split_sibling(uint8_t* parent, uint32_t index, WriteRef& child);
  Result<uint64_t> remove_rec(uint64_t b, uint64_t key, bool& removed, int depth);
  Result<void> rebalance(uint8_t* parent, uint32_t index);
  // Node b checked and copied out, its read lock already dropped.
  Result<std::vector<uint8_t>> read_node_copy(uint64_t b);
  Result<void> walk_rec(uint64_t b, int depth, std::unordered_set<uint64_t>& seen,
                        const std::function<Result<void>(uint64_t, const uint8_t*)>& fn);
  Result<void> del_rec(uint64_t b, int depth);

  TransactionManager& tm_;
  ValueType vt_;
};

// u64 values that are plain numbers (no references).
inline ValueType plain_value(uint32_t size) { return ValueType{size, {}, {}}; }

}  // namespace udm::pd

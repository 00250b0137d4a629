// Transaction manager: copy-on-write over the block manager. A block of the
// last committed transaction is never written: the first write to it in a
// transaction goes to a shadow copy at a newly allocated block, and later
// writes in the same transaction go to that shadow in place.
#pragma once

#include <cstdint>
#include <unordered_set>

#include "base/result.hpp"
#include "persistent_data/block_manager.hpp"
#include "persistent_data/space_map.hpp"

namespace udm::pd {

class TransactionManager {
 public:
  TransactionManager(BlockManager& bm, RefCounts& metadata_sm) : bm_(bm), sm_(metadata_sm) {}

  BlockManager& bm() { return bm_; }
  RefCounts& sm() { return sm_; }

  Result<ReadRef> read_lock(uint64_t b, const Validator& v) { return bm_.read_lock(b, v); }
  // A new zeroed block with count 1.
  Result<WriteRef> new_block(const Validator& v);
  // A writable version of b. `shared` tells the caller the original had more
  // than one reference: the copy's children must have their counts raised.
  Result<WriteRef> shadow(uint64_t b, const Validator& v, bool& shared);

  Result<void> inc(uint64_t b) { return sm_.inc(b); }
  Result<void> dec(uint64_t b) { return sm_.dec(b); }
  Result<uint32_t> ref(uint64_t b) const { return sm_.get(b); }

  // After a commit: every block is part of the committed transaction.
  void committed() { fresh_.clear(); }
  bool is_fresh(uint64_t b) const { return fresh_.count(b) != 0; }

 private:
  BlockManager& bm_;
  RefCounts& sm_;
  std::unordered_set<uint64_t> fresh_;  // allocated in this transaction
};

}  // namespace udm::pd

#include "persistent_data/transaction_manager.hpp"

#include <cstring>

namespace udm::pd {

Result<WriteRef> TransactionManager::new_block(const Validator& v) {
  auto b = sm_.alloc();
  if (!b) return fail(b.error());
  fresh_.insert(*b);
  return bm_.write_lock_zero(*b, v);
}

Result<WriteRef> TransactionManager::shadow(uint64_t b, const Validator& v, bool& shared) {
  auto count = sm_.get(b);
  if (!count) return fail(count.error());
  if (*count == 0) return fail(EINVAL, std::string(v.name) + " at block " + std::to_string(b) + " is not allocated");
  shared = *count > 1;
  if (fresh_.count(b) && !shared) return bm_.write_lock(b, v);
  auto orig = bm_.read_lock(b, v);
  if (!orig) return fail(orig.error());
  auto copy = new_block(v);
  if (!copy) return fail(copy.error());
  std::memcpy(copy->data(), orig->data(), kBlockSize);
  orig = ReadRef();
  if (auto r = sm_.dec(b); !r) return fail(r.error());
  return copy;
}

}  // namespace udm::pd

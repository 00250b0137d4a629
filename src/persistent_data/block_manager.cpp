#include "persistent_data/block_manager.hpp"

#include <algorithm>
#include <cstring>

#include "persistent_data/checksum.hpp"
#include "persistent_data/endian.hpp"

namespace udm::pd {

Result<void> check_block(const uint8_t* data, uint64_t location, const Validator& v) {
  uint64_t blocknr = le64(data + 8);
  if (blocknr != location)
    return fail(EILSEQ, std::string(v.name) + " at block " + std::to_string(location) +
                            " says it is block " + std::to_string(blocknr));
  uint32_t want = dm_checksum(data + 4, kBlockSize - 4, v.salt);
  if (le32(data) != want)
    return fail(EILSEQ, std::string(v.name) + " at block " + std::to_string(location) + " has a bad checksum");
  return {};
}

void seal_block(uint8_t* data, uint64_t location, const Validator& v) {
  put_le64(data + 8, location);
  put_le32(data, dm_checksum(data + 4, kBlockSize - 4, v.salt));
}

Result<CachedBlock*> BlockManager::get(uint64_t b, const Validator& v, bool zero) {
  if (b >= dev_.nr_blocks())
    return fail(EINVAL, std::string(v.name) + " block " + std::to_string(b) + " is past the end of the metadata device (" +
                            std::to_string(dev_.nr_blocks()) + " blocks)");
  auto it = cache_.find(b);
  if (it != cache_.end()) {
    CachedBlock* c = it->second.get();
    if (zero) {
      std::fill(c->data.begin(), c->data.end(), 0);
      c->validator = &v;
    } else if (c->validator != &v && !c->dirty) {
      // Same bytes read as another type: check them as this type too.
      if (auto r = check_block(c->data.data(), b, v); !r) return fail(r.error());
      c->validator = &v;
    }
    return c;
  }
  auto c = std::make_unique<CachedBlock>();
  c->data.assign(kBlockSize, 0);
  c->validator = &v;
  if (!zero) {
    if (auto r = dev_.read(b, c->data.data()); !r) return fail(r.error());
    if (auto r = check_block(c->data.data(), b, v); !r) return fail(r.error());
  }
  CachedBlock* p = c.get();
  cache_.emplace(b, std::move(c));
  return p;
}

Result<ReadRef> BlockManager::read_lock(uint64_t b, const Validator& v) {
  auto c = get(b, v, false);
  if (!c) return fail(c.error());
  if ((*c)->writer) return fail(EDEADLK, "block " + std::to_string(b) + " is write-locked");
  return ReadRef(*c, b);
}

Result<WriteRef> BlockManager::write_lock(uint64_t b, const Validator& v) {
  auto c = get(b, v, false);
  if (!c) return fail(c.error());
  if ((*c)->writer || (*c)->readers) return fail(EDEADLK, "block " + std::to_string(b) + " is locked");
  (*c)->validator = &v;
  return WriteRef(*c, b);
}

Result<WriteRef> BlockManager::write_lock_zero(uint64_t b, const Validator& v) {
  auto it = cache_.find(b);
  if (it != cache_.end() && (it->second->writer || it->second->readers))
    return fail(EDEADLK, "block " + std::to_string(b) + " is locked");
  auto c = get(b, v, true);
  if (!c) return fail(c.error());
  return WriteRef(*c, b);
}

Result<void> BlockManager::flush_dirty(uint64_t except) {
  std::vector<uint64_t> order;
  for (auto& [b, c] : cache_)
    if (c->dirty && b != except) order.push_back(b);
  std::sort(order.begin(), order.end());
  for (uint64_t b : order) {
    CachedBlock& c = *cache_[b];
    seal_block(c.data.data(), b, *c.validator);
    if (auto r = dev_.write(b, c.data.data()); !r) return r;
    c.dirty = false;
  }
  return dev_.flush();
}

Result<void> BlockManager::flush_block(uint64_t b) {
  auto it = cache_.find(b);
  if (it == cache_.end() || !it->second->dirty) return {};
  CachedBlock& c = *it->second;
  seal_block(c.data.data(), b, *c.validator);
  if (auto r = dev_.write(b, c.data.data()); !r) return r;
  c.dirty = false;
  return dev_.flush();
}

void BlockManager::drop_dirty() {
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second->dirty && !it->second->readers && !it->second->writer) it = cache_.erase(it);
    else ++it;
  }
}

void BlockManager::trim() {
  if (cache_.size() <= cache_limit_) return;
  for (auto it = cache_.begin(); it != cache_.end() && cache_.size() > cache_limit_ / 2;) {
    const CachedBlock& c = *it->second;
    if (!c.dirty && !c.readers && !c.writer) it = cache_.erase(it);
    else ++it;
  }
}

}  // namespace udm::pd

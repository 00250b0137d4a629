#include "verity/hash_tree.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace udm::verity {
namespace {
unsigned floor_log2(std::uint64_t v) {
  unsigned r = 0;
  while (v >>= 1) ++r;
  return r;
}
}  // namespace

Result<HashTree> HashTree::create(VerityParams p) {
  HashTree t;
  if (p.version > 1) return fail(EINVAL, "Invalid version");
  t.md_ = EVP_MD_fetch(nullptr, p.algorithm.c_str(), nullptr);
  if (!t.md_) return fail(EINVAL, "Cannot initialize hash function: '" + p.algorithm + "' is not available");
  t.digest_size_ = static_cast<unsigned>(EVP_MD_get_size(t.md_));
  t.p_ = std::move(p);
  const VerityParams& q = t.p_;
  if (q.root_digest.size() != t.digest_size_) return fail(EINVAL, "Invalid root digest");
  if (t.digest_size_ * 2 > q.hash_block_size) return fail(EINVAL, "Digest size too big");
  t.bits_ = floor_log2(q.hash_block_size / t.digest_size_);
  // The fewest levels whose fan-out covers every data block (0 for one block:
  // then the root digest is that block's own digest).
  while (t.levels_ * t.bits_ < 64 && q.data_blocks && ((q.data_blocks - 1) >> (t.bits_ * t.levels_))) ++t.levels_;
  if (t.levels_ > 63) return fail(EINVAL, "Too many tree levels");
  t.level_start_.assign(t.levels_, 0);
  std::uint64_t pos = q.hash_start;
  for (int i = static_cast<int>(t.levels_) - 1; i >= 0; --i) {
    t.level_start_[i] = pos;
    unsigned shift = static_cast<unsigned>(i + 1) * t.bits_;
    std::uint64_t blocks = shift >= 64 ? 1 : ((q.data_blocks - 1) >> shift) + 1;
    if (pos + blocks < pos) return fail(EINVAL, "Hash device offset overflow");
    pos += blocks;
  }
  t.hash_end_ = pos;
  std::vector<std::byte> zeros(q.data_block_size);
  t.zero_digest_.resize(t.digest_size_);
  if (!t.digest(zeros.data(), zeros.size(), t.zero_digest_.data()))
    return fail(EINVAL, "Cannot initialize hash function");
  return t;
}

HashTree::HashTree(HashTree&& o) noexcept
    : p_(std::move(o.p_)), md_(o.md_), digest_size_(o.digest_size_), bits_(o.bits_), levels_(o.levels_),
      level_start_(std::move(o.level_start_)), hash_end_(o.hash_end_), zero_digest_(std::move(o.zero_digest_)) {
  o.md_ = nullptr;
}

HashTree::~HashTree() { EVP_MD_free(md_); }

std::uint64_t HashTree::hash_block_of(std::uint64_t block, unsigned level, unsigned* index) const {
  if (index) *index = static_cast<unsigned>((block >> (level * bits_)) & ((1u << bits_) - 1));
  unsigned shift = (level + 1) * bits_;
  return level_start_[level] + (shift >= 64 ? 0 : block >> shift);
}

bool HashTree::digest(const std::byte* data, std::size_t length, std::uint8_t* out) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md_, nullptr) != 1) return false;
  const bool salt_first = p_.version == 1;
  if (salt_first && !p_.salt.empty() && EVP_DigestUpdate(ctx.get(), p_.salt.data(), p_.salt.size()) != 1) return false;
  if (EVP_DigestUpdate(ctx.get(), data, length) != 1) return false;
  if (!salt_first && !p_.salt.empty() && EVP_DigestUpdate(ctx.get(), p_.salt.data(), p_.salt.size()) != 1)
    return false;
  unsigned n = 0;
  return EVP_DigestFinal_ex(ctx.get(), out, &n) == 1;
}

Verifier::Verifier(const HashTree& tree, ReadHashBlock read, std::size_t cache_blocks)
    : tree_(tree), read_(std::move(read)), cache_blocks_(cache_blocks ? cache_blocks : 1) {}

std::size_t Verifier::cached() const {
  std::lock_guard g(lock_);
  return cache_.size();
}

Verifier::Outcome Verifier::hash_block_digest(std::uint64_t hash_block, const std::uint8_t* want, unsigned index,
                                              std::uint8_t* out) {
  const unsigned d = tree_.digest_size();
  const std::size_t at = index * tree_.slot_bytes();
  {
    std::lock_guard g(lock_);
    auto it = cache_.find(hash_block);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.pos);
      std::memcpy(out, it->second.block.data() + at, d);
      return Outcome::ok;
    }
  }
  const std::size_t hbs = tree_.params().hash_block_size;
  std::vector<std::uint8_t> block(hbs);
  if (read_(hash_block, reinterpret_cast<std::byte*>(block.data())) < 0) return Outcome::io_error;
  std::uint8_t got[EVP_MAX_MD_SIZE];
  if (!tree_.digest(reinterpret_cast<const std::byte*>(block.data()), hbs, got)) return Outcome::io_error;
  if (std::memcmp(got, want, d) != 0) return Outcome::corrupt;
  std::memcpy(out, block.data() + at, d);
  insert(hash_block, std::move(block));
  return Outcome::ok;
}

void Verifier::insert(std::uint64_t hash_block, std::vector<std::uint8_t> block) {
  std::lock_guard g(lock_);
  if (cache_.count(hash_block)) return;
  if (cache_.size() >= cache_blocks_) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(hash_block);
  cache_.emplace(hash_block, Entry{std::move(block), lru_.begin()});
}

bool Verifier::copy_cached(std::uint64_t hash_block, std::byte* out) {
  std::lock_guard g(lock_);
  auto it = cache_.find(hash_block);
  if (it == cache_.end()) return false;
  lru_.splice(lru_.begin(), lru_, it->second.pos);
  std::memcpy(out, it->second.block.data(), it->second.block.size());
  return true;
}

Verifier::Outcome Verifier::check_and_cache(std::uint64_t hash_block, const std::byte* block, const std::uint8_t* want) {
  const std::size_t hbs = tree_.params().hash_block_size;
  std::uint8_t got[EVP_MAX_MD_SIZE];
  if (!tree_.digest(block, hbs, got)) return Outcome::io_error;
  if (std::memcmp(got, want, tree_.digest_size()) != 0) return Outcome::corrupt;
  const auto* p = reinterpret_cast<const std::uint8_t*>(block);
  insert(hash_block, std::vector<std::uint8_t>(p, p + hbs));
  return Outcome::ok;
}

Verifier::Outcome Verifier::verify(std::uint64_t block, const std::byte* data, bool ignore_zero, int* corrupt_level) {
  const unsigned d = tree_.digest_size();
  std::uint8_t want[EVP_MAX_MD_SIZE], next[EVP_MAX_MD_SIZE];
  std::memcpy(want, tree_.params().root_digest.data(), d);
  for (int level = static_cast<int>(tree_.levels()) - 1; level >= 0; --level) {
    unsigned index = 0;
    std::uint64_t hb = tree_.hash_block_of(block, static_cast<unsigned>(level), &index);
    Outcome o = hash_block_digest(hb, want, index, next);
    if (o != Outcome::ok) {
      if (corrupt_level) *corrupt_level = level;
      return o;
    }
    std::memcpy(want, next, d);
  }
  if (ignore_zero && std::memcmp(want, tree_.zero_digest().data(), d) == 0) return Outcome::zero;
  std::uint8_t got[EVP_MAX_MD_SIZE];
  if (!tree_.digest(data, tree_.params().data_block_size, got)) return Outcome::io_error;
  if (std::memcmp(got, want, d) != 0) {
    if (corrupt_level) *corrupt_level = -1;
    return Outcome::corrupt;
  }
  return Outcome::ok;
}

}  // namespace udm::verity

#include "crypt/bounce_pool.hpp"

#include <cstdlib>

namespace udm::crypt {
namespace {
constexpr std::size_t MIN_SIZE = 4096;

// Size class index, or CLASSES when the buffer is too big to keep.
std::size_t class_of(std::size_t length, std::size_t classes) {
  std::size_t c = 0;
  for (std::size_t size = MIN_SIZE; size < length; size <<= 1) ++c;
  return c < classes ? c : classes;
}
}  // namespace

BouncePool::~BouncePool() {
  for (auto& list : free_)
    for (std::byte* b : list) std::free(b);
}

std::byte* BouncePool::get(std::size_t length) noexcept {
  std::size_t c = class_of(length, CLASSES);
  if (c < CLASSES) {
    std::lock_guard g(lock_);
    if (!free_[c].empty()) {
      std::byte* b = free_[c].back();
      free_[c].pop_back();
      return b;
    }
  }
  std::size_t size = c < CLASSES ? MIN_SIZE << c : (length + MIN_SIZE - 1) / MIN_SIZE * MIN_SIZE;
  return static_cast<std::byte*>(std::aligned_alloc(MIN_SIZE, size));
}

void BouncePool::put(std::byte* buffer, std::size_t length) noexcept {
  if (!buffer) return;
  std::size_t c = class_of(length, CLASSES);
  if (c < CLASSES) {
    std::lock_guard g(lock_);
    if (free_[c].size() < KEEP) {
      free_[c].push_back(buffer);
      return;
    }
  }
  std::free(buffer);
}

}  // namespace udm::crypt

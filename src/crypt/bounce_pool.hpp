// Buffers for the ciphertext of writes, recycled by power-of-two size class
// (4 KiB .. 4 MiB) so a stream of 1 MiB writes reuses warm pages instead of
// mapping fresh ones. Page-aligned, for O_DIRECT backing files.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

namespace udm::crypt {

class BouncePool {
 public:
  BouncePool() = default;
  ~BouncePool();
  BouncePool(const BouncePool&) = delete;
  BouncePool& operator=(const BouncePool&) = delete;

  std::byte* get(std::size_t length) noexcept;        // null when out of memory
  void put(std::byte* buffer, std::size_t length) noexcept;

 private:
  static constexpr std::size_t CLASSES = 11;  // 4 KiB << 0..10
  static constexpr std::size_t KEEP = 8;      // buffers kept per class
  std::mutex lock_;
  std::vector<std::byte*> free_[CLASSES];
};

}  // namespace udm::crypt

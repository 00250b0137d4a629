// A heap buffer aligned for O_DIRECT backing devices (4096 bytes), reused
// across requests: grow() reallocates only when a larger size is asked for.
// Buffers of MMAP_THRESHOLD and more are mapped directly, so freeing one
// gives the memory back to the system at once (malloc would keep it in its
// heap after a burst of large requests).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <sys/mman.h>
#include <utility>

namespace udm::exports {

class AlignedBuffer {
 public:
  static constexpr std::size_t ALIGNMENT = 4096;
  static constexpr std::size_t MMAP_THRESHOLD = 1 << 20;

  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t size) { grow(size); }
  ~AlignedBuffer() { reset(); }
  AlignedBuffer(AlignedBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), capacity_(std::exchange(o.capacity_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(capacity_, o.capacity_);
    return *this;
  }

  // Makes room for `size` bytes; contents are not kept. False when out of memory.
  bool grow(std::size_t size) {
    if (size <= capacity_) return true;
    std::size_t rounded = (size + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
    void* p;
    if (rounded >= MMAP_THRESHOLD) {
      p = ::mmap(nullptr, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return false;
    } else {
      p = std::aligned_alloc(ALIGNMENT, rounded);
      if (!p) return false;
    }
    reset();
    data_ = static_cast<std::byte*>(p);
    capacity_ = rounded;
    return true;
  }

  // Frees the memory now.
  void reset() {
    if (capacity_ >= MMAP_THRESHOLD) ::munmap(data_, capacity_);
    else std::free(data_);
    data_ = nullptr;
    capacity_ = 0;
  }

  std::byte* data() const { return data_; }
  std::size_t capacity() const { return capacity_; }

 private:
  std::byte* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace udm::exports

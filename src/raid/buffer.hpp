// Page-aligned, zeroed buffers for I/O the raid set does itself: backing
// files are buffered today, but a backing opened O_DIRECT wants aligned memory.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

namespace udm::raid {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::size_t size) : size_(size) {
    void* p = nullptr;
    if (size && ::posix_memalign(&p, 4096, (size + 4095) / 4096 * 4096) != 0) std::abort();
    if (p) std::memset(p, 0, size);
    data_.reset(static_cast<std::byte*>(p));
  }
  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::span<std::byte> span() { return {data_.get(), size_}; }
  std::span<const std::byte> span() const { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> data_;
  std::size_t size_ = 0;
};

}  // namespace udm::raid

// A RAM-backed device for tests: completes inline, can be told to fail.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "io/block_device.hpp"

namespace udm::io {

class MemoryDevice final : public BlockDevice {
 public:
  explicit MemoryDevice(byte_count size, std::string name = "mem");

  byte_count size() const override { return bytes_.size(); }
  void submit(Request* request) override;
  std::string table_name() const override { return name_; }
  DevNo devno() const override { return devno_; }
  void set_devno(DevNo d) { devno_ = d; }
  // Discards and write-zeroes clear the bytes.
  DeviceLimits limits() const override { return {.discard_granularity = 512, .write_zeroes = true}; }

  // Every later request fails with this errno (0 heals the device).
  void fail_with(int error) { fail_errno_.store(error); }

  std::byte* raw() { return bytes_.data(); }
  std::uint64_t completed() const { return completed_.load(); }

 private:
  std::string name_;
  DevNo devno_{};
  std::vector<std::byte> bytes_;
  std::mutex lock_;
  std::atomic<int> fail_errno_{0};
  std::atomic<std::uint64_t> completed_{0};
};

}  // namespace udm::io

// Where metadata blocks live: 4 KiB blocks addressed by number.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace udm::pd {

inline constexpr uint32_t kBlockSize = 4096;
inline constexpr uint32_t kSectorsPerBlock = kBlockSize / 512;

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;
  virtual uint64_t nr_blocks() const = 0;
  virtual Result<void> read(uint64_t block, uint8_t* out) = 0;
  virtual Result<void> write(uint64_t block, const uint8_t* data) = 0;
  virtual Result<void> flush() = 0;
};

// A file or block device, read and written with pread/pwrite, flushed with fdatasync.
class FileBlockDevice : public BlockDevice {
 public:
  static Result<std::unique_ptr<FileBlockDevice>> open(const std::string& path, bool writable);
  ~FileBlockDevice() override;
  uint64_t nr_blocks() const override { return nr_blocks_; }
  Result<void> read(uint64_t block, uint8_t* out) override;
  Result<void> write(uint64_t block, const uint8_t* data) override;
  Result<void> flush() override;

 private:
  FileBlockDevice(int fd, std::string path, uint64_t nr) : fd_(fd), path_(std::move(path)), nr_blocks_(nr) {}
  int fd_;
  std::string path_;
  uint64_t nr_blocks_;
};

// In memory, for tests. Unwritten blocks read as zeroes. A "crash" can be
// simulated: after crash_after_writes(n), only the first n more writes land
// and every later write and flush is silently dropped.
class MemoryBlockDevice : public BlockDevice {
 public:
  explicit MemoryBlockDevice(uint64_t nr_blocks) : nr_blocks_(nr_blocks) {}
  uint64_t nr_blocks() const override { return nr_blocks_; }
  void set_nr_blocks(uint64_t n) { nr_blocks_ = n; }
  Result<void> read(uint64_t block, uint8_t* out) override;
  Result<void> write(uint64_t block, const uint8_t* data) override;
  Result<void> flush() override { return {}; }
  void crash_after_writes(uint64_t n) { crash_budget_ = n; crashing_ = true; }
  void recover() { crashing_ = false; }
  uint64_t writes() const { return writes_; }
  // Raw access for corruption tests.
  std::vector<uint8_t>& raw(uint64_t block);

 private:
  uint64_t nr_blocks_;
  std::map<uint64_t, std::vector<uint8_t>> blocks_;
  bool crashing_ = false;
  uint64_t crash_budget_ = 0;
  uint64_t writes_ = 0;
};

}  // namespace udm::pd

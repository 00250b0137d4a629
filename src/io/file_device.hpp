// A backing regular file or block device, driven through the shared io_uring
// engine. Made by open_backing (backing.hpp).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "io/block_device.hpp"
#include "io/file_mapping.hpp"
#include "io/uring_engine.hpp"

namespace udm::io {

class FileDevice final : public BlockDevice {
 public:
  // Takes ownership of `fd`. `path` is what errors and table_name() show.
  FileDevice(int fd, std::string path, bool block_device, DevNo devno, byte_count size, bool read_only,
             bool direct, std::shared_ptr<UringEngine> engine);
  ~FileDevice() override;

  byte_count size() const override { return size_; }
  void submit(Request* request) override;
  std::string table_name() const override;
  DevNo devno() const override { return devno_; }
  bool read_only() const override { return read_only_; }
  // Block devices: what the kernel reports for them (BLKSSZGET, BLKPBSZGET,
  // BLKIOMIN, BLKIOOPT, discard granularity from sysfs). Files: 512-byte blocks,
  // discards in the filesystem's block size. Both take write-zeroes.
  DeviceLimits limits() const override;
  // Buffered regular files: from a mapping of the file made on first use.
  bool read_in_place(byte_count offset, byte_count length, InPlaceFn fn, void* context) override;
  bool write_in_place(byte_count offset, byte_count length, InPlaceWriteFn fn, void* context) override;

  const std::string& path() const { return path_; }
  int fd() const { return file_.fd; }
  bool is_block_device() const { return file_.block_device; }
  bool direct() const { return direct_; }

 private:
  FileHandle file_;
  std::string path_;
  DevNo devno_;
  byte_count size_;
  bool read_only_;
  bool direct_;
  std::shared_ptr<UringEngine> engine_;
  // Buffered regular files: the mapping, made on the first read or write
  // that can use it (writable unless the device is read-only).
  const FileMapping* mapping();
  std::once_flag mapping_once_;
  std::unique_ptr<FileMapping> mapping_;  // null until first used, or when the file cannot be mapped
};

}  // namespace udm::io

#include "io/file_device.hpp"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

namespace udm::io {

FileDevice::FileDevice(int fd, std::string path, bool block_device, DevNo devno, byte_count size, bool read_only,
                       bool direct, std::shared_ptr<UringEngine> engine)
    : path_(std::move(path)),
      devno_(devno),
      size_(size),
      read_only_(read_only),
      direct_(direct),
      engine_(std::move(engine)) {
  file_.fd = fd;
  file_.block_device = block_device;
  file_.buffered_file = !block_device && !direct;
}

FileDevice::~FileDevice() { ::close(file_.fd); }

DeviceLimits FileDevice::limits() const {
  // Both kinds take write-zeroes (ZERO_RANGE or BLKZEROOUT, else zeros written).
  DeviceLimits l{.write_zeroes = true};
  if (!file_.block_device) {
    // Discards punch holes (or write zeros where the filesystem cannot),
    // in the filesystem's blocks, as a loop device over the file advertises.
    struct stat st {};
    l.discard_granularity = ::fstat(file_.fd, &st) == 0 && st.st_blksize >= 512 ? static_cast<std::uint32_t>(st.st_blksize) : 512;
    return l;
  }
  int value = 0;
  unsigned int uvalue = 0;
  if (::ioctl(file_.fd, BLKSSZGET, &value) == 0 && value >= 512) l.logical_block_size = static_cast<std::uint32_t>(value);
  if (::ioctl(file_.fd, BLKPBSZGET, &uvalue) == 0 && uvalue >= 512) l.physical_block_size = uvalue;
  if (::ioctl(file_.fd, BLKIOMIN, &uvalue) == 0) l.io_min = uvalue;
  if (::ioctl(file_.fd, BLKIOOPT, &uvalue) == 0) l.io_opt = uvalue;
  l.physical_block_size = std::max(l.physical_block_size, l.logical_block_size);
  std::ifstream in("/sys/dev/block/" + devno_.to_string() + "/queue/discard_granularity");
  std::uint64_t granularity = 0;
  if (in >> granularity && granularity <= UINT32_MAX) l.discard_granularity = static_cast<std::uint32_t>(granularity);
  return l;
}

const FileMapping* FileDevice::mapping() {
  if (!file_.buffered_file) return nullptr;  // a block device's or O_DIRECT file's bytes are not ours to map
  std::call_once(mapping_once_, [&] {
    if (!read_only_) mapping_ = FileMapping::create(file_.fd, size_, true);
    if (!mapping_) mapping_ = FileMapping::create(file_.fd, size_);
    else file_.mapping.store(mapping_.get(), std::memory_order_release);
  });
  return mapping_.get();
}

bool FileDevice::read_in_place(byte_count offset, byte_count length, InPlaceFn fn, void* context) {
  const FileMapping* m = mapping();
  return m && m->read(offset, length, fn, context);
}

bool FileDevice::write_in_place(byte_count offset, byte_count length, InPlaceWriteFn fn, void* context) {
  const FileMapping* m = read_only_ ? nullptr : mapping();
  return m && m->write(offset, length, fn, context);
}

std::string FileDevice::table_name() const { return file_.block_device ? devno_.to_string() : path_; }

void FileDevice::submit(Request* r) {
  const bool modifies = r->op == Op::write || r->op == Op::discard || r->op == Op::write_zeroes;
  if (modifies && read_only_) return r->complete(-EROFS);
  if (r->op == Op::flush) {
    if (read_only_) return r->complete(0);  // nothing of ours to make durable
    return engine_->submit(file_, r);
  }
  if (((r->offset | r->length) & (SECTOR_SIZE - 1)) != 0) return r->complete(-EINVAL);
  if (r->offset > size_ || r->length > size_ - r->offset) return r->complete(-EIO);
  if (r->length == 0) return r->complete(0);
  if (r->op == Op::write) mapping();  // writes of cached pages go through it
  if (file_.block_device && (r->op == Op::discard || r->op == Op::write_zeroes)) {
    return engine_->submit_blocking(file_, r);
  }
  engine_->submit(file_, r);
}

}  // namespace udm::io

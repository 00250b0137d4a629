#include "io/file_device.hpp"

#include <unistd.h>

#include <cerrno>

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
  if (file_.block_device && (r->op == Op::discard || r->op == Op::write_zeroes)) {
    return engine_->submit_blocking(file_, r);
  }
  engine_->submit(file_, r);
}

}  // namespace udm::io

#include "persistent_data/block_device.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include <cstring>

namespace udm::pd {

Result<std::unique_ptr<FileBlockDevice>> FileBlockDevice::open(const std::string& path, bool writable) {
  int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return fail(errno, path + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return fail(e, path + ": " + std::strerror(e));
  }
  uint64_t bytes = uint64_t(st.st_size);
  if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
    int e = errno;
    ::close(fd);
    return fail(e, path + ": cannot get size: " + std::strerror(e));
  }
  return std::unique_ptr<FileBlockDevice>(new FileBlockDevice(fd, path, bytes / kBlockSize));
}

FileBlockDevice::~FileBlockDevice() { ::close(fd_); }

Result<void> FileBlockDevice::read(uint64_t block, uint8_t* out) {
  if (block >= nr_blocks_) return fail(EIO, path_ + ": block " + std::to_string(block) + " is past the end");
  size_t done = 0;
  while (done < kBlockSize) {
    ssize_t n = pread(fd_, out + done, kBlockSize - done, off_t(block * kBlockSize + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, path_ + ": read block " + std::to_string(block) + ": " + std::strerror(errno));
    if (n == 0) return fail(EIO, path_ + ": short read at block " + std::to_string(block));
    done += size_t(n);
  }
  return {};
}

Result<void> FileBlockDevice::write(uint64_t block, const uint8_t* data) {
  if (block >= nr_blocks_) return fail(ENOSPC, path_ + ": block " + std::to_string(block) + " is past the end");
  size_t done = 0;
  while (done < kBlockSize) {
    ssize_t n = pwrite(fd_, data + done, kBlockSize - done, off_t(block * kBlockSize + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, path_ + ": write block " + std::to_string(block) + ": " + std::strerror(errno));
    done += size_t(n);
  }
  return {};
}

Result<void> FileBlockDevice::flush() {
  if (fdatasync(fd_) != 0) return fail(errno, path_ + ": fdatasync: " + std::strerror(errno));
  return {};
}

Result<void> MemoryBlockDevice::read(uint64_t block, uint8_t* out) {
  if (block >= nr_blocks_) return fail(EIO, "block " + std::to_string(block) + " is past the end");
  auto it = blocks_.find(block);
  if (it == blocks_.end()) std::memset(out, 0, kBlockSize);
  else std::memcpy(out, it->second.data(), kBlockSize);
  return {};
}

Result<void> MemoryBlockDevice::write(uint64_t block, const uint8_t* data) {
  if (block >= nr_blocks_) return fail(ENOSPC, "block " + std::to_string(block) + " is past the end");
  if (crashing_) {
    if (crash_budget_ == 0) return {};  // lost in the crash
    --crash_budget_;
  }
  ++writes_;
  blocks_[block].assign(data, data + kBlockSize);
  return {};
}

std::vector<uint8_t>& MemoryBlockDevice::raw(uint64_t block) {
  auto& b = blocks_[block];
  if (b.size() != kBlockSize) b.assign(kBlockSize, 0);
  return b;
}

}  // namespace udm::pd

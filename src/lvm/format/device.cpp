#include "lvm/format/device.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fmt/format.h>

#include "io/nbd_pv.hpp"

namespace udm::lvm::format {

namespace {

Error errno_error(int err, const std::string& what) { return Error{err, what + ": " + std::strerror(err)}; }

Result<void> check_range(const std::string& path, byte_count offset, std::size_t len, byte_count size) {
  if (offset > size || len > size - offset)
    return fail(EIO, fmt::format("{}: {} bytes at offset {} run past the end ({} bytes)", path, len, offset, size));
  return {};
}

class FileDevice final : public PvDevice {
 public:
  FileDevice(std::string path, int fd, byte_count size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~FileDevice() override { ::close(fd_); }
  byte_count size() const override { return size_; }
  const std::string& path() const override { return path_; }

  Result<void> read(byte_count offset, std::span<std::byte> out) override {
    if (auto r = check_range(path_, offset, out.size(), size_); !r) return r;
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno_error(errno, fmt::format("{}: read at {}", path_, offset + done)));
      if (n == 0) return fail(EIO, fmt::format("{}: short read at {}", path_, offset + done));
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  Result<void> write(byte_count offset, std::span<const std::byte> data) override {
    if (auto r = check_range(path_, offset, data.size(), size_); !r) return r;
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno_error(errno, fmt::format("{}: write at {}", path_, offset + done)));
      if (n == 0) return fail(EIO, fmt::format("{}: short write at {}", path_, offset + done));
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  // fdatasync: every write here overwrites bytes inside the device (the size
  // never changes), so the data is durable without also journalling the
  // file's timestamps as fsync would on a file-backed PV.
  Result<void> flush() override {
    if (::fdatasync(fd_) != 0) return fail(errno_error(errno, path_ + ": fdatasync"));
    return {};
  }

 private:
  std::string path_;
  int fd_;
  byte_count size_;
};

// A PV on a remote NBD export (the path is its URI).
class NbdPvDevice final : public PvDevice {
 public:
  explicit NbdPvDevice(std::unique_ptr<io::NbdSyncDevice> d) : d_(std::move(d)) {}
  byte_count size() const override { return d_->size(); }
  const std::string& path() const override { return d_->uri(); }
  Result<void> read(byte_count offset, std::span<std::byte> out) override { return d_->read(offset, out); }
  Result<void> write(byte_count offset, std::span<const std::byte> data) override { return d_->write(offset, data); }
  Result<void> flush() override { return d_->flush(); }

 private:
  std::unique_ptr<io::NbdSyncDevice> d_;
};

}  // namespace

Result<PvDevicePtr> open_file_device(const std::string& path, bool read_only) {
  if (io::is_nbd_uri(path)) {
    auto d = io::NbdSyncDevice::open(path, read_only);
    if (!d) return fail(d.error());
    return PvDevicePtr(std::make_unique<NbdPvDevice>(std::move(*d)));
  }
  int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return fail(errno_error(errno, path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return fail(errno_error(e, path));
  }
  byte_count size = 0;
  if (S_ISBLK(st.st_mode)) {
    std::uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
      int e = errno;
      ::close(fd);
      return fail(errno_error(e, path + ": BLKGETSIZE64"));
    }
    size = bytes;
  } else if (S_ISREG(st.st_mode)) {
    size = static_cast<byte_count>(st.st_size);
  } else {
    ::close(fd);
    return fail(ENODEV, path + ": not a regular file or block device");
  }
  return PvDevicePtr(std::make_unique<FileDevice>(path, fd, size));
}

Result<void> MemoryPvDevice::read(byte_count offset, std::span<std::byte> out) {
  if (auto r = check_range(path_, offset, out.size(), bytes_.size()); !r) return r;
  std::memcpy(out.data(), bytes_.data() + offset, out.size());
  return {};
}

Result<void> MemoryPvDevice::write(byte_count offset, std::span<const std::byte> data) {
  if (auto r = check_range(path_, offset, data.size(), bytes_.size()); !r) return r;
  std::memcpy(bytes_.data() + offset, data.data(), data.size());
  return {};
}

Result<void> FaultyPvDevice::write(byte_count offset, std::span<const std::byte> data) {
  if (*writes_left_ <= 0) return fail(EIO, fmt::format("{}: injected crash before write at {}", path(), offset));
  --*writes_left_;
  return inner_.write(offset, data);
}

}  // namespace udm::lvm::format

#include "io/backing.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "io/file_device.hpp"

namespace udm::io {

namespace {

Error path_error(const std::string& path, int code) { return Error{code, path + ": " + std::strerror(code)}; }

}  // namespace

Result<BlockDevicePtr> open_backing(const std::string& path, const OpenOptions& options) {
  if (path.empty()) return fail(EINVAL, "empty backing device path");
  auto engine = UringEngine::shared();
  if (!engine) return fail(with_context(path + ": ", engine.error()));

  int flags = (options.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  if (options.direct) flags |= O_DIRECT;
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    int e = errno;
    if (e == EINVAL && options.direct) {
      // Tell "this filesystem refuses O_DIRECT" apart from other EINVALs.
      int probe = ::open(path.c_str(), flags & ~O_DIRECT);
      if (probe >= 0) {
        ::close(probe);
        return fail(EINVAL, path + ": the filesystem does not support O_DIRECT (direct I/O)");
      }
    }
    return fail(path_error(path, e));
  }

  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return fail(path_error(path, e));
  }
  byte_count size = 0;
  bool block_device = false;
  DevNo devno{};
  std::string name = path;
  if (S_ISREG(st.st_mode)) {
    size = static_cast<byte_count>(st.st_size);
    std::error_code ec;
    auto absolute = std::filesystem::absolute(path, ec);
    if (!ec) name = absolute.lexically_normal().string();
  } else if (S_ISBLK(st.st_mode)) {
    std::uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
      int e = errno;
      ::close(fd);
      return fail(e, path + ": cannot read the block device size: " + std::strerror(e));
    }
    size = bytes;
    block_device = true;
    devno = DevNo::from_dev_t(st.st_rdev);
  } else {
    ::close(fd);
    return fail(EINVAL, path + ": not a regular file or block device");
  }
  return std::make_shared<FileDevice>(fd, std::move(name), block_device, devno, size, options.read_only,
                                      options.direct, std::move(*engine));
}

}  // namespace udm::io

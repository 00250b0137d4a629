#include "blockdev/loop_device.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

namespace udm::blockdev {
namespace {

constexpr std::uint32_t LOOP_MAJOR = 7;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

Error errno_error(int e, const std::string& what) {
  return Error{e, what + ": " + std::strerror(e)};
}

// /dev/loopN appears through devtmpfs a moment after LOOP_CTL_GET_FREE made
// the device; make the node ourselves when /dev has no devtmpfs.
Result<int> open_loop_node(int number, int flags) {
  const std::string path = "/dev/loop" + std::to_string(number);
  for (int i = 0; i < 100; ++i) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != ENOENT) return fail(errno_error(errno, "open " + path));
    if (i == 10) ::mknod(path.c_str(), S_IFBLK | 0660, ::makedev(LOOP_MAJOR, static_cast<unsigned>(number)));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return fail(ENOENT, "open " + path + ": no such device node");
}

}  // namespace

Result<Loop> loop_attach(const LoopSetup& setup) {
  Fd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (control.fd < 0) return fail(errno_error(errno, "open /dev/loop-control"));
  const int access = setup.read_only ? O_RDONLY : O_RDWR;
  // O_DIRECT on the backing file is what LO_FLAGS_DIRECT_IO needs; a file
  // system that refuses it gets a buffered loop.
  bool direct = setup.direct_io;
  int backing = direct ? ::open(setup.backing.c_str(), access | O_DIRECT | O_CLOEXEC) : -1;
  if (backing < 0) {
    direct = false;
    backing = ::open(setup.backing.c_str(), access | O_CLOEXEC);
  }
  if (backing < 0) return fail(errno_error(errno, "open " + setup.backing));
  Fd file(backing);
  // Another process may take the free device between GET_FREE and
  // CONFIGURE (EBUSY): take the next one.
  for (int attempt = 0; attempt < 16; ++attempt) {
    int number = attempt == 0 && setup.preferred >= 0 ? setup.preferred : ::ioctl(control.fd, LOOP_CTL_GET_FREE);
    if (number < 0) return fail(errno_error(errno, "LOOP_CTL_GET_FREE on /dev/loop-control"));
    if (attempt == 0 && setup.preferred >= 0) ::ioctl(control.fd, LOOP_CTL_ADD, number);  // EEXIST is fine
    auto node = open_loop_node(number, access);
    if (!node) return fail(node.error());
    Fd loop(*node);
    loop_config config{};
    config.fd = static_cast<std::uint32_t>(file.fd);
    config.block_size = setup.logical_block_size;
    config.info.lo_flags = (setup.read_only ? LO_FLAGS_READ_ONLY : 0) | (direct ? LO_FLAGS_DIRECT_IO : 0);
    std::snprintf(reinterpret_cast<char*>(config.info.lo_file_name), LO_NAME_SIZE, "%s", setup.backing.c_str());
    int r = ::ioctl(loop.fd, LOOP_CONFIGURE, &config);
    if (r != 0 && errno == EINVAL && direct) {
      // Direct I/O refused for this file or block size: buffered then.
      config.info.lo_flags &= ~static_cast<std::uint32_t>(LO_FLAGS_DIRECT_IO);
      direct = false;
      r = ::ioctl(loop.fd, LOOP_CONFIGURE, &config);
    }
    if (r == 0) {
      // The kernel may turn direct I/O off by itself (misaligned sizes).
      loop_info64 info{};
      if (::ioctl(loop.fd, LOOP_GET_STATUS64, &info) == 0) direct = (info.lo_flags & LO_FLAGS_DIRECT_IO) != 0;
      return Loop{number, DevNo{LOOP_MAJOR, static_cast<std::uint32_t>(number)}, direct};
    }
    if (errno != EBUSY)
      return fail(errno_error(errno, "LOOP_CONFIGURE /dev/loop" + std::to_string(number) + " with " + setup.backing));
  }
  return fail(EBUSY, "no free loop device for " + setup.backing + " (every one taken while trying)");
}

Result<void> loop_set_capacity(int number) {
  auto node = open_loop_node(number, O_RDONLY);
  if (!node) return fail(node.error());
  Fd loop(*node);
  if (::ioctl(loop.fd, LOOP_SET_CAPACITY, 0) != 0)
    return fail(errno_error(errno, "LOOP_SET_CAPACITY /dev/loop" + std::to_string(number)));
  return {};
}

Result<void> loop_detach(int number) {
  auto node = open_loop_node(number, O_RDONLY);
  if (!node) return fail(node.error());
  Fd loop(*node);
  if (::ioctl(loop.fd, LOOP_CLR_FD, 0) != 0 && errno != ENXIO)
    return fail(errno_error(errno, "LOOP_CLR_FD /dev/loop" + std::to_string(number)));
  return {};
}

bool loop_in_use(int number) {
  const std::string path = "/dev/loop" + std::to_string(number);
  int fd = ::open(path.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return false;
  }
  return errno == EBUSY;
}

std::string loop_backing_file(int number) {
  std::ifstream in("/sys/block/loop" + std::to_string(number) + "/loop/backing_file");
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  return line;
}

std::vector<int> loops_backed_under(const std::string& prefix) {
  std::vector<int> out;
  DIR* dir = ::opendir("/sys/block");
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name(e->d_name);
    if (!name.starts_with("loop")) continue;
    int number = 0;
    bool digits = name.size() > 4;
    for (char c : name.substr(4)) {
      if (c < '0' || c > '9' || number > 1 << 20) {
        digits = false;
        break;
      }
      number = number * 10 + (c - '0');
    }
    if (!digits) continue;
    if (loop_backing_file(number).starts_with(prefix)) out.push_back(number);
  }
  ::closedir(dir);
  return out;
}

}  // namespace udm::blockdev

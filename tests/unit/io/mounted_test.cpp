// Tests that need a filesystem or block device of their own: a full tmpfs
// and a full ext4 (ENOSPC), tmpfs without ZERO_RANGE (the write-zeros fallback), ramfs
// (no O_DIRECT), and a loop device. Each cleans up even when it fails.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "io/backing.hpp"
#include "io/file_device.hpp"
#include "io_test_util.hpp"

namespace udm::io::test {
namespace {

// A filesystem mounted on a fresh directory for one test (from `source`,
// a device, or a filesystem of its own when empty).
class ScratchMount {
 public:
  ScratchMount(const char* type, const char* options, const std::string& source = "") {
    char dir[] = "/tmp/udm-io-mnt-XXXXXX";
    if (!::mkdtemp(dir)) return;
    dir_ = dir;
    if (::mount(source.empty() ? type : source.c_str(), dir, type, 0, options) != 0) {
      error_ = std::string("mount ") + type + ": " + std::strerror(errno);
      ::rmdir(dir);
      dir_.clear();
    }
  }
  ~ScratchMount() {
    if (dir_.empty()) return;
    if (::umount(dir_.c_str()) != 0) ::umount2(dir_.c_str(), MNT_DETACH);
    ::rmdir(dir_.c_str());
  }
  bool ok() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  std::string error_ = "mkdtemp failed";
};

// A loop device attached to a temporary file, detached at the end.
class LoopDevice {
 public:
  explicit LoopDevice(byte_count size) : file_(size) {
    if (auto out = shell("losetup -f --show " + file_.path() + " 2>/dev/null")) device_ = *out;
  }
  ~LoopDevice() {
    if (!device_.empty()) shell("losetup -d " + device_ + " 2>/dev/null");
  }
  bool ok() const { return device_.rfind("/dev/loop", 0) == 0; }
  const std::string& path() const { return device_; }

 private:
  TempFile file_;
  std::string device_;
};

TEST(Mounted, FullFilesystemGivesCleanEnospc) {
  ScratchMount mnt("tmpfs", "size=1M");
  if (!mnt.ok()) GTEST_SKIP() << mnt.error();
  TempFile file(4 << 20, mnt.dir());  // sparse: larger than the filesystem
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  const byte_count chunk = 96 << 10;  // not a divisor of 1 MiB: one write ends short
  auto buf = aligned_buffer(chunk, std::byte{0xab});
  int result = 0;
  byte_count offset = 0;
  for (; offset + chunk <= (4 << 20); offset += chunk) {
    result = submit_sync(**dev, Op::write, offset, chunk, buf.get());
    if (result != 0) break;
  }
  EXPECT_EQ(result, -ENOSPC);
  EXPECT_GT(offset, 0u);
  EXPECT_LT(offset, byte_count{4 << 20});
  // The device still works: what was written reads back.
  auto in = aligned_buffer(chunk);
  EXPECT_EQ(submit_sync(**dev, Op::read, 0, chunk, in.get()), 0);
  EXPECT_EQ(std::memcmp(in.get(), buf.get(), chunk), 0);
  // Freeing space (discard punches holes) makes writes succeed again.
  EXPECT_EQ(submit_sync(**dev, Op::discard, 0, offset), 0);
  EXPECT_EQ(submit_sync(**dev, Op::write, offset, chunk, buf.get()), 0);
}

TEST(Mounted, WriteZeroesFallsBackToWritingZerosWhereZeroRangeIsMissing) {
  ScratchMount mnt("tmpfs", "size=16M");  // tmpfs has no FALLOC_FL_ZERO_RANGE
  if (!mnt.ok()) GTEST_SKIP() << mnt.error();
  TempFile file(4 << 20, mnt.dir());
  for (bool direct : {false, true}) {
    auto dev = open_backing(file.path(), {.direct = direct});
    ASSERT_TRUE(dev) << dev.error().message;
    const byte_count len = 3 << 20;  // more than the engine's zero buffer
    auto buf = aligned_buffer(len, std::byte{0x11});
    ASSERT_EQ(submit_sync(**dev, Op::write, 0, len, buf.get()), 0);
    // Twice: the first learns that ZERO_RANGE is missing, the second skips it.
    EXPECT_EQ(submit_sync(**dev, Op::write_zeroes, 4096, len - 8192), 0);
    EXPECT_EQ(submit_sync(**dev, Op::write_zeroes, 0, 4096), 0);
    auto in = aligned_buffer(len, std::byte{0x77});
    ASSERT_EQ(submit_sync(**dev, Op::read, 0, len, in.get()), 0);
    for (byte_count at = 0; at < len; at += 512) {
      std::byte want = at >= len - 4096 ? std::byte{0x11} : std::byte{0};
      ASSERT_EQ(in.get()[at], want) << "at " << at << (direct ? " direct" : " buffered");
      ASSERT_EQ(in.get()[at + 511], want) << "at " << at;
    }
  }
}

TEST(Mounted, DirectRefusedByTheFilesystemSaysSo) {
  ScratchMount mnt("ramfs", "");  // ramfs cannot do O_DIRECT
  if (!mnt.ok()) GTEST_SKIP() << mnt.error();
  TempFile file(1 << 20, mnt.dir());
  auto dev = open_backing(file.path(), {.direct = true});
  ASSERT_FALSE(dev);
  EXPECT_EQ(dev.error().code, EINVAL);
  EXPECT_EQ(dev.error().message, file.path() + ": the filesystem does not support O_DIRECT (direct I/O)");
  // Buffered opening still works there.
  EXPECT_TRUE(open_backing(file.path()));
}

TEST(Mounted, ReadOnlyFilesystemRefusesReadWriteOpening) {
  ScratchMount mnt("tmpfs", "size=1M");
  if (!mnt.ok()) GTEST_SKIP() << mnt.error();
  TempFile file(1 << 20, mnt.dir());
  ASSERT_EQ(::mount(nullptr, mnt.dir().c_str(), nullptr, MS_REMOUNT | MS_RDONLY, "size=1M"), 0) << std::strerror(errno);
  auto rw = open_backing(file.path());
  ASSERT_FALSE(rw);
  EXPECT_EQ(rw.error().code, EROFS);
  EXPECT_EQ(rw.error().message, file.path() + ": Read-only file system");
  auto ro = open_backing(file.path(), {.read_only = true});
  ASSERT_TRUE(ro) << ro.error().message;
  auto buf = aligned_buffer(4096, std::byte{9});
  EXPECT_EQ(submit_sync(**ro, Op::read, 0, 4096, buf.get()), 0);
  EXPECT_EQ(submit_sync(**ro, Op::write, 0, 4096, buf.get()), -EROFS);
  ro->reset();
  // TempFile unlinks before the mount goes away; make that possible.
  ASSERT_EQ(::mount(nullptr, mnt.dir().c_str(), nullptr, MS_REMOUNT, "size=1M"), 0);
}

// A small ext4 on a loop device, mounted on a fresh directory for one test.
class Ext4Mount {
 public:
  explicit Ext4Mount(byte_count size) : loop_(size) {
    if (loop_.ok() && shell("mkfs.ext4 -q -F " + loop_.path() + " >/dev/null 2>&1 && echo ok"))
      mount_.emplace("ext4", nullptr, loop_.path());
  }
  bool ok() const { return mount_ && mount_->ok(); }
  const std::string& dir() const { return mount_->dir(); }

 private:
  LoopDevice loop_;
  std::optional<ScratchMount> mount_;  // unmounted before the loop device goes
};

// A write into pages the page cache holds of a hole, on a full ext4: the
// store through the file's mapping cannot get a block (SIGBUS inside it),
// and the write reports ENOSPC through the usual path instead of killing the
// daemon or claiming success. Freeing space makes it succeed.
TEST(Mounted, AWriteIntoACachedHoleOfAFullExt4IsEnospc) {
  Ext4Mount mnt(32 << 20);
  if (!mnt.ok()) GTEST_SKIP() << "no loop device or mkfs.ext4";
  const std::string path = mnt.dir() + "/sparse", fill = mnt.dir() + "/fill";
  {
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 4 << 20), 0);
    ::close(fd);
  }
  {
    auto dev = open_backing(path);
    ASSERT_TRUE(dev) << dev.error().message;
    const byte_count len = 1 << 20;
    auto in = aligned_buffer(len), out = aligned_buffer(len, std::byte{0x6e});
    ASSERT_EQ(submit_sync(**dev, Op::read, 0, len, in.get()), 0);  // the hole's pages now cached
    {
      const int fd = ::open(fill.c_str(), O_CREAT | O_WRONLY, 0600);
      ASSERT_GE(fd, 0);
      std::vector<char> block(4096, 'x');
      while (::write(fd, block.data(), block.size()) > 0) {
      }
      ::fsync(fd);
      ::close(fd);
    }
    EXPECT_EQ(submit_sync(**dev, Op::write, 0, len, out.get()), -ENOSPC);
    ASSERT_EQ(::unlink(fill.c_str()), 0);
    ::sync();
    EXPECT_EQ(submit_sync(**dev, Op::write, 0, len, out.get()), 0);
    ASSERT_EQ(submit_sync(**dev, Op::read, 0, len, in.get()), 0);
    EXPECT_EQ(std::memcmp(in.get(), out.get(), len), 0);
  }
  ::unlink(path.c_str());
}

TEST(Mounted, LoopBlockDevice) {
  LoopDevice loop(16 << 20);
  if (!loop.ok()) GTEST_SKIP() << "no loop device available";
  struct stat st {};
  ASSERT_EQ(::stat(loop.path().c_str(), &st), 0);
  const DevNo devno = DevNo::from_dev_t(st.st_rdev);

  for (bool direct : {false, true}) {
    auto dev = open_backing(loop.path(), {.direct = direct});
    ASSERT_TRUE(dev) << dev.error().message;
    EXPECT_EQ((*dev)->size(), byte_count{16 << 20});
    EXPECT_EQ((*dev)->devno(), devno);
    EXPECT_EQ((*dev)->table_name(), devno.to_string());
    EXPECT_EQ((*dev)->table_name(), std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev)));
    auto* fd = dynamic_cast<FileDevice*>(dev->get());
    ASSERT_NE(fd, nullptr);
    EXPECT_TRUE(fd->is_block_device());

    const byte_count len = 1 << 20;
    auto out = aligned_buffer(len, direct ? std::byte{0x3c} : std::byte{0x4d});
    auto in = aligned_buffer(len);
    ASSERT_EQ(submit_sync(**dev, Op::write, 2 << 20, len, out.get(), /*fua=*/true), 0);
    ASSERT_EQ(submit_sync(**dev, Op::flush, 0, 0), 0);
    ASSERT_EQ(submit_sync(**dev, Op::read, 2 << 20, len, in.get()), 0);
    ASSERT_EQ(std::memcmp(in.get(), out.get(), len), 0);

    // BLKZEROOUT and BLKDISCARD (the loop device punches holes in its file).
    EXPECT_EQ(submit_sync(**dev, Op::write_zeroes, 2 << 20, 64 << 10), 0);
    EXPECT_EQ(submit_sync(**dev, Op::discard, (2 << 20) + (512 << 10), 128 << 10), 0);
    ASSERT_EQ(submit_sync(**dev, Op::read, 2 << 20, len, in.get()), 0);
    for (byte_count at = 0; at < len; at += 4096) {
      bool zero = at < (64 << 10) || (at >= (512 << 10) && at < (640 << 10));
      ASSERT_EQ(in.get()[at], zero ? std::byte{0} : out.get()[0]) << "at " << at;
    }
    EXPECT_EQ(submit_sync(**dev, Op::read, (16 << 20) - 4096, 8192, in.get()), -EIO);
  }

  auto ro = open_backing(loop.path(), {.read_only = true});
  ASSERT_TRUE(ro) << ro.error().message;
  auto buf = aligned_buffer(4096);
  EXPECT_EQ(submit_sync(**ro, Op::write, 0, 4096, buf.get()), -EROFS);
  EXPECT_EQ(submit_sync(**ro, Op::discard, 0, 4096), -EROFS);
  EXPECT_EQ(submit_sync(**ro, Op::read, 0, 4096, buf.get()), 0);
}

}  // namespace
}  // namespace udm::io::test

// Data round trips and every op on temporary files, buffered and O_DIRECT.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "io/backing.hpp"
#include "io/file_device.hpp"
#include "io_test_util.hpp"

namespace udm::io::test {
namespace {

constexpr byte_count kSize = 8 << 20;

void fill_pattern(std::byte* p, std::size_t n, unsigned seed) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}

bool all_zero(const std::byte* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != std::byte{0}) return false;
  return true;
}

// Reads the file behind the device with plain pread, to check what landed.
std::vector<std::byte> pread_file(const std::string& path, byte_count offset, std::size_t n) {
  std::vector<std::byte> out(n);
  int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::pread(fd, out.data(), n, static_cast<off_t>(offset)), static_cast<ssize_t>(n));
  ::close(fd);
  return out;
}

class FileDeviceTest : public ::testing::TestWithParam<bool> {
 protected:
  bool direct() const { return GetParam(); }
};

TEST_P(FileDeviceTest, RoundTripAtManyOffsets) {
  TempFile file(kSize);
  auto dev = open_backing(file.path(), {.read_only = false, .direct = direct()});
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ((*dev)->size(), kSize);
  for (byte_count length : {byte_count{4096}, byte_count{65536}, byte_count{1 << 20}}) {
    for (byte_count offset : {byte_count{0}, byte_count{4096 * 3}, kSize - length}) {
      auto out = aligned_buffer(length);
      auto in = aligned_buffer(length);
      fill_pattern(out.get(), length, static_cast<unsigned>(offset + length));
      ASSERT_EQ(submit_sync(**dev, Op::write, offset, length, out.get()), 0);
      ASSERT_EQ(submit_sync(**dev, Op::read, offset, length, in.get()), 0);
      ASSERT_EQ(std::memcmp(out.get(), in.get(), length), 0) << "offset " << offset << " length " << length;
      auto on_disk = pread_file(file.path(), offset, length);
      ASSERT_EQ(std::memcmp(out.get(), on_disk.data(), length), 0);
    }
  }
}

TEST_P(FileDeviceTest, FlushAndFuaWrite) {
  TempFile file(kSize);
  auto dev = open_backing(file.path(), {.direct = direct()});
  ASSERT_TRUE(dev) << dev.error().message;
  auto out = aligned_buffer(8192, std::byte{0x5a});
  EXPECT_EQ(submit_sync(**dev, Op::write, 8192, 8192, out.get(), /*fua=*/true), 0);
  EXPECT_EQ(submit_sync(**dev, Op::flush, 0, 0), 0);
  auto on_disk = pread_file(file.path(), 8192, 8192);
  EXPECT_EQ(std::memcmp(on_disk.data(), out.get(), 8192), 0);
}

TEST_P(FileDeviceTest, DiscardAndWriteZeroesReadBackZeros) {
  TempFile file(kSize);
  auto dev = open_backing(file.path(), {.direct = direct()});
  ASSERT_TRUE(dev) << dev.error().message;
  const byte_count len = 256 << 10;
  auto out = aligned_buffer(len, std::byte{0xff});
  ASSERT_EQ(submit_sync(**dev, Op::write, 0, len, out.get()), 0);
  // Discard the middle, zero another piece; the rest keeps its data.
  ASSERT_EQ(submit_sync(**dev, Op::discard, 64 << 10, 64 << 10), 0);
  ASSERT_EQ(submit_sync(**dev, Op::write_zeroes, 160 << 10, 32 << 10), 0);
  auto in = aligned_buffer(len);
  ASSERT_EQ(submit_sync(**dev, Op::read, 0, len, in.get()), 0);
  for (byte_count at = 0; at < len; at += 4096) {
    bool zero_expected = (at >= (64 << 10) && at < (128 << 10)) || (at >= (160 << 10) && at < (192 << 10));
    if (zero_expected) {
      EXPECT_TRUE(all_zero(in.get() + at, 4096)) << "at " << at;
    } else {
      EXPECT_EQ(in.get()[at], std::byte{0xff}) << "at " << at;
    }
  }
  struct stat st {};
  ASSERT_EQ(::stat(file.path().c_str(), &st), 0);
  EXPECT_EQ(static_cast<byte_count>(st.st_size), kSize) << "size must be kept";
}

TEST_P(FileDeviceTest, PastTheEndIsEio) {
  TempFile file(kSize);
  auto dev = open_backing(file.path(), {.direct = direct()});
  ASSERT_TRUE(dev) << dev.error().message;
  auto buf = aligned_buffer(8192);
  EXPECT_EQ(submit_sync(**dev, Op::read, kSize - 4096, 8192, buf.get()), -EIO);
  EXPECT_EQ(submit_sync(**dev, Op::write, kSize, 4096, buf.get()), -EIO);
  EXPECT_EQ(submit_sync(**dev, Op::read, ~byte_count{0} - 511, 4096, buf.get()), -EIO);
  EXPECT_EQ(submit_sync(**dev, Op::discard, kSize - 512, 1024), -EIO);
  EXPECT_EQ(submit_sync(**dev, Op::write_zeroes, kSize + 512, 512), -EIO);
  // The last sector itself is fine.
  EXPECT_EQ(submit_sync(**dev, Op::read, kSize - 4096, 4096, buf.get()), 0);
}

TEST_P(FileDeviceTest, ReadOnlyRefusesWrites) {
  TempFile file(kSize);
  auto dev = open_backing(file.path(), {.read_only = true, .direct = direct()});
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_TRUE((*dev)->read_only());
  auto buf = aligned_buffer(4096, std::byte{1});
  EXPECT_EQ(submit_sync(**dev, Op::write, 0, 4096, buf.get()), -EROFS);
  EXPECT_EQ(submit_sync(**dev, Op::discard, 0, 4096), -EROFS);
  EXPECT_EQ(submit_sync(**dev, Op::write_zeroes, 0, 4096), -EROFS);
  EXPECT_EQ(submit_sync(**dev, Op::read, 0, 4096, buf.get()), 0);
  EXPECT_TRUE(all_zero(buf.get(), 4096));
  EXPECT_EQ(submit_sync(**dev, Op::flush, 0, 0), 0);
}

INSTANTIATE_TEST_SUITE_P(BufferedAndDirect, FileDeviceTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Direct" : "Buffered"; });

TEST(FileDevice, NamesAndDevnoOfARegularFile) {
  TempFile file(1 << 20);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ((*dev)->table_name(), file.path());
  EXPECT_TRUE((*dev)->devno().empty());
  EXPECT_FALSE((*dev)->read_only());
  auto* fd = dynamic_cast<FileDevice*>(dev->get());
  ASSERT_NE(fd, nullptr);
  EXPECT_FALSE(fd->is_block_device());
}

TEST(FileDevice, RelativePathBecomesAbsolute) {
  TempFile file(1 << 20);
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path("/tmp");
  auto dev = open_backing(std::filesystem::path(file.path()).filename().string());
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ((*dev)->table_name(), file.path());
}

TEST(FileDevice, MissingPathNamesThePath) {
  auto dev = open_backing("/tmp/udm-io-test-does-not-exist.img");
  ASSERT_FALSE(dev);
  EXPECT_EQ(dev.error().code, ENOENT);
  EXPECT_EQ(dev.error().message, "/tmp/udm-io-test-does-not-exist.img: No such file or directory");
}

TEST(FileDevice, DirectoryIsRefused) {
  auto dev = open_backing("/tmp", {.read_only = true});
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.error().message.find("/tmp"), std::string::npos) << dev.error().message;
}

TEST(FileDevice, CharacterDeviceIsRefused) {
  auto dev = open_backing("/dev/null");
  ASSERT_FALSE(dev);
  EXPECT_EQ(dev.error().code, EINVAL);
  EXPECT_EQ(dev.error().message, "/dev/null: not a regular file or block device");
}

TEST(FileDevice, MisalignedRequestsAreRefused) {
  TempFile file(1 << 20);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  auto buf = aligned_buffer(4096);
  EXPECT_EQ(submit_sync(**dev, Op::read, 100, 512, buf.get()), -EINVAL);
  EXPECT_EQ(submit_sync(**dev, Op::write, 0, 100, buf.get()), -EINVAL);
}

TEST(FileDevice, DirectIoWithMisalignedBufferFailsCleanly) {
  TempFile file(1 << 20);
  auto dev = open_backing(file.path(), {.direct = true});
  ASSERT_TRUE(dev) << dev.error().message;
  auto buf = aligned_buffer(8192, std::byte{7});
  EXPECT_EQ(submit_sync(**dev, Op::write, 0, 4096, buf.get() + 1), -EINVAL);
  ASSERT_EQ(submit_sync(**dev, Op::write, 0, 4096, buf.get()), 0);
  EXPECT_EQ(submit_sync(**dev, Op::read, 0, 4096, buf.get() + 1), -EINVAL);
}

TEST(FileDevice, ReadAfterTheFileShrankIsEio) {
  TempFile file(1 << 20);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  ASSERT_EQ(::truncate(file.path().c_str(), 4096), 0);
  auto buf = aligned_buffer(8192);
  EXPECT_EQ(submit_sync(**dev, Op::read, 8192, 8192, buf.get()), -EIO);
  // Straddling the new end: the first part arrives, then end of file.
  EXPECT_EQ(submit_sync(**dev, Op::read, 0, 8192, buf.get()), -EIO);
}

// Bytes this process has passed to write system calls (/proc/self/io).
std::uint64_t bytes_written_by_syscalls() {
  std::ifstream in("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value)
    if (key == "wchar:") return value;
  ADD_FAILURE() << "no wchar in /proc/self/io";
  return 0;
}

// A write of pages the page cache already holds is stored through the
// file's mapping: no write system call carries its bytes. Pages not cached,
// and FUA writes, take pwrite; every write reads back as written.
TEST(FileDevice, WritesOfCachedPagesAreStoredInPlace) {
  TempFile file(kSize);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  constexpr byte_count kLength = 1 << 20;
  auto first = aligned_buffer(kLength), second = aligned_buffer(kLength), third = aligned_buffer(kLength);
  fill_pattern(first.get(), kLength, 1);
  fill_pattern(second.get(), kLength, 2);
  fill_pattern(third.get(), kLength, 3);
  // Never written nor read: not cached, so pwrite.
  auto before = bytes_written_by_syscalls();
  ASSERT_EQ(submit_sync(**dev, Op::write, 65536, kLength, first.get()), 0);
  EXPECT_GE(bytes_written_by_syscalls() - before, kLength);
  // Now cached: in place (the engine's own wake-ups write a few bytes).
  before = bytes_written_by_syscalls();
  ASSERT_EQ(submit_sync(**dev, Op::write, 65536, kLength, second.get()), 0);
  EXPECT_LT(bytes_written_by_syscalls() - before, kLength / 16);
  EXPECT_EQ(std::memcmp(pread_file(file.path(), 65536, kLength).data(), second.get(), kLength), 0);
  // FUA: pwrite with RWF_DSYNC, which makes it durable.
  before = bytes_written_by_syscalls();
  ASSERT_EQ(submit_sync(**dev, Op::write, 65536, kLength, third.get(), /*fua=*/true), 0);
  EXPECT_GE(bytes_written_by_syscalls() - before, kLength);
  EXPECT_EQ(std::memcmp(pread_file(file.path(), 65536, kLength).data(), third.get(), kLength), 0);
  // A read-only device of the same file never writes in place.
  auto ro = open_backing(file.path(), {.read_only = true});
  ASSERT_TRUE(ro) << ro.error().message;
  EXPECT_FALSE((*ro)->write_in_place(65536, 4096, [](std::byte* bytes, void*) { bytes[0] = std::byte{1}; }, nullptr));
  EXPECT_EQ(std::memcmp(pread_file(file.path(), 65536, kLength).data(), third.get(), kLength), 0);
}

TEST(FileDevice, ZeroLengthCompletesAtOnce) {
  TempFile file(1 << 20);
  auto dev = open_backing(file.path());
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ(submit_sync(**dev, Op::read, 4096, 0, nullptr), 0);
  EXPECT_EQ(submit_sync(**dev, Op::discard, 1 << 20, 0), 0);
}

}  // namespace
}  // namespace udm::io::test

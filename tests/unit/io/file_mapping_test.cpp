// io::FileMapping: cached bytes are read in place; what the page cache does
// not hold is not (the caller reads it as usual); a file cut short while a
// reader is inside the mapping costs that read, not the process; a SIGBUS
// outside a guarded read still kills as it would without us.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/file_mapping.hpp"

namespace udm::io {
namespace {

struct TempFile {
  std::string path;
  int fd = -1;
  explicit TempFile(std::size_t size) {
    char name[] = "/tmp/udm-mapping-XXXXXX";
    fd = ::mkstemp(name);
    path = name;
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  }
  ~TempFile() {
    ::close(fd);
    ::unlink(path.c_str());
  }
};

std::vector<std::byte> pattern(std::size_t n) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::byte(static_cast<unsigned char>(i * 7 + i / 4096));
  return v;
}

struct Copy {
  std::vector<std::byte> out;
  int calls = 0;
};

void copy_out(const std::byte* bytes, void* context) {
  auto* c = static_cast<Copy*>(context);
  ++c->calls;
  std::memcpy(c->out.data(), bytes, c->out.size());
}

TEST(FileMapping, CachedBytesAreReadInPlace) {
  TempFile f(1 << 20);
  const auto data = pattern(1 << 20);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  auto m = FileMapping::create(f.fd, 1 << 20);
  ASSERT_TRUE(m);
  Copy c{std::vector<std::byte>(12288)};
  ASSERT_TRUE(m->read(4096 + 512, c.out.size(), copy_out, &c));
  EXPECT_EQ(c.calls, 1);
  EXPECT_EQ(0, std::memcmp(c.out.data(), data.data() + 4096 + 512, c.out.size()));
  // Beyond the mapping: refused, fn never runs.
  EXPECT_FALSE(m->read((1 << 20) - 4096, 8192, copy_out, &c));
  EXPECT_EQ(c.calls, 1);
}

TEST(FileMapping, WhatThePageCacheDoesNotHoldIsNotReadInPlace) {
  // Never written nor read: no page of the file is cached, so the read is
  // left to the caller's usual path instead of waiting here for a fault.
  TempFile f(1 << 20);
  auto m = FileMapping::create(f.fd, 1 << 20);
  ASSERT_TRUE(m);
  Copy c{std::vector<std::byte>(4096)};
  EXPECT_FALSE(m->read(65536, 4096, copy_out, &c));
  EXPECT_EQ(c.calls, 0);
  // Half of the range cached: still not.
  const auto data = pattern(4096);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 131072), 4096);
  Copy two{std::vector<std::byte>(8192)};
  EXPECT_FALSE(m->read(131072, 8192, copy_out, &two));
  EXPECT_EQ(two.calls, 0);
  Copy one{std::vector<std::byte>(4096)};
  EXPECT_TRUE(m->read(131072, 4096, copy_out, &one));
  EXPECT_EQ(0, std::memcmp(one.out.data(), data.data(), 4096));
}

struct Shrink {
  int fd;
  int calls = 0;
  unsigned sum = 0;
};

// Cuts the file short while inside the mapping, then reads on: SIGBUS.
void shrink_then_read(const std::byte* bytes, void* context) {
  auto* s = static_cast<Shrink*>(context);
  ++s->calls;
  EXPECT_EQ(::ftruncate(s->fd, 0), 0);
  for (std::size_t i = 0; i < 65536; i += 512) s->sum += static_cast<unsigned>(bytes[i]);
}

TEST(FileMapping, AFileCutShortUnderTheReaderCostsTheReadNotTheProcess) {
  TempFile f(65536);
  const auto data = pattern(65536);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 0), 65536);
  auto m = FileMapping::create(f.fd, 65536);
  ASSERT_TRUE(m);
  Shrink s{f.fd};
  EXPECT_FALSE(m->read(0, 65536, shrink_then_read, &s));
  EXPECT_EQ(s.calls, 1);
  // The file's pages are gone: not cached, not read; the next reader is fine.
  Copy c{std::vector<std::byte>(4096)};
  EXPECT_FALSE(m->read(0, 4096, copy_out, &c));
  EXPECT_EQ(c.calls, 0);
  ASSERT_EQ(::ftruncate(f.fd, 65536), 0);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 0), 65536);
  EXPECT_TRUE(m->read(0, 4096, copy_out, &c));
  EXPECT_EQ(0, std::memcmp(c.out.data(), data.data(), 4096));
}

TEST(FileMapping, CachedPagesAreWrittenInPlace) {
  TempFile f(1 << 20);
  const auto data = pattern(1 << 20);
  ASSERT_EQ(::pwrite(f.fd, data.data(), 65536, 0), 65536);  // the first 64 KiB cached
  auto m = FileMapping::create(f.fd, 1 << 20, /*writable=*/true);
  ASSERT_TRUE(m);
  const auto other = pattern(8192 + 1);
  ASSERT_TRUE(m->copy_in(4096 + 512, other.data() + 1, 8192));
  std::vector<std::byte> got(8192);
  ASSERT_EQ(::pread(f.fd, got.data(), got.size(), 4096 + 512), 8192);
  EXPECT_EQ(0, std::memcmp(got.data(), other.data() + 1, 8192));
  // Not cached, or partly: refused and left alone, for the caller's pwrite.
  EXPECT_FALSE(m->copy_in(65536, other.data(), 4096));
  EXPECT_FALSE(m->copy_in(65536 - 4096, other.data(), 8192));
  ASSERT_EQ(::pread(f.fd, got.data(), 4096, 65536 - 4096), 4096);
  EXPECT_EQ(0, std::memcmp(got.data(), data.data() + 65536 - 4096, 4096));
  // Beyond the mapping.
  EXPECT_FALSE(m->copy_in((1 << 20) - 4096, other.data(), 8192));
  // A read-only mapping reads in place but never writes.
  auto ro = FileMapping::create(f.fd, 1 << 20);
  ASSERT_TRUE(ro);
  EXPECT_FALSE(ro->copy_in(0, other.data(), 4096));
  Copy c{std::vector<std::byte>(4096)};
  EXPECT_TRUE(ro->read(0, 4096, copy_out, &c));
}

// Cuts the file short while inside the mapping, then writes on: SIGBUS.
void shrink_then_write(std::byte* bytes, void* context) {
  auto* s = static_cast<Shrink*>(context);
  ++s->calls;
  EXPECT_EQ(::ftruncate(s->fd, 0), 0);
  for (std::size_t i = 0; i < 65536; i += 512) bytes[i] = std::byte{0x11};
}

TEST(FileMapping, AFileCutShortUnderTheWriterCostsTheWriteNotTheProcess) {
  TempFile f(65536);
  const auto data = pattern(65536);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 0), 65536);
  auto m = FileMapping::create(f.fd, 65536, /*writable=*/true);
  ASSERT_TRUE(m);
  Shrink s{f.fd};
  EXPECT_FALSE(m->write(0, 65536, shrink_then_write, &s));
  EXPECT_EQ(s.calls, 1);
  struct stat st {};
  ASSERT_EQ(::fstat(f.fd, &st), 0);
  EXPECT_EQ(st.st_size, 0) << "a store past the end does not grow the file";
  // Grown and cached again: written in place as before.
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 0), 65536);
  EXPECT_TRUE(m->copy_in(0, data.data() + 4096, 4096));
}

TEST(FileMappingDeathTest, ASigbusOutsideAGuardedReadStillKills) {
  TempFile f(65536);
  const auto data = pattern(65536);
  ASSERT_EQ(::pwrite(f.fd, data.data(), data.size(), 0), 65536);
  auto m = FileMapping::create(f.fd, 65536);  // installs the handler
  ASSERT_TRUE(m);
  EXPECT_DEATH(
      {
        void* p = ::mmap(nullptr, 65536, PROT_READ, MAP_SHARED, f.fd, 0);
        if (::ftruncate(f.fd, 0) != 0) ::_exit(0);
        volatile const unsigned char* q = static_cast<const unsigned char*>(p);
        unsigned v = q[8192];
        ::_exit(static_cast<int>(v) & 0);  // reached only if the read did not fault
      },
      "");
}

}  // namespace
}  // namespace udm::io

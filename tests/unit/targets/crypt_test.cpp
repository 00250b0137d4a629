// crypt: sectors on the backing device must be what `openssl enc` makes of
// them with the IV each IV mode prescribes (known answers from the openssl
// command, not from the code under test); table text, options, errors, and
// the key messages.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "testing.hpp"
#include "crypt/cipher_spec.hpp"
#include "crypt/key.hpp"
#include "crypt/sector_crypter.hpp"
#include "crypt/xts_native.hpp"
#include "io/backing.hpp"
#include "io/inline_writes.hpp"
#include "io_test_util.hpp"

#include <openssl/evp.h>

namespace udm::targets {
namespace {

using testing::TestBed;

std::string hex(const std::vector<std::uint8_t>& v) { return crypt::to_hex(v); }

std::vector<std::uint8_t> bytes(std::size_t n, std::uint32_t seed) {
  auto p = testing::pattern(n, seed);
  std::vector<std::uint8_t> out(n);
  std::memcpy(out.data(), p.data(), n);
  return out;
}

std::string tmp_path(const char* tag) {
  return (::testing::TempDir().empty() ? std::string("/tmp/") : ::testing::TempDir()) + "udm-crypt-" +
         std::to_string(::getpid()) + "-" + tag;
}

void write_file(const std::string& path, const void* data, std::size_t n) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}

// A file of `n` zero bytes, written through the page cache (which then holds it).
void write_zeros(const std::string& path, std::size_t n) {
  std::vector<std::uint8_t> zero(n);
  write_file(path, zero.data(), zero.size());
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

// `openssl <args> < IN > OUT` on `in`.
std::vector<std::uint8_t> openssl(const std::string& args, const std::vector<std::uint8_t>& in) {
  const std::string a = tmp_path("in"), b = tmp_path("out");
  write_file(a, in.data(), in.size());
  std::string cmd = "openssl " + args + " < " + a + " > " + b;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto out = read_file(b);
  std::remove(a.c_str());
  std::remove(b.c_str());
  return out;
}

std::vector<std::uint8_t> openssl_enc(const std::string& cipher, const std::vector<std::uint8_t>& key,
                                      const std::vector<std::uint8_t>& iv, const std::vector<std::uint8_t>& in) {
  std::string args = "enc -" + cipher + " -nopad -K " + hex(key);
  if (!iv.empty()) args += " -iv " + hex(iv);
  return openssl(args, in);
}

// XTS (IEEE 1619) built here from AES-ECB by the openssl command, whose
// `enc` refuses XTS: T = E_K2(iv); C_j = E_K1(P_j ^ T_j) ^ T_j; T_j+1 = T_j * x in GF(2^128).
std::vector<std::uint8_t> xts_reference(const std::vector<std::uint8_t>& key, const std::vector<std::uint8_t>& iv,
                                        const std::vector<std::uint8_t>& plain) {
  const std::size_t half = key.size() / 2;
  const std::string ecb = "aes-" + std::to_string(half * 8) + "-ecb";
  std::vector<std::uint8_t> k1(key.begin(), key.begin() + half), k2(key.begin() + half, key.end());
  auto t = openssl_enc(ecb, k2, {}, iv);
  EXPECT_EQ(t.size(), 16u);
  std::vector<std::uint8_t> tweaks(plain.size()), mixed(plain.size());
  for (std::size_t j = 0; j < plain.size(); j += 16) {
    std::copy(t.begin(), t.end(), tweaks.begin() + j);
    std::uint8_t carry = 0;
    for (std::size_t i = 0; i < 16; ++i) {
      std::uint8_t next = t[i] >> 7;
      t[i] = static_cast<std::uint8_t>(t[i] << 1 | carry);
      carry = next;
    }
    if (carry) t[0] ^= 0x87;
  }
  for (std::size_t i = 0; i < plain.size(); ++i) mixed[i] = plain[i] ^ tweaks[i];
  auto out = openssl_enc(ecb, k1, {}, mixed);
  EXPECT_EQ(out.size(), plain.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] ^= tweaks[i];
  return out;
}

std::vector<std::uint8_t> le64_iv(std::uint64_t n) {
  std::vector<std::uint8_t> iv(16, 0);
  for (int i = 0; i < 8; ++i) iv[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return iv;
}

std::vector<std::uint8_t> raw_at(io::MemoryDevice& m, byte_count offset, std::size_t n) {
  return {reinterpret_cast<std::uint8_t*>(m.raw()) + offset, reinterpret_cast<std::uint8_t*>(m.raw()) + offset + n};
}

std::vector<std::uint8_t> device_read(io::BlockDevice& d, byte_count offset, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  EXPECT_EQ(core::sync_io(d, io::Op::read, offset, n, reinterpret_cast<std::byte*>(out.data())), 0);
  return out;
}

TEST(Crypt, XtsPlain64SectorsMatchOpensslAndBufferIsUntouched) {
  TestBed bed;
  auto mem = bed.memory("/dev/c0", 4 << 20);
  const auto key = bytes(64, 1);  // AES-256-XTS
  // iv_offset 5, device offset 8 sectors; 1 MiB + 4 KiB so the request is split over the workers.
  auto dev = bed.make("c", "0 2056 crypt aes-xts-plain64 " + hex(key) + " 5 /dev/c0 8");
  ASSERT_TRUE(dev);
  auto data = bytes(2056 * 512, 2);
  const auto copy = data;
  ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
  EXPECT_EQ(data, copy) << "the write buffer was encrypted in place";
  for (std::uint64_t s : {0ull, 1ull, 1000ull, 2055ull}) {
    SCOPED_TRACE(s);
    std::vector<std::uint8_t> plain(data.begin() + s * 512, data.begin() + (s + 1) * 512);
    EXPECT_EQ(raw_at(*mem, (8 + s) * 512, 512), xts_reference(key, le64_iv(s + 5), plain));
  }
  EXPECT_EQ(device_read(*dev, 0, data.size()), data);
  EXPECT_EQ(device_read(*dev, 1000 * 512, 4096), std::vector<std::uint8_t>(data.begin() + 1000 * 512,
                                                                         data.begin() + 1000 * 512 + 4096));
}

// A 1 MiB read left to the pool (no io::InlineWrites on this thread) is cut
// into one piece per pool worker, each with its own child request, read and
// decrypted by that worker: the backing device sees the pieces in flight at
// once. Completions inline (memory), from another thread (delayed) and
// errors all hold.
TEST(Crypt, LargeReadGoesDownAsOnePiecePerWorker) {
  const auto key = bytes(64, 3);
  const std::string line = "0 2048 crypt aes-xts-plain64 " + hex(key) + " 0 /dev/c0 0";
  auto data = bytes(1 << 20, 4);
  {
    TestBed bed;
    auto mem = bed.memory("/dev/c0", 1 << 20);
    testing::FakeDevice::Options hold;
    hold.only_op(io::Op::read);
    auto held = std::make_shared<testing::FakeDevice>(mem, hold);
    bed.backing["/dev/c0"] = held;
    auto dev = bed.make("c", line);
    ASSERT_TRUE(dev);
    ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
    EXPECT_EQ(held->count(io::Op::write), 1u) << "the ciphertext goes down whole";
    held->hold(true);
    std::vector<std::uint8_t> got(data.size());
    testing::PendingIo r(io::Op::read, 0, got.size(), reinterpret_cast<std::byte*>(got.data()));
    dev->submit(&r.request);
    testing::eventually([&] { return held->queued() >= 2; }, 20000);
    EXPECT_EQ(held->queued(), 2u) << "both pieces in flight at once";
    held->hold(false);
    held->release();
    r.wait();
    EXPECT_EQ(r.result.load(), 0);
    EXPECT_EQ(got, data);
    EXPECT_EQ(held->count(io::Op::read), 2u);
  }
  {
    TestBed bed;
    auto mem = bed.memory("/dev/c0", 1 << 20);
    testing::FakeDevice::Options slow;
    slow.delayed(std::chrono::microseconds(500));  // completions from the device's own thread
    bed.backing["/dev/c0"] = std::make_shared<testing::FakeDevice>(mem, slow);
    auto dev = bed.make("c", line);
    ASSERT_TRUE(dev);
    for (int round = 0; round < 20; ++round) {
      ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
      EXPECT_EQ(device_read(*dev, 0, data.size()), data);
    }
    mem->fail_with(EIO);
    std::vector<std::uint8_t> got(data.size());
    EXPECT_EQ(core::sync_io(*dev, io::Op::read, 0, got.size(), reinterpret_cast<std::byte*>(got.data())), -EIO);
    EXPECT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), -EIO);
  }
}

// A backing file whose page cache holds a piece is decrypted straight from
// a mapping of the file: here the only way a read can succeed, since the
// wrapper fails every ordinary read. Offsets and IVs must come out as the
// write path made them.
class InPlaceOnly final : public io::BlockDevice {
 public:
  explicit InPlaceOnly(io::BlockDevicePtr file) : file_(std::move(file)) {}
  byte_count size() const override { return file_->size(); }
  void submit(io::Request* r) override {
    if (r->op == io::Op::read) return r->complete(-EIO);
    file_->submit(r);
  }
  std::string table_name() const override { return file_->table_name(); }
  DevNo devno() const override { return file_->devno(); }
  bool read_in_place(byte_count offset, byte_count length, io::InPlaceFn fn, void* context) override {
    in_place_.fetch_add(1);
    return file_->read_in_place(offset, length, fn, context);
  }
  unsigned in_place() const { return in_place_.load(); }

 private:
  io::BlockDevicePtr file_;
  std::atomic<unsigned> in_place_{0};
};

TEST(Crypt, CachedPiecesOfABackingFileAreDecryptedInPlace) {
  const io::test::TempFile file_of_test(0);  // removed at the end, failed assertions included
  const std::string& path = file_of_test.path();
  write_zeros(path, 4 << 20);
  auto file = io::open_backing(path);
  ASSERT_TRUE(file) << file.error().message;
  const auto key = bytes(64, 21);
  auto data = bytes(2056 * 512, 22);
  for (const char* opts : {"", " 1 sector_size:4096", " 2 sector_size:4096 iv_large_sectors"}) {
    SCOPED_TRACE(opts);
    TestBed bed;
    auto only = std::make_shared<InPlaceOnly>(*file);
    bed.backing[path] = only;
    const std::string sectors = std::string(opts).empty() ? "2056" : "2048";
    auto dev = bed.make("c", "0 " + sectors + " crypt aes-xts-plain64 " + hex(key) + (std::string(opts).empty() ? " 5 " : " 8 ") + path + " 16" + opts);
    ASSERT_TRUE(dev);
    const std::size_t n = std::stoul(sectors) * 512;
    ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, n, reinterpret_cast<std::byte*>(data.data())), 0);
    EXPECT_EQ(device_read(*dev, 0, n), std::vector<std::uint8_t>(data.begin(), data.begin() + n));
    EXPECT_EQ(device_read(*dev, 8192, 4096), std::vector<std::uint8_t>(data.begin() + 8192, data.begin() + 12288));
    EXPECT_GE(only->in_place(), 2u);
  }
}

// Counts the writes that went into the backing file's page cache in place
// and the bytes written the usual way; with `fail_writes`, fails every usual
// write, so a write through it succeeds only in place.
class CountsWrites final : public io::BlockDevice {
 public:
  CountsWrites(io::BlockDevicePtr file, bool fail_writes) : file_(std::move(file)), fail_writes_(fail_writes) {}
  byte_count size() const override { return file_->size(); }
  void submit(io::Request* r) override {
    if (r->op == io::Op::write) {
      if (fail_writes_) return r->complete(-EIO);
      usual_bytes_.fetch_add(r->length);
    }
    file_->submit(r);
  }
  std::string table_name() const override { return file_->table_name(); }
  DevNo devno() const override { return file_->devno(); }
  bool write_in_place(byte_count offset, byte_count length, io::InPlaceWriteFn fn, void* context) override {
    const bool done = file_->write_in_place(offset, length, fn, context);
    if (done) in_place_.fetch_add(1);
    return done;
  }
  unsigned in_place() const { return in_place_.load(); }
  byte_count usual_bytes() const { return usual_bytes_.load(); }

 private:
  io::BlockDevicePtr file_;
  bool fail_writes_;
  std::atomic<unsigned> in_place_{0};
  std::atomic<byte_count> usual_bytes_{0};
};

// The ciphertext of `data` written at 0 through `table` (its device named
// /dev/ref), made the usual way: into a bounce buffer, then one write.
std::vector<std::uint8_t> reference_ciphertext(const std::string& table, std::vector<std::uint8_t> data,
                                               byte_count at, byte_count size) {
  TestBed bed;
  auto mem = bed.memory("/dev/ref", size);
  auto dev = bed.make("ref", table);
  EXPECT_TRUE(dev);
  if (!dev) return {};
  EXPECT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
  return raw_at(*mem, at, data.size());
}

std::vector<std::uint8_t> file_bytes(const std::string& path, byte_count at, std::size_t n) {
  auto all = read_file(path);
  if (all.size() < at + n) return {};
  return {all.begin() + static_cast<std::ptrdiff_t>(at), all.begin() + static_cast<std::ptrdiff_t>(at + n)};
}

// A write whose backing pages the page cache holds is encrypted straight
// into them: here the only way it can succeed, since the wrapper fails
// every ordinary write. The bytes must be what the usual path makes, with
// each sector's IV; a FUA write still takes the usual write.
TEST(Crypt, CachedPagesOfABackingFileAreEncryptedInPlace) {
  const io::test::TempFile file_of_test(0);
  const std::string& path = file_of_test.path();
  write_zeros(path, 4 << 20);
  auto file = io::open_backing(path);
  ASSERT_TRUE(file) << file.error().message;
  const auto key = bytes(64, 25);
  auto data = bytes(2056 * 512, 26);
  for (const char* opts : {"", " 1 sector_size:4096", " 2 sector_size:4096 iv_large_sectors"}) {
    SCOPED_TRACE(opts);
    TestBed bed;
    auto only = std::make_shared<CountsWrites>(*file, true);
    bed.backing[path] = only;
    const std::string sectors = std::string(opts).empty() ? "2056" : "2048";
    const std::string rest = std::string(opts).empty() ? " 5 " : " 8 ";
    const std::size_t n = std::stoul(sectors) * 512;
    const std::vector<std::uint8_t> part(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    auto dev = bed.make("c", "0 " + sectors + " crypt aes-xts-plain64 " + hex(key) + rest + path + " 16" + opts);
    ASSERT_TRUE(dev);
    ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, n, reinterpret_cast<std::byte*>(data.data())), 0);
    EXPECT_EQ(only->in_place(), 2u) << "a piece per worker";
    EXPECT_EQ(data, bytes(2056 * 512, 26)) << "the caller's buffer is untouched";
    const auto expected = reference_ciphertext(
        "0 " + sectors + " crypt aes-xts-plain64 " + hex(key) + rest + "/dev/ref 16" + opts, part, 16 * 512, 4 << 20);
    EXPECT_EQ(file_bytes(path, 16 * 512, n), expected);
    EXPECT_EQ(device_read(*dev, 0, n), part);
    const unsigned before = only->in_place();
    EXPECT_EQ(core::sync_io(*dev, io::Op::write, 0, 65536, reinterpret_cast<std::byte*>(data.data()), true), -EIO);
    EXPECT_EQ(only->in_place(), before) << "FUA is never written in place";
  }
}

// Pieces whose pages are not cached are encrypted into the bounce buffer and
// written as usual beside those that went in place; every byte comes out
// as the usual path makes it.
TEST(Crypt, PiecesThePageCacheDoesNotHoldAreWrittenAsUsual) {
  const io::test::TempFile file_of_test(0);
  const std::string& path = file_of_test.path();
  const auto key = bytes(64, 27);
  auto data = bytes(1 << 20, 28);
  const std::string table = " crypt aes-xts-plain64 " + hex(key) + " 3 ";
  const auto expected = reference_ciphertext("0 2048" + table + "/dev/ref 0", data, 0, 2 << 20);
  // Which part of the 1 MiB write (a piece per worker: two halves) the cache holds.
  struct Case {
    off_t cached_at, cached_len;
    unsigned in_place;
  };
  for (auto [cached_at, cached_len, in_place] : {Case{512 << 10, 512 << 10, 1}, {0, 512 << 10, 1}, {0, 0, 0},
                                                  {0, 1 << 20, 2}, {8192, 1 << 20, 1}}) {
    SCOPED_TRACE(std::to_string(cached_at) + "+" + std::to_string(cached_len));
    {
      write_zeros(path, 2 << 20);
      // All of it out of the cache, then the cached part read back in alone
      // (no readahead: dropping part of a large folio would not work).
      const int fd = ::open(path.c_str(), O_RDONLY);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::fdatasync(fd), 0);
      ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
      ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), 0);
      std::vector<std::uint8_t> in(static_cast<std::size_t>(cached_len));
      ASSERT_EQ(::pread(fd, in.data(), in.size(), cached_at), cached_len);
      ::close(fd);
    }
    TestBed bed;
    auto file = io::open_backing(path);
    ASSERT_TRUE(file) << file.error().message;
    auto counts = std::make_shared<CountsWrites>(*file, false);
    bed.backing[path] = counts;
    auto dev = bed.make("c", "0 2048" + table + path + " 0");
    ASSERT_TRUE(dev);
    ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
    EXPECT_EQ(file_bytes(path, 0, data.size()), expected);
    EXPECT_EQ(counts->in_place(), in_place);
    EXPECT_EQ(counts->usual_bytes(), (2 - in_place) * (512 << 10));
  }
}

// Which threads submitted reads and writes to a device.
class RecordsThreads final : public io::BlockDevice {
 public:
  explicit RecordsThreads(io::BlockDevicePtr dev) : dev_(std::move(dev)) {}
  byte_count size() const override { return dev_->size(); }
  void submit(io::Request* r) override {
    if (r->op == io::Op::read || r->op == io::Op::write) {
      std::lock_guard g(lock_);
      threads_.push_back(std::this_thread::get_id());
    }
    dev_->submit(r);
  }
  std::string table_name() const override { return dev_->table_name(); }
  DevNo devno() const override { return dev_->devno(); }
  std::vector<std::thread::id> take() {
    std::lock_guard g(lock_);
    return std::exchange(threads_, {});
  }

 private:
  io::BlockDevicePtr dev_;
  std::mutex lock_;
  std::vector<std::thread::id> threads_;
};

// A submitter that may block (a FUSE worker, under io::InlineWrites) does
// all of its request itself, large or small, whatever else is in flight;
// other threads (an NBD connection's reader, whose InlineWrites stops at
// 64 KiB, an engine thread) leave it to the pool, a piece per worker.
TEST(Crypt, ASubmitterThatMayBlockDoesAllOfItsRequestItself) {
  const auto key = bytes(64, 31);
  auto data = bytes(1 << 20, 32);
  TestBed bed;
  auto mem = bed.memory("/dev/c0", 8 << 20);
  testing::FakeDevice::Options hold;
  hold.only_op(io::Op::write);
  auto held = std::make_shared<testing::FakeDevice>(mem, hold);
  auto rec = std::make_shared<RecordsThreads>(held);
  bed.backing["/dev/c0"] = rec;
  auto dev = bed.make("c", "0 16384 crypt aes-xts-plain64 " + hex(key) + " 0 /dev/c0 0");
  ASSERT_TRUE(dev);
  const auto me = std::this_thread::get_id();
  for (bool here : {false, true}) {
    SCOPED_TRACE(here ? "under InlineWrites" : "without");
    std::optional<io::InlineWrites> inline_here;
    if (here) inline_here.emplace(data.size());
    ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
    const auto writers = rec->take();
    ASSERT_EQ(writers.size(), 1u) << "the ciphertext goes down whole";
    EXPECT_EQ(writers[0] == me, here);
    std::vector<std::uint8_t> got(data.size());
    ASSERT_EQ(core::sync_io(*dev, io::Op::read, 0, got.size(), reinterpret_cast<std::byte*>(got.data())), 0);
    EXPECT_EQ(got, data);
    const auto readers = rec->take();
    if (here) {
      EXPECT_EQ(readers, std::vector<std::thread::id>{me}) << "one piece, read on the submitting thread";
    } else {
      ASSERT_EQ(readers.size(), 2u) << "a piece per worker";
      EXPECT_EQ(std::count(readers.begin(), readers.end(), me), 0);
    }
    // A request too small to cut is one piece: done here under InlineWrites too.
    ASSERT_EQ(core::sync_io(*dev, io::Op::read, 8192, 4096, reinterpret_cast<std::byte*>(got.data())), 0);
    EXPECT_TRUE(std::equal(got.begin(), got.begin() + 4096, data.begin() + 8192));
    const auto small = rec->take();
    ASSERT_EQ(small.size(), 1u);
    EXPECT_EQ(small[0] == me, here);
  }
  // With writes of others held in flight, still all of it here.
  held->hold(true);
  std::vector<std::unique_ptr<testing::PendingIo>> busy;
  for (byte_count i = 1; i < 5; ++i) {
    busy.push_back(std::make_unique<testing::PendingIo>(io::Op::write, i << 20, data.size(),
                                                        reinterpret_cast<std::byte*>(data.data())));
    dev->submit(&busy.back()->request);
  }
  testing::eventually([&] { return held->queued() >= 4; }, 20000);
  ASSERT_EQ(held->queued(), 4u);
  rec->take();
  std::vector<std::uint8_t> got(data.size());
  {
    io::InlineWrites inline_here(got.size());
    ASSERT_EQ(core::sync_io(*dev, io::Op::read, 0, got.size(), reinterpret_cast<std::byte*>(got.data())), 0);
  }
  EXPECT_EQ(got, data);
  EXPECT_EQ(rec->take(), std::vector<std::thread::id>{me});
  held->hold(false);
  held->release();
  for (auto& b : busy) {
    b->wait();
    EXPECT_EQ(b->result.load(), 0);
  }
  EXPECT_EQ(device_read(*dev, 4 << 20, data.size()), data);
  // An NBD reader's InlineWrites covers less than the request: the pool's.
  rec->take();
  io::InlineWrites small(64 << 10);
  ASSERT_EQ(core::sync_io(*dev, io::Op::read, 0, got.size(), reinterpret_cast<std::byte*>(got.data())), 0);
  EXPECT_EQ(got, data);
  const auto readers = rec->take();
  ASSERT_EQ(readers.size(), 2u);
  for (auto id : readers) EXPECT_NE(id, me);
}

// The backing file cut short under a live crypt device: reads past its new
// end fail, reads before it still decrypt, and the daemon lives on.
TEST(Crypt, ABackingFileCutShortFailsReadsBeyondItsEnd) {
  const io::test::TempFile file_of_test(0);
  const std::string& path = file_of_test.path();
  write_zeros(path, 2 << 20);
  TestBed bed;
  auto file = io::open_backing(path);
  ASSERT_TRUE(file) << file.error().message;
  bed.backing[path] = *file;
  const auto key = bytes(64, 23);
  auto dev = bed.make("c", "0 4096 crypt aes-xts-plain64 " + hex(key) + " 0 " + path + " 0");
  ASSERT_TRUE(dev);
  auto data = bytes(2 << 20, 24);
  ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
  EXPECT_EQ(device_read(*dev, 0, data.size()), data);  // cached: read in place
  ASSERT_EQ(::truncate(path.c_str(), 1 << 20), 0);
  std::vector<std::uint8_t> got(data.size());
  EXPECT_LT(core::sync_io(*dev, io::Op::read, 0, got.size(), reinterpret_cast<std::byte*>(got.data())), 0);
  EXPECT_EQ(device_read(*dev, 0, 1 << 19), std::vector<std::uint8_t>(data.begin(), data.begin() + (1 << 19)));
}

TEST(Crypt, CapiSpellingGivesTheSameCiphertext) {
  TestBed bed;
  auto a = bed.memory("/dev/a", 1 << 20);
  auto b = bed.memory("/dev/b", 1 << 20);
  const auto key = bytes(32, 3);  // AES-128-XTS
  auto da = bed.make("a", "0 64 crypt aes-xts-plain64 " + hex(key) + " 0 /dev/a 0");
  auto db = bed.make("b", "0 64 crypt capi:xts(aes)-plain64 " + hex(key) + " 0 /dev/b 0");
  auto data = bytes(64 * 512, 4);
  ASSERT_EQ(core::sync_io(*da, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
  ASSERT_EQ(core::sync_io(*db, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
  EXPECT_EQ(raw_at(*a, 0, data.size()), raw_at(*b, 0, data.size()));
  std::vector<std::uint8_t> s3(data.begin() + 3 * 512, data.begin() + 4 * 512);
  EXPECT_EQ(raw_at(*a, 3 * 512, 512), xts_reference(key, le64_iv(3), s3));
  EXPECT_EQ(db->status(core::StatusType::table, false)[0].text.substr(0, 22), "capi:xts(aes)-plain64 ");
}

TEST(Crypt, FourKiBSectorsWithAndWithoutLargeIvs) {
  for (bool large : {false, true}) {
    SCOPED_TRACE(large);
    TestBed bed;
    auto mem = bed.memory("/dev/c0", 1 << 20);
    const auto key = bytes(64, 5);
    auto dev = bed.make("c", "0 256 crypt aes-xts-plain64 " + hex(key) + " 0 /dev/c0 0 " +
                                 (large ? "2 sector_size:4096 iv_large_sectors" : "1 sector_size:4096"));
    ASSERT_TRUE(dev);
    EXPECT_EQ(dev->limits().logical_block_size, 4096u);
    auto data = bytes(256 * 512, 6);
    ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
    std::vector<std::uint8_t> block2(data.begin() + 2 * 4096, data.begin() + 3 * 4096);
    // Block 2: IV 2 in 4 KiB units, else 16 (its first 512-byte sector).
    EXPECT_EQ(raw_at(*mem, 2 * 4096, 4096), xts_reference(key, le64_iv(large ? 2 : 16), block2));
    EXPECT_EQ(device_read(*dev, 0, data.size()), data);
    // A 512-byte request cannot be served by a 4 KiB-sector crypt.
    std::vector<std::byte> small(512);
    EXPECT_NE(core::sync_io(*dev, io::Op::read, 512, 512, small.data()), 0);
  }
}

TEST(Crypt, EssivSha256MatchesOpenssl) {
  TestBed bed;
  auto mem = bed.memory("/dev/c0", 1 << 20);
  const auto key = bytes(32, 7);
  auto dev = bed.make("c", "0 64 crypt aes-cbc-essiv:sha256 " + hex(key) + " 0 /dev/c0 0");
  ASSERT_TRUE(dev);
  auto data = bytes(64 * 512, 8);
  ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
  const auto salt = openssl("dgst -sha256 -binary", key);
  ASSERT_EQ(salt.size(), 32u);
  for (std::uint64_t s : {0ull, 9ull}) {
    const auto iv = openssl_enc("aes-256-ecb", salt, {}, le64_iv(s));
    std::vector<std::uint8_t> plain(data.begin() + s * 512, data.begin() + (s + 1) * 512);
    EXPECT_EQ(raw_at(*mem, s * 512, 512), openssl_enc("aes-256-cbc", key, iv, plain)) << s;
  }
  EXPECT_EQ(device_read(*dev, 0, data.size()), data);
}

TEST(Crypt, PlainPlain64beAndNullIvs) {
  const std::uint64_t iv_offset = (1ull << 32) + 3;  // plain keeps only the low 32 bits
  struct Case {
    const char* mode;
    std::vector<std::uint8_t> (*iv)(std::uint64_t);
  };
  const Case cases[] = {
      {"plain", [](std::uint64_t s) { return le64_iv(s & 0xffffffffu); }},
      {"plain64", [](std::uint64_t s) { return le64_iv(s); }},
      {"plain64be",
       [](std::uint64_t s) {
         std::vector<std::uint8_t> iv(16, 0);
         for (int i = 0; i < 8; ++i) iv[15 - i] = static_cast<std::uint8_t>(s >> (8 * i));
         return iv;
       }},
      {"null", [](std::uint64_t) { return std::vector<std::uint8_t>(16, 0); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mode);
    TestBed bed;
    auto mem = bed.memory("/dev/c0", 1 << 20);
    const auto key = bytes(32, 9);
    auto dev = bed.make("c", "0 16 crypt aes-cbc-" + std::string(c.mode) + " " + hex(key) + " " +
                                 std::to_string(iv_offset) + " /dev/c0 0");
    ASSERT_TRUE(dev);
    auto data = bytes(16 * 512, 10);
    ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
    std::vector<std::uint8_t> s5(data.begin() + 5 * 512, data.begin() + 6 * 512);
    EXPECT_EQ(raw_at(*mem, 5 * 512, 512), openssl_enc("aes-256-cbc", key, c.iv(iv_offset + 5), s5));
    EXPECT_EQ(device_read(*dev, 0, data.size()), data);
  }
}

TEST(Crypt, TableOutputHasTheFullKeyAndOptionsInKernelOrder) {
  TestBed bed;
  bed.memory("/dev/c0", 1 << 20);
  const auto key = bytes(64, 11);
  auto t = bed.table("0 64 crypt aes-xts-plain64 " + hex(key) +
                     " 7 /dev/c0 16 5 iv_large_sectors sector_size:4096 no_write_workqueue allow_discards "
                     "same_cpu_crypt");
  ASSERT_FALSE(t) << "iv_offset 7 is not a multiple of 8 sectors";
  t = bed.table("0 64 crypt aes-xts-plain64 " + hex(key) +
                " 8 /dev/c0 16 5 iv_large_sectors sector_size:4096 no_write_workqueue allow_discards same_cpu_crypt");
  ASSERT_TRUE(t) << t.error().message;
  auto* target = (*t)->entry(0).target.get();
  EXPECT_EQ(target->status(core::StatusType::table),
            "aes-xts-plain64 " + hex(key) +
                " 8 /dev/c0 16 5 allow_discards same_cpu_crypt no_write_workqueue sector_size:4096 iv_large_sectors");
  EXPECT_EQ(target->status(core::StatusType::info), "");
}

TEST(Crypt, ErrorsNameTheProblemAndNeverTheKey) {
  TestBed bed;
  bed.memory("/dev/c0", 1 << 20);
  const std::string key = hex(bytes(64, 12));
  auto err = [&](const std::string& params) {
    auto t = bed.table("0 64 crypt " + params);
    EXPECT_FALSE(t) << params;
    std::string m = t ? "" : t.error().message;
    EXPECT_EQ(m.find(key), std::string::npos) << m;
    return m;
  };
  EXPECT_NE(err("aes-xts-plain64 " + key + " 0 /dev/c0").find("Not enough arguments"), std::string::npos);
  EXPECT_NE(err("aes-xts " + key + " 0 /dev/c0 0").find("IV mechanism required"), std::string::npos);
  EXPECT_NE(err("aes-cbc-essiv " + key + " 0 /dev/c0 0").find("Digest algorithm missing for ESSIV mode"),
            std::string::npos);
  EXPECT_NE(err("aes-xts-lmk " + key + " 0 /dev/c0 0").find("Invalid IV mode"), std::string::npos);
  EXPECT_NE(err("aes-xts-bogus " + key + " 0 /dev/c0 0").find("Invalid IV mode"), std::string::npos);
  EXPECT_NE(err("aes-xts-plain64 " + key + "zz 0 /dev/c0 0").find("Error decoding and setting key"),
            std::string::npos);
  EXPECT_NE(err("aes-xts-plain64 " + key.substr(0, 40) + " 0 /dev/c0 0").find("key"), std::string::npos);
  EXPECT_NE(err("aes-xts-plain64 " + key + " 0 /dev/c0 0 1 sector_size:1000").find("sector_size"),
            std::string::npos);
  EXPECT_NE(err("aes-xts-plain64 " + key + " 0 /dev/c0 0 1 bogus").find("Invalid feature arguments"),
            std::string::npos);
  EXPECT_NE(err("aes-xts-plain64 " + key + " 0 /dev/c0 0 1 integrity:28:aead").find("dm-integrity"),
            std::string::npos);
  EXPECT_NE(err("aes-xts-plain64 " + key + " 0 /dev/nope 0").find("Device lookup failed"), std::string::npos);
  const std::string m = err("aes-xts-plain64 :64:logon:cryptsetup:1234-d0 0 /dev/c0 0");
  EXPECT_NE(m.find("keyring"), std::string::npos) << m;
  EXPECT_NE(m.find("--disable-keyring"), std::string::npos) << m;
}

TEST(Crypt, KeyWipeNeedsSuspendAndHoldsResumeUntilKeySet) {
  TestBed bed;
  bed.memory("/dev/c0", 1 << 20);
  const auto key = bytes(64, 13);
  auto dev = bed.make("c", "0 64 crypt aes-xts-plain64 " + hex(key) + " 0 /dev/c0 0");
  auto data = bytes(64 * 512, 14);
  ASSERT_EQ(core::sync_io(*dev, io::Op::write, 0, data.size(), reinterpret_cast<std::byte*>(data.data())), 0);
  const std::vector<std::string> wipe{"key", "wipe"};
  EXPECT_FALSE(dev->message(0, wipe)) << "key wipe while running";
  ASSERT_TRUE(dev->suspend(false));
  ASSERT_TRUE(dev->message(0, wipe));
  EXPECT_EQ(dev->status(core::StatusType::table, false)[0].text.find(hex(key)), std::string::npos);
  EXPECT_FALSE(dev->resume()) << "resume without a key";
  const std::vector<std::string> bad{"key", "set", hex(bytes(32, 1))};
  EXPECT_FALSE(dev->message(0, bad)) << "key size changed";
  const std::vector<std::string> set{"key", "set", hex(key)};
  ASSERT_TRUE(dev->message(0, set));
  ASSERT_TRUE(dev->resume());
  EXPECT_EQ(device_read(*dev, 0, data.size()), data);
}

TEST(Crypt, WriteZeroesRefusedDiscardsOnlyWithAllowDiscards) {
  TestBed bed;
  bed.memory("/dev/c0", 1 << 20);
  bed.memory("/dev/c1", 1 << 20);
  const auto key = hex(bytes(64, 15));
  auto plain = bed.make("p", "0 64 crypt aes-xts-plain64 " + key + " 0 /dev/c0 0");
  auto disc = bed.make("d", "0 64 crypt aes-xts-plain64 " + key + " 0 /dev/c1 0 1 allow_discards");
  EXPECT_EQ(plain->limits().discard_granularity, 0u);
  EXPECT_NE(disc->limits().discard_granularity, 0u);
  EXPECT_FALSE(plain->limits().write_zeroes);
  EXPECT_EQ(core::sync_io(*disc, io::Op::discard, 0, 4096), 0);
}

// XTS runs as ECB plus tweaks in SectorCrypter; OpenSSL's own XTS must agree.
TEST(CryptSectorCrypter, XtsMatchesOpensslXtsBothWays) {
  for (std::size_t key_bytes : {32u, 64u}) {
    for (std::uint32_t ss : {512u, 4096u}) {
      SCOPED_TRACE(std::to_string(key_bytes) + " " + std::to_string(ss));
      const auto key = bytes(key_bytes, 20 + ss);
      auto spec = crypt::parse_cipher_spec("aes-xts-plain64");
      auto c = crypt::SectorCrypter::create(*spec, key);
      ASSERT_TRUE(c);
      const std::size_t n = 40;  // crosses a 64 KiB group for 4 KiB sectors
      auto plain = bytes(n * ss, 21);
      std::vector<std::uint8_t> mine(plain.size());
      const std::uint64_t first = 123456789, step = 3;
      ASSERT_TRUE((*c)->crypt(crypt::Direction::encrypt, reinterpret_cast<const std::byte*>(plain.data()),
                              reinterpret_cast<std::byte*>(mine.data()), plain.size(), ss, first, step));
      const EVP_CIPHER* xts = key_bytes == 32 ? EVP_aes_128_xts() : EVP_aes_256_xts();
      std::vector<std::uint8_t> want(plain.size());
      for (std::size_t i = 0; i < n; ++i) {
        auto iv = le64_iv(first + i * step);
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        int outl = 0;
        ASSERT_EQ(EVP_EncryptInit_ex(ctx, xts, nullptr, key.data(), iv.data()), 1);
        ASSERT_EQ(EVP_EncryptUpdate(ctx, &want[i * ss], &outl, &plain[i * ss], static_cast<int>(ss)), 1);
        EVP_CIPHER_CTX_free(ctx);
      }
      EXPECT_EQ(mine, want);
      ASSERT_TRUE((*c)->crypt(crypt::Direction::decrypt, reinterpret_cast<const std::byte*>(mine.data()),
                              reinterpret_cast<std::byte*>(mine.data()), mine.size(), ss, first, step));
      EXPECT_EQ(mine, plain);
    }
  }
}

// Every sector of a request many sectors long gets its own IV, whichever
// XTS path the sector size takes (ECB plus tweaks in groups below 2 KiB,
// OpenSSL's XTS per sector above) and wherever a group boundary falls:
// each sector checked against OpenSSL's XTS keyed with that sector's IV,
// including plain's 32-bit wrap inside a group, in place and out of place.
TEST(CryptSectorCrypter, EverySectorOfALongRequestHasItsOwnIv) {
  struct Mode {
    const char* spec;
    std::vector<std::uint8_t> (*iv)(std::uint64_t);
  };
  const Mode modes[] = {
      {"aes-xts-plain64", [](std::uint64_t s) { return le64_iv(s); }},
      {"aes-xts-plain", [](std::uint64_t s) { return le64_iv(s & 0xffffffffu); }},
      {"aes-xts-plain64be",
       [](std::uint64_t s) {
         std::vector<std::uint8_t> iv(16, 0);
         for (int i = 0; i < 8; ++i) iv[15 - i] = static_cast<std::uint8_t>(s >> (8 * i));
         return iv;
       }},
  };
  for (const Mode& m : modes) {
    for (std::size_t key_bytes : {32u, 64u}) {
      for (std::uint32_t ss : {512u, 1024u, 2048u, 4096u}) {
        SCOPED_TRACE(std::string(m.spec) + " key " + std::to_string(key_bytes) + " sector " + std::to_string(ss));
        const auto key = bytes(key_bytes, 40 + ss);
        auto spec = crypt::parse_cipher_spec(m.spec);
        ASSERT_TRUE(spec);
        auto c = crypt::SectorCrypter::create(*spec, key);
        ASSERT_TRUE(c);
        const std::size_t n = 16 * 1024 / ss * 3 + 5;  // three groups and part of a fourth
        const std::uint64_t step = ss / 512;
        const std::uint64_t first = (1ull << 32) - 7 * step;  // plain wraps inside the first group
        const auto plain = bytes(n * ss, 41);
        std::vector<std::uint8_t> mine(plain.size());
        ASSERT_TRUE((*c)->crypt(crypt::Direction::encrypt, reinterpret_cast<const std::byte*>(plain.data()),
                                reinterpret_cast<std::byte*>(mine.data()), plain.size(), ss, first, step));
        const EVP_CIPHER* xts = key_bytes == 32 ? EVP_aes_128_xts() : EVP_aes_256_xts();
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        for (std::size_t i = 0; i < n; ++i) {
          const auto iv = m.iv(first + i * step);
          std::vector<std::uint8_t> want(ss);
          int outl = 0;
          ASSERT_EQ(EVP_EncryptInit_ex(ctx, xts, nullptr, key.data(), iv.data()), 1);
          ASSERT_EQ(EVP_EncryptUpdate(ctx, want.data(), &outl, &plain[i * ss], static_cast<int>(ss)), 1);
          ASSERT_TRUE(std::equal(want.begin(), want.end(), mine.begin() + static_cast<std::ptrdiff_t>(i * ss)))
              << "sector " << i << " of " << n;
        }
        EVP_CIPHER_CTX_free(ctx);
        auto again = plain;  // in place gives the same
        ASSERT_TRUE((*c)->crypt(crypt::Direction::encrypt, reinterpret_cast<const std::byte*>(again.data()),
                                reinterpret_cast<std::byte*>(again.data()), again.size(), ss, first, step));
        EXPECT_EQ(again, mine);
        ASSERT_TRUE((*c)->crypt(crypt::Direction::decrypt, reinterpret_cast<const std::byte*>(mine.data()),
                                reinterpret_cast<std::byte*>(mine.data()), mine.size(), ss, first, step));
        EXPECT_EQ(mine, plain);
      }
    }
  }
}

// The VAES code alone (what SectorCrypter uses for AES-XTS on this CPU)
// against OpenSSL's XTS, sector by sector: both key sizes, each sector
// size, a batch of first tweaks that does not end on a multiple of 16
// sectors; in place and back.
TEST(CryptNativeXts, MatchesOpensslXtsSectorBySector) {
  if (!crypt::xts::NativeXts::available()) GTEST_SKIP() << "no VAES/AVX-512 on this CPU";
  for (std::size_t key_bytes : {32u, 64u}) {
    for (std::uint32_t ss : {512u, 1024u, 4096u}) {
      SCOPED_TRACE(std::to_string(key_bytes) + " " + std::to_string(ss));
      const auto key = bytes(key_bytes, 60 + ss);
      crypt::xts::NativeXts x;
      ASSERT_TRUE(x.set_key(key.data(), key.size()));
      const std::size_t n = 21;
      std::vector<std::uint8_t> ivs;
      for (std::size_t i = 0; i < n; ++i) {
        auto iv = le64_iv(0xfffffff0ull + 977 * i);
        ivs.insert(ivs.end(), iv.begin(), iv.end());
      }
      const auto plain = bytes(n * ss, 61);
      std::vector<std::uint8_t> mine(plain.size());
      x.crypt(true, reinterpret_cast<const std::byte*>(plain.data()), reinterpret_cast<std::byte*>(mine.data()), n,
              ss, ivs.data());
      const EVP_CIPHER* xts = key_bytes == 32 ? EVP_aes_128_xts() : EVP_aes_256_xts();
      EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
      for (std::size_t i = 0; i < n; ++i) {
        std::vector<std::uint8_t> want(ss);
        int outl = 0;
        ASSERT_EQ(EVP_EncryptInit_ex(ctx, xts, nullptr, key.data(), &ivs[16 * i]), 1);
        ASSERT_EQ(EVP_EncryptUpdate(ctx, want.data(), &outl, &plain[i * ss], static_cast<int>(ss)), 1);
        ASSERT_TRUE(std::equal(want.begin(), want.end(), mine.begin() + static_cast<std::ptrdiff_t>(i * ss)))
            << "sector " << i;
      }
      EVP_CIPHER_CTX_free(ctx);
      x.crypt(false, reinterpret_cast<const std::byte*>(mine.data()), reinterpret_cast<std::byte*>(mine.data()), n,
              ss, ivs.data());
      EXPECT_EQ(mine, plain);
    }
  }
  crypt::xts::NativeXts x;
  EXPECT_FALSE(x.set_key(bytes(48, 1).data(), 48));  // AES-192-XTS is not one it takes
}

// OpenSSL refuses XTS keys whose halves are equal; so does the table.
TEST(CryptSectorCrypter, XtsKeyWithEqualHalvesIsRefused) {
  auto spec = crypt::parse_cipher_spec("aes-xts-plain64");
  std::vector<std::uint8_t> key(64, 0x11);
  auto c = crypt::SectorCrypter::create(*spec, key);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("Error decoding and setting key"), std::string::npos) << c.error().message;
}

TEST(CryptCipherSpec, ParsesCryptsetupSpellings) {
  auto a = crypt::parse_cipher_spec("aes-cbc-essiv:sha256");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->cipher, "aes");
  EXPECT_EQ(a->chain, "cbc");
  EXPECT_EQ(a->iv, crypt::IvMode::essiv);
  EXPECT_EQ(a->iv_opts, "sha256");
  auto b = crypt::parse_cipher_spec("capi:cbc(aes)-essiv:sha256");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->chain, "cbc");
  EXPECT_EQ(b->cipher, "aes");
  EXPECT_EQ(b->iv_opts, "sha256");
  auto c = crypt::parse_cipher_spec("aes");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->chain, "cbc");
  EXPECT_EQ(c->iv, crypt::IvMode::plain);
  EXPECT_TRUE(crypt::parse_cipher_spec("aes-ecb"));
  EXPECT_FALSE(crypt::parse_cipher_spec("aes:64-cbc-lmk"));
  EXPECT_FALSE(crypt::parse_cipher_spec("capi:authenc(hmac(sha256),xts(aes))-random"));
}

}  // namespace
}  // namespace udm::targets

// snapshot, snapshot-origin, snapshot-merge and the exception store. The COW
// device is checked by a reader written here from the kernel's documented
// layout (not the project's loader): header {magic "SnAp", valid, version 1,
// chunk size}, then areas of one metadata chunk of {le64 old, le64 new}
// records followed by chunk_size*512/16 data chunks, ending at new == 0.
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "targets/exception_store.hpp"
#include "targets/snapshot_group_commit.hpp"
#include "targets/snapshot_hold.hpp"
#include "targets/snapshot_throttle.hpp"
#include "testing.hpp"

namespace udm::targets {
namespace {

using io::Op;
using testing::sync_io;
using testing::TestBed;

std::uint64_t le(const std::byte* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
  return v;
}

struct CowImage {
  std::uint32_t magic = 0, valid = 0, version = 0, chunk = 0;
  std::map<std::uint64_t, std::uint64_t> map;  // old chunk -> new chunk
  std::uint64_t areas = 0;                    // metadata areas read
};

// The independent reader.
CowImage read_cow(const std::byte* d, std::size_t size) {
  CowImage img;
  img.magic = static_cast<std::uint32_t>(le(d, 4));
  img.valid = static_cast<std::uint32_t>(le(d + 4, 4));
  img.version = static_cast<std::uint32_t>(le(d + 8, 4));
  img.chunk = static_cast<std::uint32_t>(le(d + 12, 4));
  if (img.magic != 0x70416e53 || img.chunk == 0) return img;
  const std::size_t cb = std::size_t{img.chunk} * 512, per = cb / 16;
  for (std::uint64_t a = 0;; ++a) {
    const std::size_t at = (1 + a * (per + 1)) * cb;
    if (at + cb > size) break;
    ++img.areas;
    std::size_t i = 0;
    for (; i < per; ++i) {
      const std::uint64_t o = le(d + at + i * 16, 8), n = le(d + at + i * 16 + 8, 8);
      if (n == 0) break;
      img.map[o] = n;
    }
    if (i < per) break;
  }
  return img;
}

std::string status_of(const core::MappedDevicePtr& d, core::StatusType t = core::StatusType::info) {
  auto s = d->status(t, false);
  return s.empty() ? "" : s[0].text;
}

using testing::eventually;

// --- the store ----------------------------------------------------------------

TEST(ExceptionStore, RoundTripAcrossAreasMatchesTheKernelLayout) {
  auto cow = std::make_shared<io::MemoryDevice>(2 << 20, "/dev/cow");
  std::vector<Exception> made;
  {
    auto s = ExceptionStore::open_persistent(cow, 8, false, {});
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ((*s)->exceptions_per_area(), 256u);
    EXPECT_EQ((*s)->usage().allocated, 16u);
    EXPECT_EQ((*s)->usage().metadata, 16u);
    for (int i = 0; i < 300; ++i) {
      auto c = (*s)->prepare();
      ASSERT_TRUE(c);
      made.push_back({std::uint64_t(1000 + 3 * i), *c});
    }
    // Chunk 258 is area 1's metadata chunk: never handed out.
    for (auto& e : made) EXPECT_NE(e.new_chunk, 258u);
    ASSERT_EQ((*s)->commit({made.begin(), made.begin() + 100}), 0);
    ASSERT_EQ((*s)->commit({made.begin() + 100, made.end()}), 0);
    EXPECT_EQ((*s)->usage().metadata, 24u);  // header + 2 areas
  }
  const CowImage img = read_cow(cow->raw(), cow->size());
  EXPECT_EQ(img.magic, 0x70416e53u);
  EXPECT_EQ(img.valid, 1u);
  EXPECT_EQ(img.version, 1u);
  EXPECT_EQ(img.chunk, 8u);
  EXPECT_EQ(img.areas, 2u);
  ASSERT_EQ(img.map.size(), made.size());
  for (auto& e : made) EXPECT_EQ(img.map.at(e.old_chunk), e.new_chunk);

  std::vector<Exception> loaded;
  auto again = ExceptionStore::open_persistent(cow, 0, false, [&](const Exception& e) { loaded.push_back(e); });
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->chunk_size(), 8u);
  ASSERT_EQ(loaded.size(), made.size());
  for (std::size_t i = 0; i < made.size(); ++i) {
    EXPECT_EQ(loaded[i].old_chunk, made[i].old_chunk);
    EXPECT_EQ(loaded[i].new_chunk, made[i].new_chunk);
  }
  EXPECT_EQ((*again)->usage().allocated, 303u * 8);  // 300 data + header + 2 areas
  auto c = (*again)->prepare();
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, 303u);
}

TEST(ExceptionStore, CorruptStoresAreRefusedWithAReason) {
  auto cow = std::make_shared<io::MemoryDevice>(256 << 10, "/dev/cow");
  ASSERT_TRUE(ExceptionStore::open_persistent(cow, 8, false, {}));
  auto reopen = [&] { return ExceptionStore::open_persistent(cow, 8, false, {}); };
  std::byte* d = cow->raw();
  // A record pointing past the device.
  d[4096 + 8] = std::byte{0xff};
  d[4096 + 15] = std::byte{0x7f};
  auto r = reopen();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("past the end of the COW device"), std::string::npos) << r.error().message;
  // A record pointing at a metadata chunk (area 1 at chunk 258 is past this small device; use chunk 1).
  std::memset(d + 4096, 0, 16);
  d[4096 + 8] = std::byte{1};
  r = reopen();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("metadata area"), std::string::npos) << r.error().message;
  std::memset(d + 4096, 0, 16);
  d[12] = std::byte{3};  // chunk size 3
  r = reopen();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("Chunk size is not a power of 2"), std::string::npos) << r.error().message;
  d[12] = std::byte{8};
  d[8] = std::byte{2};  // version
  r = reopen();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "unable to handle snapshot disk version 2");
  d[0] = std::byte{'x'};
  r = reopen();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENXIO);
  EXPECT_EQ(r.error().message, "Invalid or corrupt snapshot");
}

// A device with a volatile write cache: writes since the last flush may be
// lost, or land in any subset, when the power goes.
class CacheDevice final : public io::BlockDevice {
 public:
  explicit CacheDevice(byte_count size) : live_(size), durable_(size) {}
  byte_count size() const override { return live_.size(); }
  std::string table_name() const override { return "/dev/cache"; }
  DevNo devno() const override { return {}; }
  void submit(io::Request* r) override {
    {
      std::lock_guard g(m_);
      if (r->offset + r->length > live_.size()) {
        r->complete(-EIO);
        return;
      }
      switch (r->op) {
        case Op::read:
          std::memcpy(r->data, live_.data() + r->offset, r->length);
          break;
        case Op::write:
          std::memcpy(live_.data() + r->offset, r->data, r->length);
          unflushed_.push_back({r->offset, std::vector<std::byte>(r->data, r->data + r->length)});
          if (r->fua) persist();
          break;
        case Op::flush:
          persist();
          break;
        default:
          break;
      }
      if (on_op) on_op();
    }
    r->complete(0);
  }
  // What the disk could hold if the power went now (under m_ from on_op).
  std::vector<std::byte> crash_image(std::mt19937& rng) const {
    auto img = durable_;
    for (const auto& w : unflushed_)
      if (rng() % 2) std::memcpy(img.data() + w.offset, w.data.data(), w.data.size());
    return img;
  }
  std::function<void()> on_op;

 private:
  struct Write {
    byte_count offset;
    std::vector<std::byte> data;
  };
  void persist() {
    for (const auto& w : unflushed_) std::memcpy(durable_.data() + w.offset, w.data.data(), w.data.size());
    unflushed_.clear();
  }
  std::mutex m_;
  std::vector<std::byte> live_, durable_;
  std::vector<Write> unflushed_;
};

TEST(ExceptionStore, ACrashNeverExposesAHalfCopiedChunk) {
  // chunk 2 sectors: 64 records per area, so the run crosses areas.
  const sector_t chunk = 2;
  const byte_count cb = sectors_to_bytes(chunk);
  auto cache = std::make_shared<CacheDevice>(512 << 10);
  std::mt19937 rng(7);
  struct Crash {
    std::vector<std::byte> image;
    std::size_t acknowledged;
  };
  std::vector<Crash> crashes;
  std::atomic<std::size_t> acknowledged{0};
  auto store = ExceptionStore::open_persistent(cache, chunk, false, {});
  ASSERT_TRUE(store);
  cache->on_op = [&] {
    if (rng() % 3 == 0) crashes.push_back({cache->crash_image(rng), acknowledged.load()});
  };
  auto data_for = [&](std::uint64_t old) { return testing::pattern(cb, static_cast<std::uint32_t>(old)); };
  std::size_t made = 0;
  for (int round = 0; round < 40; ++round) {
    std::vector<Exception> batch;
    for (int k = 0; k < 1 + round % 5; ++k) {
      auto c = (*store)->prepare();
      ASSERT_TRUE(c);
      Exception e{std::uint64_t(made++ * 7 + 1), *c};
      auto d = data_for(e.old_chunk);
      ASSERT_EQ(sync_io(*cache, Op::write, e.new_chunk * cb, cb, d.data()), 0);  // the "copy"
      batch.push_back(e);
    }
    ASSERT_EQ((*store)->commit(batch), 0);
    acknowledged += batch.size();
  }
  cache->on_op = nullptr;
  ASSERT_GT(crashes.size(), 50u);
  for (const auto& crash : crashes) {
    auto mem = std::make_shared<io::MemoryDevice>(crash.image.size(), "/dev/crash");
    std::memcpy(mem->raw(), crash.image.data(), crash.image.size());
    std::size_t found = 0;
    bool torn = false;
    auto s = ExceptionStore::open_persistent(mem, 0, false, [&](const Exception& e) {
      ++found;
      if (std::memcmp(mem->raw() + e.new_chunk * cb, data_for(e.old_chunk).data(), cb) != 0) torn = true;
    });
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_FALSE(torn) << "an exception whose data never reached the disk";
    EXPECT_GE(found, crash.acknowledged) << "a committed exception was lost";
  }
}

// --- the targets --------------------------------------------------------------

constexpr byte_count MiB = 1 << 20;

struct SnapBed : TestBed {
  std::shared_ptr<io::MemoryDevice> origin = memory("/dev/o", MiB);
  std::vector<std::byte> before = testing::pattern(MiB, 1);
  SnapBed() { std::memcpy(origin->raw(), before.data(), MiB); }
  std::vector<std::byte> read_all(io::BlockDevice& d) {
    std::vector<std::byte> v(d.size());
    EXPECT_EQ(sync_io(d, Op::read, 0, v.size(), v.data()), 0);
    return v;
  }
};

// Random writes of 1..40 sectors, from several threads at once.
std::vector<std::byte> scribble(io::BlockDevice& d, std::vector<std::byte> now, std::uint32_t seed, int writes) {
  const sector_t sectors = bytes_to_sectors(d.size());
  std::mutex m;
  std::vector<std::thread> threads;
  // Each thread owns one quarter, so the expected result is deterministic.
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(seed + t);
      const sector_t q = sectors / 4, base = q * t;
      for (int i = 0; i < writes; ++i) {
        const sector_t n = rng() % 40 + 1, s = base + rng() % (q - n);
        auto data = testing::pattern(sectors_to_bytes(n), rng());
        EXPECT_EQ(sync_io(d, Op::write, sectors_to_bytes(s), data.size(), data.data()), 0);
        std::lock_guard g(m);
        std::memcpy(now.data() + sectors_to_bytes(s), data.data(), data.size());
      }
    });
  for (auto& t : threads) t.join();
  return now;
}

TEST(Snapshot, OriginWritesCopyToEverySnapshotAndTheCowIsInTheKernelFormat) {
  SnapBed bed;
  auto cow1 = bed.memory("/dev/c1", MiB);
  auto cow2 = bed.memory("/dev/c2", MiB);
  auto s1 = bed.make("s1", "0 2048 snapshot /dev/o /dev/c1 P 8");
  auto s2 = bed.make("s2", "0 2048 snapshot /dev/o /dev/c2 N 16");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s1 && s2 && o);
  EXPECT_EQ(status_of(s1), "16/2048 16");
  EXPECT_EQ(status_of(s2), "0/2048 0");
  EXPECT_EQ(status_of(s1, core::StatusType::table), "/dev/o /dev/c1 P 8");
  EXPECT_EQ(status_of(o, core::StatusType::table), "/dev/o");
  EXPECT_EQ(status_of(o), "");

  auto after = scribble(*o, bed.before, 3, 60);
  EXPECT_EQ(bed.read_all(*o), after);
  EXPECT_TRUE(bed.read_all(*s1) == bed.before) << "snapshot 1 lost its view";
  EXPECT_TRUE(bed.read_all(*s2) == bed.before) << "snapshot 2 lost its view";

  // The COW as the kernel would read it: every record's data chunk holds the
  // origin's old chunk, and the status counts what is there.
  const CowImage img = read_cow(cow1->raw(), cow1->size());
  ASSERT_EQ(img.magic, 0x70416e53u);
  EXPECT_EQ(img.valid, 1u);
  EXPECT_EQ(img.chunk, 8u);
  ASSERT_FALSE(img.map.empty());
  std::uint64_t top = 0;
  for (auto [old_chunk, new_chunk] : img.map) {
    EXPECT_EQ(std::memcmp(cow1->raw() + new_chunk * 4096, bed.before.data() + old_chunk * 4096, 4096), 0)
        << "chunk " << old_chunk;
    top = std::max(top, new_chunk);
  }
  // Exactly the chunks that changed have exceptions.
  for (std::uint64_t c = 0; c < 256; ++c) {
    const bool changed = std::memcmp(after.data() + c * 4096, bed.before.data() + c * 4096, 4096) != 0;
    if (changed) {
      EXPECT_TRUE(img.map.count(c)) << "chunk " << c << " changed but was not copied";
    }
  }
  EXPECT_EQ(status_of(s1), std::to_string((top + 1) * 8) + "/2048 16");
}

TEST(Snapshot, ReadersOfTheSnapshotNeverSeeConcurrentOriginWrites) {
  SnapBed bed;
  // Reads of the origin take 0-4 ms and may overtake each other, so a
  // snapshot read is still in flight when an origin write is let through.
  bed.backing["/dev/o"] = std::make_shared<testing::FakeDevice>(
      bed.origin, testing::FakeDevice::Options().delayed(std::chrono::microseconds(4000)).only_op(Op::read));
  bed.memory("/dev/c", 2 * MiB);
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s && o);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)  // writers on the same chunks
    threads.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      for (int i = 0; i < 150; ++i) {
        const sector_t n = rng() % 24 + 1, at = rng() % (256 - n);
        auto data = testing::pattern(sectors_to_bytes(n), rng());
        EXPECT_EQ(sync_io(*o, Op::write, sectors_to_bytes(at), data.size(), data.data()), 0);
      }
    });
  for (int t = 0; t < 2; ++t)  // readers of the snapshot
    threads.emplace_back([&, t] {
      std::mt19937 rng(200 + t);
      std::vector<std::byte> buf(16 * 512);
      while (!stop) {
        const sector_t at = rng() % (256 - 16);
        EXPECT_EQ(sync_io(*s, Op::read, sectors_to_bytes(at), buf.size(), buf.data()), 0);
        if (std::memcmp(buf.data(), bed.before.data() + sectors_to_bytes(at), buf.size()) != 0) ++bad;
        ++reads;
      }
    });
  for (int t = 0; t < 4; ++t) threads[t].join();
  stop = true;
  for (std::size_t t = 4; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(bad.load(), 0) << "of " << reads.load() << " snapshot reads";
  EXPECT_TRUE(bed.read_all(*s) == bed.before);
}

TEST(Snapshot, WritesToTheSnapshotGoToTheCowAndSurviveAReload) {
  SnapBed bed;
  auto cow = bed.memory("/dev/c", MiB);
  std::string table = "0 2048 snapshot /dev/o /dev/c P 8";
  std::vector<std::byte> view;
  {
    auto s = bed.make("s", table);
    ASSERT_TRUE(s);
    view = scribble(*s, bed.before, 9, 40);
    auto whole = testing::pattern(4096, 77);  // one whole chunk: written without a copy
    ASSERT_EQ(sync_io(*s, Op::write, 8 * 4096, 4096, whole.data()), 0);
    std::memcpy(view.data() + 8 * 4096, whole.data(), 4096);
    EXPECT_EQ(bed.read_all(*s), view);
    EXPECT_EQ(std::memcmp(bed.origin->raw(), bed.before.data(), MiB), 0) << "a snapshot write reached the origin";
    ASSERT_TRUE(bed.devices.remove(s, false));
  }
  // A new device on the same COW reads everything back from disk.
  auto again = bed.make("s2", table);
  ASSERT_TRUE(again);
  EXPECT_EQ(bed.read_all(*again), view);
  const CowImage img = read_cow(cow->raw(), cow->size());
  EXPECT_EQ(img.map.count(8), 1u);
}

TEST(Snapshot, OriginAndSnapshotStateSurviveTableSwaps) {
  SnapBed bed;
  bed.memory("/dev/c", MiB);
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s && o);
  auto reload = [&](const core::MappedDevicePtr& d, std::string_view text) {
    auto lines = core::parse_table_text(text, "test");
    ASSERT_TRUE(lines);
    auto t = bed.devices.build_table(*lines, false, *d);
    ASSERT_TRUE(t) << t.error().message;
    d->load(std::move(*t));
    ASSERT_TRUE(d->suspend(false));
    ASSERT_TRUE(d->resume());
  };
  auto now = scribble(*o, bed.before, 51, 20);
  const std::size_t shared = bed.targets.services().shared().size();
  EXPECT_EQ(shared, 2u);  // one origin, one snapshot
  reload(o, "0 2048 snapshot-origin /dev/o");
  reload(s, "0 2048 snapshot /dev/o /dev/c P 8");
  EXPECT_EQ(bed.targets.services().shared().size(), shared) << "a table swap made new state";
  now = scribble(*o, now, 61, 20);
  EXPECT_EQ(bed.read_all(*o), now);
  EXPECT_TRUE(bed.read_all(*s) == bed.before) << "the snapshot lost its view across table swaps";
  // A second table naming the same COW with another origin is refused.
  bed.memory("/dev/o2", MiB);
  auto other = bed.table("0 2048 snapshot /dev/o2 /dev/c P 8");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("Snapshot cow pairing for exception table handover failed"), std::string::npos);
}

TEST(Snapshot, RunningOutOfSpaceInvalidatesTheSnapshotButNotTheOrigin) {
  SnapBed bed;
  auto cow = bed.memory("/dev/c", 8 * 4096);  // header, area, 6 data chunks
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s && o);
  auto data = testing::pattern(10 * 4096, 5);
  ASSERT_EQ(sync_io(*o, Op::write, 0, data.size(), data.data()), 0);
  EXPECT_EQ(status_of(s), "Invalid");
  ASSERT_EQ(sync_io(*o, Op::flush, 0, 0), 0);  // held writes landed
  EXPECT_EQ(std::memcmp(bed.origin->raw(), data.data(), data.size()), 0);
  std::vector<std::byte> buf(4096);
  EXPECT_EQ(sync_io(*s, Op::read, 0, 4096, buf.data()), -EIO);
  EXPECT_EQ(sync_io(*s, Op::write, 0, 4096, buf.data()), -EIO);
  // Still writable afterwards, and the header says invalid for good.
  ASSERT_EQ(sync_io(*o, Op::write, 20 * 4096, 4096, buf.data()), 0);
  // Through the device's lock: the header is written by a worker meanwhile.
  auto on_disk = [&] {
    std::vector<std::byte> v(cow->size());
    EXPECT_EQ(sync_io(*cow, Op::read, 0, v.size(), v.data()), 0);
    return read_cow(v.data(), v.size());
  };
  EXPECT_TRUE(eventually([&] { return on_disk().valid == 0; }));
  EXPECT_EQ(on_disk().magic, 0x70416e53u);
  ASSERT_TRUE(bed.devices.remove(s, false));
  auto again = bed.make("s2", "0 2048 snapshot /dev/o /dev/c P 8");
  ASSERT_TRUE(again);
  EXPECT_EQ(status_of(again), "Invalid");
}

TEST(Snapshot, OverflowSupportKeepsReadsWorking) {
  SnapBed bed;
  bed.memory("/dev/c", 8 * 4096);
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c PO 8");
  ASSERT_TRUE(s);
  EXPECT_EQ(status_of(s, core::StatusType::table), "/dev/o /dev/c PO 8");
  auto data = testing::pattern(10 * 4096, 5);
  EXPECT_EQ(sync_io(*s, Op::write, 0, data.size(), data.data()), -EIO);
  EXPECT_EQ(status_of(s), "Overflow");
  std::vector<std::byte> buf(4096);
  EXPECT_EQ(sync_io(*s, Op::read, 0, 4096, buf.data()), 0);
  EXPECT_EQ(std::memcmp(buf.data(), data.data(), 4096), 0);
}

TEST(Snapshot, DiscardZeroesCowZeroesWholeExceptionsOnly) {
  SnapBed bed;
  bed.memory("/dev/c", MiB);
  bed.memory("/dev/c2", MiB);
  auto plain = bed.make("p", "0 2048 snapshot /dev/o /dev/c2 P 8");
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8 1 discard_zeroes_cow");
  ASSERT_TRUE(plain && s);
  EXPECT_EQ(sync_io(*plain, Op::discard, 0, 4096), -EOPNOTSUPP);
  auto data = testing::pattern(2 * 4096, 3);
  ASSERT_EQ(sync_io(*s, Op::write, 0, data.size(), data.data()), 0);
  ASSERT_EQ(sync_io(*s, Op::discard, 0, 4096), 0);           // a whole chunk with an exception: zeroed
  ASSERT_EQ(sync_io(*s, Op::discard, 10 * 4096, 4096), 0);   // no exception: nothing happens
  std::vector<std::byte> buf(2 * 4096), zero(4096);
  ASSERT_EQ(sync_io(*s, Op::read, 0, buf.size(), buf.data()), 0);
  EXPECT_EQ(std::memcmp(buf.data(), zero.data(), 4096), 0);
  EXPECT_EQ(std::memcmp(buf.data() + 4096, data.data() + 4096, 4096), 0);
  ASSERT_EQ(sync_io(*s, Op::read, 10 * 4096, 4096, buf.data()), 0);
  EXPECT_EQ(std::memcmp(buf.data(), bed.before.data() + 10 * 4096, 4096), 0);
  EXPECT_EQ(std::memcmp(bed.origin->raw(), bed.before.data(), MiB), 0);
}

TEST(Snapshot, DiscardPassdownReachesTheOriginWithoutCopyOut) {
  SnapBed bed;
  bed.memory("/dev/c", MiB);
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8 2 discard_zeroes_cow discard_passdown_origin");
  ASSERT_TRUE(s);
  auto data = testing::pattern(4096, 3);
  ASSERT_EQ(sync_io(*s, Op::write, 0, 4096, data.data()), 0);
  const std::string before = status_of(s);
  ASSERT_EQ(sync_io(*s, Op::discard, 0, 2 * 4096), 0);
  std::vector<std::byte> zero(2 * 4096), buf(2 * 4096);
  // MemoryDevice discards read back as zeros: both the COW chunk and the origin's.
  EXPECT_EQ(std::memcmp(bed.origin->raw(), zero.data(), zero.size()), 0) << "the discard did not reach the origin";
  ASSERT_EQ(sync_io(*s, Op::read, 0, 4096, buf.data()), 0);
  EXPECT_EQ(std::memcmp(buf.data(), zero.data(), 4096), 0);
  EXPECT_EQ(status_of(s), before) << "a passed-down discard must not allocate exceptions";
}

TEST(Snapshot, TableErrorsAreTheKernels) {
  SnapBed bed;
  bed.memory("/dev/c", MiB);
  auto err = [&](std::string_view t) {
    auto r = bed.table(t);
    return r ? std::string("accepted") : r.error().message;
  };
  EXPECT_NE(err("0 2048 snapshot /dev/o /dev/c P").find("requires 4 or more arguments"), std::string::npos);
  EXPECT_NE(err("0 2048 snapshot /dev/o /dev/c X 8").find("Exception store type is not P or N"), std::string::npos);
  EXPECT_NE(err("0 2048 snapshot /dev/o /dev/c P 7").find("Chunk size is not a power of 2"), std::string::npos);
  EXPECT_NE(err("0 2048 snapshot /dev/o /dev/c N 0").find("Chunk size not set"), std::string::npos);
  EXPECT_NE(err("0 2048 snapshot /dev/o /dev/o P 8").find("COW device cannot be the same as origin device"),
            std::string::npos);
  EXPECT_NE(err("0 2048 snapshot /dev/o /dev/c P 8 1 discard_passdown_origin").find("depends on discard_zeroes_cow"),
            std::string::npos);
  EXPECT_NE(err("0 2048 snapshot-merge /dev/o /dev/c N 8").find("does not support snapshot-merge"), std::string::npos);
  EXPECT_NE(err("0 2048 snapshot-origin /dev/o /dev/c").find("origin: incorrect number of arguments"),
            std::string::npos);
  auto ok = bed.table("0 2048 snapshot /dev/o /dev/c p 0 2 discard_zeroes_cow discard_passdown_origin");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)->entry(0).target->status(core::StatusType::table),
            "/dev/o /dev/c P 32 2 discard_zeroes_cow discard_passdown_origin");
}

// The COW device with its writes held while `hold` is on.
std::shared_ptr<testing::FakeDevice> held_cow(SnapBed& bed, byte_count bytes) {
  auto cow = std::make_shared<testing::FakeDevice>(
      bed.memory("/dev/c", bytes), testing::FakeDevice::Options().only_op(Op::write));
  bed.backing["/dev/c"] = cow;
  return cow;
}

TEST(Snapshot, FirstWritesCopyConcurrentlyAndCommitInOneBatch) {
  SnapBed bed;
  // The copies' reads of the origin are held while `hold` is on.
  auto origin = std::make_shared<testing::FakeDevice>(bed.origin, testing::FakeDevice::Options().only_op(Op::read));
  bed.backing["/dev/o"] = origin;
  auto cow = std::make_shared<testing::FakeDevice>(bed.memory("/dev/c", MiB), testing::FakeDevice::Options());
  bed.backing["/dev/c"] = cow;
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s && o);
  origin->hold(true);
  constexpr int N = 16;
  std::vector<std::vector<std::byte>> data;
  std::vector<std::unique_ptr<testing::PendingIo>> ios;
  for (int i = 0; i < N; ++i) {
    data.push_back(testing::pattern(4096, 300 + i));
    ios.push_back(std::make_unique<testing::PendingIo>(Op::write, (3 * i + 1) * 4096, 4096, data.back().data()));
    o->submit(&ios.back()->request);
  }
  // The committer reads the queued chunks together: the first batch's reads
  // are out at once; chunks queued while they are read form the next batch.
  EXPECT_TRUE(eventually([&] { return origin->queued() >= 1; }, 5000)) << origin->queued() << " copies in flight";
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::size_t first_batch = origin->queued();
  // Held: completed at once, but none reaches the origin before its copy.
  for (auto& io : ios) {
    io->wait();
    EXPECT_EQ(io->result.load(), 0);
  }
  EXPECT_EQ(origin->count(Op::write), 0u) << "an origin write went ahead of its copy";
  const auto flushes = cow->count(Op::flush), writes = cow->count(Op::write);
  origin->hold(false);
  origin->release();
  // A flush of the origin returns once every held write has landed.
  ASSERT_EQ(sync_io(*o, Op::flush, 0, 0), 0);
  EXPECT_EQ(origin->count(Op::write), std::size_t{N});
  for (int i = 0; i < N; ++i)
    EXPECT_EQ(std::memcmp(bed.origin->raw() + (3 * i + 1) * 4096, data[i].data(), 4096), 0) << i;
  // One commit for all of them, even when the first batch was not all of
  // them (those queued meanwhile are copied before the commit): the data
  // chunks, a flush, the area, a flush.
  EXPECT_EQ(cow->count(Op::flush) - flushes, 2u) << first_batch << " in the first batch";
  EXPECT_EQ(cow->count(Op::write) - writes, N + 1u);
  EXPECT_TRUE(bed.read_all(*s) == bed.before);
  const auto image = bed.read_all(*cow);
  EXPECT_EQ(read_cow(image.data(), image.size()).map.size(), std::size_t{N});
}

// The group-commit policy on measured commit times: a committer waits only
// where commits are slow and fewer exceptions are ready than the last commit
// released, half the average commit time and at most 2 ms.
TEST(SnapshotGroupCommit, WaitsOnlyWhereCommitsAreSlowAndFewerAreReady) {
  using namespace std::chrono_literals;
  using D = snap::GroupCommit::Clock::duration;
  snap::GroupCommit g;
  EXPECT_EQ(g.wait_for(1), D::zero()) << "nothing committed yet";
  const D fast = 50us, slow = 20ms, ms1 = 1ms;
  g.committed(4, &fast);
  EXPECT_EQ(g.wait_for(1), D::zero()) << "fast commits";
  g.committed(4, &slow);  // average (3 * 12.5us + 20ms) / 4
  EXPECT_EQ(g.commit_time(), (3 * (fast / 4) + slow) / 4);
  EXPECT_EQ(g.wait_for(1), snap::GroupCommit::MAX_WAIT) << "half the average is more than 2 ms";
  EXPECT_EQ(g.wait_for(3), snap::GroupCommit::MAX_WAIT);
  EXPECT_EQ(g.wait_for(4), D::zero()) << "as many ready as last time";
  EXPECT_EQ(g.wait_for(9), D::zero());
  g.committed(2, nullptr);  // nothing written: the average stays, the batch is 2
  EXPECT_EQ(g.wait_for(1), snap::GroupCommit::MAX_WAIT);
  EXPECT_EQ(g.wait_for(2), D::zero());
  for (int i = 0; i < 40; ++i) g.committed(8, &ms1);  // the average settles at 1 ms
  EXPECT_LT(g.commit_time() - ms1, 1us);
  EXPECT_EQ(g.wait_for(7), g.commit_time() / 2);
  // Under 200 us on average: no wait however few are ready.
  const D below = snap::GroupCommit::SLOW_COMMIT - 10us, above = snap::GroupCommit::SLOW_COMMIT + 10us;
  snap::GroupCommit b, c;
  for (int i = 0; i < 80; ++i) {
    b.committed(8, &below);
    c.committed(8, &above);
  }
  EXPECT_EQ(b.wait_for(1), D::zero());
  EXPECT_GE(c.commit_time(), snap::GroupCommit::SLOW_COMMIT);
  EXPECT_EQ(c.wait_for(1), c.commit_time() / 2);
}

// The snapshot target times its commits on the group-commit clock and
// follows the policy: with commits made to look slow (a test clock that
// advances 20 ms between a commit's start and end) a lone write's commit
// waits for more after a commit of several; with fast ones it does not.
// Counted, not timed, so it runs in every build.
// (Origin writes wait for their commits: writes are held in udmd only while
// the hold has room; none here.)
struct NoWriteHold {
  snap::WriteHold::Limits saved = snap::WriteHold::limits();
  NoWriteHold() {
    auto l = saved;
    l.writes = 0;
    snap::WriteHold::set_limits(l);
  }
  ~NoWriteHold() { snap::WriteHold::set_limits(saved); }
};

struct CommitClock {
  static inline std::atomic<std::int64_t> ns{0}, step{0};
  static snap::GroupCommit::Clock::time_point now() {
    return snap::GroupCommit::Clock::time_point(std::chrono::nanoseconds(ns.fetch_add(step.load()) + step.load()));
  }
  CommitClock() { snap::GroupCommit::set_clock(&now); }
  ~CommitClock() { snap::GroupCommit::set_clock(nullptr); }
};

TEST(Snapshot, SlowCommitsMakeALoneCommitWaitForMore) {
  NoWriteHold no_hold;
  CommitClock clock;
  SnapBed bed;
  auto origin = std::make_shared<testing::FakeDevice>(bed.origin, testing::FakeDevice::Options().only_op(Op::read));
  bed.backing["/dev/o"] = origin;
  bed.backing["/dev/c"] = bed.memory("/dev/c", MiB);
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s && o);
  constexpr int N = 4;
  std::vector<std::vector<std::byte>> data;
  std::vector<std::unique_ptr<testing::PendingIo>> ios;
  auto write = [&](int chunk) {
    data.push_back(testing::pattern(4096, 500 + chunk));
    ios.push_back(std::make_unique<testing::PendingIo>(Op::write, chunk * 4096, 4096, data.back().data()));
    o->submit(&ios.back()->request);
  };
  auto wait_all = [&] {
    for (auto& io : ios) {
      io->wait();
      EXPECT_EQ(io->result.load(), 0);
    }
  };
  // A commit of several: their copies held until all are queued.
  auto commit_several = [&](int first) {
    origin->hold(true);
    for (int i = 0; i < N; ++i) write(first + 2 * i);
    ASSERT_TRUE(eventually([&] { return origin->queued() >= 1; }, 5000));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    origin->hold(false);
    origin->release();
    wait_all();
  };
  // Waits a lone write's commit started.
  auto lone = [&](int chunk) {
    const auto before = snap::GroupCommit::waits();
    write(chunk);
    wait_all();
    return snap::GroupCommit::waits() - before;
  };
  commit_several(0);  // commits take no time on the test clock
  EXPECT_EQ(lone(100), 0u) << "fast commits: no wait";
  CommitClock::step = 20'000'000;  // each commit now takes 20 ms
  commit_several(20);
  CommitClock::step = 0;
  EXPECT_GE(lone(120), 1u) << "slow commits: no wait for more writes";
  EXPECT_TRUE(bed.read_all(*s) == bed.before);
}

TEST(Snapshot, ReadsAndCopiedChunksDoNotWaitForCopiesOfOtherChunks) {
  SnapBed bed;
  auto cow = held_cow(bed, MiB);
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s && o);
  auto a = testing::pattern(4096, 1), b = testing::pattern(4096, 2);
  ASSERT_EQ(sync_io(*o, Op::write, 5 * 4096, 4096, a.data()), 0);
  ASSERT_EQ(sync_io(*o, Op::flush, 0, 0), 0);  // chunk 5 copied, the write landed
  cow->hold(true);
  // chunk 10's copy is held, and so is this write (FUA: never held in udmd).
  testing::PendingIo stuck(Op::write, 10 * 4096, 4096, b.data());
  stuck.request.fua = true;
  o->submit(&stuck.request);
  ASSERT_TRUE(eventually([&] { return cow->queued() == 1; }));
  std::vector<std::byte> buf(4096);
  auto done_soon = [&](core::MappedDevice& d, Op op, chunk_t chunk, std::byte* data) {
    testing::PendingIo io(op, chunk * 4096, 4096, data);
    d.submit(&io.request);
    const bool done = eventually([&] { return io.completions.load() == 1; }, 5000);
    if (!done) {  // let it finish before `io` goes
      cow->hold(false);
      cow->release();
      io.wait();
    }
    return done && io.result.load() == 0;
  };
  EXPECT_TRUE(done_soon(*o, Op::write, 5, b.data())) << "a write to a copied chunk waited";
  EXPECT_TRUE(done_soon(*o, Op::read, 10, buf.data())) << "an origin read waited for a copy";
  EXPECT_EQ(std::memcmp(buf.data(), bed.before.data() + 10 * 4096, 4096), 0);
  EXPECT_TRUE(done_soon(*s, Op::read, 20, buf.data())) << "a snapshot read waited for another chunk's copy";
  EXPECT_TRUE(done_soon(*s, Op::read, 5, buf.data())) << "a snapshot read of a copied chunk waited";
  EXPECT_EQ(std::memcmp(buf.data(), bed.before.data() + 5 * 4096, 4096), 0);
  EXPECT_TRUE(done_soon(*s, Op::read, 10, buf.data())) << "a snapshot read of the chunk being copied waited";
  EXPECT_EQ(std::memcmp(buf.data(), bed.before.data() + 10 * 4096, 4096), 0);
  EXPECT_EQ(stuck.completions.load(), 0);
  cow->hold(false);
  cow->release();
  stuck.wait();
  EXPECT_EQ(stuck.result.load(), 0);
  EXPECT_TRUE(bed.read_all(*s) == bed.before);
}

// --- the write-back hold -------------------------------------------------------

// Still not completed after a while (it waits for something held).
bool still_waiting(const testing::PendingIo& io, int ms = 50) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return io.completions.load() == 0;
}

struct HoldBed : SnapBed {
  std::shared_ptr<testing::FakeDevice> cow = held_cow(*this, MiB);
  core::MappedDevicePtr s = make("s", "0 2048 snapshot /dev/o /dev/c P 8");
  core::MappedDevicePtr o = make("o", "0 2048 snapshot-origin /dev/o");
  std::vector<std::byte> data = testing::pattern(4096, 77);
  // A first write to `chunk` with the COW's writes held: completed at once,
  // not on the origin device yet.
  void held_write(chunk_t chunk, std::byte* d = nullptr) {
    cow->hold(true);
    ASSERT_EQ(sync_io(*o, Op::write, chunk * 4096, 4096, d ? d : data.data()), 0);
    EXPECT_EQ(std::memcmp(origin->raw() + chunk * 4096, before.data() + chunk * 4096, 4096), 0)
        << "a held write reached the origin before its exception was committed";
  }
  void release_cow() {
    cow->hold(false);
    cow->release();
  }
};

TEST(SnapshotHold, AReadOfAHeldWriteReturnsItsData) {
  HoldBed bed;
  ASSERT_TRUE(bed.s && bed.o);
  bed.held_write(7);
  std::vector<std::byte> buf(4096), other(4096);
  // Other chunks and the snapshot read at once.
  ASSERT_EQ(sync_io(*bed.o, Op::read, 8 * 4096, 4096, other.data()), 0);
  EXPECT_EQ(std::memcmp(other.data(), bed.before.data() + 8 * 4096, 4096), 0);
  ASSERT_EQ(sync_io(*bed.s, Op::read, 7 * 4096, 4096, other.data()), 0);
  EXPECT_EQ(std::memcmp(other.data(), bed.before.data() + 7 * 4096, 4096), 0) << "the snapshot saw the new data";
  // The held chunk: the new data, once it landed.
  testing::PendingIo read(Op::read, 7 * 4096 + 512, 1024, buf.data());
  bed.o->submit(&read.request);
  EXPECT_TRUE(still_waiting(read)) << "read the old data under a held write";
  bed.release_cow();
  read.wait();
  EXPECT_EQ(read.result.load(), 0);
  EXPECT_EQ(std::memcmp(buf.data(), bed.data.data() + 512, 1024), 0);
  EXPECT_TRUE(bed.read_all(*bed.s) == bed.before);
}

TEST(SnapshotHold, AFlushWaitsForTheCommitAndTheOriginWrite) {
  HoldBed bed;
  ASSERT_TRUE(bed.s && bed.o);
  bed.held_write(3);
  testing::PendingIo flush(Op::flush, 0, 0, nullptr), snap_flush(Op::flush, 0, 0, nullptr);
  bed.o->submit(&flush.request);
  bed.s->submit(&snap_flush.request);
  EXPECT_TRUE(still_waiting(flush)) << "an origin flush before the held write was committed";
  EXPECT_EQ(snap_flush.completions.load(), 0) << "a snapshot flush before the held write was committed";
  bed.release_cow();
  flush.wait();
  snap_flush.wait();
  EXPECT_EQ(flush.result.load(), 0);
  EXPECT_EQ(snap_flush.result.load(), 0);
  EXPECT_EQ(std::memcmp(bed.origin->raw() + 3 * 4096, bed.data.data(), 4096), 0);
  const auto image = bed.read_all(*bed.cow);
  EXPECT_EQ(read_cow(image.data(), image.size()).map.count(3), 1u);
  EXPECT_EQ(bed.o->status(core::StatusType::info, false)[0].text, "");
}

TEST(SnapshotHold, ALaterWriteToTheSameBlocksLandsAfterTheHeldOne) {
  HoldBed bed;
  ASSERT_TRUE(bed.s && bed.o);
  bed.held_write(9);
  auto second = testing::pattern(4096, 78);
  testing::PendingIo w(Op::write, 9 * 4096, 4096, second.data());
  bed.o->submit(&w.request);
  EXPECT_TRUE(still_waiting(w)) << "a write overlapping a held write did not wait for it";
  bed.release_cow();
  w.wait();
  ASSERT_EQ(sync_io(*bed.o, Op::flush, 0, 0), 0);
  EXPECT_EQ(std::memcmp(bed.origin->raw() + 9 * 4096, second.data(), 4096), 0) << "the earlier write landed last";
  EXPECT_TRUE(bed.read_all(*bed.s) == bed.before);
}

TEST(SnapshotHold, APassedDownDiscardLandsAfterTheHeldWrite) {
  HoldBed bed;
  ASSERT_TRUE(bed.s && bed.o);
  bed.memory("/dev/c2", MiB);
  auto p = bed.make("p", "0 2048 snapshot /dev/o /dev/c2 P 8 2 discard_zeroes_cow discard_passdown_origin");
  ASSERT_TRUE(p);
  bed.held_write(9);
  testing::PendingIo d(Op::discard, 9 * 4096, 4096, nullptr);
  p->submit(&d.request);
  EXPECT_TRUE(still_waiting(d)) << "a discard passed down to the origin overtook a held write";
  bed.release_cow();
  d.wait();
  EXPECT_EQ(d.result.load(), 0);
  ASSERT_EQ(sync_io(*bed.o, Op::flush, 0, 0), 0);
  std::vector<std::byte> zero(4096);
  EXPECT_EQ(std::memcmp(bed.origin->raw() + 9 * 4096, zero.data(), 4096), 0) << "the held write landed after the discard";
}

TEST(SnapshotHold, SuspendAndRemoveDrainTheHold) {
  HoldBed bed;
  ASSERT_TRUE(bed.s && bed.o);
  bed.held_write(4);
  std::atomic<bool> suspended{false};
  std::thread t([&] {
    EXPECT_TRUE(bed.o->suspend(false));
    suspended = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(suspended.load()) << "suspended with a write still held";
  bed.release_cow();
  t.join();
  EXPECT_EQ(std::memcmp(bed.origin->raw() + 4 * 4096, bed.data.data(), 4096), 0);
  ASSERT_TRUE(bed.o->resume());
  // Removal: the write is on the origin device when the remove returns.
  auto d2 = testing::pattern(4096, 79);
  bed.held_write(5, d2.data());
  std::thread r([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    bed.release_cow();
  });
  ASSERT_TRUE(bed.devices.remove(bed.o, false));
  bed.o.reset();
  EXPECT_EQ(std::memcmp(bed.origin->raw() + 5 * 4096, d2.data(), 4096), 0);
  r.join();
  EXPECT_TRUE(bed.read_all(*bed.s) == bed.before);
}

TEST(SnapshotHold, AFullHoldMakesWritersWaitForTheirCopies) {
  auto saved = snap::WriteHold::limits();
  auto l = saved;
  l.writes = 2;
  snap::WriteHold::set_limits(l);
  {
    HoldBed bed;
    ASSERT_TRUE(bed.s && bed.o);
    bed.held_write(10);
    bed.held_write(11);
    testing::PendingIo w(Op::write, 12 * 4096, 4096, bed.data.data());
    bed.o->submit(&w.request);
    EXPECT_TRUE(still_waiting(w)) << "a third write was held beyond the limit of 2";
    bed.release_cow();
    w.wait();
    EXPECT_EQ(w.result.load(), 0);
    ASSERT_EQ(sync_io(*bed.o, Op::flush, 0, 0), 0);
    for (chunk_t c : {10, 11, 12}) EXPECT_EQ(std::memcmp(bed.origin->raw() + c * 4096, bed.data.data(), 4096), 0);
    EXPECT_TRUE(bed.read_all(*bed.s) == bed.before);
  }
  snap::WriteHold::set_limits(saved);
}

// Many writers, held and not, overlapping at random: the origin ends as the
// writes were completed, and the snapshot as it was (TSan runs this).
TEST(SnapshotHold, ConcurrentOverlappingWritesLandInOrder) {
  SnapBed bed;
  bed.memory("/dev/c", 2 * MiB);
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 1");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s && o);
  auto now = scribble(*o, bed.before, 61, 200);
  EXPECT_TRUE(bed.read_all(*o) == now);
  ASSERT_EQ(sync_io(*o, Op::flush, 0, 0), 0);
  EXPECT_EQ(std::memcmp(bed.origin->raw(), now.data(), MiB), 0);
  EXPECT_TRUE(bed.read_all(*s) == bed.before);
}

TEST(SnapshotThrottle, CountsTheShareOfTimeWithCopiesInFlight) {
  snap::CopyThrottle t;
  using ms = std::chrono::milliseconds;
  const auto t0 = snap::CopyThrottle::Clock::now();
  EXPECT_TRUE(t.admit(t0));  // unthrottled by default
  t.set_percent(50);
  EXPECT_TRUE(t.admit(t0));
  t.io_begin(t0);
  t.io_end(t0 + ms(400));
  EXPECT_FALSE(t.admit(t0 + ms(400))) << "busy all the time, 50% allowed";
  EXPECT_FALSE(t.admit(t0 + ms(700)));
  EXPECT_TRUE(t.admit(t0 + ms(800))) << "busy half the time";
  t.set_percent(100);
  t.io_begin(t0 + ms(800));
  EXPECT_TRUE(t.admit(t0 + ms(2000)));
}

TEST(SnapshotThrottle, AThrottledSnapshotDelaysItsCopies) {
  NoWriteHold no_hold;  // each write's copy starts after the previous one's commit
  SnapBed bed;
  // COW writes take up to 20 ms: a copy keeps the COW busy all the while.
  bed.backing["/dev/c"] = std::make_shared<testing::FakeDevice>(
      bed.memory("/dev/c", MiB),
      testing::FakeDevice::Options().delayed(std::chrono::microseconds(20000)).only_op(Op::write));
  auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8");
  auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
  ASSERT_TRUE(s && o);
  snap::CopyThrottle::global().set_percent(10);
  const auto t0 = std::chrono::steady_clock::now();
  auto data = testing::pattern(4096, 9);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(sync_io(*o, Op::write, (40 + 2 * i) * 4096, 4096, data.data()), 0);
  const auto took = std::chrono::steady_clock::now() - t0;
  snap::CopyThrottle::global().set_percent(100);
  // A later copy found the COW busy more than 10% of the time and slept at least once.
  EXPECT_GE(took, snap::CopyThrottle::SLEEP);
  EXPECT_TRUE(bed.read_all(*s) == bed.before);
}

TEST(SnapshotMerge, MergeCopiesTheSnapshotBackWhileTheOriginStaysUsable) {
  SnapBed bed;
  auto cow = bed.memory("/dev/c", MiB);
  auto cow2 = bed.memory("/dev/c2", MiB);
  std::vector<std::byte> view, other_view;
  {
    auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 8");
    auto o = bed.make("o", "0 2048 snapshot-origin /dev/o");
    ASSERT_TRUE(s && o);
    view = scribble(*s, bed.before, 21, 30);        // the snapshot's own changes
    auto origin_now = scribble(*o, bed.before, 31, 30);  // and the origin's
    ASSERT_EQ(bed.read_all(*s), view);
    ASSERT_TRUE(bed.devices.remove(o, false));
    ASSERT_TRUE(bed.devices.remove(s, false));
    other_view = origin_now;
  }
  // A second snapshot of the origin as it is now must keep that view while the merge rewrites the origin.
  auto s2 = bed.make("s2", "0 2048 snapshot /dev/o /dev/c2 P 8");
  auto m = bed.make("m", "0 2048 snapshot-merge /dev/o /dev/c P 8");
  ASSERT_TRUE(s2 && m);
  EXPECT_EQ(bed.read_all(*m), view) << "the merging origin must show the snapshot's data at once";
  // Writes during the merge land and stay.
  auto extra = testing::pattern(4096 * 3, 99);
  ASSERT_EQ(sync_io(*m, Op::write, 100 * 4096, extra.size(), extra.data()), 0);
  std::memcpy(view.data() + 100 * 4096, extra.data(), extra.size());
  ASSERT_TRUE(eventually([&] {
    const std::string st = status_of(m);
    auto slash = st.find('/'), space = st.find(' ');
    return slash != std::string::npos && st.substr(0, slash) == st.substr(space + 1);
  })) << status_of(m);
  EXPECT_EQ(status_of(m), "16/2048 16");
  EXPECT_EQ(bed.read_all(*m), view);
  EXPECT_EQ(std::memcmp(bed.origin->raw(), view.data(), MiB), 0) << "the origin itself holds the merged data";
  EXPECT_TRUE(read_cow(cow->raw(), cow->size()).map.empty());
  EXPECT_TRUE(bed.read_all(*s2) == other_view) << "another snapshot lost its view during the merge";
}

TEST(SnapshotMerge, AMergeStoppedBySuspendResumesFromTheStoreOnDisk) {
  SnapBed bed;
  bed.memory("/dev/c", 4 * MiB);
  std::vector<std::byte> view;
  {
    auto s = bed.make("s", "0 2048 snapshot /dev/o /dev/c P 1");
    ASSERT_TRUE(s);
    view = scribble(*s, bed.before, 41, 100);
    ASSERT_TRUE(bed.devices.remove(s, false));
  }
  auto m = bed.make("m", "0 2048 snapshot-merge /dev/o /dev/c P 1");
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->suspend(false));
  ASSERT_TRUE(m->resume());
  ASSERT_TRUE(m->suspend(false));
  // As if udmd restarted: the device goes, a new one finds the store on disk.
  ASSERT_TRUE(bed.devices.remove(m, false));
  auto m2 = bed.make("m2", "0 2048 snapshot-merge /dev/o /dev/c P 1");
  ASSERT_TRUE(m2);
  EXPECT_EQ(bed.read_all(*m2), view);
  ASSERT_TRUE(eventually([&] { return status_of(m2) == "2/8192 2"; })) << status_of(m2);
  EXPECT_EQ(std::memcmp(bed.origin->raw(), view.data(), MiB), 0);
}

}  // namespace
}  // namespace udm::targets

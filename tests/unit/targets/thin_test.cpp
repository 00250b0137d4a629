// thin-pool and thin: provisioning, zeros, snapshots, discard, messages,
// status lines, commit on flush, out of data space and a grown data device,
// on MemoryDevices; metadata is checked by reopening it with persistent_data.
#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "persistent_data/thin_metadata.hpp"
#include "testing.hpp"
#include "thin/pool.hpp"

namespace udm::targets {
namespace {

using io::Op;
using testing::sync_io;
using testing::TestBed;

constexpr byte_count kBlock = 64 * 1024;  // 128 sectors

struct ThinBed {
  TestBed bed;
  std::shared_ptr<io::MemoryDevice> meta, data;
  core::MappedDevicePtr pool;

  explicit ThinBed(std::uint64_t data_blocks = 64, const std::string& features = "", unsigned low_water = 0,
                   byte_count meta_bytes = 4 << 20) {
    meta = bed.memory("/dev/meta", meta_bytes);
    data = bed.memory("/dev/data", data_blocks * kBlock);
    pool = bed.make("pool", "0 " + std::to_string(data_blocks * 128) + " thin-pool /dev/meta /dev/data 128 " +
                                std::to_string(low_water) + (features.empty() ? "" : " " + features));
  }
  std::string pool_name() const { return pool->devno().to_string(); }
  Result<std::string> msg(const std::string& text) {
    std::vector<std::string> words;
    std::string w;
    for (char c : text + " ") {
      if (c == ' ') {
        if (!w.empty()) words.push_back(w);
        w.clear();
      } else {
        w += c;
      }
    }
    return pool->message(0, words);
  }
  core::MappedDevicePtr thin(const std::string& name, unsigned id, sector_t sectors = 64 * 128) {
    return bed.make(name, "0 " + std::to_string(sectors) + " thin " + pool_name() + " " + std::to_string(id));
  }
  // create_thin ID, and a thin device of it.
  core::MappedDevicePtr new_thin(unsigned id = 0, sector_t sectors = 64 * 128) {
    EXPECT_TRUE(msg("create_thin " + std::to_string(id)));
    return thin("t" + std::to_string(id), id, sectors);
  }
  std::string status(core::MappedDevice& d, core::StatusType t = core::StatusType::info) {
    return d.status(t, false).at(0).text;
  }
  // The metadata as committed on the device right now.
  std::unique_ptr<pd::ThinMetadata> committed() {
    disk = std::make_unique<pd::MemoryBlockDevice>(meta->size() / pd::kBlockSize);
    // Through the device, not raw(): the pool's timer may be committing.
    std::vector<std::byte> block(pd::kBlockSize);
    for (uint64_t b = 0; b < disk->nr_blocks(); ++b) {
      EXPECT_EQ(sync_io(*meta, Op::read, b * pd::kBlockSize, pd::kBlockSize, block.data()), 0);
      (void)disk->write(b, reinterpret_cast<const uint8_t*>(block.data()));
    }
    auto md = pd::ThinMetadata::open(*disk, pd::ThinMetadata::Mode::read_only);
    EXPECT_TRUE(md.has_value()) << (md ? "" : md.error().message);
    return md ? std::move(*md) : nullptr;
  }
  // Whether the metadata committed on the device maps (dev, vblock).
  bool committed_maps(uint32_t dev, uint64_t vblock) {
    auto md = committed();
    if (!md) return false;
    auto m = md->lookup(dev, vblock);
    EXPECT_TRUE(m.has_value());
    return m && m->has_value();
  }
  // The committed metadata passes its own checks.
  bool committed_verifies() {
    auto md = committed();
    return md && md->verify().has_value();
  }
  std::unique_ptr<pd::MemoryBlockDevice> disk;
};

std::vector<std::byte> read(io::BlockDevice& d, byte_count off, byte_count len) {
  std::vector<std::byte> buf(len, std::byte{0x55});
  EXPECT_EQ(sync_io(d, Op::read, off, len, buf.data()), 0);
  return buf;
}

bool all_zero(const std::vector<std::byte>& v) {
  return std::all_of(v.begin(), v.end(), [](std::byte b) { return b == std::byte{0}; });
}

TEST(ThinPool, FormatsBlankMetadataAndPrintsStatusAndTable) {
  ThinBed t;
  EXPECT_EQ(t.status(*t.pool), "0 9/1024 0/64 - rw discard_passdown queue_if_no_space - 256 ");
  EXPECT_EQ(t.status(*t.pool, core::StatusType::table), "/dev/meta /dev/data 128 0 0 ");
}

TEST(ThinPool, TableEchoesRequestedFeaturesInKernelOrder) {
  ThinBed t(64, "3 error_if_no_space ignore_discard skip_block_zeroing");
  EXPECT_EQ(t.status(*t.pool, core::StatusType::table),
            "/dev/meta /dev/data 128 0 3 skip_block_zeroing ignore_discard error_if_no_space ");
  EXPECT_EQ(t.status(*t.pool), "0 9/1024 0/64 - rw ignore_discard error_if_no_space - 256 ");
}

// The contract of status_roundtrip_test.cpp: status(TABLE) loads back into
// the same device (a reload finds the pool) and prints the same text.
TEST(ThinPool, TableStatusRoundTripsThroughAReload) {
  ThinBed t(64, "2 no_discard_passdown error_if_no_space");
  ASSERT_TRUE(t.pool);
  auto reload = [&](core::MappedDevice& d, const std::string& type, sector_t len) {
    const std::string text = t.status(d, core::StatusType::table);
    auto lines = core::parse_table_text("0 " + std::to_string(len) + " " + type + " " + text, "test");
    ASSERT_TRUE(lines.has_value());
    auto table = t.bed.devices.build_table(*lines, false, d);
    ASSERT_TRUE(table.has_value()) << text << ": " << table.error().message;
    EXPECT_EQ((*table)->entry(0).target->status(core::StatusType::table), text);
  };
  reload(*t.pool, "thin-pool", 64 * 128);
  ASSERT_TRUE(t.msg("create_thin 3"));
  auto d = t.thin("t3", 3);
  reload(*d, "thin", 64 * 128);
}

TEST(ThinPool, BadArgumentsFailTheLoad) {
  TestBed bed;
  bed.memory("/dev/meta", 4 << 20);
  bed.memory("/dev/data", 64 * kBlock);
  auto bad = [&](const std::string& line, const std::string& want) {
    auto t = bed.table(line);
    ASSERT_FALSE(t.has_value()) << line;
    EXPECT_NE(t.error().message.find(want), std::string::npos) << t.error().message;
  };
  bad("0 8192 thin-pool /dev/meta /dev/data 100 0", "Invalid block size");
  bad("0 8192 thin-pool /dev/meta /dev/data 128 x", "Invalid low water mark");
  bad("0 8192 thin-pool /dev/meta /dev/data 128 0 1 frobnicate", "Unrecognised pool feature requested");
  bad("0 8192 thin-pool /dev/meta /dev/data", "Invalid argument count");
}

TEST(ThinPool, RefusesCorruptMetadataWithoutWritingIt) {
  TestBed bed;
  auto meta = bed.memory("/dev/meta", 4 << 20);
  bed.memory("/dev/data", 64 * kBlock);
  std::memset(meta->raw(), 0, 4096);
  meta->raw()[100] = std::byte{7};  // not blank, not a superblock
  std::vector<std::byte> before(meta->raw(), meta->raw() + meta->size());
  auto t = bed.table("0 8192 thin-pool /dev/meta /dev/data 128 0");
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("metadata device /dev/meta"), std::string::npos) << t.error().message;
  EXPECT_EQ(std::memcmp(before.data(), meta->raw(), before.size()), 0);
}

TEST(ThinPool, MessagesAndTheirErrors) {
  ThinBed t;
  ASSERT_TRUE(t.msg("create_thin 0"));
  auto dup = t.msg("create_thin 0");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, EEXIST);
  EXPECT_FALSE(t.msg("create_thin 16777216"));
  EXPECT_FALSE(t.msg("create_thin"));
  ASSERT_TRUE(t.msg("CREATE_SNAP 1 0"));
  ASSERT_TRUE(t.msg("set_transaction_id 0 5"));
  auto wrong = t.msg("set_transaction_id 0 6");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, EINVAL);
  ASSERT_TRUE(t.msg("reserve_metadata_snap"));
  EXPECT_NE(t.status(*t.pool).find(" - rw "), 8u);
  auto st = t.status(*t.pool);
  EXPECT_EQ(st.rfind("5 ", 0), 0u) << st;
  EXPECT_EQ(st.find(" - rw"), std::string::npos) << st;  // held root shown
  ASSERT_TRUE(t.msg("release_metadata_snap"));
  EXPECT_NE(t.status(*t.pool).find(" - rw"), std::string::npos);
  ASSERT_TRUE(t.msg("delete 1"));
  auto unknown = t.msg("frob");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "Unrecognised thin pool target message received: frob");
  // create_thin, create_snap and delete wait for the next commit; set_transaction_id commits.
  ASSERT_TRUE(t.msg("create_thin 9"));
  EXPECT_EQ(t.committed()->devices(), (std::vector<uint32_t>{0, 1}));
  ASSERT_TRUE(t.msg("set_transaction_id 5 6"));
  auto md = t.committed();
  ASSERT_TRUE(md);
  EXPECT_EQ(md->transaction_id(), 6u);
  EXPECT_EQ(md->devices(), (std::vector<uint32_t>{0, 9}));
}

TEST(Thin, ReadsZerosThenProvisionsOnFirstWrite) {
  ThinBed t;
  auto d = t.new_thin();
  EXPECT_EQ(t.status(*d), "0 -");
  EXPECT_EQ(t.status(*d, core::StatusType::table), t.pool_name() + " 0");
  EXPECT_TRUE(all_zero(read(*d, 0, 3 * kBlock)));
  // A partial write in block 2: the rest of the new block reads as zeros.
  std::memset(t.data->raw(), 0xAA, t.data->size());  // old garbage on the data device
  auto pat = testing::pattern(4096, 1);
  ASSERT_EQ(sync_io(*d, Op::write, 2 * kBlock + 8192, 4096, pat.data()), 0);
  auto back = read(*d, 2 * kBlock, kBlock);
  EXPECT_EQ(std::memcmp(back.data() + 8192, pat.data(), 4096), 0);
  back.erase(back.begin() + 8192, back.begin() + 8192 + 4096);
  EXPECT_TRUE(all_zero(back));
  EXPECT_EQ(t.status(*d), "128 383");
  EXPECT_NE(t.status(*t.pool).find(" 1/64 "), std::string::npos);
  // The first data block went to virtual block 2; writes to it now go straight through.
  auto pat2 = testing::pattern(kBlock, 2);
  ASSERT_EQ(sync_io(*d, Op::write, 2 * kBlock, kBlock, pat2.data()), 0);
  EXPECT_EQ(std::memcmp(t.data->raw(), pat2.data(), kBlock), 0);
  EXPECT_NE(t.status(*t.pool).find(" 1/64 "), std::string::npos);
}

TEST(Thin, CommitsOnFlush) {
  ThinBed t;
  auto d = t.new_thin();
  ASSERT_EQ(sync_io(*d, Op::flush, 0, 0, nullptr), 0);  // commits the new device
  auto pat = testing::pattern(kBlock, 3);
  ASSERT_EQ(sync_io(*d, Op::write, 5 * kBlock, kBlock, pat.data()), 0);
  EXPECT_FALSE(t.committed_maps(0, 5));  // not yet committed (the timer runs once a second)
  ASSERT_EQ(sync_io(*d, Op::flush, 0, 0, nullptr), 0);
  EXPECT_TRUE(t.committed_maps(0, 5));
  EXPECT_TRUE(t.committed_verifies());
}

TEST(Thin, FuaWriteCommitsItsMapping) {
  ThinBed t;
  auto d = t.new_thin();
  auto pat = testing::pattern(4096, 16);
  ASSERT_EQ(sync_io(*d, Op::write, 9 * kBlock, 4096, pat.data(), true), 0);
  EXPECT_TRUE(t.committed_maps(0, 9));
}

TEST(Thin, CommitsWithinASecondWithoutFlush) {
  ThinBed t;
  auto d = t.new_thin();
  auto pat = testing::pattern(kBlock, 3);
  ASSERT_EQ(sync_io(*d, Op::write, 0, kBlock, pat.data()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2300));
  EXPECT_TRUE(t.committed_maps(0, 0));
}

TEST(Thin, SnapshotSharingIsBrokenOnWrite) {
  ThinBed t;
  auto origin = t.new_thin();
  auto a = testing::pattern(2 * kBlock, 4);
  ASSERT_EQ(sync_io(*origin, Op::write, 0, 2 * kBlock, a.data()), 0);
  ASSERT_TRUE(origin->suspend(false));
  ASSERT_TRUE(t.msg("create_snap 1 0"));
  ASSERT_TRUE(origin->resume());
  auto snap = t.thin("s1", 1);
  EXPECT_EQ(read(*snap, 0, 2 * kBlock), a);
  auto busy = t.msg("delete 1");  // open by s1
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, EBUSY);
  // Partial write to the origin's shared block 1: the rest is copied.
  auto b = testing::pattern(4096, 5);
  ASSERT_EQ(sync_io(*origin, Op::write, kBlock + 4096, 4096, b.data()), 0);
  auto expect = a;
  std::memcpy(expect.data() + kBlock + 4096, b.data(), 4096);
  EXPECT_EQ(read(*origin, 0, 2 * kBlock), expect);
  EXPECT_EQ(read(*snap, 0, 2 * kBlock), a);
  EXPECT_NE(t.status(*t.pool).find(" 3/64 "), std::string::npos) << t.status(*t.pool);
  // Writes to the snapshot's shared block 0 break sharing too.
  ASSERT_EQ(sync_io(*snap, Op::write, 0, 4096, b.data()), 0);
  EXPECT_EQ(std::memcmp(read(*origin, 0, 4096).data(), a.data(), 4096), 0);
  EXPECT_NE(t.status(*t.pool).find(" 4/64 "), std::string::npos);
  ASSERT_EQ(sync_io(*snap, Op::flush, 0, 0, nullptr), 0);
  EXPECT_TRUE(t.committed_verifies());
}

TEST(Thin, DiscardUnmapsWholeBlocks) {
  ThinBed t;
  auto d = t.new_thin();
  auto a = testing::pattern(3 * kBlock, 6);
  ASSERT_EQ(sync_io(*d, Op::write, 0, 3 * kBlock, a.data()), 0);
  EXPECT_EQ(t.status(*d), "384 383");
  // Block 0 partly, block 1 whole.
  ASSERT_EQ(sync_io(*d, Op::discard, 4096, 2 * kBlock - 4096, nullptr), 0);
  EXPECT_EQ(t.status(*d), "256 383");
  EXPECT_TRUE(all_zero(read(*d, kBlock, kBlock)));
  EXPECT_EQ(std::memcmp(read(*d, 0, kBlock).data(), a.data(), kBlock), 0);
  EXPECT_NE(t.status(*t.pool).find(" 2/64 "), std::string::npos);
}

TEST(Thin, ErrorIfNoSpaceFailsAtOnce) {
  ThinBed t(2, "1 error_if_no_space");
  auto d = t.new_thin();
  auto a = testing::pattern(kBlock, 7);
  ASSERT_EQ(sync_io(*d, Op::write, 0, kBlock, a.data()), 0);
  ASSERT_EQ(sync_io(*d, Op::write, kBlock, kBlock, a.data()), 0);
  EXPECT_EQ(sync_io(*d, Op::write, 2 * kBlock, kBlock, a.data()), -ENOSPC);
  EXPECT_NE(t.status(*t.pool).find(" out_of_data_space "), std::string::npos) << t.status(*t.pool);
  // Provisioned blocks still take writes.
  EXPECT_EQ(sync_io(*d, Op::write, 0, kBlock, a.data()), 0);
}

TEST(Thin, QueuedWriteFailsAfterTheTimeout) {
  thin::Pool::set_no_space_timeout(std::chrono::milliseconds(100));
  ThinBed t(1);
  auto d = t.new_thin();
  auto a = testing::pattern(kBlock, 8);
  ASSERT_EQ(sync_io(*d, Op::write, 0, kBlock, a.data()), 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(sync_io(*d, Op::write, kBlock, kBlock, a.data()), -ENOSPC);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  thin::Pool::set_no_space_timeout(std::chrono::seconds(60));
}

TEST(Thin, ReloadWithAGrownDataDeviceResumesQueuedWrites) {
  ThinBed t(1);
  auto d = t.new_thin();
  auto a = testing::pattern(2 * kBlock, 9);
  ASSERT_EQ(sync_io(*d, Op::write, 0, kBlock, a.data()), 0);
  testing::PendingIo w(Op::write, kBlock, kBlock, a.data() + kBlock);
  d->submit(&w.request);
  for (int i = 0; i < 200 && t.status(*t.pool).find("out_of_data_space") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_NE(t.status(*t.pool).find(" 1/1 - out_of_data_space "), std::string::npos) << t.status(*t.pool);
  EXPECT_EQ(w.completions.load(), 0);
  // The grown data device holds what the old one held.
  auto big = t.bed.memory("/dev/data2", 4 * kBlock);
  std::memcpy(big->raw(), t.data->raw(), t.data->size());
  auto lines = core::parse_table_text("0 512 thin-pool /dev/meta /dev/data2 128 0", "test");
  ASSERT_TRUE(lines.has_value());
  auto table = t.bed.devices.build_table(*lines, false, *t.pool);  // finds the pool by its device
  ASSERT_TRUE(table.has_value()) << table.error().message;
  ASSERT_TRUE(t.pool->suspend(false));
  t.pool->load(std::move(*table));
  ASSERT_TRUE(t.pool->resume());
  for (int i = 0; i < 400 && w.completions.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(w.completions.load(), 1);
  EXPECT_EQ(w.result.load(), 0);
  EXPECT_NE(t.status(*t.pool).find(" 2/4 - rw "), std::string::npos) << t.status(*t.pool);
  EXPECT_EQ(read(*d, 0, 2 * kBlock), a);
}

TEST(Thin, LowWaterMarkRaisesAnEventOncePerResume) {
  ThinBed t(4, "", 2);
  auto d = t.new_thin(0, 1024);
  const auto before = t.pool->event_nr();
  auto a = testing::pattern(kBlock, 10);
  ASSERT_EQ(sync_io(*d, Op::write, 0, kBlock, a.data()), 0);
  EXPECT_EQ(t.pool->event_nr(), before);
  ASSERT_EQ(sync_io(*d, Op::write, kBlock, kBlock, a.data()), 0);  // 2 free: at the mark
  EXPECT_EQ(t.pool->event_nr(), before + 1);
  ASSERT_EQ(sync_io(*d, Op::write, 2 * kBlock, kBlock, a.data()), 0);
  EXPECT_EQ(t.pool->event_nr(), before + 1);
}

TEST(ThinPool, FullMetadataSwitchesToReadOnly) {
  ThinBed t(2048, "1 skip_block_zeroing", 0, 24 * 4096);
  auto d = t.new_thin(0, 2048 * 128);
  auto a = testing::pattern(4096, 11);
  int r = 0;
  uint64_t v = 0;
  for (; v < 2048 && r == 0; ++v) {
    r = sync_io(*d, Op::write, v * kBlock, 4096, a.data());
    if (r == 0 && v % 4 == 3) r = sync_io(*d, Op::flush, 0, 0, nullptr);
  }
  EXPECT_EQ(r, -EIO);
  ASSERT_LT(v, 2048u) << "metadata never filled";
  ASSERT_GT(v, 8u) << "metadata filled at once";
  EXPECT_NE(t.status(*t.pool).find(" ro "), std::string::npos) << t.status(*t.pool);
  // What was committed still reads; new blocks are refused; messages too.
  EXPECT_EQ(std::memcmp(read(*d, 0, 4096).data(), a.data(), 4096), 0);
  EXPECT_EQ(sync_io(*d, Op::write, 2047 * kBlock, 4096, a.data()), -EIO);
  auto msg = t.msg("create_thin 1");
  ASSERT_FALSE(msg);
  EXPECT_EQ(msg.error().code, EOPNOTSUPP);
}

TEST(ThinPool, NeedsCheckActivatesReadOnlyAndIsNotWritten) {
  ThinBed t;
  ASSERT_TRUE(t.msg("create_thin 0"));
  {
    auto d = t.thin("t0", 0);
    auto a = testing::pattern(kBlock, 12);
    ASSERT_EQ(sync_io(*d, Op::write, 0, kBlock, a.data()), 0);
    ASSERT_TRUE(t.bed.devices.remove(d, false));
  }
  ASSERT_TRUE(t.bed.devices.remove(t.pool, false));
  t.pool.reset();
  {
    auto md = t.committed();
    ASSERT_TRUE(md);
  }
  {
    auto md = pd::ThinMetadata::open(*t.disk);
    ASSERT_TRUE(md.has_value());
    ASSERT_TRUE((*md)->set_needs_check());
  }
  for (uint64_t b = 0; b < t.disk->nr_blocks(); ++b)
    std::memcpy(t.meta->raw() + b * pd::kBlockSize, t.disk->raw(b).data(), pd::kBlockSize);
  std::vector<std::byte> before(t.meta->raw(), t.meta->raw() + t.meta->size());
  auto pool = t.bed.make("pool2", "0 8192 thin-pool /dev/meta /dev/data 128 0");
  ASSERT_TRUE(pool);
  auto st = pool->status(core::StatusType::info, false).at(0).text;
  EXPECT_NE(st.find(" ro discard_passdown queue_if_no_space needs_check "), std::string::npos) << st;
  auto d = t.bed.make("t0", "0 8192 thin " + pool->devno().to_string() + " 0");
  EXPECT_EQ(read(*d, 0, kBlock), testing::pattern(kBlock, 12));
  auto a = testing::pattern(4096, 13);
  EXPECT_EQ(sync_io(*d, Op::write, 5 * kBlock, 4096, a.data()), -EIO);
  EXPECT_EQ(sync_io(*d, Op::flush, 0, 0, nullptr), 0);
  EXPECT_EQ(std::memcmp(before.data(), t.meta->raw(), before.size()), 0);
}

TEST(Thin, ExternalOriginProvidesUnprovisionedBlocks) {
  ThinBed t;
  ASSERT_TRUE(t.msg("create_thin 0"));
  auto origin = t.bed.memory("/dev/origin", 3 * kBlock + 8192);  // ends inside block 3
  auto o = testing::pattern(origin->size(), 14);
  std::memcpy(origin->raw(), o.data(), o.size());
  auto d = t.bed.make("t0", "0 1024 thin " + t.pool_name() + " 0 /dev/origin");
  EXPECT_EQ(t.status(*d, core::StatusType::table), t.pool_name() + " 0 /dev/origin");
  auto whole = read(*d, 0, 4 * kBlock);
  EXPECT_EQ(std::memcmp(whole.data(), o.data(), o.size()), 0);
  EXPECT_TRUE(all_zero(std::vector<std::byte>(whole.begin() + o.size(), whole.end())));
  // A partial write copies the origin's block first; the origin is untouched.
  auto w = testing::pattern(4096, 15);
  ASSERT_EQ(sync_io(*d, Op::write, kBlock + 4096, 4096, w.data()), 0);
  auto expect = o;
  std::memcpy(expect.data() + kBlock + 4096, w.data(), 4096);
  EXPECT_EQ(std::memcmp(read(*d, 0, o.size()).data(), expect.data(), o.size()), 0);
  EXPECT_EQ(std::memcmp(origin->raw(), o.data(), o.size()), 0);
  ASSERT_EQ(sync_io(*d, Op::write, 3 * kBlock, 4096, w.data()), 0);  // the origin's last, partial block
  auto last = read(*d, 3 * kBlock, kBlock);
  EXPECT_EQ(std::memcmp(last.data(), w.data(), 4096), 0);
  EXPECT_EQ(std::memcmp(last.data() + 4096, o.data() + 3 * kBlock + 4096, 4096), 0);
  EXPECT_TRUE(all_zero(std::vector<std::byte>(last.begin() + 8192, last.end())));
}

TEST(Thin, UnknownDeviceIdAndNonPoolAreRefused) {
  ThinBed t;
  auto no_dev = t.bed.table("0 8 thin " + t.pool_name() + " 7");
  ASSERT_FALSE(no_dev.has_value());
  EXPECT_NE(no_dev.error().message.find("Couldn't open thin internal device"), std::string::npos);
  auto z = t.bed.make("z", "0 8 zero");
  auto not_pool = t.bed.table("0 8 thin " + z->devno().to_string() + " 0");
  ASSERT_FALSE(not_pool.has_value());
  EXPECT_NE(not_pool.error().message.find("Couldn't find pool object"), std::string::npos) << not_pool.error().message;
}

// The data device of a pool, holding reads while closed so a read is
// really in flight while the test acts.
class ReadGate final : public io::BlockDevice {
 public:
  explicit ReadGate(std::shared_ptr<io::MemoryDevice> inner) : inner_(std::move(inner)) {}
  byte_count size() const override { return inner_->size(); }
  std::string table_name() const override { return inner_->table_name(); }
  DevNo devno() const override { return inner_->devno(); }
  io::DeviceLimits limits() const override { return inner_->limits(); }
  void submit(io::Request* r) override {
    {
      std::lock_guard g(m_);
      if (closed_ && r->op == Op::read) {
        held_.push_back(r);
        return;
      }
    }
    inner_->submit(r);
  }
  void close() {
    std::lock_guard g(m_);
    closed_ = true;
  }
  std::size_t held() {
    std::lock_guard g(m_);
    return held_.size();
  }
  void open() {
    std::vector<io::Request*> q;
    {
      std::lock_guard g(m_);
      closed_ = false;
      q.swap(held_);
    }
    for (auto* r : q) inner_->submit(r);
  }

 private:
  std::shared_ptr<io::MemoryDevice> inner_;
  std::mutex m_;
  bool closed_ = false;
  std::vector<io::Request*> held_;
};

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// The kernel's bio prison: a discard holds its block's cell and waits for
// the reads remapped to the block before it; only then is the block freed
// (and its discard passed down, which clears a MemoryDevice). Without that,
// the read in flight returns the bytes of whatever the freed block became.
TEST(Thin, DiscardWaitsForReadsOfTheBlockInFlight) {
  ThinBed t;
  auto gate = std::make_shared<ReadGate>(t.bed.memory("/dev/data2", 64 * kBlock));
  t.bed.backing["/dev/gated"] = gate;
  t.bed.memory("/dev/meta2", 4 << 20);
  auto pool = t.bed.make("gpool", "0 8192 thin-pool /dev/meta2 /dev/gated 128 0");
  ASSERT_TRUE(pool);
  std::vector<std::string> m{"create_thin", "0"};
  ASSERT_TRUE(pool->message(0, m));
  auto d = t.bed.make("t0", "0 8192 thin " + pool->devno().to_string() + " 0");
  auto a = testing::pattern(kBlock, 20);
  ASSERT_EQ(sync_io(*d, Op::write, 0, kBlock, a.data()), 0);
  ASSERT_EQ(sync_io(*d, Op::flush, 0, 0, nullptr), 0);  // the block may be reused after a commit

  gate->close();
  std::vector<std::byte> buf(kBlock);
  testing::PendingIo rd(Op::read, 0, kBlock, buf.data());
  d->submit(&rd.request);
  ASSERT_TRUE(wait_for([&] { return gate->held() == 1; }, std::chrono::seconds(5)));
  testing::PendingIo discard(Op::discard, 0, kBlock, nullptr);
  d->submit(&discard.request);
  // The discard waits for the read; a read of the block after it waits in the cell.
  EXPECT_FALSE(wait_for([&] { return discard.completions.load() > 0; }, std::chrono::milliseconds(200)));
  std::vector<std::byte> later(kBlock, std::byte{0x55});
  testing::PendingIo rd2(Op::read, 0, kBlock, later.data());
  d->submit(&rd2.request);
  if (discard.completions.load() > 0) {
    // Without the prison: the freed block is reused by another write.
    auto b = testing::pattern(kBlock, 21);
    (void)sync_io(*d, Op::write, 5 * kBlock, kBlock, b.data());
  }
  gate->open();
  rd.wait();
  discard.wait();
  rd2.wait();
  EXPECT_EQ(rd.result.load(), 0);
  EXPECT_TRUE(buf == a) << "a read in flight saw its block freed under it";
  EXPECT_EQ(discard.result.load(), 0);
  EXPECT_EQ(rd2.result.load(), 0);
  EXPECT_TRUE(all_zero(later)) << "a read after the discard saw the old block";
  EXPECT_EQ(t.status(*d), "0 -");
}

// Concurrent reads, rewrites and discards of a few blocks: every read sees
// zeros or one whole pattern written there (TSan checks the cells' locking).
TEST(Thin, ReadsWritesAndDiscardsOfTheSameBlocksStayWhole) {
  ThinBed t(64);
  auto d = t.new_thin();
  std::vector<std::vector<std::byte>> pats;
  for (int i = 0; i < 4; ++i) pats.push_back(testing::pattern(kBlock, 30 + i));
  std::atomic<int> bad{0};
  auto worker = [&](int seed) {
    std::vector<std::byte> buf(kBlock);
    for (int i = 0; i < 150; ++i) {
      const uint64_t v = uint64_t((seed + i) % 3);
      switch ((seed * 7 + i) % 3) {
        case 0: (void)sync_io(*d, Op::write, v * kBlock, kBlock, pats[(seed + i) % 4].data()); break;
        case 1: (void)sync_io(*d, Op::discard, v * kBlock, kBlock, nullptr); break;
        default:
          if (sync_io(*d, Op::read, v * kBlock, kBlock, buf.data()) != 0) ++bad;
          else if (!all_zero(buf) && std::find(pats.begin(), pats.end(), buf) == pats.end()) ++bad;
      }
    }
  };
  std::vector<std::thread> th;
  for (int s = 0; s < 4; ++s) th.emplace_back(worker, s);
  for (auto& x : th) x.join();
  EXPECT_EQ(bad.load(), 0);
  ASSERT_EQ(sync_io(*d, Op::flush, 0, 0, nullptr), 0);
  EXPECT_TRUE(t.committed_verifies());
}

// As the kernel's pool: while the pool device is suspended, a thin's first
// write waits (it needs an allocation) and goes on at the pool's resume;
// writes to provisioned blocks and reads do not wait.
TEST(Thin, PoolSuspendHoldsIoThatNeedsThePool) {
  ThinBed t;
  auto d = t.new_thin();
  auto a = testing::pattern(kBlock, 22);
  ASSERT_EQ(sync_io(*d, Op::write, 0, kBlock, a.data()), 0);
  ASSERT_TRUE(t.pool->suspend(false));
  testing::PendingIo first(Op::write, 3 * kBlock, kBlock, a.data());
  d->submit(&first.request);
  auto b = testing::pattern(kBlock, 23);
  EXPECT_EQ(sync_io(*d, Op::write, 0, kBlock, b.data()), 0);
  EXPECT_EQ(read(*d, 0, kBlock), b);
  EXPECT_TRUE(all_zero(read(*d, 7 * kBlock, kBlock)));
  EXPECT_FALSE(wait_for([&] { return first.completions.load() > 0; }, std::chrono::milliseconds(200)));
  EXPECT_NE(t.status(*t.pool).find(" 1/64 "), std::string::npos) << t.status(*t.pool);
  ASSERT_TRUE(t.pool->resume());
  first.wait();
  EXPECT_EQ(first.result.load(), 0);
  EXPECT_EQ(read(*d, 3 * kBlock, kBlock), a);
}

}  // namespace
}  // namespace udm::targets

// verity: a hash tree built here from the documented layout (top level first
// at hash_start, leaves last; version 1 salt first and power-of-two slots,
// version 0 salt last and packed digests) must verify through the target;
// any flipped byte in data or tree gives EIO and status C.
#include <openssl/evp.h>

#include <random>
#include <thread>

#include "testing.hpp"
#include "verity/hash_tree.hpp"

namespace udm::targets {
namespace {

using testing::TestBed;
using Bytes = std::vector<std::uint8_t>;

std::string hex(const Bytes& v) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto b : v) s += {d[b >> 4], d[b & 15]};
  return s;
}

struct Tree {
  Bytes hash_dev;  // hash_start blocks of padding, then the tree
  Bytes root;
  unsigned levels = 0;
};

Bytes salted_digest(const std::string& alg, unsigned version, const Bytes& salt, const std::uint8_t* p, std::size_t n) {
  Bytes in;
  if (version == 1) in.insert(in.end(), salt.begin(), salt.end());
  in.insert(in.end(), p, p + n);
  if (version == 0) in.insert(in.end(), salt.begin(), salt.end());
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(in.data(), in.size(), out.data(), &len, EVP_get_digestbyname(alg.c_str()), nullptr), 1);
  out.resize(len);
  return out;
}

// The test's own tree builder, from the layout as documented.
Tree build_tree(unsigned version, const std::string& alg, std::size_t dbs, std::size_t hbs, const Bytes& data,
                const Bytes& salt, std::size_t hash_start) {
  const std::size_t d = static_cast<std::size_t>(EVP_MD_get_size(EVP_get_digestbyname(alg.c_str())));
  std::size_t per = 1;
  while (per * 2 <= hbs / d) per *= 2;
  const std::size_t slot = version == 1 ? hbs / per : d;
  const std::size_t n = data.size() / dbs;
  unsigned levels = 0;
  for (std::size_t cover = 1; cover < n; cover *= per) ++levels;
  std::vector<Bytes> digests;  // of the level below the one being built
  for (std::size_t b = 0; b < n; ++b) digests.push_back(salted_digest(alg, version, salt, &data[b * dbs], dbs));
  std::vector<Bytes> level_blocks;  // each level's blocks concatenated, leaves first
  for (unsigned l = 0; l < levels; ++l) {
    std::size_t blocks = (digests.size() + per - 1) / per;
    Bytes area(blocks * hbs, 0);
    for (std::size_t i = 0; i < digests.size(); ++i)
      std::copy(digests[i].begin(), digests[i].end(), area.begin() + (i / per) * hbs + (i % per) * slot);
    std::vector<Bytes> up;
    for (std::size_t b = 0; b < blocks; ++b) up.push_back(salted_digest(alg, version, salt, &area[b * hbs], hbs));
    level_blocks.push_back(std::move(area));
    digests = std::move(up);
  }
  Tree t;
  t.levels = levels;
  t.root = digests.at(0);
  t.hash_dev.assign(hash_start * hbs, 0xee);
  for (auto it = level_blocks.rbegin(); it != level_blocks.rend(); ++it) t.hash_dev.insert(t.hash_dev.end(), it->begin(), it->end());
  t.hash_dev.resize((t.hash_dev.size() + 4095) / 4096 * 4096 + 4096, 0);
  return t;
}

struct Fixture {
  TestBed bed;
  std::shared_ptr<io::MemoryDevice> data_dev, hash_dev;
  Bytes data;
  Tree tree;
  std::string params;

  Fixture(unsigned version, const std::string& alg, std::size_t dbs, std::size_t hbs, std::size_t blocks,
          std::size_t hash_start, const std::string& opts = "", Bytes salt = Bytes{1, 2, 3, 4, 5, 6, 7, 8}) {
    auto p = testing::pattern(blocks * dbs, 42);
    data.assign(reinterpret_cast<std::uint8_t*>(p.data()), reinterpret_cast<std::uint8_t*>(p.data()) + p.size());
    if (blocks > 3) std::fill(data.begin() + 3 * dbs, data.begin() + 4 * dbs, 0);  // block 3 is zeros
    tree = build_tree(version, alg, dbs, hbs, data, salt, hash_start);
    data_dev = bed.memory("/dev/data", data.size());
    std::memcpy(data_dev->raw(), data.data(), data.size());
    hash_dev = bed.memory("/dev/hash", tree.hash_dev.size());
    std::memcpy(hash_dev->raw(), tree.hash_dev.data(), tree.hash_dev.size());
    params = std::to_string(version) + " /dev/data /dev/hash " + std::to_string(dbs) + " " + std::to_string(hbs) +
             " " + std::to_string(blocks) + " " + std::to_string(hash_start) + " " + alg + " " + hex(tree.root) +
             " " + (salt.empty() ? "-" : hex(salt)) + opts;
  }
  std::string line() const { return "0 " + std::to_string(data.size() / 512) + " verity " + params; }
};

int read_at(io::BlockDevice& d, byte_count off, std::size_t n, Bytes* out = nullptr) {
  Bytes buf(n);
  int r = core::sync_io(d, io::Op::read, off, n, reinterpret_cast<std::byte*>(buf.data()));
  if (out) *out = buf;
  return r;
}

TEST(Verity, TreesBuiltFromTheLayoutVerifyThroughTheTarget) {
  struct Case {
    unsigned version;
    const char* alg;
    std::size_t dbs, hbs, blocks, hash_start;
    unsigned levels;
  };
  const Case cases[] = {
      {1, "sha256", 4096, 4096, 300, 1, 2},  // 128 digests a block
      {1, "sha256", 4096, 1024, 40, 3, 2},   // 32 a block
      {0, "sha1", 512, 512, 100, 0, 2},      // 16 a block, packed digests
      {1, "sha512", 4096, 4096, 1, 1, 0},    // one block: the root is its own digest
      {1, "sha1", 1024, 4096, 5000, 2, 2},   // 128 a block (32-byte slots for 20-byte digests)
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.alg) + " v" + std::to_string(c.version) + " blocks " + std::to_string(c.blocks));
    Fixture f(c.version, c.alg, c.dbs, c.hbs, c.blocks, c.hash_start);
    EXPECT_EQ(f.tree.levels, c.levels);
    verity::VerityParams p;
    p.version = c.version;
    p.data_block_size = static_cast<std::uint32_t>(c.dbs);
    p.hash_block_size = static_cast<std::uint32_t>(c.hbs);
    p.data_blocks = c.blocks;
    p.hash_start = c.hash_start;
    p.algorithm = c.alg;
    p.root_digest = f.tree.root;
    auto tree = verity::HashTree::create(p);
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(tree->levels(), c.levels);
    auto dev = f.bed.make("v", f.line(), true);
    ASSERT_TRUE(dev);
    Bytes got;
    ASSERT_EQ(read_at(*dev, 0, f.data.size(), &got), 0);
    EXPECT_EQ(got, f.data);
    EXPECT_EQ(dev->status(core::StatusType::info, false)[0].text, "V");
    EXPECT_EQ(dev->limits().logical_block_size, std::max<std::size_t>(512, c.dbs));
  }
}

TEST(Verity, FlippedDataByteFailsThatBlockWithEioAndStatusTurnsC) {
  Fixture f(1, "sha256", 4096, 4096, 64, 1);
  auto dev = f.bed.make("v", f.line(), true);
  ASSERT_TRUE(dev);
  reinterpret_cast<std::uint8_t*>(f.data_dev->raw())[7 * 4096 + 100] ^= 1;
  EXPECT_EQ(read_at(*dev, 6 * 4096, 4096), 0);
  EXPECT_EQ(dev->status(core::StatusType::info, false)[0].text, "V");
  EXPECT_EQ(read_at(*dev, 7 * 4096, 4096), -EIO);
  EXPECT_EQ(read_at(*dev, 0, f.data.size()), -EIO);
  EXPECT_EQ(read_at(*dev, 8 * 4096, 4096 * 8), 0);
  EXPECT_EQ(dev->status(core::StatusType::info, false)[0].text, "C");
}

TEST(Verity, FlippedHashBlockOrWrongRootFails) {
  {
    Fixture f(1, "sha256", 4096, 4096, 300, 1);
    // Leaf block 1 (second leaf) sits after the top block and leaf block 0: hash block 3.
    f.hash_dev->raw()[3 * 4096 + 5] ^= std::byte{0x40};
    auto dev = f.bed.make("v", f.line(), true);
    EXPECT_EQ(read_at(*dev, 0, 4096), 0);                 // covered by leaf block 0
    EXPECT_EQ(read_at(*dev, 128 * 4096, 4096), -EIO);     // covered by leaf block 1
  }
  {
    Fixture f(1, "sha256", 4096, 4096, 10, 1);
    f.tree.root[0] ^= 1;
    f.params = f.params.substr(0, f.params.find("sha256 ") + 7) + hex(f.tree.root) + " 0102030405060708";
    // Refused at load (where the kernel would fail every read) ...
    auto t = f.bed.table(f.line(), true);
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find("Root digest does not match"), std::string::npos) << t.error().message;
    // ... unless corruption is to be ignored: then reads pass and status shows C.
    f.params += " 1 ignore_corruption";
    auto dev = f.bed.make("v", f.line(), true);
    ASSERT_TRUE(dev);
    EXPECT_EQ(read_at(*dev, 0, 4096), 0);
    EXPECT_EQ(dev->status(core::StatusType::info, false)[0].text, "C");
  }
}

// A hash device that does not answer (a suspended lower device) must not
// hold the table load: after a bounded wait the root check is left to the
// reads, which still refuse a wrong root.
TEST(Verity, LoadDoesNotWaitForeverForTheRootBlock) {
  for (bool wrong_root : {false, true}) {
    SCOPED_TRACE(wrong_root ? "wrong root" : "right root");
    Fixture f(1, "sha256", 4096, 4096, 10, 1);
    if (wrong_root) {
      f.tree.root[0] ^= 1;
      f.params = f.params.substr(0, f.params.find("sha256 ") + 7) + hex(f.tree.root) + " 0102030405060708";
    }
    testing::FakeDevice::Options hold;
    hold.hold = true;
    auto held = std::make_shared<testing::FakeDevice>(f.hash_dev, hold);
    f.bed.backing["/dev/hash"] = held;
    const auto start = std::chrono::steady_clock::now();
    auto dev = f.bed.make("v", f.line(), true);
    const auto waited = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(dev);
    EXPECT_LT(waited, std::chrono::seconds(10));
    EXPECT_EQ(held->queued(), 1u) << "the root block read is still in flight";
    held->hold(false);
    held->release();  // the late read completes and frees itself
    Bytes got;
    EXPECT_EQ(read_at(*dev, 0, 4096, &got), wrong_root ? -EIO : 0);
    if (!wrong_root) {
      EXPECT_EQ(got, Bytes(f.data.begin(), f.data.begin() + 4096));
    }
  }
}

TEST(Verity, IgnoreCorruptionIgnoreZeroBlocksAndCheckAtMostOnce) {
  Fixture f(1, "sha256", 4096, 4096, 16, 1, " 3 ignore_corruption ignore_zero_blocks check_at_most_once");
  auto dev = f.bed.make("v", f.line(), true);
  ASSERT_TRUE(dev);
  auto* raw = reinterpret_cast<std::uint8_t*>(f.data_dev->raw());
  raw[3 * 4096] = 0xff;    // block 3 is a zero block: returned as zeros without a check
  raw[9 * 4096] ^= 0xff;   // corruption that is only counted
  Bytes got;
  ASSERT_EQ(read_at(*dev, 3 * 4096, 4096, &got), 0);
  EXPECT_EQ(got, Bytes(4096, 0));
  EXPECT_EQ(dev->status(core::StatusType::info, false)[0].text, "V");
  EXPECT_EQ(read_at(*dev, 9 * 4096, 4096), 0);
  EXPECT_EQ(dev->status(core::StatusType::info, false)[0].text, "C");
  EXPECT_EQ(dev->status(core::StatusType::table, false)[0].text,
            "1 /dev/data /dev/hash 4096 4096 16 1 sha256 " + hex(f.tree.root) +
                " 0102030405060708 3 ignore_corruption ignore_zero_blocks check_at_most_once");
}

TEST(Verity, TableRoundTripsAndRefusesWhatUdmCannotDo) {
  Fixture f(0, "sha256", 4096, 4096, 8, 0, "", Bytes{});
  auto t = f.bed.table(f.line(), true);
  ASSERT_TRUE(t) << t.error().message;
  const std::string text = (*t)->entry(0).target->status(core::StatusType::table);
  EXPECT_EQ(text, f.params);
  auto again = f.bed.table("0 64 verity " + text, true);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->entry(0).target->status(core::StatusType::table), text);

  auto err = [&](const std::string& line, bool ro = true) {
    auto r = f.bed.table(line, ro);
    EXPECT_FALSE(r) << line;
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(err(f.line(), false).find("Device must be readonly"), std::string::npos);
  EXPECT_NE(err(f.line() + " 1 restart_on_corruption").find("cannot restart"), std::string::npos);
  EXPECT_NE(err(f.line() + " 1 panic_on_corruption").find("cannot restart"), std::string::npos);
  EXPECT_NE(err(f.line() + " 2 use_fec_from_device /dev/hash").find("forward error correction"), std::string::npos);
  EXPECT_NE(err(f.line() + " 2 root_hash_sig_key_desc foo").find("keyring"), std::string::npos);
  EXPECT_NE(err(f.line() + " 1 bogus").find("Unrecognized verity feature request"), std::string::npos);
  EXPECT_NE(err("0 64 verity 2" + f.params.substr(1)).find("Invalid version"), std::string::npos);
  EXPECT_NE(err("0 64 verity 1 /dev/data /dev/hash 4096 4096 8 0 sha256 abcd -").find("Invalid root digest"),
            std::string::npos);
  EXPECT_NE(err("0 64 verity 1 /dev/data /dev/hash 4096 4096 8 0 md9 abcd -").find("hash"), std::string::npos);
  EXPECT_NE(err("0 128 verity " + f.params).find("Data device is too small"), std::string::npos);
}

// Hash-block reads never hold a worker: with the reads of two uncached leaf
// blocks held at the hash device, a read whose tree is cached still verifies
// and completes (a synchronous verifier on two threads would wait behind them).
TEST(Verity, HeldHashReadsDoNotStallReadsWhoseTreeIsCached) {
  Fixture f(1, "sha256", 4096, 4096, 400, 1);  // 4 leaf blocks of 128 digests
  testing::FakeDevice::Options opts;
  auto hash = std::make_shared<testing::FakeDevice>(f.hash_dev, opts);
  f.bed.backing["/dev/hash"] = hash;
  auto dev = f.bed.make("v", f.line(), true);
  ASSERT_TRUE(dev);
  ASSERT_EQ(read_at(*dev, 0, 4096), 0);  // caches the top block and leaf block 0
  hash->hold(true);
  std::vector<Bytes> bufs(4, Bytes(4096));
  std::vector<std::unique_ptr<testing::PendingIo>> held;
  for (std::uint64_t block : {128, 256, 384}) {  // leaf blocks 1..3: not cached
    held.push_back(std::make_unique<testing::PendingIo>(io::Op::read, block * 4096, 4096,
                                                        reinterpret_cast<std::byte*>(bufs[held.size()].data())));
    dev->submit(&held.back()->request);
  }
  testing::PendingIo cached(io::Op::read, 5 * 4096, 4096, reinterpret_cast<std::byte*>(bufs[3].data()));
  dev->submit(&cached.request);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (cached.completions.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const bool done = cached.completions.load() == 1;
  EXPECT_TRUE(done) << "a read with a cached tree waited for other reads' hash blocks";
  EXPECT_EQ(hash->queued(), 3u);
  hash->hold(false);
  hash->release();
  for (auto& p : held) {
    p->wait();
    EXPECT_EQ(p->result.load(), 0);
  }
  if (!done) cached.wait();
  EXPECT_EQ(cached.result.load(), 0);
  EXPECT_EQ(bufs[3], Bytes(f.data.begin() + 5 * 4096, f.data.begin() + 6 * 4096));
  EXPECT_EQ(bufs[0], Bytes(f.data.begin() + 128 * 4096, f.data.begin() + 129 * 4096));
}

// Many reads at once, large and small, over devices that complete out of
// order: each verifies (its data hashed on the shared pool, split across its
// threads), and the ones covering a flipped block fail with EIO and count.
TEST(Verity, ManyConcurrentReadsVerifyAndACorruptBlockStillFails) {
  Fixture f(1, "sha256", 4096, 4096, 1024, 1);  // 4 MiB: 8 leaf blocks
  testing::FakeDevice::Options slow;
  slow.delayed(std::chrono::microseconds(300));
  auto data = std::make_shared<testing::FakeDevice>(f.data_dev, slow);
  auto hash = std::make_shared<testing::FakeDevice>(f.hash_dev, slow);
  f.bed.backing["/dev/data"] = data;
  f.bed.backing["/dev/hash"] = hash;
  auto dev = f.bed.make("v", f.line(), true);
  ASSERT_TRUE(dev);
  const std::uint64_t bad_block = 700;
  reinterpret_cast<std::uint8_t*>(f.data_dev->raw())[bad_block * 4096 + 9] ^= 0x10;
  struct Read {
    std::uint64_t block, count;
    Bytes buf;
    std::unique_ptr<testing::PendingIo> io;
  };
  std::vector<Read> reads;
  std::mt19937 rng(7);
  for (int i = 0; i < 64; ++i) {
    std::uint64_t count = i % 4 == 0 ? 256 : 1 + rng() % 16;  // 1 MiB, or up to 64 KiB
    std::uint64_t block = rng() % (1024 - count + 1);
    reads.push_back({block, count, Bytes(count * 4096), nullptr});
  }
  for (auto& r : reads) {
    r.io = std::make_unique<testing::PendingIo>(io::Op::read, r.block * 4096, r.count * 4096,
                                                reinterpret_cast<std::byte*>(r.buf.data()));
    dev->submit(&r.io->request);
  }
  int failed = 0;
  for (auto& r : reads) {
    r.io->wait();
    const bool covers_bad = r.block <= bad_block && bad_block < r.block + r.count;
    SCOPED_TRACE("blocks " + std::to_string(r.block) + "+" + std::to_string(r.count));
    if (covers_bad) {
      EXPECT_EQ(r.io->result.load(), -EIO);
      ++failed;
    } else {
      EXPECT_EQ(r.io->result.load(), 0);
      EXPECT_TRUE(std::equal(r.buf.begin(), r.buf.end(), f.data.begin() + r.block * 4096));
    }
  }
  EXPECT_EQ(dev->status(core::StatusType::info, false)[0].text, failed ? "C" : "V");
  EXPECT_EQ(read_at(*dev, bad_block * 4096, 4096), -EIO);
  EXPECT_EQ(dev->status(core::StatusType::info, false)[0].text, "C");
  EXPECT_EQ(read_at(*dev, 0, 1024 * 4096 / 2), 0);  // 2 MiB below the bad block
}

TEST(Verity, VerifiedHashBlockCacheIsBounded) {
  Fixture f(1, "sha256", 512, 512, 4000, 0);  // 16 digests a block: 3 levels
  verity::VerityParams p;
  p.data_block_size = p.hash_block_size = 512;
  p.data_blocks = 4000;
  p.root_digest = f.tree.root;
  p.salt = Bytes{1, 2, 3, 4, 5, 6, 7, 8};
  auto tree = verity::HashTree::create(p);
  ASSERT_TRUE(tree);
  ASSERT_EQ(tree->levels(), 3u);
  int reads = 0;
  verity::Verifier v(*tree, [&](std::uint64_t index, std::byte* out) {
    ++reads;
    std::memcpy(out, f.tree.hash_dev.data() + index * 512, 512);
    return 0;
  }, 4);
  for (std::uint64_t b = 0; b < 4000; b += 97) {
    EXPECT_EQ(v.verify(b, reinterpret_cast<const std::byte*>(f.data.data() + b * 512), false),
              verity::Verifier::Outcome::ok);
    EXPECT_LE(v.cached(), 4u);
  }
  const int before = reads;
  EXPECT_EQ(v.verify(0, reinterpret_cast<const std::byte*>(f.data.data()), false), verity::Verifier::Outcome::ok);
  EXPECT_EQ(v.verify(0, reinterpret_cast<const std::byte*>(f.data.data()), false), verity::Verifier::Outcome::ok);
  EXPECT_LE(reads - before, 3) << "the second check of block 0 hits the cache";
}

}  // namespace
}  // namespace udm::targets

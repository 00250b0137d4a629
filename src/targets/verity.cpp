// verity 1.10.0: a read-only device whose every data block is checked against
// a hash tree before it is returned (dm-verity).
//
// Table:   <version> <data_dev> <hash_dev> <data_block_size> <hash_block_size> <#data_blocks>
//          <hash_start_block> <algorithm> <root_digest> <salt|-> [<#opt_params> <opt_params>...]
//          options: ignore_corruption, ignore_zero_blocks, check_at_most_once, try_verify_in_tasklet.
//          restart_on_corruption, panic_on_corruption, restart_on_error, panic_on_error are refused
//          (udm cannot restart or stop the machine); FEC and root_hash_sig_key_desc too.
//          Unlike the kernel, a root digest that does not match the top hash
//          block is refused at load (unless ignore_corruption), so that a wrong
//          root hash fails `veritysetup open` instead of every later read.
//          That one read waits at most 2 s (a suspended lower device would
//          otherwise hold the load, and udmd's start-up restore, forever);
//          after that the check is left to the reads, as in the kernel.
// Status:  INFO  "V", or "C" once a block failed its check
//          TABLE as loaded, devices as maj:min, options in the kernel's order
// Messages: none.
//
// A read goes to the data device into the caller's buffer while the walk
// down the tree collects the digest each of its data blocks must have:
// verified hash blocks come from the cache, missing ones of a level are read
// asynchronously and hashed on the shared worker pool when they arrive. Once
// both are here the data blocks are hashed on the pool, split into one run
// per worker for a large read (never on a completion thread, no lock held
// while hashing). A block whose digest does not match fails the request
// with EIO (or, with ignore_corruption, is only counted).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>

#include <openssl/evp.h>

#include "core/target.hpp"
#include "core/target_services.hpp"
#include "io/worker_pool.hpp"
#include "targets/args.hpp"
#include "verity/hash_tree.hpp"

namespace udm::targets {

const core::TargetType& verity_target_type();

namespace {

struct VerityOptions {
  bool ignore_corruption = false, ignore_zero_blocks = false, check_at_most_once = false, try_verify_in_tasklet = false;
};

class VerityTarget;
struct VerityIo;

constexpr unsigned MAX_CHUNKS = 8;
constexpr byte_count MIN_CHUNK = 64 * 1024;  // below this one worker hashes the whole request

// A piece of work on the pool for one request: resuming the tree walk after
// a hash read, or hashing a run of its data blocks.
struct VerityJob : io::WorkerPool::Work {
  VerityIo* io = nullptr;
  std::uint64_t begin = 0, end = 0;  // data blocks, relative to the request
};

// One read in flight. Two things must arrive before its data blocks are
// hashed: the data (child) and, from the walk down the tree, the digest each
// data block must have (want). The walk takes verified hash blocks from the
// cache and reads the missing ones of a level with one request; a pool job
// hashes them when they arrive, so no thread ever waits for a hash read.
struct VerityIo {
  io::Request child;        // the data, read into the caller's buffer
  io::Request hash_read;    // the missing hash blocks of one level
  io::Request* parent = nullptr;
  VerityTarget* target = nullptr;
  std::uint64_t first_block = 0, blocks = 0;  // data blocks of the request
  std::atomic<unsigned> arrivals{2};          // data and digests
  std::atomic<unsigned> pending{0};           // hashing jobs still running
  std::atomic<int> result{0};
  int data_result = 0;
  int walk_result = 0;
  // The walk: `level` is the level whose nodes `want` holds digests for
  // (nodes first_node ..); -1 once `want` holds the data blocks' digests.
  int level = 0;
  std::uint64_t first_node = 0;
  std::vector<std::uint8_t> want, bad;  // bad: an ancestor failed its check
  std::vector<std::byte> nodes;         // the level's verified hash blocks
  std::vector<std::uint8_t> missing;
  std::uint64_t read_first = 0;  // first node of the hash read
  std::vector<std::byte> read_buffer;
  VerityJob resume;
  unsigned chunks_used = 0;
  VerityJob chunks[MAX_CHUNKS];
};

std::uint64_t shr(std::uint64_t v, unsigned s) { return s >= 64 ? 0 : v >> s; }

std::string hex(const std::vector<std::uint8_t>& v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (auto b : v) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

bool parse_hex(std::string_view text, std::vector<std::uint8_t>& out) {
  if (text.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < text.size(); i += 2) {
    auto val = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = val(text[i]), lo = val(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return true;
}

io::WorkerPool& fallback_pool() {
  static io::WorkerPool pool(2, "udm-verity");
  return pool;
}

class VerityTarget final : public core::Target {
 public:
  VerityTarget(verity::HashTree tree, io::BlockDevicePtr data, io::BlockDevicePtr hash, VerityOptions o,
               io::WorkerPool& pool)
      : tree_(std::move(tree)), data_(std::move(data)), hash_(std::move(hash)), o_(o),
        verifier_(tree_, [](std::uint64_t, std::byte*) { return -EIO; }),  // hash blocks come from walk()
        pool_(pool) {
    if (o_.check_at_most_once) checked_ = std::vector<std::atomic<std::uint64_t>>((tree_.params().data_blocks + 63) / 64);
  }

  core::MapResult map(io::Request* r) override {
    if (r->op != io::Op::read) {
      r->complete(-EIO);
      return core::MapResult::submitted;
    }
    const std::uint32_t dbs = tree_.params().data_block_size;
    if ((r->offset | r->length) % dbs || r->offset / dbs + r->length / dbs > tree_.params().data_blocks) {
      r->complete(-EIO);
      return core::MapResult::submitted;
    }
    if (r->length == 0) {
      r->complete(0);
      return core::MapResult::submitted;
    }
    auto* io = new (std::nothrow) VerityIo;
    if (!io) {
      r->complete(-ENOMEM);
      return core::MapResult::submitted;
    }
    io->parent = r;
    io->target = this;
    io->first_block = r->offset / dbs;
    io->blocks = r->length / dbs;
    io->child.op = io::Op::read;
    io->child.offset = r->offset;
    io->child.length = r->length;
    io->child.data = r->data;
    io->child.context = io;
    io->child.done = [](io::Request* self, int result) {
      auto* vio = static_cast<VerityIo*>(self->context);
      vio->data_result = result;
      vio->target->arrive(vio);
    };
    data_->submit(&io->child);
    start_walk(io);
    return core::MapResult::submitted;
  }

  unsigned flush_copies() const override { return 0; }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::info) return corrupted_.load() ? "C" : "V";
    const auto& p = tree_.params();
    std::string out = std::to_string(p.version) + " " + data_->table_name() + " " + hash_->table_name() + " " +
                      std::to_string(p.data_block_size) + " " + std::to_string(p.hash_block_size) + " " +
                      std::to_string(p.data_blocks) + " " + std::to_string(p.hash_start) + " " + p.algorithm + " " +
                      hex(p.root_digest) + " " + (p.salt.empty() ? "-" : hex(p.salt));
    std::vector<const char*> opts;
    if (o_.ignore_corruption) opts.push_back("ignore_corruption");
    if (o_.ignore_zero_blocks) opts.push_back("ignore_zero_blocks");
    if (o_.check_at_most_once) opts.push_back("check_at_most_once");
    if (o_.try_verify_in_tasklet) opts.push_back("try_verify_in_tasklet");
    if (!opts.empty()) {
      out += " " + std::to_string(opts.size());
      for (auto* w : opts) out += std::string(" ") + w;
    }
    return out;
  }

  void io_hints(io::DeviceLimits& l) const override {
    const std::uint32_t dbs = tree_.params().data_block_size;
    l.logical_block_size = std::max(l.logical_block_size, dbs);
    l.physical_block_size = std::max(l.physical_block_size, dbs);
    l.io_min = std::max(l.io_min, dbs);
    l.discard_granularity = 0;
    l.write_zeroes = false;
  }

  std::vector<io::BlockDevicePtr> devices() const override { return {data_, hash_}; }

 private:
  // The nodes of `level` (hash blocks of that level, counted from its
  // start) that cover the request; level -1: its data blocks.
  std::uint64_t node_of(int level, std::uint64_t block) const {
    return shr(block, static_cast<unsigned>(level + 1) * tree_.per_block_bits());
  }
  std::uint64_t node_count(const VerityIo* io, int level) const {
    return node_of(level, io->first_block + io->blocks - 1) - node_of(level, io->first_block) + 1;
  }

  void start_walk(VerityIo* io) {
    const unsigned d = tree_.digest_size();
    if (o_.check_at_most_once && all_checked(io)) return finish_walk(io, 0);  // want stays empty: nothing to hash
    io->level = static_cast<int>(tree_.levels()) - 1;
    io->first_node = node_of(io->level, io->first_block);  // 0: the top level is one block
    io->want.assign(tree_.params().root_digest.begin(), tree_.params().root_digest.end());
    io->want.resize(d);
    io->bad.assign(1, 0);
    walk(io);
  }

  // Down the tree as far as the cache goes; a miss sends one read for the
  // level's missing blocks and returns (resume_walk continues). Runs on the
  // caller of map() or on a pool thread, never holds a lock across I/O.
  void walk(VerityIo* io) {
    const std::size_t hbs = tree_.params().hash_block_size;
    while (io->level >= 0) {
      const std::uint64_t n = node_count(io, io->level);
      const std::uint64_t base = tree_.level_start(static_cast<unsigned>(io->level)) + io->first_node;
      io->nodes.resize(n * hbs);
      io->missing.assign(n, 0);
      std::uint64_t first_miss = n, last_miss = 0;
      for (std::uint64_t i = 0; i < n; ++i) {
        if (io->bad[i]) continue;
        if (verifier_.copy_cached(base + i, io->nodes.data() + i * hbs)) continue;
        io->missing[i] = 1;
        first_miss = std::min(first_miss, i);
        last_miss = i;
      }
      if (first_miss < n) return read_missing(io, base, first_miss, last_miss);
      descend(io);
    }
    finish_walk(io, 0);
  }

  void read_missing(VerityIo* io, std::uint64_t base, std::uint64_t first, std::uint64_t last) {
    const std::size_t hbs = tree_.params().hash_block_size;
    io->read_first = first;
    io->read_buffer.resize((last - first + 1) * hbs);
    io->hash_read = io::Request{};
    io->hash_read.op = io::Op::read;
    io->hash_read.offset = (base + first) * hbs;
    io->hash_read.length = io->read_buffer.size();
    io->hash_read.data = io->read_buffer.data();
    io->hash_read.context = io;
    io->hash_read.done = [](io::Request* self, int result) {
      auto* vio = static_cast<VerityIo*>(self->context);
      if (result < 0) return vio->target->finish_walk(vio, -EIO);
      vio->resume.io = vio;
      vio->resume.run = [](io::WorkerPool::Work* w) {
        auto* job = static_cast<VerityJob*>(w);
        job->io->target->resume_walk(job->io);
      };
      vio->target->pool_.submit(&vio->resume);  // hashing: not on a completion thread
    };
    hash_->submit(&io->hash_read);
  }

  // On the pool: check the blocks just read against their digests, then go on down.
  void resume_walk(VerityIo* io) {
    const std::size_t hbs = tree_.params().hash_block_size;
    const unsigned d = tree_.digest_size();
    const std::uint64_t base = tree_.level_start(static_cast<unsigned>(io->level)) + io->first_node;
    for (std::uint64_t i = io->read_first; i < io->missing.size(); ++i) {
      if (!io->missing[i]) continue;
      const std::byte* block = io->read_buffer.data() + (i - io->read_first) * hbs;
      auto outcome = verifier_.check_and_cache(base + i, block, io->want.data() + i * d);
      if (outcome == verity::Verifier::Outcome::io_error) return finish_walk(io, -EIO);
      if (outcome == verity::Verifier::Outcome::corrupt) io->bad[i] = 1;  // every block below it fails
      else std::memcpy(io->nodes.data() + i * hbs, block, hbs);
    }
    descend(io);
    walk(io);
  }

  // The digests of the next level down (or of the data blocks), from the
  // verified nodes of this one.
  void descend(VerityIo* io) {
    const std::size_t hbs = tree_.params().hash_block_size;
    const unsigned d = tree_.digest_size(), bits = tree_.per_block_bits();
    const std::size_t slot = tree_.slot_bytes();
    const int below = io->level - 1;
    const std::uint64_t first = node_of(below, io->first_block);
    const std::uint64_t n = node_count(io, below);
    std::vector<std::uint8_t> want(n * d), bad(n, 0);
    for (std::uint64_t c = 0; c < n; ++c) {
      const std::uint64_t child = first + c;
      const std::uint64_t i = (child >> bits) - io->first_node;
      const std::size_t index = child & ((std::uint64_t{1} << bits) - 1);
      bad[c] = io->bad[i];
      if (!bad[c]) std::memcpy(want.data() + c * d, io->nodes.data() + i * hbs + index * slot, d);
    }
    io->want = std::move(want);
    io->bad = std::move(bad);
    io->first_node = first;
    io->level = below;
  }

  void finish_walk(VerityIo* io, int result) {
    io->walk_result = result;
    io->nodes = {};
    io->read_buffer = {};
    arrive(io);
  }

  // The data and the digests are both here: hash the data blocks, split
  // into one run per pool thread for a large request.
  void arrive(VerityIo* io) {
    if (io->arrivals.fetch_sub(1) != 1) return;
    int result = io->data_result < 0 ? io->data_result : io->walk_result;
    if (result < 0 || io->want.empty()) return complete(io, result);
    const std::uint64_t blocks = io->blocks;
    unsigned n = std::max(1u, std::min<unsigned>(pool_.threads(), MAX_CHUNKS));
    if (io->parent->length < 2 * MIN_CHUNK) n = 1;
    const std::uint64_t per = (blocks + n - 1) / n;
    unsigned used = 0;
    for (std::uint64_t b = 0; b < blocks; b += per, ++used) {
      VerityJob& j = io->chunks[used];
      j.io = io;
      j.begin = b;
      j.end = std::min(blocks, b + per);
      j.run = [](io::WorkerPool::Work* w) {
        auto* job = static_cast<VerityJob*>(w);
        job->io->target->verify_blocks(job);
      };
    }
    io->chunks_used = used;
    io->pending.store(used);
    for (unsigned i = 0; i < used; ++i) pool_.submit(&io->chunks[i]);
  }

  void verify_blocks(VerityJob* job) {
    VerityIo* io = job->io;
    const std::uint32_t dbs = tree_.params().data_block_size;
    const unsigned d = tree_.digest_size();
    std::uint8_t got[EVP_MAX_MD_SIZE];
    for (std::uint64_t b = job->begin; b < job->end && io->result.load(std::memory_order_relaxed) == 0; ++b) {
      const std::uint64_t block = io->first_block + b;
      std::byte* data = io->parent->data + b * dbs;
      const std::uint8_t* want = io->want.data() + b * d;
      if (o_.check_at_most_once && is_checked(block)) continue;
      bool corrupt = io->bad[b];
      if (!corrupt && o_.ignore_zero_blocks && std::memcmp(want, tree_.zero_digest().data(), d) == 0) {
        std::memset(data, 0, dbs);
        continue;
      }
      if (!corrupt) {
        if (!tree_.digest(data, dbs, got)) {
          io->result.store(-EIO);
          break;
        }
        corrupt = std::memcmp(got, want, d) != 0;
      }
      if (corrupt) {
        corrupted_.fetch_add(1);
        if (!o_.ignore_corruption) {
          io->result.store(-EIO);
          break;
        }
      } else if (o_.check_at_most_once) {
        mark_checked(block);
      }
    }
    if (io->pending.fetch_sub(1) == 1) complete(io, io->result.load());
  }

  static void complete(VerityIo* io, int result) {
    io::Request* parent = io->parent;
    delete io;
    parent->complete(result);
  }

  bool all_checked(const VerityIo* io) const {
    for (std::uint64_t b = io->first_block; b < io->first_block + io->blocks; ++b)
      if (!is_checked(b)) return false;
    return true;
  }
  bool is_checked(std::uint64_t b) const { return checked_[b / 64].load() >> (b % 64) & 1; }
  void mark_checked(std::uint64_t b) { checked_[b / 64].fetch_or(std::uint64_t{1} << (b % 64)); }

  verity::HashTree tree_;
  io::BlockDevicePtr data_, hash_;
  VerityOptions o_;
  verity::Verifier verifier_;  // its cache of verified hash blocks
  std::atomic<std::uint64_t> corrupted_{0};
  std::vector<std::atomic<std::uint64_t>> checked_;
  // The shared pool: no job here waits for I/O (hash reads are
  // asynchronous), so verity stacked on crypt or on verity cannot leave
  // every worker waiting for work queued behind it.
  io::WorkerPool& pool_;
};

Result<void> parse_options(ArgSet& as, VerityOptions& o) {
  if (as.empty()) return {};
  auto count = as.read_group({0, 32, "Invalid number of feature args"});
  if (!count) return fail(count.error());
  for (std::size_t i = 0; i < *count; ++i) {
    const std::string& w = *as.shift();
    if (w == "ignore_corruption") o.ignore_corruption = true;
    else if (w == "ignore_zero_blocks") o.ignore_zero_blocks = true;
    else if (w == "check_at_most_once") o.check_at_most_once = true;
    else if (w == "try_verify_in_tasklet") o.try_verify_in_tasklet = true;
    else if (w == "restart_on_corruption" || w == "panic_on_corruption" || w == "restart_on_error" ||
             w == "panic_on_error")
      return fail(EINVAL, "Unsupported verity feature " + w +
                              ": udm runs in userspace and cannot restart or stop the machine "
                              "(use the default EIO mode or ignore_corruption)");
    else if (w == "use_fec_from_device" || w == "fec_roots" || w == "fec_blocks" || w == "fec_start")
      return fail(EINVAL, "Unsupported verity feature " + w + ": udm has no forward error correction for verity");
    else if (w == "root_hash_sig_key_desc")
      return fail(EINVAL, "Unsupported verity feature root_hash_sig_key_desc: udm has no kernel keyring to check "
                          "the root hash signature with");
    else
      return fail(EINVAL, "Unrecognized verity feature request");
  }
  if (!as.empty()) return fail(EINVAL, "Invalid number of feature args");
  return {};
}

constexpr auto ROOT_CHECK_WAIT = std::chrono::seconds(2);
constexpr int TIMED_OUT = 1;

// One read that the loader stops waiting for after ROOT_CHECK_WAIT: whichever
// of the loader and the completion is last frees it.
struct BoundedRead {
  io::Request request;
  std::vector<std::byte> block;
  std::mutex lock;
  std::condition_variable cv;
  bool done = false;
  int result = 0;
  std::atomic<int> refs{2};
  void unref() {
    if (refs.fetch_sub(1) == 1) delete this;
  }
};

// 0 with `size` bytes at `offset` in out, -errno, or TIMED_OUT.
int bounded_read(io::BlockDevice& dev, byte_count offset, std::uint32_t size, std::vector<std::byte>& out) {
  auto* b = new (std::nothrow) BoundedRead;
  if (!b) return -ENOMEM;
  b->block.resize(size);
  b->request.op = io::Op::read;
  b->request.offset = offset;
  b->request.length = size;
  b->request.data = b->block.data();
  b->request.context = b;
  b->request.done = [](io::Request* self, int result) {
    auto* me = static_cast<BoundedRead*>(self->context);
    {
      std::lock_guard g(me->lock);
      me->done = true;
      me->result = result;
      me->cv.notify_all();
    }
    me->unref();
  };
  dev.submit(&b->request);
  int r = TIMED_OUT;
  {
    std::unique_lock g(b->lock);
    if (b->cv.wait_for(g, ROOT_CHECK_WAIT, [b] { return b->done; })) {
      r = b->result < 0 ? b->result : 0;
      if (r == 0) out = std::move(b->block);
    }
  }
  b->unref();
  return r;
}

// The kernel takes any root digest and fails every read later. udm checks
// the top of the tree once at load so that a wrong root hash is refused at
// `veritysetup open`: the top hash block (the data block itself for a
// one-block device) must hash to the root digest. A device that does not
// answer in time leaves the check to the reads.
Result<void> check_root(const verity::HashTree& tree, io::BlockDevice& data, io::BlockDevice& hash) {
  const auto& p = tree.params();
  const bool leaf = tree.levels() == 0;
  const std::uint32_t size = leaf ? p.data_block_size : p.hash_block_size;
  const std::uint64_t index = leaf ? 0 : tree.level_start(tree.levels() - 1);
  if (p.data_blocks == 0) return {};
  std::vector<std::byte> block;
  int r = bounded_read(leaf ? data : hash, index * size, size, block);
  if (r == TIMED_OUT) return {};
  if (r < 0) return fail(-r, std::string(leaf ? "Data" : "Hash") + " device: cannot read block " + std::to_string(index));
  std::vector<std::uint8_t> got(tree.digest_size());
  if (!tree.digest(block.data(), size, got.data()) || got != p.root_digest)
    return fail(EINVAL, "Root digest does not match the top of the hash tree (" +
                            std::string(leaf ? "data" : "hash") + " block " + std::to_string(index) +
                            "): wrong root hash, salt or hash device");
  return {};
}

Result<std::unique_ptr<core::Target>> create_verity(const core::TargetArgs& a) {
  ArgSet as(a.args);
  if (as.size() < 10) return fail(EINVAL, "Not enough arguments");
  if (!a.devices) return fail(EINVAL, "no device opener");
  if (!a.read_only) return fail(EINVAL, "Device must be readonly");
  verity::VerityParams p;
  auto version = as.read({0, 1, "Invalid version"});
  if (!version) return fail(version.error());
  p.version = static_cast<unsigned>(*version);
  const std::string& data_path = *as.shift();
  const std::string& hash_path = *as.shift();
  auto dbs = as.read({512, 4096, "Invalid data device block size"});
  if (!dbs || (*dbs & (*dbs - 1))) return fail(EINVAL, "Invalid data device block size");
  auto hbs = as.read({512, 4096, "Invalid hash device block size"});
  if (!hbs || (*hbs & (*hbs - 1))) return fail(EINVAL, "Invalid hash device block size");
  p.data_block_size = static_cast<std::uint32_t>(*dbs);
  p.hash_block_size = static_cast<std::uint32_t>(*hbs);
  auto blocks = as.read({0, MAX_DEVICE_SECTORS, "Invalid data blocks"});
  if (!blocks) return fail(blocks.error());
  p.data_blocks = *blocks;
  if (a.length > p.data_blocks * (p.data_block_size >> SECTOR_SHIFT)) return fail(EINVAL, "Data device is too small");
  auto hash_start = as.read({0, MAX_DEVICE_SECTORS, "Invalid hash start"});
  if (!hash_start) return fail(hash_start.error());
  p.hash_start = *hash_start;
  p.algorithm = *as.shift();
  if (!parse_hex(*as.shift(), p.root_digest)) return fail(EINVAL, "Invalid root digest");
  const std::string& salt = *as.shift();
  if (salt != "-" && (!parse_hex(salt, p.salt) || p.salt.size() > 256)) return fail(EINVAL, "Invalid salt");
  VerityOptions o;
  if (auto r = parse_options(as, o); !r) return fail(r.error());
  auto tree = verity::HashTree::create(std::move(p));
  if (!tree) return fail(tree.error());
  auto data = open_device(a, data_path, 0, a.length, "Data device lookup failed");
  if (!data) return fail(data.error());
  const sector_t hash_sectors = tree->hash_end() * (tree->params().hash_block_size >> SECTOR_SHIFT);
  auto hash = open_device(a, hash_path, 0, hash_sectors, "Hash device lookup failed");
  if (!hash) return fail(hash.error());
  if (!o.ignore_corruption)
    if (auto r = check_root(*tree, **data, **hash); !r) return fail(r.error());
  io::WorkerPool& pool = a.services ? a.services->workers() : fallback_pool();
  return std::make_unique<VerityTarget>(std::move(*tree), std::move(*data), std::move(*hash), o, pool);
}

}  // namespace

const core::TargetType& verity_target_type() {
  static const core::TargetType type{"verity", {1, 10, 0}, 0, &create_verity};
  return type;
}

}  // namespace udm::targets

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
// A read goes to the data device into the caller's buffer; once it arrives a
// worker (never the completion thread) checks each block up the tree,
// reading hash blocks synchronously and caching verified ones. A block whose
// digest does not match fails the request with EIO (or, with
// ignore_corruption, is only counted).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>

#include "core/sync_io.hpp"
#include "core/target.hpp"
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

struct VerityIo : io::WorkerPool::Work {
  io::Request child;
  io::Request* parent = nullptr;
  VerityTarget* target = nullptr;
};

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

class VerityTarget final : public core::Target {
 public:
  VerityTarget(verity::HashTree tree, io::BlockDevicePtr data, io::BlockDevicePtr hash, VerityOptions o)
      : tree_(std::move(tree)), data_(std::move(data)), hash_(std::move(hash)), o_(o),
        verifier_(tree_, [this](std::uint64_t index, std::byte* out) { return read_hash_block(index, out); }),
        pool_(2, "udm-verity") {
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
    auto* io = new (std::nothrow) VerityIo;
    if (!io) {
      r->complete(-ENOMEM);
      return core::MapResult::submitted;
    }
    io->parent = r;
    io->target = this;
    io->child.op = io::Op::read;
    io->child.offset = r->offset;
    io->child.length = r->length;
    io->child.data = r->data;
    io->child.context = io;
    io->child.done = [](io::Request* self, int result) {
      auto* vio = static_cast<VerityIo*>(self->context);
      if (result < 0) {
        io::Request* parent = vio->parent;
        delete vio;
        return parent->complete(result);
      }
      vio->run = [](io::WorkerPool::Work* w) { static_cast<VerityIo*>(w)->target->verify_io(static_cast<VerityIo*>(w)); };
      vio->target->pool_.submit(vio);
    };
    data_->submit(&io->child);
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

  std::uint64_t corrupted_blocks() const { return corrupted_.load(); }

  void verify_io(VerityIo* io) {
    io::Request* parent = io->parent;
    const std::uint32_t dbs = tree_.params().data_block_size;
    int result = 0;
    for (byte_count pos = 0; pos < parent->length; pos += dbs) {
      const std::uint64_t block = (parent->offset + pos) / dbs;
      std::byte* data = parent->data + pos;
      if (o_.check_at_most_once && is_checked(block)) continue;
      auto outcome = verifier_.verify(block, data, o_.ignore_zero_blocks);
      if (outcome == verity::Verifier::Outcome::zero) {
        std::memset(data, 0, dbs);
      } else if (outcome == verity::Verifier::Outcome::io_error) {
        result = -EIO;
        break;
      } else if (outcome == verity::Verifier::Outcome::corrupt) {
        corrupted_.fetch_add(1);
        if (!o_.ignore_corruption) {
          result = -EIO;
          break;
        }
      } else if (o_.check_at_most_once) {
        mark_checked(block);
      }
    }
    delete io;
    parent->complete(result);
  }

 private:
  int read_hash_block(std::uint64_t index, std::byte* out) {
    const std::uint32_t hbs = tree_.params().hash_block_size;
    return core::sync_io(*hash_, io::Op::read, index * hbs, hbs, out);
  }
  bool is_checked(std::uint64_t b) const { return checked_[b / 64].load() >> (b % 64) & 1; }
  void mark_checked(std::uint64_t b) { checked_[b / 64].fetch_or(std::uint64_t{1} << (b % 64)); }

  verity::HashTree tree_;
  io::BlockDevicePtr data_, hash_;
  VerityOptions o_;
  verity::Verifier verifier_;
  std::atomic<std::uint64_t> corrupted_{0};
  std::vector<std::atomic<std::uint64_t>> checked_;
  // Checks block on hash-block reads, so they get threads of their own: on
  // the shared pool, verity over crypt (or over verity) could leave every
  // worker waiting for work queued behind it. Last: stopped first.
  io::WorkerPool pool_;
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
  return std::make_unique<VerityTarget>(std::move(*tree), std::move(*data), std::move(*hash), o);
}

}  // namespace

const core::TargetType& verity_target_type() {
  static const core::TargetType type{"verity", {1, 10, 0}, 0, &create_verity};
  return type;
}

}  // namespace udm::targets

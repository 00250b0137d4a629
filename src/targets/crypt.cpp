// crypt 1.28.0: transparent encryption of a device, sector by sector (dm-crypt).
//
// Table:   <cipher> <key> <iv_offset> <dev> <offset> [<#opt_params> <opt_params>...]
//          cipher: aes-xts-plain64, aes-cbc-essiv:sha256, capi:xts(aes)-plain64 ... (crypt/cipher_spec.hpp)
//          key: hex; ":<size>:<type>:<desc>" (a kernel keyring key) is refused: udm has no keyring
//          (udm-run resolves cryptsetup's own logon keys before the table reaches udmd); "-" for cipher_null
//          options: allow_discards same_cpu_crypt high_priority submit_from_crypt_cpus
//                   no_read_workqueue no_write_workqueue sector_size:<512..4096> iv_large_sectors
// Status:  INFO  ""
//          TABLE the key in full, as the kernel returns it (udmsetup/dmsetup print zeros unless --showkeys),
//                options in the kernel's order
// Messages: "key wipe", "key set <key>": only while suspended; a wiped key
//          makes resume fail (I/O stays held), as in the kernel.
//
// A FUSE worker (a submitter that may block, under io::InlineWrites) does
// all of its request itself; other submitters hand a request to the shared
// pool, split into up to one piece per worker. A piece is decrypted straight
// out of the backing file's page cache when that holds it, or encrypted
// straight into it, else into a recycled bounce buffer that the last piece
// done writes (the caller's data is never touched). Crypto never runs on an
// io_uring completion thread and no lock is held while it runs. The
// workqueue options only change table output here: udm always needs the
// pool.
#include <atomic>
#include <bit>
#include <cstring>
#include <string.h>
#include <memory>
#include <mutex>
#include <vector>

#include "core/target.hpp"
#include "core/target_services.hpp"
#include "crypt/bounce_pool.hpp"
#include "crypt/cipher_spec.hpp"
#include "crypt/key.hpp"
#include "crypt/sector_crypter.hpp"
#include "io/inline_writes.hpp"
#include "targets/args.hpp"

namespace udm::targets {

const core::TargetType& crypt_target_type();

namespace {

using crypt::Direction;

constexpr unsigned MAX_CHUNKS = 8;  // at most 32: CryptIo::in_bounce has a bit per piece
constexpr byte_count MIN_CHUNK = 64 * 1024;  // below this one worker does the whole request
constexpr std::size_t MAX_FREE_IOS = 64;       // recycled CryptIo kept per table

struct CryptOptions {
  bool allow_discards = false, same_cpu_crypt = false, high_priority = false, submit_from_crypt_cpus = false;
  bool no_read_workqueue = false, no_write_workqueue = false, iv_large_sectors = false;
  std::uint32_t sector_size = 512;
};

class CryptTarget;

struct CryptIo;
// One piece of a request, on one worker: read it (its own child request, so
// the pieces' page-cache copies run in parallel too) and decrypt it in
// place, or encrypt it into its part of the bounce buffer.
struct CryptChunk : io::WorkerPool::Work {
  CryptIo* io = nullptr;
  byte_count begin = 0, length = 0;
  io::Request child;
};

// A read or write in flight.
struct CryptIo {
  io::Request* parent = nullptr;
  CryptTarget* target = nullptr;
  std::byte* bounce = nullptr;  // ciphertext of a write
  io::Request write;             // the whole ciphertext, once every piece is encrypted
  std::atomic<unsigned> pending{0};
  std::atomic<int> error{0};  // the first error of any piece
  std::atomic<std::uint32_t> in_bounce{0};  // a write's pieces encrypted into the bounce buffer (bit per piece)
  unsigned chunks_used = 0;
  CryptChunk chunks[MAX_CHUNKS];
};

// The read piece whose child this thread is submitting: a completion seen
// on this thread for it came back inside submit() and leaves its result here
// (on the submitter's stack: the piece itself may be recycled by then).
struct InlineRead {
  CryptChunk* chunk = nullptr;
  bool completed = false;
  int result = 0;
};
thread_local InlineRead* t_submitting = nullptr;

io::WorkerPool& fallback_pool() {
  static io::WorkerPool pool(2, "udm-crypt");
  return pool;
}

class CryptTarget final : public core::Target {
 public:
  CryptTarget(std::string cipher_text, crypt::CipherSpec spec, crypt::SecretBytes key,
              std::unique_ptr<crypt::SectorCrypter> crypter, sector_t iv_offset, io::BlockDevicePtr dev,
              sector_t start, CryptOptions o, io::WorkerPool& pool)
      : cipher_text_(std::move(cipher_text)), spec_(std::move(spec)), key_(std::move(key)),
        crypter_(std::move(crypter)), iv_offset_(iv_offset), dev_(std::move(dev)), start_(start), o_(o),
        pool_(pool) {}

  ~CryptTarget() override {
    key_.wipe();
    for (CryptIo* io : free_ios_) delete io;
  }

  core::MapResult map(io::Request* r) override {
    switch (r->op) {
      case io::Op::flush:
        dev_->submit(r);
        break;
      case io::Op::discard:
        if (!o_.allow_discards) {
          r->complete(-EOPNOTSUPP);
          break;
        }
        r->offset += sectors_to_bytes(start_);
        dev_->submit(r);
        break;
      case io::Op::write_zeroes:
        // Zeros on the device would read back as noise through the cipher.
        r->complete(-EOPNOTSUPP);
        break;
      case io::Op::read:
      case io::Op::write:
        start_io(r);
        break;
    }
    return core::MapResult::submitted;
  }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::info) return "";
    std::string key = key_.size() == 0 ? "-" : crypt::to_hex(key_.span());
    std::string out = cipher_text_ + " " + key + " " + std::to_string(iv_offset_) + " " + dev_->table_name() + " " +
                      std::to_string(start_);
    std::vector<std::string> opts;
    if (o_.allow_discards) opts.push_back("allow_discards");
    if (o_.same_cpu_crypt) opts.push_back("same_cpu_crypt");
    if (o_.high_priority) opts.push_back("high_priority");
    if (o_.submit_from_crypt_cpus) opts.push_back("submit_from_crypt_cpus");
    if (o_.no_read_workqueue) opts.push_back("no_read_workqueue");
    if (o_.no_write_workqueue) opts.push_back("no_write_workqueue");
    if (o_.sector_size != 512) opts.push_back("sector_size:" + std::to_string(o_.sector_size));
    if (o_.iv_large_sectors) opts.push_back("iv_large_sectors");
    if (!opts.empty()) {
      out += " " + std::to_string(opts.size());
      for (auto& w : opts) out += " " + w;
    }
    ::explicit_bzero(key.data(), key.size());
    return out;
  }

  void io_hints(io::DeviceLimits& l) const override {
    l.logical_block_size = std::max(l.logical_block_size, o_.sector_size);
    l.physical_block_size = std::max(l.physical_block_size, o_.sector_size);
    if (l.io_min && l.io_min < o_.sector_size) l.io_min = o_.sector_size;
    if (!o_.allow_discards) l.discard_granularity = 0;
    l.write_zeroes = false;
  }

  Result<std::string> message(std::span<const std::string> args) override {
    if (args.size() >= 2 && args[0] == "key") {
      if (!suspended_.load()) return fail(EINVAL, "not suspended during key manipulation");
      if (args[1] == "wipe" && args.size() == 2) {
        crypter_.reset();
        key_.wipe();
        key_valid_ = false;
        return std::string{};
      }
      if (args[1] == "set" && args.size() == 3) {
        if (crypt::looks_like_keyring_key(args[2])) return fail(EINVAL, keyring_error(args[2]));
        auto key = crypt::parse_hex_key(args[2]);
        if (!key) return fail(EINVAL, "Error decoding and setting key: " + key.error().message);
        if (key->size() != key_.size())
          return fail(EINVAL, "key set: key size " + std::to_string(key->size() * 8) + " bits differs from the table's " +
                                  std::to_string(key_.size() * 8));
        auto c = crypt::SectorCrypter::create(spec_, key->span());
        if (!c) return fail(c.error());
        crypter_ = std::move(*c);
        key_ = std::move(*key);
        key_valid_ = true;
        return std::string{};
      }
    }
    return fail(EINVAL, "unrecognised message received");
  }

  std::vector<io::BlockDevicePtr> devices() const override { return {dev_}; }

  void postsuspend(bool) override { suspended_.store(true); }
  Result<void> preresume() override {
    if (!key_valid_) return fail(EAGAIN, "aborting resume - crypt key is not set");
    return {};
  }
  void resume() override { suspended_.store(false); }

  // Called from chunk jobs.
  void run_chunk(CryptChunk* chunk);

  static std::string keyring_error(std::string_view key) {
    auto ref = crypt::parse_keyring_key(key);
    std::string what = ref ? "the " + ref->type + " key '" + ref->description + "'" : "a keyring key";
    return "Error decoding and setting key: udm has no kernel keyring to read " + what +
           " from (run cryptsetup under udm-run, or pass --disable-keyring)";
  }

 private:
  void start_io(io::Request* r);
  void schedule(CryptIo* io);
  bool crypt_chunk(CryptChunk* c, bool write);
  void decrypt_chunk(CryptChunk* c);
  bool decrypt_in_place(CryptChunk* c);
  int encrypt_in_place(CryptChunk* c);
  // What a piece crypted in place hands its function: the keyed context is
  // taken before and given back after, outside the part a SIGBUS can cut off.
  struct InPlaceJob {
    CryptTarget* target;
    CryptChunk* chunk;
    crypt::SectorCrypter::Slot* slot;
    bool ok;
  };
  void write_bounce(CryptIo* io);
  struct Ivs {
    std::uint64_t first;  // the IV number of the piece's first sector
    std::uint64_t step;   // added per sector
  };
  Ivs ivs_of(const CryptChunk* c) const;
  void encrypt_chunk(CryptChunk* c);
  void chunk_done(CryptChunk* c, int result);
  void finish(CryptIo* io, int result);
  // In-flight state is recycled: a stream of requests allocates nothing.
  CryptIo* take_io() {
    {
      std::lock_guard g(free_lock_);
      if (!free_ios_.empty()) {
        CryptIo* io = free_ios_.back();
        free_ios_.pop_back();
        io->bounce = nullptr;
        io->error.store(0, std::memory_order_relaxed);
        io->in_bounce.store(0, std::memory_order_relaxed);
        return io;
      }
    }
    return new (std::nothrow) CryptIo;
  }
  void give_io(CryptIo* io) {
    {
      std::lock_guard g(free_lock_);
      if (free_ios_.size() < MAX_FREE_IOS) {
        free_ios_.push_back(io);
        return;
      }
    }
    delete io;
  }

  std::string cipher_text_;
  crypt::CipherSpec spec_;
  crypt::SecretBytes key_;
  std::unique_ptr<crypt::SectorCrypter> crypter_;
  bool key_valid_ = true;
  std::atomic<bool> suspended_{false};
  sector_t iv_offset_;
  io::BlockDevicePtr dev_;
  sector_t start_;
  CryptOptions o_;
  io::WorkerPool& pool_;
  crypt::BouncePool bounces_;
  std::mutex free_lock_;
  std::vector<CryptIo*> free_ios_;
};

void CryptTarget::start_io(io::Request* r) {
  if ((r->offset | r->length) & (o_.sector_size - 1)) return r->complete(-EIO);
  if (r->length == 0) return r->complete(0);
  CryptIo* io = take_io();
  if (!io) return r->complete(-ENOMEM);
  io->parent = r;
  io->target = this;
  if (r->op == io::Op::write) {
    io->bounce = bounces_.get(r->length);
    if (!io->bounce) {
      give_io(io);
      return r->complete(-ENOMEM);
    }
  }
  schedule(io);
}

// A large request left to the pool is cut into a piece per worker, reads
// too: a worker reads its piece (from the page cache right there when it
// holds it) and decrypts it while the other does the same with the next
// piece, instead of one thread copying the whole request before the
// decryption starts.
void CryptTarget::schedule(CryptIo* io) {
  const byte_count length = io->parent->length;
  // A submitter that may block (a FUSE worker, marked by io::InlineWrites)
  // does all of its request itself, on bytes hot in its own cache. Handing
  // half of them to a worker measured slower, at queue depth 1 too: the
  // worker's core must be woken and must first pull its half out of this
  // core's cache (bench/crypt/README.md, session 13). Other submitters (an
  // NBD connection's reader, an engine thread) must not block: they leave
  // the request to the pool, a piece per worker.
  const bool here = io::InlineWrites::current() >= length;
  const unsigned n =
      here || length < 2 * MIN_CHUNK ? 1u : std::max(1u, std::min<unsigned>(pool_.threads(), MAX_CHUNKS));
  byte_count per = (length / n + o_.sector_size - 1) / o_.sector_size * o_.sector_size;
  unsigned used = 0;
  for (byte_count pos = 0; pos < length && used < n; pos += per, ++used) {
    CryptChunk& c = io->chunks[used];
    c.io = io;
    c.begin = pos;
    c.length = std::min(per, length - pos);
    c.run = [](io::WorkerPool::Work* w) {
      auto* chunk = static_cast<CryptChunk*>(w);
      chunk->io->target->run_chunk(chunk);
    };
  }
  io->chunks_used = used;
  io->pending.store(used);
  if (here) return run_chunk(&io->chunks[0]);  // `io` may be finished and recycled on return
  for (unsigned i = 0; i < used; ++i) pool_.submit(&io->chunks[i]);
}

CryptTarget::Ivs CryptTarget::ivs_of(const CryptChunk* c) const {
  // The IV counts 512-byte sectors from the target's start plus iv_offset;
  // with iv_large_sectors it counts sector_size units instead.
  Ivs v{bytes_to_sectors(c->io->parent->offset + c->begin) + iv_offset_, o_.sector_size >> SECTOR_SHIFT};
  if (o_.iv_large_sectors) {
    v.first /= v.step;
    v.step = 1;
  }
  return v;
}

bool CryptTarget::crypt_chunk(CryptChunk* c, bool write) {
  CryptIo* io = c->io;
  io::Request* parent = io->parent;
  const Ivs v = ivs_of(c);
  return crypter_ && crypter_->crypt(write ? Direction::encrypt : Direction::decrypt, parent->data + c->begin,
                                     (write ? io->bounce : parent->data) + c->begin, c->length, o_.sector_size,
                                     v.first, v.step);
}

// A piece the backing file's page cache holds is decrypted straight out of
// a mapping of the file into the caller's buffer: one pass over the bytes
// instead of a copy and then a pass over the copy (bench/crypt/README.md).
bool CryptTarget::decrypt_in_place(CryptChunk* c) {
  if (!crypter_ || crypter_->null_cipher()) return false;
  InPlaceJob job{this, c, crypter_->take(), false};
  if (!job.slot) return false;
  // The slot is taken outside the part a shrinking file can cut off, so
  // nothing leaks when it is (file_mapping.hpp).
  const bool read = dev_->read_in_place(
      c->io->parent->offset + sectors_to_bytes(start_) + c->begin, c->length,
      [](const std::byte* bytes, void* context) {
        auto* j = static_cast<InPlaceJob*>(context);
        const Ivs v = j->target->ivs_of(j->chunk);
        j->ok = j->target->crypter_->crypt_with(*j->slot, Direction::decrypt, bytes,
                                                j->chunk->io->parent->data + j->chunk->begin, j->chunk->length,
                                                j->target->o_.sector_size, v.first, v.step);
      },
      &job);
  crypter_->give(job.slot);
  if (!read) return false;  // read as usual
  chunk_done(c, job.ok ? 0 : -EIO);
  return true;
}

void CryptTarget::run_chunk(CryptChunk* c) {
  CryptIo* io = c->io;
  io::Request* parent = io->parent;
  const bool write = parent->op == io::Op::write;
  if (write) return encrypt_chunk(c);
  if (decrypt_in_place(c)) return;
  c->child = io::Request{};
  c->child.op = io::Op::read;
  c->child.offset = parent->offset + sectors_to_bytes(start_) + c->begin;
  c->child.length = c->length;
  c->child.data = parent->data + c->begin;
  c->child.context = c;
  c->child.done = [](io::Request* self, int result) {
    auto* chunk = static_cast<CryptChunk*>(self->context);
    if (t_submitting && t_submitting->chunk == chunk) {  // finished by run_chunk once submit() returns
      t_submitting->completed = true;
      t_submitting->result = result;
      return;
    }
    if (result < 0) return chunk->io->target->chunk_done(chunk, result);
    // A completion thread: the decryption goes to the pool.
    chunk->run = [](io::WorkerPool::Work* w) {
      auto* me = static_cast<CryptChunk*>(w);
      me->io->target->decrypt_chunk(me);
    };
    chunk->io->target->pool_.submit(chunk);
  };
  // A pool thread may block: a piece the page cache holds is copied right
  // here rather than by an io_uring thread.
  InlineRead here{c};
  InlineRead* const saved = t_submitting;
  t_submitting = &here;
  {
    io::InlineWrites inline_here(c->length);
    dev_->submit(&c->child);  // unless `here` completed, the piece may be finished and recycled on return
  }
  t_submitting = saved;
  if (!here.completed) return;
  if (here.result < 0) return chunk_done(c, here.result);
  decrypt_chunk(c);
}

void CryptTarget::decrypt_chunk(CryptChunk* c) { chunk_done(c, crypt_chunk(c, false) ? 0 : -EIO); }

// A piece of a write whose backing pages the page cache holds is encrypted
// straight into a mapping of the file: no copy out of a bounce buffer, no
// write call, and the pieces land in parallel. 1 when written, 0 when not
// (encrypt it into the bounce buffer and write that), -EIO when the cipher
// failed. FUA writes take the usual write, which makes them durable.
int CryptTarget::encrypt_in_place(CryptChunk* c) {
  if (c->io->parent->fua || !crypter_ || crypter_->null_cipher()) return 0;
  InPlaceJob job{this, c, crypter_->take(), false};
  if (!job.slot) return 0;
  const bool wrote = dev_->write_in_place(
      c->io->parent->offset + sectors_to_bytes(start_) + c->begin, c->length,
      [](std::byte* bytes, void* context) {
        auto* j = static_cast<InPlaceJob*>(context);
        const Ivs v = j->target->ivs_of(j->chunk);
        j->ok = j->target->crypter_->crypt_with(*j->slot, Direction::encrypt,
                                                j->chunk->io->parent->data + j->chunk->begin, bytes,
                                                j->chunk->length, j->target->o_.sector_size, v.first, v.step);
      },
      &job);
  crypter_->give(job.slot);
  if (!wrote) return 0;
  return job.ok ? 1 : -EIO;
}

// Writes: the pieces are encrypted in parallel, each into the backing file's
// page cache when it can be, else into its part of the bounce buffer; the
// worker that finishes last writes what is in the bounce buffer. Two pieces
// written at once measured no better: buffered writes to one file take the
// inode's lock in turn.
void CryptTarget::encrypt_chunk(CryptChunk* c) {
  CryptIo* io = c->io;
  int placed = encrypt_in_place(c);
  if (placed == 0) {
    if (crypt_chunk(c, true)) io->in_bounce.fetch_or(1u << (c - io->chunks));
    else placed = -EIO;
  }
  if (placed < 0) {
    int none = 0;
    io->error.compare_exchange_strong(none, -EIO);
  }
  if (io->pending.fetch_sub(1) != 1) return;
  if (io->error.load() < 0) return finish(io, io->error.load());
  if (io->in_bounce.load() == 0) return finish(io, 0);  // all of it is in the page cache
  write_bounce(io);
}

// One write of the span of pieces that went to the bounce buffer; a piece
// inside it that went in place (the page cache held some pages, not others)
// is encrypted into the buffer too, so the span is whole.
void CryptTarget::write_bounce(CryptIo* io) {
  io::Request* parent = io->parent;
  const unsigned in_bounce = io->in_bounce.load();
  const unsigned first = static_cast<unsigned>(std::countr_zero(in_bounce));
  const unsigned last = 31u - static_cast<unsigned>(std::countl_zero(in_bounce));
  for (unsigned i = first; i <= last; ++i)
    if (!(in_bounce & (1u << i)) && !crypt_chunk(&io->chunks[i], true)) return finish(io, -EIO);
  const byte_count begin = io->chunks[first].begin;
  const byte_count end = io->chunks[last].begin + io->chunks[last].length;
  io->write = io::Request{};
  io->write.op = io::Op::write;
  io->write.fua = parent->fua;
  io->write.offset = parent->offset + sectors_to_bytes(start_) + begin;
  io->write.length = end - begin;
  io->write.data = io->bounce + begin;
  io->write.context = io;
  io->write.done = [](io::Request* self, int result) {
    auto* me = static_cast<CryptIo*>(self->context);
    me->target->finish(me, result);
  };
  // A pool thread may block: the ciphertext goes into the page cache right
  // here rather than waking a write-pool thread for it.
  io::InlineWrites inline_here(io->write.length);
  dev_->submit(&io->write);
}

void CryptTarget::chunk_done(CryptChunk* c, int result) {
  CryptIo* io = c->io;
  if (result < 0) {
    int none = 0;
    io->error.compare_exchange_strong(none, result);
  }
  if (io->pending.fetch_sub(1) == 1) finish(io, io->error.load());
}

void CryptTarget::finish(CryptIo* io, int result) {
  io::Request* parent = io->parent;
  if (io->bounce) bounces_.put(io->bounce, parent->length);
  give_io(io);
  parent->complete(result);
}

Result<void> parse_options(ArgSet& as, CryptOptions& o) {
  if (as.empty()) return {};
  auto count = as.read_group({1, 9, "Invalid number of feature args"});
  if (!count) return fail(count.error());
  for (std::size_t i = 0; i < *count; ++i) {
    const std::string& w = *as.shift();
    if (w == "allow_discards") o.allow_discards = true;
    else if (w == "same_cpu_crypt") o.same_cpu_crypt = true;
    else if (w == "high_priority") o.high_priority = true;
    else if (w == "submit_from_crypt_cpus") o.submit_from_crypt_cpus = true;
    else if (w == "no_read_workqueue") o.no_read_workqueue = true;
    else if (w == "no_write_workqueue") o.no_write_workqueue = true;
    else if (w == "iv_large_sectors") o.iv_large_sectors = true;
    else if (w.starts_with("sector_size:")) {
      std::uint64_t v = 0;
      if (!parse_in_range(std::string_view(w).substr(12), 512, 4096, v) || (v & (v - 1)))
        return fail(EINVAL, "Invalid feature value for sector_size");
      o.sector_size = static_cast<std::uint32_t>(v);
    } else if (w.starts_with("integrity:") || w.starts_with("integrity_key_size:")) {
      return fail(EINVAL, "Invalid feature arguments: " + w.substr(0, w.find(':')) +
                              " needs dm-integrity, which udm does not have");
    } else {
      return fail(EINVAL, "Invalid feature arguments");
    }
  }
  if (!as.empty()) return fail(EINVAL, "Invalid feature arguments");
  return {};
}

Result<std::unique_ptr<core::Target>> create_crypt(const core::TargetArgs& a) {
  ArgSet as(a.args);
  if (as.size() < 5) return fail(EINVAL, "Not enough arguments");
  if (!a.devices) return fail(EINVAL, "no device opener");
  const std::string& cipher_text = *as.shift();
  const std::string& key_text = *as.shift();
  auto spec = crypt::parse_cipher_spec(cipher_text);
  if (!spec) return fail(spec.error());
  crypt::SecretBytes key;
  if (crypt::looks_like_keyring_key(key_text)) return fail(EINVAL, CryptTarget::keyring_error(key_text));
  if (key_text != "-") {
    auto k = crypt::parse_hex_key(key_text);
    if (!k) return fail(EINVAL, "Error decoding and setting key: " + k.error().message);
    key = std::move(*k);
  }
  auto iv_offset = as.read({0, UINT64_MAX, "Invalid iv_offset sector"});
  if (!iv_offset) return fail(iv_offset.error());
  const std::string& path = *as.shift();
  auto start = as.read({0, MAX_DEVICE_SECTORS, "Invalid device sector"});
  if (!start) return fail(start.error());
  CryptOptions o;
  if (auto r = parse_options(as, o); !r) return fail(r.error());
  const sector_t unit = o.sector_size >> SECTOR_SHIFT;
  if (a.length & (unit - 1)) return fail(EINVAL, "Device size is not multiple of sector_size feature");
  if (*iv_offset & (unit - 1)) return fail(EINVAL, "Invalid iv_offset sector");
  auto crypter = crypt::SectorCrypter::create(*spec, key.span());
  if (!crypter) return fail(crypter.error());
  auto dev = open_device(a, path, *start, a.length, "Device lookup failed");
  if (!dev) return fail(dev.error());
  io::WorkerPool& pool = a.services ? a.services->workers() : fallback_pool();
  return std::make_unique<CryptTarget>(cipher_text, std::move(*spec), std::move(key), std::move(*crypter), *iv_offset,
                                       std::move(*dev), *start, o, pool);
}

}  // namespace

const core::TargetType& crypt_target_type() {
  static const core::TargetType type{"crypt", {1, 28, 0}, core::TARGET_HOLDS_SECRETS, &create_crypt};
  return type;
}

}  // namespace udm::targets

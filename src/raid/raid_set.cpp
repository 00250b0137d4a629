#include "raid/raid_set.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "core/sync_io.hpp"
#include "core/target.hpp"
#include "io/submit_plug.hpp"
#include "raid/buffer.hpp"

namespace udm::raid {

namespace {
constexpr sector_t DEFAULT_REGION = 1 << 13;  // 4 MiB, as dm-raid picks for small sets
constexpr std::uint64_t DEFAULT_DAEMON_SLEEP_MS = 5000;  // MD's bitmap daemon
constexpr byte_count COPY_CHUNK = 1 << 20;  // one request of the resync copy
constexpr unsigned SYNC_DEPTH = 8;          // resync chunks in flight at once
constexpr byte_count SYNC_BATCH_BYTES = 32 << 20;  // regions copied in one stream (writes to them wait)
constexpr byte_count COMPARE_BLOCK = 64 << 10;  // mismatches count in these, as MD's resync pages
constexpr unsigned READ_SPREAD_SHIFT = 16;  // reads alternate legs every 64 KiB
// Several requests in flight at once, each result told apart: metadata
// writes to every leg (the bit flush before a write waits for the slowest,
// not for the sum), and a resync chunk's writes with the next chunk's read.
class ParallelWrites {
 public:
  explicit ParallelWrites(std::size_t n) : entries_(n) {}
  void submit(std::size_t k, io::BlockDevice& dev, byte_count offset, byte_count length, std::byte* data,
              io::Op op = io::Op::write, bool fua = true) {
    Entry& e = entries_[k];
    e.owner = this;
    e.io.op = op;
    e.io.fua = fua;
    e.io.offset = offset;
    e.io.length = length;
    e.io.data = data;
    e.io.context = &e;
    e.io.done = [](io::Request* r, int result) {
      auto* en = static_cast<Entry*>(r->context);
      ParallelWrites* self = en->owner;
      std::lock_guard g(self->lock_);
      en->result = result;
      if (--self->left_ == 0) self->cv_.notify_all();
    };
    {
      std::lock_guard g(lock_);
      ++left_;
    }
    dev.submit(&e.io);
  }
  // Waits for every write; the result of write k.
  int wait_result(std::size_t k) {
    std::unique_lock g(lock_);
    cv_.wait(g, [&] { return left_ == 0; });
    return entries_[k].result;
  }

 private:
  struct Entry {
    io::Request io;
    ParallelWrites* owner = nullptr;
    int result = 0;
  };
  std::vector<Entry> entries_;
  std::mutex lock_;
  std::condition_variable cv_;
  std::size_t left_ = 0;
};

}  // namespace

const char* sync_action_name(SyncAction a) {
  switch (a) {
    case SyncAction::idle: return "idle";
    case SyncAction::frozen: return "frozen";
    case SyncAction::resync: return "resync";
    case SyncAction::recover: return "recover";
    case SyncAction::check: return "check";
    case SyncAction::repair: return "repair";
  }
  return "undef";
}

unsigned RaidConfig::copies() const {
  if (type->level == 10) return raid10_copies ? static_cast<unsigned>(raid10_copies) : 2;
  return 1;
}

// One write (or flush) fanned out to every live leg. Recycled through the
// set's free list, so the write path allocates nothing once warm.
struct WriteCtx {
  RaidSet* set = nullptr;
  io::Request* parent = nullptr;
  std::uint64_t region = 0;
  std::atomic<unsigned> left{0};
  std::atomic<unsigned> ok{0};
  std::atomic<int> error{0};
  std::unique_ptr<io::Request[]> children;  // one per leg of the set
  WriteCtx* next_free = nullptr;

  static void done(io::Request* child, int result) {
    auto* c = static_cast<WriteCtx*>(child->context);
    if (result == 0) c->ok.fetch_add(1, std::memory_order_relaxed);
    else if (result != -EOPNOTSUPP || child->op == io::Op::write) {
      c->error.store(result, std::memory_order_relaxed);
      c->set->fail_leg(child->index, result);
    } else {
      c->error.store(result, std::memory_order_relaxed);
    }
    if (c->left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // MD completes a mirrored write once any leg has it; the failed ones are out of the set.
    const int r = c->ok.load() ? 0 : (c->error.load() ? c->error.load() : -EIO);
    RaidSet* set = c->set;
    io::Request* parent = c->parent;
    const std::uint64_t region = c->region;
    const bool counted = parent->op != io::Op::flush && parent->op != io::Op::read;
    set->write_done(counted ? region : UINT64_MAX, c);
    core::complete_held(parent, r);
  }
};

// One read of a raid1 set, retried on another leg when one fails. The
// request itself goes to the leg; what it must get back (its completion,
// its offset) waits in its per-I/O scratch space, so reads allocate nothing.
struct ReadState {
  void (*done)(io::Request*, int);
  void* context;
  byte_count offset;
  RaidSet* set;
  std::bitset<256> tried;
};
static_assert(sizeof(ReadState) <= core::PER_IO_DATA_SIZE);

Result<std::shared_ptr<RaidSet>> RaidSet::create(RaidConfig config, std::vector<LegDevices> legs,
                                                 sector_t array_sectors, std::function<void()> raise_event) {
  std::shared_ptr<RaidSet> set(new RaidSet(std::move(config), std::move(legs), array_sectors, std::move(raise_event)));
  const RaidConfig& c = set->config_;
  const unsigned n = set->n_;
  const unsigned level = c.type->level;
  // Per-device size, as dm-raid's rs_set_dev_and_array_sectors.
  if (level == 1) {
    set->dev_sectors_ = array_sectors;
  } else {
    unsigned data_devs = n - c.type->parity_devs;
    if (level == 10) {
      const unsigned copies = c.copies();
      if (copies < 2 || copies > n)
        return fail(EINVAL, "raid10_copies " + std::to_string(copies) + " is not in 2.." + std::to_string(n));
      if (array_sectors * copies % n)
        return fail(EINVAL, "Target length not divisible by number of data devices");
      set->dev_sectors_ = array_sectors * copies / n;
    } else {
      if (array_sectors % data_devs) return fail(EINVAL, "Target length not divisible by number of data devices");
      set->dev_sectors_ = array_sectors / data_devs;
    }
    if (c.chunk == 0 || (c.chunk & (c.chunk - 1)))
      return fail(EINVAL, "Chunk size must be a power of 2");
    if (set->dev_sectors_ % c.chunk)
      return fail(EINVAL, "Device size " + std::to_string(set->dev_sectors_) + " is not a multiple of chunk size " +
                              std::to_string(c.chunk));
  }
  // Region size, as dm-raid's validate_region_size.
  sector_t region = c.region_size;
  const sector_t min_region = array_sectors >> 21;
  if (!region) {
    region = DEFAULT_REGION;
    if (min_region > region) region = std::uint64_t{1} << (64 - __builtin_clzll(min_region - 1));
  } else {
    if (region & (region - 1)) return fail(EINVAL, "Region size is not a power of 2");
    if (region < min_region) return fail(EINVAL, "Supplied region_size (" + std::to_string(region) + " sectors) below minimum (" + std::to_string(min_region) + ")");
    if (region < c.chunk) return fail(EINVAL, "Supplied region size (" + std::to_string(region) + ") is smaller than chunk size (" + std::to_string(c.chunk) + ")");
  }
  set->region_ = region;
  set->regions_ = (set->dev_sectors_ + region - 1) / region;

  // Every metadata device must hold the bitmap.
  for (unsigned i = 0; i < n; ++i) {
    const auto& d = set->devs_[i];
    if (d.data && d.data->size() < sectors_to_bytes(c.data_offset + set->dev_sectors_))
      return fail(EINVAL, "leg " + std::to_string(i) + " data device " + d.data->table_name() + " is too small");
    if (!d.meta) continue;
    if (d.meta->size() < std::max<byte_count>(HEAD_BYTES, BITS_OFFSET + bitmap_bytes(set->regions_)))
      return fail(EINVAL, "leg " + std::to_string(i) + " metadata device " + d.meta->table_name() +
                              " is too small for the superblock and a bitmap of " + std::to_string(set->regions_) +
                              " regions");
  }
  // Validate what the metadata devices hold now; load() reads them again.
  // An unreadable one (a failed disk, or lvm2's error device standing in
  // for a missing image) fails its leg, as dm-raid does, while the set
  // keeps enough legs.
  Buffer page(HEAD_BYTES);
  unsigned lost = 0;
  for (unsigned i = 0; i < n; ++i) lost += set->devs_[i].data ? 0 : 1;
  const unsigned can_lose = level == 1 ? n - 1 : level == 10 ? c.copies() - 1 : c.type->parity_devs;
  for (unsigned i = 0; i < n; ++i) {
    const auto& d = set->devs_[i];
    if (!d.meta) continue;
    const std::string who = "leg " + std::to_string(i) + " metadata device " + d.meta->table_name() + ": ";
    if (int r = core::sync_io(*d.meta, io::Op::read, 0, page.size(), page.data()); r < 0) {
      if (++lost > can_lose) return fail(-r, who + "read failed: " + std::strerror(-r));
      continue;
    }
    Superblock sb;
    auto kind = decode_superblock(page.span().first(SB_BYTES), sb);
    if (!kind) return fail(with_context(who, kind.error()));
    if (*kind == SbKind::valid) {
      const RaidType* on_disk = find_raid_type(sb.level, sb.layout);
      const bool same = sb.level == level && (level == 1 || level == 0 || level == 10 || sb.layout == c.type->layout);
      if (!same)
        return fail(EINVAL, who + "holds a " + std::string(on_disk ? on_disk->name : "raid level " + std::to_string(sb.level)) +
                                " set, the table says " + c.type_name);
      // raid1 gains or loses legs by a new table alone, loaded while the old
      // one runs (the kept legs keep their places; load() writes the new
      // count), as dm-raid allows; other levels would need a reshape.
      if (sb.num_devices != n && level != 1)
        return fail(EINVAL, who + "holds a set of " + std::to_string(sb.num_devices) + " devices, the table has " +
                                std::to_string(n) + " (reshaping is not supported)");
      if (sb.array_position != i)
        return fail(EINVAL, who + "is device " + std::to_string(sb.array_position) + " of its set, not " +
                                std::to_string(i));
      if (level != 1 && sb.stripe_sectors != c.chunk)
        return fail(EINVAL, who + "chunk size on disk " + std::to_string(sb.stripe_sectors) +
                                " differs from the table's " + std::to_string(c.chunk));
      if (sb.sectors && sb.sectors != set->dev_sectors_)
        return fail(EINVAL, who + "device size on disk " + std::to_string(sb.sectors) +
                                " sectors differs from the table's " + std::to_string(set->dev_sectors_) +
                                " (resizing is not supported)");
      if (level != 0) {
        BitmapSuper bsb;
        auto bk = decode_bitmap_super(page.span().subspan(BITMAP_OFFSET, BITMAP_SB_BYTES), bsb);
        if (!bk) return fail(with_context(who, bk.error()));
        if (*bk == SbKind::valid && bsb.chunksize != sectors_to_bytes(region))
          return fail(EINVAL, who + "bitmap region size " + std::to_string(bsb.chunksize / 512) +
                                  " sectors differs from the table's " + std::to_string(region));
      }
    }
  }
  if (level == 1) {
    std::vector<io::BlockDevice*> legs(n);
    for (unsigned i = 0; i < n; ++i) legs[i] = set->devs_[i].data.get();
    set->writer_ = std::make_unique<MirrorWriter>(std::move(legs));
  }
  return set;
}

RaidSet::RaidSet(RaidConfig config, std::vector<LegDevices> legs, sector_t array_sectors,
                 std::function<void()> raise_event)
    : config_(std::move(config)),
      devs_(std::move(legs)),
      legs_(new Leg[devs_.size()]),
      n_(static_cast<unsigned>(devs_.size())),
      array_sectors_(array_sectors),
      raise_event_(std::move(raise_event)) {
  for (const auto& d : devs_) meta_count_ += d.meta ? 1 : 0;
}

RaidSet::~RaidSet() {
  // A set that was suspended wrote its state then, and a newer table may
  // own the metadata since: only a set destroyed while live writes it now.
  bool live;
  {
    std::lock_guard g(lock_);
    live = loaded_ && !paused_;
  }
  if (live) {
    pause();
    write_state();
  }
  {
    std::lock_guard g(lock_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  writer_.reset();
  while (WriteCtx* c = free_ctx_) {  // every write has completed by now
    free_ctx_ = c->next_free;
    delete c;
  }
}

Result<void> RaidSet::load() {
  std::lock_guard meta(meta_lock_);
  {
    std::lock_guard g(lock_);
    if (loaded_) return {};
  }
  const unsigned level = config_.type->level;
  std::vector<SbKind> kinds(n_, SbKind::blank);
  std::vector<Superblock> sbs(n_);
  std::vector<BitmapSuper> bsbs(n_);
  std::vector<bool> bitmap_valid(n_, false);
  std::vector<std::vector<std::uint8_t>> leg_bits(n_);
  Buffer page(HEAD_BYTES);
  const std::size_t nbytes = bitmap_bytes(regions_);
  for (unsigned i = 0; i < n_; ++i) {
    const auto& d = devs_[i];
    if (!d.meta) continue;
    const std::string who = "leg " + std::to_string(i) + " metadata device " + d.meta->table_name() + ": ";
    if (int r = core::sync_io(*d.meta, io::Op::read, 0, page.size(), page.data()); r < 0) {
      // An unreadable metadata device fails its leg, as MD does.
      legs_[i].failed.store(true);
      continue;
    }
    auto kind = decode_superblock(page.span().first(SB_BYTES), sbs[i]);
    if (!kind) return fail(with_context(who, kind.error()));
    kinds[i] = *kind;
    if (*kind != SbKind::valid || level == 0) continue;
    auto bk = decode_bitmap_super(page.span().subspan(BITMAP_OFFSET, BITMAP_SB_BYTES), bsbs[i]);
    if (!bk) return fail(with_context(who, bk.error()));
    if (*bk != SbKind::valid) continue;
    // Whole sectors from the bitmap's first sector.
    const byte_count first = BITS_OFFSET / 512 * 512;
    const byte_count len = (BITS_OFFSET + nbytes + 511) / 512 * 512 - first;
    Buffer raw(len);
    if (core::sync_io(*d.meta, io::Op::read, first, len, raw.data()) < 0) continue;
    leg_bits[i].resize(nbytes);
    std::memcpy(leg_bits[i].data(), raw.data() + (BITS_OFFSET - first), nbytes);
    // Bits past the last region are not ours to trust.
    if (regions_ % 8 && nbytes) leg_bits[i][nbytes - 1] &= static_cast<std::uint8_t>((1u << (regions_ % 8)) - 1);
    bitmap_valid[i] = true;
  }

  int freshest = -1;
  for (unsigned i = 0; i < n_; ++i)
    if (kinds[i] == SbKind::valid && (freshest < 0 || sbs[i].events > sbs[static_cast<unsigned>(freshest)].events))
      freshest = static_cast<int>(i);

  {
  std::lock_guard g(lock_);
  bits_.assign(nbytes, 0);
  state_.assign(regions_, region_clean);
  inflight_.assign(regions_, 0);
  touched_.assign(regions_, 0);
  syncing_.assign(regions_, 0);
  need_sync_.assign(regions_, 0);
  const bool raid0 = level == 0;
  if (freshest < 0) {
    // A new set: every leg is in sync by definition; the data is not, unless nosync.
    events_ = 0;
    resync_cp_ = (raid0 || config_.nosync) ? MAX_SECTOR : 0;
    for (unsigned i = 0; i < n_; ++i) legs_[i].recovery_offset.store(devs_[i].data ? MAX_SECTOR : 0);
  } else {
    const Superblock& f = sbs[static_cast<unsigned>(freshest)];
    events_ = f.events;
    resync_cp_ = f.array_resync_offset;
    for (unsigned i = 0; i < n_; ++i) {
      std::uint64_t rec = MAX_SECTOR;
      if (!devs_[i].data) rec = 0;
      else if (devs_[i].meta && kinds[i] == SbKind::blank) rec = 0;                 // a new leg
      else if (devs_[i].meta && sbs[i].events < f.events) rec = 0;                  // missed updates
      else if (f.failed_bit(i)) rec = 0;                                            // failed, now back
      else if (devs_[i].meta) rec = sbs[i].disk_recovery_offset;
      legs_[i].recovery_offset.store(rec);
    }
    // The bitmap: every current copy's bits (they are written alike).
    for (unsigned i = 0; i < n_; ++i) {
      if (!bitmap_valid[i] || sbs[i].events != f.events) continue;
      if (bsbs[i].events < f.events || (bsbs[i].state & BITMAP_STATE_STALE)) {
        resync_cp_ = 0;  // the bitmap missed updates: it cannot say what is clean
        continue;
      }
      for (std::size_t b = 0; b < nbytes; ++b) bits_[b] |= leg_bits[i][b];
    }
  }
  for (unsigned i : config_.rebuild)
    if (i < n_ && devs_[i].data && legs_[i].recovery_offset.load() == MAX_SECTOR) legs_[i].recovery_offset.store(0);
  if (config_.sync) resync_cp_ = 0;
  if (config_.nosync || raid0) resync_cp_ = MAX_SECTOR;
  std::uint64_t dirty = 0;
  for (std::uint64_t r = 0; r < regions_; ++r) {
    const bool bit = bitmap_test(bits_, r);
    state_[r] = bit ? region_dirty : region_clean;
    const bool below_cp = resync_cp_ != MAX_SECTOR && (r + 1) * region_ > resync_cp_;
    need_sync_[r] = (bit && !raid0) || below_cp;
    dirty += bit;
  }
  resync_pos_ = 0;  // the first region due, so the status starts where a restart left off
  while (resync_pos_ < regions_ && !need_sync_[resync_pos_]) ++resync_pos_;
  if (resync_pos_ == regions_) resync_pos_ = 0;
  resync_active_ = std::any_of(need_sync_.begin(), need_sync_.end(), [](std::uint8_t v) { return v; });
  maybe_unsynced_.store(resync_active_ || resync_cp_ != MAX_SECTOR);
  if (dirty && resync_cp_ == MAX_SECTOR)
    std::fprintf(stderr, "raid %s: %llu of %llu regions dirty in the write-intent bitmap: resyncing them\n",
                 config_.type_name.c_str(), static_cast<unsigned long long>(dirty),
                 static_cast<unsigned long long>(regions_));
  loaded_ = true;
  paused_ = true;
  }
  // Blank metadata devices get their superblock and bitmap now; the others a new event count.
  if (meta_count_) write_superblocks();
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  return {};
}

// ---------------------------------------------------------------------------
// Metadata writes

// The bitmap superblock every metadata device carries, but sectors_reserved
// (which depends on the device's size).
BitmapSuper RaidSet::make_bitmap_super_locked() const {
  BitmapSuper bsb;
  bsb.events = events_;
  bsb.events_cleared = events_;
  bsb.sync_size = dev_sectors_;
  bsb.chunksize = static_cast<std::uint32_t>(sectors_to_bytes(region_));
  bsb.daemon_sleep = static_cast<std::uint32_t>(
      ((config_.given & RaidConfig::DAEMON_SLEEP) ? config_.daemon_sleep_ms : DEFAULT_DAEMON_SLEEP_MS) / 1000);
  bsb.write_behind = static_cast<std::uint32_t>(config_.max_write_behind);
  return bsb;
}

Superblock RaidSet::make_sb_locked(unsigned i) const {
  Superblock sb;
  sb.num_devices = n_;
  sb.array_position = i;
  sb.events = events_;
  for (unsigned j = 0; j < n_; ++j) sb.set_failed(j, !alive(j));
  sb.disk_recovery_offset = legs_[i].recovery_offset.load();
  if (sb.disk_recovery_offset >= dev_sectors_) sb.disk_recovery_offset = MAX_SECTOR;
  sb.array_resync_offset = resync_cp_;
  sb.level = config_.type->level;
  sb.layout = config_.type->layout;
  if (config_.type->level == 10) sb.layout = (1u << 8) | config_.copies();
  sb.stripe_sectors = static_cast<std::uint32_t>(config_.chunk);
  sb.new_level = sb.level;
  sb.new_layout = sb.layout;
  sb.new_stripe_sectors = sb.stripe_sectors;
  sb.array_sectors = array_sectors_;
  sb.data_offset = config_.data_offset;
  sb.new_data_offset = config_.data_offset;
  sb.sectors = dev_sectors_;
  return sb;
}

// Superblock, bitmap superblock and the whole bitmap on every live leg's
// metadata device. Caller holds meta_lock_.
int RaidSet::write_superblocks() {
  std::vector<Buffer> pages;
  std::vector<unsigned> who;
  const std::size_t nbytes = bitmap_bytes(regions_);
  const byte_count len = (BITS_OFFSET + nbytes + 511) / 512 * 512;
  {
    std::lock_guard g(lock_);
    ++events_;
    BitmapSuper bsb = make_bitmap_super_locked();
    for (unsigned i = 0; i < n_; ++i) {
      if (!devs_[i].meta || !alive(i)) continue;
      Buffer p(has_bitmap() ? len : SB_BYTES);
      encode_superblock(make_sb_locked(i), std::span<std::byte, SB_BYTES>(p.data(), SB_BYTES));
      if (has_bitmap()) {
        bsb.sectors_reserved = static_cast<std::uint32_t>(
            std::min<std::uint64_t>((devs_[i].meta->size() - BITMAP_OFFSET) / 512, UINT32_MAX));
        encode_bitmap_super(bsb, std::span<std::byte, BITMAP_SB_BYTES>(p.data() + BITMAP_OFFSET, BITMAP_SB_BYTES));
        std::memcpy(p.data() + BITS_OFFSET, bits_.data(), nbytes);
      }
      pages.push_back(std::move(p));
      who.push_back(i);
    }
    sb_dirty_ = false;
  }
  int err = 0;
  ParallelWrites writes(pages.size());
  for (std::size_t k = 0; k < pages.size(); ++k) writes.submit(k, *devs_[who[k]].meta, 0, pages[k].size(), pages[k].data());
  for (std::size_t k = 0; k < pages.size(); ++k) {
    if (int r = writes.wait_result(k); r < 0) {
      err = r;
      fail_leg(who[k], r);
    }
  }
  return err;
}

// Bytes [first, end) of the bitmap, whole sectors, on every live metadata
// device. Caller holds meta_lock_ and took the bytes from bits_ under lock_.
int RaidSet::write_bits(std::size_t first_byte, std::size_t end_byte) {
  if (first_byte >= end_byte) return 0;
  const byte_count from = (BITS_OFFSET + first_byte) / 512 * 512;
  const byte_count to = (BITS_OFFSET + end_byte + 511) / 512 * 512;
  Buffer buf(to - from);
  std::vector<unsigned> who;
  {
    std::lock_guard g(lock_);
    // The sector may start inside the bitmap superblock (bits start at byte 256 of its page).
    for (byte_count off = from; off < to; ++off) {
      std::byte v{0};
      if (off >= BITS_OFFSET && off - BITS_OFFSET < bits_.size()) v = std::byte{bits_[off - BITS_OFFSET]};
      buf.data()[off - from] = v;
    }
    for (unsigned i = 0; i < n_; ++i)
      if (devs_[i].meta && alive(i)) who.push_back(i);
  }
  if (from < BITS_OFFSET) {
    // Keep the bitmap superblock bytes that share the first sector.
    // All copies of the bitmap superblock are alike; rebuild them from the set.
    BitmapSuper bsb;
    {
      std::lock_guard g(lock_);
      bsb = make_bitmap_super_locked();
    }
    // Each device's own copy: sectors_reserved differs with its size.
    std::vector<Buffer> copies;
    for (unsigned i : who) {
      bsb.sectors_reserved = static_cast<std::uint32_t>(
          std::min<std::uint64_t>((devs_[i].meta->size() - BITMAP_OFFSET) / 512, UINT32_MAX));
      Buffer c(buf.size());
      std::memcpy(c.data(), buf.data(), buf.size());
      encode_bitmap_super(bsb, std::span<std::byte, BITMAP_SB_BYTES>(c.data() + (BITMAP_OFFSET - from), BITMAP_SB_BYTES));
      copies.push_back(std::move(c));
    }
    int err = 0;
    ParallelWrites writes(who.size());
    for (std::size_t k = 0; k < who.size(); ++k) writes.submit(k, *devs_[who[k]].meta, from, copies[k].size(), copies[k].data());
    for (std::size_t k = 0; k < who.size(); ++k) {
      if (int r = writes.wait_result(k); r < 0) {
        err = r;
        fail_leg(who[k], r);
      }
    }
    return err;
  }
  int err = 0;
  ParallelWrites writes(who.size());
  for (std::size_t k = 0; k < who.size(); ++k) writes.submit(k, *devs_[who[k]].meta, from, buf.size(), buf.data());
  for (std::size_t k = 0; k < who.size(); ++k) {
    if (int r = writes.wait_result(k); r < 0) {
      err = r;
      fail_leg(who[k], r);
    }
  }
  return err;
}

void RaidSet::queue_bit_flush_locked() {
  if (bit_flush_queued_) return;
  bit_flush_queued_ = true;
  workers_.post([this] { flush_bits(); });
}

// Writes the bits of regions waiting for their first write, then lets those writes go.
void RaidSet::flush_bits() {
  std::vector<io::Request*> go;
  for (;;) {
    std::unique_lock meta(meta_lock_);
    std::vector<std::uint64_t> setting;
    std::size_t first = SIZE_MAX, end = 0;
    {
      std::lock_guard g(lock_);
      setting.swap(setting_list_);
      for (std::uint64_t r : setting) {
        bitmap_set(bits_, r, true);
        first = std::min<std::size_t>(first, r / 8);
        end = std::max<std::size_t>(end, r / 8 + 1);
      }
    }
    if (!setting.empty()) write_bits(first, end);
    {
      std::lock_guard g(lock_);
      for (std::uint64_t r : setting) state_[r] = region_dirty;
      std::vector<io::Request*> still;
      for (io::Request* w : bit_waiters_) {
        const std::uint64_t r = bytes_to_sectors(w->offset) / region_;
        if (state_[r] != region_dirty) {
          still.push_back(w);
        } else if (syncing_[r]) {
          barrier_waiters_.push_back(w);
        } else {
          ++inflight_[r];
          go.push_back(w);
        }
      }
      bit_waiters_.swap(still);
      const bool more = !setting_list_.empty();
      if (!more) bit_flush_queued_ = false;
      meta.unlock();
      if (!more) break;
    }
  }
  for (io::Request* w : go) issue_write(w);
}

void RaidSet::clear_clean_bits() {
  if (!has_bitmap()) return;
  std::lock_guard meta(meta_lock_);
  std::size_t first = SIZE_MAX, end = 0;
  {
    std::lock_guard g(lock_);
    const bool degraded = degraded_locked();
    for (std::uint64_t r = 0; r < regions_; ++r) {
      if (state_[r] == region_dirty && !degraded && !inflight_[r] && !touched_[r] && !need_sync_[r] && !syncing_[r]) {
        state_[r] = region_clean;
        bitmap_set(bits_, r, false);
        first = std::min<std::size_t>(first, r / 8);
        end = std::max<std::size_t>(end, r / 8 + 1);
      }
      touched_[r] = 0;
    }
  }
  if (first < end) write_bits(first, end);
}

void RaidSet::write_state() {
  {
    std::lock_guard g(lock_);
    if (!loaded_) return;
    // Nothing is in flight after a suspend drained: every clean region may go.
    std::fill(touched_.begin(), touched_.end(), 0);
  }
  clear_clean_bits();
  std::lock_guard meta(meta_lock_);
  if (meta_count_) write_superblocks();
}

void RaidSet::persist_progress(bool force) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard g(lock_);
    // Only what changed (progress, a failure), at most twice a second: an
    // idle set writes no superblocks.
    if (!force && (!sb_dirty_ || now - last_persist_ < std::chrono::milliseconds(500))) return;
    last_persist_ = now;
  }
  std::lock_guard meta(meta_lock_);
  if (meta_count_) write_superblocks();
}

// ---------------------------------------------------------------------------
// Legs

// Parity sets and raid10 resync only when whole; raid1 with two live legs.
bool RaidSet::can_resync_locked() const {
  unsigned live = 0;
  for (unsigned i = 0; i < n_; ++i) live += alive(i) ? 1 : 0;
  return config_.type->level == 1 ? live >= 2 : live == n_;
}

bool RaidSet::degraded_locked() const {
  for (unsigned i = 0; i < n_; ++i)
    if (!alive(i) || legs_[i].recovery_offset.load() < dev_sectors_) return true;
  return false;
}

void RaidSet::fail_leg(unsigned i, int error) {
  if (i >= n_ || !devs_[i].data) return;
  if (legs_[i].failed.exchange(true)) return;
  std::fprintf(stderr, "raid %s: leg %u (%s) failed: %s; continuing degraded\n", config_.type_name.c_str(), i,
               devs_[i].data->table_name().c_str(), std::strerror(-error));
  {
    std::lock_guard g(lock_);
    sb_dirty_ = true;
  }
  cv_.notify_all();
  // Record it in the surviving legs' superblocks (not on a completion thread).
  workers_.post([this] { persist_progress(true); });
  if (raise_event_) raise_event_();
}

// ---------------------------------------------------------------------------
// I/O

byte_count RaidSet::max_io_bytes(byte_count offset) const {
  const unsigned level = config_.type->level;
  if (level == 1) {
    const byte_count region = sectors_to_bytes(region_);
    return region - offset % region;
  }
  const byte_count chunk = sectors_to_bytes(config_.chunk);
  return chunk - offset % chunk;
}

void RaidSet::submit(io::Request* r) {
  user_io_.fetch_add(1, std::memory_order_relaxed);
  switch (config_.type->level) {
    case 1: return submit_raid1(r);
    case 0: return submit_raid0(r);
    default: return submit_striped(r);
  }
}

int RaidSet::choose_read_leg(byte_count offset, byte_count length, const std::bitset<256>& tried) const {
  const sector_t leg_end = bytes_to_sectors(offset + length);
  unsigned candidates[MAX_DEVICES];
  unsigned count = 0;
  for (unsigned i = 0; i < n_; ++i)
    if (!tried.test(i) && in_sync_to(i, leg_end)) candidates[count++] = i;
  if (!count) return -1;
  // A region not resynced yet reads from one leg only (the one resync copies from).
  bool unsynced = false;
  if (maybe_unsynced_.load(std::memory_order_acquire)) {
    const std::uint64_t r = bytes_to_sectors(offset) / region_;
    std::lock_guard g(lock_);
    unsynced = resync_cp_ != MAX_SECTOR || (r < need_sync_.size() && need_sync_[r]);
  }
  if (unsynced) return static_cast<int>(candidates[0]);
  return static_cast<int>(candidates[(offset >> READ_SPREAD_SHIFT) % count]);
}

void RaidSet::read_raid1(io::Request* r) {
  auto* st = new (core::per_io_data(r).data()) ReadState{r->done, r->context, r->offset, this, {}};
  r->context = st;
  r->done = read_done;
  read_try(r);
}

void RaidSet::read_try(io::Request* r) {
  auto* st = static_cast<ReadState*>(r->context);
  const int leg = choose_read_leg(st->offset, r->length, st->tried);
  if (leg < 0) {
    r->done = st->done;
    r->context = st->context;
    r->offset = st->offset;
    return core::complete_held(r, -EIO);
  }
  st->tried.set(static_cast<std::size_t>(leg));
  r->index = static_cast<std::uint32_t>(leg);
  r->offset = st->offset + sectors_to_bytes(config_.data_offset);
  devs_[static_cast<std::size_t>(leg)].data->submit(r);
}

void RaidSet::read_done(io::Request* r, int result) {
  auto* st = static_cast<ReadState*>(r->context);
  if (result == 0) {
    r->done = st->done;
    r->context = st->context;
    r->offset = st->offset;
    return core::complete_held(r, 0);
  }
  st->set->fail_leg(r->index, result);
  st->set->read_try(r);
}

WriteCtx* RaidSet::take_ctx() {
  {
    std::lock_guard g(ctx_lock_);
    if (WriteCtx* c = free_ctx_) {
      free_ctx_ = c->next_free;
      return c;
    }
  }
  auto* c = new WriteCtx;
  c->set = this;
  c->children.reset(new io::Request[n_]);
  return c;
}

void RaidSet::put_ctx(WriteCtx* c) {
  std::lock_guard g(ctx_lock_);
  c->next_free = free_ctx_;
  free_ctx_ = c;
}

// `r` (a write, flush, discard or write-zeroes) to every live leg at once,
// complete when all have answered. A raid1 write's copies go to the set's
// writer thread together (see mirror_writer.hpp); the rest go out under one
// plug: one hand-over to the write pool or ring for all legs.
void RaidSet::fan_out(io::Request* r, std::uint64_t region, bool all_legs) {
  unsigned legs[MAX_DEVICES];
  unsigned count = 0;
  for (unsigned i = 0; i < n_; ++i)
    if (devs_[i].data && (all_legs || alive(i))) legs[count++] = i;
  if (!count) {
    if (r->op != io::Op::flush) write_done(region, nullptr);
    return core::complete_held(r, -EIO);
  }
  WriteCtx* c = take_ctx();
  c->parent = r;
  c->region = region;
  c->ok.store(0, std::memory_order_relaxed);
  c->error.store(0, std::memory_order_relaxed);
  c->left.store(count, std::memory_order_relaxed);
  const byte_count offset = r->op == io::Op::flush ? 0 : r->offset + sectors_to_bytes(config_.data_offset);
  for (unsigned k = 0; k < count; ++k) {
    io::Request& ch = c->children[k];
    ch = io::Request{};
    ch.op = r->op;
    ch.fua = r->fua;
    ch.index = legs[k];
    ch.offset = offset;
    ch.length = r->length;
    ch.data = r->data;
    ch.context = c;
    ch.done = WriteCtx::done;
  }
  // Read what is needed before the first submit: the last child to finish
  // hands `c` back to the free list, possibly before the loop ends.
  io::Request* children = c->children.get();
  if (r->op == io::Op::write && writer_) return writer_->submit({children, count});
  io::SubmitPlug plug;
  for (unsigned k = 0; k < count; ++k) devs_[legs[k]].data->submit(&children[k]);
}

void RaidSet::submit_raid1(io::Request* r) {
  if (r->op == io::Op::read) return read_raid1(r);
  if (r->op == io::Op::flush) return fan_out(r, 0, false);
  const std::uint64_t region = bytes_to_sectors(r->offset) / region_;
  std::unique_lock g(lock_);
  touched_[region] = 1;
  if (syncing_[region]) {
    barrier_waiters_.push_back(r);
    return;
  }
  if (state_[region] == region_dirty || !has_bitmap()) {
    ++inflight_[region];
    g.unlock();
    return issue_write(r);
  }
  bit_waiters_.push_back(r);
  if (state_[region] == region_clean) {
    state_[region] = region_setting;
    setting_list_.push_back(region);
  }
  queue_bit_flush_locked();
}

void RaidSet::issue_write(io::Request* r) { fan_out(r, bytes_to_sectors(r->offset) / region_, false); }

void RaidSet::write_done(std::uint64_t region, WriteCtx* ctx) {
  if (ctx) put_ctx(ctx);
  if (region == UINT64_MAX) return;
  std::lock_guard g(lock_);
  if (region < inflight_.size() && --inflight_[region] == 0 && syncing_[region]) barrier_cv_.notify_all();
}

void RaidSet::submit_raid0(io::Request* r) {
  if (r->op == io::Op::flush) return fan_out(r, 0, true);
  const sector_t s = bytes_to_sectors(r->offset);
  const sector_t chunk = config_.chunk;
  const sector_t c = s / chunk;
  const unsigned disk = static_cast<unsigned>(c % n_);
  if (!alive(disk)) return core::complete_held(r, -EIO);
  r->index = disk;
  r->offset = sectors_to_bytes(config_.data_offset + (c / n_) * chunk + s % chunk);
  devs_[disk].data->submit(r);
}

// ---------------------------------------------------------------------------
// Status and messages

SyncAction RaidSet::action_locked() const {
  if (frozen_) return SyncAction::frozen;
  if (config_.type->level == 0) return SyncAction::idle;
  if (check_) return repair_ ? SyncAction::repair : SyncAction::check;
  bool others = false;
  for (unsigned i = 0; i < n_; ++i) if (alive(i) && legs_[i].recovery_offset.load() >= dev_sectors_) others = true;
  for (unsigned i = 0; i < n_; ++i)
    if (alive(i) && legs_[i].recovery_offset.load() < dev_sectors_ && others) return SyncAction::recover;
  if (can_resync_locked() &&
      (resync_cp_ != MAX_SECTOR || std::any_of(need_sync_.begin(), need_sync_.end(), [](std::uint8_t v) { return v; })))
    return SyncAction::resync;
  return SyncAction::idle;
}

std::string RaidSet::status() const {
  std::lock_guard g(lock_);
  const SyncAction a = action_locked();
  const bool resyncing = loaded_ && (a == SyncAction::resync || (!loaded_ && resync_cp_ != MAX_SECTOR));
  std::string health;
  for (unsigned i = 0; i < n_; ++i) {
    if (!devs_[i].data) health += '-';
    else if (legs_[i].failed.load()) health += 'D';
    else if (resyncing || legs_[i].recovery_offset.load() < dev_sectors_) health += 'a';
    else health += 'A';
  }
  std::uint64_t cur = dev_sectors_;
  if (loaded_) {
    if (a == SyncAction::check || a == SyncAction::repair) cur = check_pos_ * region_;
    else if (a == SyncAction::recover) {
      for (unsigned i = 0; i < n_; ++i)
        if (alive(i)) cur = std::min<std::uint64_t>(cur, legs_[i].recovery_offset.load());
    } else if (a == SyncAction::resync) cur = resync_pos_ * region_;
    else if (a == SyncAction::frozen && resync_cp_ != MAX_SECTOR) cur = resync_pos_ * region_;
  } else if (resync_cp_ != MAX_SECTOR) {
    cur = 0;
  }
  cur = std::min<std::uint64_t>(cur, dev_sectors_);
  return config_.type_name + " " + std::to_string(n_) + " " + health + " " + std::to_string(cur) + "/" +
         std::to_string(dev_sectors_) + " " + sync_action_name(a) + " " +
         std::to_string(last_was_check_ ? mismatches_ : 0) + " " +
         std::to_string(config_.data_offset) + " -";
}

Result<std::string> RaidSet::message(std::span<const std::string> args) {
  if (args.size() != 1) return fail(EINVAL, "raid: a message is one word");
  std::string w = args[0];
  std::transform(w.begin(), w.end(), w.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (config_.type->level == 0) return fail(EINVAL, "raid0 has no sync actions");
  std::unique_lock g(lock_);
  if (paused_ && loaded_ && !frozen_ && w != "idle" && w != "frozen")
    return fail(EBUSY, "raid: the set is suspended");
  if (w == "frozen") {
    frozen_ = true;
    g.unlock();
    cv_.notify_all();
    return std::string();
  }
  if (w == "idle") {
    frozen_ = false;
    check_ = repair_ = false;  // a requested check stops; resync and recovery go on
    g.unlock();
    cv_.notify_all();
    return std::string();
  }
  if (w != "resync" && w != "recover" && w != "check" && w != "repair")
    return fail(EINVAL, "raid: unrecognised message '" + args[0] + "'");
  if (frozen_ || action_locked() != SyncAction::idle) return fail(EBUSY, "raid: a sync action is running");
  if (w == "resync") {
    // MD restarts the resync from its checkpoint; the set is in sync, so nothing runs.
  } else if (w == "recover") {
  } else {
    check_ = true;
    repair_ = w == "repair";
    last_was_check_ = !repair_;  // dm-raid shows mismatches only after a check
    check_pos_ = 0;
    mismatches_ = 0;
  }
  g.unlock();
  cv_.notify_all();
  return std::string();
}

// ---------------------------------------------------------------------------
// The sync thread

void RaidSet::start() {
  {
    std::lock_guard g(lock_);
    paused_ = false;
    throttle_io_seen_ = user_io_.load();  // only I/O from now on makes the set busy
  }
  cv_.notify_all();
}

void RaidSet::pause() {
  std::unique_lock g(lock_);
  paused_ = true;
  cv_.notify_all();
  cv_.wait(g, [&] { return !stepping_; });
}

bool RaidSet::wait_idle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard g(lock_);
      const SyncAction a = action_locked();
      if (a == SyncAction::idle && !stepping_) return true;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<std::uint8_t> RaidSet::bitmap_image() const {
  std::lock_guard g(lock_);
  return bits_;
}

void RaidSet::run() {
  const auto sleep = std::chrono::milliseconds(
      (config_.given & RaidConfig::DAEMON_SLEEP) && config_.daemon_sleep_ms ? config_.daemon_sleep_ms
                                                                             : DEFAULT_DAEMON_SLEEP_MS);
  auto next_tick = std::chrono::steady_clock::now() + sleep;
  std::unique_lock g(lock_);
  while (!stop_) {
    if (!paused_ && !frozen_) {
      stepping_ = true;
      g.unlock();
      const bool did = step();
      g.lock();
      stepping_ = false;
      cv_.notify_all();
      if (did && !stop_ && std::chrono::steady_clock::now() < next_tick) continue;
    }
    if (std::chrono::steady_clock::now() >= next_tick) {
      const bool run_tick = !paused_;
      g.unlock();
      if (run_tick) {
        clear_clean_bits();
        persist_progress(false);
      }
      g.lock();
      next_tick = std::chrono::steady_clock::now() + sleep;
      continue;
    }
    cv_.wait_until(g, next_tick);
  }
}

// MD's rule: above max_recovery_rate the copy waits; above
// min_recovery_rate it waits too while the set has other I/O. Without
// either it is unthrottled (the kernel's default minimum is not applied:
// a resync under steady I/O would crawl). Rates are KiB/s per device.
// False when the copy must stop (pause, freeze, stop).
bool RaidSet::throttle(std::uint64_t bytes) {
  std::unique_lock g(lock_);
  if (stop_ || paused_ || frozen_) return false;
  // Busy: other I/O within the last half second (MD looks at the member
  // disks' counters between its steps).
  const auto now = std::chrono::steady_clock::now();
  const std::uint64_t io = user_io_.load(std::memory_order_relaxed);
  if (io != throttle_io_seen_) {
    throttle_io_seen_ = io;
    last_user_io_ = now;
  }
  const bool busy = now - last_user_io_ < std::chrono::milliseconds(500);
  std::uint64_t limit = config_.max_recovery_rate;
  if (busy && config_.min_recovery_rate && (!limit || config_.min_recovery_rate < limit))
    limit = config_.min_recovery_rate;
  if (throttle_bytes_ == 0 || now - throttle_start_ > std::chrono::seconds(2) || limit != throttle_limit_) {
    throttle_start_ = now;
    throttle_bytes_ = 0;
    throttle_limit_ = limit;
  }
  if (!limit) return true;
  const double rate = static_cast<double>(limit) * 1024.0;
  // What went before this chunk must have taken its time at the rate.
  const auto due = throttle_start_ + std::chrono::microseconds(static_cast<std::int64_t>(throttle_bytes_ / rate * 1e6));
  throttle_bytes_ += bytes;
  return !cv_.wait_until(g, due, [&] { return stop_ || paused_ || frozen_; });
}

bool RaidSet::step() {
  enum class Kind { none, check, recover, resync } kind = Kind::none;
  std::vector<std::uint64_t> batch;  // regions, ascending
  std::vector<unsigned> targets;
  bool repair = false;  // read under the lock: an `idle` message may clear it meanwhile
  const bool par = parity() || config_.type->level == 10;
  // raid1 resync and recovery copy several regions in one stream, up to this much.
  // Throttled, a batch is a quarter second's worth, so the progress moves.
  byte_count batch_bytes = SYNC_BATCH_BYTES;
  if (const std::uint64_t rate = std::max(config_.max_recovery_rate, config_.min_recovery_rate))
    batch_bytes = std::min<byte_count>(batch_bytes, rate * 1024 / 4);
  const std::uint64_t batch_max = par ? 1 : std::max<std::uint64_t>(1, batch_bytes / sectors_to_bytes(region_));
  {
    std::unique_lock g(lock_);
    if (!loaded_ || config_.type->level == 0) return false;
    if (check_) {
      if (check_pos_ >= regions_) {
        check_ = repair_ = false;
        std::fprintf(stderr, "raid %s: check done, %llu mismatched sectors\n", config_.type_name.c_str(),
                     static_cast<unsigned long long>(mismatches_));
        return true;
      }
      kind = Kind::check;
      batch.push_back(check_pos_);
      repair = repair_;
    } else {
      std::uint64_t low = MAX_SECTOR;
      bool source = false;
      for (unsigned i = 0; i < n_; ++i) {
        if (!alive(i)) continue;
        const std::uint64_t rec = legs_[i].recovery_offset.load();
        if (rec < dev_sectors_) low = std::min(low, rec);
        else source = true;
      }
      if (low != MAX_SECTOR && source) {
        kind = Kind::recover;
        const std::uint64_t region = low / region_;
        for (unsigned i = 0; i < n_; ++i)
          if (alive(i) && legs_[i].recovery_offset.load() < (region + 1) * region_ &&
              legs_[i].recovery_offset.load() < dev_sectors_)
            targets.push_back(i);
        // Further regions while the same legs are the ones behind.
        std::uint64_t r = region;
        do {
          batch.push_back(r++);
          bool same = r < regions_;
          for (unsigned i = 0; i < n_ && same; ++i) {
            if (!alive(i)) continue;
            const bool behind = legs_[i].recovery_offset.load() < (r + 1) * region_ &&
                                legs_[i].recovery_offset.load() < dev_sectors_;
            same = behind == (std::find(targets.begin(), targets.end(), i) != targets.end());
          }
          if (!same) break;
        } while (batch.size() < batch_max);
      } else if (!can_resync_locked()) {
        sync_copy_.reset();
        return false;  // degraded: the bits stay until a recovery makes the set whole
      } else {
        std::uint64_t r = resync_pos_;
        while (r < regions_ && !need_sync_[r]) ++r;
        resync_pos_ = r;
        if (r >= regions_) {
          if (std::any_of(need_sync_.begin(), need_sync_.end(), [](std::uint8_t v) { return v; })) {
            resync_pos_ = 0;  // regions before the position still need it: go round once more
            return true;
          }
          sync_copy_.reset();
          if (resync_cp_ != MAX_SECTOR || resync_active_) {
            resync_active_ = false;
            resync_cp_ = MAX_SECTOR;
            maybe_unsynced_.store(false);
            resync_pos_ = 0;
            sb_dirty_ = true;
            std::fprintf(stderr, "raid %s: resync done, %llu regions copied (%llu KiB by copy_file_range)\n",
                         config_.type_name.c_str(), static_cast<unsigned long long>(regions_resynced_.load()),
                         static_cast<unsigned long long>(bytes_in_kernel_.load() >> 10));
            g.unlock();
            persist_progress(true);
            if (raise_event_) raise_event_();
            return true;
          }
          return false;
        }
        kind = Kind::resync;
        for (; r < regions_ && batch.size() < batch_max; ++r)
          if (need_sync_[r]) batch.push_back(r);
      }
    }
    // Writes to the batch's regions wait until it is copied; those in flight finish first.
    for (std::uint64_t r : batch) syncing_[r] = 1;
    barrier_cv_.wait(g, [&] {
      return std::all_of(batch.begin(), batch.end(), [&](std::uint64_t r) { return inflight_[r] == 0; });
    });
  }

  int result = 0;
  std::size_t copied = 0;  // raid1 resync/recovery: leading regions of the batch done, even when interrupted
  switch (kind) {
    case Kind::check:
      result = par ? sync_region_parity(batch[0], -1, true, repair) : check_region_raid1(batch[0], repair);
      break;
    case Kind::recover:
      result = par ? sync_region_parity(batch[0], static_cast<int>(targets.front()), false, true)
                   : copy_regions_raid1(batch, targets, copied);
      break;
    case Kind::resync:
      result = par ? sync_region_parity(batch[0], -1, false, true) : copy_regions_raid1(batch, {}, copied);
      break;
    case Kind::none: break;
  }

  std::vector<io::Request*> waiters;
  bool done_all = false;
  bool interrupted = false;
  {
    std::lock_guard g(lock_);
    for (std::uint64_t r : batch) syncing_[r] = 0;
    waiters.swap(barrier_waiters_);
    if (!par && result == -EAGAIN && copied && (kind == Kind::resync || kind == Kind::recover)) {
      batch.resize(copied);  // an interrupted stream keeps what it finished
      result = 0;
      interrupted = true;
    }
    if (result != -EAGAIN) {
      const std::uint64_t end = std::min<std::uint64_t>((batch.back() + 1) * region_, dev_sectors_);
      switch (kind) {
        case Kind::check:
          ++check_pos_;
          break;
        case Kind::recover:
          if (result == 0)
            for (unsigned i : targets)
              if (alive(i)) legs_[i].recovery_offset.store(end >= dev_sectors_ ? MAX_SECTOR : end);
          sb_dirty_ = true;
          done_all = true;
          for (unsigned i = 0; i < n_; ++i)
            if (alive(i) && legs_[i].recovery_offset.load() < dev_sectors_) done_all = false;
          break;
        case Kind::resync:
          if (result == 0 || result == -ENODEV) {
            for (std::uint64_t r : batch) {
              need_sync_[r] = 0;
              const std::uint64_t r_end = std::min<std::uint64_t>((r + 1) * region_, dev_sectors_);
              if (resync_cp_ != MAX_SECTOR) resync_cp_ = std::max<std::uint64_t>(resync_cp_, r_end);
            }
            resync_pos_ = batch.back() + 1;
            if (result == 0) regions_resynced_.fetch_add(batch.size());
            sb_dirty_ = true;  // the checkpoint moved
          }
          break;
        case Kind::none: break;
      }
    }
    if (interrupted) result = -EAGAIN;
  }
  for (io::Request* w : waiters) core::resubmit(w);
  if (result == -EAGAIN) {
    // A device failed under the copy (or too many are gone for parity to
    // help): let the failure settle instead of spinning on the region.
    std::unique_lock g(lock_);
    cv_.wait_for(g, std::chrono::milliseconds(100), [&] { return stop_ || paused_; });
  }
  if (kind == Kind::recover && done_all) {
    std::fprintf(stderr, "raid %s: recovery done\n", config_.type_name.c_str());
    persist_progress(true);
    if (raise_event_) raise_event_();
  } else {
    persist_progress(false);
  }
  return true;
}

// Copies regions (ascending) of a raid1 set from an in-sync leg to `targets`
// (empty: every other live leg), streamed. -EAGAIN when interrupted by a
// pause or a failed source, -ENODEV when there is nothing to copy to.
int RaidSet::copy_regions_raid1(const std::vector<std::uint64_t>& batch, const std::vector<unsigned>& targets_in,
                                std::size_t& done) {
  done = 0;
  const sector_t end = std::min<sector_t>((batch.back() + 1) * region_, dev_sectors_);
  int src = -1;
  for (unsigned i = 0; i < n_ && src < 0; ++i)
    if (in_sync_to(i, end) && std::find(targets_in.begin(), targets_in.end(), i) == targets_in.end())
      src = static_cast<int>(i);
  if (src < 0) return -ENODEV;
  std::vector<SyncTarget> targets;
  for (unsigned i = 0; i < n_; ++i) {
    const bool wanted = targets_in.empty() ? static_cast<int>(i) != src
                                           : std::find(targets_in.begin(), targets_in.end(), i) != targets_in.end();
    if (wanted && alive(i)) targets.push_back({i, devs_[i].data.get()});
  }
  if (targets.empty()) return -ENODEV;
  const byte_count base = sectors_to_bytes(config_.data_offset);
  std::vector<SyncCopy::Range> ranges;
  for (std::uint64_t r : batch) {
    const byte_count first = sectors_to_bytes(r * region_);
    const byte_count last = sectors_to_bytes(std::min<sector_t>((r + 1) * region_, dev_sectors_));
    if (!ranges.empty() && ranges.back().offset + ranges.back().length == base + first)
      ranges.back().length += last - first;
    else
      ranges.push_back({base + first, last - first});
  }
  byte_count chunk = COPY_CHUNK;
  if (config_.max_recovery_rate || config_.min_recovery_rate) {
    // Small enough that a pause or a throttle step is never long.
    const std::uint64_t rate = config_.min_recovery_rate ? config_.min_recovery_rate : config_.max_recovery_rate;
    chunk = std::clamp<byte_count>(rate * 1024 / 8 / 4096 * 4096, 64 << 10, COPY_CHUNK);
  }
  if (!sync_copy_ || sync_copy_->chunk() != chunk) sync_copy_ = std::make_unique<SyncCopy>(chunk, SYNC_DEPTH);
  const SyncCopy::Result res = sync_copy_->run(*devs_[static_cast<unsigned>(src)].data, targets, ranges,
                                               [this](byte_count bytes) { return throttle(bytes); });
  bytes_in_kernel_.fetch_add(res.in_kernel, std::memory_order_relaxed);
  for (std::size_t k = 0; k < targets.size(); ++k)
    if (res.target_error[k] < 0) fail_leg(targets[k].leg, res.target_error[k]);
  if (res.source_error < 0) {
    fail_leg(static_cast<unsigned>(src), res.source_error);
    return -EAGAIN;  // the regions are tried again from another leg
  }
  // Whole regions copied before a stop count: a pause loses at most one.
  byte_count left = res.done;
  for (std::uint64_t r : batch) {
    const byte_count len = sectors_to_bytes(std::min<sector_t>((r + 1) * region_, dev_sectors_) - r * region_);
    if (left < len) break;
    left -= len;
    ++done;
  }
  return res.stopped ? -EAGAIN : 0;
}

// Compares one region of a raid1 set on an in-sync leg with every other
// in-sync leg, and with `fix` writes the first leg's data over differing
// blocks. -EAGAIN when interrupted by a pause, -ENODEV when there is nothing
// to compare with.
int RaidSet::check_region_raid1(std::uint64_t region, bool fix) {
  const sector_t start = region * region_;
  const sector_t end = std::min<sector_t>(start + region_, dev_sectors_);
  int src = -1;
  for (unsigned i = 0; i < n_ && src < 0; ++i)
    if (in_sync_to(i, end)) src = static_cast<int>(i);
  if (src < 0) return -ENODEV;
  std::vector<unsigned> targets;
  for (unsigned i = 0; i < n_; ++i)
    if (static_cast<int>(i) != src && in_sync_to(i, end)) targets.push_back(i);
  if (targets.empty()) return -ENODEV;
  byte_count chunk = COPY_CHUNK;
  if (config_.max_recovery_rate) {
    // Small enough that a pause or a throttle step is never long.
    chunk = std::clamp<byte_count>(config_.max_recovery_rate * 1024 / 8 / 4096 * 4096, 64 << 10, COPY_CHUNK);
  }
  const byte_count base = sectors_to_bytes(config_.data_offset);
  Buffer buf(chunk), other(chunk);
  for (byte_count off = sectors_to_bytes(start); off < sectors_to_bytes(end); off += chunk) {
    {
      std::lock_guard g(lock_);
      if (paused_ || stop_ || frozen_) return -EAGAIN;
    }
    const byte_count len = std::min<byte_count>(chunk, sectors_to_bytes(end) - off);
    if (int r = core::sync_io(*devs_[static_cast<unsigned>(src)].data, io::Op::read, base + off, len, buf.data()); r < 0) {
      fail_leg(static_cast<unsigned>(src), r);
      return -EAGAIN;  // the region is tried again from another leg
    }
    for (unsigned t : targets) {
      if (!alive(t)) continue;
      if (int r = core::sync_io(*devs_[t].data, io::Op::read, base + off, len, other.data()); r < 0) {
        fail_leg(t, r);
        continue;
      }
      bool write = false;
      for (byte_count b = 0; b < len; b += COMPARE_BLOCK) {
        const byte_count n = std::min<byte_count>(COMPARE_BLOCK, len - b);
        if (std::memcmp(buf.data() + b, other.data() + b, n) != 0) {
          std::lock_guard g(lock_);
          mismatches_ += bytes_to_sectors(n);
          write = fix;
        }
      }
      if (!write) continue;
      if (int r = core::sync_io(*devs_[t].data, io::Op::write, base + off, len, buf.data()); r < 0) fail_leg(t, r);
    }
    throttle(len);
  }
  return 0;
}

}  // namespace udm::raid

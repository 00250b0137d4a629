#include "thin/pool.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <strings.h>

#include <tuple>
#include <utility>

#include "core/sync_io.hpp"
#include "core/target.hpp"

namespace udm::thin {
namespace {

std::atomic<long long> g_no_space_timeout_ms{60000};

constexpr std::size_t kMaxCacheEntries = 1u << 22;

uint64_t cache_key(uint32_t dev, uint64_t vblock) { return (uint64_t(dev) << 40) | (vblock & ((uint64_t(1) << 40) - 1)); }

Error io_error(int r, const std::string& what) { return Error{-r, what + ": " + std::strerror(-r)}; }

bool word_is(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

Result<uint64_t> read_number(const std::string& s) {
  if (s.empty() || s.size() > 20) return fail(EINVAL, "");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return fail(EINVAL, "");
    uint64_t d = uint64_t(c - '0');
    if (v > (UINT64_MAX - d) / 10) return fail(EINVAL, "");
    v = v * 10 + d;
  }
  return v;
}

Result<uint32_t> read_dev_id(const std::string& s) {
  auto v = read_number(s);
  if (!v || *v > pd::kMaxDevId) return fail(EINVAL, "Message received with invalid device id: " + s);
  return static_cast<uint32_t>(*v);
}

Result<void> check_arg_count(std::size_t argc, std::size_t required) {
  if (argc != required)
    return fail(EINVAL, "Message received with " + std::to_string(argc) + " arguments instead of " +
                            std::to_string(required) + ".");
  return {};
}

}  // namespace

Result<void> MetadataDevice::read(uint64_t block, uint8_t* out) {
  int r = core::sync_io(*dev_, io::Op::read, block * pd::kBlockSize, pd::kBlockSize, reinterpret_cast<std::byte*>(out));
  if (r < 0) return fail(io_error(r, "metadata device " + dev_->table_name() + ": read of block " + std::to_string(block)));
  return {};
}

Result<void> MetadataDevice::write(uint64_t block, const uint8_t* data) {
  int r = core::sync_io(*dev_, io::Op::write, block * pd::kBlockSize, pd::kBlockSize,
                        const_cast<std::byte*>(reinterpret_cast<const std::byte*>(data)));
  if (r < 0) return fail(io_error(r, "metadata device " + dev_->table_name() + ": write of block " + std::to_string(block)));
  return {};
}

Result<void> MetadataDevice::flush() {
  int r = core::sync_io(*dev_, io::Op::flush, 0, 0);
  if (r < 0) return fail(io_error(r, "metadata device " + dev_->table_name() + ": flush"));
  return {};
}

void Pool::set_no_space_timeout(std::chrono::milliseconds t) { g_no_space_timeout_ms.store(t.count()); }

Pool::Pool(io::BlockDevicePtr meta, io::BlockDevicePtr data, uint32_t block_sectors, const PoolFeatures& features,
           io::WorkerPool& workers, core::DeviceClaims::Claim claim)
    : meta_(std::move(meta)),
      meta_name_(meta_.device()->table_name()),
      data_(std::move(data)),
      block_sectors_(block_sectors),
      features_(features),
      workers_(workers),
      claim_(std::move(claim)) {
  data_raw_ = data_.get();
  ignore_discard_ = features.ignore_discard;
}

Result<std::shared_ptr<Pool>> Pool::open(io::BlockDevicePtr meta, io::BlockDevicePtr data, uint32_t block_sectors,
                                         const PoolFeatures& features, io::WorkerPool& workers,
                                         core::DeviceClaims::Claim claim) {
  std::shared_ptr<Pool> pool(new Pool(std::move(meta), std::move(data), block_sectors, features, workers, std::move(claim)));
  const std::string& name = pool->meta_name_;
  if (pool->meta_.nr_blocks() < 3) return fail(EINVAL, "metadata device " + name + " is too small");
  std::vector<uint8_t> block0(pd::kBlockSize);
  if (auto r = pool->meta_.read(0, block0.data()); !r) return fail(r.error());
  const bool blank = std::all_of(block0.begin(), block0.end(), [](uint8_t b) { return b == 0; });
  const uint64_t nr_data = pool->data_->size() / pool->block_bytes();
  if (blank) {
    if (features.read_only) return fail(EINVAL, "metadata device " + name + " is blank: cannot format it read-only");
    auto md = pd::ThinMetadata::format(pool->meta_, block_sectors, nr_data);
    if (!md) return fail(md.error().code, "metadata device " + name + ": format failed: " + md.error().message);
    pool->md_ = std::move(*md);
  } else {
    auto md = pd::ThinMetadata::open(pool->meta_, features.read_only ? pd::ThinMetadata::Mode::read_only
                                                                     : pd::ThinMetadata::Mode::read_write);
    if (!md && md.error().code == EUCLEAN && !features.read_only) {
      // needs_check: run read-only, as the kernel's pool does, never written over.
      std::fprintf(stderr, "thin-pool %s: metadata needs checking; switching to read-only mode\n", name.c_str());
      md = pd::ThinMetadata::open(pool->meta_, pd::ThinMetadata::Mode::read_only);
      if (md) pool->mode_ = PoolMode::read_only;
    }
    if (!md) return fail(md.error().code, "metadata device " + name + ": " + md.error().message);
    pool->md_ = std::move(*md);
    if ((*pool->md_).data_block_size() != block_sectors)
      return fail(EINVAL, "data block size " + std::to_string(block_sectors) + " differs from the metadata's " +
                              std::to_string(pool->md_->data_block_size()) + " on " + name);
  }
  if (features.read_only) pool->mode_ = PoolMode::read_only;
  pool->timer_ = std::thread([p = pool.get()] { p->tick(); });
  return pool;
}

Pool::~Pool() {
  {
    std::lock_guard g(timer_lock_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  std::vector<Queued> q;
  {
    std::lock_guard g(queue_lock_);
    q.swap(no_space_);
  }
  for (auto& e : q) core::complete_held(e.request, -EIO);
  std::vector<std::pair<const ThinContext*, io::Request*>> parked;
  {
    std::lock_guard g(park_lock_);
    parked.swap(parked_);
  }
  for (auto& [thin, r] : parked) core::complete_held(r, -EIO);
  std::lock_guard g(md_lock_);
  if (md_ && mode_ != PoolMode::read_only) (void)commit_locked();
}

// Once a second: commit what changed (on the worker pool) and fail writes
// that waited too long for space.
void Pool::tick() {
  std::unique_lock g(timer_lock_);
  while (!stopping_) {
    timer_cv_.wait_for(g, std::chrono::seconds(1));
    if (stopping_) break;
    g.unlock();
    std::weak_ptr<Pool> weak = weak_from_this();
    workers_.post([weak] {
      if (auto self = weak.lock()) {
        std::lock_guard m(self->md_lock_);
        (void)self->commit_locked();
      }
    });
    auto now = std::chrono::steady_clock::now();
    std::vector<io::Request*> expired;
    {
      std::lock_guard q(queue_lock_);
      auto it = std::partition(no_space_.begin(), no_space_.end(), [&](const Queued& e) { return e.deadline > now; });
      for (auto i = it; i != no_space_.end(); ++i) expired.push_back(i->request);
      no_space_.erase(it, no_space_.end());
    }
    for (auto* r : expired) core::complete_held(r, -ENOSPC);
    g.lock();
  }
}

Result<void> Pool::commit_locked() {
  // Not while a batch's blocks are allocated but not yet mapped: thin_check
  // would call them leaked. New batches wait for this commit meanwhile.
  if (provisioning_) {
    ++commit_waiting_;
    provisioned_cv_.wait(md_lock_, [&] { return provisioning_ == 0; });
    --commit_waiting_;
    provisioned_cv_.notify_all();
  }
  if (!md_ || !dirty_ || mode_ == PoolMode::read_only) return {};
  if (auto r = md_->commit(); !r) {
    abort_to_read_only(r.error());
    return r;
  }
  dirty_ = false;
  return {};
}

Result<void> Pool::commit() {
  std::lock_guard g(md_lock_);
  return commit_locked();
}

void Pool::abort_to_read_only(const Error& why) {
  std::fprintf(stderr, "thin-pool %s: metadata operation failed: %s; switching to read-only mode\n", meta_name_.c_str(),
               why.message.c_str());
  md_.reset();
  auto md = pd::ThinMetadata::open(meta_, pd::ThinMetadata::Mode::read_only);
  if (md) md_ = std::move(*md);
  dirty_ = false;
  mode_ = PoolMode::read_only;
  cache_clear();
}

void Pool::out_of_space_locked() {
  if (mode_ == PoolMode::write) {
    std::fprintf(stderr, "thin-pool %s: switching to out-of-data-space (%s) mode\n", meta_name_.c_str(),
                 features_.error_if_no_space ? "error IO" : "queue IO");
    mode_ = PoolMode::out_of_data_space;
  }
}

void Pool::check_low_water_locked() {
  if (low_water_raised_ || !md_) return;
  uint64_t free = md_->nr_data_blocks() - md_->used_data_blocks();
  if (free <= low_water_) {
    low_water_raised_ = true;
    std::fprintf(stderr, "thin-pool %s: reached low water mark for data device: sending event.\n", meta_name_.c_str());
    if (raise_event_) raise_event_();
  }
}

Result<void> Pool::resize_locked() {
  if (!md_) return fail(EIO, "pool metadata is not open");
  const uint64_t nr = data_->size() / block_bytes();
  const uint64_t have = md_->nr_data_blocks();
  if (nr < have)
    return fail(EINVAL, "pool target (" + std::to_string(nr) + " blocks) too small: expected " + std::to_string(have));
  const bool writable = mode_ != PoolMode::read_only;
  if (nr > have && writable) {
    if (auto r = md_->resize_data(nr); !r) return fail(r.error().code, "could not resize data device: " + r.error().message);
    dirty_ = true;
  }
  const uint64_t meta_nr = std::min<uint64_t>(meta_.nr_blocks(), 255ull * 16320);
  if (meta_nr > md_->nr_metadata_blocks() && writable) {
    if (auto r = md_->resize_metadata(meta_nr); !r)
      return fail(r.error().code, "could not resize metadata device: " + r.error().message);
    dirty_ = true;
  }
  return commit_locked();
}

Result<void> Pool::bind(io::BlockDevicePtr meta, io::BlockDevicePtr data, const PoolFeatures& features, uint64_t low_water,
                        std::function<void()> raise_event) {
  std::vector<Queued> retry;
  {
    std::lock_guard g(md_lock_);
    if (meta != meta_.device() && meta->table_name() == meta_name_) {
      old_meta_.push_back(meta_.device());
      meta_.rebind(std::move(meta));
    }
    if (data != data_) {
      std::unique_lock c(cache_lock_);
      old_data_.push_back(data_);
      data_ = std::move(data);
      data_raw_ = data_.get();
    }
    const bool was_ro = features_.read_only;
    features_ = features;
    ignore_discard_ = features.ignore_discard;
    if (was_ro && !features.read_only && mode_ == PoolMode::read_only && md_ && !md_->needs_check()) {
      auto md = pd::ThinMetadata::open(meta_, pd::ThinMetadata::Mode::read_write);
      if (md) {
        md_ = std::move(*md);
        mode_ = PoolMode::write;
        cache_clear();
      }
    } else if (features.read_only) {
      (void)commit_locked();
      mode_ = PoolMode::read_only;
    }
    low_water_ = low_water;
    raise_event_ = std::move(raise_event);
    if (auto r = resize_locked(); !r) return r;
    if (mode_ == PoolMode::out_of_data_space && md_->used_data_blocks() < md_->nr_data_blocks()) {
      mode_ = PoolMode::write;
      std::lock_guard q(queue_lock_);
      retry.swap(no_space_);
    }
  }
  for (auto& e : retry) defer(e.thin, e.request);
  return {};
}

void Pool::resumed() {
  std::lock_guard g(md_lock_);
  low_water_raised_ = false;
  check_low_water_locked();
}

Result<std::string> Pool::message(std::span<const std::string> args) {
  if (args.empty()) return fail(EINVAL, "Unrecognised thin pool target message received: ");
  std::lock_guard g(md_lock_);
  if (mode_ == PoolMode::read_only || !md_)
    return fail(EOPNOTSUPP, meta_name_ + ": unable to service pool target messages in READ_ONLY or FAIL mode");
  const std::string& w = args[0];
  Result<void> r;
  if (word_is(w, "create_thin")) {
    if (auto c = check_arg_count(args.size(), 2); !c) return fail(c.error());
    auto id = read_dev_id(args[1]);
    if (!id) return fail(id.error());
    r = md_->create_thin(*id);
    if (!r) return fail(r.error().code, "Creation of new thinly-provisioned device with id " + args[1] + " failed.");
  } else if (word_is(w, "create_snap")) {
    if (auto c = check_arg_count(args.size(), 3); !c) return fail(c.error());
    auto id = read_dev_id(args[1]);
    if (!id) return fail(id.error());
    auto origin = read_dev_id(args[2]);
    if (!origin) return fail(origin.error());
    r = md_->create_snap(*id, *origin);
    if (!r) return fail(r.error().code, "Creation of new snapshot " + args[1] + " of device " + args[2] + " failed.");
    cache_drop_device(*origin);
  } else if (word_is(w, "delete")) {
    if (auto c = check_arg_count(args.size(), 2); !c) return fail(c.error());
    auto id = read_dev_id(args[1]);
    if (!id) return fail(id.error());
    if (open_thins_.count(*id)) return fail(EBUSY, "Deletion of thin device " + args[1] + " failed.");
    r = md_->delete_device(*id);
    if (!r) return fail(r.error().code, "Deletion of thin device " + args[1] + " failed.");
    cache_drop_device(*id);
  } else if (word_is(w, "set_transaction_id")) {
    if (auto c = check_arg_count(args.size(), 3); !c) return fail(c.error());
    auto old_id = read_number(args[1]);
    if (!old_id) return fail(EINVAL, "set_transaction_id message: Unrecognised id " + args[1] + ".");
    auto new_id = read_number(args[2]);
    if (!new_id) return fail(EINVAL, "set_transaction_id message: Unrecognised new id " + args[2] + ".");
    r = md_->set_transaction_id(*old_id, *new_id);
    if (!r)
      return fail(r.error().code, "Failed to change transaction id from " + args[1] + " to " + args[2] + ".");
  } else if (word_is(w, "reserve_metadata_snap")) {
    if (auto c = check_arg_count(args.size(), 1); !c) return fail(c.error());
    (void)commit_locked();
    r = md_->reserve_metadata_snap();
    if (!r) return fail(r.error().code, "reserve_metadata_snap message failed: " + r.error().message);
  } else if (word_is(w, "release_metadata_snap")) {
    if (auto c = check_arg_count(args.size(), 1); !c) return fail(c.error());
    r = md_->release_metadata_snap();
    if (!r) return fail(r.error().code, "release_metadata_snap message failed: " + r.error().message);
  } else {
    return fail(EINVAL, "Unrecognised thin pool target message received: " + w);
  }
  dirty_ = true;
  // Creating and deleting devices is committed with the next commit (the
  // once-a-second timer, a flush or FUA write, a status, the pool's
  // suspend), not here: a commit flushes the metadata device, several ms on
  // a disk, and snapshots are taken in bursts. The kernel commits after
  // every message; lvm2 ends each batch with set_transaction_id, which
  // commits here, so what lvm2 recorded is on disk when it returns.
  if (word_is(w, "create_thin") || word_is(w, "create_snap") || word_is(w, "delete")) return std::string();
  if (auto c = commit_locked(); !c) return fail(c.error());
  return std::string();
}

std::string Pool::status(bool commit_first) {
  std::lock_guard g(md_lock_);
  if (!md_) return "Fail";
  if (commit_first) (void)commit_locked();
  if (!md_) return "Fail";
  std::string s = std::to_string(md_->transaction_id()) + " ";
  s += std::to_string(md_->used_metadata_blocks()) + "/" + std::to_string(md_->nr_metadata_blocks()) + " ";
  s += std::to_string(md_->used_data_blocks()) + "/" + std::to_string(md_->nr_data_blocks()) + " ";
  s += md_->held_root() ? std::to_string(md_->held_root()) + " " : std::string("- ");
  const PoolMode m = mode_;
  s += m == PoolMode::out_of_data_space ? "out_of_data_space " : m == PoolMode::read_only ? "ro " : "rw ";
  s += features_.ignore_discard ? "ignore_discard " : features_.no_discard_passdown ? "no_discard_passdown "
                                                                                     : "discard_passdown ";
  s += features_.error_if_no_space ? "error_if_no_space " : "queue_if_no_space ";
  s += md_->needs_check() ? "needs_check " : "- ";
  s += std::to_string(std::min<uint64_t>(1024, meta_.nr_blocks() / 4)) + " ";
  return s;
}

Result<void> Pool::open_thin(uint32_t dev_id) {
  std::lock_guard g(md_lock_);
  if (!md_) return fail(EIO, "pool metadata is not open");
  if (auto d = md_->details(dev_id); !d) return fail(d.error());
  ++open_thins_[dev_id];
  return {};
}

void Pool::close_thin(uint32_t dev_id) {
  std::lock_guard g(md_lock_);
  if (auto it = open_thins_.find(dev_id); it != open_thins_.end() && --it->second == 0) open_thins_.erase(it);
}

Result<pd::DeviceDetails> Pool::details(uint32_t dev_id) {
  std::lock_guard g(md_lock_);
  if (!md_) return fail(EIO, "pool metadata is not open");
  return md_->details(dev_id);
}

Result<std::optional<uint64_t>> Pool::highest_mapped(uint32_t dev_id) {
  std::lock_guard g(md_lock_);
  if (!md_) return fail(EIO, "pool metadata is not open");
  std::optional<uint64_t> high;
  auto r = md_->walk_mappings(dev_id, [&](uint64_t vb, const pd::Mapping&) -> Result<void> {
    if (!high || vb > *high) high = vb;
    return {};
  });
  if (!r) return fail(r.error());
  return high;
}

CachedMapping Pool::cached(uint32_t dev_id, uint64_t vblock, io::BlockDevice** data) const {
  std::shared_lock g(cache_lock_);
  if (data) *data = data_raw_;
  return cache_get(dev_id, cache_key(dev_id, vblock));
}

FastMap Pool::map_fast(uint32_t dev_id, uint64_t vblock, io::Request* request, uint8_t* epoch) {
  const uint64_t key = cache_key(dev_id, vblock);
  for (;;) {
    {
      std::shared_lock g(cache_lock_);
      if (cells_.empty() || !cells_.contains(key)) {
        FastMap f;
        f.data = data_raw_;
        f.mapping = cache_get(dev_id, key);
        if (f.mapping.kind == CachedMapping::mapped &&
            (request->op == io::Op::read || (!f.mapping.shared && !request->fua))) {
          // Counted under the lock a discard's epoch flip takes exclusively.
          const unsigned e = epoch_.load(std::memory_order_relaxed) & 1;
          in_flight_[e].fetch_add(1, std::memory_order_relaxed);
          *epoch = static_cast<uint8_t>(e + 1);
          f.action = FastMap::remap;
        }
        return f;
      }
    }
    std::unique_lock g(cache_lock_);
    if (auto it = cells_.find(key); it != cells_.end()) {
      it->second.push_back(request);
      return FastMap{FastMap::held, {}, nullptr};
    }
    // Released in between: look again.
  }
}

void Pool::io_done(uint8_t epoch) {
  if (epoch == 0) return;
  auto& n = in_flight_[epoch - 1];
  if (n.fetch_sub(1, std::memory_order_seq_cst) == 1) n.notify_all();
}

bool Pool::cell_acquire(uint64_t key, io::Request* request) {
  std::unique_lock g(cache_lock_);
  auto [it, inserted] = cells_.try_emplace(key);
  if (!inserted) it->second.push_back(request);
  return inserted;
}

bool Pool::cell_acquire_quiesced(uint64_t key, io::Request* request) {
  std::lock_guard d(drain_lock_);
  unsigned old;
  {
    std::unique_lock g(cache_lock_);
    auto [it, inserted] = cells_.try_emplace(key);
    if (!inserted) {
      it->second.push_back(request);
      return false;
    }
    old = epoch_.fetch_add(1, std::memory_order_relaxed) & 1;
  }
  // New I/O to the block waits in the cell; what was remapped before is
  // counted in the old epoch.
  for (int64_t v = in_flight_[old].load(); v != 0; v = in_flight_[old].load()) in_flight_[old].wait(v);
  return true;
}

void Pool::cell_release(uint64_t key) {
  std::vector<io::Request*> waiters;
  {
    std::unique_lock g(cache_lock_);
    if (auto it = cells_.find(key); it != cells_.end()) {
      waiters.swap(it->second);
      cells_.erase(it);
    }
  }
  for (auto* r : waiters) core::resubmit(r);
}

void Pool::suspend_io() {
  std::lock_guard g(park_lock_);
  suspended_ = true;
}

void Pool::resume_io() {
  std::vector<std::pair<const ThinContext*, io::Request*>> parked;
  {
    std::lock_guard g(park_lock_);
    suspended_ = false;
    parked.swap(parked_);
  }
  for (auto& [thin, r] : parked) defer(thin, r);
}

io::BlockDevice* Pool::data_device() const {
  std::shared_lock g(cache_lock_);
  return data_raw_;
}

void Pool::cache_put(uint32_t dev_id, uint64_t vblock, CachedMapping m) {
  std::unique_lock g(cache_lock_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  auto g_it = dev_gen_.find(dev_id);
  m.gen = g_it == dev_gen_.end() ? 0 : g_it->second;
  cache_[cache_key(dev_id, vblock)] = m;
}

// O(1) under the exclusive lock (a snapshot must not stall the hot path
// for a walk of the cache): the device's entries are stale from now on.
void Pool::cache_drop_device(uint32_t dev_id) {
  std::unique_lock g(cache_lock_);
  ++dev_gen_[dev_id];
}

CachedMapping Pool::cache_get(uint32_t dev_id, uint64_t key) const {
  auto it = cache_.find(key);
  if (it == cache_.end()) return {};
  if (!dev_gen_.empty()) {
    auto g = dev_gen_.find(dev_id);
    if (g != dev_gen_.end() && g->second != it->second.gen) return {};
  }
  return it->second;
}

void Pool::cache_clear() {
  std::unique_lock g(cache_lock_);
  cache_.clear();
  dev_gen_.clear();
}

Result<CachedMapping> Pool::lookup_locked(uint32_t dev_id, uint64_t vblock) {
  if (auto c = cached(dev_id, vblock); c.kind != CachedMapping::unknown) return c;
  if (!md_) return fail(EIO, "pool metadata is not open");
  auto m = md_->lookup(dev_id, vblock);
  if (!m) return fail(m.error());
  CachedMapping c;
  if (*m) {
    c.kind = CachedMapping::mapped;
    c.shared = (*m)->shared;
    c.data_block = (*m)->data_block;
  } else {
    c.kind = CachedMapping::unmapped;
  }
  cache_put(dev_id, vblock, c);
  return c;
}

void Pool::defer(const ThinContext* thin, io::Request* request) {
  if (request->op == io::Op::write || request->op == io::Op::write_zeroes) {
    bool post = false;
    {
      std::lock_guard g(writes_lock_);
      writes_.emplace_back(thin, request);
      post = drainers_ < kDrainers;
      drainers_ += post;
    }
    if (post) workers_.post([self = shared_from_this()] { self->drain_writes(); });
    return;
  }
  workers_.post([self = shared_from_this(), thin, request] { self->process(thin, request); });
}

void Pool::queue_no_space(const ThinContext* thin, io::Request* request, bool error_if_no_space) {
  if (error_if_no_space) return core::complete_held(request, -ENOSPC);
  const long long ms = g_no_space_timeout_ms.load();
  auto deadline = ms > 0 ? std::chrono::steady_clock::now() + std::chrono::milliseconds(ms)
                         : std::chrono::steady_clock::time_point::max();
  std::lock_guard g(queue_lock_);
  no_space_.push_back(Queued{thin, request, deadline});
}

void Pool::fail_queued(const ThinContext* thin) {
  std::vector<io::Request*> out;
  {
    std::lock_guard g(queue_lock_);
    auto it = std::partition(no_space_.begin(), no_space_.end(), [&](const Queued& e) { return e.thin != thin; });
    for (auto i = it; i != no_space_.end(); ++i) out.push_back(i->request);
    no_space_.erase(it, no_space_.end());
  }
  for (auto* r : out) core::complete_held(r, -EIO);
}

void Pool::process(const ThinContext* thin, io::Request* request) {
  if (request->op != io::Op::read && request->op != io::Op::flush) {
    // Writes and discards need the pool: they wait for its resume.
    std::lock_guard g(park_lock_);
    if (suspended_) {
      parked_.emplace_back(thin, request);
      return;
    }
  }
  switch (request->op) {
    case io::Op::flush: return process_flush(request);
    case io::Op::discard: return process_discard(thin, request);
    case io::Op::read: return process_read(thin, request);
    case io::Op::write:
    case io::Op::write_zeroes: break;  // through defer's queue
  }
  core::complete_held(request, -EIO);
}

// Data first, then the metadata that points at it.
void Pool::process_flush(io::Request* request) {
  io::BlockDevice* data = data_device();
  int r = core::sync_io(*data, io::Op::flush, 0, 0);
  if (r == 0) {
    std::lock_guard g(md_lock_);
    if (!commit_locked()) r = -EIO;
  }
  core::complete_held(request, r);
}

void Pool::process_read(const ThinContext* thin, io::Request* request) {
  const uint64_t bb = block_bytes();
  const uint64_t vblock = request->offset / bb;
  Result<CachedMapping> c;
  {
    std::lock_guard g(md_lock_);
    c = lookup_locked(thin->dev_id, vblock);
  }
  if (!c) return core::complete_held(request, -EIO);
  if (c->kind == CachedMapping::mapped) return core::resubmit(request);
  // Unmapped: the external origin's bytes where it has them, zeros beyond.
  std::memset(request->data, 0, request->length);
  if (thin->origin) {
    const uint64_t osize = thin->origin->size();
    if (request->offset < osize) {
      const uint64_t n = std::min<uint64_t>(request->length, osize - request->offset);
      int r = core::sync_io(*thin->origin, io::Op::read, request->offset, n, request->data);
      if (r < 0) return core::complete_held(request, r);
    }
  }
  core::complete_held(request, 0);
}

void Pool::process_discard(const ThinContext* thin, io::Request* request) {
  const uint64_t bb = block_bytes();
  const uint64_t vblock = request->offset / bb;
  if (request->offset % bb != 0 || request->length != bb) return core::complete_held(request, 0);  // partial: nothing to unmap
  const uint64_t key = cache_key(thin->dev_id, vblock);
  // Reads remapped to the block before must finish before it is freed.
  if (!cell_acquire_quiesced(key, request)) return;
  int r = 0;
  {
    std::lock_guard g(md_lock_);
    if (mode_ == PoolMode::read_only || !md_) {
      r = -EIO;
    } else if (auto c = lookup_locked(thin->dev_id, vblock); !c) {
      r = -EIO;
    } else if (c->kind == CachedMapping::mapped) {
      if (auto rm = md_->remove_block(thin->dev_id, vblock); !rm) {
        abort_to_read_only(rm.error());
        r = -EIO;
      } else {
        dirty_ = true;
        cache_put(thin->dev_id, vblock, CachedMapping{CachedMapping::unmapped, false, 0});
        // Passed down under the metadata lock: the freed block cannot be
        // reused before a commit, and no commit runs meanwhile.
        if (!features_.no_discard_passdown) {
          auto n = md_->data_block_count(c->data_block);
          if (n && *n == 0) (void)core::sync_io(*data_device(), io::Op::discard, c->data_block * bb, bb);
        }
      }
    }
  }
  cell_release(key);
  core::complete_held(request, r);
}

// One held write on the slow path.
struct Pool::WriteJob {
  const ThinContext* thin = nullptr;
  io::Request* request = nullptr;
  uint64_t key = 0;
  enum What : uint8_t { complete, map_again, queued, fua_in_place, provision } what = complete;
  int result = 0;
  CachedMapping mapping;
  uint64_t block = 0;          // allocated (provision)
  bool fill = false;           // the whole block is written from a filled buffer
  bool zero_first = false;     // ... or zeroed by the device (write_zeroes), then the write
  std::byte* bytes = nullptr;  // what goes to the data device: the filled block, or the request's
};

// Writes that are not plain remaps, taken from the queue in batches: every
// allocation of a batch is made in one hold of the metadata lock, and the
// batch's data writes (the write, or the whole block with zeros or the
// shared block's bytes around it) go out together, merged where adjacent,
// then their mappings are inserted. Allocation and insertion stay in one hold so no commit sees an
// allocated block without its mapping (a leak to thin_check).
void Pool::drain_writes() {
  for (;;) {
    std::vector<WriteJob> jobs;
    {
      std::lock_guard g(writes_lock_);
      if (writes_.empty()) {
        --drainers_;
        return;
      }
      const std::size_t n = std::min<std::size_t>(writes_.size(), kWriteBatch);
      jobs.resize(n);
      for (std::size_t i = 0; i < n; ++i) std::tie(jobs[i].thin, jobs[i].request) = writes_[i];
      writes_.erase(writes_.begin(), writes_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    {
      std::lock_guard g(park_lock_);
      if (suspended_) {
        for (auto& j : jobs) parked_.emplace_back(j.thin, j.request);
        continue;
      }
    }
    process_writes(jobs);
  }
}

void Pool::process_writes(std::vector<WriteJob>& all) {
  const uint64_t bb = block_bytes();
  std::vector<WriteJob*> jobs;  // those holding their cell; the others wait in it
  for (auto& j : all) {
    j.key = cache_key(j.thin->dev_id, j.request->offset / bb);
    if (cell_acquire(j.key, j.request)) jobs.push_back(&j);
  }
  io::BlockDevice* data = data_device();
  const bool zeroes = data->limits().write_zeroes;
  {
    std::unique_lock g(md_lock_);
    provisioned_cv_.wait(g, [&] { return commit_waiting_ == 0; });
    std::vector<WriteJob*> prov;
    std::size_t nr_fill = 0;
    for (WriteJob* j : jobs) {
      io::Request* req = j->request;
      auto c = lookup_locked(j->thin->dev_id, req->offset / bb);
      if (!c) {
        j->result = -EIO;
        continue;
      }
      j->mapping = *c;
      if (c->kind == CachedMapping::mapped && !c->shared) {
        j->what = req->fua ? WriteJob::fua_in_place : WriteJob::map_again;
        continue;
      }
      if (mode_ == PoolMode::read_only || !md_) {
        j->result = -EIO;
        continue;
      }
      if (mode_ == PoolMode::out_of_data_space) {
        // Queued under the metadata lock: a bind() that adds space retries
        // the queue under it, so nothing is queued after the retry.
        if (features_.error_if_no_space) j->result = -ENOSPC;
        else queue_no_space(j->thin, req, false), j->what = WriteJob::queued;
        continue;
      }
      auto b = md_->alloc_data_block();
      if (!b) {
        if (b.error().code == ENOSPC) {
          out_of_space_locked();
          if (features_.error_if_no_space) j->result = -ENOSPC;
          else queue_no_space(j->thin, req, false), j->what = WriteJob::queued;
        } else {
          abort_to_read_only(b.error());
          j->result = -EIO;
        }
        continue;
      }
      j->block = *b;
      j->what = WriteJob::provision;
      // The new block's bytes: the shared block's, the external origin's,
      // or zeros; then the write on top. Written whole unless zeroing is skipped.
      const bool whole = req->offset % bb == 0 && req->length == bb;
      j->fill = (!whole && (c->kind == CachedMapping::mapped || j->thin->origin || !features_.skip_block_zeroing)) ||
                req->op == io::Op::write_zeroes;
      // Zeros around the write: the data device zeroes the blocks (a sparse
      // file's ZERO_RANGE writes no bytes), then the write goes on top.
      j->zero_first = j->fill && zeroes && c->kind != CachedMapping::mapped && !j->thin->origin;
      nr_fill += j->fill && !j->zero_first;
      prov.push_back(j);
    }
    // Filled blocks in one buffer, so that blocks allocated one after the
    // other go out as one write.
    std::vector<std::byte> fill_buf(nr_fill * bb <= kFillBufferMax ? nr_fill * bb : 0);
    std::vector<std::unique_ptr<std::byte[]>> own;  // beyond kFillBufferMax: one buffer each
    std::size_t next_fill = 0;
    for (WriteJob* j : prov) {
      io::Request* req = j->request;
      const uint64_t vblock = req->offset / bb, in_off = req->offset % bb;
      if (!j->fill || j->zero_first) {
        j->bytes = req->data;
        continue;
      }
      if (fill_buf.empty()) {
        own.push_back(std::make_unique<std::byte[]>(bb));
        j->bytes = own.back().get();
      } else {
        j->bytes = fill_buf.data() + next_fill++ * bb;
      }
      std::memset(j->bytes, 0, bb);
      int r = 0;
      if (j->mapping.kind == CachedMapping::mapped) {
        r = core::sync_io(*data, io::Op::read, j->mapping.data_block * bb, bb, j->bytes);
      } else if (j->thin->origin) {
        const uint64_t osize = j->thin->origin->size();
        if (vblock * bb < osize)
          r = core::sync_io(*j->thin->origin, io::Op::read, vblock * bb, std::min<uint64_t>(bb, osize - vblock * bb),
                            j->bytes);
      }
      if (r < 0) {
        (void)md_->release_data_block(j->block);
        j->result = r;
        j->what = WriteJob::complete;
        continue;
      }
      if (req->op == io::Op::write) std::memcpy(j->bytes + in_off, req->data, req->length);
    }
    std::erase_if(prov, [](WriteJob* j) { return j->what != WriteJob::provision; });
    if (!prov.empty()) {
      int err;
      {
        // The data writes go out without the metadata lock (another batch
        // allocates meanwhile); the cells keep others off these blocks.
        ++provisioning_;
        g.unlock();
        int zero_err = 0;
        {
          core::SyncBatch z;
          io::Request run{};
          for (WriteJob* j : prov) {
            if (!j->zero_first) continue;
            if (run.length && run.offset + run.length == j->block * bb && run.length < kMaxMergedZeroes) {
              run.length += bb;
              continue;
            }
            if (run.length) z.submit(*data, run);
            run = io::Request{};
            run.op = io::Op::write_zeroes;
            run.offset = j->block * bb;
            run.length = bb;
          }
          if (run.length) z.submit(*data, run);
          zero_err = z.wait();
        }
        // Runs of whole blocks adjacent on the data device and in memory
        // (a large write's pieces, a batch of filled blocks) go out as one.
        core::SyncBatch io;
        io::Request run{};
        auto flush_run = [&] {
          if (run.length) io.submit(*data, run);
          run = io::Request{};
        };
        for (WriteJob* j : prov) {
          if (zero_err < 0) break;
          if (j->zero_first && j->request->op == io::Op::write_zeroes) continue;  // zeroed whole
          const bool whole_block =
              (j->fill && !j->zero_first) || (j->request->offset % bb == 0 && j->request->length == bb);
          if (!whole_block) {
            flush_run();
            io::Request r{};
            r.op = io::Op::write;
            r.offset = j->block * bb + j->request->offset % bb;
            r.length = j->request->length;
            r.data = j->bytes;
            io.submit(*data, r);
            continue;
          }
          if (run.length && run.offset + run.length == j->block * bb && run.data + run.length == j->bytes &&
              run.length < kMaxMergedWrite) {
            run.length += bb;
            continue;
          }
          flush_run();
          run.op = io::Op::write;
          run.offset = j->block * bb;
          run.length = bb;
          run.data = j->bytes;
        }
        flush_run();
        err = io.wait();
        if (zero_err < 0) err = zero_err;
        g.lock();
        --provisioning_;
      }
      bool fua = false;
      for (WriteJob* j : prov) {
        j->what = WriteJob::complete;
        if (err < 0) {
          // Which one failed is not known: none is mapped.
          (void)md_->release_data_block(j->block);
          j->result = err;
          continue;
        }
        const uint64_t vblock = j->request->offset / bb;
        if (auto ins = md_->insert_block(j->thin->dev_id, vblock, j->block); !ins) {
          if (mode_ != PoolMode::read_only) abort_to_read_only(ins.error());
          j->result = -EIO;
          continue;
        }
        dirty_ = true;
        cache_put(j->thin->dev_id, vblock, CachedMapping{CachedMapping::mapped, false, j->block});
        fua |= j->request->fua;
      }
      provisioned_cv_.notify_all();
      check_low_water_locked();
      if (fua && (core::sync_io(*data, io::Op::flush, 0, 0) < 0 || !commit_locked()))
        for (WriteJob* j : prov)
          if (j->request->fua) j->result = -EIO;
    }
  }
  // FUA writes to provisioned blocks: written through, then the mapping committed.
  for (WriteJob* j : jobs) {
    if (j->what != WriteJob::fua_in_place) continue;
    io::Request* req = j->request;
    const uint64_t bb_off = j->mapping.data_block * bb + req->offset % bb;
    j->result = core::sync_io(*data, req->op, bb_off, req->length, req->op == io::Op::write ? req->data : nullptr, true);
    if (j->result == 0) {
      std::lock_guard m(md_lock_);
      if (!commit_locked()) j->result = -EIO;
    }
    j->what = WriteJob::complete;
  }
  for (WriteJob* j : jobs) cell_release(j->key);
  for (WriteJob* j : jobs) {
    if (j->what == WriteJob::map_again) core::resubmit(j->request);
    else if (j->what == WriteJob::complete) core::complete_held(j->request, j->result);
  }
}

}  // namespace udm::thin

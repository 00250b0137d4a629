#include "targets/snapshot_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/sync_io.hpp"
#include "io/inline_writes.hpp"
#include "targets/snapshot_throttle.hpp"

namespace udm::targets::snap {

// --- Origin -------------------------------------------------------------------

void Origin::add(Snapshot* s) {
  std::unique_lock g(lock_);
  snapshots_.push_back(s);
  update_min_chunk_locked();
}

void Origin::remove(Snapshot* s) {
  std::unique_lock g(lock_);
  std::erase(snapshots_, s);
  update_min_chunk_locked();
}

void Origin::update_min_chunk_locked() {
  byte_count m = 0;
  for (const Snapshot* s : snapshots_) m = m == 0 ? s->chunk_bytes() : std::min(m, s->chunk_bytes());
  min_chunk_bytes_.store(m, std::memory_order_relaxed);
}

bool Origin::other_is_merging(const Snapshot* self) const {
  std::shared_lock g(lock_);
  return std::any_of(snapshots_.begin(), snapshots_.end(), [&](const Snapshot* s) { return s != self && s->merging(); });
}

bool Origin::write(io::Request* request, byte_count offset, byte_count length, const Snapshot* skip) {
  // `request` must not be touched once parked: another thread may resubmit it.
  bool parked = false;
  std::shared_lock g(lock_);
  for (Snapshot* s : snapshots_) {
    if (s == skip) continue;
    const byte_count cb = s->chunk_bytes();
    for (chunk_t c = offset / cb; c * cb < offset + length; ++c)
      if (s->origin_chunk(c, parked ? nullptr : request) == Snapshot::Need::parked) parked = true;
  }
  return parked;
}

core::MapResult Origin::map(io::Request* r) {
  switch (r->op) {
    case io::Op::flush:
      if (hold_.park_flush(r, device_.get())) return core::MapResult::held;
      break;
    case io::Op::read:
      if (hold_.park_if_overlapping(r, r->offset, r->length)) return core::MapResult::held;
      break;
    default: {  // write, write_zeroes, discard
      // Copied everywhere and nothing held: straight on (no held write can
      // then overlap this one: it would have found the chunk uncopied too).
      if (!hold_.busy() && copied(r->offset, r->length)) break;
      auto g = hold_.lock();
      if (hold_.park_if_overlapping_locked(r, r->offset, r->length)) return core::MapResult::held;
      if (!hold_.fits_locked(*r)) {
        if (write(r, r->offset, r->length, nullptr)) return core::MapResult::held;
        break;
      }
      // Copied meanwhile, or never needed a copy (other writes are held):
      // no data copy. No write overlapping it can be held before it goes,
      // as it would find the same chunks copied.
      if (copied(r->offset, r->length)) break;
      HeldWrite* w = hold_.make_held_locked(*r);
      hold_on_copies(w);
      // Nothing to wait for (or those copies were committed meanwhile: their
      // release() is then ordered before the delete by this acquire).
      if (w->deps.load(std::memory_order_acquire) == 1) {
        hold_.forget_locked(w);
        break;
      }
      g.unlock();
      WriteHold::release(w);
      r->complete(0);
      return core::MapResult::submitted;
    }
  }
  device_->submit(r);
  return core::MapResult::submitted;
}

void Origin::hold_on_copies(HeldWrite* w) {
  std::shared_lock g(lock_);
  for (Snapshot* s : snapshots_) {
    const byte_count cb = s->chunk_bytes();
    for (chunk_t c = w->offset / cb; c * cb < w->offset + w->length; ++c) s->origin_chunk(c, nullptr, w);
  }
}

bool Origin::copied(byte_count offset, byte_count length) {
  std::shared_lock g(lock_);
  for (Snapshot* s : snapshots_) {
    const byte_count cb = s->chunk_bytes();
    for (chunk_t c = offset / cb; c * cb < offset + length; ++c)
      if (!s->chunk_copied(c)) return false;
  }
  return true;
}

bool Origin::copies_pending(byte_count offset, byte_count length, const Snapshot* skip) {
  bool pending = false;
  std::shared_lock g(lock_);
  for (Snapshot* s : snapshots_) {
    if (s == skip) continue;
    const byte_count cb = s->chunk_bytes();
    for (chunk_t c = offset / cb; c * cb < offset + length; ++c)
      if (s->origin_chunk(c, nullptr) != Snapshot::Need::nothing) pending = true;
  }
  return pending;
}

// --- Snapshot -----------------------------------------------------------------

namespace {
// per_io_data layout: the chunk a request is tracked on, plus one (0: none).
chunk_t tracked_of(io::Request* r) {
  chunk_t v = 0;
  std::memcpy(&v, core::per_io_data(r).data(), sizeof v);
  return v;
}
void set_tracked(io::Request* r, chunk_t v) { std::memcpy(core::per_io_data(r).data(), &v, sizeof v); }
}  // namespace

Snapshot::Snapshot(SnapshotConfig config, std::unique_ptr<ExceptionStore> store)
    : origin_(std::move(config.origin)),
      cow_(std::move(config.cow)),
      origin_object_(std::move(config.origin_object)),
      workers_(config.workers),
      store_(std::move(store)),
      chunk_bytes_(sectors_to_bytes(store_->chunk_size())) {
  core::Copier::Options o;
  o.chunk_bytes = std::min<byte_count>(chunk_bytes_, 1 << 20);
  o.depth = 1;
  o.threads = 2;
  copier_ = std::make_unique<core::Copier>(o);
  valid_ = store_->valid();
}

Snapshot::~Snapshot() {
  stop_merge();
  if (registered_) origin_object_->remove(this);
  copier_.reset();  // nothing is in flight: every copy holds a reference to us
}

void Snapshot::register_with_origin() {
  registered_ = true;
  origin_object_->add(this);
}

void Snapshot::set_length(sector_t length) {
  std::lock_guard g(lock_);
  length_bytes_ = sectors_to_bytes(length);
}

void Snapshot::set_event(std::function<void()> raise) {
  std::lock_guard g(lock_);
  if (raise) raise_ = std::move(raise);
}

void Snapshot::activate() {
  std::lock_guard g(lock_);
  active_ = true;
}

void Snapshot::raise_event() {
  std::function<void()> raise;
  {
    std::lock_guard g(lock_);
    raise = raise_;
  }
  if (raise) raise();
}

void Snapshot::invalidate_locked() {
  if (!valid_) return;
  valid_ = false;
  // The header write blocks: never on the mapping thread.
  auto self = shared_from_this();
  workers_->post([self] { self->store_->drop(); });
  if (raise_) workers_->post([raise = raise_] { raise(); });
}

Snapshot::Pending* Snapshot::new_pending_locked(chunk_t chunk) {
  auto c = store_->prepare();
  if (!c) return nullptr;
  auto pe = std::make_unique<Pending>();
  pe->old_chunk = chunk;
  pe->new_chunk = *c;
  pe->seq = next_seq_++;
  Pending* raw = pe.get();
  pending_.emplace(chunk, std::move(pe));
  return raw;
}

bool Snapshot::chunk_copied(chunk_t chunk) {
  std::lock_guard g(lock_);
  if (!valid_ || !active_ || merging_.load() || chunk * chunk_bytes_ >= length_bytes_) return true;
  return !pending_.count(chunk) && complete_.count(chunk);
}

Snapshot::Need Snapshot::origin_chunk(chunk_t chunk, io::Request* park, HeldWrite* held) {
  Pending* start = nullptr;
  Need need;
  {
    // The already-copied path: one lock, two lookups, nothing else.
    std::lock_guard g(lock_);
    if (!valid_ || !active_ || merging_.load() || chunk * chunk_bytes_ >= length_bytes_) return Need::nothing;
    // Pending first: a completed exception stays pending until the snapshot
    // reads that went to the origin for it are done, and origin writes must
    // wait for that too.
    auto it = pending_.find(chunk);
    Pending* pe = it == pending_.end() ? nullptr : it->second.get();
    if (!pe && complete_.count(chunk)) return Need::nothing;
    if (!pe) {
      pe = new_pending_locked(chunk);
      if (!pe) {  // an origin write that finds no room always invalidates
        invalidate_locked();
        return Need::nothing;
      }
    }
    if (!pe->started) {
      pe->started = true;
      ++copies_in_flight_;
      start = pe;
    }
    if (held) {
      pe->held_writes.push_back(held);
      held->deps.fetch_add(1, std::memory_order_relaxed);
      need = Need::parked;
    } else if (park) {
      pe->origin_waiters.push_back(park);
      need = Need::parked;
    } else {
      need = Need::pending;
    }
  }
  if (start) start_copy(start);
  return need;
}

void Snapshot::start_copy(Pending* pe) {
  pe->keep = shared_from_this();
  CopyThrottle::global().start([pe] { pe->keep->queue_copy(pe); });
}

void Snapshot::queue_copy(Pending* pe) {
  bool post = false;
  {
    std::lock_guard g(lock_);
    to_copy_.push_back(pe);
    if (gathering_) queued_cv_.notify_one();
    if (!committing_) post = committing_ = true;
  }
  if (post) workers_->post([self = pe->keep] { self->commit_loop(); });
}

int Snapshot::copy_chunks(const std::vector<Pending*>& batch) {
  const byte_count origin_bytes = origin_->size();
  if (copy_buffer_bytes_ < batch.size() * chunk_bytes_) {
    copy_buffer_bytes_ = batch.size() * chunk_bytes_;
    copy_buffer_.reset(new (std::align_val_t{4096}) std::byte[copy_buffer_bytes_]);
  }
  // Reads first (cached ones are served right here), then the writes.
  std::vector<io::Request> ios(batch.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const byte_count from = batch[i]->old_chunk * chunk_bytes_;
    if (from >= origin_bytes) continue;  // past the origin's end: nothing to copy
    io::Request& r = ios[n++];
    r.op = io::Op::read;
    r.offset = from;
    r.length = std::min(chunk_bytes_, origin_bytes - from);
    r.data = copy_buffer_.get() + i * chunk_bytes_;
    r.context = batch[i];
  }
  if (n == 0) return 0;
  CopyThrottle::global().io_begin();
  int result;
  {
    core::SyncBatch reads;
    for (std::size_t i = 0; i < n; ++i) reads.submit(*origin_, ios[i]);
    result = reads.wait();
  }
  if (result == 0) {
    core::SyncBatch writes;
    for (std::size_t i = 0; i < n; ++i) {
      ios[i].op = io::Op::write;
      ios[i].offset = static_cast<Pending*>(ios[i].context)->new_chunk * chunk_bytes_;
      writes.submit(*cow_, ios[i]);
    }
    result = writes.wait();
  }
  CopyThrottle::global().io_end();
  return result;
}

void Snapshot::full_write_done(io::Request* r, int result) {
  auto* pe = static_cast<Pending*>(r->context);
  pe->keep->copy_done(pe, result);
}

bool Snapshot::commit_ready_locked() const {
  if (copied_.empty() || copied_.begin()->first != next_commit_seq_) return false;
  return copies_in_flight_ == 0 || copied_.size() >= store_->exceptions_per_area();
}

void Snapshot::copy_done(Pending* pe, int result) {
  bool post = false;
  {
    std::lock_guard g(lock_);
    pe->copied = true;
    pe->error = result;
    copied_.emplace(pe->seq, pe);
    --copies_in_flight_;
    if (!committing_ && commit_ready_locked()) post = committing_ = true;
  }
  // pe->keep holds us until the commit; the committer drops it on a worker.
  if (post) workers_->post([self = pe->keep] { self->commit_loop(); });
}

void Snapshot::commit_loop() {
  // A worker may block: the copies, the flushes, the area write and the
  // released origin writes run here (pread/pwrite of the page cache,
  // fdatasync) instead of each hopping to another thread.
  io::InlineWrites inline_writes(64 << 10, true);
  // Chunks copied at once: an area's worth, at most 4 MiB.
  const std::size_t max_copies =
      std::max<std::size_t>(1, std::min<std::size_t>(store_->exceptions_per_area(), (4 << 20) / chunk_bytes_));
  using Clock = std::chrono::steady_clock;
  Clock::time_point gather_until{};  // of this commit; {} until a wait starts
  for (;;) {
    std::vector<Pending*> copies, batch;
    bool valid;
    {
      std::unique_lock g(lock_);
      // Group commit where flushes are slow (snapshot_group_commit.hpp).
      const auto wait = to_copy_.empty() && commit_ready_locked() ? group_commit_.wait_for(copied_.size())
                                                                  : Clock::duration::zero();
      if (wait > Clock::duration::zero()) {
        if (gather_until == Clock::time_point{}) {
          gather_until = Clock::now() + wait;
          GroupCommit::count_wait();
        }
        gathering_ = true;
        queued_cv_.wait_until(g, gather_until, [&] { return !to_copy_.empty(); });
        gathering_ = false;
      }
      const std::size_t take = std::min(to_copy_.size(), max_copies);
      copies.assign(to_copy_.begin(), to_copy_.begin() + static_cast<std::ptrdiff_t>(take));
      to_copy_.erase(to_copy_.begin(), to_copy_.begin() + static_cast<std::ptrdiff_t>(take));
      if (copies.empty() && !commit_ready_locked()) {
        committing_ = false;
        return;
      }
    }
    if (!copies.empty()) {
      const int r = copy_chunks(copies);
      std::lock_guard g(lock_);
      for (Pending* p : copies) {
        p->copied = true;
        p->error = r;
        copied_.emplace(p->seq, p);
      }
      copies_in_flight_ -= copies.size();
      // Copies queued meanwhile are copied first, so one commit covers them.
      continue;
    }
    {
      // Commit in allocation order (as the kernel does), so records on disk
      // are in COW order and a merge finds runs of consecutive chunks.
      std::lock_guard g(lock_);
      for (auto it = copied_.begin(); it != copied_.end() && it->first == next_commit_seq_; it = copied_.erase(it)) {
        batch.push_back(it->second);
        ++next_commit_seq_;
      }
      valid = valid_;
    }
    bool ok = valid;
    for (Pending* p : batch) ok = ok && p->error == 0;
    if (ok) {
      // The chunks are written: one flush for all of them, the area, one flush.
      std::vector<Exception> records;
      records.reserve(batch.size());
      for (Pending* p : batch) records.push_back({p->old_chunk, p->new_chunk});
      const auto t0 = GroupCommit::now();
      ok = store_->commit(records) == 0;
      const auto took = GroupCommit::now() - t0;
      group_commit_.committed(batch.size(), &took);
    } else {
      group_commit_.committed(batch.size(), nullptr);
    }
    gather_until = {};
    for (Pending* p : batch) {
      std::vector<io::Request*> origin_waiters, snapshot_waiters;
      std::vector<HeldWrite*> held;
      io::Request* full = nullptr;
      std::unique_ptr<Pending> owned;
      {
        std::unique_lock g(lock_);
        if (ok) {
          complete_.emplace(p->old_chunk, p->new_chunk);
          // Snapshot reads that went to the origin for this chunk must finish
          // before an origin write may overwrite it.
          tracked_cv_.wait(g, [&] { return !tracked_.count(p->old_chunk); });
        } else {
          invalidate_locked();
        }
        auto it = pending_.find(p->old_chunk);
        owned = std::move(it->second);
        pending_.erase(it);
        origin_waiters.swap(p->origin_waiters);
        snapshot_waiters.swap(p->snapshot_waiters);
        held.swap(p->held_writes);
        full = p->full_write;
      }
      if (full) core::complete_held(full, ok ? 0 : -EIO);
      for (auto* r : snapshot_waiters) core::resubmit(r);
      // Held writes go before the parked ones, which then wait for those they overlap.
      for (auto* w : held) WriteHold::release(w);
      for (auto* r : origin_waiters) core::resubmit(r);
      // `owned` (and its reference to us) goes here, on the worker.
    }
  }
}

void Snapshot::track_locked(io::Request* r, chunk_t chunk) {
  ++tracked_[chunk];
  set_tracked(r, chunk + 1);
}

void Snapshot::end_io(const io::Request& request) {
  auto* r = const_cast<io::Request*>(&request);
  const chunk_t t = tracked_of(r);
  if (t == 0) return;
  std::lock_guard g(lock_);
  auto it = tracked_.find(t - 1);
  if (it != tracked_.end() && --it->second == 0) {
    tracked_.erase(it);
    tracked_cv_.notify_all();
  }
}

namespace {
bool is_write(io::Op op) { return op == io::Op::write || op == io::Op::write_zeroes || op == io::Op::discard; }
}  // namespace

core::MapResult Snapshot::map_snapshot(io::Request* r, bool discard_zeroes_cow) {
  set_tracked(r, 0);
  if (r->op == io::Op::flush) {
    // Also covers the origin writes completed before it (held ones land first).
    if (origin_object_->hold().park_flush(r, cow_.get())) return core::MapResult::held;
    cow_->submit(r);
    return core::MapResult::submitted;
  }
  const chunk_t chunk = r->offset / chunk_bytes_;
  const byte_count within = r->offset % chunk_bytes_;
  std::unique_lock g(lock_);
  // After a merge took the COW over, the snapshot itself answers EIO.
  if (!valid_ || merging_.load() || (overflowed_ && is_write(r->op))) {
    g.unlock();
    r->complete(-EIO);
    return core::MapResult::submitted;
  }
  if (auto e = complete_.find(chunk); e != complete_.end()) {
    r->offset = e->second * chunk_bytes_ + within;
    if (r->op == io::Op::discard) {
      if (!discard_zeroes_cow) {
        g.unlock();
        r->complete(-EOPNOTSUPP);
        return core::MapResult::submitted;
      }
      if (r->length == chunk_bytes_) r->op = io::Op::write_zeroes;  // zero the exception
    }
    g.unlock();
    cow_->submit(r);
    return core::MapResult::submitted;
  }
  if (r->op == io::Op::discard) {  // nothing to zero, and no copy-out for a discard
    g.unlock();
    r->complete(discard_zeroes_cow ? 0 : -EOPNOTSUPP);
    return core::MapResult::submitted;
  }
  if (r->op == io::Op::read) {
    track_locked(r, chunk);
    g.unlock();
    origin_->submit(r);
    return core::MapResult::submitted;
  }
  auto it = pending_.find(chunk);
  Pending* pe = it == pending_.end() ? nullptr : it->second.get();
  if (!pe) {
    pe = new_pending_locked(chunk);
    if (!pe) {
      if (store_->overflow_supported()) {
        if (!overflowed_) {
          overflowed_ = true;
          if (raise_) workers_->post([raise = raise_] { raise(); });
        }
      } else {
        invalidate_locked();
      }
      g.unlock();
      r->complete(-EIO);
      return core::MapResult::submitted;
    }
  }
  if (!pe->started && r->op == io::Op::write && within == 0 && r->length == chunk_bytes_) {
    // The write replaces the whole chunk: no copy, the write is the data.
    pe->started = true;
    ++copies_in_flight_;
    pe->full_write = r;
    pe->io = io::Request{};
    pe->io.op = io::Op::write;
    pe->io.offset = pe->new_chunk * chunk_bytes_;
    pe->io.length = r->length;
    pe->io.data = r->data;
    pe->io.done = full_write_done;
    pe->io.context = pe;
    pe->keep = shared_from_this();
    g.unlock();
    cow_->submit(&pe->io);
    return core::MapResult::held;
  }
  pe->snapshot_waiters.push_back(r);
  const bool start = !pe->started;
  if (start) ++copies_in_flight_;
  pe->started = true;
  g.unlock();
  if (start) start_copy(pe);
  return core::MapResult::held;
}

namespace {
// One discard sent to two devices; the original completes when both have.
struct Fanout {
  io::Request parts[2];
  io::Request* parent = nullptr;
  std::atomic<int> left{0};
  std::atomic<int> error{0};
  static void done(io::Request* part, int result) {
    auto* f = static_cast<Fanout*>(part->context);
    if (result != 0) {
      int none = 0;
      f->error.compare_exchange_strong(none, result);
    }
    if (f->left.fetch_sub(1) == 1) {
      io::Request* parent = f->parent;
      const int e = f->error.load();
      delete f;
      core::complete_held(parent, e);
    }
  }
};
}  // namespace

core::MapResult Snapshot::map_discard_passdown(io::Request* r) {
  set_tracked(r, 0);
  // An origin write held under the range lands first: a discard issued after
  // it completed must not reach the origin before it (resubmitted after).
  if (origin_object_->hold().park_if_overlapping(r, r->offset, r->length)) return core::MapResult::held;
  auto* f = new Fanout;
  f->parent = r;
  int n = 0;
  {
    std::lock_guard g(lock_);
    if (!valid_ || merging_.load() || overflowed_) {
      delete f;
      r->complete(-EIO);
      return core::MapResult::submitted;
    }
    const chunk_t chunk = r->offset / chunk_bytes_;
    if (auto e = complete_.find(chunk); e != complete_.end()) {
      io::Request& c = f->parts[n++];
      c.op = r->length == chunk_bytes_ ? io::Op::write_zeroes : io::Op::discard;
      c.offset = e->second * chunk_bytes_ + r->offset % chunk_bytes_;
      c.length = r->length;
    }
  }
  io::Request& o = f->parts[n++];
  o.op = io::Op::discard;
  o.offset = r->offset;
  o.length = r->length;
  f->left = n;
  for (int i = 0; i < n; ++i) {
    f->parts[i].done = Fanout::done;
    f->parts[i].context = f;
  }
  // The origin part is last: `f` may be gone once the final part is submitted.
  if (n == 2) cow_->submit(&f->parts[0]);
  origin_->submit(&f->parts[n - 1]);
  return core::MapResult::held;
}

core::MapResult Snapshot::map_merge(io::Request* r) {
  set_tracked(r, 0);
  if (r->op == io::Op::flush) {
    io::BlockDevice* to = (r->index == 0 ? origin_ : cow_).get();
    if (origin_object_->hold().park_flush(r, to)) return core::MapResult::held;
    to->submit(r);
    return core::MapResult::submitted;
  }
  if (r->op == io::Op::discard) {  // once merging, discards change nothing
    r->complete(0);
    return core::MapResult::submitted;
  }
  const chunk_t chunk = r->offset / chunk_bytes_;
  const byte_count within = r->offset % chunk_bytes_;
  const bool write = is_write(r->op);
  {
    std::unique_lock g(lock_);
    if (valid_) {
      if (auto e = complete_.find(chunk); e != complete_.end()) {
        if (write && chunk >= merge_first_ && chunk < merge_first_ + merge_count_) {
          merge_queue_.push_back(r);  // resubmitted once this chunk is merged
          return core::MapResult::held;
        }
        r->offset = e->second * chunk_bytes_ + within;
        if (write) track_locked(r, chunk);
        g.unlock();
        cow_->submit(r);
        return core::MapResult::submitted;
      }
    }
  }
  // Origin writes held by a snapshot-origin table land first.
  if (origin_object_->hold().park_if_overlapping(r, r->offset, r->length)) return core::MapResult::held;
  if (write && origin_object_->write(r, r->offset, r->length, this)) return core::MapResult::held;
  origin_->submit(r);
  return core::MapResult::submitted;
}

std::string Snapshot::status_info() const {
  std::lock_guard g(lock_);
  if (!valid_) return "Invalid";
  if (merge_failed_) return "Merge failed";
  if (overflowed_) return "Overflow";
  const StoreUsage u = store_->usage();
  return std::to_string(u.allocated) + "/" + std::to_string(u.total) + " " + std::to_string(u.metadata);
}

// --- merge --------------------------------------------------------------------

void Snapshot::start_merge() {
  std::lock_guard c(merge_control_);
  merging_ = true;
  if (merge_thread_.joinable()) return;
  merge_stop_ = false;
  merge_thread_ = std::thread([this] { merge_loop(); });
}

void Snapshot::stop_merge() {
  std::lock_guard c(merge_control_);
  merge_stop_ = true;
  if (merge_thread_.joinable()) merge_thread_.join();
}

void Snapshot::merge_loop() {
  const sector_t cs = store_->chunk_size();
  // One copy of at most 1 MiB (or one chunk) at a time, newest exceptions first.
  const std::uint32_t max_run = static_cast<std::uint32_t>(std::max<byte_count>(1, (1 << 20) / chunk_bytes_));
  auto failed = [&] {
    {
      std::lock_guard g(lock_);
      merge_failed_ = true;
    }
    raise_event();
  };
  while (!merge_stop_) {
    {
      std::unique_lock g(lock_);
      if (!valid_) return;
      if (!pending_.empty()) {  // copies a snapshot target started before the merge took over
        g.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
    }
    Exception last;
    const int n_found = store_->prepare_merge(last);
    if (n_found < 0) return failed();
    if (n_found == 0) {
      raise_event();  // merged: allocated == metadata now
      return;
    }
    const std::uint32_t n = std::min<std::uint32_t>(static_cast<std::uint32_t>(n_found), max_run);
    const chunk_t old_first = last.old_chunk + 1 - n, new_first = last.new_chunk + 1 - n;
    // Other snapshots of the origin keep their view: their copies first.
    while (origin_object_->copies_pending(old_first * chunk_bytes_, n * chunk_bytes_, this) ||
           origin_object_->hold().busy()) {
      if (merge_stop_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    {
      std::unique_lock g(lock_);
      merge_first_ = old_first;
      merge_count_ = n;
      // Writes already sent to these COW chunks finish first.
      tracked_cv_.wait(g, [&] {
        for (chunk_t c = old_first; c < old_first + n; ++c)
          if (tracked_.count(c)) return false;
        return true;
      });
    }
    const sector_t origin_sectors = bytes_to_sectors(origin_->size());
    const sector_t to = old_first * cs;
    const sector_t count = to < origin_sectors ? std::min<sector_t>(n * cs, origin_sectors - to) : 0;
    int r = 0;
    if (count > 0) r = copier_->copy(cow_, {origin_}, {core::CopyRegion{new_first * cs, to, count}})->wait();
    // The origin holds the data for good before the records go.
    if (r == 0) r = core::sync_io(*origin_, io::Op::flush, 0, 0);
    if (r == 0) r = store_->commit_merge(n);
    std::vector<io::Request*> queued;
    {
      std::lock_guard g(lock_);
      if (r == 0)
        for (chunk_t c = old_first; c < old_first + n; ++c) complete_.erase(c);
      merge_first_ = merge_count_ = 0;
      queued.swap(merge_queue_);
    }
    for (auto* q : queued) core::resubmit(q);
    if (r < 0) return failed();
  }
}

}  // namespace udm::targets::snap

#include "targets/snapshot_hold.hpp"

#include <cstring>

#include "core/target.hpp"

namespace udm::targets::snap {

namespace {
constexpr unsigned BLOCK_SHIFT = 12;  // overlaps are found per 4 KiB block

// Read for every held write: atomics, not a lock.
std::atomic<byte_count> limit_bytes{WriteHold::Limits{}.bytes};
std::atomic<std::size_t> limit_writes{WriteHold::Limits{}.writes};
std::atomic<byte_count> limit_max_write{WriteHold::Limits{}.max_write};
}  // namespace

void WriteHold::set_limits(Limits l) {
  limit_bytes.store(l.bytes);
  limit_writes.store(l.writes);
  limit_max_write.store(l.max_write);
}

WriteHold::Limits WriteHold::limits() { return {limit_bytes.load(), limit_writes.load(), limit_max_write.load()}; }

WriteHold::~WriteHold() { drain(); }

void WriteHold::add_index_locked(const HeldWrite& w, int delta) {
  const std::uint64_t last = (w.offset + w.length - 1) >> BLOCK_SHIFT;
  for (std::uint64_t b = w.offset >> BLOCK_SHIFT; b <= last; ++b) {
    if (delta > 0) {
      ++blocks_[b];
    } else if (auto it = blocks_.find(b); it != blocks_.end() && --it->second == 0) {
      blocks_.erase(it);
    }
  }
}

bool WriteHold::overlaps_locked(byte_count offset, byte_count length) const {
  if (live_.empty() || length == 0) return false;
  const std::uint64_t last = (offset + length - 1) >> BLOCK_SHIFT;
  for (std::uint64_t b = offset >> BLOCK_SHIFT; b <= last; ++b)
    if (blocks_.count(b)) return true;
  return false;
}

bool WriteHold::park_if_overlapping_locked(io::Request* r, byte_count offset, byte_count length) {
  if (!overlaps_locked(offset, length)) return false;
  blocked_.push_back(r);
  return true;
}

bool WriteHold::park_if_overlapping(io::Request* r, byte_count offset, byte_count length) {
  if (!busy()) return false;
  std::lock_guard g(lock_);
  return park_if_overlapping_locked(r, offset, length);
}

bool WriteHold::park_flush(io::Request* r, io::BlockDevice* device) {
  int error = 0;
  {
    std::lock_guard g(lock_);
    if (!live_.empty()) {
      flushes_.push_back({next_seq_, r, device});
      return true;
    }
    if (error_ == 0) return false;
    error = std::exchange(error_, 0);
  }
  core::complete_held(r, error);
  return true;
}

bool WriteHold::fits_locked(const io::Request& r) const {
  const Limits l = limits();
  return r.op == io::Op::write && !r.fua && r.data && r.length > 0 && r.length <= l.max_write &&
         live_.size() < l.writes && bytes_ + r.length <= l.bytes;
}

HeldWrite* WriteHold::make_held_locked(const io::Request& r) {
  auto* w = new HeldWrite;
  w->hold = this;
  w->seq = next_seq_++;
  w->offset = r.offset;
  w->length = r.length;
  // Aligned for origin devices opened with O_DIRECT.
  w->data.reset(new (std::align_val_t{4096}) std::byte[r.length]);
  std::memcpy(w->data.get(), r.data, r.length);
  live_.emplace(w->seq, w);
  add_index_locked(*w, 1);
  bytes_ += w->length;
  count_.store(live_.size(), std::memory_order_release);
  return w;
}

void WriteHold::forget_locked(HeldWrite* w) {
  live_.erase(w->seq);
  add_index_locked(*w, -1);
  bytes_ -= w->length;
  count_.store(live_.size(), std::memory_order_release);
  delete w;
  // Nothing can wait on it: it was never visible outside the lock.
}

void WriteHold::release(HeldWrite* w) {
  if (w->deps.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  w->io = io::Request{};
  w->io.op = io::Op::write;
  w->io.offset = w->offset;
  w->io.length = w->length;
  w->io.data = w->data.get();
  w->io.done = landed;
  w->io.context = w;
  w->hold->device_->submit(&w->io);
}

void WriteHold::landed(io::Request* io, int result) {
  auto* w = static_cast<HeldWrite*>(io->context);
  WriteHold* h = w->hold;
  std::vector<io::Request*> blocked;
  std::vector<FlushWaiter> flushes;
  int error = 0;
  {
    std::lock_guard g(h->lock_);
    h->live_.erase(w->seq);
    h->add_index_locked(*w, -1);
    h->bytes_ -= w->length;
    h->landed_.fetch_add(1, std::memory_order_relaxed);
    if (result < 0 && h->error_ == 0) h->error_ = result;
    // Everything that waited may try again (it parks again if it still overlaps).
    blocked.swap(h->blocked_);
    const std::uint64_t oldest = h->live_.empty() ? UINT64_MAX : h->live_.begin()->first;
    for (auto it = h->flushes_.begin(); it != h->flushes_.end();) {
      if (it->seq <= oldest) {
        flushes.push_back(*it);
        it = h->flushes_.erase(it);
      } else {
        ++it;
      }
    }
    if (!flushes.empty()) error = std::exchange(h->error_, 0);
    h->count_.store(h->live_.size(), std::memory_order_release);
    if (h->live_.empty()) h->drained_.notify_all();
  }
  delete w;
  for (auto* r : blocked) core::resubmit(r);
  for (auto& f : flushes) {
    if (error)
      core::complete_held(f.request, error);
    else
      f.device->submit(f.request);
  }
}

void WriteHold::drain() {
  std::unique_lock g(lock_);
  drained_.wait(g, [&] { return live_.empty(); });
}

}  // namespace udm::targets::snap

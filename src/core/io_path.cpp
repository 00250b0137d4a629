// The asynchronous I/O path of a mapped device: admission against suspend,
// splitting at target and max_io_bytes boundaries, and fan-in of the pieces
// (first error wins). No global lock; one pooled context per request.
#include <algorithm>

#include "core/mapped_device_impl.hpp"

namespace udm::core {
namespace {

struct IoContext;

// One piece of a request as handed to a target. `request` comes first so the
// completion callback can find its piece again.
struct Piece {
  io::Request request;
  IoContext* owner = nullptr;
  Target* target = nullptr;
  // What map() first saw, for resubmit() of a held piece.
  byte_count offset = 0;
  std::byte* data = nullptr;
  std::uint32_t index = 0;
  alignas(16) std::byte per_io[PER_IO_DATA_SIZE];
};

constexpr std::uint32_t INLINE_PIECES = 4;
constexpr std::uint32_t MAX_CACHED_PIECES = 256;  // larger arrays are not kept in the pool

struct IoContext {
  io::Request* original = nullptr;
  MappedDevice::Impl* device = nullptr;
  std::atomic<std::uint32_t> pending{0};
  std::atomic<int> error{0};
  bool counted = false;  // by dm-stats: `stats` holds its start
  StatsIo stats;
  IoContext* next_free = nullptr;
  std::unique_ptr<Piece[]> heap;  // for requests of more than INLINE_PIECES pieces
  std::uint32_t heap_capacity = 0;
  Piece inline_pieces[INLINE_PIECES];

  Piece* pieces(std::uint32_t count) {
    if (count <= INLINE_PIECES) return inline_pieces;
    if (heap_capacity < count) {
      heap.reset(new Piece[count]);
      heap_capacity = count;
    }
    return heap.get();
  }
};

// A per-thread free list: submitters take contexts from theirs, completers
// return them to theirs. Bounded so a completion-only thread does not hoard.
struct ContextPool {
  IoContext* head = nullptr;
  std::size_t count = 0;
  static constexpr std::size_t MAX = 1024;

  ~ContextPool() {
    while (head) delete std::exchange(head, head->next_free);
  }
  IoContext* take() {
    if (!head) return new IoContext;
    --count;
    return std::exchange(head, head->next_free);
  }
  void give(IoContext* c) {
    if (c->heap_capacity > MAX_CACHED_PIECES) {
      c->heap.reset();
      c->heap_capacity = 0;
    }
    if (count >= MAX) {
      delete c;
      return;
    }
    c->next_free = std::exchange(head, c);
    ++count;
  }
};

thread_local ContextPool pool;

void finish(IoContext* c) {
  io::Request* original = c->original;
  MappedDevice::Impl* device = c->device;
  int error = c->error.load(std::memory_order_relaxed);
  if (c->counted) device->stats.end(c->stats);
  pool.give(c);
  // Leave first: the completion may drop the last reference to the device.
  device->leave();
  original->complete(error);
}

void piece_done(io::Request* request, int result) {
  auto* piece = static_cast<Piece*>(request->context);
  piece->target->end_io(*request, result);
  IoContext* c = piece->owner;
  if (result != 0) {
    int none = 0;
    c->error.compare_exchange_strong(none, result, std::memory_order_relaxed);
  }
  if (c->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(c);
}

void prepare(Piece& p, IoContext* c, const io::Request& original, Target* target) {
  p.request.op = original.op;
  p.request.fua = original.fua;
  p.request.index = 0;
  p.request.done = piece_done;
  p.request.context = &p;
  p.owner = c;
  p.target = target;
}

// Hands a prepared piece to its target. Nothing of `p` (nor of the device:
// the completion may drop its last reference) may be touched once map()
// returns, so a held piece is not counted here: it stays in flight, and a
// suspend waits for it until the target's presuspend resubmits it.
void map_piece(Piece& p) {
  p.offset = p.request.offset;
  p.data = p.request.data;
  p.index = p.request.index;
  (void)p.target->map(&p.request);
}

Piece* piece_of(io::Request* request) {
  // Only pieces the core made complete through piece_done.
  if (request->done != piece_done) return nullptr;
  return static_cast<Piece*>(request->context);
}

// Bytes of the piece starting at device byte `pos` inside entry `e`.
byte_count piece_length(const Table::Entry& e, byte_count pos, byte_count remaining) {
  const byte_count target_begin = sectors_to_bytes(e.begin);
  const byte_count rel = pos - target_begin;
  byte_count n = std::min(remaining, sectors_to_bytes(e.length) - rel);
  return std::min(n, e.target->max_io_bytes(rel));
}

}  // namespace

void MappedDevice::Impl::leave() {
  if (in_flight.fetch_sub(1) == 1 && blocking.load()) {
    std::lock_guard g(drain_lock);
    drained.notify_all();
  }
}

void MappedDevice::Impl::submit(io::Request* r) {
  for (;;) {
    // Check after incrementing: a suspend that set `blocking` first will see
    // our count and wait for us; one that sets it later, we see here.
    in_flight.fetch_add(1);
    if (!blocking.load()) break;
    leave();
    std::unique_lock g(hold_lock);
    if (blocking.load()) {
      if (failing) {  // shutting down: nothing may wait for a resume
        g.unlock();
        r->complete(-EIO);
        return;
      }
      held.push_back(r);
      return;
    }
  }
  dispatch(r);
}

void MappedDevice::Impl::dispatch(io::Request* r) {
  Table* t = live_raw.load(std::memory_order_acquire);
  auto complete_now = [&](int result) {
    r->complete(result);
    leave();
  };

  if (r->op == io::Op::flush) {
    if (!t) return complete_now(0);
    std::uint32_t copies = 0;
    for (const auto& e : t->entries()) copies += e.target->flush_copies();
    if (copies == 0) return complete_now(0);
    IoContext* c = pool.take();
    c->original = r;
    c->device = this;
    c->counted = false;  // dm-stats counts no empty flush
    c->error.store(0, std::memory_order_relaxed);
    c->pending.store(copies, std::memory_order_relaxed);
    Piece* pieces = c->pieces(copies);
    std::uint32_t k = 0;
    for (const auto& e : t->entries()) {
      const unsigned n = e.target->flush_copies();
      for (unsigned i = 0; i < n; ++i) {
        Piece& p = pieces[k++];
        prepare(p, c, *r, e.target.get());
        p.request.index = i;
        p.request.offset = 0;
        p.request.length = 0;
        p.request.data = nullptr;
        map_piece(p);  // `c` may be gone after the last of these
      }
    }
    return;
  }

  // Everything is read from `r` before the first piece goes out: once the last
  // piece completes, `r` belongs to its submitter again.
  const io::Request original = *r;
  if (original.offset % SECTOR_SIZE || original.length % SECTOR_SIZE) return complete_now(-EINVAL);
  if (original.op != io::Op::read && t && t->read_only()) return complete_now(-EROFS);
  const byte_count size = t ? sectors_to_bytes(t->size()) : 0;
  // The one range check of a request: exports pass requests on unchecked and
  // turn these results into their protocol's (NBD: EINVAL, EPERM, ENOSPC).
  // Past the end, a read fails as a bio does (EIO), a write as on a block
  // device file (ENOSPC).
  if (original.offset > size || original.length > size - original.offset)
    return complete_now(original.op == io::Op::read ? -EIO : -ENOSPC);
  if (original.length == 0) return complete_now(0);

  std::size_t first = t->find(bytes_to_sectors(original.offset));
  const byte_count first_len = piece_length(t->entry(first), original.offset, original.length);

  // Count pieces (the common case is one and needs no second lookup).
  std::uint32_t count = 1;
  if (first_len < original.length) {
    std::size_t i = first;
    byte_count pos = original.offset + first_len, remaining = original.length - first_len;
    while (remaining > 0) {
      if (pos >= sectors_to_bytes(t->entry(i).begin + t->entry(i).length)) ++i;
      const byte_count n = piece_length(t->entry(i), pos, remaining);
      pos += n;
      remaining -= n;
      ++count;
    }
  }

  IoContext* c = pool.take();
  c->original = r;
  c->device = this;
  c->counted = stats.used();
  if (c->counted)
    stats.begin(c->stats, original.op != io::Op::read, bytes_to_sectors(original.offset),
                bytes_to_sectors(original.length));
  c->error.store(0, std::memory_order_relaxed);
  c->pending.store(count, std::memory_order_relaxed);
  Piece* pieces = c->pieces(count);

  std::size_t i = first;
  byte_count pos = original.offset, remaining = original.length;
  for (std::uint32_t k = 0; k < count; ++k) {
    const Table::Entry* e = &t->entry(i);
    if (pos >= sectors_to_bytes(e->begin + e->length)) e = &t->entry(++i);
    const byte_count n = k == 0 ? first_len : piece_length(*e, pos, remaining);
    Piece& p = pieces[k];
    prepare(p, c, original, e->target.get());
    p.request.offset = pos - sectors_to_bytes(e->begin);
    p.request.length = n;
    p.request.data = original.data ? original.data + (pos - original.offset) : nullptr;
    pos += n;
    remaining -= n;
    map_piece(p);  // `c` and `pieces` may be gone after the last one
  }
}

std::span<std::byte, PER_IO_DATA_SIZE> per_io_data(io::Request* request) {
  return std::span<std::byte, PER_IO_DATA_SIZE>(static_cast<Piece*>(request->context)->per_io, PER_IO_DATA_SIZE);
}

void resubmit(io::Request* request) {
  Piece* p = piece_of(request);
  if (!p) return request->complete(-EIO);  // not a piece: nothing to map again
  p->request.offset = p->offset;
  p->request.data = p->data;
  p->request.index = p->index;
  p->request.done = piece_done;
  p->request.context = p;
  map_piece(*p);
}

void complete_held(io::Request* request, int result) { request->complete(result); }

}  // namespace udm::core

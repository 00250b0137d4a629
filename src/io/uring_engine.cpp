#include "io/uring_engine.hpp"

#include <liburing.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <linux/falloc.h>
#include <mutex>
#include <string>
#include <thread>

#include "io/blocking_worker.hpp"
#include "io/inline_writes.hpp"
#include "io/submit_plug.hpp"
#include "io/write_pool.hpp"

namespace udm::io {

namespace {

constexpr std::uint64_t kWakeTag = 1;       // user_data of the eventfd read
constexpr std::uint32_t kZeroFill = 1;      // scratch.flags: writing zeros from the shared buffer
constexpr std::uint32_t kMaxRetries = 1000;  // -EAGAIN/-EINTR resubmissions before giving up
constexpr byte_count kMaxChunk = byte_count{1} << 30;  // an SQE length is 32 bits
constexpr std::size_t kZeroBytes = std::size_t{1} << 20;

// Aligned for O_DIRECT; written from, never to.
const std::byte* zero_buffer() {
  static const std::byte* buffer = [] {
    void* p = nullptr;
    if (::posix_memalign(&p, 4096, kZeroBytes) != 0) std::abort();
    std::memset(p, 0, kZeroBytes);
    return static_cast<const std::byte*>(p);
  }();
  return buffer;
}

}  // namespace

struct UringRing {
  UringEngine* engine = nullptr;
  io_uring ring{};
  int wake_fd = -1;
  std::uint64_t wake_value = 0;
  unsigned max_inflight = 0;
  std::thread thread;

  // Shared with submitting threads.
  alignas(64) std::atomic<Request*> incoming{nullptr};  // LIFO stack of handed-over requests
  alignas(64) std::atomic<bool> sleeping{false};        // the engine thread may block in the kernel
  std::atomic<bool> stopping{false};

  // Engine thread only.
  alignas(64) Request* pending_head = nullptr;  // FIFO of requests waiting for an SQE
  Request* pending_tail = nullptr;
  unsigned inflight = 0;

  int setup(unsigned entries, unsigned* flags_out);
  void run();
  void push_local(Request* r);
  void push_remote(Request* r) { push_remote_chain(r, r); }
  // `newest` ... `oldest` linked through scratch.next, newest first.
  void push_remote_chain(Request* newest, Request* oldest);
  void wake() const;

 private:
  void take_incoming();
  void fill();
  void reap();
  io_uring_sqe* get_sqe();
  void arm_wake();
  void prepare(io_uring_sqe* sqe, Request* r);
  void handle(Request* r, int res);
};

namespace {
thread_local UringRing* t_ring = nullptr;  // set on engine threads
}

int UringRing::setup(unsigned entries, unsigned* flags_out) {
  // Newest first; each falls back to the next when the kernel refuses it.
  // Only this thread submits and waits, which SINGLE_ISSUER and
  // DEFER_TASKRUN require: completions' task work then runs in our own
  // io_uring_enter instead of interrupting us.
  const unsigned candidates[] = {
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
      IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
      0,
  };
  int error = -EINVAL;
  for (unsigned flags : candidates) {
    io_uring_params params{};
    params.flags = flags | IORING_SETUP_CQSIZE;
    params.cq_entries = entries * 4;
    error = io_uring_queue_init_params(entries, &ring, &params);
    if (error == 0) {
      *flags_out = params.flags;
      max_inflight = params.cq_entries - 1;  // one CQE is kept for the wake read
      break;
    }
  }
  if (error != 0) return error;
  wake_fd = ::eventfd(0, EFD_CLOEXEC);  // blocking, so io_uring polls it
  if (wake_fd < 0) {
    int e = errno;
    io_uring_queue_exit(&ring);
    return -e;
  }
  return 0;
}

void UringRing::wake() const {
  std::uint64_t one = 1;
  while (::write(wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void UringRing::push_local(Request* r) {
  r->scratch.next = nullptr;
  if (pending_tail) {
    pending_tail->scratch.next = r;
  } else {
    pending_head = r;
  }
  pending_tail = r;
}

void UringRing::push_remote_chain(Request* newest, Request* oldest) {
  Request* head = incoming.load(std::memory_order_relaxed);
  do {
    oldest->scratch.next = head;
  } while (!incoming.compare_exchange_weak(head, newest, std::memory_order_seq_cst, std::memory_order_relaxed));
  // Pairs with the engine's store to `sleeping` then load of `incoming`:
  // either it sees our requests or we see it asleep and wake it.
  if (sleeping.load(std::memory_order_seq_cst) && sleeping.exchange(false, std::memory_order_seq_cst)) wake();
}

namespace {

// What a plugged thread holds back, per ring (a thread rarely feeds more
// than one or two rings; beyond kPlugRings it hands over at once).
struct PlugState {
  static constexpr unsigned kPlugRings = 4;
  unsigned depth = 0;
  struct Held {
    UringRing* ring = nullptr;
    Request* newest = nullptr;
    Request* oldest = nullptr;
  } held[kPlugRings];
  // Buffered file writes held for one write pool, oldest first.
  WritePool* pool = nullptr;
  Request* pool_oldest = nullptr;
  Request* pool_newest = nullptr;
  unsigned pool_count = 0;

  bool hold(UringRing* ring, Request* r) {
    for (auto& h : held) {
      if (h.ring == ring || h.ring == nullptr) {
        h.ring = ring;
        r->scratch.next = h.newest;
        h.newest = r;
        if (!h.oldest) h.oldest = r;
        return true;
      }
    }
    return false;
  }
  bool hold(WritePool* target, Request* r) {
    if (pool && pool != target) return false;
    pool = target;
    r->scratch.next = nullptr;
    if (pool_newest) {
      pool_newest->scratch.next = r;
    } else {
      pool_oldest = r;
    }
    pool_newest = r;
    ++pool_count;
    return true;
  }
  void flush() {
    if (pool) {
      pool->submit_chain(pool_oldest, pool_newest, pool_count);
      pool = nullptr;
      pool_oldest = pool_newest = nullptr;
      pool_count = 0;
    }
    for (auto& h : held) {
      if (!h.ring) break;
      h.ring->push_remote_chain(h.newest, h.oldest);
      h = Held{};
    }
  }
};

thread_local PlugState t_plug;
thread_local byte_count t_inline_max = 0;  // InlineWrites on this thread
thread_local bool t_inline_flushes = false;

}  // namespace

InlineWrites::InlineWrites(byte_count max_length, bool flushes)
    : saved_(t_inline_max), saved_flushes_(t_inline_flushes) {
  t_inline_max = max_length;
  t_inline_flushes = flushes;
}

InlineWrites::~InlineWrites() {
  t_inline_max = saved_;
  t_inline_flushes = saved_flushes_;
}

byte_count InlineWrites::current() { return t_inline_max; }

SubmitPlug::SubmitPlug() { ++t_plug.depth; }

SubmitPlug::~SubmitPlug() {
  if (--t_plug.depth == 0) t_plug.flush();
}

void SubmitPlug::flush() { t_plug.flush(); }

void UringRing::take_incoming() {
  if (incoming.load(std::memory_order_relaxed) == nullptr) return;
  Request* stack = incoming.exchange(nullptr, std::memory_order_acquire);
  // The stack is newest first; reverse it so requests go out in order.
  Request* fifo = nullptr;
  Request* last = stack;
  while (stack) {
    Request* next = stack->scratch.next;
    stack->scratch.next = fifo;
    fifo = stack;
    stack = next;
  }
  if (!fifo) return;
  if (pending_tail) {
    pending_tail->scratch.next = fifo;
  } else {
    pending_head = fifo;
  }
  pending_tail = last;
}

io_uring_sqe* UringRing::get_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) {
    io_uring_submit(&ring);  // the SQ is full: hand it to the kernel, which empties it
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

void UringRing::arm_wake() {
  io_uring_sqe* sqe = get_sqe();
  if (!sqe) return;  // retried on the next loop through run()
  io_uring_prep_read(sqe, wake_fd, &wake_value, sizeof wake_value, 0);
  io_uring_sqe_set_data64(sqe, kWakeTag);
}

void UringRing::fill() {
  while (pending_head && inflight < max_inflight) {
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) break;
    Request* r = pending_head;
    pending_head = r->scratch.next;
    if (!pending_head) pending_tail = nullptr;
    prepare(sqe, r);
    ++inflight;
  }
}

void UringRing::prepare(io_uring_sqe* sqe, Request* r) {
  const auto& file = *static_cast<const FileHandle*>(r->scratch.owner);
  const byte_count done = r->scratch.done;
  const byte_count remaining = r->length - done;
  const auto at = static_cast<off_t>(r->offset + done);
  if (!(r->scratch.flags & kZeroFill)) {
    switch (r->op) {
      case Op::read:
        io_uring_prep_read(sqe, file.fd, r->data + done, static_cast<unsigned>(std::min(remaining, kMaxChunk)), at);
        break;
      case Op::write:
        io_uring_prep_write(sqe, file.fd, r->data + done, static_cast<unsigned>(std::min(remaining, kMaxChunk)), at);
        if (r->fua) sqe->rw_flags = RWF_DSYNC;
        break;
      case Op::flush:
        io_uring_prep_fsync(sqe, file.fd, IORING_FSYNC_DATASYNC);
        break;
      case Op::discard:
        if (file.punch_hole_unsupported.load(std::memory_order_relaxed)) {
          r->scratch.flags |= kZeroFill;
          break;
        }
        io_uring_prep_fallocate(sqe, file.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, at,
                                static_cast<off_t>(remaining));
        break;
      case Op::write_zeroes:
        if (file.zero_range_unsupported.load(std::memory_order_relaxed)) {
          r->scratch.flags |= kZeroFill;
          break;
        }
        io_uring_prep_fallocate(sqe, file.fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, at,
                                static_cast<off_t>(remaining));
        break;
    }
  }
  if (r->scratch.flags & kZeroFill) {
    io_uring_prep_write(sqe, file.fd, zero_buffer(), static_cast<unsigned>(std::min<byte_count>(remaining, kZeroBytes)),
                        at);
    if (r->fua) sqe->rw_flags = RWF_DSYNC;
  }
  io_uring_sqe_set_data(sqe, r);
}

void UringRing::handle(Request* r, int res) {
  if ((res == -EAGAIN || res == -EINTR) && ++r->scratch.retries <= kMaxRetries) {
    push_local(r);
    return;
  }
  const bool transfer = (r->scratch.flags & kZeroFill) || r->op == Op::read || r->op == Op::write;
  if (transfer) {
    if (res < 0) return r->complete(res);
    if (res == 0) return r->complete(-EIO);  // end of file inside the device: it shrank
    r->scratch.done += static_cast<byte_count>(res);
    if (r->scratch.done < r->length) {
      push_local(r);  // short transfer: the rest goes out again
      return;
    }
    return r->complete(0);
  }
  if (res == -EOPNOTSUPP && (r->op == Op::discard || r->op == Op::write_zeroes)) {
    // This filesystem cannot punch or zero ranges: write zeros instead (and
    // remember, so later requests skip the attempt).
    const auto& file = *static_cast<const FileHandle*>(r->scratch.owner);
    (r->op == Op::discard ? file.punch_hole_unsupported : file.zero_range_unsupported)
        .store(true, std::memory_order_relaxed);
    r->scratch.flags |= kZeroFill;
    r->scratch.done = 0;
    push_local(r);
    return;
  }
  r->complete(res < 0 ? res : 0);
}

void UringRing::reap() {
  constexpr unsigned kBatch = 64;
  io_uring_cqe* cqes[kBatch];
  struct Completion {
    std::uint64_t data;
    int res;
  } batch[kBatch];
  for (;;) {
    unsigned n = io_uring_peek_batch_cqe(&ring, cqes, kBatch);
    if (n == 0) return;
    for (unsigned i = 0; i < n; ++i) batch[i] = {cqes[i]->user_data, cqes[i]->res};
    io_uring_cq_advance(&ring, n);  // free the CQ before callbacks submit more
    for (unsigned i = 0; i < n; ++i) {
      if (batch[i].data == kWakeTag) {
        if (!stopping.load(std::memory_order_relaxed)) arm_wake();
        continue;
      }
      --inflight;
      handle(reinterpret_cast<Request*>(batch[i].data), batch[i].res);
    }
  }
}

void UringRing::run() {
  t_ring = this;
  arm_wake();
  for (;;) {
    take_incoming();
    fill();
    if (stopping.load(std::memory_order_acquire) && inflight == 0 && !pending_head &&
        incoming.load(std::memory_order_acquire) == nullptr)
      break;
    if (io_uring_cq_ready(&ring) == 0) {
      sleeping.store(true, std::memory_order_seq_cst);
      if (incoming.load(std::memory_order_seq_cst) != nullptr) {
        sleeping.store(false, std::memory_order_relaxed);
        if (io_uring_sq_ready(&ring)) io_uring_submit(&ring);
        continue;
      }
      io_uring_submit_and_wait(&ring, 1);  // errors (EINTR, EBUSY) just loop
      sleeping.store(false, std::memory_order_relaxed);
    } else if (io_uring_sq_ready(&ring)) {
      io_uring_submit(&ring);
    }
    reap();
  }
  t_ring = nullptr;
}

Result<std::shared_ptr<UringEngine>> UringEngine::create(const Options& options) {
  std::shared_ptr<UringEngine> engine(new UringEngine());
  const unsigned count = std::max(1u, options.rings);
  for (unsigned i = 0; i < count; ++i) {
    auto ring = std::make_unique<UringRing>();
    ring->engine = engine.get();
    std::promise<int> started;
    auto result = started.get_future();
    UringRing* raw = ring.get();
    unsigned flags = 0;
    // The ring is created on its own thread: with SINGLE_ISSUER the creator
    // is the only task allowed to submit.
    ring->thread = std::thread([raw, &started, &flags, entries = options.entries, i] {
      ::pthread_setname_np(::pthread_self(), ("udm-io-" + std::to_string(i)).c_str());
      int error = raw->setup(entries, &flags);
      started.set_value(error);
      if (error == 0) raw->run();
    });
    int error = result.get();
    if (error != 0) {
      ring->thread.join();
      return fail(-error, std::string("io_uring setup: ") + std::strerror(-error));
    }
    engine->setup_flags_ = flags;
    engine->rings_.push_back(std::move(ring));
  }
  engine->blocking_ = std::make_unique<BlockingWorker>();
  if (options.write_threads > 0) {
    auto spin = std::chrono::microseconds(0);  // polling measured slower on 2 cores
    if (const char* us = std::getenv("UDM_IO_WRITE_SPIN_US")) spin = std::chrono::microseconds(std::atoi(us));
    engine->writes_ = std::make_unique<WritePool>(options.write_threads, spin);
  }
  return engine;
}

Result<std::shared_ptr<UringEngine>> UringEngine::shared() {
  static std::mutex lock;
  // Never destroyed: engine threads may still run completions while other
  // statics are torn down at exit.
  static auto* engine = new std::shared_ptr<UringEngine>();
  std::lock_guard g(lock);
  if (!*engine) {
    Options options;
    if (const char* rings = std::getenv("UDM_IO_RINGS")) options.rings = std::clamp(std::atoi(rings), 1, 64);
    if (const char* writers = std::getenv("UDM_IO_WRITE_THREADS"))
      options.write_threads = std::clamp(std::atoi(writers), 0, 64);
    auto made = create(options);
    if (!made) return fail(made.error());
    *engine = std::move(*made);
  }
  return *engine;
}

UringEngine::~UringEngine() {
  writes_.reset();  // drains its queue; its completions may still submit to the rings
  for (auto& ring : rings_) {
    ring->stopping.store(true, std::memory_order_release);
    ring->wake();
  }
  for (auto& ring : rings_) {
    ring->thread.join();
    io_uring_queue_exit(&ring->ring);
    ::close(ring->wake_fd);
  }
  blocking_.reset();
}

unsigned UringEngine::write_threads() const { return writes_ ? writes_->threads() : 0; }

void UringEngine::submit(const FileHandle& file, Request* request) {
  request->scratch = Request::DeviceScratch{nullptr, &file, 0, 0, 0};
  if (request->op == Op::flush && t_inline_flushes) return request->complete(::fdatasync(file.fd) == 0 ? 0 : -errno);
  if (request->op == Op::read && file.buffered_file && request->length <= t_inline_max) {
    // Under InlineWrites, a read the page cache can serve at once is copied
    // here: RWF_NOWAIT never waits for the disk (EAGAIN instead), so this
    // does not block; whatever is left goes to the ring.
    iovec iov{request->data, static_cast<std::size_t>(request->length)};
    ssize_t n = ::preadv2(file.fd, &iov, 1, static_cast<off_t>(request->offset), RWF_NOWAIT);
    // A file that cannot say whether it would wait (tmpfs) is read here
    // anyway by a thread that may block.
    if (n < 0 && errno == EOPNOTSUPP && t_inline_flushes)
      n = ::preadv2(file.fd, &iov, 1, static_cast<off_t>(request->offset), 0);
    if (n == static_cast<ssize_t>(request->length)) return request->complete(0);
    if (n > 0) request->scratch.done = static_cast<byte_count>(n);
  }
  if (request->op == Op::write && file.buffered_file && writes_) {
    if (request->length <= t_inline_max) return request->complete(WritePool::write_now(file, *request));
    if (t_plug.depth > 0 && t_plug.hold(writes_.get(), request)) return;
    return writes_->submit(file, request);
  }
  if (UringRing* ring = t_ring; ring && ring->engine == this) {
    ring->push_local(request);  // from a completion callback: no handover needed
    return;
  }
  thread_local unsigned t_slot = next_ring_.fetch_add(1, std::memory_order_relaxed);
  UringRing* ring = rings_[t_slot % rings_.size()].get();
  if (t_plug.depth > 0 && t_plug.hold(ring, request)) return;
  ring->push_remote(request);
}

void UringEngine::submit_blocking(const FileHandle& file, Request* request) {
  blocking_->submit(file, request);
}

}  // namespace udm::io

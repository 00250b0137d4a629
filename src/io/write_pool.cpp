#include "io/write_pool.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "io/file_mapping.hpp"
#include "io/uring_engine.hpp"

namespace udm::io {

WritePool::WritePool(unsigned threads, std::chrono::nanoseconds spin) : spin_(spin) {
  std::lock_guard g(group_.lock);
  for (unsigned i = 0; i < threads; ++i) group_.start([this] { run(); });
}

WritePool::~WritePool() { group_.stop(); }  // the threads run what is queued first

void WritePool::submit(const FileHandle& file, Request* request) {
  request->scratch.owner = &file;
  request->scratch.next = nullptr;
  submit_chain(request, request, 1);
}

void WritePool::submit_chain(Request* oldest, Request* newest, unsigned count) {
  newest->scratch.next = nullptr;
  unsigned wake = 0;
  {
    std::lock_guard g(group_.lock);
    if (tail_) {
      tail_->scratch.next = oldest;
    } else {
      head_ = oldest;
    }
    tail_ = newest;
    queued_.store(true, std::memory_order_release);
    // Wake only sleepers not already on their way, one per request at most
    // (the polling thread takes one itself): busy threads take the next
    // request themselves, and every wake-up costs a futex call.
    if (spinning_) --count;
    wake = std::min(count, idle_ - waking_);
    waking_ += wake;
  }
  for (unsigned i = 0; i < wake; ++i) group_.wake.notify_one();
}

void WritePool::run() {
  std::unique_lock g(group_.lock);
  for (;;) {
    if (!head_ && !group_.stopping && !spinning_ && spin_.count() > 0) {
      // Poll a little before sleeping: at queue depth the next request
      // usually arrives within microseconds. One poller at a time, so idle
      // threads do not eat the CPU the submitters need.
      spinning_ = true;
      g.unlock();
      const auto deadline = std::chrono::steady_clock::now() + spin_;
      for (unsigned i = 1; !queued_.load(std::memory_order_acquire); ++i) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (i % 64 == 0 && std::chrono::steady_clock::now() >= deadline) break;
      }
      g.lock();
      spinning_ = false;
    }
    while (!head_ && !group_.stopping) {
      ++idle_;
      group_.wake.wait(g);
      --idle_;
      if (waking_ > 0) --waking_;
    }
    if (!head_) return;  // stopping and drained
    Request* r = head_;
    head_ = r->scratch.next;
    if (!head_) {
      tail_ = nullptr;
      queued_.store(false, std::memory_order_relaxed);
    }
    g.unlock();
    const auto& file = *static_cast<const FileHandle*>(r->scratch.owner);
    r->complete(write_now(file, *r));
    g.lock();
  }
}

int WritePool::write_now(const FileHandle& file, const Request& r) {
  if (!r.fua) {
    const FileMapping* mapping = file.mapping.load(std::memory_order_acquire);
    if (mapping && mapping->copy_in(r.offset, r.data, r.length)) return 0;
  }
  const int fd = file.fd;
  // A single write is at most 2 GiB minus a page; longer requests loop.
  constexpr byte_count kMaxChunk = byte_count{1} << 30;
  byte_count done = 0;
  while (done < r.length) {
    iovec iov{r.data + done, static_cast<std::size_t>(std::min(r.length - done, kMaxChunk))};
    const auto at = static_cast<off_t>(r.offset + done);
    ssize_t n = ::pwritev2(fd, &iov, 1, at, r.fua ? RWF_DSYNC : 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -errno;
    }
    if (n == 0) return -EIO;  // cannot make progress
    done += static_cast<byte_count>(n);
  }
  return 0;
}

}  // namespace udm::io

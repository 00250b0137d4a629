#include "raid/leg_writer.hpp"

#include <pthread.h>

#include "io/inline_writes.hpp"

namespace udm::raid {

namespace {
constexpr byte_count INLINE_MAX = byte_count{1} << 30;  // every write the set passes on
}

LegWriter::LegWriter(io::BlockDevice& dev, unsigned leg) : dev_(dev) {
  thread_ = std::thread([this, leg] {
    ::pthread_setname_np(::pthread_self(), ("udm-raid-leg" + std::to_string(leg)).substr(0, 15).c_str());
    run();
  });
}

LegWriter::~LegWriter() {
  {
    std::lock_guard g(lock_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LegWriter::submit(io::Request* r) {
  r->scratch.next = nullptr;
  std::lock_guard g(lock_);
  if (tail_) tail_->scratch.next = r;
  else head_ = r;
  tail_ = r;
  // A busy thread takes it with its next batch: no wake-up per write. The
  // wake-up goes out under the lock: once `r` is taken it may complete the
  // set's last write, and the set (and this writer) may be gone.
  if (sleeping_) {
    sleeping_ = false;
    wake_.notify_one();
  }
}

void LegWriter::run() {
  io::InlineWrites here(INLINE_MAX);
  std::unique_lock g(lock_);
  for (;;) {
    while (!head_ && !stopping_) {
      sleeping_ = true;
      wake_.wait(g);
    }
    sleeping_ = false;
    if (!head_) return;  // stopping, and nothing left
    io::Request* batch = head_;
    head_ = tail_ = nullptr;
    g.unlock();
    while (batch) {
      io::Request* next = batch->scratch.next;  // the device owns scratch from submit on
      dev_.submit(batch);
      batch = next;
    }
    g.lock();
  }
}

}  // namespace udm::raid

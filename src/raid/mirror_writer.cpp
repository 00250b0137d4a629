#include "raid/mirror_writer.hpp"

#include <pthread.h>

#include "io/inline_writes.hpp"

namespace udm::raid {

namespace {
constexpr byte_count INLINE_MAX = byte_count{1} << 30;  // every write the set passes on
}

MirrorWriter::MirrorWriter(std::vector<io::BlockDevice*> legs) : legs_(std::move(legs)) {
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "udm-raid-wr");
    run();
  });
}

MirrorWriter::~MirrorWriter() {
  {
    std::lock_guard g(lock_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void MirrorWriter::submit(std::span<io::Request> rs) {
  if (rs.empty()) return;
  for (std::size_t k = 0; k + 1 < rs.size(); ++k) rs[k].scratch.next = &rs[k + 1];
  rs.back().scratch.next = nullptr;
  std::lock_guard g(lock_);
  if (tail_) tail_->scratch.next = &rs.front();
  else head_ = &rs.front();
  tail_ = &rs.back();
  // A busy thread takes them with its next batch: no wake-up per write. The
  // wake-up goes out under the lock: once they are taken they may complete
  // the set's last write, and the set (and this writer) may be gone.
  if (sleeping_) {
    sleeping_ = false;
    wake_.notify_one();
  }
}

void MirrorWriter::run() {
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
      legs_[batch->index]->submit(batch);
      batch = next;
    }
    g.lock();
  }
}

}  // namespace udm::raid

#include "io/blocking_worker.hpp"

#include <cerrno>
#include <cstdint>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "io/uring_engine.hpp"

namespace udm::io {

BlockingWorker::BlockingWorker() : thread_([this] { run(); }) {}

BlockingWorker::~BlockingWorker() {
  {
    std::lock_guard g(lock_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void BlockingWorker::submit(const FileHandle& file, Request* request) {
  request->scratch.owner = &file;
  request->scratch.next = nullptr;
  {
    std::lock_guard g(lock_);
    if (tail_) {
      tail_->scratch.next = request;
    } else {
      head_ = request;
    }
    tail_ = request;
  }
  wake_.notify_one();
}

void BlockingWorker::run() {
  std::unique_lock g(lock_);
  for (;;) {
    wake_.wait(g, [this] { return head_ != nullptr || stopping_; });
    if (!head_) return;  // stopping and drained
    Request* r = head_;
    head_ = r->scratch.next;
    if (!head_) tail_ = nullptr;
    g.unlock();
    const auto& file = *static_cast<const FileHandle*>(r->scratch.owner);
    r->complete(execute(file, *r));
    g.lock();
  }
}

int BlockingWorker::execute(const FileHandle& file, const Request& r) {
  std::uint64_t range[2] = {r.offset, r.length};
  unsigned long command = 0;
  switch (r.op) {
    case Op::discard: command = BLKDISCARD; break;
    case Op::write_zeroes: command = BLKZEROOUT; break;
    default: return -EINVAL;
  }
  for (;;) {
    if (::ioctl(file.fd, command, range) == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

}  // namespace udm::io

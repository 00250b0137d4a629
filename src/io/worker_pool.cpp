#include "io/worker_pool.hpp"

#include <pthread.h>

#include <algorithm>
#include <memory>

namespace udm::io {

namespace {
thread_local const WorkerPool* current_pool = nullptr;
}  // namespace

WorkerPool::WorkerPool(unsigned threads, std::string name) {
  threads = std::max(threads, 1u);
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i, name] {
      // Thread names are at most 15 characters.
      ::pthread_setname_np(::pthread_self(), (name + "-" + std::to_string(i)).substr(0, 15).c_str());
      current_pool = this;
      run();
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard g(lock_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::submit(Work* work) {
  work->next = nullptr;
  {
    std::lock_guard g(lock_);
    if (tail_) {
      tail_->next = work;
    } else {
      head_ = work;
    }
    tail_ = work;
  }
  wake_.notify_one();
}

void WorkerPool::post(std::function<void()> fn) {
  struct FnWork : Work {
    std::function<void()> fn;
  };
  auto* w = new FnWork;
  w->fn = std::move(fn);
  w->run = [](Work* self) {
    std::unique_ptr<FnWork> owned(static_cast<FnWork*>(self));
    owned->fn();
  };
  submit(w);
}

bool WorkerPool::on_pool_thread() const { return current_pool == this; }

void WorkerPool::run() {
  std::unique_lock g(lock_);
  for (;;) {
    wake_.wait(g, [this] { return head_ != nullptr || stopping_; });
    if (!head_) return;  // stopping and drained
    Work* w = head_;
    head_ = w->next;
    if (!head_) tail_ = nullptr;
    g.unlock();
    w->run(w);
    g.lock();
  }
}

}  // namespace udm::io

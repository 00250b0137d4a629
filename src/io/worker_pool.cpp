#include "io/worker_pool.hpp"

#include <algorithm>
#include <memory>

namespace udm::io {

namespace {
thread_local const WorkerPool* current_pool = nullptr;

void drop_chain(WorkerPool::Work* w) {
  while (w) {
    WorkerPool::Work* next = w->next;
    if (w->drop) w->drop(w);
    w = next;
  }
}
}  // namespace

namespace {
WorkerPool::Options fixed(unsigned threads, std::string name) {
  WorkerPool::Options o;
  o.name = std::move(name);
  o.min_threads = o.max_threads = threads;
  return o;
}
}  // namespace

WorkerPool::WorkerPool(unsigned threads, std::string name) : WorkerPool(fixed(threads, std::move(name))) {}

WorkerPool::WorkerPool(Options options) : options_(std::move(options)), group_(options_.name) {
  options_.min_threads = std::max(options_.min_threads, 1u);
  options_.max_threads = std::max(options_.max_threads, options_.min_threads);
  std::lock_guard g(group_.lock);
  for (unsigned i = 0; i < options_.min_threads; ++i) group_.start([this] { run(); });
}

void WorkerPool::submit(Work* work) {
  work->next = nullptr;
  if (options_.idle_exit.count() > 0) group_.reap();
  {
    std::lock_guard g(group_.lock);
    if (!group_.stopping) {
      if (tail_) {
        tail_->next = work;
      } else {
        head_ = work;
      }
      tail_ = work;
      ++queued_;
      if (queued_ > idle_) {
        if (group_.size() < options_.max_threads) {
          group_.start([this] { run(); });
        } else if (options_.on_saturated) {
          auto now = std::chrono::steady_clock::now();
          if (now - last_saturated_ > std::chrono::seconds(10)) {
            last_saturated_ = now;
            options_.on_saturated(group_.size(), queued_ - idle_);
          }
        }
      }
      work = nullptr;
    }
  }
  if (work) return drop_chain(work);  // stopped: nobody will run it
  group_.wake.notify_one();
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
    owned->fn = nullptr;  // whatever it holds goes before the thread counts as idle
  };
  w->drop = [](Work* self) { delete static_cast<FnWork*>(self); };
  submit(w);
}

WorkerPool::Work* WorkerPool::take_all() {
  Work* all = head_;
  head_ = tail_ = nullptr;
  queued_ = 0;
  return all;
}

void WorkerPool::stop() {
  Work* dropped = nullptr;
  group_.stop([&] {
    if (!options_.drain_on_stop) dropped = take_all();
  });
  drop_chain(dropped);
}

unsigned WorkerPool::threads() const {
  std::lock_guard g(group_.lock);
  return group_.size();
}

bool WorkerPool::on_pool_thread() const { return current_pool == this; }

void WorkerPool::run() {
  current_pool = this;
  const bool may_exit = options_.idle_exit.count() > 0;
  std::unique_lock g(group_.lock);
  for (;;) {
    if (!head_) {
      if (group_.stopping) return;  // drained (or dropped)
      ++idle_;
      bool woken = true;
      auto ready = [this] { return head_ != nullptr || group_.stopping; };
      if (may_exit)
        woken = group_.wake.wait_for(g, options_.idle_exit, ready);
      else
        group_.wake.wait(g, ready);
      --idle_;
      if (!woken && group_.size() > options_.min_threads) {
        group_.leave();  // joined by the next submit() or stop()
        return;
      }
      continue;
    }
    Work* w = head_;
    head_ = w->next;
    if (!head_) tail_ = nullptr;
    --queued_;
    g.unlock();
    w->run(w);
    g.lock();
  }
}

}  // namespace udm::io

#include "daemon/worker_pool.hpp"

namespace udm::daemon {

void WorkerPool::submit(std::function<void()> job) {
  join_exited();
  std::lock_guard l(lock_);
  if (stopping_) return;
  queue_.push_back(std::move(job));
  if (idle_ >= queue_.size()) {
    work_.notify_one();
    return;
  }
  if (threads_.size() < max_) {
    // The new thread takes lock_ before it looks at `self`, so the
    // assignment below is complete by then.
    auto it = threads_.emplace(threads_.end());
    *it = std::thread([this, it] { run(it); });
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_full_log_ > std::chrono::seconds(10)) {
    last_full_log_ = now;
    log_.info("control: all {} command threads are busy; {} command(s) wait for one", max_, queue_.size());
  }
}

void WorkerPool::run(std::list<std::thread>::iterator self) {
  std::unique_lock l(lock_);
  for (;;) {
    if (stopping_) return;
    if (queue_.empty()) {
      ++idle_;
      bool woken = work_.wait_for(l, IDLE_EXIT, [&] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (!woken && threads_.size() > 1) {
        exited_.push_back(std::move(*self));  // joined by the next submit() or stop()
        threads_.erase(self);
        return;
      }
      continue;
    }
    auto job = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    job();
    job = nullptr;  // whatever it holds goes before we count as idle
    l.lock();
  }
}

void WorkerPool::join_exited() {
  std::vector<std::thread> done;
  {
    std::lock_guard l(lock_);
    done.swap(exited_);
  }
  for (auto& t : done) t.join();
}

void WorkerPool::stop() {
  std::list<std::thread> threads;
  {
    std::lock_guard l(lock_);
    stopping_ = true;
    queue_.clear();
    threads.swap(threads_);
  }
  work_.notify_all();
  for (auto& t : threads)
    if (t.joinable()) t.join();
  join_exited();
}

std::size_t WorkerPool::threads() const {
  std::lock_guard l(lock_);
  return threads_.size();
}

}  // namespace udm::daemon

#include "io/thread_group.hpp"

#include <pthread.h>

#include <algorithm>

namespace udm::io {

void ThreadGroup::start(std::function<void()> body) {
  std::string name = (name_ + "-" + std::to_string(started_++)).substr(0, 15);
  threads_.emplace_back([name = std::move(name), body = std::move(body)] {
    ::pthread_setname_np(::pthread_self(), name.c_str());
    body();
  });
}

void ThreadGroup::leave() {
  auto self = std::find_if(threads_.begin(), threads_.end(),
                           [](const std::thread& t) { return t.get_id() == std::this_thread::get_id(); });
  if (self == threads_.end()) return;
  left_.push_back(std::move(*self));
  threads_.erase(self);
}

void ThreadGroup::reap() {
  std::vector<std::thread> done;
  {
    std::lock_guard g(lock);
    done.swap(left_);
  }
  for (auto& t : done) t.join();
}

void ThreadGroup::stop(const std::function<void()>& at_stop) {
  std::vector<std::thread> threads;
  {
    std::lock_guard g(lock);
    if (at_stop) at_stop();
    stopping = true;
    threads.swap(threads_);
  }
  wake.notify_all();
  for (auto& t : threads) t.join();
  reap();
}

}  // namespace udm::io

#include "exports/nbd/queue_budget.hpp"

namespace udm::exports::nbd {

bool QueueBudget::acquire(std::uint64_t bytes) {
  std::unique_lock lock(lock_);
  freed_.wait(lock, [&] { return shut_down_ || fits(bytes); });
  if (shut_down_) return false;
  queued_ += bytes;
  return true;
}

bool QueueBudget::try_acquire(std::uint64_t bytes) {
  std::lock_guard lock(lock_);
  if (shut_down_ || !fits(bytes)) return false;
  queued_ += bytes;
  return true;
}

void QueueBudget::release(std::uint64_t bytes) {
  {
    std::lock_guard lock(lock_);
    queued_ -= bytes;
  }
  freed_.notify_all();
}

void QueueBudget::shutdown() {
  {
    std::lock_guard lock(lock_);
    shut_down_ = true;
  }
  freed_.notify_all();
}

std::uint64_t QueueBudget::queued() const {
  std::lock_guard lock(lock_);
  return queued_;
}

}  // namespace udm::exports::nbd

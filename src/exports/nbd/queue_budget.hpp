// A bound on NBD request bytes held in memory (read buffers until their reply
// is sent, write payloads until written), shared by the connections of a
// server. A connection's reader takes bytes before it reads a payload or
// allocates a read buffer, waiting while over the bound: the client then
// sees back-pressure on its socket. Requests are never dropped.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace udm::exports::nbd {

class QueueBudget {
 public:
  explicit QueueBudget(std::uint64_t limit) : limit_(limit) {}

  // Waits until `bytes` more fit under the limit (a request larger than the
  // whole limit fits when nothing else is queued). False once shut down.
  bool acquire(std::uint64_t bytes);
  bool try_acquire(std::uint64_t bytes);  // acquire() without waiting
  void release(std::uint64_t bytes);
  // Wakes and fails every waiter, now and later (the server is stopping).
  void shutdown();

  std::uint64_t queued() const;
  std::uint64_t limit() const { return limit_; }

 private:
  const std::uint64_t limit_;
  mutable std::mutex lock_;
  std::condition_variable freed_;
  bool fits(std::uint64_t bytes) const {
    return queued_ == 0 || (queued_ <= limit_ && limit_ - queued_ >= bytes);
  }
  std::uint64_t queued_ = 0;
  bool shut_down_ = false;
};

}  // namespace udm::exports::nbd

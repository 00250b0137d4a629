#include "core/target_services.hpp"

namespace udm::core {

namespace {
constexpr unsigned WORKER_THREADS = 2;  // blocking work is rare next to I/O; 2 cores here
}  // namespace

io::WorkerPool& TargetServices::workers() {
  std::call_once(workers_once_, [this] { workers_ = std::make_unique<io::WorkerPool>(WORKER_THREADS, "udm-work"); });
  return *workers_;
}

}  // namespace udm::core

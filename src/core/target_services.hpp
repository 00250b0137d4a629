// What the core offers targets that keep state, in one place handed to every
// constructor (TargetArgs::services): a worker pool for work that may block,
// objects shared across table swaps, and exclusive device claims. The
// copier (copier.hpp), synchronous I/O (sync_io.hpp), device limits
// (limits.hpp) and typed handles to other mapped devices (device_handle.hpp)
// are used directly. One instance per target registry (so per daemon).
#pragma once

#include <memory>
#include <mutex>

#include "core/device_claims.hpp"
#include "core/shared_object_registry.hpp"
#include "io/worker_pool.hpp"

namespace udm::core {

class TargetServices {
 public:
  TargetServices() = default;
  TargetServices(const TargetServices&) = delete;
  TargetServices& operator=(const TargetServices&) = delete;

  SharedObjectRegistry& shared() { return shared_; }
  DeviceClaims& claims() { return claims_; }

  // Threads ("udm-work-N") for metadata commits, crypto, hashing: never block
  // an io_uring completion thread, post here instead. Made on first use.
  io::WorkerPool& workers();

 private:
  SharedObjectRegistry shared_;
  DeviceClaims claims_;
  std::once_flag workers_once_;
  std::unique_ptr<io::WorkerPool> workers_;
};

}  // namespace udm::core

// The NBD listener: a Unix socket (and optionally TCP), one thread accepting,
// one thread per connection for the handshake and request decoding. Each
// connection holds its device open (MappedDevice::open/close), so a device
// with a connected client cannot be removed.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"
#include "core/device_registry.hpp"

namespace udm::exports::nbd {

class Server {
 public:
  explicit Server(core::DeviceRegistry& registry);
  ~Server();  // stop()

  // Binds before start(). A stale socket file at `path` is replaced.
  Result<void> listen_unix(const std::string& path);
  // "HOST:PORT", "[V6]:PORT" or "PORT" (127.0.0.1).
  Result<void> listen_tcp(const std::string& address);

  Result<void> start();
  // Closes listeners, disconnects clients, waits for in-flight I/O. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace udm::exports::nbd

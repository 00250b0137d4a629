// The NBD listener: a Unix socket (and optionally TCP), one thread accepting,
// one thread per connection for the handshake and request decoding. Each
// connection holds its device open (MappedDevice::open/close), so a device
// with a connected client cannot be removed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>

#include "base/result.hpp"
#include "core/device_registry.hpp"

namespace udm::exports::nbd {

class TlsCredentials;

struct ServerOptions {
  // With credentials, TCP clients must start TLS (NBD_OPT_STARTTLS) before
  // anything else; Unix-socket clients may.
  std::shared_ptr<const TlsCredentials> tls;
  bool tcp_insecure = false;  // plaintext TCP without credentials (--nbd-insecure)
  std::uint64_t max_queued_bytes = std::uint64_t{64} << 20;         // per connection
  std::uint64_t max_queued_bytes_total = std::uint64_t{256} << 20;  // every connection
};

class Server {
 public:
  explicit Server(core::DeviceRegistry& registry, ServerOptions options = {});
  ~Server();  // stop()

  // Binds before start(). A stale socket file at `path` is replaced; the
  // socket gets `mode` (and group `group` unless -1), whatever the umask.
  Result<void> listen_unix(const std::string& path, mode_t mode = 0600, gid_t group = static_cast<gid_t>(-1));
  // "HOST:PORT", "[V6]:PORT"; "PORT" or ":PORT" mean 127.0.0.1 (every
  // interface only when named: "0.0.0.0:PORT", "[::]:PORT"). Refused without
  // TLS credentials unless `tcp_insecure`.
  Result<void> listen_tcp(const std::string& address);

  Result<void> start();
  // Closes listeners, disconnects clients, waits for in-flight I/O. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace udm::exports::nbd

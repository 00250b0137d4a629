// One libnbd connection to an export: connecting with a deadline (libnbd's
// own nbd_connect_uri can block for minutes on an unreachable host) and what
// the server negotiated. Shared by the daemon's NbdDevice and ulvm's PV access.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "base/result.hpp"
#include "io/nbd_uri.hpp"

struct nbd_handle;

namespace udm::io {

struct NbdHandleCloser {
  void operator()(nbd_handle* h) const;
};
using NbdHandlePtr = std::unique_ptr<nbd_handle, NbdHandleCloser>;

// What the server said in the handshake, with the NBD spec's defaults where it
// said nothing: minimum block 1, preferred 4096, maximum payload 32 MiB.
struct NbdProperties {
  std::uint64_t size = 0;
  bool read_only = false;
  bool can_flush = false;
  bool can_fua = false;
  bool can_trim = false;
  bool can_zero = false;
  std::uint32_t min_block = 1;
  std::uint32_t preferred_block = 4096;
  std::uint32_t max_payload = 32u << 20;
};

// Connects (structured replies, block size negotiation: libnbd's defaults)
// and waits for the handshake until `deadline`. `wake_fd` >= 0 is polled too:
// readable means give up (ECANCELED). Errors name the URI and libnbd's reason.
Result<NbdHandlePtr> nbd_connect(const NbdUri& uri, std::chrono::steady_clock::time_point deadline,
                                 int wake_fd = -1);

NbdProperties nbd_properties(nbd_handle* h);

// libnbd's last error on this thread, and its errno (EIO when it has none).
std::string nbd_last_error();
int nbd_last_errno();

}  // namespace udm::io

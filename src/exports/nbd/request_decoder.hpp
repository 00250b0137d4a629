// Decoding one transmission-phase request header. Pure: no I/O, no state, so
// the fuzz target (tests/fuzz) can drive it with arbitrary bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.hpp"

namespace udm::exports::nbd {

struct NbdRequest {
  std::uint16_t flags = 0;    // CMD_FLAG_*
  std::uint16_t type = 0;     // CMD_*
  std::uint64_t cookie = 0;   // echoed in the reply
  std::uint64_t offset = 0;   // bytes
  std::uint32_t length = 0;   // bytes; for CMD_WRITE the payload that follows
  int error = 0;              // EINVAL: unknown flag bits or offset + length past 2^63
};

// Decodes the 28-byte header at the start of `bytes`. Fails with EINVAL on a
// short buffer or a bad magic (the stream is out of step). Unknown flag bits
// or offset + length past 2^63 (the largest device) set `error`: the request
// is answered with EINVAL and the connection goes on. Command-specific checks
// against the export (size, alignment, read-only) belong to the caller.
Result<NbdRequest> decode_request(std::span<const std::byte> bytes);

// True when the command carries a payload of `length` bytes after the header.
inline bool has_payload(const NbdRequest& r) { return r.type == 1 /* CMD_WRITE */; }

}  // namespace udm::exports::nbd

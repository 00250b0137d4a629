// NBD URIs naming a remote export as a backing device, in the forms libnbd's
// nbd_connect_uri takes (the NBD URI specification):
//   nbd://HOST[:PORT]/EXPORT          nbds://...      (TLS)
//   nbd+unix:///EXPORT?socket=PATH    nbds+unix://...
//   nbd+vsock://CID[:PORT]/EXPORT     nbds+vsock://...
// udm adds one query parameter of its own, stripped before libnbd sees the
// URI: `reconnect-hold=SECS`, how long requests wait for a dropped
// connection to come back before they fail with EIO (udmd's
// --nbd-reconnect-hold otherwise).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace udm::io {

// Cheap test on the scheme only: does this table argument or PV path mean an
// NBD export rather than a file or a device number?
bool is_nbd_uri(std::string_view text);

struct NbdUri {
  std::string given;    // the URI as written, for table output and messages
  std::string libnbd;   // what nbd_connect_uri gets (udm's parameters removed)
  std::string scheme;   // "nbd", "nbds+unix", ...
  bool tls = false;
  bool unix_socket = false;
  std::string host;     // TCP/vsock authority host (empty for unix)
  std::string port;     // as written, empty when absent
  std::string export_name;  // percent-decoded path after the leading '/'
  std::string socket;   // nbd+unix: decoded socket= path
  std::optional<unsigned> reconnect_hold_s;
};

// EINVAL naming the URI and what is wrong with it ("nbd+unix:///x: missing
// socket= parameter"). Bounds every field: a URI is at most 4096 bytes.
Result<NbdUri> parse_nbd_uri(std::string_view text);

}  // namespace udm::io

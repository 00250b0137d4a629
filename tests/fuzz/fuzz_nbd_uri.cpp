// NBD URIs as table lines and ulvm's device list name them: parse_nbd_uri
// on arbitrary text. What parses must parse again from its libnbd form to the
// same fields (udm's own reconnect-hold= aside); a mismatch aborts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "io/nbd_uri.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)udm::io::is_nbd_uri(text);
  auto u = udm::io::parse_nbd_uri(text);
  if (!u) return 0;
  if (!udm::io::is_nbd_uri(text) || u->given != text) std::abort();
  auto again = udm::io::parse_nbd_uri(u->libnbd);
  if (!again || again->libnbd != u->libnbd || again->host != u->host || again->port != u->port ||
      again->export_name != u->export_name || again->socket != u->socket || again->reconnect_hold_s)
    std::abort();
  return 0;
}

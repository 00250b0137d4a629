#include "io/nbd_uri.hpp"

#include <array>
#include <charconv>

namespace udm::io {
namespace {

constexpr std::size_t MAX_URI = 4096;
constexpr unsigned MAX_HOLD_S = 7 * 24 * 3600;

constexpr std::array<std::string_view, 6> SCHEMES{"nbd", "nbds", "nbd+unix", "nbds+unix", "nbd+vsock", "nbds+vsock"};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return false;  // no NUL inside names handed to C APIs
    out.push_back(c);
    i += 2;
  }
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

Error bad(std::string_view uri, const std::string& why) {
  return Error{EINVAL, std::string(uri) + ": " + why};
}

}  // namespace

bool is_nbd_uri(std::string_view text) {
  const auto colon = text.find("://");
  if (colon == std::string_view::npos) return false;
  const auto scheme = text.substr(0, colon);
  for (auto s : SCHEMES)
    if (s == scheme) return true;
  return false;
}

Result<NbdUri> parse_nbd_uri(std::string_view text) {
  if (text.size() > MAX_URI) return fail(EINVAL, "NBD URI longer than " + std::to_string(MAX_URI) + " bytes");
  NbdUri u;
  u.given = std::string(text);
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || !is_nbd_uri(text))
    return fail(bad(text, "not an NBD URI (nbd://, nbds://, nbd+unix://, nbds+unix://, nbd+vsock://)"));
  for (char c : text)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return fail(bad(text, "white space or control character"));
  u.scheme = std::string(text.substr(0, sep));
  u.tls = u.scheme.starts_with("nbds");
  u.unix_socket = u.scheme.ends_with("+unix");
  const bool vsock = u.scheme.ends_with("+vsock");

  std::string_view rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return fail(bad(text, "fragments (#) are not allowed"));
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest, path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash);
  }
  if (authority.find('@') != std::string_view::npos) {
    // user@ names the TLS PSK user; keep it for libnbd, parse the host after it.
    authority = authority.substr(authority.rfind('@') + 1);
  }
  if (u.unix_socket) {
    if (!authority.empty()) return fail(bad(text, "a unix socket URI has no host (nbd+unix:///EXPORT?socket=PATH)"));
  } else {
    std::string_view host = authority, port;
    if (authority.starts_with('[')) {  // [IPv6]:port
      auto close = authority.find(']');
      if (close == std::string_view::npos) return fail(bad(text, "unterminated [IPv6] address"));
      host = authority.substr(0, close + 1);
      std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') return fail(bad(text, "junk after the [IPv6] address"));
        port = after.substr(1);
      }
    } else if (auto c = authority.rfind(':'); c != std::string_view::npos) {
      host = authority.substr(0, c);
      port = authority.substr(c + 1);
    }
    if (host.empty()) return fail(bad(text, "missing host"));
    if (!port.empty()) {
      unsigned n = 0;
      auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
      if (!all_digits(port) || ec != std::errc() || p != port.data() + port.size() || n == 0 || n > 65535)
        return fail(bad(text, "port must be a number from 1 to 65535"));
    }
    if (vsock && !all_digits(host)) return fail(bad(text, "a vsock URI's host is a CID number"));
    u.host = std::string(host);
    u.port = std::string(port);
  }
  if (!path.empty() && !percent_decode(path.substr(1), u.export_name))
    return fail(bad(text, "bad percent-encoding in the export name"));
  if (u.export_name.size() > 4096) return fail(bad(text, "export name longer than 4096 bytes"));

  // Query: keep libnbd's parameters in order, take out ours.
  std::string kept;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    if (key == "reconnect-hold") {
      unsigned n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (!all_digits(value) || ec != std::errc() || p != value.data() + value.size() || n > MAX_HOLD_S)
        return fail(bad(text, "reconnect-hold=SECS must be a number of seconds up to " + std::to_string(MAX_HOLD_S)));
      u.reconnect_hold_s = n;
      continue;
    }
    if (key == "socket") {
      if (!percent_decode(value, u.socket)) return fail(bad(text, "bad percent-encoding in socket="));
    }
    if (!kept.empty()) kept += '&';
    kept += item;
  }
  if (u.unix_socket && u.socket.empty()) return fail(bad(text, "missing socket= parameter"));
  if (!u.unix_socket && !u.socket.empty()) return fail(bad(text, "socket= is only for nbd+unix:// URIs"));

  u.libnbd = std::string(text.substr(0, text.find('?')));
  if (!kept.empty()) u.libnbd += "?" + kept;
  return u;
}

}  // namespace udm::io

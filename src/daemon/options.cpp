#include "daemon/options.hpp"

#include <charconv>
#include <cstdlib>
#include <unistd.h>

namespace udm::daemon {
namespace {

bool parse_u32(std::string_view s, std::uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<VersionClaim> parse_version_claim(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos)
    return fail(EINVAL, "--claim-version " + std::string(text) + ": expected COMMAND=MAJ.MIN.PATCH");
  auto name = text.substr(0, eq);
  auto ver = text.substr(eq + 1);
  const auto* info = abi::find_command_by_name(name);
  if (!info) return fail(EINVAL, "--claim-version: unknown command \"" + std::string(name) + "\"");
  auto d1 = ver.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : ver.find('.', d1 + 1);
  abi::CommandVersion v;
  if (d2 == std::string_view::npos || !parse_u32(ver.substr(0, d1), v.major) ||
      !parse_u32(ver.substr(d1 + 1, d2 - d1 - 1), v.minor) || !parse_u32(ver.substr(d2 + 1), v.patch))
    return fail(EINVAL, "--claim-version " + std::string(text) + ": version must be MAJ.MIN.PATCH");
  return VersionClaim{info->command, v};
}

Result<std::string> resolve_rundir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* e = std::getenv("UDM_RUNDIR"); e && *e) return std::string(e);
  if (::geteuid() == 0) return std::string("/run/udm");
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) return std::string(x) + "/udm";
  return fail(EINVAL, "no run directory: pass --rundir or set UDM_RUNDIR or XDG_RUNTIME_DIR");
}

Result<std::uint64_t> parse_byte_size(std::string_view option, std::string_view text) {
  std::uint64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  unsigned shift = 0;
  std::string_view suffix(p, static_cast<std::size_t>(text.data() + text.size() - p));
  if (suffix == "K" || suffix == "k") shift = 10;
  else if (suffix == "M" || suffix == "m") shift = 20;
  else if (suffix == "G" || suffix == "g") shift = 30;
  else if (suffix == "T" || suffix == "t") shift = 40;
  else if (!suffix.empty()) ec = std::errc::invalid_argument;
  if (ec != std::errc() || p == text.data() || value == 0 || value > (UINT64_MAX >> shift))
    return fail(EINVAL, std::string(option) + " " + std::string(text) +
                            ": expected a positive size in bytes (suffix K, M, G or T allowed)");
  return value << shift;
}

Result<void> check_nbd_security(const DaemonOptions& options) {
  if (!options.tls_creds.empty() && !options.tls_psk.empty())
    return fail(EINVAL, "--tls-creds and --tls-psk cannot be used together");
  if (options.nbd_listen && options.tls_creds.empty() && options.tls_psk.empty() && !options.nbd_insecure)
    return fail(EINVAL, "--nbd-listen " + *options.nbd_listen +
                            ": NBD over TCP needs TLS (--tls-psk FILE or --tls-creds DIR); "
                            "pass --nbd-insecure to serve every device unencrypted and unauthenticated");
  if (options.nbd_max_queued_bytes > options.nbd_max_queued_bytes_total)
    return fail(EINVAL, "--nbd-max-queued-bytes is larger than --nbd-max-queued-bytes-total");
  return {};
}

}  // namespace udm::daemon

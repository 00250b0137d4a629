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

}  // namespace udm::daemon

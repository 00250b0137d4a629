// ulvm vgmap VG [--svg FILE] [--color auto|always|never]: the VG's extent
// map (src/lvm/report/vgmap) as SVG or on the terminal. udm's own command.
#include <sys/ioctl.h>

#include <cstdio>
#include <cstdlib>

#include "lvm/api/cmd.hpp"
#include "lvm/report/vgmap.hpp"

namespace udm::lvm::api::detail {
namespace {

// COLUMNS when set, else the terminal's width, else 80.
int terminal_columns() {
  if (const char* c = std::getenv("COLUMNS"); c && *c) {
    char* end = nullptr;
    long v = std::strtol(c, &end, 10);
    if (*end == '\0' && v > 0 && v < 10000) return static_cast<int>(v);
  }
  winsize ws{};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

Outcome<void> write_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return {};
  }
  // Whole file or nothing: a half-written picture is worse than none.
  const std::string tmp = path + ".tmp";
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  if (f) f.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (f) f.close();
  if (!f) {
    std::filesystem::remove(tmp);
    return failed(fmt::format("Cannot write {}: {}", path, std::strerror(errno ? errno : EIO)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    return failed(fmt::format("Cannot write {}: {}", path, ec.message()));
  }
  return {};
}

}  // namespace

Outcome<void> cmd_vgmap(Cmd& c) {
  const std::string colour_arg = c.cl().get("color").value_or("auto");
  if (colour_arg != "auto" && colour_arg != "always" && colour_arg != "never")
    return failed(fmt::format("Invalid argument for --color: {}\n  Error during parsing of command line.", colour_arg),
                  EXIT_INVALID);
  const auto svg = c.cl().get("svg");
  const auto& args = c.cl().args;
  if (args.empty()) return failed("Please specify a volume group name.", EXIT_INVALID);
  if (svg && args.size() > 1) return failed("Only one volume group can be drawn with --svg.", EXIT_INVALID);
  if (auto r = c.open(false); !r) return r;
  bool missing = false;
  std::string out;
  for (const auto& name : args) {
    const std::string vg_name = locking::vg_of_arg(name);
    auto vg = c.current_vg(vg_name);
    if (!vg) {
      c.warn(fmt::format("Volume group \"{}\" not found", vg_name));
      c.warn(fmt::format("Cannot process volume group {}", vg_name));
      missing = true;
      continue;
    }
    const report::VgMap map = report::vgmap_layout(**vg, c.pv_paths(vg_name));
    if (svg) {
      if (auto r = write_file(*svg, report::vgmap_svg(map)); !r) return r;
      continue;
    }
    const bool colour = colour_arg == "always" || (colour_arg == "auto" && ::isatty(STDOUT_FILENO));
    if (!out.empty()) out += "\n";
    out += report::vgmap_text(map, terminal_columns(), colour);
  }
  c.say_raw(out);
  if (missing) return failed("", EXIT_FAILED);
  return {};
}

}  // namespace udm::lvm::api::detail

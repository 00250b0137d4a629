#include "lvm/api/commands.hpp"

#include "lvm/api/change_commands.hpp"
#include "lvm/api/cmd.hpp"
#include "lvm/api/mirror_activate.hpp"
#include "lvm/api/snapshot_commands.hpp"

namespace udm::lvm::api {
using namespace detail;
namespace {

using Handler = std::function<Outcome<void>(Cmd&)>;

const std::map<std::string_view, Handler>& handlers() {
  static const std::map<std::string_view, Handler> h = {
      {"pvcreate", cmd_pvcreate},
      {"pvremove", cmd_pvremove},
      {"pvresize", cmd_pvresize},
      {"pvmove", cmd_pvmove},
      {"pvs", [](Cmd& c) { return cmd_report(c, report::ReportType::pvs); }},
      {"vgcreate", cmd_vgcreate},
      {"vgextend", cmd_vgextend},
      {"vgreduce", cmd_vgreduce},
      {"vgremove", cmd_vgremove},
      {"vgrename", cmd_vgrename},
      {"vgs", [](Cmd& c) { return cmd_report(c, report::ReportType::vgs); }},
      {"vgchange", cmd_vgchange},
      {"vgck", cmd_vgck},
      {"vgcfgbackup", cmd_vgcfgbackup},
      {"vgcfgrestore", cmd_vgcfgrestore},
      {"lvcreate", cmd_lvcreate},
      {"lvextend", [](Cmd& c) { return cmd_lvresize(c, Resize::extend); }},
      {"lvreduce", [](Cmd& c) { return cmd_lvresize(c, Resize::reduce); }},
      {"lvresize", [](Cmd& c) { return cmd_lvresize(c, Resize::any); }},
      {"lvremove", cmd_lvremove},
      {"lvrename", cmd_lvrename},
      {"lvs", [](Cmd& c) { return cmd_report(c, report::ReportType::lvs); }},
      {"lvchange", cmd_lvchange},
      {"lvconvert", cmd_lvconvert},
      {"pvdisplay", [](Cmd& c) { return cmd_display(c, 'p'); }},
      {"vgdisplay", [](Cmd& c) { return cmd_display(c, 'v'); }},
      {"lvdisplay", [](Cmd& c) { return cmd_display(c, 'l'); }},
      {"lvscan", cmd_lvscan},
      {"vgscan", cmd_vgscan},
      {"pvscan", cmd_pvscan},
      {"segtypes", cmd_segtypes},
      {"formats", cmd_formats},
      {"tags", cmd_tags},
      {"lvmdiskscan", cmd_lvmdiskscan},
      {"version", cmd_version},
      {"pvck", cmd_pvck},
      {"pvchange", cmd_pvchange},
      {"vgsplit", cmd_vgsplit},
      {"vgmerge", cmd_vgmerge},
      {"vgexport", cmd_vgexport},
      {"vgimport", cmd_vgimport},
      {"vgimportclone", cmd_vgimportclone},
      {"vgmknodes", cmd_vgmknodes},
      {"fullreport", cmd_fullreport},
      {"lvmconfig", cmd_lvmconfig},
      {"dumpconfig", cmd_lvmconfig},
      {"config", cmd_lvmconfig},
      {"vgmap", cmd_vgmap},
  };
  return h;
}

}  // namespace

const std::vector<std::string_view>& command_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& [n, h] : handlers()) v.push_back(n);
    return v;
  }();
  return names;
}

int run_command(std::string_view command, const std::vector<std::string>& argv, CommandIo& io) {
  auto h = handlers().find(command);
  if (h == handlers().end()) {
    io.err += fmt::format("  No such command '{}'.  Try 'help'.\n", command);
    return EXIT_INVALID;
  }
  auto cl = parse_command_line(command, argv);
  if (!cl) {
    io.err += "  " + cl.error().message + "\n";
    io.err += fmt::format("  Run `{} --help' for more information.\n", command);
    return EXIT_INVALID;
  }
  if (cl->has("test")) io.err += "  TEST MODE: Metadata will NOT be updated and volumes will not be (de)activated.\n";
  Cmd c(std::move(*cl), io);
  auto r = h->second(c);
  if (!r) {
    if (!r.error().message.empty()) c.warn(r.error().message);
    // lvm2 gives no --help hint after a bad option value, nor where the
    // command printed its own refusal (an empty message).
    if (r.error().code == EXIT_INVALID && !r.error().message.empty() &&
        !r.error().message.ends_with("Error during parsing of command line."))
      c.warn(fmt::format("Run `{} --help' for more information.", command));
    return r.error().code;
  }
  return EXIT_OK;
}

}  // namespace udm::lvm::api

// udmsetup's command table and main flow: parse, check the command and its
// argument count, run it once or once per device argument.
#include <cstdlib>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"

namespace udm::udmsetup {

namespace {

// --------------------------------------------------------------- table

using RepeatFn = bool (*)(Context&, const std::vector<std::string>&, bool);

struct CommandDef {
  const char* name;
  int min_args, max_args;  // -1: unlimited
  bool repeatable;
  RepeatFn fn;                                            // or:
  int (*whole)(Context&, const std::vector<std::string>&);  // commands with their own loop
};


int cmd_help(Context& ctx, const std::vector<std::string>&) {
  usage();
  if (ctx.sw.columns) {
    std::fflush(stdout);
    std::fputs(Report::help_text().c_str(), stderr);
  }
  return 0;
}

const CommandDef COMMANDS[] = {
    {"help", 0, 0, false, nullptr, cmd_help},
    {"create", 0, 2, false, cmd_create, nullptr},
    {"remove", 0, -1, true, cmd_remove, nullptr},
    {"remove_all", 0, 0, false, cmd_remove_all, nullptr},
    {"suspend", 0, -1, true, cmd_suspend, nullptr},
    {"resume", 0, -1, true, cmd_resume, nullptr},
    {"load", 0, 2, false, cmd_load, nullptr},
    {"clear", 0, -1, true, cmd_clear, nullptr},
    {"reload", 0, 2, false, cmd_load, nullptr},
    {"wipe_table", 0, -1, true, cmd_wipe_table, nullptr},
    {"rename", 1, 2, false, cmd_rename, nullptr},
    {"message", 2, -1, false, cmd_message, nullptr},
    {"ls", 0, 0, false, nullptr, cmd_ls},
    {"info", 0, -1, false, nullptr, cmd_info_all},
    {"deps", 0, -1, false, nullptr, cmd_deps},
    {"status", 0, -1, false, nullptr, cmd_status},
    {"table", 0, -1, false, nullptr, cmd_table},
    {"wait", 0, 2, false, cmd_wait, nullptr},
    {"mknodes", 0, -1, false, nullptr, cmd_mknodes},
    {"target-version", 1, -1, true, cmd_target_version, nullptr},
    {"targets", 0, 0, false, cmd_targets, nullptr},
    {"version", 0, 0, false, cmd_version, nullptr},
    {"setgeometry", 5, 5, false, cmd_setgeometry, nullptr},
    {"splitname", 1, 2, false, nullptr, cmd_splitname},
    {"daemon", 1, 1, false, nullptr, cmd_daemon},
    {"stats", 1, -1, false, nullptr, cmd_stats},
    {"mangle", 0, -1, false, nullptr, cmd_mangle},
    {"udevcreatecookie", 0, 0, false, nullptr, cmd_udevcreatecookie},
    {"udevreleasecookie", 0, 1, false, nullptr, cmd_udevreleasecookie},
    {"udevflags", 1, 1, false, nullptr, cmd_udevflags},
    {"udevcomplete", 1, 1, false, nullptr, cmd_udevcomplete},
    {"udevcomplete_all", 0, 1, false, nullptr, cmd_udevcomplete_all},
    {"udevcookies", 0, 0, false, nullptr, cmd_udevcookies},
};



}  // namespace

int run_udmsetup(int argc, char** argv) {
  auto cl = parse_command_line(argc, argv);
  if (!cl) {
    if (!cl.error().message.empty()) err(cl.error().message);
    err("Couldn't process command line.");
    return 1;
  }
  Context ctx;
  ctx.sw = cl->sw;
  g_verbose = ctx.sw.verbose > 0;
  if (ctx.sw.manglename) {
    if (*ctx.sw.manglename == "none") {
      g_mangle = false;
    } else if (*ctx.sw.manglename != "auto" && *ctx.sw.manglename != "hex") {
      err("Unknown name mangling mode.");
      err("Couldn't process command line.");
      return 1;
    }
  }
  if (ctx.sw.rundir) ::setenv("UDM_RUNDIR", ctx.sw.rundir->c_str(), 1);
  auto& args = cl->args;
  // Called as dmstats (or udm's udmstats link): every command is a stats subcommand.
  const char* base = std::strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  if (!std::strcmp(base, "dmstats") || !std::strcmp(base, "udmstats")) {
    if (args.empty() || args[0] != "stats") args.insert(args.begin(), "stats");
    ctx.stats_program = base;
    if (args.size() == 1) {
      return cmd_stats(ctx, {});
    }
  }
  if (ctx.sw.version) {
    bool ok = cmd_version(ctx, {}, false);
    if (!ok) err("Command failed.");
    return ok ? 0 : 1;
  }
  if (ctx.sw.help) return cmd_help(ctx, {});
  if (args.empty()) {
    usage();
    return 1;
  }
  const CommandDef* cmd = nullptr;
  for (const auto& c : COMMANDS)
    if (args[0] == c.name) cmd = &c;
  if (!cmd) {
    err("Unknown command.");
    usage();
    return 1;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  int n = static_cast<int>(rest.size());
  if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args)) {
    err("Incorrect number of arguments.");
    usage();
    return 1;
  }
  if (ctx.sw.select) {
    // dmsetup's repeatable commands run on each device the selection takes;
    // info -c filters its report; others ignore -S as dmsetup does.
    const std::string name = cmd->name;
    if (name == "status" || name == "table")
      return run_selected(ctx, name, [table = name == "table"](Context& x, const std::string& n) {
        return status_one(x, &n, true, table, false);
      });
    if (name == "deps")
      return run_selected(ctx, name, [](Context& x, const std::string& n) { return deps_one(x, &n, true); });
    if (cmd->fn && (name == "remove" || name == "suspend" || name == "resume" || name == "clear" ||
                    name == "wipe_table"))
      return run_selected(ctx, name, [fn = cmd->fn](Context& x, const std::string& n) { return fn(x, {n}, true); });
  }
  if (cmd->whole) return cmd->whole(ctx, rest);
  if (!cmd->repeatable) {
    bool ok = cmd->fn(ctx, rest, false);
    if (!ok) err("Command failed.");
    return ok ? 0 : 1;
  }
  // Repeatable: once per argument (or once with none), stop at the first failure.
  bool multiple = rest.size() > 1;
  std::size_t i = 0;
  do {
    std::vector<std::string> one;
    if (i < rest.size()) one.push_back(rest[i]);
    if (!cmd->fn(ctx, one, multiple)) {
      err("Command failed.");
      return 1;
    }
  } while (++i < rest.size());
  return 0;
}


}  // namespace udm::udmsetup

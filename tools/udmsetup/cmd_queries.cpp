// Commands that read: info (long and -c), table/status (and --concise), deps,
// version, targets, target-version, splitname.
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"

namespace udm::udmsetup {

// ------------------------------------------------------------------ info

bool fill_row(Context& ctx, const client::DeviceInfo& info, const ReportNeeds& needs, ReportRow& row) {
  row.info = info;
  row.blkdevname = blkdevname(ctx, info.major, info.minor);
  if (needs.read_ahead) row.read_ahead = read_ahead_of(ctx, info);
  fill_split_name(row);
  if (needs.users) {
    if (!ctx.all_deps) {
      auto names = list_devices(ctx);
      if (!names) return false;
      ctx.all_deps.emplace();
      for (const auto& e : *names) {
        Task d(*ctx.client, TaskType::deps);
        d.set_name(e.name);
        if (auto r = d.run(); !r) continue;  // gone meanwhile
        ctx.all_deps->emplace_back(e, d.deps());
      }
    }
    for (const auto& [user, deps] : *ctx.all_deps)
      for (const auto& dep : deps)
        if (dep.major == info.major && dep.minor == info.minor) {
          row.using_names.push_back(user.name);
          row.using_devnos.push_back({user.major, user.minor});
          break;
        }
  }
  if (needs.deps) {
    Task d(*ctx.client, TaskType::deps);
    d.set_name(info.name);
    if (auto r = d.run(); !r) {
      report_error(d, r.error());
      return false;
    }
    row.deps = d.deps();
    auto names = list_devices(ctx);
    for (const auto& dep : row.deps) {
      std::string n;
      if (names)
        for (const auto& e : *names)
          if (e.major == dep.major && e.minor == dep.minor) n = e.name;
      row.dep_names.push_back(n);
      row.dep_blkdevnames.push_back(blkdevname(ctx, dep.major, dep.minor));
    }
  }
  return true;
}

// Set when -o asked for the field list: the command then succeeds with no output.

bool info_one(Context& ctx, const std::string* name, Report* report) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::info);
  if (!set_device(ctx, t, name)) return false;
  t.set_query_inactive(ctx.sw.inactive);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (!report) return display_info(ctx, t.info());
  if (!t.info().exists) {
    err("Device does not exist.");
    return false;
  }
  ReportRow row;
  if (!fill_row(ctx, t.info(), report->needs(), row)) return false;
  report->add(row);
  return true;
}

constexpr const char* INFO_DEFAULT_FIELDS = "name,major,minor,attr,open,segments,events,uuid";

int cmd_info_all(Context& ctx, const std::vector<std::string>& args) {
  std::optional<Report> report;
  if (ctx.sw.columns) {
    report = make_report(ctx, INFO_DEFAULT_FIELDS);
    if (!report) return g_help_shown ? 0 : 1;
  }
  Report* rp = report ? &*report : nullptr;
  bool ok = true;
  bool all = args.empty() && !ctx.sw.uuid && !ctx.sw.major;
  if (all && rp && rp->needs().list_only && !ctx.sw.inactive) {
    // One device list with event numbers and uuids answers these fields;
    // libudm falls back to DEV_STATUS per device on drivers older than 4.45.
    auto* c = ctx.connect();
    if (!c) return 1;
    Task list(*c, TaskType::list);
    list.set_want_details();
    if (auto r = list.run(); !r) {
      report_error(list, r.error());
      err("Command failed.");
      return 1;
    }
    if (list.names().empty()) {
      out("No devices found\n");
      return 0;
    }
    for (const auto& n : list.names()) {
      ReportRow row;
      row.info.exists = true;
      row.info.name = n.name;
      row.info.major = n.major;
      row.info.minor = n.minor;
      row.info.event_nr = n.event_nr.value_or(0);
      row.info.uuid = n.uuid.value_or("");
      fill_split_name(row);
      rp->add(row);
    }
    out(rp->render());
    return 0;
  }
  if (all) {
    ok = process_all(ctx, [&](Context& x, const std::string* n, bool) { return info_one(x, n, rp); });
    if (!ok) err("Command failed.");
  } else if (args.empty()) {
    ok = info_one(ctx, nullptr, rp);
    if (!ok) err("Command failed.");
  } else {
    for (const auto& a : args) {
      if (!info_one(ctx, &a, rp)) {
        err("Command failed.");
        ok = false;
        break;
      }
    }
  }
  if (report) out(report->render());
  return ok ? 0 : 1;
}

// --------------------------------------------------------- table / status

// --exec CMD: runs "CMD <devdir>/mapper/NAME" and waits (dmsetup's
// _exec_command: words split at spaces, no shell; a command that cannot run
// is the child's exit 127, not an error).
bool exec_command(Context& ctx, const std::string& name) {
  std::vector<std::string> words;
  const std::string& cmd = *ctx.sw.exec;
  for (std::size_t i = 0; i < cmd.size();) {
    while (i < cmd.size() && std::isspace(static_cast<unsigned char>(cmd[i]))) ++i;
    std::size_t j = i;
    while (j < cmd.size() && !std::isspace(static_cast<unsigned char>(cmd[j]))) ++j;
    if (j > i) words.push_back(cmd.substr(i, j - i));
    i = j;
  }
  if (words.empty()) return false;
  if (words.size() >= 64) {
    err("Too many args to --exec.");
    return false;
  }
  // The device's node: under $DM_DEV_DIR as dmsetup, else the /dev/mapper
  // link udmd made, else its FUSE file.
  std::string path;
  if (const char* dir = std::getenv("DM_DEV_DIR"); dir && *dir) {
    path = std::string(dir) + "/mapper/" + name;
  } else {
    path = "/dev/mapper/" + name;
    if (ctx.on_udmd() && !path_exists(path)) path = ctx.client->rundir() + "/dev/mapper/" + name;
  }
  words.push_back(path);
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) return false;
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return true;
}

bool status_one(Context& ctx, const std::string* name, bool multiple, bool table, bool ls_only) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, table ? TaskType::table : TaskType::status);
  if (!set_device(ctx, t, name)) return false;
  t.set_query_inactive(ctx.sw.inactive).set_noflush(ctx.sw.noflush);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  const auto& info = t.info();
  if (!info.exists) {
    err("Device does not exist.");
    return false;
  }
  const std::string& dev_name = info.name;
  // With --exec the lines are printed only with -v.
  const bool print = !ctx.sw.exec || ctx.sw.verbose;
  if (print && ctx.sw.verbose && !ls_only && !ctx.sw.target) display_info(ctx, info);
  bool matched = false;
  auto lines = t.table();
  std::size_t n = std::max<std::size_t>(lines.size(), 1);
  for (std::size_t i = 0; i < n; ++i) {
    const client::TableLine* line = i < lines.size() ? &lines[i] : nullptr;
    if (ctx.sw.target && (!line || line->type != *ctx.sw.target)) continue;
    if (ls_only) {
      if (print) out(format_ls_target_line(dev_name, info.major, info.minor));
      matched = true;
      break;
    }
    if (print) {
      if (!matched && ctx.sw.verbose && ctx.sw.target) display_info(ctx, info);
      client::TableLine shown;
      if (line) {
        shown = *line;
        if (table && !ctx.sw.showkeys) shown.params = mask_keys(line->type, line->params);
      }
      std::optional<std::string> prefix;
      if (multiple && !ctx.sw.verbose) prefix = dev_name;
      out(format_table_line(prefix, line ? &shown : nullptr));
    }
    matched = true;
  }
  if (matched && ctx.sw.exec && !exec_command(ctx, dev_name)) return false;
  return true;
}

bool deps_one(Context& ctx, const std::string* name, bool multiple) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::deps);
  if (!set_device(ctx, t, name)) return false;
  t.set_query_inactive(ctx.sw.inactive);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (ctx.sw.verbose) display_info(ctx, t.info());
  std::optional<std::string> prefix;
  if (multiple && !ctx.sw.verbose) prefix = t.info().name;
  std::string opt = ctx.sw.options.value_or("devno");
  if (opt == "devno") {
    out(format_deps(prefix, t.deps()));
    return true;
  }
  // devname / blkdevname: names instead of numbers where they can be found.
  std::optional<std::vector<client::NameEntry>> names;
  if (opt == "devname") names = list_devices(ctx);
  std::string line = prefix ? unmangle_name(*prefix) + ": " : "";
  line += fmt::format("{} dependencies\t:", t.deps().size());
  for (const auto& d : t.deps()) {
    std::string n;
    if (names)
      for (const auto& e : *names)
        if (e.major == d.major && e.minor == d.minor) n = e.name;
    if (n.empty()) n = blkdevname(ctx, d.major, d.minor);
    line += n.empty() ? fmt::format(" ({}, {})", d.major, d.minor)
                      : fmt::format(" ({})", unmangle_name(n));
  }
  out(line + "\n");
  return true;
}

// ------------------------------------------------------- versions, misc

bool cmd_version(Context& ctx, const std::vector<std::string>&, bool) {
  out(format_library_version());
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::version);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  out(format_driver_version(t.driver_version()));
  return true;
}

bool cmd_targets(Context& ctx, const std::vector<std::string>&, bool) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::list_versions);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  for (const auto& v : t.versions()) out(format_target_version(v));
  return true;
}

bool cmd_target_version(Context& ctx, const std::vector<std::string>& args, bool) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::get_target_version);
  t.set_target_type(args[0]);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  for (const auto& v : t.versions()) out(format_target_version(v));
  return true;
}

int cmd_splitname(Context& ctx, const std::vector<std::string>& args) {
  auto report = make_report(ctx, "vg_name,lv_name,lv_layer");
  if (!report) return g_help_shown ? 0 : 1;
  ReportRow row;
  row.info.name = args[0];
  row.subsystem = args.size() > 1 ? args[1] : "LVM";
  if (row.subsystem == "LVM") split_lvm_name(args[0], row.vg_name, row.lv_name, row.lv_layer);
  report->add(row);
  out(report->render());
  return 0;
}

int cmd_table_or_status(Context& ctx, const std::vector<std::string>& args, bool table) {
  return for_devices(ctx, args, [table](Context& x, const std::string* n, bool m) {
    return status_one(x, n, m, table, false);
  });
}

std::string concise_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ',' || c == ';' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// `table --concise`: every device on one line, "name,uuid,minor,ro|rw" and
// ",start length type params" per target, devices joined with ';'.
int table_concise(Context& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> names = args;
  if (names.empty()) {
    auto all = list_devices(ctx);
    if (!all) {
      err("Command failed.");
      return 1;
    }
    if (all->empty()) {
      out("No devices found\n");
      return 0;
    }
    for (const auto& e : *all) names.push_back(e.name);
  }
  std::string line;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto* c = ctx.connect();
    if (!c) return 1;
    Task t(*c, TaskType::table);
    t.set_name(input_name(names[i]));
    if (auto r = t.run(); !r) {
      report_error(t, r.error());
      err("Command failed.");
      return 1;
    }
    const auto& info = t.info();
    if (i) line += ';';
    line += fmt::format("{},{},{},{}", concise_escape(unmangle_name(info.name)),
                        concise_escape(unmangle_name(info.uuid)),
                        info.minor, info.read_only ? "ro" : "rw");
    for (const auto& l : t.table()) {
      std::string params = ctx.sw.showkeys ? l.params : mask_keys(l.type, l.params);
      line += "," + concise_escape(fmt::format("{} {} {} {}", l.start, l.length, l.type, params));
    }
  }
  out(line + "\n");
  return 0;
}

int cmd_table(Context& ctx, const std::vector<std::string>& args) {
  if (ctx.sw.concise) return table_concise(ctx, args);
  return cmd_table_or_status(ctx, args, true);
}
int cmd_status(Context& ctx, const std::vector<std::string>& args) {
  return cmd_table_or_status(ctx, args, false);
}
int cmd_deps(Context& ctx, const std::vector<std::string>& args) {
  return for_devices(ctx, args, deps_one);
}

}  // namespace udm::udmsetup

#include "commands.hpp"

#include <langinfo.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "format.hpp"
#include "report.hpp"
#include "table_text.hpp"
#include "base/devno.hpp"
#include "client/socket_backend.hpp"

namespace udm::udmsetup {

using client::Task;
using client::TaskType;

namespace {

void out(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }
void err(const std::string& s) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", s.c_str());
}

// Prints a library error the way dmsetup shows libdm's log lines: the
// driver's own explanation first when it gave one (udmd does; a kernel logs
// it to dmesg instead).
bool g_verbose = false;

// Prints a library error the way dmsetup shows libdm's log lines. With -v the
// driver's own explanation comes first (udmd gives one, as the kernel logs
// one to dmesg); without, stderr stays byte-identical to dmsetup's.
void report_error(const Task& t, const Error& e) {
  if (g_verbose && !t.driver_message().empty()) err(t.driver_message());
  err(e.message);
}

const char* USAGE =
    "Usage:\n"
    "\n"
    "udmsetup\n"
    "        [--version] [-h|--help [-c|-C|--columns]]\n"
    "        [-v|--verbose [-v|--verbose ...]] [-f|--force]\n"
    "        [--checks] [--manglename {none|hex|auto}]\n"
    "        [-r|--readonly] [--noopencount] [--noflush] [--nolockfs] [--inactive]\n"
    "        [--udevcookie <cookie>] [--noudevrules] [--noudevsync] [--verifyudev]\n"
    "        [-y|--yes] [--readahead {[+]<sectors>|auto|none}] [--retry]\n"
    "        [-c|-C|--columns] [-o <fields>] [-O|--sort <sort_fields>]\n"
    "        [-S|--select <selection>] [--nameprefixes] [--noheadings]\n"
    "        [--separator <separator>] [--rundir <dir>]\n"
    "\n"
    "\thelp [-c|-C|--columns]\n"
    "\tcreate <dev_name>\n"
    "\t    [-j|--major <major> -m|--minor <minor>]\n"
    "\t    [-U|--uid <uid>] [-G|--gid <gid>] [-M|--mode <octal_mode>]\n"
    "\t    [-u|--uuid <uuid>] [--addnodeonresume|--addnodeoncreate]\n"
    "\t    [--readahead {[+]<sectors>|auto|none}]\n"
    "\t    [-n|--notable|--table {<table>|<table_file>}]\n"
    "\tremove [--deferred] [-f|--force] [--retry] <device>...\n"
    "\tremove_all [-f|--force]\n"
    "\tsuspend [--noflush] [--nolockfs] <device>...\n"
    "\tresume [--noflush] [--nolockfs] <device>...\n"
    "\t       [--addnodeonresume|--addnodeoncreate]\n"
    "\t       [--readahead {[+]<sectors>|auto|none}]\n"
    "\tload <device> [<table>|<table_file>]\n"
    "\tclear <device>\n"
    "\treload <device> [<table>|<table_file>]\n"
    "\twipe_table [-f|--force] [--noflush] [--nolockfs] <device>...\n"
    "\trename <device> [--setuuid] <new_name_or_uuid>\n"
    "\tmessage <device> <sector> <message>\n"
    "\tls [--target <target_type>] [--exec <command>] [-o <options>] [--tree]\n"
    "\tinfo [<device>...]\n"
    "\tdeps [-o <options>] [<device>...]\n"
    "\tstatus [<device>...] [--noflush] [--target <target_type>]\n"
    "\ttable [<device>...] [--concise] [--target <target_type>] [--showkeys]\n"
    "\twait <device> [<event_nr>] [--noflush]\n"
    "\tmknodes [<device>...]\n"
    "\ttarget-version [<target>...]\n"
    "\ttargets \n"
    "\tversion \n"
    "\tsetgeometry <device> <cyl> <head> <sect> <start>\n"
    "\tsplitname <device> [<subsystem>]\n"
    "\tdaemon start|stop|status\n"
    "\n"
    "<device> may be device name or (if only one) -u <uuid> or -j <major> -m <minor>\n"
    "<mangling_mode> is one of 'none', 'auto' and 'hex'.\n"
    "<fields> are comma-separated.  Use 'help -c' for list.\n"
    "Table_file contents may be supplied on stdin.\n"
    "Options are: devno, devname, blkdevname.\n"
    "Tree specific options are: ascii, utf, vt100; compact, inverted, notrunc;\n"
    "                           blkdevname, [no]device, active, open, rw and uuid.\n"
    "udm: the run directory is --rundir, $UDM_RUNDIR, /run/udm (root) or $XDG_RUNTIME_DIR/udm.\n"
    "\n";

void usage() {
  std::fflush(stdout);
  std::fputs(USAGE, stderr);
}

// Which device a per-device command addresses: a name argument, or -u / -j -m.
bool set_device(Context& ctx, Task& t, const std::string* name) {
  if (name) {
    t.set_name(*name);
  } else if (ctx.sw.uuid) {
    t.set_uuid(*ctx.sw.uuid);
  } else if (ctx.sw.major && ctx.sw.minor) {
    t.set_devno(*ctx.sw.major, *ctx.sw.minor);
  } else {
    err("No device specified.");
    return false;
  }
  return true;
}

const std::string* first(const std::vector<std::string>& args) {
  return args.empty() ? nullptr : &args[0];
}

std::optional<unsigned> read_ahead_of(Context& ctx, const client::DeviceInfo& info) {
  if (ctx.on_udmd()) return 256;  // dm's default; udm devices have no block queue
  std::ifstream f(fmt::format("/sys/dev/block/{}:{}/bdi/read_ahead_kb", info.major, info.minor));
  unsigned kb = 0;
  if (f >> kb) return kb * 2;
  return std::nullopt;
}

bool path_exists(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0;
}

std::string udm_extra_lines(Context& ctx, const client::DeviceInfo& info) {
  if (!ctx.on_udmd()) return {};
  std::string extra;
  const auto& rundir = ctx.client->rundir();
  std::string file = rundir + "/dev/mapper/" + info.name;
  if (path_exists(file)) extra += format_file_line(file);
  std::string nbd = rundir + "/nbd.sock";
  if (path_exists(nbd)) extra += format_nbd_line(info.name, nbd);
  return extra;
}

bool display_info(Context& ctx, const client::DeviceInfo& info) {
  if (!info.exists) {
    err("Device does not exist.");
    return false;
  }
  out(format_info_block(info, read_ahead_of(ctx, info), udm_extra_lines(ctx, info)));
  return true;
}

// A per-device operation with no output (suspend, resume, remove, clear).
bool simple(Context& ctx, TaskType type, const std::string* name, bool display,
            const std::function<void(Task&)>& setup = {}) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, type);
  if (!set_device(ctx, t, name)) return false;
  if (setup) setup(t);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (display && ctx.sw.verbose) return display_info(ctx, t.info());
  return true;
}

// Every device's name, in the driver's order.
std::optional<std::vector<client::NameEntry>> list_devices(Context& ctx) {
  auto* c = ctx.connect();
  if (!c) return std::nullopt;
  Task t(*c, TaskType::list);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return std::nullopt;
  }
  return t.names();
}

using DeviceFn = std::function<bool(Context&, const std::string* name, bool multiple)>;

// dmsetup's _process_all: run fn on every device, "No devices found" if none.
bool process_all(Context& ctx, const DeviceFn& fn, bool silent = false) {
  auto names = list_devices(ctx);
  if (!names) return false;
  if (names->empty()) {
    if (!silent) out("No devices found\n");
    return true;
  }
  bool ok = true;
  for (const auto& n : *names)
    if (!fn(ctx, &n.name, true)) ok = false;
  return ok;
}

// ---------------------------------------------------------------- tables

// Table text from --table, a file argument, or stdin (dmsetup's order).
std::optional<std::vector<client::TableLine>> read_table(Context& ctx, const std::string* file) {
  Result<std::vector<client::TableLine>> lines;
  if (ctx.sw.table) {
    lines = parse_table(*ctx.sw.table, "");
  } else if (file) {
    std::ifstream f(*file);
    if (!f) {
      err(fmt::format("Couldn't open '{}' for reading.", *file));
      return std::nullopt;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    lines = parse_table(ss.str(), *file);
  } else {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    lines = parse_table(ss.str(), "on stdin");
  }
  if (!lines) {
    err(lines.error().message);
    return std::nullopt;
  }
  return *lines;
}

// --concise devices: "name,uuid,minor,flags,table[,table...]" separated by
// ';', with '\\' escaping the next character. Each entry is created as soon
// as it is parsed, as dmsetup does.
bool create_concise(Context& ctx, const std::vector<std::string>& args) {
  if (ctx.sw.table || ctx.sw.notable || ctx.sw.minor || ctx.sw.uuid || ctx.sw.inactive) {
    err("--concise is incompatible with --[no]table, --minor, --uuid and --inactive.");
    return false;
  }
  if (args.size() > 1) {
    err("udmsetup create --concise takes at most one argument");
    return false;
  }
  std::string text;
  if (args.empty()) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
    while (!text.empty() && text.back() == '\n') text.pop_back();
  } else {
    text = args[0];
  }
  std::vector<std::string> fields;
  std::string field;
  auto show = [&](std::size_t i) -> std::string {
    if (i < fields.size()) return fields[i];
    return "(null)";
  };
  auto parsed = [&]() {
    err(fmt::format("Parsed {} fields: name: {} uuid: {} minor: {} flags: {} table: {}", fields.size(),
                    show(0), show(1), show(2), show(3), show(4)));
  };
  auto finish_entry = [&]() -> bool {
    fields.push_back(field);
    field.clear();
    if (fields.size() < 5 || fields[4].empty()) {
      err(fields.size() <= 1 ? "Five comma-separated fields are required for each device"
                             : "Incomplete entry: five comma-separated fields are required for each device");
      parsed();
      return false;
    }
    const std::string& flags = fields[3];
    if (!flags.empty() && flags != "ro" && flags != "rw") {
      err(fmt::format("Invalid flags parameter '{}' must be 'ro' or 'rw' or empty.", flags));
      return false;
    }
    std::string table;
    for (std::size_t i = 4; i < fields.size(); ++i) table += (i > 4 ? "\n" : "") + fields[i];
    auto lines = parse_table(table, "");
    if (!lines) {
      err(lines.error().message);
      return false;
    }
    auto* c = ctx.connect();
    if (!c) return false;
    Task t(*c, TaskType::create);
    t.set_name(fields[0]);
    if (!fields[1].empty()) t.set_uuid(fields[1]);
    if (!fields[2].empty()) {
      auto minor = static_cast<std::uint32_t>(std::strtoul(fields[2].c_str(), nullptr, 10));
      t.set_persistent_minor(minor).set_devno(UDM_BLOCK_MAJOR, minor);
    }
    if (flags == "ro") t.set_read_only();
    for (auto& l : *lines) t.add_target(std::move(l));
    if (auto r = t.run(); !r) {
      report_error(t, r.error());
      return false;
    }
    if (ctx.sw.verbose && !display_info(ctx, t.info())) return false;
    fields.clear();
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '\\') {
      if (i + 1 >= text.size()) {
        err("Backslash must be followed by another character at end of string.");
        fields.push_back(field);
        parsed();
        return false;
      }
      field += text[++i];
    } else if (ch == ',') {
      fields.push_back(field);
      field.clear();
    } else if (ch == ';') {
      if (!finish_entry()) return false;
    } else {
      field += ch;
    }
  }
  if (!fields.empty() || !field.empty()) return finish_entry();
  return true;
}

bool cmd_create(Context& ctx, const std::vector<std::string>& args, bool) {
  if (ctx.sw.concise) return create_concise(ctx, args);
  if (args.empty()) {
    err("Please provide a name for the new device.");
    return false;
  }
  std::vector<client::TableLine> lines;
  if (!ctx.sw.notable) {
    auto t = read_table(ctx, args.size() > 1 ? &args[1] : nullptr);
    if (!t) return false;
    lines = std::move(*t);
  }
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::create);
  t.set_name(args[0]);
  if (ctx.sw.uuid) t.set_uuid(*ctx.sw.uuid);
  if (ctx.sw.minor) t.set_persistent_minor(*ctx.sw.minor).set_devno(*ctx.sw.major, *ctx.sw.minor);
  if (ctx.sw.readonly) t.set_read_only();
  for (auto& l : lines) t.add_target(std::move(l));
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (ctx.sw.verbose) return display_info(ctx, t.info());
  return true;
}

bool cmd_load(Context& ctx, const std::vector<std::string>& args, bool) {
  if (ctx.sw.notable) {
    err("--notable only available when creating new device.");
    return false;
  }
  if (args.empty() && !ctx.sw.uuid && !ctx.sw.major) {
    err("Please specify device.");
    return false;
  }
  // With -u or -j/-m, the only argument is the table file.
  const std::string* name = nullptr;
  const std::string* file = nullptr;
  if (ctx.sw.uuid || ctx.sw.major) {
    file = first(args);
  } else {
    name = &args[0];
    file = args.size() > 1 ? &args[1] : nullptr;
  }
  auto lines = read_table(ctx, file);
  if (!lines) return false;
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::reload);
  if (!set_device(ctx, t, name)) return false;
  if (ctx.sw.readonly) t.set_read_only();
  for (auto& l : *lines) t.add_target(std::move(l));
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (ctx.sw.verbose) return display_info(ctx, t.info());
  return true;
}

std::uint64_t table_size(const std::vector<client::TableLine>& table) {
  std::uint64_t size = 0;
  for (const auto& l : table) size += l.length;
  return size;
}

// wipe_table / remove -f: replace the table with one `error` target of the
// same size and resume without flushing, so holders see errors at once.
bool error_device(Context& ctx, const std::string* name, bool) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task st(*c, TaskType::table);
  if (!set_device(ctx, st, name)) return false;
  if (auto r = st.run(); !r) {
    report_error(st, r.error());
    return false;
  }
  if (!st.info().exists) {
    err("Device does not exist.");
    return false;
  }
  std::uint64_t size = table_size(st.table());
  if (size == 0) return true;  // nothing to wipe
  Task load(*c, TaskType::reload);
  set_device(ctx, load, name);
  load.add_target({0, size, "error", ""});
  if (auto r = load.run(); !r) {
    report_error(load, r.error());
    return false;
  }
  Task resume(*c, TaskType::resume);
  set_device(ctx, resume, name);
  resume.set_noflush().set_skip_lockfs();
  if (auto r = resume.run(); !r) {
    report_error(resume, r.error());
    Task clear(*c, TaskType::clear);
    set_device(ctx, clear, name);
    (void)clear.run();
    return false;
  }
  return true;
}

bool cmd_remove(Context& ctx, const std::vector<std::string>& args, bool multiple) {
  if (ctx.sw.force && (!args.empty() || ctx.sw.uuid || ctx.sw.major))
    (void)error_device(ctx, first(args), multiple);  // dmsetup ignores its result
  // dmsetup prints nothing after a remove, even with -v.
  return simple(ctx, TaskType::remove, first(args), false,
                [&](Task& t) { t.set_deferred_remove(ctx.sw.deferred).set_retry_remove(ctx.sw.retry); });
}

bool count_devices(Context& ctx, int& count) {
  auto names = list_devices(ctx);
  if (!names) return false;
  count = static_cast<int>(names->size());
  return true;
}

bool cmd_remove_all(Context& ctx, const std::vector<std::string>&, bool) {
  auto* c = ctx.connect();
  if (!c) return false;
  auto remove_all = [&]() {
    Task t(*c, TaskType::remove_all);
    t.set_deferred_remove(ctx.sw.deferred);
    if (auto r = t.run(); !r) {
      report_error(t, r.error());
      return false;
    }
    return true;
  };
  bool ok = remove_all();
  if (!ctx.sw.force) return ok;
  int left = 0;
  if (!count_devices(ctx, left)) return false;
  if (left == 0) return ok;
  (void)process_all(ctx, [](Context& x, const std::string* n, bool m) { return error_device(x, n, m); },
                    true);
  ok = remove_all() || ok;
  if (!count_devices(ctx, left)) return false;
  if (left) {
    err(fmt::format("Unable to remove {} device(s).", left));
    return false;
  }
  return ok;
}

bool cmd_suspend(Context& ctx, const std::vector<std::string>& args, bool) {
  return simple(ctx, TaskType::suspend, first(args), true, [&](Task& t) {
    t.set_noflush(ctx.sw.noflush).set_skip_lockfs(ctx.sw.nolockfs);
  });
}

bool cmd_resume(Context& ctx, const std::vector<std::string>& args, bool) {
  return simple(ctx, TaskType::resume, first(args), true, [&](Task& t) {
    t.set_noflush(ctx.sw.noflush).set_skip_lockfs(ctx.sw.nolockfs);
  });
}

bool cmd_clear(Context& ctx, const std::vector<std::string>& args, bool) {
  return simple(ctx, TaskType::clear, first(args), true);
}

bool cmd_wipe_table(Context& ctx, const std::vector<std::string>& args, bool multiple) {
  if (args.empty() && !ctx.sw.uuid && !ctx.sw.major) {
    err("No device specified.");
    return false;
  }
  return error_device(ctx, first(args), multiple);
}

bool cmd_rename(Context& ctx, const std::vector<std::string>& args, bool) {
  const std::string* name = args.size() == 2 ? &args[0] : nullptr;
  const std::string& to = args.back();
  auto* c = ctx.connect();
  if (!c) return false;
  // The driver looks the old device up by name only: resolve -u/-j first.
  std::string resolved;
  if (!name) {
    Task info(*c, TaskType::info);
    if (!set_device(ctx, info, nullptr)) return false;
    if (auto r = info.run(); !r) {
      report_error(info, r.error());
      return false;
    }
    if (!info.info().exists) {
      err("Device does not exist.");
      return false;
    }
    resolved = info.info().name;
    name = &resolved;
  }
  Task t(*c, TaskType::rename);
  t.set_name(*name);
  if (ctx.sw.setuuid) t.set_new_uuid(to);
  else t.set_new_name(to);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  return true;
}

bool cmd_message(Context& ctx, const std::vector<std::string>& args, bool) {
  std::size_t i = 0;
  const std::string* name = nullptr;
  if (!ctx.sw.uuid && !ctx.sw.major) name = &args[i++];
  if (i >= args.size()) {
    err("No device specified.");
    return false;
  }
  const std::string& sector_text = args[i++];
  char* end = nullptr;
  errno = 0;
  unsigned long long sector = std::strtoull(sector_text.c_str(), &end, 10);
  if (sector_text.empty() || *end || errno) {
    err("Invalid sector.");
    return false;
  }
  if (i >= args.size()) {
    err("No message supplied.");
    return false;
  }
  std::string message;
  for (; i < args.size(); ++i) {
    if (!message.empty()) message += ' ';
    message += args[i];
  }
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::target_msg);
  if (!set_device(ctx, t, name)) return false;
  t.set_message(sector, message);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (const auto& reply = t.message_reply(); reply && !reply->empty()) {
    out(*reply);
    if (reply->back() != '\n') out("\n");
  }
  return true;
}

// ------------------------------------------------------------------ info

bool fill_row(Context& ctx, const client::DeviceInfo& info, const ReportNeeds& needs, ReportRow& row) {
  row.info = info;
  if (needs.read_ahead) row.read_ahead = read_ahead_of(ctx, info);
  fill_split_name(row);
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
    }
  }
  return true;
}

// Set when -o asked for the field list: the command then succeeds with no output.
bool g_help_shown = false;

std::optional<Report> make_report(Context& ctx, const std::string& defaults) {
  ReportOptions o;
  if (ctx.sw.options) o.fields = *ctx.sw.options;
  o.headings = !ctx.sw.noheadings;
  o.separator = ctx.sw.separator;
  o.name_prefixes = ctx.sw.nameprefixes;
  if (ctx.sw.sort) o.sort = *ctx.sw.sort;
  auto r = Report::create(o, defaults);
  if (!r) {
    std::fflush(stdout);
    std::fputs(Report::help_text().c_str(), stderr);
    if (r.error().code != EAGAIN) err(r.error().message);
    else g_help_shown = true;
    return std::nullopt;
  }
  return std::move(*r);
}

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
  if (ctx.sw.verbose && !ls_only && !ctx.sw.target) display_info(ctx, info);
  bool matched = false;
  auto lines = t.table();
  std::size_t n = std::max<std::size_t>(lines.size(), 1);
  for (std::size_t i = 0; i < n; ++i) {
    const client::TableLine* line = i < lines.size() ? &lines[i] : nullptr;
    if (ctx.sw.target && (!line || line->type != *ctx.sw.target)) continue;
    if (ls_only) {
      out(format_ls_target_line(dev_name, info.major, info.minor));
      break;
    }
    if (!matched && ctx.sw.verbose && ctx.sw.target) display_info(ctx, info);
    client::TableLine shown;
    if (line) {
      shown = *line;
      if (table && !ctx.sw.showkeys) shown.params = mask_keys(line->type, line->params);
    }
    std::optional<std::string> prefix;
    if (multiple && !ctx.sw.verbose) prefix = dev_name;
    out(format_table_line(prefix, line ? &shown : nullptr));
    matched = true;
  }
  return true;
}

int for_devices(Context& ctx, const std::vector<std::string>& args, const DeviceFn& fn) {
  if (args.empty() && !ctx.sw.uuid && !ctx.sw.major) {
    if (!process_all(ctx, fn)) {
      err("Command failed.");
      return 1;
    }
    return 0;
  }
  if (args.empty()) {
    if (!fn(ctx, nullptr, false)) {
      err("Command failed.");
      return 1;
    }
    return 0;
  }
  bool multiple = args.size() > 1;
  for (const auto& a : args) {
    if (!fn(ctx, &a, multiple)) {
      err("Command failed.");
      return 1;
    }
  }
  return 0;
}

// ------------------------------------------------------------------ deps

std::string blkdevname(unsigned major, unsigned minor) {
  char link[4096];
  std::string path = fmt::format("/sys/dev/block/{}:{}", major, minor);
  ssize_t n = ::readlink(path.c_str(), link, sizeof(link) - 1);
  if (n <= 0) return {};
  std::string target(link, static_cast<std::size_t>(n));
  return target.substr(target.rfind('/') + 1);
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
  std::string line = prefix ? *prefix + ": " : "";
  line += fmt::format("{} dependencies\t:", t.deps().size());
  for (const auto& d : t.deps()) {
    std::string n;
    if (names)
      for (const auto& e : *names)
        if (e.major == d.major && e.minor == d.minor) n = e.name;
    if (n.empty()) n = blkdevname(d.major, d.minor);
    line += n.empty() ? fmt::format(" ({}, {})", d.major, d.minor) : fmt::format(" ({})", n);
  }
  out(line + "\n");
  return true;
}

// -------------------------------------------------------------------- ls

struct TreeNode {
  std::string name;  // empty for a device that is not a mapped device
  unsigned major = 0, minor = 0;
  std::vector<client::DevNumber> children;  // deps, or users when inverted
  client::DeviceInfo info;
  bool is_dm = false;
  bool has_parent = false;
};

struct TreeOptions {
  bool utf = false, device = true, active = false, rw = false, open = false, uuid = false;
  bool inverted = false, compact = false;
};

// dmsetup's -o for --tree: "Tree options not recognised: X." otherwise.
std::optional<TreeOptions> tree_options(const std::optional<std::string>& text) {
  TreeOptions o;
  std::setlocale(LC_ALL, "");
  o.utf = std::string_view(nl_langinfo(CODESET)) == "UTF-8";
  if (!text) return o;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view w = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (w == "ascii") o.utf = false;
    else if (w == "utf") o.utf = true;
    else if (w == "vt100" || w == "notrunc" || w == "blkdevname" || w == "devno") {}
    else if (w == "compact") o.compact = true;
    else if (w == "device") o.device = true;
    else if (w == "nodevice") o.device = false;
    else if (w == "active") o.active = true;
    else if (w == "rw") o.rw = true;
    else if (w == "open") o.open = true;
    else if (w == "uuid") o.uuid = true;
    else if (w == "inverted") o.inverted = true;
    else {
      err(fmt::format("Tree options not recognised: {}.", w));
      err("Couldn't process command line.");
      return std::nullopt;
    }
  }
  return o;
}

using TreeMap = std::map<std::pair<unsigned, unsigned>, TreeNode>;

bool has_properties(const TreeOptions& o) { return o.active || o.rw || o.open || o.uuid; }

std::string tree_label(const TreeNode& n, const TreeOptions& o) {
  std::string line = n.name;
  if (o.device || !n.is_dm) line += fmt::format(" ({}:{})", n.major, n.minor);
  if (n.is_dm && has_properties(o)) {
    std::vector<std::string> parts;
    if (o.active) parts.push_back(n.info.suspended ? "SUSPENDED" : "ACTIVE");
    if (o.rw) parts.push_back(n.info.read_only ? "RO" : "RW");
    if (o.open) parts.push_back(std::to_string(n.info.open_count));
    if (o.uuid) parts.push_back(n.info.uuid);
    std::string joined;
    for (const auto& p : parts) joined += (joined.empty() ? "" : ", ") + p;
    line += " [" + joined + "]";
  }
  return line;
}

const TreeNode& tree_child(const TreeMap& nodes, client::DevNumber d, TreeNode& leaf) {
  auto it = nodes.find({d.major, d.minor});
  if (it != nodes.end()) return it->second;
  leaf = TreeNode{};
  leaf.major = d.major;
  leaf.minor = d.minor;
  return leaf;
}

void print_tree(const TreeMap& nodes, const TreeNode& n, const std::string& indent, bool root,
                bool last, const TreeOptions& o) {
  std::string line;
  if (!root) line = indent + (last ? (o.utf ? " \u2514\u2500" : " `-") : (o.utf ? " \u251c\u2500" : " |-"));
  line += tree_label(n, o);
  out(line + "\n");
  std::string child_indent = root ? "" : indent + (last ? "   " : (o.utf ? " \u2502 " : " | "));
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    TreeNode leaf;
    const TreeNode& child = tree_child(nodes, n.children[i], leaf);
    print_tree(nodes, child, child_indent, false, i + 1 == n.children.size(), o);
  }
}

// `-o compact`: a first child continues its parent's line ("---" or "-+-");
// later children go on new lines under the '+'. dmsetup places those lines
// 3 columns further right for every inline first-child step above them, and
// so do we, to print the same bytes.
struct CompactCanvas {
  std::vector<std::vector<std::string>> lines;  // one cell per column
  void put(std::size_t line, std::size_t col, const std::string& cell) {
    if (lines.size() <= line) lines.resize(line + 1);
    auto& l = lines[line];
    if (l.size() <= col) l.resize(col + 1, " ");
    l[col] = cell;
  }
  void text(std::size_t line, std::size_t col, const std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) put(line, col + i, std::string(1, s[i]));
  }
};

// Renders `n` at (line, col); returns the last line used.
std::size_t compact_node(const TreeMap& nodes, const TreeNode& n, CompactCanvas& c, std::size_t line,
                         std::size_t col, std::size_t drift, std::vector<std::size_t> bars,
                         const TreeOptions& o) {
  std::string label = tree_label(n, o);
  c.text(line, col, label);
  std::size_t end = col + label.size();
  const std::string h = o.utf ? "\u2500" : "-";
  if (n.children.empty()) return line;
  TreeNode leaf;
  if (n.children.size() == 1) {
    c.put(line, end, h);
    c.put(line, end + 1, h);
    c.put(line, end + 2, h);
    return compact_node(nodes, tree_child(nodes, n.children[0], leaf), c, line, end + 3, drift + 3,
                        bars, o);
  }
  c.put(line, end, h);
  c.put(line, end + 1, o.utf ? "\u252c" : "+");
  c.put(line, end + 2, h);
  std::size_t cont = end + 1 + drift;
  auto with_bar = bars;
  with_bar.push_back(cont);
  std::size_t last = compact_node(nodes, tree_child(nodes, n.children[0], leaf), c, line, end + 3,
                                  drift + 3, with_bar, o);
  for (std::size_t i = 1; i < n.children.size(); ++i) {
    bool is_last = i + 1 == n.children.size();
    std::size_t l = last + 1;
    for (auto b : bars) c.put(l, b, o.utf ? "\u2502" : "|");
    c.put(l, cont, is_last ? (o.utf ? "\u2514" : "`") : (o.utf ? "\u251c" : "|"));
    c.put(l, cont + 1, h);
    TreeNode leaf2;
    last = compact_node(nodes, tree_child(nodes, n.children[i], leaf2), c, l, cont + 2, drift,
                        is_last ? bars : with_bar, o);
  }
  return last;
}

void print_compact(const TreeMap& nodes, const TreeNode& root, const TreeOptions& o) {
  CompactCanvas c;
  compact_node(nodes, root, c, 0, 0, 0, {}, o);
  for (const auto& l : c.lines) {
    std::string s;
    for (const auto& cell : l) s += cell;
    out(s + "\n");
  }
}

int ls_tree(Context& ctx, const std::vector<client::NameEntry>& names) {
  auto o = tree_options(ctx.sw.options);
  if (!o) return 1;
  using Key = std::pair<unsigned, unsigned>;
  TreeMap nodes;
  std::map<Key, std::vector<client::DevNumber>> deps;
  for (const auto& e : names) {
    Task d(*ctx.client, TaskType::deps);
    d.set_name(e.name);
    if (auto r = d.run(); !r) {
      report_error(d, r.error());
      err("Command failed.");
      return 1;
    }
    auto& n = nodes[{e.major, e.minor}];
    n.name = e.name;
    n.major = e.major;
    n.minor = e.minor;
    n.info = d.info();
    n.is_dm = true;
    deps[{e.major, e.minor}] = d.deps();
  }
  // Build the tree the way libdm's deptree grows: devices in list order,
  // each followed depth-first by what it uses; nodes appear in that order
  // and each use is recorded as it is met.
  std::vector<Key> created;
  std::function<void(Key)> visit = [&](Key k) {
    if (std::find(created.begin(), created.end(), k) != created.end()) return;
    created.push_back(k);
    auto& n = nodes[k];
    n.major = k.first;
    n.minor = k.second;
    for (const auto& dep : deps[k]) {
      Key dk{dep.major, dep.minor};
      if (o->inverted) {
        auto& below = nodes[dk];
        below.children.push_back({k.first, k.second});
      } else {
        n.children.push_back(dep);
      }
      visit(dk);
    }
  };
  for (const auto& e : names) visit({e.major, e.minor});
  for (auto& [k, n] : nodes)
    for (const auto& c : n.children)
      if (auto it = nodes.find({c.major, c.minor}); it != nodes.end()) it->second.has_parent = true;
  for (const auto& k : created) {
    const auto& n = nodes[k];
    if (n.has_parent) continue;
    // dmsetup draws a compact tree only without [properties].
    if (o->compact && !has_properties(*o)) print_compact(nodes, n, *o);
    else print_tree(nodes, n, "", true, true, *o);
  }
  return 0;
}

int cmd_ls(Context& ctx, const std::vector<std::string>&) {
  if (ctx.sw.target || ctx.sw.exec) {
    if (ctx.sw.exec) {
      err("udmsetup: ls --exec is not supported.");
      return 1;
    }
    if (!process_all(ctx, [](Context& x, const std::string* n, bool m) {
          return status_one(x, n, m, false, true);
        })) {
      err("Command failed.");
      return 1;
    }
    return 0;
  }
  auto names = list_devices(ctx);
  if (!names) {
    err("Command failed.");
    return 1;
  }
  if (names->empty()) {
    out("No devices found\n");
    return 0;
  }
  if (ctx.sw.tree) return ls_tree(ctx, *names);
  std::string opt = ctx.sw.options.value_or("devno");
  for (const auto& e : *names) {
    if (opt == "devname") {
      out(fmt::format("{}\t({})\n", e.name, e.name));
    } else if (opt == "blkdevname") {
      std::string b = blkdevname(e.major, e.minor);
      out(b.empty() ? format_ls_line(e) : fmt::format("{}\t({})\n", e.name, b));
    } else {
      out(format_ls_line(e));
    }
  }
  return 0;
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

bool cmd_wait(Context& ctx, const std::vector<std::string>& args, bool) {
  const std::string* name = nullptr;
  std::size_t i = 0;
  if (!ctx.sw.uuid && !ctx.sw.major && !args.empty()) name = &args[i++];
  std::uint32_t event_nr = 0;
  if (i < args.size()) event_nr = static_cast<std::uint32_t>(std::strtoul(args[i].c_str(), nullptr, 10));
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::waitevent);
  if (!set_device(ctx, t, name)) return false;
  t.set_event_nr(event_nr).set_noflush(ctx.sw.noflush).set_query_inactive(ctx.sw.inactive);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (ctx.sw.verbose) return display_info(ctx, t.info());
  return true;
}

bool mknodes_one(Context& ctx, const std::string* name, bool) {
  // udmd exports devices itself (FUSE files, NBD); mknodes only checks that
  // each device answers, as libdm's DEV_STATUS pass does.
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::info);
  if (!set_device(ctx, t, name)) return false;
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  return true;
}

bool cmd_setgeometry(Context& ctx, const std::vector<std::string>& args, bool) {
  return simple(ctx, TaskType::set_geometry, &args[0], false,
                [&](Task& t) { t.set_geometry(args[1], args[2], args[3], args[4]); });
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

// ---------------------------------------------------------------- daemon

int cmd_daemon(Context& ctx, const std::vector<std::string>& args) {
  client::ConnectOptions o;
  if (ctx.sw.rundir) o.rundir = *ctx.sw.rundir;
  std::string rundir = client::resolve_rundir(o);
  std::string socket = client::detail::control_socket_path(rundir);
  const std::string& what = args[0];
  if (what == "status") {
    auto b = client::detail::SocketBackend::connect(socket);
    if (!b) {
      out(fmt::format("udmd is not running ({})\n", socket));
      return 1;
    }
    auto pid = client::detail::peer_pid((*b)->fd());
    out(fmt::format("udmd is running (pid {}, {})\n", pid ? *pid : 0, socket));
    return 0;
  }
  if (what == "start") {
    auto b = client::detail::SocketBackend::connect(socket);
    if (!b) b = client::detail::start_udmd_and_connect(rundir);
    if (!b) {
      err(fmt::format("cannot start udmd: {}", b.error().message));
      return 1;
    }
    auto pid = client::detail::peer_pid((*b)->fd());
    out(fmt::format("udmd is running (pid {}, {})\n", pid ? *pid : 0, socket));
    return 0;
  }
  if (what == "stop") {
    auto b = client::detail::SocketBackend::connect(socket);
    if (!b) {
      out(fmt::format("udmd is not running ({})\n", socket));
      return 0;
    }
    auto pid = client::detail::peer_pid((*b)->fd());
    b->reset();
    if (!pid || *pid <= 0) {
      err("cannot tell which process serves " + socket);
      return 1;
    }
    if (::kill(*pid, SIGTERM) < 0) {
      err(fmt::format("kill {}: {}", *pid, std::strerror(errno)));
      return 1;
    }
    for (int i = 0; i < 500; ++i) {
      if (::kill(*pid, 0) < 0 && errno == ESRCH) {
        out(fmt::format("udmd stopped (pid {})\n", *pid));
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    err(fmt::format("udmd (pid {}) did not stop within 10 s", *pid));
    return 1;
  }
  err(fmt::format("Unknown daemon command '{}': use start, stop or status.", what));
  return 1;
}

// --------------------------------------------------------------- table

using RepeatFn = bool (*)(Context&, const std::vector<std::string>&, bool);

struct CommandDef {
  const char* name;
  int min_args, max_args;  // -1: unlimited
  bool repeatable;
  RepeatFn fn;                                            // or:
  int (*whole)(Context&, const std::vector<std::string>&);  // commands with their own loop
};

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
    t.set_name(names[i]);
    if (auto r = t.run(); !r) {
      report_error(t, r.error());
      err("Command failed.");
      return 1;
    }
    const auto& info = t.info();
    if (i) line += ';';
    line += fmt::format("{},{},{},{}", concise_escape(info.name), concise_escape(info.uuid),
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
int cmd_mknodes(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return ctx.connect() ? 0 : 1;
  return for_devices(ctx, args, mknodes_one);
}
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
};

}  // namespace

bool Context::on_udmd() const { return client && client->backend().driver_name() == "udmd"; }

client::Client* Context::connect() {
  if (client) return client.get();
  client::ConnectOptions o;
  if (sw.rundir) {
    o.rundir = *sw.rundir;
    o.kind = client::ConnectOptions::Kind::udmd;
  }
  auto c = client::Client::connect(o);
  if (!c) {
    err(c.error().message);
    err("Failure to communicate with the device-mapper driver (udmd or kernel).");
    return nullptr;
  }
  client = std::move(*c);
  return client.get();
}

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
  if (ctx.sw.rundir) ::setenv("UDM_RUNDIR", ctx.sw.rundir->c_str(), 1);
  auto& args = cl->args;
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
  if (ctx.sw.select || ctx.sw.rows) {
    err("udmsetup: --select and --rows are not supported.");
    return 1;
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

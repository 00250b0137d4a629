// Helpers every udmsetup command uses (see cli.hpp).
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "base/devno.hpp"
#include "format.hpp"
#include "table_text.hpp"

namespace udm::udmsetup {


void out(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }
void err(const std::string& s) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", s.c_str());
}

// Prints a library error the way dmsetup shows libdm's log lines: the
// driver's own explanation first when it gave one (udmd does; a kernel logs
// it to dmesg instead).
bool g_verbose = false;
bool g_help_shown = false;
bool g_mangle = true;

std::string input_name(const std::string& name) { return g_mangle ? mangle_name(name) : name; }

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
    "\tcreate --concise [<concise_device_spec_list>]\n"
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
    "\tstats <command> [<options>] [<device>...]\n"
    "\tstatus [<device>...] [--noflush] [--target <target_type>]\n"
    "\ttable [<device>...] [--concise] [--target <target_type>] [--showkeys]\n"
    "\twait <device> [<event_nr>] [--noflush]\n"
    "\tmknodes [<device>...]\n"
    "\tmangle [<device>...]\n"
    "\tudevcreatecookie \n"
    "\tudevreleasecookie [<cookie>]\n"
    "\tudevflags <cookie>\n"
    "\tudevcomplete <cookie>\n"
    "\tudevcomplete_all [<age_in_minutes>]\n"
    "\tudevcookies \n"
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
    "<concise_device_specification> has single-device entries separated by semi-colons:\n"
    "    <name>,<uuid>,<minor>,<flags>,<table>\n"
    "        where <flags> is 'ro' or 'rw' (the default) and any of <uuid>, <minor>\n"
    "        and <flags> may be empty. Separate extra table lines with commas.\n"
    "    E.g.: dev1,,,,0 100 linear 253:1 0,100 100 error;dev2,,,ro,0 1 error\n"
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
    t.set_name(input_name(*name));
  } else if (ctx.sw.uuid) {
    t.set_uuid(input_name(*ctx.sw.uuid));
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

// udmd's <rundir>/exports.status: "fuse: ok" or "fuse: unavailable: WHY",
// the same for nbd. Returns WHY, or "" when the export runs (or the file is
// missing: an older udmd).
static std::string export_unavailable(const std::string& rundir, std::string_view which) {
  std::ifstream f(rundir + "/exports.status");
  std::string line;
  const std::string prefix = std::string(which) + ": unavailable: ";
  while (std::getline(f, line))
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  return {};
}

std::string udm_extra_lines(Context& ctx, const client::DeviceInfo& info) {
  if (!ctx.on_udmd()) return {};
  std::string extra;
  const auto& rundir = ctx.client->rundir();
  std::string file = rundir + "/dev/mapper/" + info.name;
  if (auto why = export_unavailable(rundir, "fuse"); !why.empty())
    extra += format_file_line("(unavailable: " + why + ")");
  else if (path_exists(file))
    extra += format_file_line(file);
  // A device without a live table is not exported over NBD.
  std::string nbd = rundir + "/nbd.sock";
  if (auto why = export_unavailable(rundir, "nbd"); !why.empty())
    extra += fmt::format("NBD URI:           (unavailable: {})\n", why);
  else if (info.live_table && path_exists(nbd))
    extra += format_nbd_line(info.name, nbd);
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
            const std::function<void(Task&)>& setup) {
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
  // libdm refuses a listing that holds a name it would have had to mangle.
  if (g_mangle)
    for (const auto& n : t.names())
      if (mangle_name(n.name) != n.name) {
        err(fmt::format("The name \"{}\" should be mangled but it contains blacklisted characters.",
                        n.name));
        return std::nullopt;
      }
  return t.names();
}


// dmsetup's _process_all: run fn on every device, "No devices found" if none.
bool process_all(Context& ctx, const DeviceFn& fn, bool silent) {
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


std::optional<Report> make_report(Context& ctx, const std::string& defaults) {
  ReportOptions o;
  if (ctx.sw.options) o.fields = *ctx.sw.options;
  o.headings = !ctx.sw.noheadings;
  o.separator = ctx.sw.separator;
  o.name_prefixes = ctx.sw.nameprefixes;
  if (ctx.sw.sort) o.sort = *ctx.sw.sort;
  o.rows = ctx.sw.rows;
  if (ctx.sw.select) o.select = *ctx.sw.select;
  auto r = Report::create(o, defaults);
  if (!r && r.error().code == EBADMSG) {  // the selection: libdevmapper's lines as they are
    std::fflush(stdout);
    std::fputs(r.error().message.c_str(), stderr);
    return std::nullopt;
  }
  if (!r) {
    std::fflush(stdout);
    std::fputs(Report::help_text().c_str(), stderr);
    if (r.error().code != EAGAIN) err(r.error().message);
    else g_help_shown = true;
    return std::nullopt;
  }
  return std::move(*r);
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

std::string blkdevname(Context& ctx, unsigned major, unsigned minor) {
  // udm's devices have no sysfs entry; name them as the kernel would (dm-N),
  // as udm-run's shim shows them to a real dmsetup.
  if (ctx.on_udmd() && major == UDM_BLOCK_MAJOR) return fmt::format("dm-{}", minor);
  char link[4096];
  std::string path = fmt::format("/sys/dev/block/{}:{}", major, minor);
  ssize_t n = ::readlink(path.c_str(), link, sizeof(link) - 1);
  if (n <= 0) return {};
  std::string target(link, static_cast<std::size_t>(n));
  return target.substr(target.rfind('/') + 1);
}

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

}  // namespace udm::udmsetup

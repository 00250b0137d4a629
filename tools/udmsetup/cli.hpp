// udmsetup internals shared by the command files: output helpers, device
// addressing, the "every device" loop, tables from --table/file/stdin, and
// each command's entry point. Commands return true/0 on success; the caller
// prints "Command failed." as dmsetup does.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <udm/client.hpp>

#include "commands.hpp"
#include "report.hpp"

namespace udm::udmsetup {

using client::Task;
using client::TaskType;

// ------------------------------------------------------------- cli_support.cpp

extern bool g_verbose;     // -v given: driver messages go before libdm's line
extern bool g_help_shown;  // -o help printed the field list: succeed quietly

extern bool g_mangle;      // --manglename none turns libdevmapper's mangling off

// A device name or uuid from the command line as the driver gets it.
std::string input_name(const std::string& name);

void out(const std::string& s);  // stdout, as is
void err(const std::string& s);  // stderr, one line
void report_error(const Task& t, const Error& e);
void usage();

// The device a per-device command addresses: a name, or -u / -j -m;
// "No device specified." when none.
bool set_device(Context& ctx, Task& t, const std::string* name);
const std::string* first(const std::vector<std::string>& args);

std::optional<unsigned> read_ahead_of(Context& ctx, const client::DeviceInfo& info);
bool path_exists(const std::string& p);
std::string udm_extra_lines(Context& ctx, const client::DeviceInfo& info);
bool display_info(Context& ctx, const client::DeviceInfo& info);
// A per-device operation with no output (suspend, resume, remove, clear).
bool simple(Context& ctx, TaskType type, const std::string* name, bool display,
            const std::function<void(Task&)>& setup = {});
std::optional<std::vector<client::NameEntry>> list_devices(Context& ctx);

using DeviceFn = std::function<bool(Context&, const std::string* name, bool multiple)>;
// dmsetup's _process_all: fn on every device, "No devices found" if none.
bool process_all(Context& ctx, const DeviceFn& fn, bool silent = false);
// The named devices, -u/-j, or every device; "Command failed." on the first failure.
int for_devices(Context& ctx, const std::vector<std::string>& args, const DeviceFn& fn);
std::optional<std::vector<client::TableLine>> read_table(Context& ctx, const std::string* file);
std::optional<Report> make_report(Context& ctx, const std::string& defaults);
// The kernel's name of a block device: "sda" from sysfs, "dm-N" for udm's
// devices, "" if unknown.
std::string blkdevname(Context& ctx, unsigned major, unsigned minor);

// ------------------------------------------------------------- cmd_devices.cpp

bool cmd_create(Context& ctx, const std::vector<std::string>& args, bool);
bool cmd_load(Context& ctx, const std::vector<std::string>& args, bool);
bool error_device(Context& ctx, const std::string* name, bool);
bool cmd_remove(Context& ctx, const std::vector<std::string>& args, bool multiple);
bool cmd_remove_all(Context& ctx, const std::vector<std::string>&, bool);
bool cmd_suspend(Context& ctx, const std::vector<std::string>& args, bool);
bool cmd_resume(Context& ctx, const std::vector<std::string>& args, bool);
bool cmd_clear(Context& ctx, const std::vector<std::string>& args, bool);
bool cmd_wipe_table(Context& ctx, const std::vector<std::string>& args, bool multiple);
bool cmd_rename(Context& ctx, const std::vector<std::string>& args, bool);
bool cmd_message(Context& ctx, const std::vector<std::string>& args, bool);
bool cmd_wait(Context& ctx, const std::vector<std::string>& args, bool);
bool cmd_setgeometry(Context& ctx, const std::vector<std::string>& args, bool);
int cmd_mknodes(Context& ctx, const std::vector<std::string>& args);

// ------------------------------------------------------------- cmd_queries.cpp

int cmd_info_all(Context& ctx, const std::vector<std::string>& args);
bool status_one(Context& ctx, const std::string* name, bool multiple, bool table, bool ls_only);
bool cmd_version(Context& ctx, const std::vector<std::string>&, bool);
bool cmd_targets(Context& ctx, const std::vector<std::string>&, bool);
bool cmd_target_version(Context& ctx, const std::vector<std::string>& args, bool);
int cmd_splitname(Context& ctx, const std::vector<std::string>& args);
int cmd_table(Context& ctx, const std::vector<std::string>& args);
int cmd_status(Context& ctx, const std::vector<std::string>& args);
int cmd_deps(Context& ctx, const std::vector<std::string>& args);

// ------------------------------------------------------------- cmd_tree.cpp

int cmd_ls(Context& ctx, const std::vector<std::string>& args);

// ------------------------------------------------------------- cmd_daemon.cpp

int cmd_daemon(Context& ctx, const std::vector<std::string>& args);

// ------------------------------------------------------------- cmd_select.cpp

// -S for per-device commands: fn(name) on each device the selection takes.
int run_selected(Context& ctx, const std::string& command,
                 const std::function<bool(Context&, const std::string&)>& fn);
bool deps_one(Context& ctx, const std::string* name, bool multiple);

// ------------------------------------------------------------- cmd_udev.cpp

int cmd_udevflags(Context& ctx, const std::vector<std::string>& args);
int cmd_udevcomplete(Context& ctx, const std::vector<std::string>& args);
int cmd_udevcreatecookie(Context& ctx, const std::vector<std::string>& args);
int cmd_udevreleasecookie(Context& ctx, const std::vector<std::string>& args);
int cmd_udevcookies(Context& ctx, const std::vector<std::string>& args);
int cmd_udevcomplete_all(Context& ctx, const std::vector<std::string>& args);
int cmd_mangle(Context& ctx, const std::vector<std::string>& args);

// ------------------------------------------------------------- cmd_stats.cpp

// args[0]: the subcommand (create, delete, clear, print, list, report, ...).
int cmd_stats(Context& ctx, const std::vector<std::string>& args);

}  // namespace udm::udmsetup

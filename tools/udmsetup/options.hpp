// udmsetup's command line: dmsetup's getopt_long switches (options may come
// before or after the command and its arguments), plus udm's --rundir.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace udm::udmsetup {

struct Switches {
  int verbose = 0;
  bool force = false, readonly = false, columns = false, inactive = false, noflush = false;
  bool nolockfs = false, noopencount = false, notable = false, setuuid = false, showkeys = false;
  bool tree = false, deferred = false, noheadings = false, nameprefixes = false, retry = false;
  bool concise = false, help = false, version = false, yes = false, unbuffered = false;
  bool addnodeoncreate = false, addnodeonresume = false, checks = false, rows = false;
  bool noudevsync = false, noudevrules = false, verifyudev = false;
  std::optional<std::string> table, uuid, target, options, separator, sort, select, exec, rundir;
  std::optional<std::string> manglename, readahead, udevcookie, mode, units;
  std::optional<std::uint32_t> major, minor, uid, gid;
  // dmstats (`stats` and the dmstats name).
  bool alldevices = false, allprograms = false, allregions = false, area = false, region = false;
  bool group = false, clear = false, histogram = false, precise = false, nosuffix = false;
  bool notimesuffix = false, raw = false, relative = false, segments = false, filemap = false;
  bool nogroup = false, nomonitor = false, foreground = false, unquoted = false;
  std::optional<int> areas, regionid, groupid, count;
  std::optional<std::string> areasize, start, length, bounds, programid, userdata, interval;
  std::optional<std::string> regions, alias, follow;
  std::optional<std::string> svg;  // udm: stats report --svg FILE (latency histogram picture)
  bool bars = false;               // udm: stats report --bars (the same as terminal bars)
};

struct CommandLine {
  Switches sw;
  std::vector<std::string> args;  // args[0] is the command, when given
};

// Parses argv with getopt_long (which prints its own "unrecognized option"
// line). On error the message is dmsetup's ("--table and --notable are
// incompatible.") or empty when getopt already printed one; the caller then
// prints "Couldn't process command line.".
Result<CommandLine> parse_command_line(int argc, char** argv);

}  // namespace udm::udmsetup

#include "options.hpp"

#include <getopt.h>

#include <cerrno>
#include <cstdlib>

namespace udm::udmsetup {

namespace {

enum LongOnly {
  OPT_ADDNODEONCREATE = 256, OPT_ADDNODEONRESUME, OPT_CHECKS, OPT_CONCISE, OPT_DEFERRED,
  OPT_EXEC, OPT_INACTIVE, OPT_MANGLENAME, OPT_NAMEPREFIXES, OPT_NOFLUSH, OPT_NOHEADINGS,
  OPT_NOLOCKFS, OPT_NOOPENCOUNT, OPT_NOUDEVRULES, OPT_NOUDEVSYNC, OPT_READAHEAD, OPT_RETRY,
  OPT_ROWS, OPT_SEPARATOR, OPT_SETUUID, OPT_SHOWKEYS, OPT_TABLE, OPT_TARGET, OPT_TREE,
  OPT_UDEVCOOKIE, OPT_UNBUFFERED, OPT_UNITS, OPT_VERIFYUDEV, OPT_VERSION, OPT_RUNDIR,
  OPT_ALIAS, OPT_ALLDEVICES, OPT_ALLPROGRAMS, OPT_ALLREGIONS, OPT_AREA, OPT_AREAS, OPT_AREASIZE,
  OPT_BOUNDS, OPT_CLEAR, OPT_COUNT, OPT_FILEMAP, OPT_FOLLOW, OPT_FOREGROUND, OPT_GROUP, OPT_GROUPID,
  OPT_HISTOGRAM, OPT_INTERVAL, OPT_LENGTH, OPT_NOGROUP, OPT_NOMONITOR, OPT_NOSUFFIX, OPT_NOTIMESUFFIX,
  OPT_PRECISE, OPT_PROGRAMID, OPT_RAW, OPT_REGION, OPT_REGIONS, OPT_REGIONID, OPT_RELATIVE,
  OPT_SEGMENTS, OPT_START, OPT_UNQUOTED, OPT_USERDATA, OPT_SVG, OPT_BARS,
};

const option LONG_OPTIONS[] = {
    {"readonly", no_argument, nullptr, 'r'},
    {"columns", no_argument, nullptr, 'c'},
    {"concise", no_argument, nullptr, OPT_CONCISE},
    {"exec", required_argument, nullptr, OPT_EXEC},
    {"force", no_argument, nullptr, 'f'},
    {"gid", required_argument, nullptr, 'G'},
    {"help", no_argument, nullptr, 'h'},
    {"inactive", no_argument, nullptr, OPT_INACTIVE},
    {"manglename", required_argument, nullptr, OPT_MANGLENAME},
    {"major", required_argument, nullptr, 'j'},
    {"minor", required_argument, nullptr, 'm'},
    {"mode", required_argument, nullptr, 'M'},
    {"nameprefixes", no_argument, nullptr, OPT_NAMEPREFIXES},
    {"noflush", no_argument, nullptr, OPT_NOFLUSH},
    {"noheadings", no_argument, nullptr, OPT_NOHEADINGS},
    {"nolockfs", no_argument, nullptr, OPT_NOLOCKFS},
    {"noopencount", no_argument, nullptr, OPT_NOOPENCOUNT},
    {"notable", no_argument, nullptr, 'n'},
    {"udevcookie", required_argument, nullptr, OPT_UDEVCOOKIE},
    {"noudevrules", no_argument, nullptr, OPT_NOUDEVRULES},
    {"noudevsync", no_argument, nullptr, OPT_NOUDEVSYNC},
    {"options", required_argument, nullptr, 'o'},
    {"readahead", required_argument, nullptr, OPT_READAHEAD},
    {"retry", no_argument, nullptr, OPT_RETRY},
    {"rows", no_argument, nullptr, OPT_ROWS},
    {"select", required_argument, nullptr, 'S'},
    {"separator", required_argument, nullptr, OPT_SEPARATOR},
    {"setuuid", no_argument, nullptr, OPT_SETUUID},
    {"showkeys", no_argument, nullptr, OPT_SHOWKEYS},
    {"sort", required_argument, nullptr, 'O'},
    {"table", required_argument, nullptr, OPT_TABLE},
    {"target", required_argument, nullptr, OPT_TARGET},
    {"tree", no_argument, nullptr, OPT_TREE},
    {"uid", required_argument, nullptr, 'U'},
    {"unbuffered", no_argument, nullptr, OPT_UNBUFFERED},
    {"units", required_argument, nullptr, OPT_UNITS},
    {"uuid", required_argument, nullptr, 'u'},
    {"verbose", no_argument, nullptr, 'v'},
    {"verifyudev", no_argument, nullptr, OPT_VERIFYUDEV},
    {"version", no_argument, nullptr, OPT_VERSION},
    {"yes", no_argument, nullptr, 'y'},
    {"addnodeonresume", no_argument, nullptr, OPT_ADDNODEONRESUME},
    {"addnodeoncreate", no_argument, nullptr, OPT_ADDNODEONCREATE},
    {"checks", no_argument, nullptr, OPT_CHECKS},
    {"deferred", no_argument, nullptr, OPT_DEFERRED},
    {"rundir", required_argument, nullptr, OPT_RUNDIR},
    {"alias", required_argument, nullptr, OPT_ALIAS},
    {"alldevices", no_argument, nullptr, OPT_ALLDEVICES},
    {"allprograms", no_argument, nullptr, OPT_ALLPROGRAMS},
    {"allregions", no_argument, nullptr, OPT_ALLREGIONS},
    {"area", no_argument, nullptr, OPT_AREA},
    {"areas", required_argument, nullptr, OPT_AREAS},
    {"areasize", required_argument, nullptr, OPT_AREASIZE},
    {"bounds", required_argument, nullptr, OPT_BOUNDS},
    {"clear", no_argument, nullptr, OPT_CLEAR},
    {"count", required_argument, nullptr, OPT_COUNT},
    {"filemap", no_argument, nullptr, OPT_FILEMAP},
    {"follow", required_argument, nullptr, OPT_FOLLOW},
    {"foreground", no_argument, nullptr, OPT_FOREGROUND},
    {"group", no_argument, nullptr, OPT_GROUP},
    {"groupid", required_argument, nullptr, OPT_GROUPID},
    {"histogram", no_argument, nullptr, OPT_HISTOGRAM},
    {"interval", required_argument, nullptr, OPT_INTERVAL},
    {"length", required_argument, nullptr, OPT_LENGTH},
    {"nogroup", no_argument, nullptr, OPT_NOGROUP},
    {"nomonitor", no_argument, nullptr, OPT_NOMONITOR},
    {"nosuffix", no_argument, nullptr, OPT_NOSUFFIX},
    {"notimesuffix", no_argument, nullptr, OPT_NOTIMESUFFIX},
    {"precise", no_argument, nullptr, OPT_PRECISE},
    {"programid", required_argument, nullptr, OPT_PROGRAMID},
    {"raw", no_argument, nullptr, OPT_RAW},
    {"region", no_argument, nullptr, OPT_REGION},
    {"regions", required_argument, nullptr, OPT_REGIONS},
    {"regionid", required_argument, nullptr, OPT_REGIONID},
    {"relative", no_argument, nullptr, OPT_RELATIVE},
    {"segments", no_argument, nullptr, OPT_SEGMENTS},
    {"start", required_argument, nullptr, OPT_START},
    {"unquoted", no_argument, nullptr, OPT_UNQUOTED},
    {"userdata", required_argument, nullptr, OPT_USERDATA},
    {"svg", required_argument, nullptr, OPT_SVG},
    {"bars", no_argument, nullptr, OPT_BARS},
    {nullptr, 0, nullptr, 0},
};

std::uint32_t to_u32(const char* s) { return static_cast<std::uint32_t>(std::strtoul(s, nullptr, 0)); }

}  // namespace

Result<CommandLine> parse_command_line(int argc, char** argv) {
  CommandLine cl;
  auto& sw = cl.sw;
  optind = 0;  // full reinitialisation (tests parse several command lines)
  opterr = 1;
  int c;
  while ((c = getopt_long(argc, argv, "cCfG:hj:m:M:no:O:rS:u:U:vy", LONG_OPTIONS, nullptr)) != -1) {
    switch (c) {
      case 'c': case 'C': sw.columns = true; break;
      case 'f': sw.force = true; break;
      case 'G': sw.gid = to_u32(optarg); break;
      case 'h': sw.help = true; break;
      case 'j': sw.major = to_u32(optarg); break;
      case 'm': sw.minor = to_u32(optarg); break;
      case 'M': sw.mode = optarg; break;
      case 'n': sw.notable = true; break;
      case 'o': sw.options = optarg; break;
      case 'O': sw.sort = optarg; break;
      case 'r': sw.readonly = true; break;
      case 'S': sw.select = optarg; break;
      case 'u': sw.uuid = optarg; break;
      case 'U': sw.uid = to_u32(optarg); break;
      case 'v': ++sw.verbose; break;
      case 'y': sw.yes = true; break;
      case OPT_ADDNODEONCREATE: sw.addnodeoncreate = true; break;
      case OPT_ADDNODEONRESUME: sw.addnodeonresume = true; break;
      case OPT_CHECKS: sw.checks = true; break;
      case OPT_CONCISE: sw.concise = true; break;
      case OPT_DEFERRED: sw.deferred = true; break;
      case OPT_EXEC: sw.exec = optarg; break;
      case OPT_INACTIVE: sw.inactive = true; break;
      case OPT_MANGLENAME: sw.manglename = optarg; break;
      case OPT_NAMEPREFIXES: sw.nameprefixes = true; break;
      case OPT_NOFLUSH: sw.noflush = true; break;
      case OPT_NOHEADINGS: sw.noheadings = true; break;
      case OPT_NOLOCKFS: sw.nolockfs = true; break;
      case OPT_NOOPENCOUNT: sw.noopencount = true; break;
      case OPT_NOUDEVRULES: sw.noudevrules = true; break;
      case OPT_NOUDEVSYNC: sw.noudevsync = true; break;
      case OPT_READAHEAD: sw.readahead = optarg; break;
      case OPT_RETRY: sw.retry = true; break;
      case OPT_ROWS: sw.rows = true; break;
      case OPT_SEPARATOR: sw.separator = optarg; break;
      case OPT_SETUUID: sw.setuuid = true; break;
      case OPT_SHOWKEYS: sw.showkeys = true; break;
      case OPT_TABLE: sw.table = optarg; break;
      case OPT_TARGET: sw.target = optarg; break;
      case OPT_TREE: sw.tree = true; break;
      case OPT_UDEVCOOKIE: sw.udevcookie = optarg; break;
      case OPT_UNBUFFERED: sw.unbuffered = true; break;
      case OPT_UNITS: sw.units = optarg; break;
      case OPT_VERIFYUDEV: sw.verifyudev = true; break;
      case OPT_VERSION: sw.version = true; break;
      case OPT_RUNDIR: sw.rundir = optarg; break;
      case OPT_ALIAS: sw.alias = optarg; break;
      case OPT_ALLDEVICES: sw.alldevices = true; break;
      case OPT_ALLPROGRAMS: sw.allprograms = true; break;
      case OPT_ALLREGIONS: sw.allregions = true; break;
      case OPT_AREA: sw.area = true; break;
      case OPT_AREAS: sw.areas = std::atoi(optarg); break;
      case OPT_AREASIZE: sw.areasize = optarg; break;
      case OPT_BOUNDS: sw.bounds = optarg; break;
      case OPT_CLEAR: sw.clear = true; break;
      case OPT_COUNT:
        sw.count = std::atoi(optarg);
        if (*sw.count < 0) return fail(EINVAL, "--count argument must be a positive integer.");
        break;
      case OPT_FILEMAP: sw.filemap = true; break;
      case OPT_FOLLOW: sw.follow = optarg; break;
      case OPT_FOREGROUND: sw.foreground = true; break;
      case OPT_GROUP: sw.group = true; break;
      case OPT_GROUPID: sw.groupid = std::atoi(optarg); break;
      case OPT_HISTOGRAM: sw.histogram = true; break;
      case OPT_INTERVAL: sw.interval = optarg; break;
      case OPT_LENGTH: sw.length = optarg; break;
      case OPT_NOGROUP: sw.nogroup = true; break;
      case OPT_NOMONITOR: sw.nomonitor = true; break;
      case OPT_NOSUFFIX: sw.nosuffix = true; break;
      case OPT_NOTIMESUFFIX: sw.notimesuffix = true; break;
      case OPT_PRECISE: sw.precise = true; break;
      case OPT_PROGRAMID: sw.programid = optarg; break;
      case OPT_RAW: sw.raw = true; break;
      case OPT_REGION: sw.region = true; break;
      case OPT_REGIONS: sw.regions = optarg; break;
      case OPT_REGIONID: sw.regionid = std::atoi(optarg); break;
      case OPT_RELATIVE: sw.relative = true; break;
      case OPT_SEGMENTS: sw.segments = true; break;
      case OPT_START: sw.start = optarg; break;
      case OPT_UNQUOTED: sw.unquoted = true; break;
      case OPT_USERDATA: sw.userdata = optarg; break;
      case OPT_SVG: sw.svg = optarg; break;
      case OPT_BARS: sw.bars = true; break;
      default: return fail(EINVAL, "");  // getopt printed the reason
    }
  }
  if (sw.major.has_value() != sw.minor.has_value())
    return fail(EINVAL, "Please specify both major number and minor number.");
  if (sw.table && sw.notable) return fail(EINVAL, "--table and --notable are incompatible.");
  if (sw.addnodeoncreate && sw.addnodeonresume)
    return fail(EINVAL, "--addnodeonresume and --addnodeoncreate are incompatible.");
  for (int i = optind; i < argc; ++i) cl.args.emplace_back(argv[i]);
  return cl;
}

}  // namespace udm::udmsetup

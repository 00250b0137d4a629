// `udmsetup stats ...` and the dmstats name: dmstats' subcommands over the
// driver's @stats_* messages, printing what dmstats 1.02.185 prints.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "cli.hpp"
#include "stats_group.hpp"
#include "format.hpp"
#include "report.hpp"
#include "stats_filemap.hpp"
#include "stats_histogram.hpp"
#include "stats_report.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <optional>

namespace udm::udmsetup {

// cmd_queries.cpp: a device's info -c row.
bool fill_row(Context& ctx, const client::DeviceInfo& info, const ReportNeeds& needs, ReportRow& row);

namespace {

constexpr const char* PROGRAM_ID = "dmstats";

// Sends `msg` to the device; the reply (empty without one), or nullopt
// after printing the driver's error.
std::optional<std::string> send(Context& ctx, const std::string* name, const std::string& msg,
                                client::DeviceInfo* info = nullptr) {
  auto* c = ctx.connect();
  if (!c) return std::nullopt;
  Task t(*c, TaskType::target_msg);
  if (!set_device(ctx, t, name)) return std::nullopt;
  t.set_message(0, msg);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return std::nullopt;
  }
  if (info) *info = t.info();
  return t.message_reply().value_or("");
}

std::optional<std::vector<StatsRegionData>> list_regions(Context& ctx, const std::string* name,
                                                         const std::string& program) {
  auto reply = send(ctx, name, "@stats_list " + program);
  if (!reply) return std::nullopt;
  std::vector<StatsRegionData> regions;
  if (!parse_stats_list(*reply, regions)) {
    err("Could not parse @stats_list response.");
    return std::nullopt;
  }
  return regions;
}

// The name of the device `name` (or --uuid/--major) selects; nullopt after
// saying why when it does not exist.
std::optional<std::string> device_name(Context& ctx, const std::string* name) {
  auto* c = ctx.connect();
  if (!c) return std::nullopt;
  Task t(*c, TaskType::info);
  if (!set_device(ctx, t, name)) return std::nullopt;
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return std::nullopt;
  }
  if (!t.info().exists) {
    err("Device does not exist.");
    return std::nullopt;
  }
  return t.info().name;
}

// The program id whose regions list and report show ("" with --allprograms).
std::string program_id(const Context& ctx) {
  if (ctx.sw.allprograms) return "";
  return ctx.sw.programid ? *ctx.sw.programid : PROGRAM_ID;
}

// The regions' groups; libdm's complaints about a broken tag go to stderr.
std::vector<StatsGroupData> groups_of(std::vector<StatsRegionData>& regions) {
  std::vector<std::string> errors;
  auto groups = resolve_groups(regions, &errors);
  for (const auto& e : errors) err(e);
  return groups;
}

// libdm checks an id against the highest region id first.
bool above_max(const std::vector<StatsRegionData>& regions, std::uint64_t id) {
  for (const auto& r : regions)
    if (r.id >= id) return false;
  return true;
}

// libdm's words for a group id past the last region, or one leading no group.
std::string group_missing(const std::vector<StatsRegionData>& regions, std::uint64_t id) {
  if (above_max(regions, id)) return fmt::format("Invalid group ID: {}", id);
  return fmt::format("Group ID {} does not exist", id);
}

// dm_units_to_factor for --start/--length/--areasize (non-strict).
std::uint64_t unit_factor(const char* u) {
  switch (*u) {
    case 'b': case 'B': return 1;
    case 's': case 'S': return 512;
    case 'k': return 1024;
    case 'K': return 1000;
    case 'm': return 1024ull << 10;
    case 'M': return 1000ull * 1000;
    case 'g': return 1024ull << 20;
    case 'G': return 1000ull * 1000 * 1000;
    case 't': return 1024ull << 30;
    case 'T': return 1000ull * 1000 * 1000 * 1000;
    case 'p': return 1024ull << 40;
    case 'P': return 1000ull * 1000 * 1000 * 1000 * 1000;
    case 'e': return 1024ull << 50;
    case 'E': return 1000ull * 1000 * 1000 * 1000 * 1000 * 1000;
    default: return 0;
  }
}

// _size_from_string: bytes; a bare number is in sectors.
bool size_arg(const std::string& text, std::uint64_t& bytes, const char* what) {
  char* end = nullptr;
  bytes = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) {
    bytes = 0;
    err(fmt::format("Invalid {} argument: \"{}\"", what, text));
    return false;
  }
  if (*end == '\0') {
    bytes *= 512;
    return true;
  }
  if (std::uint64_t f = unit_factor(end)) bytes *= f;
  return true;
}

// dm_histogram_bounds_from_string: "10,20ms,1s"; bare numbers are ns.
bool parse_bounds(const std::string& text, std::vector<std::uint64_t>& ns) {
  const char* p = text.c_str();
  while (*p) {
    char* end = nullptr;
    const std::uint64_t v = std::strtoull(p, &end, 10);
    if (end == p) {
      err(fmt::format("Could not parse histogram bound value: {}", p));
      return false;
    }
    std::uint64_t scale = 1;
    if (!std::strncmp(end, "ns", 2)) {
      end += 2;
    } else if (!std::strncmp(end, "us", 2)) {
      scale = 1000;
      end += 2;
    } else if (!std::strncmp(end, "ms", 2)) {
      scale = 1000 * 1000;
      end += 2;
    } else if (*end == 's') {
      scale = 1000 * 1000 * 1000;
      ++end;
    }
    ns.push_back(v * scale);
    if (*end == ',') {
      ++end;
    } else if (*end) {
      err(fmt::format("Invalid character in histogram: '{}' (0x{:x})", *end, static_cast<unsigned char>(*end)));
      return false;
    }
    p = end;
  }
  return !ns.empty();
}

bool stats_create(Context& ctx, const std::string* name);
bool stats_delete(Context& ctx, const std::string* name);
bool stats_clear(Context& ctx, const std::string* name);
bool stats_print(Context& ctx, const std::string* name);

bool set_aux(Context& ctx, const std::string* name, std::uint64_t id, const std::string& aux);

// The optional arguments of @stats_create for --precise and --bounds ("" for none).
// dmstats' --filemap takes no --precise (`precise_flag` false): only bounds
// below a millisecond make it precise.
bool region_options(Context& ctx, std::string& opts, bool precise_flag = true) {
  const auto& sw = ctx.sw;
  bool precise = precise_flag && sw.precise;
  std::string hist;
  if (sw.bounds) {
    std::vector<std::uint64_t> ns;
    if (!parse_bounds(*sw.bounds, ns)) return false;
    for (std::size_t i = 1; i < ns.size(); ++i)
      if (ns[i] < ns[i - 1]) return err("Histogram boundaries must be in order of increasing magnitude."), false;
    for (auto v : ns)
      if (v % 1'000'000) precise = true;  // sub-millisecond bounds need ns counters
    for (std::size_t i = 0; i < ns.size(); ++i)
      hist += (i ? "," : "") + std::to_string(precise ? ns[i] : ns[i] / 1'000'000);
  }
  const int nr_opt = (precise ? 1 : 0) + (hist.empty() ? 0 : 1);
  opts = nr_opt ? fmt::format("{} {} {}{}", nr_opt, precise ? "precise_timestamps" : "",
                              hist.empty() ? "" : "histogram:", hist)
                : "";
  return true;
}

// A file named to --filemap/update_filemap: its canonical path, the udm
// device its filesystem sits on, and its extents there.
struct MappedFile {
  std::string path, dev;
  std::vector<FileExtent> extents;
};

enum class FilemapCmd { create, update };

// Prints `why` and dmstats' closing line for the command (update's has no
// full stop in dmstats).
bool cannot_map(const std::string& why, FilemapCmd cmd, const std::string& path) {
  err(why);
  err(cmd == FilemapCmd::create ? fmt::format("Could not create regions from file {}.", path)
                                : fmt::format("Could not update regions from file {}", path));
  return false;
}

// realpath, open, FIEMAP, then the device by the file's st_dev, with the
// errors in create's order: `after_open` (region options) runs between the
// file's errors and the device lookup's; nullopt after printing the error.
std::optional<MappedFile> map_file(Context& ctx, const std::string& arg, FilemapCmd cmd,
                                   const std::function<bool()>& after_open = {}) {
  char* real = realpath(arg.c_str(), nullptr);
  if (!real) return err("Could not canonicalize file name: " + arg), std::nullopt;
  MappedFile m;
  m.path = real;
  std::free(real);
  const int fd = open(m.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cannot_map(fmt::format("Could not open {} for reading: {}", m.path, std::strerror(errno)), cmd, m.path),
           std::nullopt;
  struct stat st {};
  auto extents = fstat(fd, &st) == 0 ? file_extents(fd) : Result<std::vector<FileExtent>>(fail(errno, "fstat failed"));
  close(fd);
  if (after_open && !after_open()) return std::nullopt;
  auto* c = ctx.connect();
  if (!c) return std::nullopt;
  Task t(*c, TaskType::info);
  t.set_devno(major(st.st_dev), minor(st.st_dev));
  if (auto r = t.run(); !r || !t.info().exists)
    return cannot_map("Cannot map file: not a device-mapper device.", cmd, m.path), std::nullopt;
  if (!extents) return cannot_map(extents.error().message, cmd, m.path), std::nullopt;
  m.dev = t.info().name;
  m.extents = std::move(*extents);
  return m;
}

// create --filemap FILE: a region per extent of the file on the udm device
// its filesystem is on (see stats_filemap.hpp), grouped under the file's
// name unless --nogroup. udm has no dmfilemapd: the regions are not updated
// as the file changes (as dmstats --nomonitor).
bool stats_create_filemap(Context& ctx, const std::vector<std::string>& paths) {
  const auto& sw = ctx.sw;
  if (paths.empty()) return err("--filemap requires a file path argument"), false;
  if (sw.userdata) return err("--userdata is not yet supported with --filemap."), false;
  std::string opts;
  auto file = map_file(ctx, paths[0], FilemapCmd::create, [&] { return region_options(ctx, opts, false); });
  if (!file) return false;
  const std::string& path = file->path;
  const std::string& dev = file->dev;
  const auto& extents = file->extents;
  auto cannot = [&](const std::string& why) { return cannot_map(why, FilemapCmd::create, path); };
  const std::string program = PROGRAM_ID;  // dmstats' --filemap takes no --programid either
  std::vector<std::uint64_t> ids;
  for (const auto& e : extents) {
    auto reply = send(ctx, &dev, fmt::format("@stats_create {}+{} /1 {} {} ", e.start, e.length, opts, program));
    if (!reply) return cannot("Failed to create region for file extent.");
    ids.push_back(std::strtoull(reply->c_str(), nullptr, 10));
  }
  if (ids.empty()) return cannot("Cannot map file: no extents.");
  if (sw.nogroup) {
    for (auto id : ids) out(fmt::format("{}: Created new region with 1 area as region ID {}.\n", path, id));
    return true;
  }
  std::vector<std::uint64_t> members = ids;
  std::sort(members.begin(), members.end());
  const std::string alias = path.substr(path.rfind('/') + 1);
  if (!set_aux(ctx, &dev, members.front(), format_group_tag(StatsGroupTag{alias, members, ""})))
    return cannot("Failed to create group for file extents.");
  out(fmt::format("{}: Created new group with {} region(s) as group ID {}.\n", path, ids.size(), members.front()));
  return true;
}

// update_filemap --groupid ID FILE: the group follows the file's extents
// now: members still matching an extent stay (their counters with them),
// the others go, new extents get regions with the leader's histogram; the
// group is written again under its alias.
bool stats_update_filemap(Context& ctx, const std::vector<std::string>& paths) {
  const auto& sw = ctx.sw;
  if (paths.empty()) return err("update_filemap requires a file path argument"), false;
  if (!sw.groupid) return err("--groupid is required to update a filemap group."), false;
  auto file = map_file(ctx, paths[0], FilemapCmd::update);
  if (!file) return false;
  const std::string& path = file->path;
  const std::string& dev = file->dev;
  const auto& extents = file->extents;
  auto cannot = [&](const std::string& why) { return cannot_map(why, FilemapCmd::update, path); };
  std::vector<std::string> errors;
  auto regions = list_regions(ctx, &dev, PROGRAM_ID);
  if (!regions) return false;
  const auto groups = resolve_groups(*regions, &errors);
  const auto id = static_cast<std::uint64_t>(*sw.groupid);
  const StatsGroupData* g = nullptr;
  for (const auto& x : groups)
    if (x.id == id) g = &x;
  if (!g) return cannot(fmt::format("Group ID {} does not exist.", id));
  const StatsRegionData* leader = nullptr;
  for (const auto& r : *regions)
    if (r.id == id) leader = &r;
  // New regions take the leader's histogram as libdm copies it: bounds in
  // ns, precise, and its open last bin's bound (UINT64_MAX) as one more.
  std::string opts;
  if (leader && !leader->bounds.empty()) {
    std::string hist;
    for (auto b : leader->bounds) hist += std::to_string(leader->precise ? b : b * 1'000'000u) + ",";
    opts = fmt::format("2 precise_timestamps histogram:{}{}", hist, UINT64_MAX);
  } else if (leader && leader->precise) {
    opts = "1 precise_timestamps";
  }
  const std::string alias = g->alias, user_data = leader ? leader->user_data : "";
  std::vector<std::uint64_t> members;
  std::vector<bool> kept(extents.size(), false);
  for (auto m : g->members) {
    const StatsRegionData* r = nullptr;
    for (const auto& x : *regions)
      if (x.id == m) r = &x;
    if (!r) continue;
    bool match = false;
    for (std::size_t i = 0; i < extents.size() && !match; ++i)
      if (!kept[i] && extents[i].start == r->start && extents[i].length == r->len) match = kept[i] = true;
    if (match) {
      members.push_back(m);
    } else if (!send(ctx, &dev, fmt::format("@stats_delete {}", m))) {
      return cannot("Failed to delete region for a moved file extent.");
    }
  }
  for (std::size_t i = 0; i < extents.size(); ++i) {
    if (kept[i]) continue;
    const auto& e = extents[i];
    auto reply = send(ctx, &dev, fmt::format("@stats_create {}+{} /1 {} {} ", e.start, e.length, opts, PROGRAM_ID));
    if (!reply) return cannot("Failed to create region for file extent.");
    members.push_back(std::strtoull(reply->c_str(), nullptr, 10));
  }
  if (members.empty()) return cannot("Cannot map file: no extents.");
  std::sort(members.begin(), members.end());
  // A new leader carries the tag; the old one, if it stays a member, not.
  if (members.front() != id && std::find(members.begin(), members.end(), id) != members.end())
    if (!set_aux(ctx, &dev, id, "-")) return cannot("Failed to move the group tag.");
  if (!set_aux(ctx, &dev, members.front(), format_group_tag(StatsGroupTag{alias, members, user_data})))
    return cannot("Failed to update group for file extents.");
  out(fmt::format("{}: Updated group ID {} with {} region(s).\n", path, members.front(), members.size()));
  return true;
}

bool stats_create(Context& ctx, const std::string* name) {
  const auto& sw = ctx.sw;
  if (sw.allregions) return err("Cannot use --allregions with create."), false;
  if (sw.allprograms) return err("Cannot use --allprograms with create."), false;
  if (sw.areas && sw.areasize) return err("Please specify one of --areas and --areasize."), false;
  if (sw.programid && sw.programid->empty() && !sw.force)
    return err("Creating a region with no program id requires --force."), false;
  if (!name && !sw.uuid && !sw.major) {
    if (!sw.alldevices) return err("Please specify device(s) or use --alldevices."), false;
    return process_all(ctx, [](Context& x, const std::string* n, bool) { return stats_create(x, n); });
  }
  std::uint64_t areas = sw.areas ? static_cast<std::uint64_t>(*sw.areas) : 0, area_size = 0, start = 0, len = 0;
  if (sw.areasize && !size_arg(*sw.areasize, area_size, "areasize")) return false;
  if (!areas) areas = 1;
  const std::int64_t step = area_size ? static_cast<std::int64_t>(area_size) / 512 : -static_cast<std::int64_t>(areas);
  if (sw.start && !size_arg(*sw.start, start, "start")) return false;
  start /= 512;
  if (sw.length && !size_arg(*sw.length, len, "length")) return false;
  len /= 512;
  std::string program = sw.programid ? *sw.programid : PROGRAM_ID;
  if (program.empty()) program = PROGRAM_ID;
  const std::string user_data = sw.userdata ? *sw.userdata : "";
  std::string opts;
  if (!region_options(ctx, opts)) return false;

  // The whole table's length when no --length is given.
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::table);
  if (!set_device(ctx, t, name)) return false;
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (!t.info().exists) return false;
  const std::string devname = unmangle_name(t.info().name);
  std::uint64_t this_len = len;
  if (!len)
    for (const auto& l : t.table()) this_len += l.length;

  // --segments: a region per table line (--start/--length do not apply),
  // grouped.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  if (sw.segments)
    for (const auto& l : t.table()) ranges.emplace_back(l.start, l.length);
  else
    ranges.emplace_back(start, this_len);
  const std::string dev = t.info().name;
  std::vector<std::uint64_t> ids;
  for (const auto& [rs, rl] : ranges) {
    const std::string range = (rs || rl) ? fmt::format("{}+{}", rs, rl) : "-";
    const std::string msg = fmt::format("@stats_create {} {}{} {} {} {}", range, step < 0 ? "/" : "",
                                        static_cast<std::uint64_t>(std::llabs(step)), opts, program, user_data);
    auto reply = send(ctx, &dev, msg);
    if (!reply) {
      err(fmt::format("{}: Could not create statistics region.", devname));
      return false;
    }
    std::uint64_t nr_areas = 1;
    if (step < 0)
      nr_areas = static_cast<std::uint64_t>(-step);
    else if (step > 0 && rl)
      nr_areas = rl / static_cast<std::uint64_t>(step) + (rl % static_cast<std::uint64_t>(step) ? 1 : 0);
    ids.push_back(std::strtoull(reply->c_str(), nullptr, 10));
    out(fmt::format("{}: Created new region with {} area(s) as region ID {}\n", devname, nr_areas, ids.back()));
  }
  if (!sw.segments || ids.empty()) return true;
  // The leader keeps its user data as libdm reads it back.
  auto regions = list_regions(ctx, &dev, program);
  if (!regions) return false;
  std::vector<std::uint64_t> members = ids;
  std::sort(members.begin(), members.end());
  std::string leader_data;
  for (const auto& r : *regions)
    if (r.id == members.front()) leader_data = r.user_data;
  if (!set_aux(ctx, &dev, members.front(), format_group_tag(StatsGroupTag{"", members, leader_data}))) return false;
  std::string list;
  for (auto id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  out(fmt::format("Grouped regions {} as group ID {}\n", list, members.front()));
  return true;
}

bool stats_delete(Context& ctx, const std::string* name) {
  const auto& sw = ctx.sw;
  if (sw.regionid && sw.groupid) return err("Please use one of --regionid and --groupid."), false;
  if (!sw.regionid && !sw.allregions && !sw.groupid)
    return err("Please specify a --regionid or --groupid, or use --allregions."), false;
  if (!name && !sw.uuid && !sw.major) {
    if (!sw.alldevices) return err("Please specify device(s) or use --alldevices."), false;
    return process_all(ctx, [](Context& x, const std::string* n, bool) { return stats_delete(x, n); });
  }
  const std::string program = program_id(ctx);
  if (sw.groupid) {
    auto regions = list_regions(ctx, name, sw.programid ? program : PROGRAM_ID);
    if (!regions) return false;
    const auto groups = groups_of(*regions);
    const auto id = static_cast<std::uint64_t>(*sw.groupid);
    const StatsGroupData* g = nullptr;
    for (const auto& x : groups)
      if (x.id == id) g = &x;
    if (!g) {
      err(group_missing(*regions, id));
      err("Could not delete statistics group.");
      return false;
    }
    for (auto m : g->members)
      if (!send(ctx, name, fmt::format("@stats_delete {}", m))) {
        err("Could not delete statistics group.");
        return false;
      }
    out(fmt::format("Deleted statistics group {}.\n", id));
    return true;
  }
  // By id, libdm lists the handle's own program: with --allprograms that
  // is the process name, dmstats.
  auto regions = list_regions(ctx, name, sw.allregions || sw.programid ? program : PROGRAM_ID);
  if (!regions) return false;
  if (!sw.allregions) {
    // libdm checks against the listed regions of the program first.
    const auto id = static_cast<std::uint64_t>(*sw.regionid);
    bool present = false;
    for (const auto& r : *regions) present |= r.id == id;
    if (regions->empty())
      err(fmt::format("Could not delete region ID {}: no regions found", id));
    else if (!present)
      err(fmt::format("Region ID {} does not exist", id));
    if (!present || !send(ctx, name, fmt::format("@stats_delete {}", id))) {
      err("Could not delete statistics region");
      return false;
    }
    return true;
  }
  for (const auto& r : *regions) {
    if (!send(ctx, name, fmt::format("@stats_delete {}", r.id))) {
      err("Could not delete statistics region.");
      return false;
    }
  }
  return true;
}

bool stats_clear(Context& ctx, const std::string* name) {
  const auto& sw = ctx.sw;
  if (!sw.regionid && !sw.allregions) return err("Please specify a --regionid or use --allregions."), false;
  if (!name && !sw.uuid && !sw.major)
    return process_all(ctx, [](Context& x, const std::string* n, bool) { return stats_clear(x, n); });
  auto regions = list_regions(ctx, name, PROGRAM_ID);
  if (!regions) return false;
  if (regions->empty()) return true;
  auto clear_one = [&](std::uint64_t id) {
    bool present = false;
    for (const auto& r : *regions) present |= r.id == id;
    if (!present) return err(fmt::format("No such region: {}.", id)), false;
    if (!send(ctx, name, fmt::format("@stats_clear {}", id))) {
      err(fmt::format("Clearing statistics region {} failed.", id));
      return false;
    }
    return true;
  };
  if (!sw.allregions) return clear_one(static_cast<std::uint64_t>(*sw.regionid));
  for (const auto& r : *regions)
    if (!clear_one(r.id)) return false;
  return true;
}

// "@stats_set_aux ID AUX": the leader's aux_data carries the group.
bool set_aux(Context& ctx, const std::string* name, std::uint64_t id, const std::string& aux) {
  return send(ctx, name, fmt::format("@stats_set_aux {} {} ", id, aux)).has_value();
}

bool stats_group(Context& ctx, const std::string* name) {
  const auto& sw = ctx.sw;
  if (!name && !sw.uuid && !sw.major) {
    if (!sw.alldevices) return err("Please specify device(s) or use --alldevices."), false;
    return process_all(ctx, [](Context& x, const std::string* n, bool) { return stats_group(x, n); });
  }
  auto found = device_name(ctx, name);
  if (!found) return false;
  const std::string dev = *found, shown = unmangle_name(dev);
  auto failed = [&] {
    err(fmt::format("Could not create group on {}: {}", shown, *sw.regions));
    return false;
  };
  auto regions = list_regions(ctx, &dev, program_id(ctx));
  if (!regions) return false;
  auto groups = groups_of(*regions);
  auto members = parse_region_list(*sw.regions);
  if (!members) {
    err(members.error().message);
    return failed();
  }
  std::vector<const StatsRegionData*> rs;
  for (auto m : *members) {
    const StatsRegionData* r = nullptr;
    for (const auto& x : *regions)
      if (x.id == m) r = &x;
    if (!r) {
      if (above_max(*regions, m))
        err(fmt::format("Invalid region ID: {}", m));
      else
        err(fmt::format("Region ID {} does not exist", m));
      return failed();
    }
    if (r->group_id) {
      err(fmt::format("Region ID {} already a member of group ID {}", m, *r->group_id));
      return failed();
    }
    rs.push_back(r);
  }
  for (const auto* r : rs)
    if (!r->bounds.empty() && !rs.front()->bounds.empty() && r->bounds != rs.front()->bounds) {
      err("All region histogram bounds must match exactly");
      return failed();
    }
  for (const auto* r : rs)
    if (r->precise != rs.front()->precise) {
      err("WARNING: Grouping regions with different clock resolution: precision may be lost.");
      break;
    }
  for (std::size_t i = 0; i < rs.size(); ++i)
    for (std::size_t j = i + 1; j < rs.size(); ++j)
      if (rs[i]->start < rs[j]->start + rs[j]->len && rs[j]->start < rs[i]->start + rs[i]->len)
        err(fmt::format("WARNING: region IDs {} and {} overlap. Some events will be counted twice.", rs[i]->id,
                        rs[j]->id));
  const StatsRegionData& leader = *rs.front();
  StatsGroupTag tag{sw.alias.value_or(""), *members, leader.user_data};
  if (!set_aux(ctx, &dev, leader.id, format_group_tag(tag))) return failed();
  out(fmt::format("Grouped regions {} as group ID {} on {}\n", *sw.regions, leader.id, shown));
  return true;
}

bool stats_ungroup(Context& ctx, const std::string* name) {
  const auto& sw = ctx.sw;
  if (!name && !sw.uuid && !sw.major) {
    if (!sw.alldevices) return err("Please specify device(s) or use --alldevices."), false;
    return process_all(ctx, [](Context& x, const std::string* n, bool) { return stats_ungroup(x, n); });
  }
  auto found = device_name(ctx, name);
  if (!found) return false;
  const std::string dev = *found, shown = unmangle_name(dev);
  auto regions = list_regions(ctx, &dev, program_id(ctx));
  if (!regions) return false;
  const auto groups = groups_of(*regions);
  const auto id = static_cast<std::uint64_t>(*sw.groupid);
  bool ok = false;
  for (const auto& g : groups)
    if (g.id == id)
      for (const auto& r : *regions)
        if (r.id == id) ok = set_aux(ctx, &dev, id, r.user_data.empty() ? "-" : r.user_data);
  if (!ok) {
    err(group_missing(*regions, id));
    err(fmt::format("Could not delete group {} on {}.", id, shown));
  }
  // dmstats says so whether or not it worked.
  out(fmt::format("Removed group ID {} on {}\n", id, shown));
  return ok;
}

bool print_one(Context& ctx, const std::string* name, std::uint64_t id) {
  auto reply = send(ctx, name, fmt::format("@stats_print{} {} ", ctx.sw.clear ? "_clear" : "", id));
  if (!reply) {
    err("Could not print statistics region.");
    return false;
  }
  out(*reply);
  return true;
}

bool stats_print(Context& ctx, const std::string* name) {
  const auto& sw = ctx.sw;
  if (!sw.regionid && !sw.allregions) return err("Please specify a --regionid or use --allregions."), false;
  if (!name && !sw.uuid && !sw.major)
    return process_all(ctx, [](Context& x, const std::string* n, bool) { return stats_print(x, n); });
  auto regions = list_regions(ctx, name, PROGRAM_ID);
  if (!regions) return false;
  if (!sw.allregions) return print_one(ctx, name, static_cast<std::uint64_t>(*sw.regionid));
  // dmstats prints each region twice with --allregions (its loop prints,
  // then prints again); so does this.
  for (const auto& r : *regions)
    if (!print_one(ctx, name, r.id) || !print_one(ctx, name, r.id)) return false;
  return true;
}

// list and report: one device's rows.
bool stats_rows(Context& ctx, const std::string* name, const std::string& sub, StatsReport& report) {
  if (!name && !ctx.sw.uuid && !ctx.sw.major)
    return process_all(ctx, [&](Context& x, const std::string* n, bool) { return stats_rows(x, n, sub, report); });
  auto found = device_name(ctx, name);
  if (!found) return false;
  const std::string dev = *found;
  auto regions = list_regions(ctx, &dev, program_id(ctx));
  if (!regions) return false;
  if (regions->empty()) return true;
  const std::string shown = unmangle_name(dev);
  const auto groups = groups_of(*regions);
  // dmsetup's fields in the report: the device's info row as info -c fills it.
  ReportRow device;
  if (report.needs_device()) {
    auto* c = ctx.connect();
    if (!c) return false;
    Task t(*c, TaskType::info);
    t.set_name(dev);
    if (auto r = t.run(); !r) {
      report_error(t, r.error());
      return false;
    }
    ReportNeeds needs;
    needs.deps = needs.users = needs.read_ahead = true;
    needs.list_only = false;
    if (!fill_row(ctx, t.info(), needs, device)) return false;
    report.set_device(&device);
  }
  struct Reset {
    StatsReport& r;
    ~Reset() { r.set_device(nullptr); }
  } reset{report};
  if (sub == "list") {
    // dmstats reads (and clears) the counters when a field shows them.
    const bool populate = report.needs_counters();
    if (populate)
      for (auto& r : *regions) {
        auto reply = send(ctx, &dev, fmt::format("@stats_print_clear {} ", r.id));
        if (!reply || !parse_stats_print(*reply, r)) return true;
      }
    if (ctx.sw.verbose)
      report.add_report(shown, *regions, populate, groups);
    else
      report.add_list(shown, *regions, groups);
    return true;
  }
  // As dm_stats_populate: read and clear, so the next report shows the
  // next interval.
  for (auto& r : *regions) {
    auto reply = send(ctx, &dev, fmt::format("@stats_print_clear {} ", r.id));
    if (!reply || !parse_stats_print(*reply, r)) return true;  // populate failed: nothing to show
  }
  report.add_report(shown, *regions, true, groups);
  return true;
}

// udm's histogram pictures: each region with a histogram as terminal bars
// (with --bars, or when stdout is a terminal); --svg FILE draws the first one.
bool stats_histogram(Context& ctx, const std::string* name, bool& svg_written) {
  if (!name && !ctx.sw.uuid && !ctx.sw.major)
    return process_all(ctx, [&](Context& x, const std::string* n, bool) { return stats_histogram(x, n, svg_written); });
  auto found = device_name(ctx, name);
  if (!found) return false;
  const std::string dev = *found;
  auto regions = list_regions(ctx, &dev, program_id(ctx));
  if (!regions) return false;
  for (auto& r : *regions) {
    if (r.bounds.empty() || (ctx.sw.regionid && r.id != static_cast<std::uint64_t>(*ctx.sw.regionid))) continue;
    auto reply = send(ctx, &dev, fmt::format("@stats_print_clear {} ", r.id));
    if (!reply || !parse_stats_print(*reply, r)) return false;
    const auto buckets = region_histogram(r);
    std::uint64_t total = 0;
    for (const auto& b : buckets) total += b.count;
    const std::string title =
        fmt::format("{}: region {} I/O latency ({} I/Os)", unmangle_name(dev), r.id, total);
    const bool tty = isatty(STDOUT_FILENO) != 0;
    if (ctx.sw.bars || tty) out(histogram_bars(title, buckets, tty));
    if (ctx.sw.svg && !svg_written) {
      std::ofstream f(*ctx.sw.svg, std::ios::trunc);
      f << histogram_svg(title, buckets);
      if (!f.flush()) {
        err(fmt::format("Failed to write {}.", *ctx.sw.svg));
        return false;
      }
      svg_written = true;
    }
  }
  return true;
}

const char* LIST_FIELDS = "statsname,group_id,region_id,obj_type,region_start,region_len,area_count,area_len,program_id";
const char* LIST_AREA_FIELDS =
    "statsname,group_id,region_id,obj_type,region_start,region_len,area_count,area_id,area_start,area_len,program_id";
const char* REPORT_FIELDS =
    "statsname,group_id,region_id,obj_type,area_id,area_start,area_len,reads_merged_per_sec,writes_merged_per_sec,"
    "reads_per_sec,writes_per_sec,read_size_per_sec,write_size_per_sec,avg_request_size,queue_size,util,await,"
    "read_await,write_await";
const char* LIST_HIST_FIELDS =
    "stats_name,group_id,region_id,obj_type,region_start,region_len,area_count,area_len,hist_bins,hist_bounds";
const char* LIST_AREA_HIST_FIELDS =
    "stats_name,group_id,region_id,obj_type,region_start,region_len,area_count,area_id,area_start,area_len,"
    "hist_bins,hist_bounds";
const char* REPORT_HIST_FIELDS =
    "stats_name,group_id,region_id,obj_type,region_start,region_len,area_count,area_len,util,await,"
    "hist_count_bounds";
const char* RAW_FIELDS =
    "statsname,group_id,region_id,obj_type,area_id,area_start,area_len,read_count,reads_merged_count,"
    "read_sector_count,read_time,read_ticks,write_count,writes_merged_count,write_sector_count,write_time,"
    "write_ticks,in_progress_count,io_ticks,queue_ticks";

// dmstats' usage and (for `help` and an unknown subcommand) field list, as
// dmstats 1.02.185 prints them.
void stats_usage(const std::string& program, bool fields = true) {
  std::fflush(stdout);
  std::fprintf(stderr,
               "Usage:\n"
               "\n"
               "%s\n"
               "        [-h|--help]\n"
               "        [-v|--verbose [-v|--verbose ...]]\n"
               "        [--areas <nr_areas>] [--areasize <size>]\n"
               "        [--userdata <data>] [--clear]\n"
               "        [--count <count>] [--interval <seconds>]\n"
               "        [-o <fields>] [-O|--sort <sort_fields>]\n"
               "\t      [--programid <id>]\n"
               "        [--start <start>] [--length <length>]\n"
               "        [--segments] [--units <units>]\n"
               "\n"
               "\thelp \n"
               "\tclear [--allregions|--regionid id] [--alldevices|<device>...] \n"
               "\tcreate [--start <start> [--length <len>]\n"
               "\t    [--areas <nr_areas>] [--areasize <size>] \n"
               "\t    [--programid <id>] [--userdata <data> ] \n"
               "\t    [--bounds histogram_boundaries] [--precise] \n"
               "\t    [--segments] [--alldevices|<device>...] \n"
               "\tcreate --filemap [--nogroup] [--nomonitor] [--follow mode]\n"
               "\t    [--programid <id>] [--userdata <data> ] \n"
               "\t    [--bounds histogram_boundaries] [--precise] <file_path>\n"
               "\tdelete [--allprograms|--programid id] \n"
               "\t    [--allregions|--regionid id] \n"
               "\t    [--alldevices|<device>...] \n"
               "\tgroup [--alias NAME] --regions <regions>\n"
               "\t    [--allprograms|--programid id] [--alldevices|<device>...] \n"
               "\tlist [--allprograms|--programid id] [--allregions|--regionid id] \n"
               "\tprint [--clear] [--allprograms|--programid id] \n"
               "\t    [--allregions|--regionid id] \n"
               "\t    [--alldevices|<device>...] \n"
               "\treport [--interval <seconds>] [--count <cnt>]\n"
               "\t    [--units <u>] [--programid <id>] [--regionid <id>] \n"
               "\t    [-o <fields>] [-O|--sort <sort_fields>]\n"
               "\t    [-S|--select <selection>] [--nameprefixes]\n"
               "\t    [--noheadings] [--separator <separator>]\n"
               "\t    [--allprograms|--programid id] [<device>...]\n"
               "\tungroup --groupid <id> [--allprograms|--programid id] \n"
               "\t    [--alldevices|<device>...] \n"
               "\tupdate_filemap --groupid <id> \n"
               "\t    [--nomonitor] [--follow mode] <file_path>\n"
               "\tversion \n"
               "\n"
               "<device> may be device name or (if only one) -u <uuid> or -j <major> -m <minor>\n"
               "<fields> are comma-separated.  Use 'help -c' for list.\n"
               "\n"
               , program.c_str());
  if (fields) std::fputs(Report::help_text().c_str(), stderr);
}

}  // namespace

int cmd_stats(Context& ctx, const std::vector<std::string>& args) {
  static const char* const KNOWN[] = {"help", "clear", "create", "delete", "group", "list", "print",
                                      "report", "ungroup", "update_filemap", "version"};
  if (args.empty()) {  // dmstats alone: the usage without the field list
    stats_usage(ctx.stats_program, false);
    return 1;
  }
  const std::string sub = args[0];
  bool known = false;
  for (const char* k : KNOWN) known |= sub == k;
  if (!known) {
    err("Unknown stats command.");
    stats_usage(ctx.stats_program);
    err("Command failed.");
    return 1;
  }
  const auto& sw = ctx.sw;
  auto refuse = [](const char* why) {
    err(why);
    err("Command failed.");
    return 1;
  };
  if (sw.allprograms && sw.programid) return refuse("Please supply one of --allprograms and --programid");
  if (sw.allregions && sw.regionid) return refuse("Please supply one of --allregions and --regionid");
  if (sw.follow && sw.nomonitor) return refuse("Use of --follow is incompatible with --nomonitor.");
  if (sw.interval) {
    // dmstats takes whole seconds only, before it does anything else.
    const std::string& v = *sw.interval;
    bool digits = !v.empty() && v.size() < 10;
    for (char ch : v) digits = digits && ch >= '0' && ch <= '9';
    if (!digits || std::atol(v.c_str()) <= 0) {
      err("Interval must be a positive integer.");
      err("Couldn't process command line.");
      return 1;
    }
  }
  if (sub == "help") {
    stats_usage(ctx.stats_program);
    return 0;
  }
  if (sub == "version") return cmd_version(ctx, {}, false) ? 0 : 1;
  if (sub == "group" && !sw.regions) return refuse("Group requires --regions.");
  if (sub == "ungroup" && !sw.groupid) return refuse("Please specify group id.");
  if (sub == "update_filemap") {
    if (stats_update_filemap(ctx, std::vector<std::string>(args.begin() + 1, args.end()))) return 0;
    err("Command failed.");
    return 1;
  }
  std::vector<std::string> devices(args.begin() + 1, args.end());
  if (sub == "create" && sw.filemap) {
    if (stats_create_filemap(ctx, devices)) return 0;
    err("Command failed.");
    return 1;
  }
  // udm's latency pictures: terminal bars (--bars, or on a tty with --svg)
  // and an SVG; dmstats' own --histogram report stays as dmstats prints it.
  if (sub == "report" && (sw.bars || sw.svg)) {
    bool svg_written = false, ok = true;
    if (devices.empty()) ok = stats_histogram(ctx, nullptr, svg_written);
    for (const auto& d : devices) ok = ok && stats_histogram(ctx, &d, svg_written);
    if (ok && sw.svg && !svg_written) {
      err("No statistics region with a histogram.");
      ok = false;
    }
    if (!ok) err("Command failed.");
    return ok ? 0 : 1;
  }
  if (sub == "list" || sub == "report") {
    StatsReportOptions o;
    if (sub == "list")
      o.defaults = sw.histogram ? (sw.verbose ? LIST_AREA_HIST_FIELDS : LIST_HIST_FIELDS)
                   : sw.verbose   ? LIST_AREA_FIELDS
                                  : LIST_FIELDS;
    else
      o.defaults = sw.histogram ? REPORT_HIST_FIELDS : sw.raw ? RAW_FIELDS : REPORT_FIELDS;
    o.fields = sw.options.value_or("");
    if (sw.noheadings) {
      o.headings = false;
      o.aligned = false;
      o.separator = ":";
    }
    if (sw.separator) {
      o.separator = *sw.separator;
      o.aligned = false;
    }
    if (sw.interval) o.interval_ns = static_cast<std::uint64_t>(std::atof(sw.interval->c_str()) * 1e9);
    if (sw.sort) o.sort = *sw.sort;
    if (sw.select) o.select = *sw.select;
    if (sw.units) o.units = *sw.units;
    o.nosuffix = sw.nosuffix;
    o.notimesuffix = sw.notimesuffix;
    o.name_prefixes = sw.nameprefixes;
    o.rows = sw.rows;
    auto check = StatsReport::create(o);
    if (!check) {
      std::fflush(stdout);
      if (check.error().code == EBADMSG) {
        std::fputs(check.error().message.c_str(), stderr);
        return 1;
      }
      if (check.error().code == EINVAL && check.error().message == "Invalid --units argument.") {
        err(check.error().message);
        return 1;
      }
      std::fputs(Report::help_text().c_str(), stderr);
      if (check.error().code == EAGAIN) return 0;
      err(check.error().message);
      return 1;
    }
    // --count N reports (--interval alone: until interrupted), a blank line
    // between them, --interval seconds apart.
    const long count = sw.count ? *sw.count : sw.interval ? 0 : 1;
    const double pause = sw.interval ? std::atof(sw.interval->c_str()) : 1.0;
    bool ok = true;
    for (long n = 0; count == 0 || n < count; ++n) {
      if (n) {
        out("\n");
        std::fflush(stdout);
        usleep(static_cast<useconds_t>(pause * 1e6));
      }
      auto report = StatsReport::create(o);
      if (devices.empty()) {
        ok = stats_rows(ctx, nullptr, sub, *report);
      } else {
        for (const auto& d : devices)
          if (!stats_rows(ctx, &d, sub, *report)) {
            ok = false;
            break;
          }
      }
      out(report->render());
      if (!ok) break;
    }
    if (!ok) err("Command failed.");
    return ok ? 0 : 1;
  }
  auto one = [&](const std::string* name) -> bool {
    if (sub == "create") return stats_create(ctx, name);
    if (sub == "delete") return stats_delete(ctx, name);
    if (sub == "clear") return stats_clear(ctx, name);
    if (sub == "print") return stats_print(ctx, name);
    if (sub == "group") return stats_group(ctx, name);
    return stats_ungroup(ctx, name);
  };
  bool ok = true;
  if (devices.empty()) {
    ok = one(nullptr);
  } else {
    for (const auto& d : devices)
      if (!one(&d)) {
        ok = false;
        break;
      }
  }
  if (!ok) err("Command failed.");
  return ok ? 0 : 1;
}

}  // namespace udm::udmsetup

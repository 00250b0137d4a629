#include "stats_report.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "stats_group.hpp"

namespace udm::udmsetup {

namespace {

// libdm's walk puts region rows at area index DM_STATS_WALK_REGION (1 << 49);
// its area start and offset for such rows come from that index, wrapped in
// 64 bits as libdm computes them, and dmstats prints what results.
constexpr std::uint64_t WALK_REGION = std::uint64_t{1} << 49;

std::optional<std::uint64_t> to_u64(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// dm_size_to_string(size, 'h', use_si_units=1, suffix as the human units force).
std::string human_bytes(std::uint64_t bytes) {
  static const char* suffix[] = {"e", "p", "t", "g", "m", "k", "b"};
  std::uint64_t unit = std::uint64_t{1} << 60;
  int s = 0;
  while (s < 6 && bytes < unit) {
    unit >>= 10;
    ++s;
  }
  if (s == 6) return fmt::format("{}b", bytes);  // bytes: no decimals (a wrapped size may print "0b")
  return fmt::format("{:.2f}{}", static_cast<double>(bytes) / static_cast<double>(unit), suffix[s]);
}

enum class Kind { str, num, siz };

struct Counters {
  std::uint64_t v[13]{};
};

}  // namespace

std::string stats_size(std::uint64_t sectors) {
  if (sectors == 0) return "0";
  return human_bytes(sectors * 512);  // wraps as libdm's does
}

bool parse_stats_list(const std::string& text, std::vector<StatsRegionData>& out) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::istringstream w(line);
    std::string id, range, step;
    StatsRegionData r;
    if (!(w >> id >> range >> step >> r.program_id >> r.aux_data)) return false;
    if (id.empty() || id.back() != ':') return false;
    id.pop_back();
    const auto plus = range.find('+');
    auto i = to_u64(id), st = to_u64(step);
    auto a = plus == std::string::npos ? std::nullopt : to_u64(range.substr(0, plus));
    auto l = plus == std::string::npos ? std::nullopt : to_u64(range.substr(plus + 1));
    if (!i || !st || !a || !l || *st == 0) return false;
    r.id = *i;
    r.start = *a;
    r.len = *l;
    r.step = *st;
    r.user_data = r.aux_data == "-" ? std::string() : r.aux_data;
    for (std::string opt; w >> opt;) {
      if (opt == "precise_timestamps") {
        r.precise = true;
      } else if (opt.starts_with("histogram:")) {
        std::istringstream b(opt.substr(10));
        for (std::string v; std::getline(b, v, ',');) {
          auto n = to_u64(v);
          if (!n) return false;
          r.bounds.push_back(*n);
        }
      }
    }
    out.push_back(std::move(r));
  }
  return true;
}

std::vector<StatsGroupData> resolve_groups(std::vector<StatsRegionData>& regions, std::vector<std::string>* errors) {
  std::vector<StatsGroupData> groups;
  auto find = [&](std::uint64_t id) -> StatsRegionData* {
    for (auto& r : regions)
      if (r.id == id) return &r;
    return nullptr;
  };
  for (auto& r : regions) {
    auto tag = parse_group_tag(r.aux_data);
    std::string why;
    if (!tag)
      why = tag.error().message;
    else if (*tag && (*tag)->members.front() != r.id)
      why = fmt::format("Found invalid group descriptor in region {} aux_data.", r.id);
    if (!why.empty()) {
      // libdm quotes the aux_data as its parser left it: cut at the alias' end.
      const std::size_t tag_at = r.aux_data.find(STATS_GROUP_TAG);
      const std::size_t colon = r.aux_data.find(':', tag_at);
      if (errors) {
        errors->push_back(why);
        errors->push_back(fmt::format("Failed to parse group descriptor from region_id {} aux_data:'{}'", r.id,
                                      r.aux_data.substr(0, colon)));
      }
      continue;
    }
    if (!*tag) continue;
    // Members need not exist (one may have been deleted): libdm keeps the
    // list as written and counts the regions still there.
    for (auto m : (*tag)->members)
      if (StatsRegionData* x = find(m)) x->group_id = r.id;
    r.user_data = (*tag)->user_data;
    groups.push_back(StatsGroupData{r.id, (*tag)->alias, (*tag)->members});
  }
  return groups;
}

bool parse_stats_print(const std::string& text, StatsRegionData& r) {
  std::istringstream in(text);
  r.areas.clear();
  r.histograms.clear();
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::istringstream w(line);
    std::string range;
    w >> range;
    std::vector<std::uint64_t> c;
    std::string word;
    for (int k = 0; k < 13 && (w >> word); ++k) {
      auto v = to_u64(word);
      if (!v) return false;
      c.push_back(*v);
    }
    if (c.size() != 13) return false;
    std::vector<std::uint64_t> h;
    if (w >> word) {
      std::istringstream b(word);
      for (std::string v; std::getline(b, v, ':');) {
        auto n = to_u64(v);
        if (!n) return false;
        h.push_back(*n);
      }
    }
    r.areas.push_back(std::move(c));
    r.histograms.push_back(std::move(h));
  }
  return true;
}

// ------------------------------------------------------------------ fields

struct StatsReport::Row {
  const std::string* name;
  const StatsRegionData* region;
  bool is_region;       // a region row (sum of its areas)
  std::uint64_t area;   // area rows
  bool populated;       // report (counters read): region length is areas * step
  std::uint64_t interval_ns;
  Counters c;
  const StatsGroupData* group = nullptr;  // a group row (region: its leader)
  std::uint64_t group_len = 0;            // sectors of all its members
  std::string stats_name;                 // the group's alias or the device name
};

namespace {

struct Field {
  const char* id;
  const char* heading;
  int width;
  Kind kind;
  bool counters;  // needs @stats_print
  std::function<std::string(const void*)> value;
};

}  // namespace

namespace {

const std::vector<Field>& stats_fields();

}  // namespace

namespace {

// libdm's field names match without case and with '_' ignored.
bool same_field(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  for (;;) {
    while (i < a.size() && a[i] == '_') ++i;
    while (j < b.size() && b[j] == '_') ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[j]))) return false;
    ++i;
    ++j;
  }
}

}  // namespace

Result<StatsReport> StatsReport::create(const StatsReportOptions& options) {
  StatsReport r;
  r.options_ = options;
  std::string list = options.fields.empty() ? options.defaults : options.fields;
  if (!options.fields.empty() && options.fields[0] == '+') list = options.defaults + "," + options.fields.substr(1);
  std::istringstream in(list);
  for (std::string f; std::getline(in, f, ',');) {
    if (f.empty()) continue;
    const auto& table = stats_fields();
    auto it = std::find_if(table.begin(), table.end(), [&](const Field& x) { return same_field(f, x.id); });
    if (it == table.end()) return fail(EINVAL, "Unrecognised field: " + f);
    r.columns_.push_back(static_cast<int>(it - table.begin()));
  }
  return r;
}

bool StatsReport::needs_counters() const {
  for (int c : columns_)
    if (stats_fields()[static_cast<std::size_t>(c)].counters) return true;
  return false;
}

void StatsReport::add_row(const Row& row) {
  std::vector<std::string> cells;
  for (int c : columns_) cells.push_back(stats_fields()[static_cast<std::size_t>(c)].value(&row));
  rows_.push_back(std::move(cells));
}

namespace {

const std::string& shown_name(const std::string& device, const StatsRegionData& r,
                              const std::vector<StatsGroupData>& groups) {
  if (r.group_id)
    for (const auto& g : groups)
      if (g.id == *r.group_id && !g.alias.empty()) return g.alias;
  return device;
}

const StatsRegionData* region_by_id(const std::vector<StatsRegionData>& regions, std::uint64_t id) {
  for (const auto& r : regions)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace

void StatsReport::add_groups(const std::string& name, const std::vector<StatsRegionData>& regions, bool populated,
                             const std::vector<StatsGroupData>& groups) {
  for (const auto& g : groups) {
    const StatsRegionData* leader = region_by_id(regions, g.id);
    if (!leader) continue;
    Row row{&name, leader, true, 0, populated, options_.interval_ns, {}, nullptr, 0, {}};
    row.group = &g;
    row.stats_name = g.alias.empty() ? name : g.alias;
    for (auto m : g.members) {
      const StatsRegionData* r = region_by_id(regions, m);
      if (!r) continue;
      row.group_len += populated ? r->areas.size() * r->step : r->len;
      if (populated)
        for (const auto& a : r->areas)
          for (int k = 0; k < 13; ++k) row.c.v[k] += a[static_cast<std::size_t>(k)];
    }
    add_row(row);
  }
}

void StatsReport::add_list(const std::string& name, const std::vector<StatsRegionData>& regions,
                           const std::vector<StatsGroupData>& groups) {
  for (const auto& r : regions) {
    Row row{&name, &r, true, 0, false, options_.interval_ns, {}, nullptr, 0, {}};
    row.stats_name = shown_name(name, r, groups);
    add_row(row);
  }
  add_groups(name, regions, false, groups);
}

void StatsReport::add_report(const std::string& name, const std::vector<StatsRegionData>& regions, bool populated,
                             const std::vector<StatsGroupData>& groups) {
  // libdm's walk: every area of every region, then a row for each region
  // of more than one area, then each group. Without counters (list -v) the
  // areas come from the region's length and step.
  auto areas_of = [&](const StatsRegionData& r) -> std::uint64_t {
    return populated ? r.areas.size() : r.area_count();
  };
  for (const auto& r : regions) {
    for (std::uint64_t a = 0; a < areas_of(r); ++a) {
      Row row{&name, &r, false, a, populated, options_.interval_ns, {}, nullptr, 0, {}};
      row.stats_name = shown_name(name, r, groups);
      if (populated)
        for (int k = 0; k < 13; ++k) row.c.v[k] = r.areas[a][static_cast<std::size_t>(k)];
      add_row(row);
    }
  }
  for (const auto& r : regions) {
    if (areas_of(r) <= 1) continue;
    Row row{&name, &r, true, 0, populated, options_.interval_ns, {}, nullptr, 0, {}};
    row.stats_name = shown_name(name, r, groups);
    if (populated)
      for (const auto& a : r.areas)
        for (int k = 0; k < 13; ++k) row.c.v[k] += a[static_cast<std::size_t>(k)];
    add_row(row);
  }
  add_groups(name, regions, populated, groups);
}

std::string StatsReport::render() const {
  const auto& table = stats_fields();
  std::string out;
  if (!options_.aligned) {
    const std::string sep = options_.separator.value_or(":");
    auto line = [&](const std::vector<std::string>& cells) {
      for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? sep : "") + cells[i];
      out += '\n';
    };
    if (options_.headings) {
      std::vector<std::string> h;
      for (int c : columns_) h.emplace_back(table[static_cast<std::size_t>(c)].heading);
      line(h);
    }
    for (const auto& r : rows_) line(r);
    return out;
  }
  std::vector<std::size_t> width;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Field& f = table[static_cast<std::size_t>(columns_[i])];
    std::size_t w = std::max<std::size_t>(static_cast<std::size_t>(f.width), std::string(f.heading).size());
    for (const auto& r : rows_) w = std::max(w, r[i].size());
    width.push_back(w);
  }
  const std::string sep = options_.separator.value_or(" ");
  if (options_.headings && !rows_.empty()) {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i) out += sep;
      out += fmt::format("{:<{}}", table[static_cast<std::size_t>(columns_[i])].heading, width[i]);
    }
    out += '\n';
  }
  for (const auto& r : rows_) {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i) out += sep;
      if (table[static_cast<std::size_t>(columns_[i])].kind == Kind::str)
        out += fmt::format("{:<{}}", r[i], width[i]);
      else
        out += fmt::format("{:>{}}", r[i], width[i]);
    }
    out += '\n';
  }
  return out;
}

namespace {

using R = StatsReport::Row;
const R& row(const void* p) { return *static_cast<const R*>(p); }

// Times are kept by the driver in ms unless the region is precise.
std::uint64_t ns(const R& r, int k) { return r.region->precise ? r.c.v[k] : r.c.v[k] * 1'000'000u; }
double per_sec(const R& r, std::uint64_t v) { return static_cast<double>(v) * 1e9 / static_cast<double>(r.interval_ns); }
std::string fixed2(double v) { return fmt::format("{:.2f}", v); }

std::uint64_t region_len(const R& r) {
  if (r.group) return r.group_len;
  return r.populated ? r.region->areas.size() * r.region->step : r.region->len;
}

Field counter(const char* id, const char* heading, int width, int k, bool time) {
  return Field{id, heading, width, Kind::num, true, [k, time](const void* p) {
                 const R& r = row(p);
                 return std::to_string(time ? ns(r, k) : r.c.v[k]);
               }};
}

const std::vector<Field>& stats_fields() {
  static const std::vector<Field> table = {
      {"stats_name", "Name", 16, Kind::str, false, [](const void* p) { return row(p).stats_name; }},
      {"group_id", "GrpID", 5, Kind::num, false,
       [](const void* p) {
         const R& r = row(p);
         if (r.group) return std::to_string(r.group->id);
         return r.region->group_id ? std::to_string(*r.region->group_id) : std::string("-");
       }},
      {"region_id", "RgID", 4, Kind::num, false,
       [](const void* p) {
         const R& r = row(p);
         return r.group ? format_region_list(r.group->members) : std::to_string(r.region->id);
       }},
      {"obj_type", "ObjType", 7, Kind::str, false,
       [](const void* p) { return std::string(row(p).group ? "group" : row(p).is_region ? "region" : "area"); }},
      {"region_start", "RgStart", 7, Kind::siz, false, [](const void* p) { return stats_size(row(p).region->start); }},
      {"region_len", "RgSize", 6, Kind::siz, false, [](const void* p) { return stats_size(region_len(row(p))); }},
      {"area_id", "ArID", 4, Kind::num, false,
       [](const void* p) { return std::to_string(row(p).is_region ? 0 : row(p).area); }},
      {"area_start", "ArStart", 7, Kind::siz, false,
       [](const void* p) {
         const R& r = row(p);
         if (r.group) return stats_size(r.region->start);
         return stats_size(r.region->start + r.region->step * (r.is_region ? WALK_REGION : r.area));
       }},
      {"area_len", "ArSize", 6, Kind::siz, false,
       [](const void* p) { return stats_size(row(p).group ? row(p).group_len : row(p).region->step); }},
      {"area_offset", "ArOff", 5, Kind::siz, false,
       [](const void* p) {
         const R& r = row(p);
         if (r.group) return stats_size(0);
         return stats_size(r.region->step * (r.is_region ? WALK_REGION : r.area));
       }},
      {"area_count", "#Areas", 6, Kind::num, false,
       [](const void* p) { return std::to_string(row(p).group ? 1 : row(p).region->area_count()); }},
      {"program_id", "ProgID", 6, Kind::str, false, [](const void* p) { return row(p).region->program_id; }},
      {"user_data", "UserData", 8, Kind::str, false,
       [](const void* p) { return row(p).group ? std::string() : row(p).region->user_data; }},
      {"precise", "Precise", 7, Kind::str, false, [](const void* p) { return std::string(row(p).region->precise ? "1" : "0"); }},
      counter("read_count", "#Reads", 6, 0, false),
      counter("reads_merged_count", "#RdMrgs", 7, 1, false),
      counter("read_sector_count", "#RdSectors", 10, 2, false),
      counter("read_time", "AccRdTime", 11, 3, true),
      counter("write_count", "#Writes", 7, 4, false),
      counter("writes_merged_count", "#WrMrgs", 7, 5, false),
      counter("write_sector_count", "#WrSectors", 10, 6, false),
      counter("write_time", "AccWrTime", 11, 7, true),
      counter("in_progress_count", "#InProg", 7, 8, false),
      counter("io_ticks", "IoTicks", 7, 9, true),
      counter("queue_ticks", "QueueTicks", 10, 10, true),
      counter("read_ticks", "RdTicks", 7, 11, true),
      counter("write_ticks", "WrTicks", 7, 12, true),
      // libdm divides merges by the interval in ns, not s: as it prints them.
      {"reads_merged_per_sec", "RMrg/s", 6, Kind::num, true,
       [](const void* p) { return fixed2(static_cast<double>(row(p).c.v[1]) / static_cast<double>(row(p).interval_ns)); }},
      {"writes_merged_per_sec", "WMrg/s", 6, Kind::num, true,
       [](const void* p) { return fixed2(static_cast<double>(row(p).c.v[5]) / static_cast<double>(row(p).interval_ns)); }},
      {"reads_per_sec", "R/s", 3, Kind::num, true, [](const void* p) { return fixed2(per_sec(row(p), row(p).c.v[0])); }},
      {"writes_per_sec", "W/s", 3, Kind::num, true, [](const void* p) { return fixed2(per_sec(row(p), row(p).c.v[4])); }},
      {"read_size_per_sec", "RSz/s", 5, Kind::siz, true,
       [](const void* p) { return stats_size(static_cast<std::uint64_t>(per_sec(row(p), row(p).c.v[2]))); }},
      {"write_size_per_sec", "WSz/s", 5, Kind::siz, true,
       [](const void* p) { return stats_size(static_cast<std::uint64_t>(per_sec(row(p), row(p).c.v[6]))); }},
      {"avg_request_size", "AvgRqSz", 7, Kind::siz, true,
       [](const void* p) {
         const R& r = row(p);
         const std::uint64_t ios = r.c.v[0] + r.c.v[4];
         return stats_size(ios ? (r.c.v[2] + r.c.v[6]) / ios : 0);
       }},
      {"queue_size", "QSize", 5, Kind::num, true,
       [](const void* p) { return fixed2(static_cast<double>(ns(row(p), 10)) / static_cast<double>(row(p).interval_ns)); }},
      {"util", "Util%", 5, Kind::num, true,
       [](const void* p) {
         const double u = static_cast<double>(ns(row(p), 9)) / static_cast<double>(row(p).interval_ns);
         return fixed2(std::min(u, 1.0) * 100.0);
       }},
      {"await", "AWait", 5, Kind::num, true,
       [](const void* p) {
         const R& r = row(p);
         const std::uint64_t ios = r.c.v[0] + r.c.v[4];
         return fixed2(ios ? static_cast<double>(ns(r, 3) + ns(r, 7)) / static_cast<double>(ios) / 1e6 : 0.0);
       }},
      {"read_await", "RdAWait", 7, Kind::num, true,
       [](const void* p) {
         const R& r = row(p);
         return fixed2(r.c.v[0] ? static_cast<double>(ns(r, 3)) / static_cast<double>(r.c.v[0]) / 1e6 : 0.0);
       }},
      {"write_await", "WrAWait", 7, Kind::num, true,
       [](const void* p) {
         const R& r = row(p);
         return fixed2(r.c.v[4] ? static_cast<double>(ns(r, 7)) / static_cast<double>(r.c.v[4]) / 1e6 : 0.0);
       }},
  };
  return table;
}

}  // namespace

}  // namespace udm::udmsetup

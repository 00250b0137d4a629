#include "stats_report.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "report_help.hpp"
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

enum class Kind { str, num, siz, real };  // real: a decimal, right-aligned like num

// How the report being built shows values (udmsetup builds one at a time):
// sizes follow --units; `raw` gives sort keys and selection plain numbers.
struct Format {
  const StatsReportOptions* opts = nullptr;
  bool raw = false;
};
Format g_fmt;

// dm_size_to_string with SI units (base 1000, capital suffixes).
std::string si_bytes(std::uint64_t bytes, bool suffix) {
  static const char* names[] = {"E", "P", "T", "G", "M", "K", "B"};
  std::uint64_t unit = 1'000'000'000'000'000'000ull;
  int s = 0;
  while (s < 6 && bytes < unit) {
    unit /= 1000;
    ++s;
  }
  if (s == 6) return fmt::format("{}{}", bytes, suffix ? "B" : "");
  return fmt::format("{:.2f}{}", static_cast<double>(bytes) / static_cast<double>(unit), suffix ? names[s] : "");
}

struct Counters {
  std::uint64_t v[13]{};
};

}  // namespace

std::string stats_size(std::uint64_t sectors) {
  if (g_fmt.raw) return std::to_string(sectors);
  if (sectors == 0) return "0";
  const std::uint64_t bytes = sectors * 512;  // wraps as libdm's does
  const std::string units = g_fmt.opts ? g_fmt.opts->units : "h";
  const bool suffix = !(g_fmt.opts && g_fmt.opts->nosuffix);
  if (units == "h") {
    std::string v = human_bytes(bytes);
    if (!suffix) v.pop_back();
    return v;
  }
  if (units == "H") return si_bytes(bytes, suffix);
  // dmstats prints explicit units without a suffix: "[N]u", N a multiplier.
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < units.size() && units[i] >= '0' && units[i] <= '9') n = n * 10 + static_cast<std::uint64_t>(units[i++] - '0');
  if (i == 0) n = 1;
  const char u = i < units.size() ? units[i] : 'h';
  // Bare s and b are whole numbers; with a multiplier they are decimals.
  if ((u == 's' || u == 'S') && i == 0) return std::to_string(sectors);
  if ((u == 'b' || u == 'B') && i == 0) return std::to_string(bytes);
  if (u == 's' || u == 'S') return fmt::format("{:.2f}", static_cast<double>(sectors) / static_cast<double>(n));
  if (u == 'b' || u == 'B') return fmt::format("{:.2f}", static_cast<double>(bytes) / static_cast<double>(n));
  std::uint64_t factor = 0;
  switch (u) {
    case 'k': factor = 1ull << 10; break;
    case 'm': factor = 1ull << 20; break;
    case 'g': factor = 1ull << 30; break;
    case 't': factor = 1ull << 40; break;
    case 'p': factor = 1ull << 50; break;
    case 'e': factor = 1ull << 60; break;
    case 'K': factor = 1'000ull; break;
    case 'M': factor = 1'000'000ull; break;
    case 'G': factor = 1'000'000'000ull; break;
    case 'T': factor = 1'000'000'000'000ull; break;
    case 'P': factor = 1'000'000'000'000'000ull; break;
    case 'E': factor = 1'000'000'000'000'000'000ull; break;
    default: return human_bytes(bytes);
  }
  return fmt::format("{:.2f}", static_cast<double>(bytes) / (static_cast<double>(factor) * static_cast<double>(n)));
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
    int options_seen = 0;
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
      // libdm reads a region with options (precise_timestamps, histogram:)
      // with the last character of its aux_data cut off; dmstats shows, and
      // writes back, what it read.
      if (!r.aux_data.empty() && !options_seen++) r.aux_data.pop_back();
    }
    r.user_data = r.aux_data == "-" ? std::string() : r.aux_data;
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
  std::vector<std::uint64_t> hist;        // histogram counts (area, or summed)
  bool selected = true;                   // -S takes it (the `selected` field)
  const ReportRow* device = nullptr;      // dmsetup's fields
};

namespace {

struct Field {
  const char* id;
  const char* heading;
  int width;
  Kind kind;
  bool counters;  // needs @stats_print
  std::function<std::string(const void*)> value;
  bool dm = false;  // one of dmsetup's fields
};

}  // namespace

namespace {

const std::vector<Field>& stats_fields();
std::vector<Field> own_fields();

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

// dmstats' size fields (DM_REPORT_FIELD_TYPE_SIZE): selections take units.
// The per-second sizes and avg_request_size print as sizes but are numbers.
const char* const SIZE_FIELDS[] = {"region_start", "region_len", "area_start", "area_len", "area_offset"};

bool size_field(std::string_view id) {
  return std::find(std::begin(SIZE_FIELDS), std::end(SIZE_FIELDS), id) != std::end(SIZE_FIELDS);
}

}  // namespace

std::string selection_field_help() {
  // libdm lists the fields with their types before a selection naming an
  // unknown field, without the *_all entries.
  static const char* const numbers[] = {"read_ahead", "major", "minor", "open", "segments", "events",
                                        "device_count", "device_ref_count", "region_id", "area_id",
                                        "area_count", "group_id", "interval_ns", "interval", "selected"};
  std::istringstream in(REPORT_FIELD_HELP);
  std::string out;
  bool stats = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Mapped Device Statistics Fields", 0) == 0) stats = true;
    if (line.rfind("Mapped Device Statistics Region", 0) == 0) stats = false;
    const std::size_t dash = line.find(" - ");
    if (line.rfind("  ", 0) != 0 || dash == std::string::npos) {
      out += line + '\n';
      continue;
    }
    std::string id = line.substr(2, line.find(' ', 2) - 2);
    if (id.ends_with("_all")) continue;
    const char* type = "string";
    for (const char* n : numbers) type = id == n ? "number" : type;
    if (size_field(id)) type = "size";
    if (stats && !id.starts_with("hist_")) type = "number";
    if (id == "help" || id == "?") type = "unselectable number";
    out += line + " [" + type + "]\n";
  }
  return out;
}

// --units: h, H, or an optional multiplier and one of bBsSkKmMgGtTpPeE.
bool valid_units(const std::string& u) {
  std::size_t i = 0;
  while (i < u.size() && u[i] >= '0' && u[i] <= '9') ++i;
  if (u.size() != i + 1) return false;
  return std::string_view(i ? "bBsSkKmMgGtTpPeE" : "hHbBsSkKmMgGtTpPeE").find(u[i]) != std::string_view::npos;
}

// The *_all sections in dmstats' order.
const char* const STATS_ALL[] = {
    "read_count", "reads_merged_count", "read_sector_count", "read_time", "write_count", "writes_merged_count",
    "write_sector_count", "write_time", "in_progress_count", "io_ticks", "queue_ticks", "read_ticks", "write_ticks",
    "reads_merged_per_sec", "writes_merged_per_sec", "reads_per_sec", "writes_per_sec", "read_size_per_sec",
    "write_size_per_sec", "avg_request_size", "queue_size", "await", "read_await", "write_await", "throughput",
    "service_time", "util", "hist_count", "hist_count_bounds", "hist_count_ranges", "hist_percent",
    "hist_percent_bounds", "hist_percent_ranges", "interval_ns", "interval", nullptr};
const char* const REGION_ALL[] = {"region_id", "region_start", "region_len", "area_id", "area_start", "area_len",
                                  "area_offset", "area_count", "group_id", "program_id", "user_data", "precise",
                                  "hist_bins", "hist_bounds", "hist_ranges", "stats_name", "obj_type", nullptr};

// dmsetup's sections as dmstats expands them.
const char* const NAME_ALL[] = {"name", "mangled_name", "unmangled_name", "uuid", "mangled_uuid", "unmangled_uuid",
                                "read_ahead", nullptr};
const char* const INFO_ALL[] = {"blkdevname", "attr",  "tables_loaded", "suspended", "readonly", "devno",
                                "major",      "minor", "open",          "segments",  "events",   nullptr};
const char* const DEPS_ALL[] = {"device_count", "devnos_used", "blkdevs_used", nullptr};
const char* const SPLIT_ALL[] = {"subsystem", "vg_name", "lv_name", "lv_layer", nullptr};
const std::pair<const char*, const char* const*> SECTIONS[] = {
    {"stats_all", STATS_ALL}, {"region_all", REGION_ALL}, {"name_all", NAME_ALL},
    {"info_all", INFO_ALL},   {"deps_all", DEPS_ALL},     {"splitname_all", SPLIT_ALL}};

Result<StatsReport> StatsReport::create(const StatsReportOptions& options) {
  StatsReport r;
  r.options_ = options;
  std::string list = options.fields.empty() ? options.defaults : options.fields;
  if (!options.fields.empty() && options.fields[0] == '+') list = options.defaults + "," + options.fields.substr(1);
  std::istringstream in(list);
  for (std::string f; std::getline(in, f, ',');) {
    if (f.empty()) continue;
    const auto& table = stats_fields();
    if (f == "help" || f == "?") return fail(EAGAIN, "help");
    const char* const* names = nullptr;
    for (const auto& [section, list] : SECTIONS)
      if (same_field(f, section)) names = list;
    if (names) {
      for (; *names; ++names) {
        const auto& t = stats_fields();
        auto x = std::find_if(t.begin(), t.end(), [&](const Field& y) { return same_field(*names, y.id); });
        r.columns_.push_back(static_cast<int>(x - t.begin()));
      }
      continue;
    }
    auto it = std::find_if(table.begin(), table.end(), [&](const Field& x) { return same_field(f, x.id); });
    if (it == table.end()) return fail(EINVAL, "Unrecognised field: " + f);
    r.columns_.push_back(static_cast<int>(it - table.begin()));
  }
  if (!valid_units(options.units)) return fail(EINVAL, "Invalid --units argument.");
  std::istringstream sort(options.sort);
  for (std::string f; std::getline(sort, f, ',');) {
    if (f.empty()) continue;
    bool descending = false;
    if (f[0] == '+' || f[0] == '-') {
      descending = f[0] == '-';
      f.erase(0, 1);
    }
    const auto& table = stats_fields();
    auto it = std::find_if(table.begin(), table.end(), [&](const Field& x) { return same_field(f, x.id); });
    if (it == table.end()) return fail(EINVAL, "dm_report: Unrecognised field: " + f);
    r.sort_.push_back({static_cast<int>(it - table.begin()), descending});
  }
  if (!options.select.empty()) {
    auto lookup = [](const std::string& name) -> std::optional<SelectField> {
      const auto& table = stats_fields();
      for (std::size_t i = 0; i < table.size(); ++i)
        if (same_field(name, table[i].id))
          return SelectField{static_cast<int>(i), table[i].kind == Kind::num || table[i].kind == Kind::siz,
                             size_field(table[i].id)};
      return std::nullopt;
    };
    bool unknown = false;
    auto sel = Selection::parse(options.select, lookup, &unknown);
    if (!sel) return fail(EBADMSG, (unknown ? selection_field_help() : std::string()) + sel.error().message);
    r.selection_ = std::make_shared<const Selection>(std::move(*sel));
  }
  return r;
}

bool StatsReport::needs_counters() const {
  for (int c : columns_)
    if (stats_fields()[static_cast<std::size_t>(c)].counters) return true;
  return false;
}

bool StatsReport::needs_device() const {
  for (int c : columns_)
    if (stats_fields()[static_cast<std::size_t>(c)].dm) return true;
  return false;
}

void StatsReport::add_row(Row row) {
  const auto& table = stats_fields();
  row.device = device_;
  g_fmt = Format{&options_, true};
  const bool selected =
      !selection_ || selection_->matches([&](int i) { return table[static_cast<std::size_t>(i)].value(&row); });
  bool shows_selected = false;
  for (int c : columns_) shows_selected |= std::string_view(table[static_cast<std::size_t>(c)].id) == "selected";
  if (!selected && !shows_selected) {
    g_fmt = Format{};
    return;
  }
  row.selected = selected;
  std::vector<std::string> keys;
  for (const auto& k : sort_) keys.push_back(table[static_cast<std::size_t>(k.field)].value(&row));
  g_fmt = Format{&options_, false};
  std::vector<std::string> cells;
  for (int c : columns_) cells.push_back(table[static_cast<std::size_t>(c)].value(&row));
  g_fmt = Format{};
  rows_.push_back(std::move(cells));
  sort_values_.push_back(std::move(keys));
}

namespace {

const std::string& shown_name(const std::string& device, const StatsRegionData& r,
                              const std::vector<StatsGroupData>& groups) {
  if (r.group_id)
    for (const auto& g : groups)
      if (g.id == *r.group_id && !g.alias.empty()) return g.alias;
  return device;
}

void add_hist(std::vector<std::uint64_t>& sum, const std::vector<std::uint64_t>& h) {
  if (sum.size() < h.size()) sum.resize(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) sum[i] += h[i];
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
    Row row{&name, leader, true, 0, populated, options_.interval_ns, {}, nullptr, 0, {}, {}, true, nullptr};
    row.group = &g;
    row.stats_name = g.alias.empty() ? name : g.alias;
    for (auto m : g.members) {
      const StatsRegionData* r = region_by_id(regions, m);
      if (!r) continue;
      row.group_len += populated ? r->areas.size() * r->step : r->len;
      if (populated) {
        for (const auto& a : r->areas)
          for (int k = 0; k < 13; ++k) row.c.v[k] += a[static_cast<std::size_t>(k)];
        // The leader's bins; members with other bounds do not add up.
        if (r->bounds == leader->bounds)
          for (const auto& h : r->histograms) add_hist(row.hist, h);
      }
    }
    add_row(row);
  }
}

// A region's own row: its areas' counters and histograms summed.
void StatsReport::add_region_row(const std::string& name, const StatsRegionData& r, bool populated,
                                 const std::vector<StatsGroupData>& groups) {
  Row row{&name, &r, true, 0, populated, options_.interval_ns, {}, nullptr, 0, {}, {}, true, nullptr};
  row.stats_name = shown_name(name, r, groups);
  if (populated) {
    for (const auto& a : r.areas)
      for (int k = 0; k < 13; ++k) row.c.v[k] += a[static_cast<std::size_t>(k)];
    for (const auto& h : r.histograms) add_hist(row.hist, h);
  }
  add_row(row);
}

void StatsReport::add_list(const std::string& name, const std::vector<StatsRegionData>& regions,
                           const std::vector<StatsGroupData>& groups) {
  // Counters were read when a counter field is shown (regions carry areas).
  bool populated = !regions.empty();
  for (const auto& r : regions) populated = populated && !r.areas.empty();
  for (const auto& r : regions) {
    add_region_row(name, r, populated, groups);
  }
  add_groups(name, regions, populated, groups);
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
      Row row{&name, &r, false, a, populated, options_.interval_ns, {}, nullptr, 0, {}, {}, true, nullptr};
      row.stats_name = shown_name(name, r, groups);
      if (populated) {
        for (int k = 0; k < 13; ++k) row.c.v[k] = r.areas[a][static_cast<std::size_t>(k)];
        add_hist(row.hist, r.histograms[a]);
      }
      add_row(row);
    }
  }
  for (const auto& r : regions) {
    if (areas_of(r) <= 1) continue;
    add_region_row(name, r, populated, groups);
  }
  add_groups(name, regions, populated, groups);
}

std::string StatsReport::render() const {
  const auto& table = stats_fields();
  std::string out;
  std::vector<std::size_t> order(rows_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t k = 0; k < sort_.size(); ++k) {
      const std::string& x = sort_values_[a][k];
      const std::string& y = sort_values_[b][k];
      int c;
      if (table[static_cast<std::size_t>(sort_[k].field)].kind == Kind::str) {
        c = x.compare(y);
      } else {
        const double nx = std::strtod(x.c_str(), nullptr), ny = std::strtod(y.c_str(), nullptr);
        c = nx < ny ? -1 : nx > ny ? 1 : 0;
      }
      if (c != 0) return sort_[k].descending ? c > 0 : c < 0;
    }
    return false;
  });
  std::vector<std::vector<std::string>> sorted;
  sorted.reserve(rows_.size());
  for (std::size_t i : order) sorted.push_back(rows_[i]);
  const auto& rows_ = sorted;  // the rows in -O order from here on
  if (options_.rows) {
    // --rows: "Heading value value..." per field, never aligned.
    if (rows_.empty()) return out;
    const std::string sep = options_.separator.value_or(options_.headings ? " " : ":");
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      bool first = !options_.headings;
      if (options_.headings) out += table[static_cast<std::size_t>(columns_[i])].heading;
      for (const auto& r : rows_) {
        if (!first) out += sep;
        first = false;
        out += r[i];
      }
      out += '\n';
    }
    return out;
  }
  if (options_.name_prefixes) {
    // The headings unaligned, then DM_FIELD='value' pairs.
    const std::string sep = options_.separator.value_or(" ");
    if (options_.headings) {
      for (std::size_t i = 0; i < columns_.size(); ++i)
        out += (i ? sep : "") + std::string(table[static_cast<std::size_t>(columns_[i])].heading);
      out += '\n';
    }
    for (const auto& r : rows_) {
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        std::string id = table[static_cast<std::size_t>(columns_[i])].id;
        for (auto& ch : id) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        out += fmt::format("{}DM_{}='{}'", i ? sep : "", id, r[i]);
      }
      out += '\n';
    }
    return out;
  }
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

// Histogram bounds are kept in the region's unit (ms, or ns if precise).
std::uint64_t bound_ns(const StatsRegionData& r, std::uint64_t b) { return r.precise ? b : b * 1'000'000u; }

// "0s", "10us", "1ms", "1234567us": the largest unit that divides the bound;
// plain ns with --notimesuffix.
std::string bound_label(std::uint64_t ns) {
  if (g_fmt.opts && g_fmt.opts->notimesuffix) return std::to_string(ns);
  static const std::pair<std::uint64_t, const char*> units[] = {
      {1'000'000'000u, "s"}, {1'000'000u, "ms"}, {1'000u, "us"}, {1u, "ns"}};
  for (const auto& [scale, name] : units)
    if (ns % scale == 0) return fmt::format("{}{}", ns / scale, name);
  return std::to_string(ns);
}

// Bin i as a range: "0s-10us", ..., ">5ms".
std::string range_label(const StatsRegionData& r, std::size_t i) {
  const std::string lo = bound_label(i ? bound_ns(r, r.bounds[i - 1]) : 0);
  if (i == r.bounds.size()) return ">" + lo;
  return lo + "-" + bound_label(bound_ns(r, r.bounds[i]));
}

enum class Bounds { none, lower, range };

// dm_histogram_to_string as dmstats calls it: with headings, each value in
// 6 columns (bounds right-aligned in 6, or 10 without time suffixes; a range
// or a long bound eats into its value's room) and bins joined by ','; with --noheadings, bare
// "bound:value" items joined by ':'.
std::string hist_string(const R& r, bool percent, Bounds bounds) {
  const StatsRegionData& reg = *r.region;
  if (reg.bounds.empty() || r.hist.size() != reg.bounds.size() + 1) return "";
  const bool aligned = !g_fmt.opts || g_fmt.opts->headings;
  const int bound_w = g_fmt.opts && g_fmt.opts->notimesuffix ? 10 : 6, value_w = 6;
  std::uint64_t total = 0;
  for (auto v : r.hist) total += v;
  std::string out;
  for (std::size_t i = 0; i < r.hist.size(); ++i) {
    const double pct = total ? static_cast<double>(r.hist[i]) * 100.0 / static_cast<double>(total) : 0.0;
    std::string label;
    if (bounds == Bounds::lower) label = bound_label(i ? bound_ns(reg, reg.bounds[i - 1]) : 0);
    if (bounds == Bounds::range) label = range_label(reg, i);
    if (!aligned) {
      if (i) out += ':';
      if (bounds != Bounds::none) out += label + ':';
      out += percent ? fmt::format("{:.2f}%", pct) : std::to_string(r.hist[i]);
      continue;
    }
    int w = value_w;
    if (bounds != Bounds::none) {
      if (i) out += ',';
      // A "lo-hi" range is not padded: its value takes the room left.
      const bool pad = bounds == Bounds::lower || i == reg.bounds.size();
      const int shown = pad ? std::max(bound_w, static_cast<int>(label.size())) : static_cast<int>(label.size());
      out += fmt::format("{:>{}}:", label, pad ? bound_w : 0);
      w = std::max(0, bound_w + value_w - shown);
    }
    out += percent ? fmt::format("{:>{}.2f}%", pct, w) : fmt::format("{:>{}}", r.hist[i], w);
  }
  return out;
}

Field counter(const char* id, const char* heading, int width, int k, bool time) {
  return Field{id, heading, width, Kind::num, true, [k, time](const void* p) {
                 const R& r = row(p);
                 return std::to_string(time ? ns(r, k) : r.c.v[k]);
               }};
}

const std::vector<Field>& stats_fields() {
  static const std::vector<Field> table = [] {
    std::vector<Field> t = own_fields();
    // dmsetup's own fields (name, uuid, major, ...) show the row's device.
    for (const auto& f : report_fields()) {
      if (std::string_view(f.id) == "selected") continue;
      const int index = f.index;
      t.push_back(Field{f.id, f.heading, f.width, f.number ? Kind::num : Kind::str, false,
                        [index](const void* p) {
                          const R& r = row(p);
                          return r.device ? report_field_value(index, *r.device) : std::string();
                        },
                        true});
    }
    return t;
  }();
  return table;
}

std::vector<Field> own_fields() {
  return {
      {"stats_name", "Name", 16, Kind::str, false, [](const void* p) { return row(p).stats_name; }},
      {"group_id", "GrpID", 5, Kind::num, false,
       [](const void* p) {
         const R& r = row(p);
         if (r.group) return std::to_string(r.group->id);
         if (r.region->group_id) return std::to_string(*r.region->group_id);
         return g_fmt.raw ? std::to_string(UINT64_MAX) : std::string("-");  // libdm's "no group" id
       }},
      {"region_id", "RgID", 4, Kind::num, false,
       [](const void* p) {
         const R& r = row(p);
         // libdm sorts a group by its id tagged with DM_STATS_WALK_GROUP (1 << 50).
         if (r.group && g_fmt.raw) return std::to_string((std::uint64_t{1} << 50) | r.group->id);
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
      {"reads_merged_per_sec", "RMrg/s", 6, Kind::real, true,
       [](const void* p) { return fixed2(static_cast<double>(row(p).c.v[1]) / static_cast<double>(row(p).interval_ns)); }},
      {"writes_merged_per_sec", "WMrg/s", 6, Kind::real, true,
       [](const void* p) { return fixed2(static_cast<double>(row(p).c.v[5]) / static_cast<double>(row(p).interval_ns)); }},
      {"reads_per_sec", "R/s", 3, Kind::real, true, [](const void* p) { return fixed2(per_sec(row(p), row(p).c.v[0])); }},
      {"writes_per_sec", "W/s", 3, Kind::real, true, [](const void* p) { return fixed2(per_sec(row(p), row(p).c.v[4])); }},
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
      {"queue_size", "QSize", 5, Kind::real, true,
       [](const void* p) { return fixed2(static_cast<double>(ns(row(p), 10)) / static_cast<double>(row(p).interval_ns)); }},
      {"util", "Util%", 5, Kind::real, true,
       [](const void* p) {
         const double u = static_cast<double>(ns(row(p), 9)) / static_cast<double>(row(p).interval_ns);
         return fixed2(std::min(u, 1.0) * 100.0);
       }},
      {"await", "AWait", 5, Kind::real, true,
       [](const void* p) {
         const R& r = row(p);
         const std::uint64_t ios = r.c.v[0] + r.c.v[4];
         return fixed2(ios ? static_cast<double>(ns(r, 3) + ns(r, 7)) / static_cast<double>(ios) / 1e6 : 0.0);
       }},
      {"read_await", "RdAWait", 7, Kind::real, true,
       [](const void* p) {
         const R& r = row(p);
         return fixed2(r.c.v[0] ? static_cast<double>(ns(r, 3)) / static_cast<double>(r.c.v[0]) / 1e6 : 0.0);
       }},
      {"write_await", "WrAWait", 7, Kind::real, true,
       [](const void* p) {
         const R& r = row(p);
         return fixed2(r.c.v[4] ? static_cast<double>(ns(r, 7)) / static_cast<double>(r.c.v[4]) / 1e6 : 0.0);
       }},
      {"throughput", "Throughput", 10, Kind::real, true,
       [](const void* p) { return fixed2(per_sec(row(p), row(p).c.v[0] + row(p).c.v[4])); }},
      {"service_time", "SvcTm", 5, Kind::real, true,
       [](const void* p) {
         const R& r = row(p);
         const double tput = per_sec(r, r.c.v[0] + r.c.v[4]);
         const double util = std::min(static_cast<double>(ns(r, 9)) / static_cast<double>(r.interval_ns), 1.0);
         if (static_cast<std::uint64_t>(tput) == 0 || static_cast<std::uint64_t>(util * 100.0) == 0) return fixed2(0);
         return fixed2(util * 1e9 / tput / 1e6);
       }},
      {"hist_count", "Histogram Counts", 16, Kind::str, true,
       [](const void* p) { return hist_string(row(p), false, Bounds::none); }},
      {"hist_count_bounds", "Histogram Counts", 16, Kind::str, true,
       [](const void* p) { return hist_string(row(p), false, Bounds::lower); }},
      {"hist_count_ranges", "Histogram Counts", 16, Kind::str, true,
       [](const void* p) { return hist_string(row(p), false, Bounds::range); }},
      {"hist_percent", "Histogram%", 10, Kind::str, true,
       [](const void* p) { return hist_string(row(p), true, Bounds::none); }},
      {"hist_percent_bounds", "Histogram%", 10, Kind::str, true,
       [](const void* p) { return hist_string(row(p), true, Bounds::lower); }},
      {"hist_percent_ranges", "Histogram%", 10, Kind::str, true,
       [](const void* p) { return hist_string(row(p), true, Bounds::range); }},
      {"interval_ns", "IntervalNs", 10, Kind::num, true,
       [](const void* p) { return std::to_string(row(p).interval_ns); }},
      {"interval", "Interval", 8, Kind::real, true,
       [](const void* p) { return fmt::format("{:.6f}", static_cast<double>(row(p).interval_ns) / 1e9); }},
      {"hist_bins", "#Bins", 9, Kind::str, false,
       [](const void* p) {
         const auto& b = row(p).region->bounds;
         if (row(p).group) return std::string("0");  // libdm counts no bins for a group
         return std::to_string(b.empty() ? 0 : b.size() + 1);
       }},
      {"hist_bounds", "Histogram Bounds", 16, Kind::str, false,
       [](const void* p) {
         const StatsRegionData& r = *row(p).region;
         if (r.bounds.empty()) return std::string();
         std::string out = bound_label(0);
         for (auto b : r.bounds) out += "," + bound_label(bound_ns(r, b));
         return out;
       }},
      {"hist_ranges", "Histogram Ranges", 16, Kind::str, false,
       [](const void* p) {
         const StatsRegionData& r = *row(p).region;
         std::string out;
         for (std::size_t i = 0; i < r.bounds.size() + (r.bounds.empty() ? 0 : 1); ++i)
           out += (i ? "," : "") + range_label(r, i);
         return out;
       }},
      {"selected", "Selected", 8, Kind::num, false,
       [](const void* p) { return std::string(row(p).selected ? "1" : "0"); }},
  };
}

}  // namespace

}  // namespace udm::udmsetup

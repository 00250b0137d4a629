// dmstats' column reports (`stats list`, `stats report`): the stats fields
// of dmsetup 1.02.185 rendered with libdevmapper's report layout, over the
// regions and counters the driver's @stats_list and @stats_print return.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "report.hpp"
#include "select.hpp"

namespace udm::udmsetup {

// One region as @stats_list and @stats_print describe it.
struct StatsRegionData {
  std::uint64_t id = 0, start = 0, len = 0, step = 0;
  std::string program_id, aux_data;
  std::string user_data;                 // aux_data without a group tag; "-" read as empty
  std::optional<std::uint64_t> group_id;  // the group it belongs to
  bool precise = false;
  std::vector<std::uint64_t> bounds;  // histogram boundaries in the region's unit
  // Per area, the 13 counters of @stats_print (times in the region's unit)
  // and the histogram counts.
  std::vector<std::vector<std::uint64_t>> areas;
  std::vector<std::vector<std::uint64_t>> histograms;
  std::uint64_t area_count() const { return len / step + (len % step ? 1 : 0); }
};

// A group of regions as libdm reads it from its leader's aux_data.
struct StatsGroupData {
  std::uint64_t id = 0;  // the leader's region id
  std::string alias;
  std::vector<std::uint64_t> members;
};

// Parses @stats_list lines; false on a line it does not understand.
bool parse_stats_list(const std::string& text, std::vector<StatsRegionData>& out);
// The groups the regions' aux_data describe, in region order; sets the
// members' group_id and the leaders' user_data. A malformed tag, or one whose
// first member is not its own region, makes no group: libdm's two error
// lines for it go to `errors`.
std::vector<StatsGroupData> resolve_groups(std::vector<StatsRegionData>& regions,
                                           std::vector<std::string>* errors = nullptr);
// Fills r.areas/r.histograms from an @stats_print reply.
bool parse_stats_print(const std::string& text, StatsRegionData& r);

// dm_size_to_string for sizes in sectors with dmstats' defaults (human
// units, base 1024, "0" for zero).
std::string stats_size(std::uint64_t sectors);

// The field list with types that libdm prints before a selection error
// naming an unknown field.
std::string selection_field_help();

struct StatsReportOptions {
  std::string fields;  // -o (empty: the default of the subcommand)
  std::string defaults;
  bool headings = true;
  std::optional<std::string> separator;
  bool aligned = true;
  std::uint64_t interval_ns = 1'000'000'000;
  std::string sort;    // -O: "f,-g"
  std::string select;  // -S: libdevmapper's selection grammar
  std::string units = "h";  // --units: h/H human, b/s bytes/sectors, [N]k|K|m|M|g|G|t|T|p|P|e|E
  bool nosuffix = false;      // --nosuffix
  bool notimesuffix = false;  // --notimesuffix: histogram bounds in plain ns
  bool name_prefixes = false; // --nameprefixes: DM_FIELD='value'
  bool rows = false;          // --rows: a line per field
};

class StatsReport {
 public:
  // Fails with "Unrecognised field: X" for an unknown field, EAGAIN for
  // -o help, EBADMSG with libdm's lines for a bad selection or unit.
  static Result<StatsReport> create(const StatsReportOptions& options);
  // Rows of one device: `list`: one per region; `report` and `list -v`:
  // each area, then a row for each region of more than one area.
  // `populated`: the regions' counters were read (report).
  // Group rows follow (one per group, counters summed over its members).
  void add_list(const std::string& name, const std::vector<StatsRegionData>& regions,
                const std::vector<StatsGroupData>& groups = {});
  void add_report(const std::string& name, const std::vector<StatsRegionData>& regions, bool populated,
                  const std::vector<StatsGroupData>& groups = {});
  // The device the next rows belong to, for dmsetup's fields (name, uuid,
  // major, ...); null: they show empty.
  void set_device(const ReportRow* device) { device_ = device; }
  // Whether a dmsetup field is shown (the caller fills the device row then).
  bool needs_device() const;
  bool needs_counters() const;
  std::string render() const;

  struct Row;  // one row's data (stats_report.cpp)

 private:
  void add_row(Row row);
  void add_region_row(const std::string& name, const StatsRegionData& r, bool populated,
                      const std::vector<StatsGroupData>& groups);
  void add_groups(const std::string& name, const std::vector<StatsRegionData>& regions, bool populated,
                  const std::vector<StatsGroupData>& groups);
  StatsReportOptions options_;
  struct SortKey {
    int field;
    bool descending;
  };
  std::vector<int> columns_;
  std::vector<SortKey> sort_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::vector<std::string>> sort_values_;
  std::shared_ptr<const Selection> selection_;
  const ReportRow* device_ = nullptr;
};

}  // namespace udm::udmsetup

// dmsetup's column report (`info -c`, `splitname`): field table, -o parsing,
// alignment, --noheadings, --separator and --nameprefixes, rendered exactly as
// libdevmapper's report engine does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <udm/client.hpp>

#include "base/result.hpp"
#include "select.hpp"

namespace udm::udmsetup {

// Everything one report row may show.
struct ReportRow {
  client::DeviceInfo info;
  std::optional<unsigned> read_ahead;
  std::vector<client::DevNumber> deps;
  std::vector<std::string> dep_names;   // devs_used: dm names of deps ("" if not dm)
  std::vector<std::string> dep_blkdevnames;  // blkdevs_used: kernel names of deps
  std::string blkdevname;
  std::string subsystem, vg_name, lv_name, lv_layer;
  // Mapped devices whose tables use this one (names_using_dev, ...).
  std::vector<std::string> using_names;
  std::vector<client::DevNumber> using_devnos;
  bool selected = true;  // the `selected` field: set by Report::add
};

struct ReportOptions {
  std::string fields;                   // -o; empty: the defaults; "+f,g": defaults then f,g
  bool headings = true;                 // false: --noheadings
  std::optional<std::string> separator; // --separator
  bool name_prefixes = false;           // --nameprefixes
  std::string sort;                     // -O: "f,-g": sort by f, then g descending
  bool rows = false;                    // --rows: one line per field
  std::string select;                   // -S: libdevmapper's selection
};

// Which data the chosen fields need, so the caller fetches only that.
struct ReportNeeds {
  bool deps = false;
  bool users = false;  // the devices using this one (every device's deps)
  bool read_ahead = false;
  // Every field comes from a device list with event numbers and uuids
  // (name, uuid, major, minor, devno, events, split names): no DEV_STATUS needed.
  bool list_only = true;
};

class Report {
 public:
  // `defaults`: "name,major,minor,attr,open,segments,events,uuid" for info -c.
  // An unknown field fails with "Unrecognised field: X" (the field help
  // is then what help_text() returns).
  static Result<Report> create(const ReportOptions& options, const std::string& defaults);
  // Adds the row if the selection takes it (or shows the result in the
  // `selected` field when that is one of the columns).
  void add(const ReportRow& row);
  // Whether -S takes the row (for commands that -S runs per device).
  bool selects(const ReportRow& row) const;
  std::string render() const;
  ReportNeeds needs() const;

  // The field list printed for `-o help` (dmsetup prints it to stderr).
  static std::string help_text();

 private:
  struct Column {
    int field;  // index into the field table
  };
  ReportOptions options_;
  struct SortKey {
    int field;
    bool descending;
  };
  std::vector<Column> columns_;
  std::vector<SortKey> sort_;
  Selection selection_;
  std::vector<int> selection_fields_;  // fields the selection reads (needs())
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::vector<std::string>> sort_values_;
};

// dmsetup's fields for another report (dmstats' -o takes them too).
struct ReportFieldRef {
  int index = 0;
  const char* id = nullptr;
  const char* heading = nullptr;
  int width = 0;
  bool number = false;
};
std::vector<ReportFieldRef> report_fields();
std::string report_field_value(int index, const ReportRow& row);

// dm_split_lvm_name: "vg-lv-layer" with "--" standing for '-'.
void split_lvm_name(const std::string& name, std::string& vg, std::string& lv, std::string& layer);
// Fill subsystem/vg/lv/layer the way dmsetup does from a device's name and uuid.
void fill_split_name(ReportRow& row);

}  // namespace udm::udmsetup

// dmsetup's column report (`info -c`, `splitname`): field table, -o parsing,
// alignment, --noheadings, --separator and --nameprefixes, rendered exactly as
// libdevmapper's report engine does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <udm/client.hpp>

#include "base/result.hpp"

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
};

struct ReportOptions {
  std::string fields;                   // -o; empty: the defaults; "+f,g": defaults then f,g
  bool headings = true;                 // false: --noheadings
  std::optional<std::string> separator; // --separator
  bool name_prefixes = false;           // --nameprefixes
  std::string sort;                     // -O: "f,-g": sort by f, then g descending
  bool rows = false;                    // --rows: one line per field
};

// Which data the chosen fields need, so the caller fetches only that.
struct ReportNeeds {
  bool deps = false;
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
  void add(const ReportRow& row);
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
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::vector<std::string>> sort_values_;
};

// dm_split_lvm_name: "vg-lv-layer" with "--" standing for '-'.
void split_lvm_name(const std::string& name, std::string& vg, std::string& lv, std::string& layer);
// Fill subsystem/vg/lv/layer the way dmsetup does from a device's name and uuid.
void fill_split_name(ReportRow& row);

}  // namespace udm::udmsetup

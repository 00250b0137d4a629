// pvs/vgs/lvs reports: field selection (-o, -o+, -o-), sort keys (-O), units,
// column or JSON output, with the layout of lvm 2.03:
//   columns: every line starts with two spaces; columns are joined by one space
//   and padded to max(minimum width, heading, widest value); headings are
//   left-aligned, numbers and sizes right-aligned.
//   JSON: {"report": [{"lv": [{"lv_name":"x", ...}, ...]}]}, every value a string.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "lvm/report/fields.hpp"
#include "lvm/report/select.hpp"
#include "lvm/report/units.hpp"
#include "lvm/report/view.hpp"

namespace udm::lvm::report {

struct Options {
  std::vector<std::string> fields;  // each -o argument, in order ("+devices", "lv_name,lv_size")
  std::vector<std::string> sort;    // each -O argument
  Units units;
  bool headings = true;
  std::optional<std::string> separator;
  bool aligned = false;   // --aligned with --separator
  bool json = false;      // --reportformat json
  bool all = false;       // -a: hidden LVs too
  bool segments = false;  // --segments
  std::optional<std::string> selection;  // -S/--select
  bool unaligned = false;     // --nameprefixes: columns not padded
  bool name_prefixes = false; // LVM2_FIELD='value'
  bool quoted = true;         // with name_prefixes: values in '...'
  bool rows = false;          // --rows: one line per field
  bool binary = false;        // --binary: binary fields as 0/1
  bool compact = false;       // report/compact_output: no column empty in every row
  std::optional<std::string> default_fields;  // report/lvs_cols, ...
  std::optional<std::string> default_sort;    // report/lvs_sort, ...
  Object vg_rows = Object::vg;  // internal: vgs rows per VG, LV or PV
  std::vector<std::string> select_names;  // positional VG / VG/LV / PV names; empty = all
};

// The default columns of each report (lvm 2.03).
std::string_view default_fields(ReportType type);

// The full report text (ends with a newline unless empty).
Result<std::string> render(ReportType type, const Input& input, const Options& opts);

// The rows a report shows, selected and sorted, each field's value typed (a
// size in sectors, a number, text) before unit formatting. render() prints
// it; the library API reads its rows from it. Rows point into `input`.
struct Table {
  std::vector<const FieldDef*> fields;
  std::vector<Row> rows;                 // in report order
  std::vector<std::vector<Cell>> cells;  // per row, one per field
};
Result<Table> table(ReportType type, const Input& input, const Options& opts);

// Whether `r` passes a parsed -S selection, its fields' values as the
// report computes them (the display commands select with it).
bool row_selected(const Selection& s, const Row& r);

}  // namespace udm::lvm::report

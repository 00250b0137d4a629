// The report fields of lvm 2.03's pvs/vgs/lvs: name, heading, minimum column
// width and alignment as real lvm2 prints them (measured against lvm 2.03.16),
// and how each value is computed from the model.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lvm/report/view.hpp"

namespace udm::lvm::report {

enum class Kind : std::uint8_t { str, num, size };
enum class Object : std::uint8_t { lv, seg, vg, pv, pvseg };
enum class ReportType : std::uint8_t { lvs, vgs, pvs };

// A value before unit formatting: text, a number, or a size in sectors.
struct Cell {
  Kind kind = Kind::str;
  std::string text;
  std::int64_t num = 0;
  sector_t size = 0;
  bool blank = false;  // a num/size field with no value: shown empty

  static Cell of_text(std::string s) { Cell c; c.text = std::move(s); return c; }
  static Cell of_num(std::int64_t v) { Cell c; c.kind = Kind::num; c.num = v; return c; }
  static Cell of_size(sector_t v) { Cell c; c.kind = Kind::size; c.size = v; return c; }
};

// The objects one report row is about. Pointers are null when not relevant.
struct Row {
  const VgView* vg = nullptr;
  const LogicalVolume* lv = nullptr;
  std::size_t lv_index = 0;
  const Segment* seg = nullptr;
  const PhysicalVolume* pv = nullptr;
  const PvDevice* dev = nullptr;
  const OrphanPv* orphan = nullptr;
  extent_t pvseg_start = 0;
  extent_t pvseg_size = 0;
};

struct FieldDef {
  std::string_view name;
  std::string_view heading;
  unsigned min_width;
  bool right;  // values right-aligned (headings are always left-aligned)
  Kind kind;
  Object object;
  Cell (*get)(const Row&);
};

std::span<const FieldDef> all_fields();

// lvm's name lookup: the exact name, else with the report's prefix ("size"
// -> "lv_size" in lvs, "pv_size" in pvs), else "seg_"/"pvseg_" prefixed.
const FieldDef* find_field(ReportType type, std::string_view name);

// lv_attr, vg_attr, pv_attr strings (exported for the API's row structs).
std::string lv_attr(const VgView& vg, std::size_t lv_index);
std::string vg_attr(const VgView& vg);
std::string pv_attr(const Row& row);
// The segtype field: what the segment's handler reports ("linear", "striped", ...).
std::string segment_type_name(const Segment& seg);

}  // namespace udm::lvm::report

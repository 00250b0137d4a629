// `ulvm vgmap`: a VG's physical extents as a picture. Each PV is a bar as
// long as its extents (the longest PV spans the full width), each run of
// extents an LV segment uses (a line of `pvdisplay -m`) one piece of the bar
// in its LV's colour, free runs blank. Hidden sub-LVs (_rimage, _rmeta,
// _tdata, _tmeta, _mimage, _mlog, pvmove) are drawn as part of the LV they
// make up. Two renderings: a standalone SVG and a text map for a terminal.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lvm/metadata/model.hpp"

namespace udm::lvm::report {

// One run of a PV's extents, PE `pe_start` to `pe_end` inclusive (as
// pvdisplay -m counts them). `lv` is empty for free space.
struct VgMapRun {
  extent_t pe_start = 0;
  extent_t pe_end = 0;
  std::string lv;      // the top-level LV the extents belong to
  std::string sub_lv;  // the hidden LV that holds them, when not `lv` itself
  bool free() const { return lv.empty(); }
  extent_t count() const { return pe_end - pe_start + 1; }
};

struct VgMapPv {
  std::string name;  // "pv0"
  std::string path;  // device path, "[unknown]" when missing
  extent_t pe_count = 0;
  extent_t free = 0;
  std::vector<VgMapRun> runs;  // cover PE 0 .. pe_count-1 in order
};

// A legend entry: an LV that owns extents on the map.
struct VgMapLv {
  std::string name;
  sector_t size = 0;      // the LV's size (lvs' LSize)
  extent_t extents = 0;   // physical extents it and its sub-LVs occupy
  std::size_t colour = 0; // index into vgmap_palette()
  char letter = '?';      // its character in the text map
  std::vector<std::string> thin;  // a pool's thin LVs (they own no extents)
};

struct VgMap {
  std::string vg;
  sector_t extent_size = 0;
  extent_t max_pe = 0;  // the longest PV's extents: the full bar width
  std::vector<VgMapPv> pvs;
  std::vector<VgMapLv> lvs;  // in VG order
  const VgMapLv* find(std::string_view lv) const;
};

// The map of `vg`; `pv_paths` maps PV names ("pv0") to device paths.
VgMap vgmap_layout(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths);

// The visible LV whose extents `use` holds: the LV itself, or for a hidden
// sub-LV the LV that names it in a segment, followed up to the top. A hidden
// LV nothing names (lvol0_pmspare) is its own top.
std::string vgmap_owner(const VolumeGroup& vg, const PvExtentUse& use);

// Colours as "#rrggbb"; an LV keeps its colour (hash of its name) unless an
// LV before it in the VG took that colour first.
const std::vector<std::string_view>& vgmap_palette();
std::size_t vgmap_preferred_colour(std::string_view lv_name);
// The xterm-256 colour nearest to a palette colour.
int vgmap_ansi256(std::string_view hex);

// Where a run of extents lies on a bar that starts at `x0` and is `width`
// wide for `max_pe` extents.
struct VgMapSpan {
  double x = 0;
  double width = 0;
};
VgMapSpan vgmap_span(extent_t pe_start, extent_t pe_count, extent_t max_pe, double x0, double width);

// A standalone SVG document: a <rect class="seg"> per used run (data-pv,
// data-lv, data-pe-start, data-pe-end, data-sub-lv for sub-LVs, a <title>
// "LV: PE a-b"), a <rect class="free"> per free run, and a legend.
std::string vgmap_svg(const VgMap& map);

// One line per PV scaled to `columns`, a letter per LV (coloured with ANSI
// escapes when `colour`), '.' for free extents, then the legend.
std::string vgmap_text(const VgMap& map, int columns, bool colour);

}  // namespace udm::lvm::report

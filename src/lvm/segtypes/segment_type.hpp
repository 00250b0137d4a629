// Segment types as handlers, as LVM2 keeps them (struct segtype_handler): one
// object per type knows everything type-specific about a segment: its
// metadata keys (text import/export), its dm table line, its report values,
// its lvdisplay -m lines, its validation and what lvcreate/lvextend do with
// it. The rest of src/lvm asks `segment_type_of(seg)` and never compares type
// strings. One file per type in this folder; registry.cpp lists them.
//
// The model keeps a segment's type word (`Segment::type`) and the striped
// areas typed; keys a handler does not read stay in `Segment::unknown` and are
// written back, so types udm does not run (thin, raid, ...) round-trip.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::segtypes {

// What a type is, as LVM2's SEG_* flags say it.
enum SegFlags : unsigned {
  SEG_VIRTUAL = 1u << 0,         // maps no PV extents (zero, error): lv_attr 'v', "Virtual extents"
  SEG_AREAS_STRIPED = 1u << 1,   // areas are stripes of one run each (linear, striped)
  SEG_CAN_ACTIVATE = 1u << 2,    // udm has a dm table line for it
  SEG_CAN_CREATE = 1u << 3,      // lvcreate --type accepts it
  SEG_HIDES_LV = 1u << 4,        // an LV with such a segment is not visible (old snapshot carrier)
};

// Reads one segmentN section's keys for a handler; errors name the section.
class SegmentKeys {
 public:
  virtual ~SegmentKeys() = default;
  virtual Result<std::uint64_t> count(std::string_view key) = 0;
  virtual Result<std::optional<std::uint64_t>> opt_count(std::string_view key) = 0;
  // A [ "name", extent, ... ] list of areas.
  virtual Result<std::vector<SegmentArea>> areas(std::string_view key) = 0;
  // An error "<section>: <what>".
  virtual Error error(std::string_view what) const = 0;
};

// Writes one segmentN section's type-specific keys (after `type` and `tags`).
class SegmentWriter {
 public:
  virtual ~SegmentWriter() = default;
  // `key = value` (value as text); the comment shows only in vgcfgbackup style.
  virtual void key(std::string_view k, std::string_view value, std::string_view comment = {}) = 0;
  virtual void blank() = 0;
  // One area per line, as lvm2 writes stripes/mirrors lists.
  virtual void areas(std::string_view k, const std::vector<SegmentArea>& areas) = 0;
  // "64 Kilobytes": the size comment of vgcfgbackup files.
  virtual std::string size_comment(sector_t sectors) const = 0;
};

// One line of a dm table without its start and length.
struct TargetLine {
  std::string type;
  std::string params;
  bool operator==(const TargetLine&) const = default;
};

// One line of a dm table: `start length type params`, in 512-byte sectors.
struct TableLine {
  sector_t start = 0;
  sector_t length = 0;
  std::string type;
  std::string params;
  bool operator==(const TableLine&) const = default;
};

// Lets a handler name other dm devices in its table lines while an LV is
// planned for activation (src/lvm/activate/device_tree implements it, as
// LVM2's deptree): each call plans that device below the one being built and
// returns a token the line carries in its place; the token becomes the
// device's maj:min when the tree loads the line.
class DevicePlanner {
 public:
  virtual ~DevicePlanner() = default;
  // The top device of another LV of the VG (a pool's _tdata, an _rimage).
  virtual Result<std::string> lv_device(const LogicalVolume& lv) = 0;
  // A layer device of `lv` ("real", "cow", "tpool"): dm name VG-LV-LAYER,
  // uuid LVM-<vg id><lv id>-LAYER, with this table.
  virtual Result<std::string> layer_device(const LogicalVolume& lv, std::string_view layer,
                                           std::vector<TableLine> table, bool read_only = false) = 0;
  // `lv`'s segments as table lines, as its device has them without lay_out.
  virtual Result<std::vector<TableLine>> own_table(const LogicalVolume& lv) = 0;
};

// What a table line needs besides the segment.
struct TableContext {
  const VolumeGroup& vg;
  const LogicalVolume& lv;
  const std::map<std::string, std::string>& pv_paths;  // PV name -> device path; empty = missing
  DevicePlanner* planner = nullptr;  // null when only the LV's own lines are wanted
};

// An area as reports and maps show it: where it is and how many extents it holds.
struct AreaUse {
  SegmentArea area;
  extent_t extents = 0;
};

// The report values a segment type decides (lvs -o segtype,stripes,...).
struct SegmentReport {
  std::string segtype;            // segtype field: "linear", "striped", "zero", ...
  std::uint64_t stripes = 0;      // stripes, data_stripes
  sector_t stripe_size = 0;
  std::vector<AreaUse> areas;     // devices, seg_pe_ranges, seg_le_ranges
  std::optional<std::uint64_t> data_stripes;  // when not `stripes` (raid parity)
  sector_t region_size = 0;       // raid, mirror
};

// How lvdisplay -m names things it does not know itself.
struct DisplayContext {
  std::function<std::string(const SegmentArea&)> device;  // "/dev/loop0", "[unknown]", an LV name
  std::function<std::string(sector_t)> size;              // "64.00 KiB"
  const VolumeGroup* vg = nullptr;                        // the LV's VG (a pool's thin count)
};

// The stripes an extension of an LV continues with (lvextend without -i/-I).
struct AllocShape {
  unsigned stripes = 1;
  sector_t stripe_size = 0;
};

// lvcreate's request once the command line is read.
struct CreateRequest {
  extent_t extents = 0;
  unsigned stripes = 1;
  bool stripes_given = false;  // -i on the command line
};

class SegmentType {
 public:
  virtual ~SegmentType() = default;

  // The lvm segtype name ("linear") and the word metadata holds ("striped").
  virtual std::string_view name() const = 0;
  virtual std::string_view metadata_name() const { return name(); }
  virtual unsigned flags() const = 0;
  bool has(SegFlags f) const { return (flags() & f) != 0; }
  // Whether this handler is the one for `seg` among those sharing its
  // metadata word (linear takes one-area striped segments).
  virtual bool claims(const Segment& seg) const { (void)seg; return true; }

  // ---- text metadata
  // Takes this type's keys into `seg`; the caller keeps the rest as unknown.
  virtual Result<void> import_text(SegmentKeys& keys, Segment& seg) const = 0;
  // Writes this type's keys (not the unknown ones).
  virtual void export_text(SegmentWriter& w, const Segment& seg) const = 0;
  // Kept keys whose value lvm2's backup files follow with a size comment
  // ("chunk_size = 128\t# 64 Kilobytes").
  virtual bool is_size_key(std::string_view key) const { (void)key; return false; }
  // Kept keys counting extents whose comment shows their size in bytes
  // ("extents_moved = 2\t# 8 Megabytes").
  virtual bool is_extent_count_key(std::string_view key) const { (void)key; return false; }

  // ---- activation
  virtual Result<TargetLine> target_line(const TableContext& ctx, const Segment& seg) const;
  // While `lv` (any LV of the VG) is planned for activation, the handler of
  // every segment `seg` of the VG may decide `lv`'s top device: its table, or
  // nullopt (the default: `lv`'s segments' target lines). The snapshot
  // handler uses it to put an origin on snapshot-origin over a -real layer
  // and to show a COW LV as the snapshot. ctx.lv is `lv`.
  virtual Result<std::optional<std::vector<TableLine>>> lay_out(const TableContext& ctx, const Segment& seg,
                                                               const LogicalVolume& lv) const {
    (void)ctx;
    (void)seg;
    (void)lv;
    return std::optional<std::vector<TableLine>>{};
  }

  // ---- reports and display
  virtual SegmentReport report(const Segment& seg) const;
  // lv_layout word and its weight: the LV shows the heaviest of its segments'.
  virtual std::string_view layout() const { return name(); }
  virtual int layout_rank() const { return 0; }
  // lvdisplay -m lines for the segment, after "Logical extents a to b:".
  virtual std::string display_lines(const DisplayContext& ctx, const Segment& seg) const;
  // pvdisplay -m lines for a run of PV extents the segment uses, after
  // "Physical extent a to b:": by default the LV's path and the segment's
  // logical extents (what lvm2 prints for linear and striped alike).
  virtual std::string pv_display_lines(const VolumeGroup& vg, const LogicalVolume& lv, const Segment& seg) const;

  // ---- metadata map and validation
  // PV extent runs the segment uses (areas naming LVs excluded).
  virtual std::vector<AreaUse> pv_areas(const VolumeGroup& vg, const Segment& seg) const;
  // Problems of the segment, each starting with `who()` ("LV x segment 2").
  virtual void validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                        std::vector<std::string>& out) const;
  // For old-style snapshots: the COW LV and origin a segment names.
  virtual std::optional<std::pair<std::string, std::string>> cow_and_origin(const Segment& seg) const {
    (void)seg;
    return std::nullopt;
  }

  // ---- lvcreate / lvextend
  // Refuses what lvm refuses for this type ("--stripes not allowed with --type linear").
  virtual Result<void> check_create(const CreateRequest& req) const { (void)req; return {}; }
  // What extending an LV that ends with `seg` allocates by default.
  virtual AllocShape alloc_shape(const Segment& seg) const { (void)seg; return {}; }
  // The segment(s) of a new LV of this type that need no allocation (virtual
  // types); empty = allocate striped areas with req.stripes.
  virtual std::vector<Segment> virtual_segments(extent_t start, extent_t extents) const {
    (void)start;
    (void)extents;
    return {};
  }
};

// ---------------------------------------------------------------- registry

// Appends the built-in handlers to `out` in lookup order (lvm2's
// init_segtype_array): one line per type, in registry.cpp.
void register_builtin_segment_types(std::vector<const SegmentType*>& out);
// Every built-in type, in registration order.
const std::vector<const SegmentType*>& segment_types();
// By lvm segtype name ("linear", "striped", "zero"), or null.
const SegmentType* find_segment_type(std::string_view name);
// The handler for a segment; types udm only keeps get a generic handler that
// round-trips their keys and refuses activation.
const SegmentType& segment_type_of(const Segment& seg);
// Whether LVM2 knows the type word (udm reads and keeps all of these).
bool is_known_type(std::string_view metadata_name);
// What lvcreate makes without --type.
const SegmentType& default_create_type(unsigned stripes);
// The type new allocations are written as (striped areas).
const SegmentType& striped_type();

// Lists of kept keys lvm2 writes one area per line (stripes, mirrors, raids,
// ...); in `raids` the items pair up as (rmeta, rimage) names.
bool is_area_list_key(std::string_view key);
bool area_list_pairs_names(std::string_view key);

// Shared by handlers (segment_type.cpp).
std::string lv_layout(const LogicalVolume& lv);
bool lv_has_virtual_segment(const LogicalVolume& lv);

}  // namespace udm::lvm::segtypes

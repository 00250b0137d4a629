// The LVM2 volume group model: plain value types for a VG, its PVs, LVs and
// segments, as the text metadata describes them (LVM2-FORMAT.md §9). No I/O:
// src/lvm/format parses text into these objects and writes them back; alloc,
// commands and activation work on them.
//
// Units follow the text format and are spelled out in each field's type:
//   sector_t    512-byte sectors (extent_size, dev_size, pe_start, stripe_size)
//   extent_t    a count or index of extents (pe_count, start_extent, extent_count)
// Ids are the raw 32-character form (no dashes); format_id() gives the
// 6-4-4-4-4-4-6 form that the text and lvm's reports show.
//
// Items the model does not understand are kept in `unknown` (in file order) and
// written back at the end of their section, so nothing real lvm2 wrote is lost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "base/units.hpp"
#include "lvm/metadata/config_tree.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm {

using extent_t = std::uint64_t;  // a count or index of physical/logical extents

// Untrusted text (from disk) for an error message: in double quotes, control
// and non-ASCII bytes as \xNN, cut after `max` characters with "...".
std::string quote_for_message(std::string_view text, std::size_t max = 48);
// A VG/PV/LV name or device path for a message: as is when made of lvm name
// characters and '/', else quoted.
std::string name_for_message(std::string_view name);

// ---------------------------------------------------------------- ids

inline constexpr std::size_t ID_LEN = 32;          // raw, as in pv_header
inline constexpr std::size_t FORMATTED_ID_LEN = 38;  // with the six dashes

// True when `raw` is 32 characters from [0-9a-zA-Z!#].
bool is_valid_raw_id(std::string_view raw);
// "xxxxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxxxx". `raw` must be 32 characters.
std::string format_id(std::string_view raw);
// Accepts either form; returns the raw 32 characters. Error names the text.
Result<std::string> parse_id(std::string_view text);
// A new random id from [0-9a-zA-Z] (what lvm draws new ids from).
std::string generate_id();

// ---------------------------------------------------------------- flags

// An ordered set of flag words ("READ", "WRITE", ...). Reading keeps the order
// found; add() puts a new word at its place in the canonical order lvm writes
// (known words in a fixed order, unknown ones at the end).
class FlagSet {
 public:
  enum class Kind : std::uint8_t { vg_status, vg_flags, pv_status, pv_flags, lv_status, lv_flags };

  FlagSet() = default;
  FlagSet(Kind kind, std::vector<std::string> words) : kind_(kind), words_(std::move(words)) {}

  bool has(std::string_view word) const;
  void add(std::string_view word);
  void remove(std::string_view word);
  const std::vector<std::string>& words() const { return words_; }
  Kind kind() const { return kind_; }
  bool empty() const { return words_.empty(); }
  bool operator==(const FlagSet&) const = default;

 private:
  Kind kind_ = Kind::vg_status;
  std::vector<std::string> words_;
};

// Words real lvm2 accepts for each kind, in the order it writes them.
const std::vector<std::string_view>& known_flags(FlagSet::Kind kind);
bool is_known_flag(FlagSet::Kind kind, std::string_view word);

// ---------------------------------------------------------------- policies

enum class AllocationPolicy : std::uint8_t { inherit, contiguous, cling, cling_by_tags, normal, anywhere };
std::string_view allocation_policy_name(AllocationPolicy p);  // "cling_by_tags" ...
std::optional<AllocationPolicy> parse_allocation_policy(std::string_view name);

// ---------------------------------------------------------------- objects

// One area of a segment: a PV name ("pv0") or an LV name plus the first extent.
struct SegmentArea {
  std::string name;
  extent_t start = 0;
  bool operator==(const SegmentArea&) const = default;
};

struct Segment {
  extent_t start_extent = 0;   // first logical extent of the LV this segment maps
  extent_t extent_count = 0;   // logical extents
  std::optional<std::uint64_t> reshape_count;
  // The metadata word; src/lvm/segtypes has its handler (segment_type_of).
  std::string type = std::string(segtypes::STRIPED);
  std::vector<std::string> tags;

  // striped: one area per stripe; each area holds extent_count / stripes.size()
  // extents. stripe_size is in sectors and present only with 2+ stripes.
  sector_t stripe_size = 0;
  std::vector<SegmentArea> stripes;

  // Keys of other segment types (mirror_count, raids, thin_pool, ...) and any
  // unknown ones, in file order.
  std::vector<ConfigNode> unknown;

  // Areas are stripes (linear or striped): asks the type's handler.
  bool is_striped() const;
  // Extents each striped area covers (extent_count / number of stripes).
  extent_t area_extents() const { return stripes.empty() ? 0 : extent_count / stripes.size(); }
  bool operator==(const Segment&) const = default;
};

struct LogicalVolume {
  std::string name;
  std::string id;  // raw 32 characters
  FlagSet status{FlagSet::Kind::lv_status, {"READ", "WRITE", "VISIBLE"}};
  FlagSet flags{FlagSet::Kind::lv_flags, {}};
  std::vector<std::string> tags;
  std::int64_t creation_time = 0;  // Unix seconds
  std::string creation_host;
  std::optional<std::string> lock_args;
  std::optional<AllocationPolicy> allocation_policy;  // absent = inherit
  std::optional<std::string> profile;
  std::optional<std::int64_t> read_ahead;  // sectors; -1 = none; absent = auto
  std::optional<std::int64_t> major;
  std::optional<std::int64_t> minor;
  std::vector<Segment> segments;  // in logical order
  std::vector<ConfigNode> unknown;

  bool visible() const { return status.has("VISIBLE"); }
  extent_t extent_count() const;  // sum of segment extent counts
  bool operator==(const LogicalVolume&) const = default;
};

struct PhysicalVolume {
  std::string name;  // "pv0": what segments refer to
  std::string id;    // raw 32 characters, matches the pv_header
  std::string device;  // "/dev/loop3": a hint only
  FlagSet status{FlagSet::Kind::pv_status, {"ALLOCATABLE"}};
  FlagSet flags{FlagSet::Kind::pv_flags, {}};
  std::vector<std::string> tags;
  std::optional<std::string> device_id_type;
  std::optional<std::string> device_id;
  sector_t dev_size = 0;   // sectors
  sector_t pe_start = 0;   // sectors from the device start to PE 0
  extent_t pe_count = 0;
  std::optional<sector_t> ba_start;  // bootloader area, sectors
  std::optional<sector_t> ba_size;
  std::vector<ConfigNode> unknown;

  bool operator==(const PhysicalVolume&) const = default;
};

struct VolumeGroup {
  std::string name;
  std::string id;  // raw 32 characters
  std::uint64_t seqno = 0;
  std::string format = "lvm2";
  FlagSet status{FlagSet::Kind::vg_status, {"RESIZEABLE", "READ", "WRITE"}};
  FlagSet flags{FlagSet::Kind::vg_flags, {}};
  std::vector<std::string> tags;
  std::optional<std::string> system_id;
  std::optional<std::string> lock_type;
  std::optional<std::string> lock_args;
  sector_t extent_size = 8192;  // sectors (4 MiB)
  std::uint64_t max_lv = 0;
  std::uint64_t max_pv = 0;
  std::optional<AllocationPolicy> allocation_policy;  // absent = normal
  std::optional<std::string> profile;
  std::uint64_t metadata_copies = 0;  // 0 = unmanaged: every mda is used
  std::vector<PhysicalVolume> pvs;
  std::vector<LogicalVolume> lvs;  // visible first, then hidden (as written)
  std::optional<ConfigNode> historical_lvs;  // `historical_logical_volumes { }` kept as is
  std::vector<ConfigNode> unknown;

  byte_count extent_bytes() const { return sectors_to_bytes(extent_size); }
  const PhysicalVolume* find_pv(std::string_view pv_name) const;
  PhysicalVolume* find_pv(std::string_view pv_name);
  const PhysicalVolume* find_pv_by_id(std::string_view raw_id) const;
  const LogicalVolume* find_lv(std::string_view lv_name) const;
  LogicalVolume* find_lv(std::string_view lv_name);
  // The next free "pvN" name (N = number of PVs unless taken).
  std::string next_pv_name() const;
  bool operator==(const VolumeGroup&) const = default;
};

// ---------------------------------------------------------------- visibility

// Whether lvm2 counts the LV as visible (what `lvs` lists without -a, and the
// order lvm2 writes LVs in: visible ones first, then the rest):
//   - an old-style snapshot's carrier LV ("snapshot0", type "snapshot") is not,
//     even though its status has VISIBLE;
//   - the COW LV of such a snapshot (cow_store/merging_store) is visible when
//     its origin is, although its own status lacks VISIBLE;
//   - any other LV is visible when its status has VISIBLE.
bool lv_is_visible(const VolumeGroup& vg, const LogicalVolume& lv);
// lv_is_visible for every LV at once, parallel to vg.lvs: linear in the size
// of the VG, where calling lv_is_visible per LV is quadratic.
std::vector<bool> lv_visibility(const VolumeGroup& vg);

// ---------------------------------------------------------------- index

// Relations of one VG that per-LV questions would otherwise find by scanning
// every LV (quadratic over a 10,000-LV VG): LVs by name, visibility, which LVs
// carry snapshot segments and which are thin pools. Built by a VgIndexScope
// for a stretch of code that reads the VG without changing it (a report, an
// activation loop); lv_is_visible, find_lv and the segment types' snapshot
// and pool lookups use it while the scope lives, and scan as before outside.
struct VgIndex {
  const VolumeGroup* vg = nullptr;
  std::unordered_map<std::string_view, std::size_t> by_name;
  std::vector<bool> visible;              // lv_visibility(vg)
  std::vector<std::size_t> snapshot_lvs;  // snapshot carriers (a segment of type snapshot)
  std::vector<std::size_t> thin_pools;    // LVs that are thin pools
  std::vector<std::size_t> external_thins;  // thin LVs over an external origin
  explicit VgIndex(const VolumeGroup& vg);
  // The LV's position in vg.lvs when `lv` is one of them, else npos.
  std::size_t position(const LogicalVolume& lv) const;
};
class VgIndexScope {
 public:
  explicit VgIndexScope(const VolumeGroup& vg);
  ~VgIndexScope();
  VgIndexScope(const VgIndexScope&) = delete;
  VgIndexScope& operator=(const VgIndexScope&) = delete;

 private:
  VgIndex index_;
};
// The index of `vg` while a scope for it lives on this thread, else null.
const VgIndex* vg_index(const VolumeGroup& vg);

// ---------------------------------------------------------------- extent map

// One run of physical extents on a PV used by one LV segment area.
struct PvExtentUse {
  std::string pv_name;
  extent_t pe_start = 0;
  extent_t pe_count = 0;
  std::string lv_name;
  std::size_t segment_index = 0;  // 0-based into lv.segments
  std::size_t area_index = 0;     // which stripe
};

// Every PV extent run a segment's handler says it uses (striped areas on PVs,
// pvmove's mirror PV areas), sorted by (pv_name, pe_start). Areas that name LVs are not included.
std::vector<PvExtentUse> pv_extent_map(const VolumeGroup& vg);
// Extents of a PV not used by any LV.
extent_t pv_free_extents(const VolumeGroup& vg, const PhysicalVolume& pv);

// ---------------------------------------------------------------- names

// Name rules of lvm(8): 1..127 characters from [a-zA-Z0-9+_.-], not starting
// with '-', not "." or "..". Errors say what and why ("VG name \"-x\": ...").
Result<void> check_vg_name(std::string_view name);
// Characters and length only (what any LV in metadata must satisfy).
Result<void> check_lv_name(std::string_view name);
// What lvcreate/lvrename also refuse: reserved prefixes ("snapshot", "pvmove")
// and suffixes ("_rimage", "_tmeta", ...).
Result<void> check_new_lv_name(std::string_view name);

// ---------------------------------------------------------------- validation

// Everything wrong with a VG, one message per problem, each naming the object:
// "LV lv0 segment 2: starts at LE 3, expected 2". Checks: names, ids, known
// status flags and segment types, segment LE continuity, stripe areas that name
// existing PVs/LVs, extents inside each PV (pe_count), no PE used twice, PVs
// whose extents fit inside dev_size.
std::vector<std::string> validation_problems(const VolumeGroup& vg);
// The same, as one Result: error EINVAL with the problems joined by "; ".
Result<void> validate(const VolumeGroup& vg);

// Segment types this model knows (lvm2's list of types it can read).
bool is_known_segment_type(std::string_view type);  // = segtypes::is_known_type

// A Unix time as lvm prints it in reports and backup comments, in local
// time: "2026-11-25 00:47:12 +0000".
std::string lvm_time_text(std::int64_t unix_seconds);

}  // namespace udm::lvm

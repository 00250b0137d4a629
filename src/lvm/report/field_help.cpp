#include "lvm/report/field_help.hpp"

#include <algorithm>
#include <initializer_list>
#include <vector>

namespace udm::lvm::report {
namespace {

// Names, descriptions and types as lvm 2.03.16 lists them (lvs -S help).
struct Section {
  std::string_view title;
  std::string_view all_prefix;
  std::initializer_list<FieldHelp> fields;
};

// clang-format off
const Section SECTIONS[] = {
    {"Logical Volume Fields", "lv", {
        {"lv_uuid", "Unique identifier.", "string"},
        {"lv_name", "Name.  LVs created for internal use are enclosed in brackets.", "string"},
        {"lv_full_name", "Full name of LV including its VG, namely VG/LV.", "string"},
        {"lv_path", "Full pathname for LV. Blank for internal LVs.", "string"},
        {"lv_dm_path", "Internal device-mapper pathname for LV (in /dev/mapper directory).", "string"},
        {"lv_parent", "For LVs that are components of another LV, the parent LV.", "string"},
        {"lv_layout", "LV layout.", "string list"},
        {"lv_role", "LV role.", "string list"},
        {"lv_initial_image_sync", "Set if mirror/RAID images underwent initial resynchronization.", "number"},
        {"lv_image_synced", "Set if mirror/RAID image is synchronized.", "number"},
        {"lv_merging", "Set if snapshot LV is being merged to origin.", "number"},
        {"lv_converting", "Set if LV is being converted.", "number"},
        {"lv_allocation_policy", "LV allocation policy.", "string"},
        {"lv_allocation_locked", "Set if LV is locked against allocation changes.", "number"},
        {"lv_fixed_minor", "Set if LV has fixed minor number assigned.", "number"},
        {"lv_skip_activation", "Set if LV is skipped on activation.", "number"},
        {"lv_autoactivation", "Set if LV autoactivation is enabled.", "number"},
        {"lv_when_full", "For thin pools, behavior when full.", "string"},
        {"lv_active", "Active state of the LV.", "string"},
        {"lv_active_locally", "Set if the LV is active locally.", "number"},
        {"lv_active_remotely", "Set if the LV is active remotely.", "number"},
        {"lv_active_exclusively", "Set if the LV is active exclusively.", "number"},
        {"lv_major", "Persistent major number or -1 if not persistent.", "number"},
        {"lv_minor", "Persistent minor number or -1 if not persistent.", "number"},
        {"lv_read_ahead", "Read ahead setting in current units.", "size"},
        {"lv_size", "Size of LV in current units.", "size"},
        {"lv_metadata_size", "For thin and cache pools, the size of the LV that holds the metadata.", "size"},
        {"seg_count", "Number of segments in LV.", "number"},
        {"origin", "For snapshots and thins, the origin device of this LV.", "string"},
        {"origin_uuid", "For snapshots and thins, the UUID of origin device of this LV.", "string"},
        {"origin_size", "For snapshots, the size of the origin device of this LV.", "size"},
        {"lv_ancestors", "LV ancestors ignoring any stored history of the ancestry chain.", "string list"},
        {"lv_full_ancestors", "LV ancestors including stored history of the ancestry chain.", "string list"},
        {"lv_descendants", "LV descendants ignoring any stored history of the ancestry chain.", "string list"},
        {"lv_full_descendants", "LV descendants including stored history of the ancestry chain.", "string list"},
        {"raid_mismatch_count", "For RAID, number of mismatches found or repaired.", "number"},
        {"raid_sync_action", "For RAID, the current synchronization action being performed.", "string"},
        {"raid_write_behind", "For RAID1, the number of outstanding writes allowed to writemostly devices.", "number"},
        {"raid_min_recovery_rate", "For RAID1, the minimum recovery I/O load in kiB/sec/disk.", "number"},
        {"raid_max_recovery_rate", "For RAID1, the maximum recovery I/O load in kiB/sec/disk.", "number"},
        {"raidintegritymode", "The integrity mode", "string"},
        {"raidintegrityblocksize", "The integrity block size", "number"},
        {"integritymismatches", "The number of integrity mismatches.", "number"},
        {"move_pv", "For pvmove, Source PV of temporary LV created by pvmove.", "string"},
        {"move_pv_uuid", "For pvmove, the UUID of Source PV of temporary LV created by pvmove.", "string"},
        {"convert_lv", "For lvconvert, Name of temporary LV created by lvconvert.", "string"},
        {"convert_lv_uuid", "For lvconvert, UUID of temporary LV created by lvconvert.", "string"},
        {"mirror_log", "For mirrors, the LV holding the synchronisation log.", "string"},
        {"mirror_log_uuid", "For mirrors, the UUID of the LV holding the synchronisation log.", "string"},
        {"data_lv", "For cache/thin/vdo pools, the LV holding the associated data.", "string"},
        {"data_lv_uuid", "For cache/thin/vdo pools, the UUID of the LV holding the associated data.", "string"},
        {"metadata_lv", "For cache/thin pools, the LV holding the associated metadata.", "string"},
        {"metadata_lv_uuid", "For cache/thin pools, the UUID of the LV holding the associated metadata.", "string"},
        {"pool_lv", "For cache/thin/vdo volumes, the cache/thin/vdo pool LV for this volume.", "string"},
        {"pool_lv_uuid", "For cache/thin/vdo volumes, the UUID of the cache/thin/vdo pool LV for this volume.", "string"},
        {"lv_tags", "Tags, if any.", "string list"},
        {"lv_profile", "Configuration profile attached to this LV.", "string"},
        {"lv_lockargs", "Lock args of the LV used by lvmlockd.", "string"},
        {"lv_time", "Creation time of the LV, if known", "time"},
        {"lv_time_removed", "Removal time of the LV, if known", "time"},
        {"lv_host", "Creation host of the LV, if known.", "string"},
        {"lv_modules", "Kernel device-mapper modules required for this LV.", "string list"},
        {"lv_historical", "Set if the LV is historical.", "number"},
        {"writecache_block_size", "The writecache block size", "number"},
    }},
    {"Logical Volume Device Info Fields", "lv", {
        {"lv_kernel_major", "Currently assigned major number or -1 if LV is not active.", "number"},
        {"lv_kernel_minor", "Currently assigned minor number or -1 if LV is not active.", "number"},
        {"lv_kernel_read_ahead", "Currently-in-use read ahead setting in current units.", "size"},
        {"lv_permissions", "LV permissions.", "string"},
        {"lv_suspended", "Set if LV is suspended.", "number"},
        {"lv_live_table", "Set if LV has live table present.", "number"},
        {"lv_inactive_table", "Set if LV has inactive table present.", "number"},
        {"lv_device_open", "Set if LV device is open.", "number"},
    }},
    {"Logical Volume Device Status Fields", "lv", {
        {"data_percent", "For snapshot, cache and thin pools and volumes, the percentage full if LV is active.", "percent"},
        {"snap_percent", "For snapshots, the percentage full if LV is active.", "percent"},
        {"metadata_percent", "For cache and thin pools, the percentage of metadata full if LV is active.", "percent"},
        {"copy_percent", "For Cache, RAID, mirrors and pvmove, current percentage in-sync.", "percent"},
        {"sync_percent", "For Cache, RAID, mirrors and pvmove, current percentage in-sync.", "percent"},
        {"cache_total_blocks", "Total cache blocks.", "number"},
        {"cache_used_blocks", "Used cache blocks.", "number"},
        {"cache_dirty_blocks", "Dirty cache blocks.", "number"},
        {"cache_read_hits", "Cache read hits.", "number"},
        {"cache_read_misses", "Cache read misses.", "number"},
        {"cache_write_hits", "Cache write hits.", "number"},
        {"cache_write_misses", "Cache write misses.", "number"},
        {"kernel_cache_settings", "Cache settings/parameters as set in kernel, including default values (cached segments only).", "string list"},
        {"kernel_cache_policy", "Cache policy used in kernel.", "string"},
        {"kernel_metadata_format", "Cache metadata format used in kernel.", "number"},
        {"lv_health_status", "LV health status.", "string"},
        {"kernel_discards", "For thin pools, how discards are handled in kernel.", "string"},
        {"lv_check_needed", "For thin pools and cache volumes, whether metadata check is needed.", "number"},
        {"lv_merge_failed", "Set if snapshot merge failed.", "number"},
        {"lv_snapshot_invalid", "Set if snapshot LV is invalid.", "number"},
        {"vdo_operating_mode", "For vdo pools, its current operating mode.", "string"},
        {"vdo_compression_state", "For vdo pools, whether compression is running.", "string"},
        {"vdo_index_state", "For vdo pools, state of index for deduplication.", "string"},
        {"vdo_used_size", "For vdo pools, currently used space.", "number"},
        {"vdo_saving_percent", "For vdo pools, percentage of saved space.", "number"},
        {"writecache_total_blocks", "Total writecache blocks.", "number"},
        {"writecache_free_blocks", "Total writecache free blocks.", "number"},
        {"writecache_writeback_blocks", "Total writecache writeback blocks.", "number"},
        {"writecache_error", "Total writecache errors.", "number"},
    }},
    {"Logical Volume Device Info and Status Combined Fields", "lv", {
        {"lv_attr", "Various attributes - see man page.", "string"},
    }},
    {"Physical Volume Label Fields", "pv", {
        {"pv_fmt", "Type of metadata.", "string"},
        {"pv_uuid", "Unique identifier.", "string"},
        {"dev_size", "Size of underlying device in current units.", "size"},
        {"pv_name", "Name.", "string"},
        {"pv_major", "Device major number.", "string"},
        {"pv_minor", "Device minor number.", "string"},
        {"pv_mda_free", "Free metadata area space on this device in current units.", "size"},
        {"pv_mda_size", "Size of smallest metadata area on this device in current units.", "size"},
        {"pv_ext_vsn", "PV header extension version.", "number"},
    }},
    {"Physical Volume Fields", "pv", {
        {"pe_start", "Offset to the start of data on the underlying device.", "number"},
        {"pv_size", "Size of PV in current units.", "size"},
        {"pv_free", "Total amount of unallocated space in current units.", "size"},
        {"pv_used", "Total amount of allocated space in current units.", "size"},
        {"pv_attr", "Various attributes - see man page.", "string"},
        {"pv_allocatable", "Set if this device can be used for allocation.", "number"},
        {"pv_exported", "Set if this device is exported.", "number"},
        {"pv_missing", "Set if this device is missing in system.", "number"},
        {"pv_pe_count", "Total number of Physical Extents.", "number"},
        {"pv_pe_alloc_count", "Total number of allocated Physical Extents.", "number"},
        {"pv_tags", "Tags, if any.", "string list"},
        {"pv_mda_count", "Number of metadata areas on this device.", "number"},
        {"pv_mda_used_count", "Number of metadata areas in use on this device.", "number"},
        {"pv_ba_start", "Offset to the start of PV Bootloader Area on the underlying device in current units.", "size"},
        {"pv_ba_size", "Size of PV Bootloader Area in current units.", "size"},
        {"pv_in_use", "Set if PV is used.", "number"},
        {"pv_duplicate", "Set if PV is an unchosen duplicate.", "number"},
        {"pv_device_id", "Device ID such as the WWID.", "string"},
        {"pv_device_id_type", "Type of device ID such as WWID.", "string"},
    }},
    {"Volume Group Fields", "vg", {
        {"vg_fmt", "Type of metadata.", "string"},
        {"vg_uuid", "Unique identifier.", "string"},
        {"vg_name", "Name.", "string"},
        {"vg_attr", "Various attributes - see man page.", "string"},
        {"vg_permissions", "VG permissions.", "string"},
        {"vg_extendable", "Set if VG is extendable.", "number"},
        {"vg_exported", "Set if VG is exported.", "number"},
        {"vg_autoactivation", "Set if VG autoactivation is enabled.", "number"},
        {"vg_partial", "Set if VG is partial.", "number"},
        {"vg_allocation_policy", "VG allocation policy.", "string"},
        {"vg_clustered", "Set if VG is clustered.", "number"},
        {"vg_shared", "Set if VG is shared.", "number"},
        {"vg_size", "Total size of VG in current units.", "size"},
        {"vg_free", "Total amount of free space in current units.", "size"},
        {"vg_sysid", "System ID of the VG indicating which host owns it.", "string"},
        {"vg_systemid", "System ID of the VG indicating which host owns it.", "string"},
        {"vg_lock_type", "Lock type of the VG used by lvmlockd.", "string"},
        {"vg_lock_args", "Lock args of the VG used by lvmlockd.", "string"},
        {"vg_extent_size", "Size of Physical Extents in current units.", "size"},
        {"vg_extent_count", "Total number of Physical Extents.", "number"},
        {"vg_free_count", "Total number of unallocated Physical Extents.", "number"},
        {"max_lv", "Maximum number of LVs allowed in VG or 0 if unlimited.", "number"},
        {"max_pv", "Maximum number of PVs allowed in VG or 0 if unlimited.", "number"},
        {"pv_count", "Number of PVs in VG.", "number"},
        {"vg_missing_pv_count", "Number of PVs in VG which are missing.", "number"},
        {"lv_count", "Number of LVs.", "number"},
        {"snap_count", "Number of snapshots.", "number"},
        {"vg_seqno", "Revision number of internal metadata.  Incremented whenever it changes.", "number"},
        {"vg_tags", "Tags, if any.", "string list"},
        {"vg_profile", "Configuration profile attached to this VG.", "string"},
        {"vg_mda_count", "Number of metadata areas on this VG.", "number"},
        {"vg_mda_used_count", "Number of metadata areas in use on this VG.", "number"},
        {"vg_mda_free", "Free metadata area space for this VG in current units.", "size"},
        {"vg_mda_size", "Size of smallest metadata area for this VG in current units.", "size"},
        {"vg_mda_copies", "Target number of in use metadata areas in the VG.", "number"},
    }},
    {"Logical Volume Segment Fields", "seg", {
        {"segtype", "Type of LV segment.", "string"},
        {"stripes", "Number of stripes or mirror/raid1 legs.", "number"},
        {"data_stripes", "Number of data stripes or mirror/raid1 legs.", "number"},
        {"reshape_len", "Size of out-of-place reshape space in current units.", "size"},
        {"reshape_len_le", "Size of out-of-place reshape space in logical extents.", "number"},
        {"data_copies", "Number of data copies.", "number"},
        {"data_offset", "Data offset on each image device.", "number"},
        {"new_data_offset", "New data offset after any reshape on each image device.", "number"},
        {"parity_chunks", "Number of (rotating) parity chunks.", "number"},
        {"stripe_size", "For stripes, amount of data placed on one device before switching to the next.", "size"},
        {"region_size", "For mirrors/raids, the unit of data per leg when synchronizing devices.", "size"},
        {"chunk_size", "For snapshots, the unit of data used when tracking changes.", "size"},
        {"thin_count", "For thin pools, the number of thin volumes in this pool.", "number"},
        {"discards", "For thin pools, how discards are handled.", "string"},
        {"cache_metadata_format", "For cache, metadata format in use.", "number"},
        {"cache_mode", "For cache, how writes are cached.", "string"},
        {"zero", "For thin pools and volumes, if zeroing is enabled.", "number"},
        {"transaction_id", "For thin pools, the transaction id and creation transaction id for thins.", "number"},
        {"thin_id", "For thin volume, the thin device id.", "number"},
        {"seg_start", "Offset within the LV to the start of the segment in current units.", "size"},
        {"seg_start_pe", "Offset within the LV to the start of the segment in physical extents.", "number"},
        {"seg_size", "Size of segment in current units.", "size"},
        {"seg_size_pe", "Size of segment in physical extents.", "size"},
        {"seg_tags", "Tags, if any.", "string list"},
        {"seg_pe_ranges", "Ranges of Physical Extents of underlying devices in command line format (deprecated, use seg_le_ranges for common format).", "string list"},
        {"seg_le_ranges", "Ranges of Logical Extents of underlying devices in command line format.", "string list"},
        {"seg_metadata_le_ranges", "Ranges of Logical Extents of underlying metadata devices in command line format.", "string list"},
        {"devices", "Underlying devices used with starting extent numbers.", "string list"},
        {"metadata_devices", "Underlying metadata devices used with starting extent numbers.", "string list"},
        {"seg_monitor", "Dmeventd monitoring status of the segment.", "string"},
        {"cache_policy", "The cache policy (cached segments only).", "string"},
        {"cache_settings", "Cache settings/parameters (cached segments only).", "string list"},
        {"vdo_compression", "Set for compressed LV (vdopool).", "number"},
        {"vdo_deduplication", "Set for deduplicated LV (vdopool).", "number"},
        {"vdo_use_metadata_hints", "Use REQ_SYNC for writes (vdopool).", "number"},
        {"vdo_minimum_io_size", "Minimum acceptable IO size (vdopool).", "number"},
        {"vdo_block_map_cache_size", "Allocated caching size (vdopool).", "size"},
        {"vdo_block_map_era_length", "Speed of cache writes (vdopool).", "number"},
        {"vdo_use_sparse_index", "Sparse indexing (vdopool).", "number"},
        {"vdo_index_memory_size", "Allocated indexing memory (vdopool).", "size"},
        {"vdo_slab_size", "Increment size for growing (vdopool).", "size"},
        {"vdo_ack_threads", "Acknowledging threads (vdopool).", "number"},
        {"vdo_bio_threads", "IO submitting threads (vdopool).", "number"},
        {"vdo_bio_rotation", "IO enqueue (vdopool).", "number"},
        {"vdo_cpu_threads", "CPU threads for compression and hashing (vdopool).", "number"},
        {"vdo_hash_zone_threads", "Threads for subdivide parts (vdopool).", "number"},
        {"vdo_logical_threads", "Logical threads for subdivide parts (vdopool).", "number"},
        {"vdo_physical_threads", "Physical threads for subdivide parts (vdopool).", "number"},
        {"vdo_max_discard", "Maximum discard size volume can recieve (vdopool).", "number"},
        {"vdo_write_policy", "Specified write policy (vdopool).", "string"},
        {"vdo_header_size", "Header size at front of vdopool.", "size"},
    }},
    {"Physical Volume Segment Fields", "pvseg", {
        {"pvseg_start", "Physical Extent number of start of segment.", "number"},
        {"pvseg_size", "Number of extents in segment.", "number"},
    }},
    {"Special Fields", "", {
        {"selected", "Set if item passes selection criteria.", "number"},
        {"help", "Show help.", "unselectable number"},
        {"?", "Show help.", "unselectable number"},
    }},
};
// clang-format on

const std::string_view SELECTION_TAIL = R"TXT(Selection operands
------------------
  field               - Reporting field.
  number              - Non-negative integer value.
  size                - Floating point value with units, 'm' unit used by default if not specified.
  percent             - Non-negative integer with or without % suffix.
  string              - Characters quoted by ' or " or unquoted.
  string list         - Strings enclosed by [ ] or { } and elements delimited by either
                        "all items must match" or "at least one item must match" operator.
  regular expression  - Characters quoted by ' or " or unquoted.
 
Reserved values
---------------
  -1, unknown, undefined, undef   - Reserved value for undefined numeric value. [number]
  allocatable, yes                -  [unknown]
  allocatable, no                 -  [unknown]
  exported, yes                   -  [unknown]
  exported, no                    -  [unknown]
  missing, yes                    -  [unknown]
  missing, no                     -  [unknown]
  used, in use, yes               -  [unknown]
  used, in use, no                -  [unknown]
  duplicate, yes                  -  [unknown]
  duplicate, no                   -  [unknown]
  extendable, yes                 -  [unknown]
  extendable, no                  -  [unknown]
  exported, yes                   -  [unknown]
  exported, no                    -  [unknown]
  partial, yes                    -  [unknown]
  partial, no                     -  [unknown]
  clustered, yes                  -  [unknown]
  clustered, no                   -  [unknown]
  shared, yes                     -  [unknown]
  shared, no                      -  [unknown]
  writeable, rw, read-write       -  [unknown]
  read-only, r, ro                -  [unknown]
 
Selection operators
-------------------
  Comparison operators:
        =~  - Matching regular expression. [regex]
        !~  - Not matching regular expression. [regex]
         =  - Equal to. [number, size, percent, string, string list, time]
        !=  - Not equal to. [number, size, percent, string, string_list, time]
        >=  - Greater than or equal to. [number, size, percent, time]
         >  - Greater than. [number, size, percent, time]
        <=  - Less than or equal to. [number, size, percent, time]
         <  - Less than. [number, size, percent, time]
     since  - Since specified time (same as '>='). [time]
     after  - After specified time (same as '>'). [time]
     until  - Until specified time (same as '<='). [time]
    before  - Before specified time (same as '<'). [time]
 
  Logical and grouping operators:
      &&  - All fields must match
       ,  - All fields must match
      ||  - At least one field must match
       #  - At least one field must match
       !  - Logical negation
       (  - Left parenthesis
       )  - Right parenthesis
       [  - List start
       ]  - List end
       {  - List subset start
       }  - List subset end
 
)TXT";

std::vector<FieldSection> make_sections() {
  std::vector<FieldSection> out;
  for (const auto& s : SECTIONS)
    out.push_back({s.title, s.all_prefix, std::span<const FieldHelp>(s.fields.begin(), s.fields.size())});
  return out;
}

}  // namespace

std::span<const FieldSection> field_sections() {
  static const std::vector<FieldSection> sections = make_sections();
  return sections;
}

const FieldHelp* find_field_help(std::string_view name) {
  for (const auto& s : field_sections())
    for (const auto& f : s.fields)
      if (f.name == name) return &f;
  return nullptr;
}

const FieldSection* find_field_section_all(std::string_view all_name) {
  if (!all_name.ends_with("_all")) return nullptr;
  auto prefix = all_name.substr(0, all_name.size() - 4);
  for (const auto& s : field_sections())
    if (!s.all_prefix.empty() && s.all_prefix == prefix) return &s;
  return nullptr;
}

std::string fields_help_text(bool with_types) {
  std::size_t width = 0;
  for (const auto& s : field_sections())
    for (const auto& f : s.fields) width = std::max(width, f.name.size());
  std::string out;
  auto line = [&](std::string_view name, std::string_view desc, std::string_view type) {
    out += "  ";
    out += name;
    out.append(width + 1 - name.size(), ' ');
    out += "- ";
    out += desc;
    if (!type.empty()) {
      out += " [";
      out += type;
      out += "]";
    }
    out += "\n";
  };
  for (const auto& s : field_sections()) {
    out += s.title;
    out += "\n";
    out.append(s.title.size(), '-');
    out += "\n";
    if (!with_types && !s.all_prefix.empty())
      line(std::string(s.all_prefix) + "_all", "All fields in this section.", "");
    for (const auto& f : s.fields) line(f.name, f.description, with_types ? f.type : "");
    out += " \n";
  }
  return out;
}

std::string_view selection_help_tail() { return SELECTION_TAIL; }

bool is_binary_field(std::string_view name) {
  static const std::string_view binary[] = {
      "lv_initial_image_sync", "lv_image_synced", "lv_merging",        "lv_converting",       "lv_allocation_locked",
      "lv_fixed_minor",        "lv_skip_activation", "lv_autoactivation", "lv_active_locally", "lv_active_remotely",
      "lv_active_exclusively", "lv_suspended",    "lv_live_table",     "lv_inactive_table",   "lv_device_open",
      "lv_check_needed",       "lv_merge_failed", "lv_snapshot_invalid", "lv_historical",     "pv_allocatable",
      "pv_exported",           "pv_missing",      "pv_in_use",         "pv_duplicate",        "vg_extendable",
      "vg_exported",           "vg_autoactivation", "vg_partial",      "vg_clustered",        "vg_shared",
  };
  return std::find(std::begin(binary), std::end(binary), name) != std::end(binary);
}

}  // namespace udm::lvm::report

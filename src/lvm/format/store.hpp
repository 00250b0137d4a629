// The metadata store: what a command sees of the PVs it was given, and the
// only code that changes their labels and metadata areas.
//
//   scan      open each path, find the label in sectors 0-3, read every mda
//             header and its committed copy (slot 0); per VG take the highest
//             seqno that reads and parses, and say which copies are stale.
//   write_vg  validate, then commit a new seqno to every mda in use on every
//             PV of the VG with the protocol of LVM2-FORMAT.md §6: write the
//             text everywhere, flush; precommit (slot 1) everywhere, flush;
//             commit (slot 0) everywhere, flush. A crash at any point leaves
//             the old or the new seqno readable on every mda.
//   create_pv / wipe_label / set_pv_in_use / clear_metadata: pvcreate,
//             pvremove, the PV_EXT_USED flag, and orphaning a PV.
//
// Devices come from a DeviceOpener, so tests run the same code on memory and
// fault-injecting devices.
//
// The per-VG view (vgs(), the seqnos in pvs(), warnings()) is built on first
// use after a scan or a change, from the texts already in memory: write_vg
// keeps the text it committed instead of reading the devices back, and parses
// it only when someone asks for the VG again. So a const MetadataStore is not
// safe to share between threads without a lock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/format/device.hpp"
#include "lvm/format/disk.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::format {

using DeviceOpener = std::function<Result<PvDevicePtr>(const std::string& path, bool writable)>;

// A committed text in memory (store.cpp).
struct CommittedText;

struct MdaState {
  DiskLocn locn;
  std::optional<MdaHeader> header;     // null when the header is unreadable or damaged
  std::string error;                   // why the header or its text is unusable; "" when fine
  std::vector<std::string> header_words;  // lvm2's words for a damaged header ("wrong checksum 1a2b3c4d")
  std::uint32_t bad_fields = 0;        // lvm2's BAD_MDA_* bits when the header or the text is damaged
  std::optional<std::uint64_t> seqno;  // of the committed copy, when it reads and parses
  std::string vg_name;                 // of the committed copy
  std::string vg_id;                   // raw
  // The committed text read from (or last written to) this mda at
  // `cached_locn`, shared by mdas holding the same text; reused while slot 0
  // still points there.
  std::shared_ptr<CommittedText> cached;
  RawLocn cached_locn;
  bool ignored() const { return header && header->committed.ignored(); }
  // Slot 1 still set: a commit stopped after its precommit step (pvck prints
  // "CHECK: ... precommit not empty"); the next write_vg clears it.
  bool precommit_pending() const { return header && !header->precommitted.empty(); }
};

struct PvState {
  std::string path;
  PvDevicePtr dev;
  bool is_pv = false;
  PvLabel label;              // when is_pv
  std::string label_error;    // a LABELONE sector that does not decode
  std::vector<std::string> read_warnings;  // reading sectors 0-3 failed, or a label did not decode
  std::vector<MdaState> mdas;  // parallel to label.metadata_areas
  std::optional<std::string> vg_id;  // the VG its newest readable copy belongs to
};

inline constexpr std::size_t NO_PV = static_cast<std::size_t>(-1);
// The one diagnostics() line lvm2 prints on stdout, not stderr.
inline constexpr std::string_view RETRY_SCAN_NOTICE = "Retrying metadata scan.";
// lvm2 ignores devices smaller than devices/pv_min_size (2048 KiB): a PV cut
// shorter than that is a missing PV, not a damaged one.
inline constexpr byte_count PV_MIN_SIZE = 2048 * 1024;

struct VgState {
  VgText text;                         // the committed copy with the highest seqno
  std::string_view raw_text;           // exactly as read (without the NUL), held by `raw`
  std::shared_ptr<const CommittedText> raw;
  std::uint64_t seqno = 0;
  std::vector<std::size_t> pv_index;   // parallel to text.vg.pvs: index into pvs(), or NO_PV
  // What lvm2 prints reading the VG, in its words: copies whose text does not
  // read, copies with an older seqno, missing PVs.
  std::vector<std::string> warnings;
  std::vector<std::string> problems;   // validation problems (see validation_problems)
  bool consistent() const { return warnings.empty(); }
  std::size_t missing_pvs() const {
    return static_cast<std::size_t>(std::count(pv_index.begin(), pv_index.end(), NO_PV));
  }
};

struct PvCreateOptions {
  std::optional<std::string> id;        // raw 32 characters; random when empty
  unsigned metadata_copies = 1;         // 0, 1 or 2 (2 adds an mda at the end)
  byte_count data_alignment = 1 << 20;  // pe_start alignment
  byte_count metadata_size = 0;         // --metadatasize: minimum size of mda #1; 0 = lvm2's 1020 KiB
  byte_count bootloader_area_size = 0;  // reserved between mda #1 and pe_start
  std::uint64_t label_sector = 1;       // 0-3
  std::optional<byte_count> device_size;  // recorded size; default the device's
  bool force = false;                   // overwrite a PV that belongs to a VG
};

// Where PE 0 starts and where the data area ends, in bytes, for a label.
struct DataArea {
  byte_count start = 0;
  byte_count end = 0;  // mda #2's start, or the recorded device size
};
DataArea data_area(const PvLabel& label);
// Where pvcreate puts things for `options` (lvm2's rules, LVM2-FORMAT.md §7):
// mda #1 is [4096, mda_end) with mda_end = 4096 + metadata_size rounded up to
// the data alignment; pe_start follows it (and the bootloader area).
struct PvLayout {
  byte_count mda_end = 0;
  byte_count mda_size = 0;   // mda #1
  byte_count mda2_size = 0;  // mda #2 starts this much before the device end, aligned down
  byte_count bootloader_size = 0;
  byte_count pe_start = 0;
};
PvLayout pv_layout(const PvCreateOptions& options);
// lvm2 refuses a metadata area smaller than this.
inline constexpr byte_count MIN_MDA_SIZE = 32768;
// What pvcreate refuses before writing (a metadata area under MIN_MDA_SIZE),
// in lvm2's words. create_pv itself takes smaller areas (tests use them).
Result<void> check_pv_create_options(const std::string& path, const PvCreateOptions& options);
// Extents of `extent_bytes` that fit in the PV's data area (pe_count for vgcreate).
std::uint64_t usable_extents(const PvLabel& label, byte_count extent_bytes);

class MetadataStore {
 public:
  static Result<MetadataStore> scan(const std::vector<std::string>& paths, bool writable, DeviceOpener opener = {});
  MetadataStore(MetadataStore&&) = default;
  MetadataStore& operator=(MetadataStore&&) = default;

  // References into pvs() and vgs() stay valid until the next rescan or
  // write (create_pv, write_vg, ...), which re-read the devices.
  const std::vector<PvState>& pvs() const {
    refresh();
    return pvs_;
  }
  const std::map<std::string, VgState>& vgs() const {  // by VG name
    refresh();
    return vgs_;
  }
  const VgState* find_vg(std::string_view name) const;
  const PvState* device(std::string_view path) const;
  const PvState* pv_by_id(std::string_view raw_id) const;
  // Everything the scan found wrong outside any one VG: diagnostics() and
  // notes() in the order found.
  const std::vector<std::string>& warnings() const {
    refresh();
    return warnings_;
  }
  // What lvm2 prints while scanning, in its words (every command shows
  // them): damaged mda headers, metadata of no VG that reads, duplicate VG names.
  const std::vector<std::string>& diagnostics() const {
    refresh();
    return diagnostics_;
  }
  // ulvm's own details (--verbose): devices that could not be opened, labels
  // that do not decode, why a header was refused, PVs flagged in use that no VG lists.
  const std::vector<std::string>& notes() const {
    refresh();
    return notes_;
  }

  // Re-reads labels and metadata from the open devices.
  Result<void> rescan();
  // True when a label or mda header on the devices differs from what the
  // last scan read (someone committed since): then rescan(). Reads only the
  // label sectors and mda headers, so checking is cheap when nothing changed.
  bool changed_since_scan() const;

  // pvcreate: zero sectors 0-3 and the first 4 KiB of each mda, write empty
  // mda headers, then the label. Refuses a PV in a VG unless options.force.
  Result<PvLabel> create_pv(const std::string& path, const PvCreateOptions& options = {});
  // pvremove: zero sectors 0-3.
  Result<void> wipe_label(const std::string& path);
  // Sets or clears PV_EXT_USED (vgcreate/vgextend set it, vgreduce clears it).
  Result<void> set_pv_in_use(const std::string& path, bool in_use);
  // write_vg refuses PVs holding another VG's metadata; after this call it
  // overwrites the VG with this raw id (vgchange --uuid, vgsplit, vgmerge,
  // vgimportclone give PVs of one VG to a VG with another id).
  void allow_replacing_vg(const std::string& raw_vg_id) { replaceable_vg_ids_.push_back(raw_vg_id); }
  // pvchange --uuid, vgimportclone: a new PV id (raw 32 characters) in the
  // label; the caller then writes the VG with the same id for the PV.
  Result<void> set_pv_id(const std::string& path, const std::string& raw_id);
  // Commits `vg` (its seqno must be above every copy of this VG on its PVs)
  // to the mdas of every PV it lists, located by PV id among the scanned
  // devices; device hints are updated to the paths. Sets PV_EXT_USED.
  Result<void> write_vg(const VolumeGroup& vg, const MetadataHeader& header);
  Result<void> write_vg(const VolumeGroup& vg, std::string_view command_line);
  // The same, using `vg` as its working copy (no copy of a large VG).
  Result<void> write_vg(VolumeGroup&& vg, const MetadataHeader& header);
  Result<void> write_vg(VolumeGroup&& vg, std::string_view command_line);
  // pvchange --metadataignore y|n: flags (or un-flags) every mda of the PV as
  // RAW_LOCN_IGNORED. Ignored mdas are skipped by readers and, with VG
  // metadata_copies 0 (unmanaged), by write_vg; un-ignored ones get the text
  // at the next write_vg. With metadata_copies N > 0, write_vg picks N mdas
  // (those in use first) and flags the rest.
  Result<void> set_metadata_ignored(const std::string& path, bool ignored);
  // Empties slot 0 of every mda of the PV (vgremove, vgreduce: it becomes an orphan).
  Result<void> clear_metadata(const std::string& path);
  // The committed text on one PV (its first usable mda).
  Result<std::string> committed_text(const std::string& path) const;

 private:
  MetadataStore() = default;
  PvState* find_device(std::string_view path);
  void read_pv(PvState& pv);
  // Builds the VG view when a scan or a change left it out of date.
  void refresh() const {
    if (stale_) collect_vgs();
  }
  void collect_vgs() const;
  void warn_unclaimed_pvs() const;
  void diag(std::string line) const;
  struct UnreadableCopy {
    std::size_t pv, mda;
    Error error;
    std::string text_vg;  // the VG name its damaged text starts with, if any
    bool reported;
  };
  std::vector<std::string> unreadable_lines(const UnreadableCopy& u, const std::string& vg) const;
  struct SummaryFailure {
    std::size_t pv, mda;
    byte_count offset;  // absolute, of the damaged copy
  };
  void scan_text_lines(const SummaryFailure& f) const;
  void note(std::string line) const;
  Result<void> write_label(PvState& pv);

  DeviceOpener opener_;
  bool writable_ = false;
  // pvs_ holds what was read or written; the rest of it (mda seqnos and
  // texts), vgs_ and warnings_ are the view refresh() derives from it.
  mutable std::vector<PvState> pvs_;
  mutable std::map<std::string, VgState> vgs_;
  mutable std::vector<std::string> warnings_;
  mutable std::vector<std::string> diagnostics_;
  mutable std::vector<std::string> notes_;
  mutable bool stale_ = true;
  std::vector<std::string> replaceable_vg_ids_;
  std::vector<std::string> scan_warnings_;
};

}  // namespace udm::lvm::format

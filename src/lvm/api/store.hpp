// The PVs a command sees and their metadata, over lvmfmt's on-disk primitives
// (src/lvm/format): scan labels and metadata areas, read the committed VG text
// (highest seqno wins), write a new VG version with the commit protocol of
// LVM2-FORMAT.md §6 (write text, precommit slot 1, commit slot 0, flush),
// pvcreate-level label writing and label wiping.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "lvm/format/device.hpp"
#include "lvm/format/disk.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::api {

struct ScannedMda {
  format::DiskLocn locn;
  std::optional<format::MdaHeader> header;  // null when unreadable
  std::optional<std::uint64_t> seqno;       // of its committed text
};

// One device given to the command: a PV (a valid label was found) or not.
struct ScannedPv {
  std::string path;
  bool is_pv = false;
  format::PvDevicePtr dev;
  format::PvLabel label;
  std::vector<ScannedMda> mdas;
  std::optional<std::string> vg_id;  // raw id of the VG its newest text names
};

struct FoundVg {
  format::VgText text;                 // committed copy with the highest seqno
  std::vector<std::size_t> pv_scans;   // indices into Store::pvs(), parallel to text.vg.pvs (npos = missing)
  std::vector<std::string> warnings;
};

inline constexpr std::size_t MISSING = static_cast<std::size_t>(-1);

class Store {
 public:
  // Opens every path (read-only unless `writable`), reads labels and mdas.
  // Paths without a label are kept with is_pv false (for pvcreate). Paths
  // that do not open are left out with a warning.
  static Result<Store> scan(const std::vector<std::string>& paths, bool writable);

  const std::vector<ScannedPv>& pvs() const { return pvs_; }
  const std::map<std::string, FoundVg>& vgs() const { return vgs_; }  // by VG name
  const FoundVg* find_vg(std::string_view name) const;
  // The scanned PV at `path` (a PV or not), or null.
  ScannedPv* device(std::string_view path);
  const std::vector<std::string>& warnings() const { return warnings_; }

  // pvcreate: zero sectors 0-3 and the first 4 KiB of the mda, write the label
  // (1 MiB pe_start, one mda [4096, 1 MiB)) and an empty mda header.
  Result<void> create_pv(const std::string& path, const std::string& raw_id);
  // pvremove: zero the label sectors.
  Result<void> wipe_label(const std::string& path);
  // Sets or clears PV_EXT_USED in the PV's label.
  Result<void> set_pv_in_use(const std::string& path, bool in_use);
  // Writes `vg` (seqno must be the previous + 1) to every mda of `pv_paths`
  // with the commit protocol. `command_line` goes into the description.
  Result<void> write_vg(const VolumeGroup& vg, const std::vector<std::string>& pv_paths,
                        std::string_view command_line);
  // Empties slot 0 of every mda of the PV (vgremove/vgreduce make orphans).
  Result<void> clear_metadata(const std::string& path);
  // The committed text of a VG on one PV (for vgcfgbackup, tests).
  Result<std::string> committed_text(const ScannedPv& pv) const;

 private:
  std::vector<ScannedPv> pvs_;
  std::map<std::string, FoundVg> vgs_;
  std::vector<std::string> warnings_;
};

}  // namespace udm::lvm::api

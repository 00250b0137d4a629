// vgck [--updatemetadata] [VG...]: what lvm2's vgck reports and repairs.
//
// The scan (Cmd::open) already printed, in lvm2's words, every damaged mda
// header, copy whose text does not read, copy with an older seqno and missing
// PV. Like lvm2 2.03, vgck then fails (exit 5) only for a VG it cannot use: not
// found, PVs missing, metadata that does not validate; damaged or stale copies
// are warnings, served from a good copy. --updatemetadata rewrites the VG
// from its newest good copy to every mda (seqno + 1), which repairs damaged
// headers and texts and brings old copies up to date.
#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {
namespace {

// Prints what lvm2 prints before rewriting; false when every copy is fine.
bool report_repairs(Cmd& c, const format::VgState& f) {
  bool needed = false;
  std::vector<std::string> updates;
  for (std::size_t idx : f.pv_index) {
    if (idx == format::NO_PV) continue;
    const format::PvState& pv = c.store().pvs()[idx];
    for (std::size_t mi = 0; mi < pv.mdas.size(); ++mi) {
      const format::MdaState& m = pv.mdas[mi];
      if (m.ignored()) continue;
      if (!m.header || m.bad_fields) {
        c.warn(fmt::format("WARNING: repairing bad metadata (0x{:x}) in mda{} at {} on {}.", m.bad_fields, mi + 1,
                           m.locn.offset, pv.path));
        needed = true;
      } else if (m.seqno && *m.seqno < f.seqno) {
        updates.push_back(fmt::format("WARNING: updating old metadata to {} on {} for VG {}.", f.seqno + 1, pv.path,
                                      f.text.vg.name));
        needed = true;
      }
    }
  }
  for (const auto& u : updates) c.warn(u);
  return needed;
}

}  // namespace

Outcome<void> cmd_vgck(Cmd& c) {
  const bool update = c.cl().has("updatemetadata");
  if (auto r = c.open(update); !r) return r;
  bool failed_any = false;
  for (const auto& n : c.vg_names_or_all()) {
    const format::VgState* f = c.store().find_vg(n);
    if (!f) {
      c.warn(fmt::format("Volume group \"{}\" not found", n));
      c.warn(fmt::format("Cannot process volume group {}", n));
      failed_any = true;
      continue;
    }
    if (std::size_t missing = f->missing_pvs()) {
      c.warn(fmt::format("The volume group is missing {} physical volumes.", missing));
      failed_any = true;
      continue;
    }
    if (auto v = validate(f->text.vg); !v) {
      c.warn(v.error().message);
      failed_any = true;
      continue;
    }
    if (!update || !report_repairs(c, *f)) continue;
    const VolumeGroup previous = f->text.vg;  // f goes stale at the commit
    if (auto r = c.commit(previous, previous); !r) return r;
  }
  if (failed_any) return failed("");
  return {};
}

}  // namespace udm::lvm::api::detail

// lvmlockd's on-disk layout for a shared VG with lock_type "sanlock", as
// lvm2 2.03.16 writes it (measured on Debian's lvm2-lockd with sanlock 3.8.5):
//
//   VG metadata   lock_type = "sanlock", lock_args = "1.0.0:lvmlock"
//   hidden LV     "lvmlock", 256 MiB, linear: it holds every lease
//   LV metadata   lock_args = "1.0.0:<byte offset of the LV's lease in lvmlock>"
//
// Inside lvmlock, with align = 1 MiB (512-byte sectors; 8 MiB on 4 KiB):
//   0            the lockspace "lvm_<vg>" (one delta lease per host id)
//   align * 65   the global lock "GLLK" ("_GLLK_disabled" when another VG has it)
//   align * 66   the VG lock "VGLK"
//   align * 67…  one paxos lease per LV, named by the LV's dashed uuid; a free
//                slot is named "#unused"
// Pure functions: no sanlock calls (see sanlock_client.hpp for those).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::locking::sanlock {

inline constexpr std::string_view LOCK_TYPE = "sanlock";
inline constexpr std::string_view LOCK_ARGS_VERSION = "1.0.0";
inline constexpr std::string_view LOCK_LV_NAME = "lvmlock";
inline constexpr std::uint64_t LOCK_LV_BYTES = 256ULL << 20;
inline constexpr std::uint64_t ALIGN_BYTES = 1ULL << 20;  // 512-byte sectors
inline constexpr std::uint64_t GL_LOCK_SLOT = 65;
inline constexpr std::uint64_t VG_LOCK_SLOT = 66;
inline constexpr std::uint64_t LV_LOCK_FIRST_SLOT = 67;
inline constexpr std::string_view GL_RESOURCE = "GLLK";
inline constexpr std::string_view GL_DISABLED_RESOURCE = "_GLLK_disabled";
inline constexpr std::string_view VG_RESOURCE = "VGLK";
inline constexpr std::string_view UNUSED_RESOURCE = "#unused";
inline constexpr std::size_t NAME_MAX_LEN = 48;  // sanlock's SANLK_NAME_LEN

inline bool is_sanlock_vg(const VolumeGroup& vg) { return vg.lock_type && *vg.lock_type == LOCK_TYPE; }
inline std::string lockspace_name(std::string_view vg) { return "lvm_" + std::string(vg); }
std::string vg_lock_args();
std::string lv_lock_args(std::uint64_t offset);

// The lease offset in an LV's lock_args "1.0.0:<offset>": the major version
// must be 1 and the offset a multiple of the alignment past the VG lock.
Result<std::uint64_t> parse_lv_lock_args(std::string_view args);

// Whether lvm2 gives the LV a lock of its own: visible top-level LVs except
// thin LVs (which use their pool's), old-style snapshots (their origin's)
// and lvmlock itself.
bool lv_needs_lock(const VolumeGroup& vg, const LogicalVolume& lv);

// The resource name of an LV lease: its dashed uuid.
std::string lv_resource_name(const LogicalVolume& lv);

// Where the lvmlock LV lies on disk: its first linear segment holds the
// lockspace, the global and VG locks at `offset` on the PV device `path`
// (hosts may name the device by different paths; sanlock finds leases by name
// and offset); an extension may be elsewhere (sanlock_lock_lv.hpp).
struct LeaseArea {
  std::string path;
  std::uint64_t offset = 0;  // bytes from the device start to lvmlock's first byte
  std::uint64_t size = 0;    // bytes of the whole LV
};
Result<LeaseArea> lease_area(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths);

// The lowest LV lease offset no LV of `vg` uses, or an error as lvm2's when
// lvmlock is full.
Result<std::uint64_t> free_lv_offset(const VolumeGroup& vg, std::uint64_t area_size);

// The lvmlock LV for a new shared VG: LOCK_LV_BYTES rounded up to extents,
// hidden (no VISIBLE), allocated by the caller.
LogicalVolume make_lock_lv(std::string id, std::int64_t now, std::string host);

}  // namespace udm::lvm::locking::sanlock

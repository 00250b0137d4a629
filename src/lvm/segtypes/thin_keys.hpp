// The keys of thin-pool and thin segments, typed. The model keeps them in
// Segment::unknown in the order lvm2 writes them (so text read from lvm2
// goes back byte for byte); these functions read that list into a struct
// and write a struct back as the list lvm2 would write (thin.c's exporter
// order), keeping any key they do not know after their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {

inline constexpr std::string_view THIN_POOL = "thin-pool";
inline constexpr std::string_view THIN = "thin";

// A message lvm2 queues in the pool segment until the pool has it:
// `messageN { create = "<thin LV>" }` or `messageN { delete = <device id> }`.
struct ThinMessage {
  std::string create;            // thin LV name (create_thin or create_snap), or empty
  std::uint64_t delete_id = 0;   // with create empty
  bool operator==(const ThinMessage&) const = default;
};

struct ThinPoolKeys {
  std::string metadata;          // "<pool>_tmeta"
  std::string pool;              // "<pool>_tdata"
  std::uint64_t transaction_id = 0;
  sector_t chunk_size = 128;     // sectors
  std::string discards = "passdown";  // passdown | nopassdown | ignore
  bool zero_new_blocks = true;
  std::optional<std::int64_t> crop_metadata;
  std::vector<ThinMessage> messages;
};

struct ThinKeys {
  std::string thin_pool;
  std::uint64_t transaction_id = 0;
  std::uint64_t device_id = 0;
  std::optional<std::string> external_origin;
  std::optional<std::string> origin;
  std::optional<std::string> merge;
};

// Errors name the key ("thin-pool segment: chunk_size missing").
Result<ThinPoolKeys> thin_pool_keys(const Segment& seg);
Result<ThinKeys> thin_keys(const Segment& seg);
// Sets seg.type and rewrites the segment's keys as lvm2 orders them.
void set_thin_pool_keys(Segment& seg, const ThinPoolKeys& k);
void set_thin_keys(Segment& seg, const ThinKeys& k);

// Limits of the kernel's thin target (dm-thin): data block size 64 KiB to
// 1 GiB in multiples of 64 KiB; device ids are 24 bits.
inline constexpr sector_t THIN_MIN_CHUNK = 128;
inline constexpr sector_t THIN_MAX_CHUNK = 2097152;
inline constexpr std::uint64_t THIN_MAX_DEVICE_ID = (1u << 24) - 1;

// The pool LV a thin LV's first segment names, and the like.
// thin and thin-pool keep their keys in Segment::unknown, in file order, so
// text lvm2 wrote goes back byte for byte; thin_keys() reads them.
class KeysInFileOrder : public SegmentType {
 public:
  Result<void> import_text(SegmentKeys& keys, Segment& seg) const override {
    (void)keys;
    (void)seg;
    return {};
  }
  void export_text(SegmentWriter& w, const Segment& seg) const override {
    (void)w;
    (void)seg;
  }
};

bool is_thin_pool_segment(const Segment& seg);
bool is_thin_segment(const Segment& seg);
bool lv_is_thin_pool(const LogicalVolume& lv);
bool lv_is_thin_volume(const LogicalVolume& lv);
// The thin LVs of a pool, in VG order.
std::vector<const LogicalVolume*> pool_thin_lvs(const VolumeGroup& vg, std::string_view pool);
// The thin LVs reading unprovisioned blocks from `origin` (lvm2's external origin).
std::vector<const LogicalVolume*> external_origin_users(const VolumeGroup& vg, std::string_view origin);
bool lv_is_external_origin(const VolumeGroup& vg, const LogicalVolume& lv);
// The pool whose _tmeta/_tdata `lv` is, or null.
const LogicalVolume* pool_of_sub_lv(const VolumeGroup& vg, const LogicalVolume& lv, bool* is_metadata = nullptr);
bool lv_is_pool_metadata_spare(const LogicalVolume& lv);

// Plans the pool's VG-POOL-tpool layer (thin-pool over the _tmeta and
// _tdata devices, with libdevmapper's feature words) and returns its token.
struct TableContext;
Result<std::string> plan_thin_pool_layer(const TableContext& ctx, const LogicalVolume& pool);

}  // namespace udm::lvm::segtypes

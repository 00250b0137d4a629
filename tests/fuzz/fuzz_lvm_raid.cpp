// Raid LVM: the typed reads of raid segment keys, the sub-LV lookups and the
// VG checks over them, for any text that imports as a VG; and the raid
// status line parser ulvm reads from the driver. The first byte picks which.
#include <cstdint>
#include <string_view>

#include "lvm/api/raid_activate.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/raid_keys.hpp"
#include "lvm/segtypes/segment_type.hpp"

using namespace udm::lvm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (256u << 10)) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    if (auto s = api::detail::parse_raid_status(text)) {
      (void)api::detail::raid_copy_percent(*s);
      (void)api::detail::raid_in_sync(*s);
    }
    return 0;
  }
  auto vg = format::import_vg_text(text);
  if (!vg) return 0;
  for (const auto& lv : vg->vg.lvs) {
    for (const auto& seg : lv.segments) {
      if (auto k = segtypes::raid_keys(seg)) {
        (void)segtypes::raid_data_stripes(*k);
        Segment copy = seg;
        segtypes::set_raid_keys(copy, *k);
        (void)segtypes::raid_keys(copy);
      }
      (void)segtypes::segment_type_of(seg).report(seg);
    }
    (void)segtypes::raid_of_sub_lv(vg->vg, lv);
  }
  (void)validation_problems(vg->vg);
  return 0;
}

// Thin LVM: the typed reads of thin-pool/thin segment keys and the VG checks
// over them, for any text that imports as a VG; and the thin-pool status
// line parser ulvm reads from the driver. The first byte picks which.
#include <cstdint>
#include <string_view>

#include "lvm/api/thin_activate.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/thin_keys.hpp"

using namespace udm::lvm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (256u << 10)) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    (void)api::detail::parse_thin_pool_status(text);
    return 0;
  }
  auto vg = format::import_vg_text(text);
  if (!vg) return 0;
  for (const auto& lv : vg->vg.lvs) {
    for (const auto& seg : lv.segments) {
      if (auto k = segtypes::thin_pool_keys(seg)) {
        Segment copy = seg;
        segtypes::set_thin_pool_keys(copy, *k);
        (void)segtypes::thin_pool_keys(copy);
      }
      if (auto k = segtypes::thin_keys(seg)) {
        Segment copy = seg;
        segtypes::set_thin_keys(copy, *k);
        (void)segtypes::thin_keys(copy);
      }
    }
    (void)segtypes::pool_of_sub_lv(vg->vg, lv);
    (void)segtypes::pool_thin_lvs(vg->vg, lv.name);
  }
  (void)validation_problems(vg->vg);
  return 0;
}

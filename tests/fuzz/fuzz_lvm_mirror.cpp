// Mirror LVM: the typed reads of mirror segment keys (mirror LVs and
// pvmove0), the planning of every LV of a VG that imports (mirror tables,
// LV areas on pvmove0), and the mirror status line ulvm reads from the
// driver (Cpy%Sync, pvmove progress). The first byte picks which.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lvm/activate/device_tree.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/mirror.hpp"

using namespace udm::lvm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (256u << 10)) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto s = segtypes::parse_mirror_status(text);
    if (s && (s->regions == 0 || s->in_sync > s->regions)) std::abort();
    return 0;
  }
  auto vt = format::import_vg_text(text);
  if (!vt) return 0;
  const VolumeGroup& vg = vt->vg;
  std::map<std::string, std::string> paths;
  for (const auto& pv : vg.pvs) paths[pv.name] = "/dev/" + pv.name;
  for (const auto& lv : vg.lvs) {
    for (const auto& seg : lv.segments)
      if (auto k = segtypes::mirror_keys(seg)) {
        Segment copy = seg;
        segtypes::set_mirror_keys(copy, *k);
        auto again = segtypes::mirror_keys(copy);
        if (!again || again->mirrors != k->mirrors) std::abort();
      }
    (void)segtypes::pvmove_running_segment(lv);
    (void)segtypes::mirror_of_sub_lv(vg, lv);
    if (validate(vg)) (void)activate::plan_lv(vg, lv, paths);
  }
  return 0;
}

// mirror: kept as read (udm does not run it), but the PV areas pvmove writes
// (mirrors = ["pv0", 0, "pv2", 2]) count as used extents.
#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/kept.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {
namespace {

class Mirror final : public Kept {
 public:
  std::string_view name() const override { return MIRROR; }

  std::vector<AreaUse> pv_areas(const VolumeGroup& vg, const Segment& seg) const override {
    std::vector<AreaUse> out;
    for (const auto& node : seg.unknown) {
      if (node.key != "mirrors" || !node.value.is_array()) continue;
      const auto& a = node.value.array;
      for (std::size_t i = 0; i + 1 < a.size(); i += 2)
        if (a[i].is_string() && a[i + 1].is_int() && vg.find_pv(a[i].text))
          out.push_back({{a[i].text, static_cast<extent_t>(a[i + 1].integer)}, seg.extent_count});
    }
    return out;
  }
};

}  // namespace

const SegmentType& mirror_segtype() {
  static const Mirror t;
  return t;
}

}  // namespace udm::lvm::segtypes

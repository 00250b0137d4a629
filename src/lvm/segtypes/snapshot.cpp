// snapshot (old style): kept as read. Its carrier LV ("snapshot0") is hidden;
// the COW LV it names is visible when the origin is.
#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/kept.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {
namespace {

class Snapshot final : public Kept {
 public:
  std::string_view name() const override { return SNAPSHOT; }
  unsigned flags() const override { return SEG_HIDES_LV; }

  std::optional<std::pair<std::string, std::string>> cow_and_origin(const Segment& seg) const override {
    const ConfigNode* cow = kept_string(seg, "cow_store");
    if (!cow) cow = kept_string(seg, "merging_store");
    if (!cow) return std::nullopt;
    const ConfigNode* origin = kept_string(seg, "origin");
    return std::pair{cow->value.text, origin ? origin->value.text : std::string()};
  }
};

}  // namespace

const SegmentType& snapshot_segtype() {
  static const Snapshot t;
  return t;
}

}  // namespace udm::lvm::segtypes

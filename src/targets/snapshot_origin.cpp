// snapshot-origin: the origin of one or more snapshots. Reads pass through;
// a write first has the old data of every chunk it touches copied into each
// snapshot of this origin that has no copy yet, then goes to the origin. It
// completes once udmd holds its data (snapshot_hold.hpp) or, when the hold
// is full, once those copies are committed. Suspend and removal wait until
// every held write has reached the origin device.
//   table:  <origin dev>
//   status: ""
//   table output: <maj:min>
#include <algorithm>

#include "core/sync_io.hpp"
#include "core/target_services.hpp"
#include "targets/args.hpp"
#include "targets/snapshot_state.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

class OriginTarget final : public core::Target {
 public:
  explicit OriginTarget(std::shared_ptr<snap::Origin> o) : o_(std::move(o)) {}
  // A removed origin leaves no write behind in udmd.
  ~OriginTarget() override { o_->hold().drain(); }

  core::MapResult map(io::Request* r) override { return o_->map(r); }

  // A suspended device holds no I/O: held writes land, and are flushed
  // (the core's flush of the backing devices may have gone before them).
  void postsuspend(bool noflush) override {
    o_->hold().drain();
    const bool landed = o_->hold().take_landed() != 0;
    // A stacked udm device flushes its own backing devices when suspended.
    if (landed && !noflush && o_->device()->devno().major != UDM_BLOCK_MAJOR)
      (void)core::sync_io(*o_->device(), io::Op::flush, 0, 0);
  }

  // Pieces stay inside one chunk of the snapshot with the smallest chunks.
  byte_count max_io_bytes(byte_count offset) const override {
    const byte_count m = o_->min_chunk_bytes();
    return m ? m - offset % m : UINT64_MAX;
  }

  std::string status(core::StatusType type) const override {
    return type == core::StatusType::info ? "" : o_->device()->table_name();
  }

  std::vector<io::BlockDevicePtr> devices() const override { return {o_->device()}; }

 private:
  std::shared_ptr<snap::Origin> o_;
};

Result<std::unique_ptr<core::Target>> create(const core::TargetArgs& a) {
  if (a.args.size() != 1) return fail(EINVAL, "origin: incorrect number of arguments");
  if (!a.services) return fail(EINVAL, "no target services");
  auto dev = open_device(a, a.args[0], 0, a.length, "Cannot get target device");
  if (!dev) return fail(dev.error());
  auto o = a.services->shared().find_or_create<snap::Origin>(
      "snapshot-origin", (*dev)->table_name(),
      [&]() -> Result<std::shared_ptr<snap::Origin>> { return std::make_shared<snap::Origin>(*dev); });
  if (!o) return fail(o.error());
  return std::make_unique<OriginTarget>(std::move(*o));
}

}  // namespace

const core::TargetType& snapshot_origin_target_type() {
  static const core::TargetType type{"snapshot-origin", {1, 9, 0}, 0, create};
  return type;
}

}  // namespace udm::targets

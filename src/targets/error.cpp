// error: every I/O fails with EIO. A wildcard: it may replace an immutable
// target in a reload (how LVM and tests take a device away).
//   table:  any arguments; exactly 2 are read as <dev> <offset> (as linear),
//           only so that the device is held, as the kernel does for limits.
//   status and table output: ""
//   messages: none
#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

class Error final : public core::Target {
 public:
  explicit Error(io::BlockDevicePtr dev) : dev_(std::move(dev)) {}
  core::MapResult map(io::Request* r) override {
    r->complete(-EIO);
    return core::MapResult::submitted;
  }
  unsigned flush_copies() const override { return 0; }  // the kernel sends it no flushes
  std::string status(core::StatusType) const override { return ""; }
  std::vector<io::BlockDevicePtr> devices() const override {
    if (dev_) return {dev_};
    return {};
  }

 private:
  io::BlockDevicePtr dev_;
};

Result<std::unique_ptr<core::Target>> create(const core::TargetArgs& a) {
  io::BlockDevicePtr dev;
  if (a.args.size() == 2) {
    auto offset = parse_number(a.args[1], "offset");
    if (!offset) return fail(offset.error());
    auto d = open_device(a, a.args[0], *offset, a.length);
    if (!d) return fail(d.error());
    dev = std::move(*d);
  }
  return std::make_unique<Error>(std::move(dev));
}

}  // namespace

const core::TargetType& error_target_type() {
  static const core::TargetType type{"error", {1, 7, 0}, core::TARGET_WILDCARD, create};
  return type;
}

}  // namespace udm::targets

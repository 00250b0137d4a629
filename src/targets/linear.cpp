// linear: maps its range onto a contiguous range of one device.
//   table:  <dev> <offset>           (offset in sectors on <dev>)
//   status: ""
//   table output: <maj:min> <offset>
//   messages: none
#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

class Linear final : public core::Target {
 public:
  Linear(io::BlockDevicePtr dev, sector_t offset) : dev_(std::move(dev)), offset_(offset) {}

  core::MapResult map(io::Request* r) override {
    if (r->op != io::Op::flush) r->offset += sectors_to_bytes(offset_);
    dev_->submit(r);
    return core::MapResult::submitted;
  }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::info) return "";
    return dev_->table_name() + " " + std::to_string(offset_);
  }

  std::vector<io::BlockDevicePtr> devices() const override { return {dev_}; }

 private:
  io::BlockDevicePtr dev_;
  sector_t offset_;
};

Result<std::unique_ptr<core::Target>> create(const core::TargetArgs& a) {
  if (a.args.size() != 2) return fail(wrong_arg_count(a.args.size(), "2 arguments <dev> <offset>"));
  auto offset = parse_number(a.args[1], "offset");
  if (!offset) return fail(offset.error());
  auto dev = open_device(a, a.args[0], *offset, a.length);
  if (!dev) return fail(dev.error());
  return std::make_unique<Linear>(std::move(*dev), *offset);
}

}  // namespace

const core::TargetType& linear_target_type() {
  static const core::TargetType type{"linear", {1, 4, 0}, 0, create};
  return type;
}

}  // namespace udm::targets

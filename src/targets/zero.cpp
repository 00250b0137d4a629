// zero: reads return zeros, writes and discards succeed and are dropped.
//   table:  (no arguments)
//   status and table output: ""
//   messages: none
#include <cstring>

#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

class Zero final : public core::Target {
 public:
  core::MapResult map(io::Request* r) override {
    map_io(r);
    return core::MapResult::submitted;
  }

  void map_io(io::Request* r) {
    if (r->op == io::Op::read) std::memset(r->data, 0, r->length);
    r->complete(0);
  }
  unsigned flush_copies() const override { return 0; }  // nothing to make durable
  std::string status(core::StatusType) const override { return ""; }
};

Result<std::unique_ptr<core::Target>> create(const core::TargetArgs& a) {
  if (!a.args.empty()) return fail(EINVAL, "arguments: no arguments required, got " + std::to_string(a.args.size()));
  return std::make_unique<Zero>();
}

}  // namespace

const core::TargetType& zero_target_type() {
  static const core::TargetType type{"zero", {1, 2, 0}, 0, create};
  return type;
}

}  // namespace udm::targets

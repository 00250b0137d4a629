// thin 1.23.0: a thinly provisioned device of a thin-pool.
//
// Table:   <pool dev> <dev id> [<external origin dev>]
// Status:  INFO  "<mapped sectors> <highest mapped sector|->", "Fail" when the pool failed
//          TABLE "<pool maj:min> <dev id>[ <origin maj:min>]"
// Messages: none.
//
// Hot path: a block the pool's mapping cache knows as provisioned (and, for
// writes, unshared) is remapped to the data device under a shared lock held
// for the lookup only, and counted in flight until end_io; a block whose
// cell the pool holds (being provisioned, broken or discarded) keeps the
// request until the cell is released. Everything else (first write, write
// to a shared block, cache miss, discard, flush, FUA) is held and done on
// the worker pool.
#include <cstring>

#include "core/device_handle.hpp"
#include "core/target.hpp"
#include "targets/args.hpp"
#include "targets/target_types.hpp"
#include "thin/pool.hpp"

namespace udm::targets {
namespace {

class ThinTarget final : public core::Target {
 public:
  ThinTarget(core::MappedDeviceHandle<thin::Pool> pool, uint32_t dev_id, io::BlockDevicePtr origin)
      : pool_dev_(std::move(pool.device)), pool_(std::move(pool.object)), block_bytes_(pool_->block_bytes()) {
    ctx_.dev_id = dev_id;
    ctx_.origin = std::move(origin);
  }
  ~ThinTarget() override {
    pool_->fail_queued(&ctx_);
    pool_->close_thin(ctx_.dev_id);
  }

  byte_count max_io_bytes(byte_count offset) const override { return block_bytes_ - offset % block_bytes_; }

  core::MapResult map(io::Request* request) override {
    epoch_tag(request) = 0;
    if (request->op == io::Op::flush) return defer(request);
    if (request->op == io::Op::discard) {
      if (pool_->ignore_discard()) {
        request->complete(0);
        return core::MapResult::submitted;
      }
      return defer(request);
    }
    const uint64_t vblock = request->offset / block_bytes_;
    const thin::FastMap f = pool_->map_fast(ctx_.dev_id, vblock, request, &epoch_tag(request));
    if (f.action == thin::FastMap::held) return core::MapResult::held;
    if (f.action == thin::FastMap::remap) {
      request->offset = f.mapping.data_block * block_bytes_ + request->offset % block_bytes_;
      f.data->submit(request);
      return core::MapResult::submitted;
    }
    if (f.mapping.kind == thin::CachedMapping::unmapped && request->op == io::Op::read) {
      if (ctx_.origin && request->offset + request->length <= ctx_.origin->size()) {
        ctx_.origin->submit(request);
        return core::MapResult::submitted;
      }
      if (!ctx_.origin) {
        std::memset(request->data, 0, request->length);
        request->complete(0);
        return core::MapResult::submitted;
      }
    }
    return defer(request);
  }

  // A remapped request leaves the pool's in-flight count (its epoch).
  void end_io(const io::Request& request, int /*result*/) override {
    pool_->io_done(epoch_tag(const_cast<io::Request*>(&request)));
  }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::table) {
      std::string s = pool_dev_->table_name() + " " + std::to_string(ctx_.dev_id);
      if (ctx_.origin) s += " " + ctx_.origin->table_name();
      return s;
    }
    if (pool_->failed()) return "Fail";
    auto d = pool_->details(ctx_.dev_id);
    if (!d) return "-";
    auto high = pool_->highest_mapped(ctx_.dev_id);
    if (!high) return "Error";
    const uint64_t bs = pool_->block_sectors();
    std::string s = std::to_string(d->mapped_blocks * bs) + " ";
    s += *high ? std::to_string((**high + 1) * bs - 1) : std::string("-");
    return s;
  }

  std::vector<io::BlockDevicePtr> devices() const override {
    if (ctx_.origin) return {pool_dev_, ctx_.origin};
    return {pool_dev_};
  }

  void io_hints(io::DeviceLimits& limits) const override {
    const auto bytes = static_cast<std::uint32_t>(block_bytes_);
    limits.io_min = bytes;
    limits.io_opt = bytes;
    if (!pool_->ignore_discard()) limits.discard_granularity = bytes;
  }

  Result<void> presuspend(bool /*noflush*/) override {
    pool_->fail_queued(&ctx_);
    return {};
  }
  void postsuspend(bool /*noflush*/) override { (void)pool_->commit(); }

 private:
  static uint8_t& epoch_tag(io::Request* request) {
    return *reinterpret_cast<uint8_t*>(core::per_io_data(request).data());
  }

  core::MapResult defer(io::Request* request) {
    pool_->defer(&ctx_, request);
    return core::MapResult::held;
  }

  io::BlockDevicePtr pool_dev_;
  std::shared_ptr<thin::Pool> pool_;
  uint64_t block_bytes_;
  thin::ThinContext ctx_;
};

Result<std::unique_ptr<core::Target>> create_thin(const core::TargetArgs& a) {
  if (a.args.size() != 2 && a.args.size() != 3) return fail(EINVAL, "Invalid argument count");
  if (a.args.size() == 3 && a.args[0] == a.args[2]) return fail(EINVAL, "Error setting origin device");
  auto pool = core::open_mapped_device<thin::Pool>(a, a.args[0], "thin-pool");
  if (!pool) {
    // The kernel's three steps: open the device, find its mapped device, find its pool.
    const std::string& m = pool.error().message;
    const char* what = m.find("not an active") != std::string::npos ? "Couldn't find pool object"
                       : m.find("not a mapped") != std::string::npos ? "Couldn't get pool mapped device"
                                                                       : "Error opening pool device";
    return fail(pool.error().code, std::string(what) + ": " + m);
  }
  uint64_t id = 0;
  if (!parse_in_range(a.args[1], 0, pd::kMaxDevId, id)) return fail(EINVAL, "Invalid device id");
  io::BlockDevicePtr origin;
  if (a.args.size() == 3) {
    auto o = a.devices->open(a.args[2], 0, 0);
    if (!o) return fail(o.error().code, "Error opening origin device: " + o.error().message);
    if ((*o)->table_name() == pool->device->table_name()) return fail(EINVAL, "Error setting origin device");
    origin = std::move(*o);
  }
  if (auto r = pool->object->open_thin(static_cast<uint32_t>(id)); !r)
    return fail(r.error().code, "Couldn't open thin internal device: " + r.error().message);
  return std::make_unique<ThinTarget>(std::move(*pool), static_cast<uint32_t>(id), std::move(origin));
}

}  // namespace

const core::TargetType& thin_target_type() {
  static const core::TargetType type{"thin", {1, 23, 0}, 0, &create_thin};
  return type;
}

}  // namespace udm::targets

// thin-pool 1.23.0: the pool of data blocks thin devices provision from.
//
// Table:   <metadata dev> <data dev> <data block size> <low water mark>
//          [<#features> skip_block_zeroing ignore_discard no_discard_passdown read_only error_if_no_space]
// Status:  INFO  "<transaction id> <used>/<total metadata blocks> <used>/<total data blocks> <held root|->
//                 <rw|ro|out_of_data_space> <discard mode> <no space mode> <needs_check|-> <metadata low water> "
//          TABLE "<meta maj:min> <data maj:min> <block size> <low water> <#features> <features...> "
// Messages: create_thin, create_snap, delete, set_transaction_id,
//           reserve_metadata_snap, release_metadata_snap.
//
// The pool's state lives in a thin::Pool registered under ("thin-pool",
// pool device), so a reload finds it; I/O to the pool device itself goes to
// the data device.
#include <strings.h>

#include "core/target.hpp"
#include "core/target_services.hpp"
#include "targets/args.hpp"
#include "targets/target_types.hpp"
#include "thin/pool.hpp"

namespace udm::targets {
namespace {

class ThinPoolTarget final : public core::Target {
 public:
  ThinPoolTarget(std::shared_ptr<thin::Pool> pool, io::BlockDevicePtr meta, io::BlockDevicePtr data,
                 thin::PoolFeatures requested, uint64_t low_water, std::function<void()> raise_event)
      : pool_(std::move(pool)),
        meta_(std::move(meta)),
        data_(std::move(data)),
        requested_(requested),
        low_water_(low_water),
        raise_event_(std::move(raise_event)) {}

  core::MapResult map(io::Request* request) override {
    data_->submit(request);
    return core::MapResult::submitted;
  }

  std::string status(core::StatusType type) const override { return status(type, {}); }
  std::string status(core::StatusType type, core::StatusFlags flags) const override {
    if (type == core::StatusType::info) return pool_->status(!flags.noflush);
    std::string s = meta_->table_name() + " " + data_->table_name() + " " + std::to_string(pool_->block_sectors()) +
                    " " + std::to_string(low_water_) + " ";
    unsigned n = requested_.skip_block_zeroing + requested_.ignore_discard + requested_.no_discard_passdown +
                 requested_.read_only + requested_.error_if_no_space;
    s += std::to_string(n) + " ";
    if (requested_.skip_block_zeroing) s += "skip_block_zeroing ";
    if (requested_.ignore_discard) s += "ignore_discard ";
    if (requested_.no_discard_passdown) s += "no_discard_passdown ";
    if (requested_.read_only) s += "read_only ";
    if (requested_.error_if_no_space) s += "error_if_no_space ";
    return s;
  }

  Result<std::string> message(std::span<const std::string> args) override { return pool_->message(args); }

  std::vector<io::BlockDevicePtr> devices() const override { return {meta_, data_}; }

  void io_hints(io::DeviceLimits& limits) const override {
    const auto bytes = static_cast<std::uint32_t>(pool_->block_bytes());
    limits.io_min = bytes;
    limits.io_opt = bytes;
    if (!requested_.ignore_discard) limits.discard_granularity = bytes;
  }

  // Suspended, the pool holds thin I/O that needs it until a resume.
  Result<void> presuspend(bool /*noflush*/) override {
    pool_->suspend_io();
    return {};
  }
  void presuspend_undo() override { pool_->resume_io(); }
  void postsuspend(bool /*noflush*/) override { (void)pool_->commit(); }

  Result<void> preresume() override { return pool_->bind(meta_, data_, requested_, low_water_, raise_event_); }
  void resume() override {
    pool_->resumed();
    pool_->resume_io();
  }

 private:
  std::shared_ptr<thin::Pool> pool_;
  io::BlockDevicePtr meta_, data_;
  thin::PoolFeatures requested_;
  uint64_t low_water_;
  std::function<void()> raise_event_;
};

Result<std::unique_ptr<core::Target>> create_thin_pool(const core::TargetArgs& a) {
  if (a.args.size() < 4) return fail(EINVAL, "Invalid argument count");
  if (!a.devices || !a.services) return fail(EINVAL, "no device opener");
  ArgSet as(a.args.subspan(4));
  thin::PoolFeatures pf;
  if (!as.empty()) {
    auto n = as.read_group(ArgRange{0, 4, "Invalid number of pool feature arguments"});
    if (!n) return fail(n.error());
    for (std::size_t i = 0; i < *n; ++i) {
      const std::string& f = *as.shift();
      if (!strcasecmp(f.c_str(), "skip_block_zeroing")) pf.skip_block_zeroing = true;
      else if (!strcasecmp(f.c_str(), "ignore_discard")) pf.ignore_discard = true;
      else if (!strcasecmp(f.c_str(), "no_discard_passdown")) pf.no_discard_passdown = true;
      else if (!strcasecmp(f.c_str(), "read_only")) pf.read_only = true;
      else if (!strcasecmp(f.c_str(), "error_if_no_space")) pf.error_if_no_space = true;
      else return fail(EINVAL, "Unrecognised pool feature requested");
    }
    if (!as.empty()) return fail(EINVAL, "Invalid argument count");
  }
  uint64_t block = 0, low_water = 0;
  if (!parse_in_range(a.args[2], pd::kMinDataBlockSize, pd::kMaxDataBlockSize, block) || block % pd::kMinDataBlockSize)
    return fail(EINVAL, "Invalid block size");
  if (!parse_in_range(a.args[3], 0, UINT64_MAX, low_water)) return fail(EINVAL, "Invalid low water mark");
  auto meta = a.devices->open(a.args[0], 0, 0);
  if (!meta) return fail(meta.error().code, "Error opening metadata block device: " + meta.error().message);
  auto data = a.devices->open(a.args[1], 0, 0);
  if (!data) return fail(data.error().code, "Error getting data device: " + data.error().message);
  if (*meta == *data || (*meta)->table_name() == (*data)->table_name())
    return fail(EINVAL, "metadata and data devices must differ");

  auto make = [&]() -> Result<std::shared_ptr<thin::Pool>> {
    const std::string holder = "thin-pool " + (a.device.major || a.device.minor ? a.device.to_string() : "") +
                               " as its metadata device";
    auto claim = a.services->claims().claim(**meta, holder);
    if (!claim) return fail(claim.error());
    return thin::Pool::open(*meta, *data, static_cast<uint32_t>(block), pf, a.services->workers(), std::move(*claim));
  };
  std::shared_ptr<thin::Pool> pool;
  if (a.device.major || a.device.minor) {
    auto p = a.services->shared().find_or_create<thin::Pool>("thin-pool", a.device, make);
    if (!p) return fail(p.error());
    pool = std::move(*p);
    if (pool->metadata_name() != (*meta)->table_name())
      return fail(EINVAL, "different pool cannot replace a pool: metadata device " + (*meta)->table_name() +
                              " is not " + pool->metadata_name());
    if (pool->block_sectors() != block) return fail(EINVAL, "Invalid block size: the pool's is " + std::to_string(pool->block_sectors()));
  } else {
    auto p = make();
    if (!p) return fail(p.error());
    pool = std::move(*p);
  }
  return std::make_unique<ThinPoolTarget>(std::move(pool), std::move(*meta), std::move(*data), pf, low_water,
                                          a.raise_event);
}

}  // namespace

const core::TargetType& thin_pool_target_type() {
  static const core::TargetType type{"thin-pool", {1, 23, 0},
                                     core::TARGET_SINGLETON | core::TARGET_IMMUTABLE | core::TARGET_ALWAYS_WRITEABLE,
                                     &create_thin_pool};
  return type;
}

}  // namespace udm::targets

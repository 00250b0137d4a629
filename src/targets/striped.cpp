// striped: spreads its range over #stripes devices in chunks, round robin.
//   table:  <#stripes> <chunk_size> <dev1> <offset1> [<dev2> <offset2> ...]
//           #stripes >= 1; chunk_size >= 1 sector (any value); the length
//           divides by #stripes and length/#stripes by chunk_size.
//   status: <#stripes> <maj:min>... 1 <health>   health: 'A' alive, 'D' saw an I/O error
//   table output: <#stripes> <chunk_size> <maj:min> <offset> ...
//   messages: none
// Mapping of target sector s: chunk c = s / chunk, stripe = c % #stripes,
// device sector = offset[stripe] + (c / #stripes) * chunk + s % chunk.
#include <atomic>
#include <functional>
#include <memory>

#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

struct Stripe {
  io::BlockDevicePtr dev;
  sector_t offset = 0;
  std::atomic<std::uint32_t> errors{0};
};

class Striped final : public core::Target {
 public:
  Striped(std::uint32_t count, sector_t chunk, std::function<void()> raise_event)
      : count_(count), chunk_(chunk), stripes_(new Stripe[count]), raise_event_(std::move(raise_event)) {
    if ((chunk & (chunk - 1)) == 0) chunk_shift_ = static_cast<unsigned>(__builtin_ctzll(chunk));
  }

  Stripe& stripe(std::uint32_t i) { return stripes_[i]; }

  core::MapResult map(io::Request* r) override {
    map_io(r);
    return core::MapResult::submitted;
  }

  // As the kernel's stripe_io_hints: a chunk is the minimum, a full stripe the optimum.
  void io_hints(io::DeviceLimits& limits) const override {
    const std::uint64_t chunk = sectors_to_bytes(chunk_);
    if (chunk <= UINT32_MAX) limits.io_min = static_cast<std::uint32_t>(chunk);
    if (chunk * count_ <= UINT32_MAX) limits.io_opt = static_cast<std::uint32_t>(chunk * count_);
  }

  void map_io(io::Request* r) {
    if (r->op == io::Op::flush) {
      stripes_[r->index].dev->submit(r);  // the core sends one copy per stripe, index = stripe
      return;
    }
    const sector_t s = bytes_to_sectors(r->offset);
    sector_t c, in_chunk;
    if (chunk_shift_ >= 0) {
      c = s >> chunk_shift_;
      in_chunk = s & (chunk_ - 1);
    } else {
      c = s / chunk_;
      in_chunk = s % chunk_;
    }
    const auto i = static_cast<std::uint32_t>(c % count_);
    const Stripe& st = stripes_[i];
    r->index = i;
    r->offset = sectors_to_bytes(st.offset + (c / count_) * chunk_ + in_chunk) + r->offset % SECTOR_SIZE;
    st.dev->submit(r);
  }

  byte_count max_io_bytes(byte_count offset) const override {
    const byte_count chunk_bytes = sectors_to_bytes(chunk_);
    return chunk_bytes - offset % chunk_bytes;
  }

  unsigned flush_copies() const override { return count_; }

  void end_io(const io::Request& r, int result) override {
    if (result == 0 || result == -EOPNOTSUPP || r.index >= count_) return;
    // As Linux: each of the first few errors of a stripe raises a device event.
    if (stripes_[r.index].errors.fetch_add(1, std::memory_order_relaxed) < ERROR_EVENT_THRESHOLD && raise_event_)
      raise_event_();
  }

  std::string status(core::StatusType type) const override {
    std::string s = std::to_string(count_);
    if (type == core::StatusType::info) {
      for (std::uint32_t i = 0; i < count_; ++i) s += " " + stripes_[i].dev->table_name();
      s += " 1 ";
      for (std::uint32_t i = 0; i < count_; ++i) s += stripes_[i].errors.load() ? 'D' : 'A';
      return s;
    }
    s += " " + std::to_string(chunk_);
    for (std::uint32_t i = 0; i < count_; ++i)
      s += " " + stripes_[i].dev->table_name() + " " + std::to_string(stripes_[i].offset);
    return s;
  }

  std::vector<io::BlockDevicePtr> devices() const override {
    std::vector<io::BlockDevicePtr> out;
    for (std::uint32_t i = 0; i < count_; ++i) out.push_back(stripes_[i].dev);
    return out;
  }

 private:
  std::uint32_t count_;
  sector_t chunk_;
  int chunk_shift_ = -1;  // log2(chunk) when chunk is a power of two
  std::unique_ptr<Stripe[]> stripes_;
  std::function<void()> raise_event_;
  static constexpr std::uint32_t ERROR_EVENT_THRESHOLD = 15;
};

Result<std::unique_ptr<core::Target>> create(const core::TargetArgs& a) {
  if (a.args.size() < 2) return fail(wrong_arg_count(a.args.size(), "at least 4 arguments <#stripes> <chunk_size> <dev> <offset>"));
  auto count = parse_number(a.args[0], "#stripes");
  if (!count) return fail(count.error());
  if (*count == 0) return fail(EINVAL, "#stripes: must be at least 1");
  if (*count > a.args.size() || a.args.size() != 2 + 2 * *count)
    return fail(wrong_arg_count(a.args.size(), std::to_string(2 + 2 * *count) + " arguments for " +
                                                   std::to_string(*count) + " stripes"));
  auto chunk = parse_number(a.args[1], "chunk_size");
  if (!chunk) return fail(chunk.error());
  if (*chunk == 0) return fail(EINVAL, "chunk_size: must be at least 1 sector");
  if (*chunk > MAX_DEVICE_SECTORS) return fail(EINVAL, "chunk_size: " + a.args[1] + " is too large");
  if (a.length % *count)
    return fail(EINVAL, "length: target length " + std::to_string(a.length) + " is not divisible by #stripes " +
                            std::to_string(*count));
  const sector_t per_stripe = a.length / *count;
  if (per_stripe % *chunk)
    return fail(EINVAL, "chunk_size: target length per stripe " + std::to_string(per_stripe) +
                            " is not divisible by chunk size " + std::to_string(*chunk));

  auto target = std::make_unique<Striped>(static_cast<std::uint32_t>(*count), *chunk, a.raise_event);
  for (std::uint32_t i = 0; i < *count; ++i) {
    const std::string field = "stripe " + std::to_string(i);
    auto offset = parse_number(a.args[3 + 2 * i], field + " offset");
    if (!offset) return fail(offset.error());
    auto dev = open_device(a, a.args[2 + 2 * i], *offset, per_stripe, field + " device");
    if (!dev) return fail(dev.error());
    target->stripe(i).dev = std::move(*dev);
    target->stripe(i).offset = *offset;
  }
  return target;
}

}  // namespace

const core::TargetType& striped_target_type() {
  static const core::TargetType type{"striped", {1, 6, 0}, 0, create};
  return type;
}

}  // namespace udm::targets

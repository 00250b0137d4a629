// flakey 1.5.0: a device that works for <up> seconds, then misbehaves for
// <down> seconds, over and over, counted from when the table was built.
//
// Table:   <dev> <offset> <up_interval_s> <down_interval_s> [<#feature_words> <feature>...]
//          features: error_reads | drop_writes | error_writes |
//                    corrupt_bio_byte <Nth_byte> <r|w> <value> <flags> (5 words) |
//                    random_read_corrupt <0..1000000000> | random_write_corrupt <0..1000000000>
//          Without features every I/O fails while down.
// Status:  INFO  ""
//          TABLE "<maj:min> <off> <up> <down> <nwords>[ features]" (nwords always printed;
//                error_writes is not printed when drop_writes is set)
// Messages: none.
//
// While down: reads fail (error_reads) or pass and may be corrupted after they
// complete; writes (every op but read: flush and discard too, as in Linux) are
// dropped (completed without being written), failed, or written from a
// corrupted copy so the caller's buffer is never changed.
// corrupt_bio_byte's <flags> must all be present in the request's flags
// (only FUA is modelled, as REQ_FUA's bit); 0 matches every request.
#include <chrono>
#include <functional>
#include <cstring>
#include <random>

#include "core/target.hpp"
#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

constexpr std::uint32_t PROBABILITY_BASE = 1000000000;
constexpr std::uint32_t REQ_FUA_FLAG = 1u << 17;  // Linux's __REQ_FUA bit

std::uint64_t random_u64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

struct FlakeyConfig {
  sector_t start = 0;
  std::uint32_t up = 0, down = 0;
  bool error_reads = false, drop_writes = false, error_writes = false;
  std::uint32_t corrupt_byte = 0;  // 1-based; 0: feature off
  bool corrupt_on_write = false;
  std::uint8_t corrupt_value = 0;
  std::uint32_t corrupt_flags = 0;
  std::uint32_t random_read_corrupt = 0, random_write_corrupt = 0;
};

// Overwrites byte `index` (0-based) of a request's data, if it has one there.
void corrupt_byte_at(io::Request& r, std::uint64_t index, std::uint8_t value) {
  if (r.data && index < r.length) r.data[index] = std::byte{value};
}

void corrupt_random(io::Request& r) {
  if (!r.data || r.length == 0) return;
  corrupt_byte_at(r, random_u64() % r.length, static_cast<std::uint8_t>(random_u64()));
}

// A request flakey issues itself, wrapping the caller's: reads to corrupt the
// data after it arrives, writes from a corrupted copy.
struct ChildIo {
  io::Request io;
  io::Request* parent;
  std::vector<std::byte> copy;  // the corrupted write data
  const FlakeyConfig* config;
  bool fixed = false, random = false;
};

class FlakeyTarget final : public core::Target {
 public:
  FlakeyTarget(FlakeyConfig c, io::BlockDevicePtr dev, FlakeyClock clock)
      : c_(c), dev_(std::move(dev)), clock_(std::move(clock)), created_(clock_()) {
    // No features: every I/O fails while down (Linux sets error_reads and
    // error_writes itself); the table output still echoes what was asked.
    bool none = !c_.error_reads && !c_.drop_writes && !c_.error_writes && !c_.corrupt_byte &&
                !c_.random_read_corrupt && !c_.random_write_corrupt;
    error_reads_ = c_.error_reads || none;
    error_writes_ = c_.error_writes || none;
  }

  bool down_now() const {
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(clock_() - created_).count();
    if (elapsed < 0) elapsed = 0;
    std::uint64_t period = std::uint64_t{c_.up} + c_.down;
    return static_cast<std::uint64_t>(elapsed) % period >= c_.up;
  }

  core::MapResult map(io::Request* r) override {
    map_io(r);
    return core::MapResult::submitted;
  }

  void map_io(io::Request* r) {
    if (r->op != io::Op::flush) r->offset += sectors_to_bytes(c_.start);
    if (!down_now()) return dev_->submit(r);

    if (r->op == io::Op::read) {
      if (error_reads_) return r->complete(-EIO);
      bool fixed = c_.corrupt_byte && !c_.corrupt_on_write && flags_match(*r);
      bool random = c_.random_read_corrupt &&
                    random_u64() % PROBABILITY_BASE < c_.random_read_corrupt;
      if (!fixed && !random) return dev_->submit(r);
      auto* child = new ChildIo{*r, r, {}, &c_, fixed, random};
      child->io.context = child;
      child->io.done = [](io::Request* self, int result) {
        auto* ch = static_cast<ChildIo*>(self->context);
        if (result == 0) {
          if (ch->fixed) corrupt_byte_at(*ch->parent, ch->config->corrupt_byte - 1, ch->config->corrupt_value);
          if (ch->random) corrupt_random(*ch->parent);
        }
        io::Request* parent = ch->parent;
        delete ch;
        parent->complete(result);
      };
      return dev_->submit(&child->io);
    }

    if (c_.drop_writes) return r->complete(0);
    if (error_writes_) return r->complete(-EIO);
    bool fixed = c_.corrupt_byte && c_.corrupt_on_write && flags_match(*r);
    bool random = c_.random_write_corrupt &&
                  random_u64() % PROBABILITY_BASE < c_.random_write_corrupt;
    if ((!fixed && !random) || r->op != io::Op::write) return dev_->submit(r);
    auto* child = new ChildIo{*r, r, std::vector<std::byte>(r->data, r->data + r->length), &c_};
    child->io.data = child->copy.data();
    child->io.context = child;
    if (fixed) corrupt_byte_at(child->io, c_.corrupt_byte - 1, c_.corrupt_value);
    if (random) corrupt_random(child->io);
    child->io.done = [](io::Request* self, int result) {
      auto* ch = static_cast<ChildIo*>(self->context);
      io::Request* parent = ch->parent;
      delete ch;
      parent->complete(result);
    };
    dev_->submit(&child->io);
  }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::info) return "";
    std::string out = dev_->table_name() + " " + std::to_string(c_.start) + " " + std::to_string(c_.up) +
                      " " + std::to_string(c_.down);
    unsigned words = c_.error_reads + c_.drop_writes + (c_.error_writes && !c_.drop_writes) +
                     (c_.corrupt_byte ? 5 : 0) + (c_.random_read_corrupt ? 2 : 0) +
                     (c_.random_write_corrupt ? 2 : 0);
    out += " " + std::to_string(words);
    if (c_.error_reads) out += " error_reads";
    if (c_.drop_writes) out += " drop_writes";
    else if (c_.error_writes) out += " error_writes";
    if (c_.corrupt_byte)
      out += " corrupt_bio_byte " + std::to_string(c_.corrupt_byte) + (c_.corrupt_on_write ? " w " : " r ") +
             std::to_string(c_.corrupt_value) + " " + std::to_string(c_.corrupt_flags);
    if (c_.random_read_corrupt) out += " random_read_corrupt " + std::to_string(c_.random_read_corrupt);
    if (c_.random_write_corrupt) out += " random_write_corrupt " + std::to_string(c_.random_write_corrupt);
    return out;
  }

  std::vector<io::BlockDevicePtr> devices() const override { return {dev_}; }

 private:
  bool flags_match(const io::Request& r) const {
    std::uint32_t have = r.fua ? REQ_FUA_FLAG : 0;
    return (have & c_.corrupt_flags) == c_.corrupt_flags;
  }

  FlakeyConfig c_;
  io::BlockDevicePtr dev_;
  FlakeyClock clock_;
  std::chrono::steady_clock::time_point created_;
  bool error_reads_ = false, error_writes_ = false;  // in effect while down
};

// [<#feature_words> <feature>...]: the rest of the table line.
Result<void> parse_features(ArgSet& as, FlakeyConfig& c) {
  if (as.empty()) return {};
  auto count = as.read_group({0, 11, "Invalid number of feature args"});
  if (!count) return fail(count.error());
  if (as.size() != *count) return fail(EINVAL, "Too many arguments");
  while (!as.empty()) {
    const std::string& w = *as.shift();
    const std::size_t left = as.size();  // words after this one
    if (w == "error_reads") {
      if (c.error_reads) return fail(EINVAL, "Feature error_reads duplicated");
      c.error_reads = true;
    } else if (w == "drop_writes") {
      if (c.drop_writes) return fail(EINVAL, "Feature drop_writes duplicated");
      if (c.error_writes) return fail(EINVAL, "Feature drop_writes conflicts with feature error_writes");
      c.drop_writes = true;
    } else if (w == "error_writes") {
      if (c.error_writes) return fail(EINVAL, "Feature error_writes duplicated");
      if (c.drop_writes) return fail(EINVAL, "Feature error_writes conflicts with feature drop_writes");
      c.error_writes = true;
    } else if (w == "corrupt_bio_byte") {
      if (left < 4) return fail(EINVAL, "Feature corrupt_bio_byte requires parameters");
      auto nth = as.read({1, UINT32_MAX, "Invalid corrupt bio byte"});
      if (!nth) return fail(nth.error());
      const std::string& dir = *as.shift();
      if (dir != "r" && dir != "w") return fail(EINVAL, "Invalid corrupt bio direction (r or w)");
      auto value = as.read({0, 255, "Invalid corrupt bio byte value"});
      if (!value) return fail(value.error());
      auto flags = as.read({0, UINT32_MAX, "Invalid corrupt bio flags mask"});
      if (!flags) return fail(flags.error());
      c.corrupt_byte = static_cast<std::uint32_t>(*nth);
      c.corrupt_on_write = dir == "w";
      c.corrupt_value = static_cast<std::uint8_t>(*value);
      c.corrupt_flags = static_cast<std::uint32_t>(*flags);
    } else if (w == "random_read_corrupt" || w == "random_write_corrupt") {
      if (left < 1) return fail(EINVAL, "Feature " + w + " requires a parameter");
      const std::string error = "Invalid " + w + " probability";
      auto p = as.read({0, PROBABILITY_BASE, error});
      if (!p) return fail(p.error());
      (w == "random_read_corrupt" ? c.random_read_corrupt : c.random_write_corrupt) = static_cast<std::uint32_t>(*p);
    } else {
      return fail(EINVAL, "Unrecognised flakey feature requested '" + w + "'");
    }
  }
  if ((c.drop_writes || c.error_writes) && ((c.corrupt_byte && c.corrupt_on_write) || c.random_write_corrupt))
    return fail(EINVAL, std::string(c.drop_writes ? "drop_writes" : "error_writes") +
                            " is incompatible with random_write_corrupt or corrupt_bio_byte with the WRITE flag set");
  return {};
}

}  // namespace

Result<std::unique_ptr<core::Target>> create_flakey(const core::TargetArgs& a, FlakeyClock clock) {
  ArgSet as(a.args);
  if (as.size() < 4) return fail(EINVAL, "Invalid argument count");
  if (!a.devices) return fail(EINVAL, "no device opener");
  FlakeyConfig c;
  const std::string& path = *as.shift();
  auto start = as.read({0, MAX_DEVICE_SECTORS, "Invalid device sector", true});
  if (!start) return fail(start.error());
  auto up = as.read({0, UINT32_MAX, "Invalid up interval", true});
  if (!up) return fail(up.error());
  auto down = as.read({0, UINT32_MAX, "Invalid down interval", true});
  if (!down) return fail(down.error());
  if (*up + *down == 0) return fail(EINVAL, "Total (up + down) interval is zero");
  if (*up + *down > UINT32_MAX) return fail(EINVAL, "Total (up + down) interval too large");
  c.start = *start;
  c.up = static_cast<std::uint32_t>(*up);
  c.down = static_cast<std::uint32_t>(*down);
  if (auto r = parse_features(as, c); !r) return fail(r.error());
  auto dev = a.devices->open(path, *start, a.length);
  if (!dev) return fail(dev.error());
  if (!clock) clock = [] { return std::chrono::steady_clock::now(); };
  return std::make_unique<FlakeyTarget>(c, std::move(*dev), std::move(clock));
}

namespace {
Result<std::unique_ptr<core::Target>> create_flakey_default(const core::TargetArgs& a) {
  return create_flakey(a, {});
}
}  // namespace

const core::TargetType& flakey_target_type() {
  static const core::TargetType type{"flakey", {1, 5, 0}, 0, &create_flakey_default};
  return type;
}

}  // namespace udm::targets

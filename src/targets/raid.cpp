// raid: dm-raid, MD's personalities behind one target (src/raid/).
//   table:  <raid_type> <#raid_params> <chunk_size> [sync|nosync] [rebuild <idx>]...
//           [daemon_sleep <ms>] [min_recovery_rate <kB/s>] [max_recovery_rate <kB/s>]
//           [write_mostly <idx>]... [max_write_behind <sectors>] [stripe_cache <sectors>]
//           [region_size <sectors>] [raid10_copies <n>] [raid10_format near]
//           [delta_disks <n>] [data_offset <sectors>]
//           <#raid_devs> <meta0|-> <data0|-> ...
//   status: <raid_type> <#devs> <health> <sync_cur>/<sync_total> <sync_action> <mismatch_cnt> <data_offset> <journal>
//   table output: the parameters given, in the order above, then the devices as maj:min or '-'.
//   messages: idle, frozen, resync, recover, check, repair.
#include <algorithm>

#include "raid/raid_set.hpp"
#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

using raid::RaidConfig;
using raid::RaidSet;

class Raid final : public core::Target {
 public:
  explicit Raid(std::shared_ptr<RaidSet> set) : set_(std::move(set)) {}

  core::MapResult map(io::Request* r) override {
    set_->submit(r);
    return core::MapResult::held;
  }
  byte_count max_io_bytes(byte_count offset) const override { return set_->max_io_bytes(offset); }

  void io_hints(io::DeviceLimits& limits) const override {
    const auto& c = set_->config();
    if (c.type->level == 1 || !c.chunk) return;
    const std::uint64_t chunk = sectors_to_bytes(c.chunk);
    const unsigned data = c.type->level == 10 ? static_cast<unsigned>(set_->devices().size())
                                              : static_cast<unsigned>(set_->devices().size()) - c.type->parity_devs;
    if (chunk <= UINT32_MAX) limits.io_min = static_cast<std::uint32_t>(chunk);
    if (chunk * data <= UINT32_MAX) limits.io_opt = static_cast<std::uint32_t>(chunk * data);
  }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::info) return set_->status();
    return table_text();
  }

  Result<std::string> message(std::span<const std::string> args) override { return set_->message(args); }

  std::vector<io::BlockDevicePtr> devices() const override {
    std::vector<io::BlockDevicePtr> out;
    for (const auto& d : set_->devices()) {
      if (d.meta) out.push_back(d.meta);
      if (d.data) out.push_back(d.data);
    }
    return out;
  }

  Result<void> presuspend(bool) override {
    set_->pause();
    return {};
  }
  void presuspend_undo() override { set_->start(); }
  void postsuspend(bool) override { set_->write_state(); }
  Result<void> preresume() override { return set_->load(); }
  void resume() override { set_->start(); }

 private:
  std::string table_text() const {
    const RaidConfig& c = set_->config();
    std::vector<std::string> p;
    auto add = [&](const char* key, std::uint64_t v) {
      p.emplace_back(key);
      p.push_back(std::to_string(v));
    };
    if (c.sync) p.emplace_back("sync");
    if (c.nosync) p.emplace_back("nosync");
    for (unsigned i : c.rebuild) add("rebuild", i);
    if (c.given & RaidConfig::DAEMON_SLEEP) add("daemon_sleep", c.daemon_sleep_ms);
    if (c.given & RaidConfig::MIN_RATE) add("min_recovery_rate", c.min_recovery_rate);
    if (c.given & RaidConfig::MAX_RATE) add("max_recovery_rate", c.max_recovery_rate);
    for (unsigned i : c.write_mostly) add("write_mostly", i);
    if (c.given & RaidConfig::WRITE_BEHIND) add("max_write_behind", c.max_write_behind);
    if (c.given & RaidConfig::STRIPE_CACHE) add("stripe_cache", c.stripe_cache);
    if (c.given & RaidConfig::REGION_SIZE) add("region_size", c.region_size);
    if (c.given & RaidConfig::RAID10_COPIES) add("raid10_copies", c.raid10_copies);
    if (c.given & RaidConfig::RAID10_FORMAT) {
      p.emplace_back("raid10_format");
      p.push_back(c.raid10_format);
    }
    if (c.given & RaidConfig::DELTA_DISKS) {
      p.emplace_back("delta_disks");
      p.push_back(std::to_string(c.delta_disks));
    }
    if (c.given & RaidConfig::DATA_OFFSET) add("data_offset", c.data_offset);
    std::string s = c.type_name + " " + std::to_string(p.size() + 1) + " " + std::to_string(c.chunk);
    for (const auto& w : p) s += " " + w;
    s += " " + std::to_string(set_->devices().size());
    for (const auto& d : set_->devices()) {
      s += " " + (d.meta ? d.meta->table_name() : std::string("-"));
      s += " " + (d.data ? d.data->table_name() : std::string("-"));
    }
    return s;
  }

  std::shared_ptr<RaidSet> set_;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

Result<std::unique_ptr<core::Target>> create(const core::TargetArgs& a) {
  ArgSet args(a.args);
  const std::string* type_word = args.shift();
  if (!type_word) return fail(EINVAL, "Too few arguments");
  RaidConfig c;
  c.type = raid::find_raid_type(*type_word);
  if (!c.type) return fail(EINVAL, "Unrecognised raid_type");
  c.type_name = *type_word;
  auto nparams = args.read({1, UINT32_MAX, "Cannot understand number of RAID parameters"});
  if (!nparams) return fail(nparams.error());
  if (*nparams > args.size()) return fail(EINVAL, "Cannot understand number of RAID parameters");
  auto chunk = args.read({0, UINT32_MAX, "Bad numerical argument given for chunk_size"});
  if (!chunk) return fail(chunk.error());
  c.chunk = *chunk;
  if (c.type->level == 1) {
    c.chunk = 0;  // dm-raid ignores a raid1 chunk size (and prints 0 back)
  } else if (c.type->level != 1 && (c.chunk == 0 || (c.chunk & (c.chunk - 1)) || c.chunk < 8)) {
    return fail(EINVAL, "Chunk size must be a power of 2 and at least 8 sectors (4 KiB)");
  }
  std::vector<std::string> params(args.rest().begin(), args.rest().begin() + static_cast<std::ptrdiff_t>(*nparams - 1));
  args.consume(*nparams - 1);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string key = lower(params[i]);
    if (key == "sync" || key == "nosync") {
      if (c.sync || c.nosync) return fail(EINVAL, "Only one 'nosync' or 'sync' argument allowed");
      (key == "sync" ? c.sync : c.nosync) = true;
      continue;
    }
    if (i + 1 >= params.size()) return fail(EINVAL, "Wrong number of raid parameters given");
    const std::string& val = params[++i];
    if (key == "raid10_format") {
      if (c.type->level != 10) return fail(EINVAL, "'raid10_format' is an invalid parameter for this RAID type");
      if (val != "near") return fail(EINVAL, "Invalid 'raid10_format' value given (only 'near' is supported)");
      c.raid10_format = val;
      c.given |= RaidConfig::RAID10_FORMAT;
      continue;
    }
    if (key == "delta_disks") {
      if (val != "0" && val != "+0" && val != "-0")
        return fail(EINVAL, "delta_disks " + val + ": reshaping is not supported");
      c.given |= RaidConfig::DELTA_DISKS;
      continue;
    }
    std::uint64_t v = 0;
    if (!parse_in_range(val, 0, UINT32_MAX, v)) return fail(EINVAL, "Bad numerical argument given in raid params");
    if (key == "rebuild" || key == "write_mostly") {
      auto& list = key == "rebuild" ? c.rebuild : c.write_mostly;
      if (v >= raid::MAX_DEVICES) return fail(EINVAL, "Invalid " + key + " index given");
      if (std::find(list.begin(), list.end(), v) != list.end())
        return fail(EINVAL, key == "rebuild" ? "Only one rebuild per device allowed" : "Only one write_mostly per device allowed");
      list.push_back(static_cast<unsigned>(v));
      std::sort(list.begin(), list.end());
      continue;
    }
    struct Num {
      const char* name;
      std::uint64_t* field;
      std::uint32_t flag;
    } nums[] = {
        {"daemon_sleep", &c.daemon_sleep_ms, RaidConfig::DAEMON_SLEEP},
        {"min_recovery_rate", &c.min_recovery_rate, RaidConfig::MIN_RATE},
        {"max_recovery_rate", &c.max_recovery_rate, RaidConfig::MAX_RATE},
        {"max_write_behind", &c.max_write_behind, RaidConfig::WRITE_BEHIND},
        {"stripe_cache", &c.stripe_cache, RaidConfig::STRIPE_CACHE},
        {"region_size", &c.region_size, RaidConfig::REGION_SIZE},
        {"raid10_copies", &c.raid10_copies, RaidConfig::RAID10_COPIES},
        {"data_offset", &c.data_offset, RaidConfig::DATA_OFFSET},
    };
    bool known = false;
    for (const auto& n : nums) {
      if (key != n.name) continue;
      if (c.given & n.flag) return fail(EINVAL, std::string("Only one ") + n.name + " argument allowed");
      *n.field = v;
      c.given |= n.flag;
      known = true;
    }
    if (!known) return fail(EINVAL, "Unable to parse RAID parameter: " + params[i - 1]);
  }
  if (c.daemon_sleep_ms && (c.daemon_sleep_ms < 1 || c.daemon_sleep_ms > 100000))
    return fail(EINVAL, "daemon sleep period out of range");
  if ((c.given & RaidConfig::MIN_RATE) && (c.given & RaidConfig::MAX_RATE) && c.min_recovery_rate > c.max_recovery_rate)
    return fail(EINVAL, "Bogus recovery rates");
  if ((c.given & RaidConfig::RAID10_COPIES) && c.type->level != 10)
    return fail(EINVAL, "'raid10_copies' is an invalid parameter for this RAID type");

  auto ndevs = args.read({1, raid::MAX_DEVICES, "Cannot understand number of raid devices parameters"});
  if (!ndevs) return fail(ndevs.error());
  if (args.size() != 2 * *ndevs) return fail(EINVAL, "Supplied RAID devices does not match the count given");
  if (*ndevs < c.type->min_devs)
    return fail(EINVAL, "Insufficient number of devices: " + c.type_name + " needs at least " +
                            std::to_string(c.type->min_devs));
  for (unsigned i : c.rebuild)
    if (i >= *ndevs) return fail(EINVAL, "Invalid rebuild index given");
  for (unsigned i : c.write_mostly)
    if (i >= *ndevs) return fail(EINVAL, "Invalid write_mostly index given");
  if (c.type->level != 1 && !c.write_mostly.empty())
    return fail(EINVAL, "write_mostly option is only valid for RAID1");

  // The size each data device needs, to open it for the right range.
  const unsigned n = static_cast<unsigned>(*ndevs);
  sector_t dev_sectors = a.length;
  if (c.type->level == 10) dev_sectors = a.length * c.copies() / n;
  else if (c.type->level != 1 && n > c.type->parity_devs) dev_sectors = a.length / (n - c.type->parity_devs);

  std::vector<raid::LegDevices> legs(n);
  unsigned missing = 0;
  for (unsigned i = 0; i < n; ++i) {
    const std::string& meta = args.rest()[2 * i];
    const std::string& data = args.rest()[2 * i + 1];
    const std::string field = "leg " + std::to_string(i);
    if (data == "-") {
      if (meta != "-") return fail(EINVAL, field + ": a metadata device without a data device");
      ++missing;
      continue;
    }
    if (meta != "-") {
      auto m = open_device(a, meta, 0, 8, field + " metadata device");
      if (!m) return fail(m.error());
      legs[i].meta = std::move(*m);
    }
    auto d = open_device(a, data, c.data_offset, dev_sectors, field + " data device");
    if (!d) return fail(d.error());
    legs[i].data = std::move(*d);
  }
  const bool any_meta = std::any_of(legs.begin(), legs.end(), [](const raid::LegDevices& l) { return l.meta != nullptr; });
  // Without metadata nothing says the set is in sync, so nothing can be rebuilt from it.
  if (!any_meta && !c.rebuild.empty() && !c.nosync) return fail(EINVAL, "Unable to rebuild drive while array is not in-sync");
  const unsigned can_lose = c.type->level == 1 ? n - 1 : c.type->level == 10 ? c.copies() - 1 : c.type->parity_devs;
  if (missing > can_lose) return fail(EINVAL, "Insufficient redundancy to activate array");
  auto set = RaidSet::create(std::move(c), std::move(legs), a.length, a.raise_event);
  if (!set) return fail(set.error());
  return std::unique_ptr<core::Target>(new Raid(std::move(*set)));
}

}  // namespace

const core::TargetType& raid_target_type() {
  static const core::TargetType type{"raid", {1, 15, 1}, 0, create};
  return type;
}

}  // namespace udm::targets

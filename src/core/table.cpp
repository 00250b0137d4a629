#include "core/table.hpp"

#include <algorithm>

#include "core/limits.hpp"
#include "core/target_services.hpp"

namespace udm::core {
namespace {

constexpr std::size_t MAX_TARGETS = 1u << 20;  // the kernel's limit per table

std::string line_prefix(const TableLine& l) { return "table line " + std::to_string(l.line_no) + ": "; }

}  // namespace

Result<std::unique_ptr<Table>> Table::build(std::span<const TableLine> lines, const TargetRegistry& registry,
                                            DeviceOpener& devices, bool read_only,
                                            std::function<void()> raise_event) {
  if (lines.empty()) return fail(EINVAL, "table has no targets");
  if (lines.size() > MAX_TARGETS)
    return fail(EOVERFLOW, "table has " + std::to_string(lines.size()) + " targets, at most " +
                               std::to_string(MAX_TARGETS) + " are allowed");

  // Check the whole layout before running any constructor, so a bad line 900
  // does not first open 899 lines' worth of devices.
  std::vector<const TargetType*> types;
  types.reserve(lines.size());
  sector_t expected = 0;
  bool any_immutable = false, mixed = false;
  for (const auto& l : lines) {
    const auto pre = line_prefix(l);
    const TargetType* type = registry.find(l.type);
    if (!type) return fail(EINVAL, pre + "type: unknown target type '" + l.type + "'");
    if (l.length == 0) return fail(EINVAL, pre + "length: a target length must not be zero");
    if (l.start != expected) {
      const char* what = l.start < expected ? "overlaps the previous target" : "gap in table";
      return fail(EINVAL, pre + "start: " + what + ": expected sector " + std::to_string(expected) + ", got " +
                              std::to_string(l.start));
    }
    // As the kernel: the end must stay within LLONG_MAX bytes (off_t is signed).
    if (l.length >= MAX_DEVICE_SECTORS || l.start >= MAX_DEVICE_SECTORS - l.length)
      return fail(EINVAL, pre + "length: the table would end past 2^63 bytes (start " + std::to_string(l.start) +
                              " + length " + std::to_string(l.length) + " sectors)");
    if ((type->features & TARGET_SINGLETON) && lines.size() > 1)
      return fail(EINVAL, pre + l.type + ": type: a singleton target must be alone in its table");
    if ((type->features & TARGET_ALWAYS_WRITEABLE) && read_only)
      return fail(EINVAL, pre + l.type + ": type: this target cannot be loaded read-only");
    any_immutable |= (type->features & TARGET_IMMUTABLE) != 0;
    mixed |= !types.empty() && types.front() != type;
    if (any_immutable && mixed)
      return fail(EINVAL, pre + l.type + ": type: an immutable target cannot be mixed with other target types");
    types.push_back(type);
    expected = l.start + l.length;
  }

  auto table = std::unique_ptr<Table>(new Table());
  table->read_only_ = read_only;
  table->entries_.reserve(lines.size());
  table->ends_.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    auto args = split_params(l.params);
    TargetArgs ta{l.start, l.length, read_only, args, &devices, raise_event, devices.self(), &registry.services()};
    auto target = types[i]->create(ta);
    if (!target) return fail(with_context(line_prefix(l) + l.type + ": ", std::move(target.error())));
    // The kernel's iterate_devices + io_hints, then its check that every
    // target starts and ends on a logical block of the devices below.
    io::DeviceLimits limits = stack_devices((*target)->devices());
    (*target)->io_hints(limits);
    limits = normalize_limits(limits);
    const sector_t block = limits.logical_block_size / SECTOR_SIZE;
    if (l.start % block || l.length % block)
      return fail(EINVAL, line_prefix(l) + l.type + ": start sector " + std::to_string(l.start) + " length " +
                              std::to_string(l.length) + " is not aligned to the logical block size " +
                              std::to_string(limits.logical_block_size) + " of the devices below");
    table->limits_ = i == 0 ? limits : stack_limits(table->limits_, limits);
    table->entries_.push_back(Entry{l.start, l.length, types[i], std::move(*target)});
    table->ends_.push_back(l.start + l.length);
  }
  return table;
}

sector_t Table::size() const { return ends_.empty() ? 0 : ends_.back(); }

std::size_t Table::find(sector_t sector) const {
  return static_cast<std::size_t>(std::upper_bound(ends_.begin(), ends_.end(), sector) - ends_.begin());
}

std::vector<io::BlockDevicePtr> Table::devices() const {
  std::vector<io::BlockDevicePtr> out;
  for (const auto& e : entries_)
    for (auto& d : e.target->devices())
      if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(std::move(d));
  return out;
}

}  // namespace udm::core

// A table: sorted, contiguous targets built once from table lines. The I/O
// path looks targets up by sector and never parses text.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/table_line.hpp"
#include "core/target.hpp"
#include "core/target_registry.hpp"

namespace udm::core {

class Table {
 public:
  struct Entry {
    sector_t begin = 0;
    sector_t length = 0;
    const TargetType* type = nullptr;
    std::unique_ptr<Target> target;
  };

  // Builds every target. Refuses, naming the line and the field: an empty
  // table, a gap or overlap, zero length, an unknown type, bad or missing
  // arguments, devices that do not exist or are too small, a size past 2^63
  // bytes, a singleton that is not alone, a target not aligned to the logical
  // block size of the devices under it. Nothing is kept on failure.
  // `raise_event` is handed to every target (TargetArgs::raise_event).
  static Result<std::unique_ptr<Table>> build(std::span<const TableLine> lines,
                                              const TargetRegistry& registry,
                                              DeviceOpener& devices, bool read_only,
                                              std::function<void()> raise_event = {});

  sector_t size() const;  // sectors
  std::size_t target_count() const { return entries_.size(); }
  const Entry& entry(std::size_t i) const { return entries_[i]; }
  std::span<const Entry> entries() const { return entries_; }
  bool read_only() const { return read_only_; }
  // Block sizes and I/O hints of the whole table, stacked (limits.hpp).
  const io::DeviceLimits& limits() const { return limits_; }

  // Index of the target covering `sector` (< size()). O(log n).
  std::size_t find(sector_t sector) const;

  // Distinct devices the targets opened, in first-use order.
  std::vector<io::BlockDevicePtr> devices() const;

 private:
  std::vector<Entry> entries_;
  std::vector<sector_t> ends_;  // entries_[i].begin + length, for binary search
  bool read_only_ = false;
  io::DeviceLimits limits_;
};

}  // namespace udm::core

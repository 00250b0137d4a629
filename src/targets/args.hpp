// Helpers for target constructors: numbers and devices from split table
// parameters, with errors that name the field. ArgSet reads arguments in
// order as the kernel's dm_arg_set does (dm_read_arg, dm_read_arg_group,
// dm_shift_arg, dm_consume_args): every number is checked against a range
// whose error is the one message the table load fails with.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/target.hpp"

namespace udm::targets {

// The kernel's struct dm_arg: accepted range and the error for anything else
// (not a decimal number, out of range, missing). With `quote`, the offending
// word follows the message: "Invalid delay 'x'".
struct ArgRange {
  std::uint64_t min = 0;
  std::uint64_t max = UINT64_MAX;
  std::string_view error;
  bool quote = false;
};

class ArgSet {
 public:
  explicit ArgSet(std::span<const std::string> args) : args_(args) {}

  std::size_t size() const { return args_.size(); }  // words left
  bool empty() const { return args_.empty(); }
  std::span<const std::string> rest() const { return args_; }

  // The next word, consumed; null when none is left (dm_shift_arg).
  const std::string* shift();
  // The next number within `range`, consumed (dm_read_arg).
  Result<std::uint64_t> read(const ArgRange& range);
  // A group's word count within `range` that must not exceed the words left
  // after it, consumed; the group's words are not (dm_read_arg_group).
  Result<std::size_t> read_group(const ArgRange& range);
  // Skips `n` words (at most what is left).
  void consume(std::size_t n);

 private:
  std::span<const std::string> args_;
};

// A decimal unsigned number within [min, max], else nullopt-like false.
bool parse_in_range(std::string_view text, std::uint64_t min, std::uint64_t max, std::uint64_t& out);

// A decimal unsigned number: "offset: 'x1' is not a number".
Result<std::uint64_t> parse_number(std::string_view text, std::string_view field);

// Opens `arg` for sectors [offset, offset + length): errors are prefixed with
// the field name ("device: device 8:16 is too small: ...").
Result<io::BlockDevicePtr> open_device(const core::TargetArgs& args, const std::string& arg, sector_t offset,
                                       sector_t length, std::string_view field = "device");

// "expected 2 arguments <dev> <offset>, got 3"
Error wrong_arg_count(std::size_t got, std::string_view expected);

}  // namespace udm::targets

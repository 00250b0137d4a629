// Helpers for target constructors: numbers and devices from split table
// parameters, with errors that name the field.
#pragma once

#include <string>
#include <string_view>

#include "core/target.hpp"

namespace udm::targets {

// A decimal unsigned number: "offset: 'x1' is not a number".
Result<std::uint64_t> parse_number(std::string_view text, std::string_view field);

// Opens `arg` for sectors [offset, offset + length): errors are prefixed with
// the field name ("device: device 8:16 is too small: ...").
Result<io::BlockDevicePtr> open_device(const core::TargetArgs& args, const std::string& arg, sector_t offset,
                                       sector_t length, std::string_view field = "device");

// "expected 2 arguments <dev> <offset>, got 3"
Error wrong_arg_count(std::size_t got, std::string_view expected);

}  // namespace udm::targets

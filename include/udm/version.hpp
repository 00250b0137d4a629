// A major.minor.patch version: of a control command (struct dm_ioctl's
// version[3]), of a target type, of the driver. One type for the ABI, the
// core, the daemon and libudm (abi::CommandVersion, core::Version and
// client::Version name it).
// Public: libudm's C++ API returns it (src/base/version.hpp forwards here).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace udm {

struct Version {
  std::uint32_t major = 0, minor = 0, patch = 0;
  constexpr bool operator==(const Version&) const = default;
  constexpr auto operator<=>(const Version&) const = default;
  std::string to_string() const {  // "4.48.0"
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
};

}  // namespace udm

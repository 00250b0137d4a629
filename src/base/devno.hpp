// Device numbers. The dm ABI carries dev_t in the kernel's "huge" encoding,
// which is not glibc's makedev layout; keep the two apart by type.
#pragma once

#include <cstdint>
#include <string>
#include <sys/sysmacros.h>

namespace udm {

struct DevNo {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;

  constexpr bool operator==(const DevNo&) const = default;
  constexpr bool empty() const { return major == 0 && minor == 0; }

  // Kernel huge encoding used in dm_ioctl.dev and dm_target_deps.
  constexpr std::uint64_t to_huge() const {
    return (std::uint64_t{minor} & 0xff) | (std::uint64_t{major} << 8) |
           ((std::uint64_t{minor} & ~std::uint64_t{0xff}) << 12);
  }
  static constexpr DevNo from_huge(std::uint64_t d) {
    return DevNo{static_cast<std::uint32_t>((d & 0xfff00) >> 8),
                 static_cast<std::uint32_t>((d & 0xff) | ((d >> 12) & 0xfff00))};
  }
  // glibc dev_t, as in struct stat.
  static DevNo from_dev_t(dev_t d) { return DevNo{::major(d), ::minor(d)}; }
  dev_t to_dev_t() const { return ::makedev(major, minor); }

  std::string to_string() const { return std::to_string(major) + ":" + std::to_string(minor); }
};

// The block major udm's mapped devices report (252 is what dmsetup shows
// for dm on machines like this one, and no real driver here uses it).
inline constexpr std::uint32_t UDM_BLOCK_MAJOR = 252;

}  // namespace udm

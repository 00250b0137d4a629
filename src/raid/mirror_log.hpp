// The legacy mirror target's region log on disk (dm-log.c's "disk" log):
// sector 0 holds a header (le32 magic "MiRr" 0x4D695272, le32 version 2,
// le64 nr_regions), the clean-region bits start at sector 2, one bit per
// region, little-endian bit order, a set bit meaning "in sync and not being
// written".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.hpp"

namespace udm::raid {

inline constexpr std::uint32_t MIRROR_LOG_MAGIC = 0x4D695272;
inline constexpr std::uint32_t MIRROR_LOG_VERSION = 2;
inline constexpr std::size_t MIRROR_LOG_BITS_OFFSET = 1024;  // sector 2

struct MirrorLogHeader {
  std::uint32_t magic = MIRROR_LOG_MAGIC;
  std::uint32_t version = MIRROR_LOG_VERSION;
  std::uint64_t nr_regions = 0;
};

enum class LogKind { blank, valid };

// A header whose magic is not "MiRr" is `blank` (the kernel then formats the
// log); a known magic with an unknown version, or a region count that does
// not match `regions`, is an error naming it.
Result<LogKind> decode_mirror_log_header(std::span<const std::byte> sector, std::uint64_t regions,
                                         MirrorLogHeader& out);
void encode_mirror_log_header(const MirrorLogHeader& h, std::span<std::byte> sector);

}  // namespace udm::raid

// Known on-disk signatures (filesystems, swap, LVM2 labels, LUKS, partition
// tables) found by their magic bytes at fixed offsets, as blkid probes them:
// what lvcreate and pvcreate look for before reusing space, with blkid's type
// names and the offset of the magic that wiping clears.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace udm::lvm::api {

struct Signature {
  std::string type;           // blkid's TYPE: "ext4", "xfs", "swap", "LVM2_member", ...
  std::uint64_t offset = 0;   // byte offset of the magic from the start of the device
  std::uint32_t length = 0;   // bytes of magic; wiping zeroes exactly these
  bool operator==(const Signature&) const = default;
};

// Bytes at the start of a device that cover every magic in the table (the
// btrfs superblock at 64 KiB and swap signatures for pages up to 64 KiB).
inline constexpr std::size_t SIGNATURE_PROBE_BYTES = 69632;

// The signatures found in `head`, the first bytes of a device (up to
// SIGNATURE_PROBE_BYTES; a shorter buffer is probed as far as it goes).
std::vector<Signature> find_signatures(std::span<const std::byte> head);

}  // namespace udm::lvm::api

#include "lvm/api/signatures.hpp"

#include <cstring>
#include <string_view>

namespace udm::lvm::api {
namespace {

bool has(std::span<const std::byte> b, std::uint64_t off, std::string_view magic) {
  if (off > b.size() || magic.size() > b.size() - off) return false;
  return std::memcmp(b.data() + off, magic.data(), magic.size()) == 0;
}

std::uint32_t le32(std::span<const std::byte> b, std::uint64_t off) {
  if (off > b.size() || b.size() - off < 4) return 0;
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint32_t>(b[off + i]);
  return v;
}

// ext2/3/4 share one superblock at 1024 whose magic 0xEF53 is at byte 56;
// the feature flags tell them apart as blkid does: a journal makes ext3,
// ext4-only features (extents, 64bit, flex_bg, huge files, checksums) ext4.
void probe_ext(std::span<const std::byte> b, std::vector<Signature>& out) {
  constexpr std::uint64_t sb = 1024;
  if (!has(b, sb + 56, std::string_view("\x53\xef", 2))) return;
  const std::uint32_t compat = le32(b, sb + 0x5c);
  const std::uint32_t incompat = le32(b, sb + 0x60);
  const std::uint32_t ro_compat = le32(b, sb + 0x64);
  constexpr std::uint32_t JOURNAL_DEV = 0x0008;
  if (incompat & JOURNAL_DEV) {
    out.push_back({"jbd", sb + 56, 2});
    return;
  }
  constexpr std::uint32_t EXT4_INCOMPAT = 0x0040 | 0x0080 | 0x0100 | 0x0200 | 0x0400 | 0x1000 | 0x8000 | 0x10000;
  constexpr std::uint32_t EXT4_RO_COMPAT = 0x0008 | 0x0010 | 0x0020 | 0x0040 | 0x0400;
  const char* type = "ext2";
  if ((incompat & EXT4_INCOMPAT) || (ro_compat & EXT4_RO_COMPAT)) type = "ext4";
  else if (compat & 0x0004) type = "ext3";
  out.push_back({type, sb + 56, 2});
}

// An MBR partition table: the boot signature plus at least one entry that
// looks like a partition (boot flag 0 or 0x80, a type, a length). A
// protective MBR (type 0xEE) is blkid's "PMBR".
void probe_mbr(std::span<const std::byte> b, std::vector<Signature>& out) {
  if (!has(b, 510, std::string_view("\x55\xaa", 2))) return;
  bool any = false;
  bool protective = false;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t e = 446 + 16 * i;
    const auto boot = std::to_integer<unsigned>(b[e]);
    const auto type = std::to_integer<unsigned>(b[e + 4]);
    if (boot != 0 && boot != 0x80) return;
    if (type == 0) continue;
    if (le32(b, e + 12) == 0) continue;
    any = true;
    if (type == 0xee) protective = true;
  }
  if (!any) return;
  out.push_back({protective ? "PMBR" : "dos", 510, 2});
}

}  // namespace

std::vector<Signature> find_signatures(std::span<const std::byte> head) {
  std::vector<Signature> out;
  // Superblocks at the start of the device.
  if (has(head, 0, "XFSB")) out.push_back({"xfs", 0, 4});
  if (has(head, 0, std::string_view("LUKS\xba\xbe", 6))) out.push_back({"crypto_LUKS", 0, 6});
  probe_ext(head, out);
  if (has(head, 65536 + 64, "_BHRfS_M")) out.push_back({"btrfs", 65536 + 64, 8});
  // Swap: the magic ends the first page, whatever the page size was.
  for (std::uint64_t page = 4096; page <= 65536; page *= 2) {
    if (has(head, page - 10, "SWAPSPACE2")) out.push_back({"swap", page - 10, 10});
    else if (has(head, page - 10, "SWAP-SPACE")) out.push_back({"swap", page - 10, 10});
    else continue;
    break;
  }
  // An LVM2 label in any of the first four sectors; blkid reports and wipes
  // its type string "LVM2 001" 24 bytes into the sector.
  for (std::uint64_t s = 0; s < 4; ++s)
    if (has(head, s * 512, "LABELONE") && has(head, s * 512 + 24, "LVM2 001")) {
      out.push_back({"LVM2_member", s * 512 + 24, 8});
      break;
    }
  // Partition tables.
  if (has(head, 512, "EFI PART")) out.push_back({"gpt", 512, 8});
  probe_mbr(head, out);
  return out;
}

}  // namespace udm::lvm::api

// The binary structures of an LVM2 PV (LVM2-FORMAT.md §2-4) as in-core types,
// with decode (validating every field and length) and encode (computing the
// CRCs). On disk everything is little-endian; nothing here memcpy's a struct.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/units.hpp"

namespace udm::lvm::format {

inline constexpr std::size_t LABEL_SCAN_SECTORS = 4;  // readers search sectors 0-3
inline constexpr std::size_t LABEL_SIZE = 512;
inline constexpr std::size_t MDA_HEADER_SIZE = 512;
inline constexpr std::uint32_t PV_EXT_VERSION = 2;
inline constexpr std::uint32_t PV_EXT_USED = 1;        // pv_header_extension flag: PV is in a VG
inline constexpr std::uint32_t RAW_LOCN_IGNORED = 1;  // raw_locn flag: mda not used
inline constexpr std::uint32_t MDA_VERSION = 1;
inline constexpr std::string_view LABEL_ID = "LABELONE";
inline constexpr std::string_view LABEL_TYPE = "LVM2 001";
inline constexpr std::array<std::uint8_t, 16> MDA_MAGIC = {0x20, 0x4c, 0x56, 0x4d, 0x32, 0x20, 0x78, 0x5b,
                                                          0x35, 0x41, 0x25, 0x72, 0x30, 0x4e, 0x2a, 0x3e};

// A {offset, size} pair in bytes from the device start. Size 0 on a data area
// means "to the end of the device".
struct DiskLocn {
  byte_count offset = 0;
  byte_count size = 0;
  bool operator==(const DiskLocn&) const = default;
};

// label_header + pv_header + pv_header_extension of one PV.
struct PvLabel {
  std::uint64_t sector = 1;        // sector the label sits in (0-3)
  std::string pv_id;               // raw 32 characters
  byte_count device_size = 0;      // bytes, as recorded when pvcreate ran
  std::vector<DiskLocn> data_areas;      // normally one: {pe_start bytes, 0}
  std::vector<DiskLocn> metadata_areas;  // 0, 1 or 2 mdas
  std::uint32_t ext_version = PV_EXT_VERSION;  // 0 = no extension (old lvm)
  std::uint32_t ext_flags = 0;
  std::vector<DiskLocn> bootloader_areas;

  bool in_use() const { return ext_flags & PV_EXT_USED; }
  bool operator==(const PvLabel&) const = default;
};

// Decode a 512-byte label sector found at `sector`. Errors: wrong id/type,
// bad CRC, sector number that disagrees, lists that run off the sector.
Result<PvLabel> decode_label(std::span<const std::byte> sector_bytes, std::uint64_t sector);
// True when the sector starts with "LABELONE" (before any check).
bool looks_like_label(std::span<const std::byte> sector_bytes);
// Encode the label sector (512 bytes) with its CRC. Errors if the lists do not fit.
Result<std::array<std::byte, LABEL_SIZE>> encode_label(const PvLabel& label);

// One raw_locn: where a copy of the text is inside the mda.
struct RawLocn {
  byte_count offset = 0;  // from the mda start; the first copy is at 512
  byte_count size = 0;    // text length including its NUL
  std::uint32_t checksum = 0;
  std::uint32_t flags = 0;

  bool empty() const { return offset == 0 && size == 0; }
  bool ignored() const { return flags & RAW_LOCN_IGNORED; }
  bool operator==(const RawLocn&) const = default;
};

// The 512-byte header of a metadata area.
struct MdaHeader {
  std::uint32_t version = MDA_VERSION;
  byte_count start = 0;  // absolute offset of the mda
  byte_count size = 0;   // whole area including this header
  RawLocn committed;     // slot 0
  RawLocn precommitted;  // slot 1
  bool operator==(const MdaHeader&) const = default;
};

// Decode and check (CRC, magic, version, start, the slot locations inside the area).
// `expected` is the mda's disk_locn from the pv_header.
Result<MdaHeader> decode_mda_header(std::span<const std::byte> bytes, const DiskLocn& expected);
std::array<std::byte, MDA_HEADER_SIZE> encode_mda_header(const MdaHeader& header);

// lvm2's "bad_fields" bits for a damaged metadata area (vgck --updatemetadata
// prints them: "repairing bad metadata (0x14) in mda1 ...").
inline constexpr std::uint32_t BAD_MDA_READ = 0x2;
inline constexpr std::uint32_t BAD_MDA_HEADER = 0x4;
inline constexpr std::uint32_t BAD_MDA_TEXT = 0x8;
inline constexpr std::uint32_t BAD_MDA_CHECKSUM = 0x10;
inline constexpr std::uint32_t BAD_MDA_MAGIC = 0x20;
inline constexpr std::uint32_t BAD_MDA_VERSION = 0x40;
inline constexpr std::uint32_t BAD_MDA_START = 0x80;

// What lvm2 checks of an mda header, in its order (checksum, magic, version,
// start; it checks them all and names each one that is wrong), for a header
// decode_mda_header refused: lvm2's words for each ("wrong checksum 9d323171"
// (the stored value), "wrong magic number", "wrong version 2", "wrong start
// sector 8192"; none when lvm2's checks pass but ours did not) and the bits.
struct MdaHeaderFault {
  std::vector<std::string> words;
  std::uint32_t bad_fields = BAD_MDA_HEADER;
};
MdaHeaderFault classify_mda_header(std::span<const std::byte> bytes, const DiskLocn& expected);

// Little-endian helpers, bounds-checked by the callers.
std::uint32_t get_le32(const std::byte* p);
std::uint64_t get_le64(const std::byte* p);
void put_le32(std::byte* p, std::uint32_t v);
void put_le64(std::byte* p, std::uint64_t v);

}  // namespace udm::lvm::format

// The circular text buffer of a metadata area (LVM2-FORMAT.md §5): the bytes
// [start+512, start+size). A copy that does not fit before the end wraps to
// offset 512. Readers go only by raw_locn; old copies stay in place.
#pragma once

#include <string>
#include <string_view>

#include "lvm/format/device.hpp"
#include "lvm/format/disk.hpp"

namespace udm::lvm::format {

// The largest copy (text + NUL) an mda of `mda_size` bytes takes, so that the
// new copy never overlaps the committed one: (size - 512) / 2 - 512.
byte_count max_text_size(byte_count mda_size);

// Reads the copy `locn` points at (joining the two parts of a wrapped copy),
// checks its CRC, and returns the text without its trailing NUL(s). On a CRC
// mismatch the error is EBADMSG and, when `unchecked` is given, it receives
// the text as read (its VG name still tells which VG lost a copy).
Result<std::string> read_mda_text(PvDevice& dev, const MdaHeader& mda, const RawLocn& locn,
                                  std::string* unchecked = nullptr);

// Where the next copy goes: at 512 when slot 0 is empty or ignored, else at
// the first 512-aligned offset after the committed copy's last byte, back at
// 512 when fewer than 512 bytes would remain. `text_size` includes the NUL.
Result<byte_count> next_text_offset(const MdaHeader& mda, byte_count text_size);

// Writes `text` plus a NUL at `offset` (wrapping), zero-padded to the next
// 512-byte boundary. Returns the raw_locn to record (offset, size, crc).
Result<RawLocn> write_mda_text(PvDevice& dev, const MdaHeader& mda, byte_count offset, std::string_view text);

}  // namespace udm::lvm::format

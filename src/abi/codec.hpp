// The bounded codec of the control ABI: typed values in, dm_ioctl bytes out,
// and back. Used by udmd (decode requests, encode replies) and by libudm
// (encode requests, decode replies); the same bytes go to a real kernel's
// /dev/mapper/control with ioctl(2).
//
// Conventions (all functions):
// - Buffers are native-endian (x86_64 little-endian) bytes in the layout of
//   dm_ioctl.hpp; nothing here requires the buffer to be aligned.
// - "buffer" means the WHOLE dm_ioctl buffer (header at offset 0, its size is
//   the request's data_size or the reply's data_size); "payload" means the
//   bytes from data_start to the end of that buffer.
// - Every decode returns Result and bounds-checks every length, offset and
//   string against the bytes it was given: EINVAL with a message naming the
//   field that is wrong. Decoders never read past the span.
// - Encoders return the payload bytes only; the caller places them at
//   data_start (PAYLOAD_OFFSET = 312, 8-aligned) with encode_request().
//
// The two `next` conventions of dm_target_spec (pinned by tests/unit/abi):
//   TABLE_LOAD input:               next = offset from THIS spec to the next.
//   TABLE_STATUS / DEV_WAIT output: next = offset from the FIRST spec
//                                   (dmi + data_start) to the next.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/commands.hpp"
#include "abi/dm_ioctl.hpp"
#include "base/result.hpp"
#include "base/units.hpp"

namespace udm::abi {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// ---------------------------------------------------------------- header

// The fixed part of struct dm_ioctl as typed values.
struct Header {
  CommandVersion version{};
  std::uint32_t data_size = 0;
  std::uint32_t data_start = 0;
  std::uint32_t target_count = 0;
  std::int32_t open_count = 0;
  std::uint32_t flags = 0;
  std::uint32_t event_nr = 0;
  std::uint64_t dev = 0;  // kernel huge encoding: DevNo::to_huge()/from_huge()
  std::string name;       // at most NAME_LEN-1 (127) bytes
  std::string uuid;       // at most UUID_LEN-1 (128) bytes
};

// Reads the 305-byte header (HEADER_MIN_SIZE). EINVAL if `buffer` is shorter.
// name/uuid end at their first NUL; like the kernel, a field without a NUL is
// cut at 127/128 bytes (the kernel forces name[127] = uuid[128] = 0).
// No semantic checks (data_size, flags): that is the daemon's job.
Result<Header> decode_header(ByteView buffer);

// Reads version[3] only (12 bytes): what an error reply carries.
Result<CommandVersion> decode_version(ByteView buffer);

// Writes the header into out[0, 305), zero-filling name/uuid past their NUL.
// EINVAL if out is shorter than 305 or name/uuid are too long.
Result<void> encode_header(const Header& header, std::span<std::uint8_t> out);

// A whole request buffer: the header, then `payload` at PAYLOAD_OFFSET (312).
// Sets data_start = 312 and data_size = max(312 + payload, min_size), so a
// caller can ask for room for the reply (libdm starts at 16 KiB). The header's
// own data_size/data_start are ignored. The rest of the buffer is zero.
Result<Bytes> encode_request(const Header& header, ByteView payload, std::uint32_t min_size = 0);

// ------------------------------------------------------- target spec chains

// One target: a TABLE_LOAD input spec, or a TABLE_STATUS/DEV_WAIT output spec.
struct TargetSpecText {
  sector_t start = 0;
  sector_t length = 0;
  std::string type;  // at most MAX_TYPE_NAME-1 (15) bytes
  std::string text;  // load: parameters; output: status text or table line
  std::int32_t status = 0;  // ignored on input; 0 on output
};

// TABLE_LOAD payload: each spec, its NUL-terminated parameters, padding to 8;
// next = offset from the current spec to the next. As libdm does, the last
// spec's next is its own padded size too (the kernel never reads it).
// EINVAL for a type name longer than 15 bytes or a NUL inside the text.
Result<Bytes> encode_load_specs(std::span<const TargetSpecText> specs);

// Decodes a TABLE_LOAD request with the kernel's 4.48 checks: target_count in
// 1..MAX_TARGETS (0: EINVAL "no targets specified"; more: EOVERFLOW); the first
// spec at data_start >= 312 (sizeof(dm_ioctl)); each next a multiple of 8,
// not pointing back into the previous spec or its parameters, leaving room
// for a whole spec plus one byte before the end; parameters NUL-terminated
// inside `buffer`. Spec `type` is read up to its first NUL (at most 16 bytes).
inline constexpr std::uint32_t MAX_TARGETS = 1u << 20;
Result<std::vector<TargetSpecText>> decode_load_specs(ByteView buffer, std::uint32_t data_start,
                                                      std::uint32_t target_count);

// TABLE_STATUS/DEV_WAIT reply payload, built like the kernel's retrieve_status
// into `room` bytes (= data_size - 312 of the request; 0 if smaller):
// next = offset from the first spec; each text NUL-terminated and padded to 8.
// Stops at the first target that does not fit (room left <= 40 for its spec,
// or its text + NUL would fill the rest exactly or overflow): buffer_full.
struct StatusPayload {
  Bytes payload;           // bytes to place at data_start (may include padding)
  std::uint32_t used = 0;  // bytes up to the last complete text's NUL; reply data_size
                           // = 312 + used, or stays 305 when used == 0
  std::uint32_t complete = 0;  // specs written
  bool buffer_full = false;    // set DM_BUFFER_FULL_FLAG
};
StatusPayload encode_status_specs(std::span<const TargetSpecText> specs, std::size_t room);

// Decodes `target_count` output specs of a reply. `buffer` is the reply
// buffer (data_size bytes). Checks every spec and text lies inside it.
Result<std::vector<TargetSpecText>> decode_status_specs(ByteView buffer, std::uint32_t data_start,
                                                        std::uint32_t target_count);

// --------------------------------------------------------------- name lists

// One LIST_DEVICES record.
struct NameEntry {
  std::uint64_t dev = 0;  // huge encoding
  std::string name;
  std::uint32_t event_nr = 0;  // only on the wire with the 4.38 trailer
  std::uint32_t flags = 0;     // NAME_LIST_FLAG_*; only with the trailer
  std::optional<std::string> uuid;  // present when flags has NAME_LIST_FLAG_HAS_UUID
};

// Which optional parts the reply carries.
struct NameListForm {
  bool event_trailer = true;  // list_devices >= 4.38: {u32 event_nr, u32 flags}
  bool uuids = false;         // list_devices >= 4.45 and UUID_FLAG in the request
};

// Exact bytes the records need (the kernel's `needed`): reply data_size =
// 312 + this. 0 for no entries.
std::size_t name_list_size(std::span<const NameEntry> entries, NameListForm form);

// The records; empty for no entries (the caller then writes a zero `dev` if
// it has room, see the note on LIST_DEVICES in ABI.md §6.3). With form.uuids,
// flags is set from whether the entry has a non-empty uuid (the caller's
// flags are ignored); without, flags = 0.
Bytes encode_name_list(std::span<const NameEntry> entries, NameListForm form);

// Decodes the payload (data_start..data_size). An empty payload or a first
// record with dev == 0 is an empty list. `event_trailer`: the driver's
// list_devices version is >= 4.38. The uuid is read when flags says so.
Result<std::vector<NameEntry>> decode_name_list(ByteView payload, bool event_trailer);

// ---------------------------------------------------- versioned name records

// {u32 next, u32 version[3], char name[]} records: LIST_VERSIONS,
// GET_TARGET_VERSION, and udm's CMD_LIST_COMMANDS (one record per command:
// its name from COMMANDS and the version the driver speaks).
struct VersionRecord {
  std::string name;
  CommandVersion version;
};

// Bytes the kernel reserves: sum of (16 + strlen + 1 + 7). Reply data_size = 312 + this.
std::size_t versions_size(std::span<const VersionRecord> records);
// Records 8-aligned, next relative to the record, 0 in the last; zero padded
// to versions_size().
Bytes encode_versions(std::span<const VersionRecord> records);
Result<std::vector<VersionRecord>> decode_versions(ByteView payload);

// ----------------------------------------------------------------- the rest

// TABLE_DEPS: {u32 count, u32 padding, u64 dev[count]} (huge encoding).
Bytes encode_deps(std::span<const std::uint64_t> devs);
Result<std::vector<std::uint64_t>> decode_deps(ByteView payload);

// TARGET_MSG request payload: {u64 sector, char message[]}.
struct TargetMessage {
  sector_t sector = 0;
  std::string message;
};
Bytes encode_target_msg(const TargetMessage& msg);
// Kernel checks: data_start >= 305, the message NUL-terminated inside `buffer`.
Result<TargetMessage> decode_target_msg(ByteView buffer, std::uint32_t data_start);

// A NUL-terminated string payload: DEV_RENAME's new name/uuid, SET_GEOMETRY's
// "c h s start", TARGET_MSG's DATA_OUT reply.
Bytes encode_string(std::string_view text);
// Kernel checks: data_start >= 305 and a NUL inside `buffer`.
Result<std::string> decode_string(ByteView buffer, std::uint32_t data_start);

// Aligns up to 8, as every payload record is.
constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

}  // namespace udm::abi

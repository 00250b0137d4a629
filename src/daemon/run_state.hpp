// The run-state record: the device set udmd holds (names, uuids, device
// numbers, live and inactive tables as their table text, read-only and
// suspended state, event numbers), so that a new udmd (after a crash, a
// kill -9, `daemon stop --force` or an upgrade) brings every device back
// before it answers its first command.
//
// One file per device, <rundir>/devices/<minor>.json, so a command costs one
// small file write whatever the number of devices. Each file is JSON,
// self-describing and versioned:
//   {"format":"udm-device-state","version":1,"writer":"udmd",
//    "device":{"name":..,"uuid":..,"major":252,"minor":N,"suspended":..,
//              "event_nr":..,"deferred_remove":..,
//              "live":{"read_only":..,"targets":[{"start":..,"length":..,
//                      "type":..,"params":..}]} or null,
//              "inactive":... or null},
//    "crc32":C}
// C is the CRC-32 (IEEE) of the compact dump of the object without "crc32"
// (nlohmann keeps keys sorted, so the dump is canonical). Strings that are
// not UTF-8 (device names are bytes) are stored as {"hex":"..."}.
// A newer udmd reads every older version; an older one refuses a newer one.
//
// A record that fits in DEVICE_STATE_SLOT bytes is kept in two such slots
// (the file is then 2 x DEVICE_STATE_SLOT bytes, each slot one document
// padded with spaces, with a "seq" field under the checksum): an update
// writes the slot not holding the newest valid record, so a write torn by a
// crash leaves the other slot's valid, one change older record, which load
// takes. A bigger record is one document, replaced by a rename.
//
// The first udmd with a record kept the whole set in <rundir>/devices.state
// ("format":"udm-devices-state", the same device objects in a "devices"
// array); it is read once, converted to per-device files and removed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/devno.hpp"
#include "base/result.hpp"
#include "core/table_line.hpp"

namespace udm::daemon {

inline constexpr std::uint32_t DEVICE_STATE_VERSION = 1;
inline constexpr std::string_view DEVICE_STATE_FORMAT = "udm-device-state";
inline constexpr std::string_view RUN_STATE_DIR = "devices";  // under the run directory
inline constexpr std::size_t DEVICE_STATE_SLOT = 4096;
// The single-file record of the previous layout (read for the upgrade only).
inline constexpr std::uint32_t RUN_STATE_VERSION = 1;
inline constexpr std::string_view RUN_STATE_FORMAT = "udm-devices-state";
inline constexpr std::string_view RUN_STATE_FILE = "devices.state";

struct TableRecord {
  bool read_only = false;
  std::vector<core::TableLine> targets;  // line_no unused
  bool operator==(const TableRecord& o) const;
};

struct DeviceRecord {
  std::string name;
  std::string uuid;
  DevNo devno;
  bool suspended = false;
  bool deferred_remove = false;
  std::uint32_t event_nr = 0;
  std::optional<TableRecord> live;
  std::optional<TableRecord> inactive;
  bool operator==(const DeviceRecord&) const = default;
};

struct RunState {
  std::uint32_t version = RUN_STATE_VERSION;  // as read; encode always writes the current one
  std::string writer;                         // "udmd <version>", informational
  std::vector<DeviceRecord> devices;
};

std::uint32_t crc32_ieee(std::string_view data);

// One device's record document (write_device_state puts it into a slot).
std::string encode_device_state(const DeviceRecord& device);
// The same bytes through nlohmann's tree and dump (the reference the direct
// encoder is tested against).
std::string encode_device_state_nlohmann(const DeviceRecord& device);
// A file's bytes: one document, or two slots (the newer valid one wins).
// Refuses, naming the problem: not JSON, a wrong format name, a version newer
// than DEVICE_STATE_VERSION (or 0), a bad checksum, a missing or mistyped
// field, a device number that is not udm's.
Result<DeviceRecord> decode_device_state(std::string_view bytes);
// "<minor>.json"; the minor a file name holds (nullopt for any other name).
std::string device_state_name(std::uint32_t minor);
std::optional<std::uint32_t> device_state_minor(std::string_view file_name);

// The previous single-file layout. Decoding refuses what decode_device_state
// does, plus duplicate names, uuids or minors.
std::string encode_run_state(const RunState& state);
Result<RunState> decode_run_state(std::string_view bytes);

// <rundir>/devices, created (0700) if missing; never through a symlink.
Result<int> open_device_state_dir(const std::string& rundir);
// Writes <minor>.json in `dirfd`: a new record through a new temp file
// (O_EXCL | O_NOFOLLOW, relative to dirfd) renamed over it; an update of a
// two-slot record into its older slot (one pwrite, see run_state.cpp), so a
// torn write loses that change only. No sync: see StateRecorder for durability.
Result<void> write_device_state(int dirfd, std::uint32_t minor, std::string_view encoded);
// The writer remembers which slot of each file it wrote last; a new process
// starts without that (a torn slot is only ever read by one). For tests that
// tear a file in-process.
void forget_device_state_slots();
// Unlinks <minor>.json (absent is fine).
Result<void> remove_device_state(int dirfd, std::uint32_t minor);
// Renames `name` in dirfd to `name`.<what>-<UTC time>[.k] (never over an
// existing file); returns the new name.
Result<std::string> set_aside(int dirfd, const std::string& name, std::string_view what);

struct SetAside {
  std::string path;  // where the unreadable record now is ("" if the rename failed)
  Error problem;     // why it was unreadable
};

struct LoadedRunState {
  RunState state;                               // sorted by minor
  std::map<std::uint32_t, std::string> files;   // the bytes of each record read, by minor
  bool found = false;                           // some record was there
  bool upgraded = false;                        // a devices.state was converted (and removed)
  std::vector<SetAside> set_aside;              // unreadable records, kept aside
};
// Reads every <rundir>/devices/<minor>.json. No record is an empty state.
// An unreadable file (torn, empty, bad checksum, a minor other than its
// name's, a name or uuid an earlier minor already has) is renamed to
// <minor>.json.bad-<UTC timestamp> and the others are read; never deleted.
// Leftover temp files of a crashed writer are removed. A devices.state of the
// previous layout is converted first (its devices replace the per-device
// files) and removed; an unreadable one is renamed devices.state.bad-<time>.
LoadedRunState load_run_state(const std::string& rundir);

}  // namespace udm::daemon

// The run-state record: the device set udmd holds (names, uuids, device
// numbers, live and inactive tables as their table text, read-only and
// suspended state, event numbers), kept in <rundir>/devices.state so that a
// new udmd (after a crash, a kill -9, `daemon stop --force` or an upgrade)
// brings every device back before it answers its first command.
//
// The file is JSON, self-describing and versioned:
//   {"format":"udm-devices-state","version":1,"writer":"udmd ...",
//    "devices":[{"name":..,"uuid":..,"major":252,"minor":N,"suspended":..,
//                "event_nr":..,"deferred_remove":..,
//                "live":{"read_only":..,"targets":[{"start":..,"length":..,
//                        "type":..,"params":..}]} or null,
//                "inactive":... or null}],
//    "crc32":C}
// C is the CRC-32 (IEEE) of the compact dump of the object without "crc32"
// (nlohmann keeps keys sorted, so the dump is canonical). Strings that are
// not UTF-8 (device names are bytes) are stored as {"hex":"..."}.
// A newer udmd reads every older version; an older one refuses a newer one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/devno.hpp"
#include "base/result.hpp"
#include "core/table_line.hpp"

namespace udm::daemon {

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

std::string encode_run_state(const RunState& state);
// Refuses, naming the problem: not JSON, a wrong format name, a version newer
// than RUN_STATE_VERSION (or 0), a bad checksum, a missing or mistyped field,
// a device number that is not udm's, duplicate names, uuids or minors.
Result<RunState> decode_run_state(std::string_view bytes);

// Writes <rundir>/devices.state atomically: a new temp file (O_EXCL |
// O_NOFOLLOW) in the run directory, fdatasync, rename over the record, fsync
// of the directory. A crash at any point leaves either the old or the new record.
Result<void> write_run_state(const std::string& rundir, std::string_view encoded);

struct LoadedRunState {
  RunState state;
  bool found = false;        // a record was there
  std::string set_aside;     // where an unreadable record was moved ("" if none)
  std::optional<Error> problem;  // why it was unreadable
};
// Reads <rundir>/devices.state. A missing record is an empty state. An
// unreadable one is renamed to devices.state.bad-<UTC timestamp> and the
// state is empty; never deleted. Leftover temp files of a crashed writer are removed.
LoadedRunState load_run_state(const std::string& rundir);

}  // namespace udm::daemon

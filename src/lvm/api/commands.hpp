// The ulvm commands (lvm(8) names, options and messages): each parses its
// command line, reads the VGs from the configured devices, validates the new
// metadata with the model before writing it (a failed command leaves the
// previous metadata as it was), commits it, and activates through libudm.
//
// Exit codes as lvm: 0 ok, 3 invalid command line, 5 command failed.
// Messages go to `out` and errors/warnings to `err`, each line prefixed with
// two spaces as lvm prints them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace udm::lvm::api {

inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_INVALID = 3;
inline constexpr int EXIT_FAILED = 5;

struct CommandIo {
  std::string out;
  std::string err;
  // Set by a tool that exits right after the command: the scanned metadata
  // (megabytes of small objects for a VG with 1000 LVs) is then left to the
  // exit instead of being freed piece by piece.
  bool process_exits_after = false;
  // Asks one of lvm's [y/n] questions and returns the line answered, or
  // nullopt at end of input. A tool sets it to write what `out` and `err`
  // hold so far, then the question to stderr, and read a line from stdin.
  // Unset, every question is appended to `err` and meets end of input (no).
  std::function<std::optional<std::string>(const std::string& question)> ask;
  // Writes what `out` and `err` hold so far and clears them (progress lines
  // of a polling command); unset, they wait for the end of the command.
  std::function<void()> flush;
};

// Runs `command` ("lvcreate", ...) with its arguments.
int run_command(std::string_view command, const std::vector<std::string>& argv, CommandIo& io);

// Every command name run_command knows.
const std::vector<std::string_view>& command_names();

}  // namespace udm::lvm::api

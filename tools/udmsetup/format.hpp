// dmsetup's plain output formats as pure functions: each returns exactly the
// bytes dmsetup 1.02.185 prints (see shared/specs/DMSETUP.md section 2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <udm/client.hpp>

namespace udm::udmsetup {

// "Library version:   0.1.0 (2026-11-25)\n"
std::string format_library_version();
// "Driver version:    4.48.0\n"
std::string format_driver_version(const client::Version& v);

// One `targets` / `target-version` line: "%-16s v%d.%d.%d\n".
std::string format_target_version(const client::NamedVersion& t);

// The long `info` block, ending in its blank line. `extra_lines` (udm's
// "File:" and "NBD URI:" lines, each with its newline) go before the blank.
std::string format_info_block(const client::DeviceInfo& info,
                              std::optional<unsigned> read_ahead,
                              const std::string& extra_lines = {});

// One table/status line: "[name: ]start length type params\n". `line` empty
// (a device with no table) prints "[name: ]\n".
std::string format_table_line(const std::optional<std::string>& name_prefix,
                              const client::TableLine* line);

// `ls`: "name\t(maj:min)\n"; `ls --target`: "name\t(maj, min)\n".
std::string format_ls_line(const client::NameEntry& e);
std::string format_ls_target_line(const std::string& name, unsigned major, unsigned minor);

// `deps`: "[name: ]N dependencies\t: (maj, min)...\n".
std::string format_deps(const std::optional<std::string>& name_prefix,
                        const std::vector<client::DevNumber>& deps);

// udm's own additions to `info`.
std::string format_file_line(const std::string& path);
std::string format_nbd_line(const std::string& name, const std::string& socket);

// libdevmapper's name mangling (the default "auto" mode): characters outside
// [A-Za-z0-9#+-.:=@_] are sent to the driver as \xNN; a name that already
// holds only such escapes and whitelisted characters is sent as is. Output
// shows names and uuids unmangled. Applied to names and uuids alike.
std::string mangle_name(const std::string& name);
std::string unmangle_name(const std::string& name);

// dmsetup's key masking for `table` without --showkeys (crypt, integrity).
std::string mask_keys(const std::string& type, const std::string& params);

}  // namespace udm::udmsetup

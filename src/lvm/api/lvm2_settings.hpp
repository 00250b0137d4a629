// The settings lvm2 2.03.16 knows (lvm2_settings.cpp): what lvmconfig's
// --type full/default/list/missing/profilable* print (with --withcomments
// and --withversions) and what --validate calls unknown.
#pragma once

#include <span>
#include <string_view>

namespace udm::lvm::api {

inline constexpr unsigned F_DEPRECATED = 1;         // shown by --type full only
inline constexpr unsigned F_SECTION = 2;            // an (empty) subsection
inline constexpr unsigned F_PROFILABLE = 4;
inline constexpr unsigned F_PROFILABLE_COMMAND = 8;
inline constexpr unsigned F_PROFILABLE_METADATA = 16;
inline constexpr unsigned F_NO_DEFAULT = 32;        // listed, never printed with a value
inline constexpr unsigned F_ADVANCED = 64;          // lvm2's CFG_ADVANCED
inline constexpr unsigned F_NAME_VARIABLE = 128;    // a subsection named by the user (tags/<tag>)
inline constexpr unsigned F_DEFAULT_COMMENTED = 256;  // printed as "# key=value" by --type default

// What --withcomments and --withversions print, from lvm2's own table:
// `comment` is its comment text (lines end in '\n'; a line "#" is left out
// unless --withspaces), versions as "major.minor.patch".
struct Lvm2Setting {
  std::string_view path;   // "section/key"; "tags/<tag>/host_list" for any tag
  std::string_view value;  // the default as lvmconfig prints it, @SYS@ = $LVM_SYSTEM_DIR
  unsigned flags;
  std::string_view since;             // "Available since version"
  std::string_view deprecated_since;  // "" unless deprecated by 2.03.16
  std::string_view deprecation_comment;
  std::string_view comment;
};

std::span<const Lvm2Setting> lvm2_settings();
// The top-level sections in lvm2's order (F_SECTION, comments and versions).
std::span<const Lvm2Setting> lvm2_sections();
const Lvm2Setting* find_lvm2_section(std::string_view name);
const Lvm2Setting* find_lvm2_setting(std::string_view path);

}  // namespace udm::lvm::api

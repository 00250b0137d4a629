// The settings lvm2 2.03.16 knows (lvm2_settings.cpp): what lvmconfig's
// --type full/default/list/missing/profilable* print and what --validate
// calls unknown.
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

struct Lvm2Setting {
  std::string_view path;   // "section/key"; "tags/<tag>/host_list" for any tag
  std::string_view value;  // the default as lvmconfig prints it, @SYS@ = $LVM_SYSTEM_DIR
  unsigned flags;
};

std::span<const Lvm2Setting> lvm2_settings();
const Lvm2Setting* find_lvm2_setting(std::string_view path);

}  // namespace udm::lvm::api

// The LVM2 text metadata: the config-tree parser, then VG import of what
// parses, then export and re-import of what imports (the export must parse);
// the backup style reheaded (rehead_backup_text) equals its export.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "lvm/format/config_parser.hpp"
#include "lvm/format/text_tree.hpp"
#include "lvm/format/vg_text.hpp"

using namespace udm::lvm::format;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (256u << 10)) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // parse_config is parse_text_tree plus a copy: both must take the same texts.
  auto tree = parse_text_tree(text);
  auto owned = parse_config(text);
  if (tree.has_value() != owned.has_value()) std::abort();
  if (tree) (void)import_vg_tree(*tree);
  auto vg = import_vg_text(text);
  if (!vg) return 0;
  // A backup file reused as the archive: reheaded, it must be the export of
  // the VG it claims to be (refusing is always safe: the archive is exported).
  const std::string backup = export_vg_backup_text(vg->vg, vg->header);
  const MetadataHeader other = make_backup_header("fuzz", 0);
  if (auto r = rehead_backup_text(backup, vg->vg, other); r && *r != export_vg_backup_text(vg->vg, other)) {
    std::fprintf(stderr, "reheaded backup differs from the export:\n%s\n", backup.c_str());
    std::abort();
  }
  (void)rehead_backup_text(text, vg->vg, other);
  std::string out = export_vg_text(vg->vg, vg->header);
  if (auto again = parse_config(out); !again) {
    std::fprintf(stderr, "exported VG text does not parse (%s):\n%s\n", again.error().message.c_str(), out.c_str());
    std::abort();
  }
  return 0;
}

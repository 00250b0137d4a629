// lock_args of shared-VG LVs come from metadata on a shared disk: any text
// parses to a lease slot past the VG lock or fails with a message, and the
// free-slot search over LVs carrying such text stays inside lvmlock.
#include <cstdint>
#include <string>
#include <string_view>

#include "lvm/locking/sanlock_layout.hpp"

namespace sl = udm::lvm::locking::sanlock;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto off = sl::parse_lv_lock_args(text);
  if (off) {
    if (*off % sl::ALIGN_BYTES != 0 || *off < sl::LV_LOCK_FIRST_SLOT * sl::ALIGN_BYTES) __builtin_trap();
  } else if (off.error().message.empty()) {
    __builtin_trap();
  }
  udm::lvm::VolumeGroup vg;
  vg.name = "vg";
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    udm::lvm::LogicalVolume lv;
    lv.lock_args = std::string(text.substr(start, end - start));
    vg.lvs.push_back(std::move(lv));
    start = end + 1;
  }
  auto free = sl::free_lv_offset(vg, sl::LOCK_LV_BYTES);
  if (free && (*free + sl::ALIGN_BYTES > sl::LOCK_LV_BYTES || *free < sl::LV_LOCK_FIRST_SLOT * sl::ALIGN_BYTES))
    __builtin_trap();
  return 0;
}

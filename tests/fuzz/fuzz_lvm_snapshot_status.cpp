// The snapshot/snapshot-merge status text ulvm reads from the driver (lvs
// Data%, lvdisplay, lvconvert --merge polling): any bytes parse or fail
// cleanly, and a parsed status gives a percent within 0..100%.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lvm/segtypes/snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = udm::lvm::segtypes::parse_snapshot_status(text);
  if (!s) return 0;
  if (auto p = udm::lvm::segtypes::snapshot_percent(*s); p && (*p < 0 || *p > 100'000'000)) std::abort();
  return 0;
}

// ulvm's -S/--select parser: any text parses or fails with a message, and a
// parsed tree evaluates against values of every kind without tripping.
#include <cstdint>
#include <string_view>

#include "lvm/report/select.hpp"

using namespace udm::lvm::report;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (ReportType t : {ReportType::lvs, ReportType::vgs, ReportType::pvs}) {
    auto sel = parse_selection(t, text);
    if (!sel) {
      if (sel.error().message.empty()) __builtin_trap();
      continue;
    }
    for (int k = 0; k < 3; ++k)
      (void)selection_matches(*sel, [&](const FieldDef& f) {
        switch (f.kind) {
          case Kind::num: return k == 0 ? Cell::of_num(-1) : Cell::of_num(k);
          case Kind::size: return Cell::of_size(static_cast<udm::sector_t>(k) << 11);
          case Kind::str: break;
        }
        return Cell::of_text(k == 0 ? "" : k == 1 ? "a,b" : "auto");
      });
  }
  return 0;
}

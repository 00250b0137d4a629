// pvck's look at one PV's on-disk structures, as lvm2 2.03.16 prints them:
// `pvck PV` (where the label and metadata areas are) and `pvck --dump
// headers|metadata|metadata_all|metadata_search PV`. It reads the raw bytes
// itself (not the metadata store), so damaged fields are shown as they are.
#pragma once

#include <string>
#include <string_view>

#include "lvm/format/device.hpp"

namespace udm::lvm::api {

struct PvckOutput {
  std::string out;  // each line indented by two spaces, as lvm2 prints
  std::string err;
  int rc = 0;       // lvm2's exit code (0, or 5 for bad values)
};

// `what`: "" (plain pvck) or a --dump value. `name` is the device as given.
PvckOutput pvck_dump(format::PvDevice& dev, std::string_view name, std::string_view what);

}  // namespace udm::lvm::api

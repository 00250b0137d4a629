// Every mapping of every thin device, read back through walk_mappings, for
// comparing whole metadata states in tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>

#include "persistent_data/thin_metadata.hpp"

namespace udm::pd {

using Mappings = std::map<uint32_t, std::map<uint64_t, uint64_t>>;

inline Mappings read_all(ThinMetadata& md) {
  Mappings out;
  for (uint32_t d : md.devices()) {
    auto& m = out[d];
    auto r = md.walk_mappings(d, [&](uint64_t v, const Mapping& mp) -> Result<void> {
      m[v] = mp.data_block;
      return {};
    });
    EXPECT_TRUE(r) << r.error().message;
  }
  return out;
}

}  // namespace udm::pd

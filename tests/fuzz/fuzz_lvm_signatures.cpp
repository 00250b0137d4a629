// The signature table lvcreate and pvcreate probe before reusing space, on
// arbitrary device heads of any length (short ones included).
#include <cstdint>
#include <span>

#include "lvm/api/signatures.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = std::as_bytes(std::span(data, size));
  for (const auto& s : udm::lvm::api::find_signatures(bytes))
    if (s.offset + s.length > size) __builtin_trap();  // a wipe would write past what was read
  return 0;
}

// pvck --dump (headers, metadata, metadata_all, metadata_search) on an
// arbitrary device image: every offset and length it follows comes from the
// bytes, so none may read outside the device or loop. The first byte picks
// the dump.
#include <cstdint>
#include <cstring>

#include "lvm/api/pvck_dump.hpp"

using namespace udm::lvm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (1 << 20)) return 0;
  static const char* const what[] = {"", "headers", "metadata", "metadata_all", "metadata_search"};
  const char* w = what[data[0] % 5];
  ++data;
  --size;
  format::MemoryPvDevice dev("/dev/fuzz", size);
  if (size) std::memcpy(dev.bytes().data(), data, size);
  (void)api::pvck_dump(dev, "/dev/fuzz", w);
  return 0;
}

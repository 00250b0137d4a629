// The persistent snapshot store's loader (header and exception areas of the
// kernel's COW format) on arbitrary COW devices, then a commit and a merge
// step on what loaded. Input: one byte choosing the table's chunk size (0 or
// 1..8 sectors), then the COW device's bytes (padded to whole sectors).
#include <cstdint>
#include <cstring>

#include "io/memory_device.hpp"
#include "targets/exception_store.hpp"

using namespace udm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (1u << 20)) return 0;
  const sector_t chunk = data[0] % 5 == 0 ? 0 : sector_t{1} << (data[0] % 4);
  ++data;
  --size;
  const std::size_t bytes = (size + 511) / 512 * 512 + 512;
  auto cow = std::make_shared<io::MemoryDevice>(bytes, "/dev/fuzz");
  std::memcpy(cow->raw(), data, size);
  std::uint64_t loaded = 0;
  auto store = targets::ExceptionStore::open_persistent(cow, chunk, false,
                                                        [&](const targets::Exception&) { ++loaded; });
  if (!store) return 0;
  (void)(*store)->usage();
  if (auto c = (*store)->prepare()) (void)(*store)->commit({{loaded + 1, *c}});
  targets::Exception last;
  if (int n = (*store)->prepare_merge(last); n > 0) (void)(*store)->commit_merge(static_cast<std::uint32_t>(n));
  return 0;
}

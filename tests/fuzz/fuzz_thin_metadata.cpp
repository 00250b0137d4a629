// Thin pool metadata (superblock, btree nodes, space map bitmaps and index)
// opened and walked from a corrupt image: no crash, only errors.
//
// Input: byte 0 = device size in blocks (1..64), then records
//   u8 block, u8 type, le16 length, `length` bytes of the block (rest zero)
// where type 1..4 = superblock, btree node, bitmap, index: the harness stamps
// block number and checksum for that type, so the fuzzer reaches the checks
// behind the checksums. udm-thin-meta fuzz-seed writes seeds in this form.
#include <cstdint>
#include <cstring>
#include <vector>

#include "persistent_data/thin_metadata.hpp"

using namespace udm::pd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint64_t nr = data[0] % 64 + 1;
  MemoryBlockDevice dev(nr);
  const Validator* kinds[] = {nullptr, &kSuperblockValidator, &kBtreeValidator, &kBitmapValidator, &kIndexValidator};
  size_t pos = 1;
  while (pos + 4 <= size) {
    uint64_t b = data[pos] % nr;
    uint8_t type = data[pos + 1] % 5;
    size_t len = size_t(data[pos + 2]) | size_t(data[pos + 3]) << 8;
    pos += 4;
    if (len > kBlockSize) len = kBlockSize;
    if (len > size - pos) len = size - pos;
    std::vector<uint8_t>& blk = dev.raw(b);
    std::memset(blk.data(), 0, kBlockSize);
    std::memcpy(blk.data(), data + pos, len);
    pos += len;
    if (kinds[type]) seal_block(blk.data(), b, *kinds[type]);
  }
  auto md = ThinMetadata::open(dev);
  if (!md) return 0;
  ThinMetadata& m = **md;
  (void)m.verify();
  for (uint32_t d : m.devices()) {
    (void)m.details(d);
    (void)m.walk_mappings(d, [](uint64_t, const Mapping&) -> udm::Result<void> { return {}; });
    (void)m.lookup(d, 0);
  }
  // Changes on top of what was read: refused or done, never a crash.
  auto devs = m.devices();
  if (!devs.empty()) {
    (void)m.provision(devs[0], 7);
    (void)m.remove_block(devs[0], 0);
    (void)m.create_snap(1000, devs[0]);
    (void)m.delete_device(devs.back());
  }
  (void)m.create_thin(2000);
  (void)m.commit();
  (void)m.verify();
  return 0;
}

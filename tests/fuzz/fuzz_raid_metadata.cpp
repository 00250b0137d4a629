// The dm-raid metadata decoders (superblock page, MD bitmap superblock, the
// mirror target's disk log header) and
// a raid set's load of them: arbitrary bytes as leg 0's metadata device of a
// raid1 (2 legs) or raid5_ls (3 legs) set, the other legs blank. Input: one
// byte choosing the set, then the metadata device's bytes.
#include <cstdint>
#include <cstring>

#include "io/memory_device.hpp"
#include "raid/mirror_log.hpp"
#include "raid/raid_set.hpp"
#include "raid/superblock.hpp"

using namespace udm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (64u << 10)) return 0;
  const bool raid5 = data[0] & 1;
  ++data;
  --size;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  raid::Superblock sb;
  (void)raid::decode_superblock(bytes, sb);
  raid::MirrorLogHeader mh;  // the legacy mirror's disk log header
  (void)raid::decode_mirror_log_header(bytes, size > 8 ? data[8] : 0, mh);
  raid::BitmapSuper bsb;
  if (size > raid::BITMAP_OFFSET) (void)raid::decode_bitmap_super(bytes.subspan(raid::BITMAP_OFFSET), bsb);

  const unsigned n = raid5 ? 3 : 2;
  constexpr byte_count META = 64 << 10, DATA = 1 << 20;
  std::vector<raid::LegDevices> legs;
  for (unsigned i = 0; i < n; ++i) {
    auto meta = std::make_shared<io::MemoryDevice>(META, "/m" + std::to_string(i));
    if (i == 0) std::memcpy(meta->raw(), data, std::min<std::size_t>(size, META));
    legs.push_back({meta, std::make_shared<io::MemoryDevice>(DATA, "/d" + std::to_string(i))});
  }
  raid::RaidConfig c;
  c.type = raid::find_raid_type(raid5 ? "raid5_ls" : "raid1");
  c.type_name = raid5 ? "raid5_ls" : "raid1";
  c.chunk = raid5 ? 128 : 0;
  c.region_size = 1024;
  c.given = raid::RaidConfig::REGION_SIZE;
  c.nosync = true;
  const sector_t array = raid5 ? 2 * DATA / 512 : DATA / 512;
  auto set = raid::RaidSet::create(c, std::move(legs), array, {});
  if (!set) return 0;
  if (!(*set)->load()) return 0;
  (void)(*set)->status();
  return 0;
}

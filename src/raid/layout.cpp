#include "raid/layout.hpp"

#include <array>

#include "raid/raid_type.hpp"

namespace udm::raid {

namespace {

// raid5.c's raid5_compute_sector for one data chunk index `dd` of row `stripe`:
// the parity devices and the device holding that chunk.
struct Located {
  unsigned p;
  int q;
  unsigned disk;
};

Located locate(std::uint32_t level, std::uint32_t layout, unsigned disks, std::uint64_t stripe, unsigned dd) {
  Located l{0, -1, dd};
  if (level == 4) {
    l.p = disks - 1;
    return l;
  }
  if (level == 5) {
    const unsigned data = disks - 1;
    const unsigned r = static_cast<unsigned>(stripe % disks);
    switch (layout) {
      case LEFT_ASYMMETRIC: l.p = data - r; if (dd >= l.p) ++l.disk; break;
      case RIGHT_ASYMMETRIC: l.p = r; if (dd >= l.p) ++l.disk; break;
      case LEFT_SYMMETRIC: l.p = data - r; l.disk = (l.p + 1 + dd) % disks; break;
      case RIGHT_SYMMETRIC: l.p = r; l.disk = (l.p + 1 + dd) % disks; break;
      case PARITY_0: l.p = 0; ++l.disk; break;
      default: l.p = data; break;  // PARITY_N
    }
    return l;
  }
  const unsigned data = disks - 2;
  const unsigned r = static_cast<unsigned>(stripe % disks);
  const unsigned r1 = static_cast<unsigned>(stripe % (disks - 1));
  auto asym = [&](unsigned p) {
    l.p = p;
    l.q = static_cast<int>(p + 1);
    if (p == disks - 1) {
      ++l.disk;  // Q D D D P
      l.q = 0;
    } else if (dd >= p) {
      l.disk += 2;  // D D P Q D
    }
  };
  switch (layout) {
    case LEFT_ASYMMETRIC: asym(disks - 1 - r); break;
    case RIGHT_ASYMMETRIC: asym(r); break;
    case LEFT_SYMMETRIC:
      l.p = disks - 1 - r;
      l.q = static_cast<int>((l.p + 1) % disks);
      l.disk = (l.p + 2 + dd) % disks;
      break;
    case RIGHT_SYMMETRIC:
      l.p = r;
      l.q = static_cast<int>((l.p + 1) % disks);
      l.disk = (l.p + 2 + dd) % disks;
      break;
    case PARITY_0: l.p = 0; l.q = 1; l.disk = dd + 2; break;
    case ROTATING_ZERO_RESTART: asym(r); break;
    case ROTATING_N_RESTART: asym(disks - 1 - static_cast<unsigned>((stripe + 1) % disks)); break;
    case ROTATING_N_CONTINUE:
      l.p = disks - 1 - r;
      l.q = static_cast<int>((l.p + disks - 1) % disks);
      l.disk = (l.p + 1 + dd) % disks;
      break;
    case LEFT_ASYMMETRIC_6: l.p = data - r1; if (dd >= l.p) ++l.disk; l.q = static_cast<int>(disks - 1); break;
    case RIGHT_ASYMMETRIC_6: l.p = r1; if (dd >= l.p) ++l.disk; l.q = static_cast<int>(disks - 1); break;
    case LEFT_SYMMETRIC_6:
      l.p = data - r1;
      l.disk = (l.p + 1 + dd) % (disks - 1);
      l.q = static_cast<int>(disks - 1);
      break;
    case RIGHT_SYMMETRIC_6:
      l.p = r1;
      l.disk = (l.p + 1 + dd) % (disks - 1);
      l.q = static_cast<int>(disks - 1);
      break;
    case PARITY_0_6: l.p = 0; ++l.disk; l.q = static_cast<int>(disks - 1); break;
    default: l.p = data; l.q = static_cast<int>(data + 1); break;  // PARITY_N
  }
  return l;
}

}  // namespace

StripeMap row_parity(std::uint32_t level, std::uint32_t layout, unsigned disks, std::uint64_t stripe) {
  const Located l = locate(level, layout, disks, stripe, 0);
  StripeMap m;
  m.stripe = stripe;
  m.p_disk = l.p;
  m.q_disk = l.q;
  m.data_disk = l.disk;
  return m;
}

std::vector<int> data_slots(std::uint32_t level, std::uint32_t layout, unsigned disks, std::uint64_t stripe) {
  std::vector<int> slot(disks, -1);
  const unsigned data = disks - (level == 6 ? 2 : 1);
  for (unsigned dd = 0; dd < data; ++dd) slot[locate(level, layout, disks, stripe, dd).disk] = static_cast<int>(dd);
  return slot;
}

StripeMap map_parity(std::uint32_t level, std::uint32_t layout, unsigned disks, sector_t chunk, sector_t sector) {
  const unsigned parity = level == 6 ? 2 : 1;
  const unsigned data = disks - parity;
  const sector_t chunk_number = sector / chunk;
  const sector_t in_chunk = sector % chunk;
  const unsigned dd = static_cast<unsigned>(chunk_number % data);
  const std::uint64_t stripe = chunk_number / data;
  StripeMap m = row_parity(level, layout, disks, stripe);
  m.dev_sector = stripe * chunk + in_chunk;
  const auto slots = data_slots(level, layout, disks, stripe);
  for (unsigned d = 0; d < disks; ++d)
    if (slots[d] == static_cast<int>(dd)) m.data_disk = d;
  return m;
}

unsigned q_exponent(std::uint32_t layout, unsigned disks, const StripeMap& row, unsigned disk) {
  // raid5.c's raid6_idx_to_slot: DDF layouts weigh every device by its
  // position; MD's own count data devices from the one after Q.
  if (layout == ROTATING_ZERO_RESTART || layout == ROTATING_N_RESTART || layout == ROTATING_N_CONTINUE) return disk;
  const unsigned d0 = row.q_disk == static_cast<int>(disks - 1) ? 0 : static_cast<unsigned>(row.q_disk + 1);
  unsigned slot = 0;
  for (unsigned i = d0;; i = (i + 1) % disks) {
    if (i == disk) return slot;
    if (i != row.p_disk && static_cast<int>(i) != row.q_disk) ++slot;
  }
}

std::vector<Copy> map_raid10(unsigned disks, unsigned near_copies, sector_t chunk, sector_t sector) {
  std::vector<Copy> out;
  const sector_t in_chunk = sector % chunk;
  const std::uint64_t k = (sector / chunk) * near_copies;
  unsigned dev = static_cast<unsigned>(k % disks);
  sector_t s = (k / disks) * chunk + in_chunk;
  for (unsigned n = 0; n < near_copies; ++n) {
    out.push_back({dev, s});
    if (++dev >= disks) {
      dev = 0;
      s += chunk;
    }
  }
  return out;
}

namespace {
struct Tables {
  std::array<std::uint8_t, 512> exp{};
  std::array<int, 256> log{};
  Tables() {
    unsigned x = 1;
    for (int i = 0; i < 255; ++i) {
      exp[i] = static_cast<std::uint8_t>(x);
      log[x] = i;
      x <<= 1;
      if (x & 0x100) x ^= 0x11d;
    }
    for (int i = 255; i < 512; ++i) exp[i] = exp[i - 255];
  }
};
const Tables& tables() {
  static const Tables t;
  return t;
}
}  // namespace

std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) {
  if (!a || !b) return 0;
  const auto& t = tables();
  return t.exp[t.log[a] + t.log[b]];
}
std::uint8_t gf_pow2(unsigned e) { return tables().exp[e % 255]; }
std::uint8_t gf_inv(std::uint8_t a) {
  const auto& t = tables();
  return a ? t.exp[255 - t.log[a]] : 0;
}

void xor_into(std::span<std::byte> dst, std::span<const std::byte> src) {
  const std::size_t n = std::min(dst.size(), src.size());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t a, b;
    __builtin_memcpy(&a, dst.data() + i, 8);
    __builtin_memcpy(&b, src.data() + i, 8);
    a ^= b;
    __builtin_memcpy(dst.data() + i, &a, 8);
  }
  for (; i < n; ++i) dst[i] ^= src[i];
}

void mul_xor_into(std::span<std::byte> dst, std::span<const std::byte> src, std::uint8_t c) {
  if (!c) return;
  if (c == 1) return xor_into(dst, src);
  std::array<std::uint8_t, 256> row;
  for (unsigned v = 0; v < 256; ++v) row[v] = gf_mul(static_cast<std::uint8_t>(v), c);
  const std::size_t n = std::min(dst.size(), src.size());
  for (std::size_t i = 0; i < n; ++i) dst[i] ^= std::byte{row[std::to_integer<std::uint8_t>(src[i])]};
}

}  // namespace udm::raid

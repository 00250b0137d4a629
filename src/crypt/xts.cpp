#include "crypt/xts.hpp"

#include <openssl/evp.h>

#include <bit>
#include <cstring>

namespace udm::crypt::xts {
namespace {

std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// Two 64-bit lanes: one XTS block, one SSE register.
typedef std::uint64_t Block __attribute__((vector_size(16)));

Block load(const void* p) noexcept {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

void store(void* p, Block b) noexcept { std::memcpy(p, &b, sizeof b); }

// The tweak's 16 bytes, little-endian, built in a register (storing the two
// halves and loading them back as one would stall store forwarding).
Block make_block(std::uint64_t lo, std::uint64_t hi) noexcept {
  if constexpr (std::endian::native == std::endian::big) return Block{__builtin_bswap64(lo), __builtin_bswap64(hi)};
  return Block{lo, hi};
}

// Four blocks, so the output pass runs at the widest registers the CPU has
// (the clones below pick AVX-512, AVX2 or SSE at load time).
typedef std::uint64_t Blocks4 __attribute__((vector_size(64)));

// The clones' ifunc resolver runs before ThreadSanitizer's runtime is up and
// crashes the program at load: TSan builds take the default code only.
#if defined(__SANITIZE_THREAD__)
#define UDM_XTS_CLONES
#else
#define UDM_XTS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

// out ^= tweaks over n bytes (a multiple of 64: sectors are >= 512 bytes).
UDM_XTS_CLONES void whiten_out(std::byte* out,
                                                                                const std::uint8_t* tweaks,
                                                                                std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; i += sizeof(Blocks4)) {
    Blocks4 a, b;
    std::memcpy(&a, out + i, sizeof a);
    std::memcpy(&b, tweaks + i, sizeof b);
    a ^= b;
    std::memcpy(out + i, &a, sizeof a);
  }
}

}  // namespace

bool crypt_group(EVP_CIPHER_CTX* bulk, EVP_CIPHER_CTX* tweak, std::uint8_t* ivs, std::uint8_t* tweaks,
                 const std::byte* in, std::byte* out, std::size_t sectors, std::uint32_t sector_size) noexcept {
  const std::size_t bytes = sectors * sector_size;
  int outl = 0;
  // Every sector's first tweak in one call.
  if (EVP_EncryptUpdate(tweak, ivs, &outl, ivs, static_cast<int>(sectors * BLOCK)) != 1) return false;
  const std::size_t blocks = sector_size / BLOCK;
  // Pass 1: keep each block's tweak and whiten the input with it.
  std::uint8_t* t = tweaks;
  const std::byte* src = in;
  std::byte* dst = out;
  for (std::size_t s = 0; s < sectors; ++s) {
    std::uint64_t lo = load_le64(ivs + s * BLOCK), hi = load_le64(ivs + s * BLOCK + 8);
    for (std::size_t j = 0; j < blocks; ++j, t += BLOCK, src += BLOCK, dst += BLOCK) {
      const Block tw = make_block(lo, hi);
      store(t, tw);
      store(dst, load(src) ^ tw);
      const std::uint64_t carry = hi >> 63;
      hi = (hi << 1) | (lo >> 63);
      lo = (lo << 1) ^ (0x87 & (0 - carry));
    }
  }
  auto* o = reinterpret_cast<unsigned char*>(out);
  if (EVP_CipherUpdate(bulk, o, &outl, o, static_cast<int>(bytes)) != 1) return false;
  // Pass 2: whiten the output.
  whiten_out(out, tweaks, bytes);
  return true;
}

}  // namespace udm::crypt::xts

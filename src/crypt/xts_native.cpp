#include "crypt/xts_native.hpp"

#include <openssl/crypto.h>

#include <cstring>

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*(), which its own
// -Wuninitialized flags in every caller.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif

namespace udm::crypt::xts {

#if defined(__x86_64__)
namespace {

#define UDM_AESNI __attribute__((target("aes,sse4.1")))
#define UDM_VAES __attribute__((target("avx512f,avx512vl,vaes,vpclmulqdq,aes,sse4.1")))

// FIPS-197's SubWord on a word held little-endian (byte 0 first), from
// AESKEYGENASSIST's first dword.
UDM_AESNI std::uint32_t sub_word(std::uint32_t w) noexcept {
  __m128i v = _mm_set1_epi32(static_cast<int>(w));
  return static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_aeskeygenassist_si128(v, 0)));
}

// FIPS-197 5.2 with words kept in memory order: RotWord is a right rotation
// by one byte of the little-endian value, Rcon lands in byte 0.
UDM_AESNI void expand_key(const std::uint8_t* key, int nk, std::uint8_t* round_keys) noexcept {
  const int words = 4 * (nk + 6 + 1);
  std::uint32_t w[4 * (14 + 1)];
  std::memcpy(w, key, 4 * static_cast<std::size_t>(nk));
  std::uint8_t rcon = 1;
  for (int i = nk; i < words; ++i) {
    std::uint32_t t = w[i - 1];
    if (i % nk == 0) {
      const std::uint32_t s = sub_word(t);
      t = ((s >> 8) | (s << 24)) ^ rcon;
      rcon = static_cast<std::uint8_t>((rcon << 1) ^ ((rcon & 0x80) ? 0x1b : 0));
    } else if (nk == 8 && i % nk == 4) {
      t = sub_word(t);
    }
    w[i] = w[i - nk] ^ t;
  }
  std::memcpy(round_keys, w, 4 * static_cast<std::size_t>(words));
  OPENSSL_cleanse(w, sizeof w);
}

// Round keys for AESDEC (the equivalent inverse cipher): reversed, the inner
// ones through InvMixColumns.
UDM_AESNI void invert_keys(const std::uint8_t* enc, int rounds, std::uint8_t* dec) noexcept {
  auto key = [&](int r) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(enc + 16 * r)); };
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dec), key(rounds));
  for (int r = 1; r < rounds; ++r)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dec + 16 * r), _mm_aesimc_si128(key(rounds - r)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dec + 16 * rounds), key(0));
}

// Each 128-bit lane times x^N in GF(2^128) (N <= 56): the N bits shifted
// out of the top come back as their carry-less product with 0x87.
template <int N>
UDM_VAES inline __m512i times_x(__m512i t) noexcept {
  static_assert(N > 0 && N <= 56);
  const __m512i top = _mm512_srli_epi64(t, 64 - N);
  const __m512i swapped = _mm512_shuffle_epi32(top, _MM_PERM_BADC);  // the other qword of each lane
  const __m512i reduced = _mm512_clmulepi64_epi128(swapped, _mm512_set1_epi64(0x87), 0x00);
  return _mm512_slli_epi64(t, N) ^ _mm512_maskz_mov_epi64(0xAA, swapped) ^ reduced;
}

// A sector's first tweak T in all four lanes, lane i times x^i: the
// tweaks of blocks 0..3 (a shift count of 64 gives 0).
UDM_VAES inline __m512i first_lanes(const std::uint8_t* t) noexcept {
  const __m512i v = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t)));
  const __m512i top = _mm512_srlv_epi64(v, _mm512_set_epi64(61, 61, 62, 62, 63, 63, 64, 64));
  const __m512i swapped = _mm512_shuffle_epi32(top, _MM_PERM_BADC);
  const __m512i reduced = _mm512_clmulepi64_epi128(swapped, _mm512_set1_epi64(0x87), 0x00);
  return _mm512_sllv_epi64(v, _mm512_set_epi64(3, 3, 2, 2, 1, 1, 0, 0)) ^ _mm512_maskz_mov_epi64(0xAA, swapped) ^
         reduced;
}

// E_K2 of `n` IVs in place, four per register; `blocks` has room for n
// rounded up to four.
template <int ROUNDS>
UDM_VAES void encrypt_tweaks(const std::uint8_t* keys, std::uint8_t* blocks, std::size_t n) noexcept {
  __m512i k[ROUNDS + 1];
  for (int r = 0; r <= ROUNDS; ++r)
    k[r] = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + 16 * r)));
  for (std::size_t i = 0; i < n; i += 4) {
    auto* p = blocks + 16 * i;
    __m512i x = _mm512_loadu_si512(p) ^ k[0];
    for (int r = 1; r < ROUNDS; ++r) x = _mm512_aesenc_epi128(x, k[r]);
    _mm512_storeu_si512(p, _mm512_aesenclast_epi128(x, k[ROUNDS]));
  }
}

template <int ROUNDS, bool ENCRYPT>
UDM_VAES void crypt_sectors(const std::uint8_t* keys, const std::uint8_t* tweak_keys, const std::byte* in,
                            std::byte* out, std::size_t sectors, std::uint32_t sector_size,
                            const std::uint8_t* ivs) noexcept {
  __m512i k[ROUNDS + 1];
  for (int r = 0; r <= ROUNDS; ++r)
    k[r] = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + 16 * r)));
  // The sectors' first tweaks, a few at a time.
  constexpr std::size_t BATCH = 16;
  alignas(64) std::uint8_t first[BATCH * 16] = {};
  for (std::size_t s0 = 0; s0 < sectors; s0 += BATCH) {
    const std::size_t n = sectors - s0 < BATCH ? sectors - s0 : BATCH;
    std::memcpy(first, ivs + 16 * s0, 16 * n);
    encrypt_tweaks<ROUNDS>(tweak_keys, first, n);
    for (std::size_t s = 0; s < n; ++s) {
      const __m512i t0 = first_lanes(first + 16 * s);  // blocks 0..3 of the sector
      const std::size_t base = (s0 + s) * sector_size;
      // 512 bytes a step: eight independent AES chains keep the VAES unit
      // busy across its latency (four left it idle a fifth of the time);
      // the tweaks of a step come from the previous step's, not one after
      // the other.
      __m512i t[8];
      t[0] = t0;
      t[1] = times_x<4>(t0);
      t[2] = times_x<8>(t0);
      t[3] = times_x<12>(t0);
      for (std::size_t off = 0; off < sector_size; off += 512) {
        _Pragma("GCC unroll 8")
        for (int i = 4; i < 8; ++i) t[i] = times_x<16>(t[i - 4]);
        const auto* src = in + base + off;
        __m512i d[8];
        _Pragma("GCC unroll 8")
        for (int i = 0; i < 8; ++i) d[i] = _mm512_loadu_si512(src + 64 * i) ^ t[i] ^ k[0];
        _Pragma("GCC unroll 14")
        for (int r = 1; r < ROUNDS; ++r)
          _Pragma("GCC unroll 8")
          for (int i = 0; i < 8; ++i)
            d[i] = ENCRYPT ? _mm512_aesenc_epi128(d[i], k[r]) : _mm512_aesdec_epi128(d[i], k[r]);
        _Pragma("GCC unroll 8")
        for (int i = 0; i < 8; ++i)
          d[i] = ENCRYPT ? _mm512_aesenclast_epi128(d[i], k[ROUNDS]) : _mm512_aesdeclast_epi128(d[i], k[ROUNDS]);
        auto* dst = out + base + off;
        // Ciphertext goes to storage (the backing file's page cache, or a
        // bounce buffer copied there once): streamed past the CPU cache, the
        // destination lines are not read in first. +10% on 1 MiB crypt
        // writes at QD8 (bench/crypt/README.md).
        if (ENCRYPT && (reinterpret_cast<std::uintptr_t>(dst) & 63) == 0) {
          _Pragma("GCC unroll 8")
          for (int i = 0; i < 8; ++i) _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + 64 * i), d[i] ^ t[i]);
        } else {
          _Pragma("GCC unroll 8")
          for (int i = 0; i < 8; ++i) _mm512_storeu_si512(dst + 64 * i, d[i] ^ t[i]);
        }
        _Pragma("GCC unroll 8")
        for (int i = 0; i < 4; ++i) t[i] = times_x<16>(t[i + 4]);
      }
    }
  }
  OPENSSL_cleanse(first, sizeof first);
  if constexpr (ENCRYPT) _mm_sfence();  // streamed stores seen before the piece is reported done
}

}  // namespace

bool NativeXts::available() noexcept {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1") &&
           __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("vaes") && __builtin_cpu_supports("vpclmulqdq");
  }();
  return yes;
}

bool NativeXts::set_key(const std::uint8_t* key, std::size_t size) noexcept {
  if ((size != 32 && size != 64) || !available()) return false;
  const int nk = static_cast<int>(size / 2 / 4);
  rounds_ = nk + 6;
  expand_key(key, nk, enc1_);
  expand_key(key + size / 2, nk, enc2_);
  invert_keys(enc1_, rounds_, dec1_);
  return true;
}

void NativeXts::crypt(bool encrypt, const std::byte* in, std::byte* out, std::size_t sectors,
                      std::uint32_t sector_size, const std::uint8_t* ivs) const noexcept {
  if (rounds_ == 14) {
    if (encrypt) crypt_sectors<14, true>(enc1_, enc2_, in, out, sectors, sector_size, ivs);
    else crypt_sectors<14, false>(dec1_, enc2_, in, out, sectors, sector_size, ivs);
  } else {
    if (encrypt) crypt_sectors<10, true>(enc1_, enc2_, in, out, sectors, sector_size, ivs);
    else crypt_sectors<10, false>(dec1_, enc2_, in, out, sectors, sector_size, ivs);
  }
}

#else  // not x86-64: never available

bool NativeXts::available() noexcept { return false; }
bool NativeXts::set_key(const std::uint8_t*, std::size_t) noexcept { return false; }
void NativeXts::crypt(bool, const std::byte*, std::byte*, std::size_t, std::uint32_t,
                      const std::uint8_t*) const noexcept {}

#endif

NativeXts::~NativeXts() {
  OPENSSL_cleanse(enc1_, sizeof enc1_);
  OPENSSL_cleanse(dec1_, sizeof dec1_);
  OPENSSL_cleanse(enc2_, sizeof enc2_);
}

}  // namespace udm::crypt::xts

// AES-XTS on the CPU's own AES instructions: VAES on 512-bit registers
// (16 blocks in flight, tweaks advanced four blocks at a time with a
// carry-less multiply), for CPUs with AVX-512F, VAES and VPCLMULQDQ.
// Through EVP the same work costs about twice as much for 512-byte sectors:
// OpenSSL's XTS needs its IV set per sector (parameter lookups), and XTS on
// ECB (crypt/xts.hpp) spends two more passes over the data on the tweaks.
// Other CPUs keep those paths; available() says which applies.
//
// XTS (IEEE P1619): T_0 = E_K2(IV); C_j = E_K1(P_j ^ T_j) ^ T_j;
// T_j+1 = T_j * x in GF(2^128) (little-endian, reduction 0x87).
#pragma once

#include <cstddef>
#include <cstdint>

namespace udm::crypt::xts {

class NativeXts {
 public:
  // The CPU (and the kernel, for the AVX-512 state) can run this code.
  static bool available() noexcept;

  NativeXts() = default;
  ~NativeXts();
  NativeXts(const NativeXts&) = delete;
  NativeXts& operator=(const NativeXts&) = delete;

  // key is K1 || K2: 32 bytes (AES-128) or 64 (AES-256). False otherwise.
  bool set_key(const std::uint8_t* key, std::size_t size) noexcept;

  // `sectors` sectors of `sector_size` bytes (a multiple of 512) from `in`
  // to `out` (may be the same buffer); `ivs` holds one 16-byte IV per
  // sector. Only after set_key() succeeded and available() is true.
  void crypt(bool encrypt, const std::byte* in, std::byte* out, std::size_t sectors, std::uint32_t sector_size,
             const std::uint8_t* ivs) const noexcept;

 private:
  static constexpr int MAX_ROUNDS = 14;
  int rounds_ = 0;
  alignas(16) std::uint8_t enc1_[(MAX_ROUNDS + 1) * 16] = {};  // K1, encryption
  alignas(16) std::uint8_t dec1_[(MAX_ROUNDS + 1) * 16] = {};  // K1, equivalent inverse cipher
  alignas(16) std::uint8_t enc2_[(MAX_ROUNDS + 1) * 16] = {};  // K2, tweaks
};

}  // namespace udm::crypt::xts

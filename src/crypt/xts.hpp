// XTS (IEEE P1619) over a block cipher in ECB mode, so that many sectors go
// through one EVP call. OpenSSL's own XTS needs its IV set per sector, and in
// OpenSSL 3 that re-initialisation (parameter lookups by name) costs more
// than encrypting a 512-byte sector.
//
// Per sector: T_0 = E_K2(IV); block j: C_j = E_K1(P_j ^ T_j) ^ T_j, with
// T_j+1 = T_j * x in GF(2^128) (little-endian, reduction 0x87). Sectors are
// whole multiples of 16 bytes, so no ciphertext stealing.
#pragma once

#include <cstddef>
#include <cstdint>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace udm::crypt::xts {

constexpr std::size_t BLOCK = 16;

// One group of `sectors` sectors of `sector_size` bytes from `in` to `out`
// (may be the same buffer). `bulk` is ECB keyed with K1 for the direction
// wanted; `tweak` is ECB encryption keyed with K2. `ivs` holds the sectors'
// IVs (16 bytes each) and is overwritten; `tweaks` has room for
// sectors * sector_size bytes. False on an OpenSSL failure.
bool crypt_group(EVP_CIPHER_CTX* bulk, EVP_CIPHER_CTX* tweak, std::uint8_t* ivs, std::uint8_t* tweaks,
                 const std::byte* in, std::byte* out, std::size_t sectors, std::uint32_t sector_size) noexcept;

}  // namespace udm::crypt::xts

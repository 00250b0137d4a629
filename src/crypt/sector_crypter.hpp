// Sector-at-a-time encryption for dm-crypt tables with OpenSSL EVP (AES-NI
// where the CPU has it). Each sector gets its own IV from its sector number
// (the IV mode). EVP contexts are keyed once, when the table is built, and
// then handed to one worker thread at a time. Small XTS sectors run as ECB
// plus tweaks (crypt/xts.hpp), a group of sectors per EVP call; otherwise
// the IV is set per sector on a keyed context. AES-XTS on a CPU with VAES
// bypasses EVP for the data (crypt/xts_native.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "crypt/cipher_spec.hpp"
#include "crypt/key.hpp"
#include "crypt/xts_native.hpp"

typedef struct evp_cipher_st EVP_CIPHER;
typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace udm::crypt {

enum class Direction { encrypt, decrypt };

class SectorCrypter {
 public:
  // Checks the key size against the cipher ("aes-xts" takes 32 or 64 bytes).
  static Result<std::unique_ptr<SectorCrypter>> create(const CipherSpec& spec, std::span<const std::uint8_t> key);
  ~SectorCrypter();
  SectorCrypter(const SectorCrypter&) = delete;
  SectorCrypter& operator=(const SectorCrypter&) = delete;

  // Transforms `length` bytes (a multiple of sector_size) from `in` to `out`
  // (may be the same buffer). The first sector's IV number is `iv_sector`,
  // each next one `iv_step` more. False on an OpenSSL failure.
  bool crypt(Direction dir, const std::byte* in, std::byte* out, std::size_t length, std::uint32_t sector_size,
             std::uint64_t iv_sector, std::uint64_t iv_step) noexcept;

  // The same in parts, for a caller whose transformation may be cut off
  // part-way (decrypting from a file mapping that a signal jumps out of):
  // the keyed contexts are taken before and given back after, so a jump
  // leaks nothing, and each call sets its own IVs, so contexts left
  // mid-operation serve the next call as well. take() is null when no
  // context could be keyed.
  struct Slot;  // keyed contexts and scratch for one thread at a time
  Slot* take() noexcept;
  void give(Slot* slot) noexcept;
  bool crypt_with(Slot& slot, Direction dir, const std::byte* in, std::byte* out, std::size_t length,
                  std::uint32_t sector_size, std::uint64_t iv_sector, std::uint64_t iv_step) noexcept;

  // cipher_null: the bytes pass unchanged (no contexts, take() is null).
  bool null_cipher() const { return null_cipher_; }

  // The IV of one sector (iv_size() bytes), for tests.
  void make_iv(std::uint64_t sector, std::uint8_t* iv) noexcept;
  std::size_t iv_size() const { return iv_size_; }

 private:
  // Bytes of sectors per XTS group: the data, its tweaks and the output stay
  // in the first-level cache.
  static constexpr std::size_t XTS_GROUP = 16 * 1024;
  // OpenSSL's XTS re-initialised per sector costs about as much as 1 KiB of
  // XTS (udm-bench-crypt, AES-NI): below 2 KiB sectors ECB plus tweaks is
  // faster, from 2 KiB up OpenSSL's own fused XTS is.
  static constexpr std::uint32_t XTS_ECB_BELOW = 2048;

 public:
  struct Slot {
    EVP_CIPHER_CTX* enc = nullptr;  // the table's cipher, keyed
    EVP_CIPHER_CTX* dec = nullptr;
    EVP_CIPHER_CTX* ecb_enc = nullptr;  // XTS on ECB: keyed with the first half of the key
    EVP_CIPHER_CTX* ecb_dec = nullptr;
    EVP_CIPHER_CTX* tweak = nullptr;  // XTS on ECB: encryption keyed with the second half
    EVP_CIPHER_CTX* essiv = nullptr;  // ECB keyed with the hash of the key
    alignas(64) std::uint8_t ivs[XTS_GROUP / 512 * 16];
    alignas(64) std::uint8_t tweaks[XTS_GROUP];
  };

 private:
  SectorCrypter() = default;
  Result<void> key_slot(Slot& slot);
  bool make_iv_with(Slot& slot, std::uint64_t sector, std::uint8_t* iv) noexcept;
  static void free_slot(Slot& slot) noexcept;
  bool crypt_native(Slot& s, bool encrypt, const std::byte* in, std::byte* out, std::size_t length,
                    std::uint32_t sector_size, std::uint64_t iv_sector, std::uint64_t iv_step) noexcept;
  bool crypt_xts(Slot& s, EVP_CIPHER_CTX* bulk, const std::byte* in, std::byte* out, std::size_t length,
                 std::uint32_t sector_size, std::uint64_t iv_sector, std::uint64_t iv_step) noexcept;

  CipherSpec spec_;
  bool null_cipher_ = false;
  EVP_CIPHER* cipher_ = nullptr;
  EVP_CIPHER* xts_ecb_ = nullptr;  // set when XTS runs on ECB
  EVP_CIPHER* essiv_cipher_ = nullptr;
  std::unique_ptr<xts::NativeXts> native_;  // AES-XTS on VAES, when the CPU has it
  SecretBytes key_;
  SecretBytes essiv_salt_;
  std::size_t iv_size_ = 0;
  std::mutex lock_;
  std::vector<std::unique_ptr<Slot>> slots_;  // every slot made
  std::vector<Slot*> free_;
};

}  // namespace udm::crypt

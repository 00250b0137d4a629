#include "crypt/sector_crypter.hpp"

#include <openssl/evp.h>

#include "crypt/xts.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace udm::crypt {
namespace {

constexpr std::size_t MAX_IV = 32;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// OpenSSL's name for cipher/chain/key size: "AES-256-XTS".
std::string evp_name(const std::string& cipher, const std::string& chain, std::size_t key_bytes) {
  std::size_t bits = chain == "xts" ? key_bytes * 4 : key_bytes * 8;
  return upper(cipher) + "-" + std::to_string(bits) + "-" + upper(chain);
}

// One store on a little-endian host: GCC leaves the byte loop as eight
// stores with a shift each, 5% of a 512-byte-sector crypt write's CPU.
void put_le64(std::uint8_t* p, std::uint64_t v) {
  if constexpr (std::endian::native != std::endian::little) v = std::byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

}  // namespace

Result<std::unique_ptr<SectorCrypter>> SectorCrypter::create(const CipherSpec& spec,
                                                             std::span<const std::uint8_t> key) {
  std::unique_ptr<SectorCrypter> c(new SectorCrypter);
  c->spec_ = spec;
  c->key_ = SecretBytes(key.size());
  std::copy(key.begin(), key.end(), c->key_.data());
  if (spec.cipher == "cipher_null") {
    if (!key.empty()) return fail(EINVAL, "Error decoding and setting key: cipher_null takes no key ('-')");
    c->null_cipher_ = true;
    return c;
  }
  if (key.empty()) return fail(EINVAL, "Error decoding and setting key: the cipher needs a key");
  const std::string name = evp_name(spec.cipher, spec.chain, key.size());
  c->cipher_ = EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr);
  if (!c->cipher_)
    return fail(EINVAL, "Error allocating crypto tfm: " + spec.chain + "(" + spec.cipher + ") with a " +
                            std::to_string(key.size() * 8) + "-bit key is not available in OpenSSL");
  if (static_cast<std::size_t>(EVP_CIPHER_get_key_length(c->cipher_)) != key.size())
    return fail(EINVAL, "Error decoding and setting key: wrong key size for " + name);
  c->iv_size_ = static_cast<std::size_t>(EVP_CIPHER_get_iv_length(c->cipher_));
  if (spec.chain == "xts") {
    const std::string ecb = evp_name(spec.cipher, "ecb", key.size() / 2);
    c->xts_ecb_ = EVP_CIPHER_fetch(nullptr, ecb.c_str(), nullptr);
    if (c->xts_ecb_ && (c->iv_size_ != xts::BLOCK ||
                        static_cast<std::size_t>(EVP_CIPHER_get_block_size(c->xts_ecb_)) != xts::BLOCK)) {
      EVP_CIPHER_free(c->xts_ecb_);  // not a 128-bit block cipher: OpenSSL's XTS per sector
      c->xts_ecb_ = nullptr;
    }
  }
  if (c->xts_ecb_ && spec.cipher == "aes" && xts::NativeXts::available()) {
    c->native_ = std::make_unique<xts::NativeXts>();
    if (!c->native_->set_key(key.data(), key.size())) c->native_.reset();
  }
  if (c->iv_size_ > MAX_IV) return fail(EINVAL, "Error creating IV: IV of " + name + " is too long");
  if (c->iv_size_ > 0 && c->iv_size_ < 8 && spec.iv != IvMode::null && spec.iv != IvMode::none)
    return fail(EINVAL, "Error creating IV: IV of " + name + " is too short");

  if (spec.iv == IvMode::essiv) {
    EVP_MD* md = EVP_MD_fetch(nullptr, spec.iv_opts.c_str(), nullptr);
    if (!md) return fail(EINVAL, "Error creating IV: essiv hash '" + spec.iv_opts + "' is not available");
    c->essiv_salt_ = SecretBytes(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned out = 0;
    bool ok = EVP_Digest(key.data(), key.size(), c->essiv_salt_.data(), &out, md, nullptr) == 1;
    EVP_MD_free(md);
    if (!ok) return fail(EINVAL, "Error creating IV: essiv hash failed");
    // ESSIV encrypts the sector number with the cipher in ECB, keyed by the hash.
    const std::string ename = evp_name(spec.cipher, "ecb", c->essiv_salt_.size());
    c->essiv_cipher_ = EVP_CIPHER_fetch(nullptr, ename.c_str(), nullptr);
    if (!c->essiv_cipher_ || static_cast<std::size_t>(EVP_CIPHER_get_block_size(c->essiv_cipher_)) != c->iv_size_)
      return fail(EINVAL, "Error creating IV: essiv:" + spec.iv_opts + " gives a " +
                              std::to_string(c->essiv_salt_.size() * 8) + "-bit key, which " + spec.cipher +
                              " does not take");
  }
  // One slot now so a bad key fails the table load, not the first I/O.
  auto slot = std::make_unique<Slot>();
  if (auto r = c->key_slot(*slot); !r) {
    free_slot(*slot);
    return fail(r.error());
  }
  c->free_.push_back(slot.get());
  c->slots_.push_back(std::move(slot));
  return c;
}

SectorCrypter::~SectorCrypter() {
  for (auto& s : slots_) free_slot(*s);  // EVP_CIPHER_CTX_free cleanses the key schedules
  EVP_CIPHER_free(cipher_);
  EVP_CIPHER_free(xts_ecb_);
  EVP_CIPHER_free(essiv_cipher_);
}

void SectorCrypter::free_slot(Slot& s) noexcept {
  EVP_CIPHER_CTX_free(s.enc);
  EVP_CIPHER_CTX_free(s.dec);
  EVP_CIPHER_CTX_free(s.ecb_enc);
  EVP_CIPHER_CTX_free(s.ecb_dec);
  EVP_CIPHER_CTX_free(s.tweak);
  EVP_CIPHER_CTX_free(s.essiv);
  s.enc = s.dec = s.ecb_enc = s.ecb_dec = s.tweak = s.essiv = nullptr;
}

Result<void> SectorCrypter::key_slot(Slot& s) {
  s.enc = EVP_CIPHER_CTX_new();
  s.dec = EVP_CIPHER_CTX_new();
  if (!s.enc || !s.dec) return fail(ENOMEM, "Error allocating crypto tfm");
  if (EVP_CipherInit_ex2(s.enc, cipher_, key_.data(), nullptr, 1, nullptr) != 1 ||
      EVP_CipherInit_ex2(s.dec, cipher_, key_.data(), nullptr, 0, nullptr) != 1)
    // OpenSSL refuses XTS keys whose two halves are equal.
    return fail(EINVAL, "Error decoding and setting key: OpenSSL refused the key for " + spec_.chain + "(" +
                            spec_.cipher + ")");
  EVP_CIPHER_CTX_set_padding(s.enc, 0);
  EVP_CIPHER_CTX_set_padding(s.dec, 0);
  if (xts_ecb_) {
    const std::uint8_t* k1 = key_.data();
    const std::uint8_t* k2 = key_.data() + key_.size() / 2;
    s.ecb_enc = EVP_CIPHER_CTX_new();
    s.ecb_dec = EVP_CIPHER_CTX_new();
    s.tweak = EVP_CIPHER_CTX_new();
    if (!s.ecb_enc || !s.ecb_dec || !s.tweak) return fail(ENOMEM, "Error allocating crypto tfm");
    if (EVP_CipherInit_ex2(s.ecb_enc, xts_ecb_, k1, nullptr, 1, nullptr) != 1 ||
        EVP_CipherInit_ex2(s.ecb_dec, xts_ecb_, k1, nullptr, 0, nullptr) != 1 ||
        EVP_CipherInit_ex2(s.tweak, xts_ecb_, k2, nullptr, 1, nullptr) != 1)
      return fail(EINVAL, "Error decoding and setting key: OpenSSL refused a half of the XTS key");
    for (EVP_CIPHER_CTX* x : {s.ecb_enc, s.ecb_dec, s.tweak}) EVP_CIPHER_CTX_set_padding(x, 0);
  }
  if (essiv_cipher_) {
    s.essiv = EVP_CIPHER_CTX_new();
    if (!s.essiv || EVP_CipherInit_ex2(s.essiv, essiv_cipher_, essiv_salt_.data(), nullptr, 1, nullptr) != 1)
      return fail(EINVAL, "Error creating IV: essiv key refused");
    EVP_CIPHER_CTX_set_padding(s.essiv, 0);
  }
  return {};
}

SectorCrypter::Slot* SectorCrypter::take() noexcept {
  {
    std::lock_guard g(lock_);
    if (!free_.empty()) {
      Slot* s = free_.back();
      free_.pop_back();
      return s;
    }
  }
  // Another worker holds every slot: key one more (once per extra thread).
  auto slot = std::make_unique<Slot>();
  if (!key_slot(*slot)) {
    free_slot(*slot);
    return nullptr;
  }
  Slot* s = slot.get();
  std::lock_guard g(lock_);
  slots_.push_back(std::move(slot));
  return s;
}

void SectorCrypter::give(Slot* s) noexcept {
  std::lock_guard g(lock_);
  free_.push_back(s);
}

bool SectorCrypter::make_iv_with(Slot& s, std::uint64_t sector, std::uint8_t* iv) noexcept {
  std::memset(iv, 0, iv_size_);
  switch (spec_.iv) {
    case IvMode::none:
    case IvMode::null:
      return true;
    case IvMode::plain:
      put_le64(iv, sector & 0xffffffffu);
      return true;
    case IvMode::plain64:
      put_le64(iv, sector);
      return true;
    case IvMode::plain64be:
      for (int i = 0; i < 8; ++i) iv[iv_size_ - 1 - i] = static_cast<std::uint8_t>(sector >> (8 * i));
      return true;
    case IvMode::essiv: {
      std::uint8_t in[MAX_IV] = {};
      put_le64(in, sector);
      int outl = 0;
      return EVP_EncryptUpdate(s.essiv, iv, &outl, in, static_cast<int>(iv_size_)) == 1;
    }
  }
  return false;
}

void SectorCrypter::make_iv(std::uint64_t sector, std::uint8_t* iv) noexcept {
  if (null_cipher_) return;
  Slot* s = take();
  if (!s) return;
  make_iv_with(*s, sector, iv);
  give(s);
}

bool SectorCrypter::crypt(Direction dir, const std::byte* in, std::byte* out, std::size_t length,
                          std::uint32_t sector_size, std::uint64_t iv_sector, std::uint64_t iv_step) noexcept {
  if (null_cipher_) {
    if (in != out) std::memmove(out, in, length);
    return true;
  }
  Slot* s = take();
  if (!s) return false;
  const bool ok = crypt_with(*s, dir, in, out, length, sector_size, iv_sector, iv_step);
  give(s);
  return ok;
}

bool SectorCrypter::crypt_with(Slot& slot, Direction dir, const std::byte* in, std::byte* out, std::size_t length,
                               std::uint32_t sector_size, std::uint64_t iv_sector, std::uint64_t iv_step) noexcept {
  if (null_cipher_) {
    if (in != out) std::memmove(out, in, length);
    return true;
  }
  if (native_) return crypt_native(slot, dir == Direction::encrypt, in, out, length, sector_size, iv_sector, iv_step);
  if (xts_ecb_ && sector_size < XTS_ECB_BELOW)
    return crypt_xts(slot, dir == Direction::encrypt ? slot.ecb_enc : slot.ecb_dec, in, out, length, sector_size,
                     iv_sector, iv_step);
  EVP_CIPHER_CTX* ctx = dir == Direction::encrypt ? slot.enc : slot.dec;
  const int enc = dir == Direction::encrypt ? 1 : 0;
  std::uint8_t iv[MAX_IV];
  bool ok = true;
  for (std::size_t pos = 0; ok && pos < length; pos += sector_size, iv_sector += iv_step) {
    int outl = 0;
    ok = make_iv_with(slot, iv_sector, iv) &&
         EVP_CipherInit_ex2(ctx, nullptr, nullptr, iv_size_ ? iv : nullptr, enc, nullptr) == 1 &&
         EVP_CipherUpdate(ctx, reinterpret_cast<unsigned char*>(out + pos), &outl,
                          reinterpret_cast<const unsigned char*>(in + pos), static_cast<int>(sector_size)) == 1;
  }
  return ok;
}

bool SectorCrypter::crypt_native(Slot& s, bool encrypt, const std::byte* in, std::byte* out, std::size_t length,
                                 std::uint32_t sector_size, std::uint64_t iv_sector,
                                 std::uint64_t iv_step) noexcept {
  if (sector_size % 512 != 0) return false;
  const std::size_t per_group = XTS_GROUP / sector_size;  // sector_size <= 4096
  for (std::size_t pos = 0; pos < length;) {
    const std::size_t n = std::min(per_group, (length - pos) / sector_size);
    if (n == 0) return false;  // a partial sector
    if (spec_.iv == IvMode::plain64) {  // what cryptsetup writes: no call and no memset per sector
      for (std::size_t k = 0; k < n; ++k, iv_sector += iv_step) {
        put_le64(s.ivs + k * xts::BLOCK, iv_sector);
        std::memset(s.ivs + k * xts::BLOCK + 8, 0, 8);
      }
    } else {
      for (std::size_t k = 0; k < n; ++k, iv_sector += iv_step)
        if (!make_iv_with(s, iv_sector, s.ivs + k * xts::BLOCK)) return false;
    }
    native_->crypt(encrypt, in + pos, out + pos, n, sector_size, s.ivs);
    pos += n * sector_size;
  }
  return true;
}

bool SectorCrypter::crypt_xts(Slot& s, EVP_CIPHER_CTX* bulk, const std::byte* in, std::byte* out,
                              std::size_t length, std::uint32_t sector_size, std::uint64_t iv_sector,
                              std::uint64_t iv_step) noexcept {
  const std::size_t per_group = XTS_GROUP / sector_size;  // sector_size <= 4096
  for (std::size_t pos = 0; pos < length;) {
    const std::size_t n = std::min(per_group, (length - pos) / sector_size);
    if (n == 0) return false;  // a partial sector
    for (std::size_t k = 0; k < n; ++k, iv_sector += iv_step)
      if (!make_iv_with(s, iv_sector, s.ivs + k * xts::BLOCK)) return false;
    if (!xts::crypt_group(bulk, s.tweak, s.ivs, s.tweaks, in + pos, out + pos, n, sector_size)) return false;
    pos += n * sector_size;
  }
  return true;
}

}  // namespace udm::crypt

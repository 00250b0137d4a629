// Keys of crypt tables: hex text to bytes and back, keyring references, and a
// byte buffer that wipes itself (OPENSSL_cleanse) so no copy of a key
// outlives the table that held it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace udm::crypt {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : bytes_(size) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes() { wipe(); }

  // Zeroes the bytes; the size stays (the kernel keeps key_size after a wipe).
  void wipe() noexcept;
  std::size_t size() const { return bytes_.size(); }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::span<const std::uint8_t> span() const { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

// ":<size>:<type>:<description>" as dm-crypt takes a key from a keyring.
struct KeyringRef {
  std::size_t size = 0;
  std::string type;  // logon, user, encrypted, trusted
  std::string description;
};
bool looks_like_keyring_key(std::string_view text);
Result<KeyringRef> parse_keyring_key(std::string_view text);

// Hex digits (even count) to bytes. The error never repeats the text.
Result<SecretBytes> parse_hex_key(std::string_view hex);
// Bytes as lowercase hex, as the kernel prints a key.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace udm::crypt

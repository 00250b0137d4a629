#include "crypt/key.hpp"

#include <openssl/crypto.h>

#include "base/units.hpp"

namespace udm::crypt {

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
  }
  return *this;
}

void SecretBytes::wipe() noexcept {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

bool looks_like_keyring_key(std::string_view text) { return !text.empty() && text.front() == ':'; }

Result<KeyringRef> parse_keyring_key(std::string_view text) {
  // :<size>:<type>:<description>; the description may itself hold ':'.
  if (!looks_like_keyring_key(text)) return fail(EINVAL, "not a keyring key reference");
  text.remove_prefix(1);
  auto c1 = text.find(':');
  if (c1 == std::string_view::npos || c1 == 0) return fail(EINVAL, "keyring key reference has no size");
  KeyringRef ref;
  for (char ch : text.substr(0, c1)) {
    if (ch < '0' || ch > '9' || ref.size > 4096) return fail(EINVAL, "keyring key size is not a number");
    ref.size = ref.size * 10 + static_cast<std::size_t>(ch - '0');
  }
  text.remove_prefix(c1 + 1);
  auto c2 = text.find(':');
  if (c2 == std::string_view::npos || c2 == 0 || c2 + 1 >= text.size())
    return fail(EINVAL, "keyring key reference needs :<size>:<type>:<description>");
  ref.type = std::string(text.substr(0, c2));
  ref.description = std::string(text.substr(c2 + 1));
  if (ref.type != "logon" && ref.type != "user" && ref.type != "encrypted" && ref.type != "trusted")
    return fail(EINVAL, "keyring key type '" + ref.type + "' is not logon, user, encrypted or trusted");
  return ref;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<SecretBytes> parse_hex_key(std::string_view hex) {
  if (hex.size() % 2 != 0) return fail(EINVAL, "key has an odd number of hex digits");
  SecretBytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(EINVAL, "key is not hex digits");
    out.data()[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = digits[bytes[i] >> 4];
    s[2 * i + 1] = digits[bytes[i] & 15];
  }
  return s;
}

}  // namespace udm::crypt

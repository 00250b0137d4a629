// dm-crypt's cipher argument, both spellings cryptsetup writes:
//   cipher[:keycount]-chainmode-ivmode[:ivopts]   aes-xts-plain64, aes-cbc-essiv:sha256
//   capi:chainmode(cipher)-ivmode[:ivopts]       capi:xts(aes)-plain64
// parsed into parts; errors are the kernel's table errors, plus what udm does
// not support and why.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace udm::crypt {

enum class IvMode { none, plain, plain64, plain64be, essiv, null };

struct CipherSpec {
  std::string cipher;   // "aes", "cipher_null"
  std::string chain;    // "xts", "cbc", "ecb"
  IvMode iv = IvMode::none;
  std::string iv_opts;  // essiv's hash ("sha256")
  unsigned key_count = 1;
};

Result<CipherSpec> parse_cipher_spec(std::string_view text);

}  // namespace udm::crypt

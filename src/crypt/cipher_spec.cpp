#include "crypt/cipher_spec.hpp"

namespace udm::crypt {
namespace {

Result<IvMode> parse_iv_mode(std::string_view mode) {
  if (mode == "plain") return IvMode::plain;
  if (mode == "plain64") return IvMode::plain64;
  if (mode == "plain64be") return IvMode::plain64be;
  if (mode == "essiv") return IvMode::essiv;
  if (mode == "null") return IvMode::null;
  if (mode == "benbi" || mode == "lmk" || mode == "tcw" || mode == "random" || mode == "eboiv" ||
      mode == "elephant")
    return fail(EINVAL, "Invalid IV mode: '" + std::string(mode) +
                            "' is not supported by udm (plain, plain64, plain64be, essiv, null are)");
  return fail(EINVAL, "Invalid IV mode");
}

Result<void> finish(CipherSpec& spec, std::string_view ivmode, std::string_view ivopts, bool have_ivmode) {
  if (!have_ivmode) {
    if (spec.chain != "ecb") return fail(EINVAL, "IV mechanism required");
    spec.iv = IvMode::none;
  } else {
    auto iv = parse_iv_mode(ivmode);
    if (!iv) return fail(iv.error());
    spec.iv = *iv;
  }
  spec.iv_opts = std::string(ivopts);
  if (spec.iv == IvMode::essiv && spec.iv_opts.empty()) return fail(EINVAL, "Digest algorithm missing for ESSIV mode");
  if (spec.cipher.empty() || spec.chain.empty()) return fail(EINVAL, "Bad cipher specification");
  return {};
}

// capi:chainmode(cipher)-ivmode[:ivopts]
Result<CipherSpec> parse_capi(std::string_view rest) {
  CipherSpec spec;
  std::string_view ivopts;
  // The hash in ivopts may hold '-' (essiv:sha3-256), so options go first.
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    ivopts = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  auto dash = rest.rfind('-');
  std::string_view ivmode;
  bool have_ivmode = dash != std::string_view::npos;
  if (have_ivmode) {
    ivmode = rest.substr(dash + 1);
    rest = rest.substr(0, dash);
  }
  auto open = rest.find('(');
  if (open == std::string_view::npos || open == 0 || rest.back() != ')')
    return fail(EINVAL, "Error allocating crypto tfm: '" + std::string(rest) +
                            "' is not <mode>(<cipher>), the only crypto API form udm supports");
  spec.chain = std::string(rest.substr(0, open));
  spec.cipher = std::string(rest.substr(open + 1, rest.size() - open - 2));
  if (spec.cipher.find_first_of("(),") != std::string::npos || spec.chain == "authenc" || spec.chain == "gcm" ||
      spec.chain == "rfc4106" || spec.chain == "rfc7539")
    return fail(EINVAL, "Error allocating crypto tfm: '" + std::string(rest) +
                            "' needs authenticated encryption (dm-integrity), which udm does not have");
  if (auto r = finish(spec, ivmode, ivopts, have_ivmode); !r) return fail(r.error());
  return spec;
}

}  // namespace

Result<CipherSpec> parse_cipher_spec(std::string_view text) {
  if (text.empty() || text.find_first_of(" \t\n") != std::string_view::npos)
    return fail(EINVAL, "Bad cipher specification");
  if (text.starts_with("capi:")) return parse_capi(text.substr(5));

  CipherSpec spec;
  // cipher[:keycount]
  auto dash = text.find('-');
  std::string_view head = text.substr(0, dash);
  std::string_view tail = dash == std::string_view::npos ? std::string_view{} : text.substr(dash + 1);
  bool have_tail = dash != std::string_view::npos;
  auto kc = head.find(':');
  if (kc != std::string_view::npos) {
    std::string_view count = head.substr(kc + 1);
    unsigned n = 0;
    for (char c : count) {
      if (c < '0' || c > '9' || n > 1024) return fail(EINVAL, "Bad cipher key count specification");
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (count.empty() || n == 0 || (n & (n - 1))) return fail(EINVAL, "Bad cipher key count specification");
    spec.key_count = n;
    head = head.substr(0, kc);
  }
  spec.cipher = std::string(head);
  // chainmode
  std::string_view chain, ivmode, ivopts;
  bool have_ivmode = false;
  if (have_tail) {
    auto d2 = tail.find('-');
    chain = tail.substr(0, d2);
    if (d2 != std::string_view::npos) {
      std::string_view iv = tail.substr(d2 + 1);
      auto c = iv.find(':');
      ivmode = iv.substr(0, c);
      if (c != std::string_view::npos) ivopts = iv.substr(c + 1);
      have_ivmode = true;
    }
  }
  // The old default: "aes" alone, or "aes-plain", mean aes-cbc-plain.
  if (chain.empty() || (chain == "plain" && !have_ivmode)) {
    chain = "cbc";
    ivmode = "plain";
    have_ivmode = true;
  }
  spec.chain = std::string(chain);
  if (auto r = finish(spec, ivmode, ivopts, have_ivmode); !r) return fail(r.error());
  if (spec.key_count != 1)
    return fail(EINVAL, "Bad cipher key count specification: udm supports one key (" +
                            std::to_string(spec.key_count) + " asked; multi-key modes such as lmk are not supported)");
  return spec;
}

}  // namespace udm::crypt

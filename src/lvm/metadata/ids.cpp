// Ids: 32 characters in pv_header and in memory, 6-4-4-4-4-4-6 in text.
#include <random>

#include "lvm/metadata/model.hpp"

namespace udm::lvm {

namespace {
bool is_id_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '!' ||
         c == '#';
}
constexpr std::size_t GROUPS[] = {6, 4, 4, 4, 4, 4, 6};
}  // namespace

std::string quote_for_message(std::string_view text, std::size_t max) {
  static constexpr char HEX[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == max) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += "\\x";
      out += HEX[c >> 4];
      out += HEX[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string name_for_message(std::string_view name) {
  bool plain = !name.empty() && name.size() <= 128;
  for (char c : name)
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
                      c == '_' || c == '.' || c == '-' || c == '/');
  return plain ? std::string(name) : quote_for_message(name);
}

bool is_valid_raw_id(std::string_view raw) {
  if (raw.size() != ID_LEN) return false;
  for (char c : raw)
    if (!is_id_char(c)) return false;
  return true;
}

std::string format_id(std::string_view raw) {
  std::string out;
  out.reserve(FORMATTED_ID_LEN);
  std::size_t pos = 0;
  for (std::size_t g = 0; g < std::size(GROUPS); ++g) {
    if (g) out += '-';
    out += raw.substr(pos, GROUPS[g]);
    pos += GROUPS[g];
  }
  return out;
}

Result<std::string> parse_id(std::string_view text) {
  std::string raw;
  if (text.size() == FORMATTED_ID_LEN) {
    std::size_t pos = 0;
    for (std::size_t g = 0; g < std::size(GROUPS); ++g) {
      if (g) {
        if (text[pos] != '-') return fail(EINVAL, "id " + quote_for_message(text) + ": dash expected at " + std::to_string(pos));
        ++pos;
      }
      raw += text.substr(pos, GROUPS[g]);
      pos += GROUPS[g];
    }
  } else {
    raw = std::string(text);
  }
  if (!is_valid_raw_id(raw))
    return fail(EINVAL, "id " + quote_for_message(text) + ": not 32 characters from [0-9a-zA-Z!#] (dashes as 6-4-4-4-4-4-6)");
  return raw;
}

std::string generate_id() {
  static constexpr char SYMBOLS[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::random_device rd;
  std::uniform_int_distribution<int> pick(0, 61);
  std::string raw(ID_LEN, '0');
  for (auto& c : raw) c = SYMBOLS[pick(rd)];
  return raw;
}

}  // namespace udm::lvm

#include "table_text.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

namespace udm::udmsetup {

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// sscanf("%llu"): optional whitespace, optional sign, digits (negative
// values wrap, as in C).
bool scan_u64(std::string_view& s, std::uint64_t& out) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  std::size_t digits = i;
  std::uint64_t v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
    v = v * 10 + static_cast<std::uint64_t>(s[i++] - '0');
  if (i == digits) return false;
  out = neg ? 0 - v : v;
  s.remove_prefix(i);
  return true;
}

bool scan_word(std::string_view& s, std::string& out) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  std::size_t start = i;
  while (i < s.size() && !is_space(s[i])) ++i;
  if (i == start) return false;
  out.assign(s.substr(start, i - start));
  s.remove_prefix(i);
  return true;
}

}  // namespace

Result<std::vector<client::TableLine>> parse_table(std::string_view text, std::string_view source) {
  std::vector<client::TableLine> out;
  unsigned line_no = 0;
  while (!text.empty() || line_no == 0) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') {
      if (text.empty()) break;
      continue;
    }
    client::TableLine t;
    std::string_view rest = line;
    if (!scan_u64(rest, t.start) || !scan_u64(rest, t.length) || !scan_word(rest, t.type))
      return fail(EINVAL, fmt::format("Invalid format on line {} of table {}.", line_no, source));
    // "%s %n": the space directive eats all whitespace after the type.
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    auto hash = rest.find('#');
    t.params.assign(rest.substr(0, hash));
    out.push_back(std::move(t));
    if (text.empty()) break;
  }
  return out;
}

}  // namespace udm::udmsetup

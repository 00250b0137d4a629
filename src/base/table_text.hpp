// dmsetup's table syntax (its _parse_line), the one parser of table text for
// udmsetup, the core and the tests: one target a line, `start length type
// params...`; blank lines and lines starting with '#' are skipped, a '#' in
// the parameters starts a comment, no line continuation. Header-only: the
// client side and the core both use it and share no library below base.
#pragma once

#include <cerrno>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace udm {

struct TableTextLine {
  std::uint64_t start = 0;   // sectors
  std::uint64_t length = 0;  // sectors
  std::string type;
  std::string params;    // as given, unsplit, up to a '#' comment
  unsigned line_no = 0;  // 1-based line in the source, for messages
};

namespace table_text_detail {

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// sscanf("%llu"): optional whitespace, optional sign, digits; a negative
// value wraps and an overflow gives the largest value, as strtoull.
inline bool scan_u64(std::string_view& s, std::uint64_t& out) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const std::size_t first_digit = i;
  std::uint64_t v = 0;
  bool overflow = false;
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    const auto digit = static_cast<std::uint64_t>(s[i] - '0');
    if (v > (max - digit) / 10) overflow = true;
    v = v * 10 + digit;
  }
  if (i == first_digit) return false;
  out = overflow ? max : negative ? 0 - v : v;
  s.remove_prefix(i);
  return true;
}

// sscanf("%s"): skips whitespace, takes the next word.
inline bool scan_word(std::string_view& s, std::string& out) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  const std::size_t start = i;
  while (i < s.size() && !is_space(s[i])) ++i;
  if (i == start) return false;
  out.assign(s.substr(start, i - start));
  s.remove_prefix(i);
  return true;
}

}  // namespace table_text_detail

// `source` names the table in messages the way dmsetup does: "" for --table
// ("Invalid format on line 1 of table ."), "on stdin", or the file name.
inline Result<std::vector<TableTextLine>> parse_table_text(std::string_view text, std::string_view source) {
  using table_text_detail::is_space;
  std::vector<TableTextLine> out;
  unsigned line_no = 0;
  while (!text.empty() || line_no == 0) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') {
      if (text.empty()) break;
      continue;
    }
    TableTextLine t;
    t.line_no = line_no;
    std::string_view rest = line;
    if (!table_text_detail::scan_u64(rest, t.start) || !table_text_detail::scan_u64(rest, t.length) ||
        !table_text_detail::scan_word(rest, t.type))
      return fail(EINVAL, "Invalid format on line " + std::to_string(line_no) + " of table " + std::string(source) +
                              ".");
    // "%s %n": the space directive eats all whitespace after the type.
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    t.params.assign(rest.substr(0, rest.find('#')));
    out.push_back(std::move(t));
    if (text.empty()) break;
  }
  return out;
}

}  // namespace udm

#include "core/table_line.hpp"

#include <charconv>

namespace udm::core {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Takes the next whitespace-separated word off the front of `s`.
std::string_view next_word(std::string_view& s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && !is_space(s[n])) ++n;
  auto word = s.substr(0, n);
  s.remove_prefix(n);
  return word;
}

bool parse_u64(std::string_view word, std::uint64_t& out) {
  if (word.empty()) return false;
  auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), out);
  return ec == std::errc{} && p == word.data() + word.size();
}

}  // namespace

Result<std::vector<TableLine>> parse_table_text(std::string_view text, std::string_view source) {
  std::vector<TableLine> lines;
  unsigned line_no = 0;
  while (!text.empty() || line_no == 0) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);

    auto line = trim(raw);
    if (line.empty() || line.front() == '#') {
      if (text.empty()) break;
      continue;
    }
    auto invalid = [&] {
      return fail(EINVAL, "Invalid format on line " + std::to_string(line_no) + " of table " + std::string(source) + ".");
    };
    TableLine tl;
    tl.line_no = line_no;
    auto rest = line;
    if (!parse_u64(next_word(rest), tl.start)) return invalid();
    if (!parse_u64(next_word(rest), tl.length)) return invalid();
    auto type = next_word(rest);
    if (type.empty()) return invalid();
    tl.type = std::string(type);
    // dmsetup keeps everything after the whitespace that follows the type, up
    // to a '#' comment; the kernel's splitting ignores what whitespace remains.
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    tl.params = std::string(rest.substr(0, rest.find('#')));
    lines.push_back(std::move(tl));
    if (text.empty()) break;
  }
  return lines;
}

std::vector<std::string> split_params(std::string_view params) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (true) {
    while (i < params.size() && is_space(params[i])) ++i;
    if (i >= params.size()) break;
    std::string word;
    while (i < params.size() && !is_space(params[i])) {
      if (params[i] == '\\') {
        ++i;  // the next character is literal, whatever it is
        if (i >= params.size()) break;
      }
      word.push_back(params[i++]);
    }
    out.push_back(std::move(word));
  }
  return out;
}

}  // namespace udm::core

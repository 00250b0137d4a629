#include "lvm/report/units.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace udm::lvm::report {
namespace {

constexpr std::string_view PREFIXES = "kmgtpe";

// hundredths of bytes/factor, rounded to nearest; `rounded_up` set when the
// shown value is larger than the exact one (lvm's '<' mark in r/R mode).
std::string fixed2(std::uint64_t bytes, std::uint64_t factor, bool* rounded_up) {
  unsigned __int128 scaled = static_cast<unsigned __int128>(bytes) * 100;
  auto q = static_cast<std::uint64_t>(scaled / factor);
  auto rem = static_cast<std::uint64_t>(scaled % factor);
  bool up = rem != 0 && rem >= factor - rem;
  if (up) ++q;
  if (rounded_up) *rounded_up = up;
  // "<q/100>.<q%100, two digits>" (without fmt: a report formats one per row).
  char buf[32];
  char* end = std::to_chars(buf, buf + sizeof buf - 3, q / 100).ptr;
  *end++ = '.';
  *end++ = static_cast<char>('0' + q % 100 / 10);
  *end++ = static_cast<char>('0' + q % 10);
  return std::string(buf, end);
}

std::uint64_t power(std::uint64_t base, int n) {
  std::uint64_t r = 1;
  for (int i = 0; i < n; ++i) r *= base;
  return r;
}

}  // namespace

Result<Units> parse_units(std::string_view text) {
  Units u;
  std::uint64_t count = 0;
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    count = count * 10 + static_cast<unsigned>(text[i] - '0');
    ++i;
  }
  if (i + 1 != text.size()) return fail(EINVAL, "Invalid units specification");
  char c = text[i];
  bool upper = std::isupper(static_cast<unsigned char>(c));
  char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == 'h' || lower == 'r' || lower == 'b' || lower == 's') {
    if (i != 0) return fail(EINVAL, "Invalid units specification");
    u.type = c;
    return u;
  }
  auto p = PREFIXES.find(lower);
  if (p == std::string_view::npos) return fail(EINVAL, "Invalid units specification");
  if (i == 0 || count == 1) {
    u.type = c;
    return u;
  }
  if (count == 0) return fail(EINVAL, "Invalid units specification");
  u.type = 'U';
  u.factor = count * power(upper ? 1000 : 1024, static_cast<int>(p) + 1);
  return u;
}

std::string format_size(sector_t sectors, const Units& u) {
  const std::uint64_t bytes = sectors_to_bytes(sectors);
  const char t = u.type;
  const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(t)));
  const bool human = lower == 'h' || lower == 'r';
  if (sectors == 0) {
    if (!u.suffix) return "0";
    if (human) return "0 ";
    if (lower == 's') return "0S";
    if (lower == 'b') return "0B";
    return std::string("0") + t;
  }
  if (lower == 's') return fmt::format("{}{}", sectors, u.suffix ? "S" : "");
  if (lower == 'b') return fmt::format("{}{}", bytes, u.suffix ? "B" : "");
  if (t == 'U') return fixed2(bytes, u.factor, nullptr) + (u.suffix ? "U" : "");

  const bool si = std::isupper(static_cast<unsigned char>(t));
  const std::uint64_t base = si ? 1000 : 1024;
  if (human) {
    int n = static_cast<int>(PREFIXES.size());
    while (n > 0 && bytes < power(base, n)) --n;
    if (n == 0) return fmt::format("{}{}", bytes, u.suffix ? (si ? "B" : "b") : "");
    char letter = PREFIXES[static_cast<std::size_t>(n - 1)];
    if (si) letter = static_cast<char>(std::toupper(static_cast<unsigned char>(letter)));
    bool up = false;
    std::string v = fixed2(bytes, power(base, n), &up);
    std::string out = (lower == 'r' && up) ? "<" + v : v;
    if (u.suffix) out += letter;
    return out;
  }
  auto p = PREFIXES.find(lower);
  std::string v = fixed2(bytes, power(base, static_cast<int>(p) + 1), nullptr);
  if (u.suffix) v += t;
  return v;
}

}  // namespace udm::lvm::report

#include "lvm/alloc/sizes.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace udm::lvm::alloc {
namespace {

Sign take_sign(std::string_view& s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    Sign g = s[0] == '+' ? Sign::plus : Sign::minus;
    s.remove_prefix(1);
    return g;
  }
  return Sign::none;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

Result<SizeArg> parse_size(std::string_view text, char default_unit) {
  std::string_view s = text;
  SizeArg out;
  out.sign = take_sign(s);
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  std::string_view number = s.substr(0, i);
  std::string_view unit = s.substr(i);
  if (number.empty() || number.find('.') != number.rfind('.') || number == ".")
    return fail(EINVAL, fmt::format("Invalid size \"{}\"", text));
  char u = unit.empty() ? default_unit : static_cast<char>(std::tolower(static_cast<unsigned char>(unit[0])));
  if (unit.size() > 1) return fail(EINVAL, fmt::format("Invalid size \"{}\"", text));
  double mult = 0;
  switch (u) {
    case 'b': mult = 1; break;
    case 's': mult = 512; break;
    case 'k': mult = 1024.0; break;
    case 'm': mult = 1024.0 * 1024; break;
    case 'g': mult = 1024.0 * 1024 * 1024; break;
    case 't': mult = std::pow(1024.0, 4); break;
    case 'p': mult = std::pow(1024.0, 5); break;
    case 'e': mult = std::pow(1024.0, 6); break;
    default: return fail(EINVAL, fmt::format("Invalid size \"{}\": unknown unit '{}'", text, unit));
  }
  // strtod, not stod: a number too long for a double is "too big", not an exception.
  double bytes = std::strtod(std::string(number).c_str(), nullptr) * mult;
  if (bytes > 9.2e18) return fail(EINVAL, fmt::format("Size \"{}\" is too big", text));
  auto b = static_cast<std::uint64_t>(std::ceil(bytes));
  out.sectors = (b + SECTOR_SIZE - 1) / SECTOR_SIZE;
  return out;
}

Result<ExtentsArg> parse_extents(std::string_view text) {
  std::string_view s = text;
  ExtentsArg out;
  out.sign = take_sign(s);
  auto pct = s.find('%');
  std::string_view number = pct == std::string_view::npos ? s : s.substr(0, pct);
  if (!all_digits(number) || number.size() > 18)
    return fail(EINVAL, fmt::format("Invalid argument for --extents: {}", text));
  out.value = std::stoull(std::string(number));
  if (pct != std::string_view::npos) {
    std::string what(s.substr(pct + 1));
    for (auto& c : what) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (what == "FREE") out.percent = Percent::free;
    else if (what == "VG") out.percent = Percent::vg;
    else if (what == "PVS") out.percent = Percent::pvs;
    else if (what == "ORIGIN") out.percent = Percent::origin;
    else return fail(EINVAL, fmt::format("Invalid argument for --extents: {}", text));
    if (out.value > 100 && out.percent != Percent::origin)
      return fail(EINVAL, fmt::format("Percentage {} is more than 100", out.value));
  }
  return out;
}

Result<void> check_extent_size(sector_t sectors) {
  if (sectors == 0) return fail(EINVAL, "Physical extent size may not be zero.");
  if (sectors < 2) return fail(EINVAL, "Physical extent size must be at least 1 KiB.");
  bool pow2 = (sectors & (sectors - 1)) == 0;
  if (!pow2 && sectors % 256 != 0)
    return fail(EINVAL, "Physical extent size must be a power of 2 or a multiple of 128 KiB.");
  if (sectors > (std::uint64_t{1} << 32))
    return fail(EINVAL, "Physical extent size cannot be larger than 2 TiB.");
  return {};
}

extent_t percent_extents(const VolumeGroup& vg, Percent p, std::uint64_t percent,
                         const std::vector<std::string>& pv_names) {
  auto chosen = [&](const PhysicalVolume& pv) {
    if (pv_names.empty()) return true;
    for (const auto& n : pv_names)
      if (n == pv.name) return true;
    return false;
  };
  extent_t base = 0;
  for (const auto& pv : vg.pvs) {
    switch (p) {
      case Percent::vg: base += pv.pe_count; break;
      case Percent::pvs:
        if (chosen(pv)) base += pv.pe_count;
        break;
      case Percent::free:
        if (chosen(pv) && pv.status.has("ALLOCATABLE")) base += pv_free_extents(vg, pv);
        break;
      default: break;
    }
  }
  extent_t n = base * percent / 100;
  if (n == 0 && percent > 0 && base > 0) n = 1;
  return n;
}

std::string message_size(sector_t sectors) {
  static constexpr const char* NAMES[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::uint64_t bytes = sectors_to_bytes(sectors);
  if (bytes < 1024) return fmt::format("{} B", bytes);
  int n = 0;
  double v = static_cast<double>(bytes) / 1024;
  while (n < 5 && v >= 1024) {
    v /= 1024;
    ++n;
  }
  return fmt::format("{:.2f} {}", v, NAMES[n]);
}

extent_t round_to_extents(sector_t sectors, sector_t extent_size, std::string* note) {
  extent_t n = (sectors + extent_size - 1) / extent_size;
  if (note && n * extent_size != sectors)
    *note = fmt::format("Rounding up size to full physical extent {}", message_size(n * extent_size));
  return n;
}

extent_t round_to_stripes(extent_t extents, unsigned stripes, sector_t extent_size, std::string* note) {
  if (stripes <= 1 || extents % stripes == 0) return extents;
  extent_t n = (extents + stripes - 1) / stripes * stripes;
  if (note)
    *note = fmt::format("Rounding size {} ({} extents) up to stripe boundary size {} ({} extents).",
                        message_size(extents * extent_size), extents, message_size(n * extent_size), n);
  return n;
}

}  // namespace udm::lvm::alloc

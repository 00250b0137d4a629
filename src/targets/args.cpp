#include "targets/args.hpp"

#include <algorithm>
#include <charconv>

namespace udm::targets {

bool parse_in_range(std::string_view text, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  if (text.empty()) return false;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v < min || v > max) return false;
  out = v;
  return true;
}

namespace {
Error range_error(const ArgRange& range, const std::string* word) {
  std::string m(range.error);
  if (range.quote) m += " '" + (word ? *word : std::string()) + "'";
  return Error{EINVAL, std::move(m)};
}
}  // namespace

const std::string* ArgSet::shift() {
  if (args_.empty()) return nullptr;
  const std::string* w = &args_.front();
  args_ = args_.subspan(1);
  return w;
}

Result<std::uint64_t> ArgSet::read(const ArgRange& range) {
  const std::string* w = shift();
  std::uint64_t v = 0;
  if (!w || !parse_in_range(*w, range.min, range.max, v)) return fail(range_error(range, w));
  return v;
}

Result<std::size_t> ArgSet::read_group(const ArgRange& range) {
  auto n = read(range);
  if (!n) return fail(n.error());
  if (*n > args_.size()) return fail(EINVAL, std::string(range.error));
  return static_cast<std::size_t>(*n);
}

void ArgSet::consume(std::size_t n) { args_ = args_.subspan(std::min(n, args_.size())); }

Result<std::uint64_t> parse_number(std::string_view text, std::string_view field) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size())
    return fail(EINVAL, std::string(field) + ": '" + std::string(text) + "' is not a number");
  return v;
}

Result<io::BlockDevicePtr> open_device(const core::TargetArgs& args, const std::string& arg, sector_t offset,
                                       sector_t length, std::string_view field) {
  if (!args.devices) return fail(EINVAL, std::string(field) + ": no device opener for '" + arg + "'");
  if (offset > MAX_DEVICE_SECTORS || length > MAX_DEVICE_SECTORS - offset)
    return fail(EINVAL, std::string(field) + ": offset " + std::to_string(offset) + " is past 2^63 bytes");
  auto d = args.devices->open(arg, offset, length);
  if (!d) return fail(with_context(std::string(field) + ": ", std::move(d.error())));
  return d;
}

Error wrong_arg_count(std::size_t got, std::string_view expected) {
  return Error{EINVAL, "expected " + std::string(expected) + ", got " + std::to_string(got) + " argument" +
                           (got == 1 ? "" : "s")};
}

}  // namespace udm::targets

#include "targets/args.hpp"

#include <charconv>

namespace udm::targets {

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

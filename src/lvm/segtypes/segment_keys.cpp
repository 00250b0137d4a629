#include "lvm/segtypes/segment_keys.hpp"

#include <fmt/format.h>

namespace udm::lvm::segtypes {

const ConfigNode* find_key(const Segment& seg, std::string_view key) {
  for (const auto& n : seg.unknown)
    if (n.key == key) return &n;
  return nullptr;
}

namespace {

Result<std::uint64_t> as_num(const Segment& seg, const ConfigNode& n) {
  if (n.is_section || !n.value.is_int() || n.value.integer < 0)
    return fail(EINVAL, fmt::format("{} segment: {} must be a number", seg.type, n.key));
  return static_cast<std::uint64_t>(n.value.integer);
}

}  // namespace

Result<std::optional<std::uint64_t>> opt_num(const Segment& seg, std::string_view key) {
  const ConfigNode* n = find_key(seg, key);
  if (!n) return std::optional<std::uint64_t>{};
  auto v = as_num(seg, *n);
  if (!v) return fail(v.error());
  return std::optional<std::uint64_t>(*v);
}

Result<std::uint64_t> num_key(const Segment& seg, std::string_view key) {
  const ConfigNode* n = find_key(seg, key);
  if (!n) return fail(EINVAL, fmt::format("{} segment: {} missing", seg.type, key));
  return as_num(seg, *n);
}

Result<std::string> str_key(const Segment& seg, std::string_view key) {
  const ConfigNode* n = find_key(seg, key);
  if (!n) return fail(EINVAL, fmt::format("{} segment: {} missing", seg.type, key));
  if (n->is_section || !n->value.is_string())
    return fail(EINVAL, fmt::format("{} segment: {} must be a string", seg.type, key));
  return n->value.text;
}

Result<std::optional<std::string>> opt_str_key(const Segment& seg, std::string_view key) {
  if (!find_key(seg, key)) return std::optional<std::string>{};
  auto s = str_key(seg, key);
  if (!s) return fail(s.error());
  return std::optional<std::string>(std::move(*s));
}

ConfigNode num_node(std::string key, std::int64_t v) {
  ConfigNode n;
  n.key = std::move(key);
  n.value = ConfigValue::of_int(v);
  return n;
}

ConfigNode str_node(std::string key, std::string v) {
  ConfigNode n;
  n.key = std::move(key);
  n.value = ConfigValue::of_string(std::move(v));
  return n;
}

}  // namespace udm::lvm::segtypes

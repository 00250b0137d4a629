#include "stats_group.hpp"

#include <algorithm>
#include <cerrno>

namespace udm::udmsetup {

namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

Result<std::vector<std::uint64_t>> parse_region_list(std::string_view text, std::uint64_t max_id) {
  std::vector<std::uint64_t> out;
  auto bad = [&] { return fail(EINVAL, "Could not parse list: '" + std::string(text) + "'"); };
  if (text.empty()) return bad();
  std::string_view rest = text;
  for (;;) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::size_t dash = item.find('-');
    auto lo = number(item.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : number(item.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi > max_id) return bad();
    for (std::uint64_t v = *lo; v <= *hi; ++v) out.push_back(v);
    if (out.size() > max_id + 1) return bad();
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string format_region_list(const std::vector<std::uint64_t>& members) {
  std::string out;
  for (std::size_t i = 0; i < members.size();) {
    std::size_t j = i;
    while (j + 1 < members.size() && members[j + 1] == members[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(members[i]);
    if (j > i) out += '-' + std::to_string(members[j]);
    i = j + 1;
  }
  return out;
}

Result<std::optional<StatsGroupTag>> parse_group_tag(std::string_view aux_data) {
  const std::size_t at = aux_data.find(STATS_GROUP_TAG);
  if (at == std::string_view::npos) return std::optional<StatsGroupTag>{};
  std::string_view rest = aux_data.substr(at + STATS_GROUP_TAG.size());
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return fail(EINVAL, "Invalid group tag in aux_data.");
  StatsGroupTag tag;
  tag.alias = std::string(rest.substr(0, colon));
  rest.remove_prefix(colon + 1);
  const std::size_t hash = rest.find('#');
  auto members = parse_region_list(rest.substr(0, hash));
  if (!members) return fail(EINVAL, "Could not parse member list while reading group aux_data");
  tag.members = std::move(*members);
  if (hash != std::string_view::npos) {
    tag.user_data = std::string(rest.substr(hash + 1));
    if (tag.user_data == "-") tag.user_data.clear();
  }
  return std::optional<StatsGroupTag>{std::move(tag)};
}

std::string format_group_tag(const StatsGroupTag& tag) {
  return std::string(STATS_GROUP_TAG) + tag.alias + ':' + format_region_list(tag.members) + '#' +
         (tag.user_data.empty() ? std::string("-") : tag.user_data);
}

}  // namespace udm::udmsetup

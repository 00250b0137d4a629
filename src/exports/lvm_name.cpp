#include "exports/lvm_name.hpp"

#include <vector>

namespace udm::exports {

std::optional<LvmName> split_lvm_name(std::string_view dm_name) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < dm_name.size(); ++i) {
    char c = dm_name[i];
    if (c != '-') {
      parts.back() += c;
    } else if (i + 1 < dm_name.size() && dm_name[i + 1] == '-') {
      parts.back() += '-';  // an escaped hyphen
      ++i;
    } else {
      parts.emplace_back();
    }
  }
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) return std::nullopt;
  return LvmName{std::move(parts[0]), std::move(parts[1])};
}

}  // namespace udm::exports

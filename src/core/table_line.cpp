#include "core/table_line.hpp"

namespace udm::core {

using table_text_detail::is_space;

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

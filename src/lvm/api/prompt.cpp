#include "lvm/api/prompt.hpp"

#include <cctype>

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

char yes_no(Cmd& c, const std::string& question) {
  if (c.cl().has("yes")) return 'y';
  for (;;) {
    std::optional<std::string> line = c.ask(question);
    if (!line) {
      c.warn_raw("[n]\n");
      return 'n';
    }
    std::string a;
    for (char ch : *line)
      if (!std::isspace(static_cast<unsigned char>(ch))) a += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (a == "y" || a == "yes") return 'y';
    if (a == "n" || a == "no") return 'n';
    c.warn(fmt::format("WARNING: Invalid input '{}'.", *line));
  }
}

}  // namespace udm::lvm::api::detail

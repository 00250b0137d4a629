#include "lvm/format/config_parser.hpp"

#include "lvm/format/text_tree.hpp"

namespace udm::lvm::format {

Result<ConfigTree> parse_config(std::string_view text) {
  auto parsed = parse_text_tree(text);
  if (!parsed) return fail(parsed.error());
  ConfigTree tree;
  tree.root.children.reserve(parsed->root().value.count);
  for (const TextNode& n : parsed->children(parsed->root())) tree.root.children.push_back(parsed->to_config(n));
  return tree;
}

std::string quote_config_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace udm::lvm::format

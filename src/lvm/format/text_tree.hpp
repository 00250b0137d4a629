// LVM text metadata parsed in one pass into flat arrays of views into the
// text: no string is copied per key or value (only strings with escaped
// quotes or backslashes are unescaped, into storage of the tree). A
// 10,000-LV VG is ~150,000 items; ConfigTree (an owning tree of strings and
// vectors) costs an allocation or more per item, this costs none. The grammar and the error
// messages are parse_config's (config_parser.hpp), which is built on it.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/config_tree.hpp"

namespace udm::lvm::format {

struct TextValue {
  ConfigValue::Kind kind = ConfigValue::Kind::integer;
  bool is_section = false;  // of the node holding it: then first/count are its children
  std::uint32_t first = 0;  // array: elements, section: children (TextTree::elements / children)
  std::uint32_t count = 0;
  union {
    std::int64_t integer = 0;
    double real;
  };
  std::string_view text;  // string (unescaped), or the spelling of a real

  bool is_int() const { return kind == ConfigValue::Kind::integer; }
  bool is_string() const { return kind == ConfigValue::Kind::string; }
  bool is_array() const { return kind == ConfigValue::Kind::array; }
};

struct TextNode {
  std::string_view key;
  std::string_view comment;  // trailing `# ...` of a `key = value` line, without '#' and leading blanks
  TextValue value;           // value.is_section: a section, children in value.first/count
  bool is_section() const { return value.is_section; }
};

class TextTree {
 public:
  const TextNode& root() const { return root_; }
  std::span<const TextNode> children(const TextNode& n) const {
    return {nodes_.data() + n.value.first, n.value.count};
  }
  std::span<const TextValue> elements(const TextValue& v) const {
    return {values_.data() + v.first, v.count};
  }
  // First child of section `n` named `key`, or null.
  const TextNode* find(const TextNode& n, std::string_view key) const {
    for (const TextNode& c : children(n))
      if (c.key == key) return &c;
    return nullptr;
  }
  // Owning copies, for items kept in the model.
  ConfigNode to_config(const TextNode& n) const;
  ConfigValue to_config(const TextValue& v) const;

 private:
  friend class TextParser;
  std::vector<TextNode> nodes_;    // every section's children, contiguous per section
  std::vector<TextValue> values_;  // every array's elements, contiguous per array
  std::deque<std::string> unescaped_;  // strings that had escapes (stable addresses)
  TextNode root_;
};

// Parses `text`, which must outlive the tree (the tree views into it).
// Errors name the byte and line: "parse error at byte 9 (line 3): expected a value".
Result<TextTree> parse_text_tree(std::string_view text);

}  // namespace udm::lvm::format

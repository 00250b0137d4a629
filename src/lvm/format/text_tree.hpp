// LVM text metadata parsed in one pass into flat arrays of views into the
// text: no string is copied per key or value (only strings with escaped
// quotes or backslashes are unescaped, into storage of the tree). A
// 10,000-LV VG is ~150,000 items; ConfigTree (an owning tree of strings and
// vectors) costs an allocation or more per item, this costs none. The grammar and the error
// messages are parse_config's (config_parser.hpp), which is built on it.
#pragma once

#include <cstdint>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/config_tree.hpp"

namespace udm::lvm::format {

inline constexpr std::uint32_t NO_NODE = UINT32_MAX;

struct TextValue {
  ConfigValue::Kind kind = ConfigValue::Kind::integer;
  bool is_section = false;  // of the node holding it: then first/count are its children
  std::uint32_t first = 0;  // array: first element (TextTree::elements); section: first child node or NO_NODE
  std::uint32_t count = 0;  // elements or children
  union {
    std::int64_t integer = 0;
    double real;
  };
  std::string_view text;  // string (unescaped), or the spelling of a real

  bool is_int() const { return kind == ConfigValue::Kind::integer; }
  bool is_string() const { return kind == ConfigValue::Kind::string; }
  bool is_array() const { return kind == ConfigValue::Kind::array; }
};

// FNV-1a of a key: lookups compare it before the bytes.
constexpr std::uint32_t key_hash(std::string_view key) {
  std::uint32_t h = 2166136261u;
  for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

struct TextNode {
  TextValue value;                // value.is_section: a section, its children from value.first
  std::uint32_t next = NO_NODE;   // the next item of the same section
  std::uint32_t hash = 0;         // key_hash(key)
  std::string_view key;
  std::string_view comment;  // trailing `# ...` of a `key = value` line, without '#' and leading blanks
  bool is_section() const { return value.is_section; }
};

class TextTree {
 public:
  // A section's children in file order (nodes are kept in file order, each
  // linked to its next sibling: the parser writes every node once).
  class Children {
   public:
    class iterator {
     public:
      iterator(const TextNode* nodes, std::uint32_t i) : nodes_(nodes), i_(i) {}
      const TextNode& operator*() const { return nodes_[i_]; }
      const TextNode* operator->() const { return nodes_ + i_; }
      iterator& operator++() {
        i_ = nodes_[i_].next;
        return *this;
      }
      bool operator==(const iterator& o) const { return i_ == o.i_; }

     private:
      const TextNode* nodes_;
      std::uint32_t i_;
    };
    Children(const TextNode* nodes, const TextNode& section) : nodes_(nodes), section_(section) {}
    iterator begin() const { return {nodes_, section_.value.count ? section_.value.first : NO_NODE}; }
    iterator end() const { return {nodes_, NO_NODE}; }
    std::size_t size() const { return section_.value.count; }

   private:
    const TextNode* nodes_;
    const TextNode& section_;
  };

  const TextNode& root() const { return root_; }
  Children children(const TextNode& section) const { return {nodes_.data(), section}; }
  std::span<const TextValue> elements(const TextValue& v) const {
    return {values_.data() + v.first, v.count};
  }
  // First child of section `n` named `key`, or null.
  const TextNode* find(const TextNode& n, std::string_view key) const {
    const std::uint32_t h = key_hash(key);
    for (const TextNode& c : children(n))
      if (c.hash == h && c.key == key) return &c;
    return nullptr;
  }
  // Owning copies, for items kept in the model.
  ConfigNode to_config(const TextNode& n) const;
  ConfigValue to_config(const TextValue& v) const;

 private:
  friend class TextParser;
  std::vector<TextNode> nodes_;    // every node but the root, in file order
  std::vector<TextValue> values_;  // every array's elements, contiguous per array
  // Strings that had escapes, each on the heap: views into them stay valid
  // when the tree moves (a short string's bytes live inside its object).
  std::vector<std::unique_ptr<std::string>> unescaped_;
  TextNode root_;
};

// Parses `text`, which must outlive the tree (the tree views into it).
// Errors name the byte and line: "parse error at byte 9 (line 3): expected a value".
Result<TextTree> parse_text_tree(std::string_view text);

}  // namespace udm::lvm::format

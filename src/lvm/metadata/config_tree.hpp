// A generic tree of LVM text metadata (libdm config syntax): sections holding
// `key = value` items and nested sections, in file order. The format layer
// parses text into it; the model keeps the items it does not understand as
// ConfigNodes so that a read-modify-write does not lose what real lvm2 wrote.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace udm::lvm {

struct ConfigValue {
  enum class Kind : std::uint8_t { integer, real, string, array };

  Kind kind = Kind::integer;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;                 // string value; for `real` the original spelling
  std::vector<ConfigValue> array;   // elements are integer, real or string

  static ConfigValue of_int(std::int64_t v) { ConfigValue c; c.kind = Kind::integer; c.integer = v; return c; }
  static ConfigValue of_string(std::string s) { ConfigValue c; c.kind = Kind::string; c.text = std::move(s); return c; }
  static ConfigValue of_array(std::vector<ConfigValue> a) { ConfigValue c; c.kind = Kind::array; c.array = std::move(a); return c; }

  bool is_int() const { return kind == Kind::integer; }
  bool is_string() const { return kind == Kind::string; }
  bool is_array() const { return kind == Kind::array; }
  bool operator==(const ConfigValue&) const = default;
};

// One item: `key = value` (is_section false) or `key { children }`.
struct ConfigNode {
  std::string key;
  bool is_section = false;
  ConfigValue value;                 // when !is_section
  std::vector<ConfigNode> children;  // when is_section
  std::string comment;               // trailing `# ...` on the same line, without '#'; informational only

  // First child with this key, or null.
  const ConfigNode* find(std::string_view k) const {
    for (const auto& c : children) if (c.key == k) return &c;
    return nullptr;
  }
  ConfigNode* find(std::string_view k) {
    for (auto& c : children) if (c.key == k) return &c;
    return nullptr;
  }
  bool operator==(const ConfigNode& o) const {
    return key == o.key && is_section == o.is_section && value == o.value && children == o.children;
  }
};

// A parsed file: the top level behaves like a section without a name.
struct ConfigTree {
  ConfigNode root{.key = "", .is_section = true, .value = {}, .children = {}, .comment = {}};
};

}  // namespace udm::lvm

#include "lvm/format/text_tree.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

#include "lvm/metadata/model.hpp"

namespace udm::lvm::format {

constexpr int MAX_DEPTH = 32;

// Character classes, one table lookup per character of the text.
enum : std::uint8_t {
  BLANK = 1,       // skipped between tokens
  ENDS_WORD = 2,   // ends a bare name or word
  ENDS_SCALAR = 4  // ends a bare value (a word, or ',' '[' ']')
};
constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> t{};
  for (unsigned char c : std::string_view(" \t\n\r\v\f\0", 7)) t[c] |= BLANK;
  for (unsigned char c : std::string_view(" \t\n\r#={}\0", 9)) t[c] |= ENDS_WORD | ENDS_SCALAR;
  for (unsigned char c : std::string_view(",[]", 3)) t[c] |= ENDS_SCALAR;
  return t;
}
constexpr std::array<std::uint8_t, 256> CLASSES = make_classes();
inline bool is(char c, std::uint8_t cls) { return CLASSES[static_cast<unsigned char>(c)] & cls; }

class TextParser {
 public:
  explicit TextParser(std::string_view text) : t_(text) {
    // lvm2 writes one item per line: lines bound the number of items.
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    tree_.nodes_.reserve(lines + 16);
  }

  Result<TextTree> run() {
    tree_.root_.value.is_section = true;
    if (auto r = items(NO_NODE, 0, false); !r) return fail(r.error());
    return std::move(tree_);
  }

 private:
  std::string_view t_;
  std::size_t pos_ = 0;
  TextTree tree_;

  Error error(std::string_view what) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos_ && i < t_.size(); ++i)
      if (t_[i] == '\n') ++line;
    return Error{EINVAL, fmt::format("parse error at byte {} (line {}): {}", pos_, line, what)};
  }

  void skip_space() {
    while (pos_ < t_.size()) {
      const char c = t_[pos_];
      if (c == '#') {
        const void* nl = std::memchr(t_.data() + pos_, '\n', t_.size() - pos_);
        pos_ = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - t_.data()) : t_.size();
      } else if (is(c, BLANK)) {
        ++pos_;
      } else {
        return;
      }
    }
  }

  std::string_view trailing_comment() const {
    std::size_t p = pos_;
    while (p < t_.size() && (t_[p] == ' ' || t_[p] == '\t')) ++p;
    if (p >= t_.size() || t_[p] != '#') return {};
    std::size_t e = p;
    while (e < t_.size() && t_[e] != '\n') ++e;
    std::string_view c = t_.substr(p + 1, e - p - 1);
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    return c;
  }

  Result<std::string_view> quoted() {
    const char q = t_[pos_++];
    // Most strings have no escapes: a view of the text.
    if (const void* end = std::memchr(t_.data() + pos_, q, t_.size() - pos_)) {
      const std::size_t e = static_cast<std::size_t>(static_cast<const char*>(end) - t_.data());
      const std::string_view body = t_.substr(pos_, e - pos_);
      if (q != '"' || body.find('\\') == std::string_view::npos) {
        pos_ = e + 1;
        return body;
      }
    }
    std::string out;
    while (pos_ < t_.size() && t_[pos_] != q) {
      if (q == '"' && t_[pos_] == '\\' && pos_ + 1 < t_.size() && (t_[pos_ + 1] == '"' || t_[pos_ + 1] == '\\')) ++pos_;
      out += t_[pos_++];
    }
    if (pos_ >= t_.size()) return fail(error("unterminated string"));
    ++pos_;
    return std::string_view(*tree_.unescaped_.emplace_back(std::make_unique<std::string>(std::move(out))));
  }

  Result<std::string_view> name() {
    skip_space();
    if (pos_ >= t_.size()) return fail(error("expected a name"));
    if (t_[pos_] == '"' || t_[pos_] == '\'') return quoted();
    const std::size_t start = pos_;
    while (pos_ < t_.size() && !is(t_[pos_], ENDS_WORD)) ++pos_;
    if (pos_ == start) return fail(error("expected a name"));
    return t_.substr(start, pos_ - start);
  }

  Result<TextValue> scalar() {
    skip_space();
    if (pos_ >= t_.size()) return fail(error("expected a value"));
    TextValue v;
    const char c = t_[pos_];
    if (c == '"' || c == '\'') {
      auto s = quoted();
      if (!s) return fail(s.error());
      v.kind = ConfigValue::Kind::string;
      v.text = *s;
      return v;
    }
    const std::size_t start = pos_;
    while (pos_ < t_.size() && !is(t_[pos_], ENDS_SCALAR)) ++pos_;
    if (pos_ == start) return fail(error("expected a value"));
    const std::string_view w = t_.substr(start, pos_ - start);
    // Plain decimal integers (no leading 0, which strtoll base 0 reads as octal or hex).
    if (const bool neg = w[0] == '-'; w.size() - neg <= 18 && w.size() > std::size_t(neg) &&
                                      (w[neg] != '0' || w.size() == std::size_t(neg) + 1)) {
      std::int64_t i = 0;
      auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), i);
      if (ec == std::errc() && end == w.data() + w.size()) {
        v.integer = i;
        return v;
      }
    }
    const bool numeric_start = (w[0] >= '0' && w[0] <= '9') ||
                               ((w[0] == '-' || w[0] == '+') && w.size() > 1 && w[1] >= '0' && w[1] <= '9');
    if (numeric_start) {
      const std::string word(w);  // strtoll/strtod want a NUL
      errno = 0;
      char* end = nullptr;
      const long long i = std::strtoll(word.c_str(), &end, 0);
      if (*end == '\0') {
        if (errno == ERANGE) return fail(error("integer " + quote_for_message(word) + " out of range"));
        v.integer = i;
        return v;
      }
      const double d = std::strtod(word.c_str(), &end);
      if (*end == '\0') {
        v.kind = ConfigValue::Kind::real;
        v.real = d;
        v.text = w;
        return v;
      }
    }
    v.kind = ConfigValue::Kind::string;  // a bare word is a string
    v.text = w;
    return v;
  }

  Result<TextValue> value() {
    skip_space();
    if (pos_ < t_.size() && t_[pos_] == '[') {
      ++pos_;
      TextValue arr;
      arr.kind = ConfigValue::Kind::array;
      arr.first = static_cast<std::uint32_t>(tree_.values_.size());
      skip_space();
      if (pos_ < t_.size() && t_[pos_] == ']') {
        ++pos_;
        return arr;
      }
      for (;;) {
        auto v = scalar();
        if (!v) return fail(v.error());
        tree_.values_.push_back(*v);  // arrays do not nest: elements stay contiguous
        ++arr.count;
        skip_space();
        if (pos_ >= t_.size()) return fail(error("unterminated array"));
        if (t_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (t_[pos_] == ']') {
          ++pos_;
          return arr;
        }
        return fail(error("expected ',' or ']' in array"));
      }
    }
    return scalar();
  }

  // Items up to the closing '}' (in_section) or the end, as the children of
  // node `section` (NO_NODE: the root). By index: nodes_ grows meanwhile.
  Result<void> items(std::uint32_t section, int depth, bool in_section) {
    if (depth > MAX_DEPTH) return fail(error("sections nested too deeply"));
    std::uint32_t first = NO_NODE, last = NO_NODE, count = 0;
    auto done = [&]() -> Result<void> {
      TextNode& s = section == NO_NODE ? tree_.root_ : tree_.nodes_[section];
      s.value.first = first;
      s.value.count = count;
      return {};
    };
    for (;;) {
      skip_space();
      if (pos_ >= t_.size()) {
        if (in_section) return fail(error("missing '}'"));
        return done();
      }
      if (t_[pos_] == '}') {
        if (!in_section) return fail(error("unexpected '}'"));
        ++pos_;
        return done();
      }
      auto key = name();
      if (!key) return fail(key.error());
      skip_space();
      if (pos_ >= t_.size()) return fail(error("expected '=' or '{' after " + quote_for_message(*key)));
      if (tree_.nodes_.size() >= NO_NODE) return fail(error("too many items"));
      const auto at = static_cast<std::uint32_t>(tree_.nodes_.size());
      TextNode& added = tree_.nodes_.emplace_back();
      added.key = *key;
      added.hash = key_hash(*key);
      if (last == NO_NODE) first = at;
      else tree_.nodes_[last].next = at;
      last = at;
      ++count;
      if (t_[pos_] == '{') {
        ++pos_;
        tree_.nodes_[at].value.is_section = true;
        if (auto r = items(at, depth + 1, true); !r) return r;
      } else if (t_[pos_] == '=') {
        ++pos_;
        auto v = value();
        if (!v) return fail(v.error());
        TextNode& node = tree_.nodes_[at];
        node.value = *v;
        node.comment = trailing_comment();
      } else {
        return fail(error("expected '=' or '{' after " + quote_for_message(*key)));
      }
    }
  }
};

Result<TextTree> parse_text_tree(std::string_view text) { return TextParser(text).run(); }

ConfigValue TextTree::to_config(const TextValue& v) const {
  ConfigValue c;
  c.kind = v.kind;
  switch (v.kind) {
    case ConfigValue::Kind::integer: c.integer = v.integer; break;
    case ConfigValue::Kind::real:
      c.real = v.real;
      c.text = std::string(v.text);
      break;
    case ConfigValue::Kind::string: c.text = std::string(v.text); break;
    case ConfigValue::Kind::array:
      c.array.reserve(v.count);
      for (const TextValue& e : elements(v)) c.array.push_back(to_config(e));
      break;
  }
  return c;
}

ConfigNode TextTree::to_config(const TextNode& n) const {
  ConfigNode c;
  c.key = std::string(n.key);
  c.is_section = n.is_section();
  if (c.is_section) {
    c.children.reserve(n.value.count);
    for (const TextNode& k : children(n)) c.children.push_back(to_config(k));
  } else {
    c.value = to_config(n.value);
    c.comment = std::string(n.comment);
  }
  return c;
}

}  // namespace udm::lvm::format

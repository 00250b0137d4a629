#include "lvm/format/config_parser.hpp"

#include "lvm/metadata/model.hpp"

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>

namespace udm::lvm::format {

namespace {

constexpr int MAX_DEPTH = 32;

class Parser {
 public:
  explicit Parser(std::string_view text) : t_(text) {}

  Result<ConfigTree> run() {
    ConfigTree tree;
    if (auto r = items(tree.root.children, 0, false); !r) return fail(r.error());
    return tree;
  }

 private:
  std::string_view t_;
  std::size_t pos_ = 0;

  Error error(std::string_view what) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos_ && i < t_.size(); ++i)
      if (t_[i] == '\n') ++line;
    return Error{EINVAL, fmt::format("parse error at byte {} (line {}): {}", pos_, line, what)};
  }

  void skip_space() {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == '#') {
        while (pos_ < t_.size() && t_[pos_] != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\0') {
        ++pos_;
      } else {
        return;
      }
    }
  }

  // A comment after a value on the same line, without '#' and leading blanks.
  std::string trailing_comment() {
    std::size_t p = pos_;
    while (p < t_.size() && (t_[p] == ' ' || t_[p] == '\t')) ++p;
    if (p >= t_.size() || t_[p] != '#') return {};
    std::size_t e = p;
    while (e < t_.size() && t_[e] != '\n') ++e;
    std::string_view c = t_.substr(p + 1, e - p - 1);
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    return std::string(c);
  }

  static bool ends_word(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == '=' || c == '{' || c == '}' ||
           c == '\0';
  }

  Result<std::string> quoted() {
    const char q = t_[pos_++];
    std::string out;
    while (pos_ < t_.size() && t_[pos_] != q) {
      if (q == '"' && t_[pos_] == '\\' && pos_ + 1 < t_.size() && (t_[pos_ + 1] == '"' || t_[pos_ + 1] == '\\')) ++pos_;
      out += t_[pos_++];
    }
    if (pos_ >= t_.size()) return fail(error("unterminated string"));
    ++pos_;
    return out;
  }

  Result<std::string> name() {
    skip_space();
    if (pos_ >= t_.size()) return fail(error("expected a name"));
    if (t_[pos_] == '"' || t_[pos_] == '\'') return quoted();
    std::size_t start = pos_;
    while (pos_ < t_.size() && !ends_word(t_[pos_])) ++pos_;
    if (pos_ == start) return fail(error("expected a name"));
    return std::string(t_.substr(start, pos_ - start));
  }

  Result<ConfigValue> scalar() {
    skip_space();
    if (pos_ >= t_.size()) return fail(error("expected a value"));
    const char c = t_[pos_];
    if (c == '"' || c == '\'') {
      auto s = quoted();
      if (!s) return fail(s.error());
      return ConfigValue::of_string(std::move(*s));
    }
    std::size_t start = pos_;
    while (pos_ < t_.size() && !ends_word(t_[pos_]) && t_[pos_] != ',' && t_[pos_] != ']' && t_[pos_] != '[') ++pos_;
    if (pos_ == start) return fail(error("expected a value"));
    std::string word(t_.substr(start, pos_ - start));
    const bool numeric_start = (word[0] >= '0' && word[0] <= '9') ||
                               ((word[0] == '-' || word[0] == '+') && word.size() > 1 && word[1] >= '0' && word[1] <= '9');
    if (numeric_start) {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(word.c_str(), &end, 0);
      if (*end == '\0') {
        if (errno == ERANGE) return fail(error("integer " + quote_for_message(word) + " out of range"));
        return ConfigValue::of_int(v);
      }
      double d = std::strtod(word.c_str(), &end);
      if (*end == '\0') {
        ConfigValue f;
        f.kind = ConfigValue::Kind::real;
        f.real = d;
        f.text = word;
        return f;
      }
    }
    return ConfigValue::of_string(std::move(word));  // a bare word is a string
  }

  Result<ConfigValue> value() {
    skip_space();
    if (pos_ < t_.size() && t_[pos_] == '[') {
      ++pos_;
      ConfigValue arr = ConfigValue::of_array({});
      skip_space();
      if (pos_ < t_.size() && t_[pos_] == ']') {
        ++pos_;
        return arr;
      }
      for (;;) {
        auto v = scalar();
        if (!v) return fail(v.error());
        arr.array.push_back(std::move(*v));
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

  Result<void> items(std::vector<ConfigNode>& out, int depth, bool in_section) {
    if (depth > MAX_DEPTH) return fail(error("sections nested too deeply"));
    for (;;) {
      skip_space();
      if (pos_ >= t_.size()) {
        if (in_section) return fail(error("missing '}'"));
        return {};
      }
      if (t_[pos_] == '}') {
        if (!in_section) return fail(error("unexpected '}'"));
        ++pos_;
        return {};
      }
      auto key = name();
      if (!key) return fail(key.error());
      skip_space();
      if (pos_ >= t_.size()) return fail(error("expected '=' or '{' after " + quote_for_message(*key)));
      ConfigNode node;
      node.key = std::move(*key);
      if (t_[pos_] == '{') {
        ++pos_;
        node.is_section = true;
        if (auto r = items(node.children, depth + 1, true); !r) return r;
      } else if (t_[pos_] == '=') {
        ++pos_;
        auto v = value();
        if (!v) return fail(v.error());
        node.value = std::move(*v);
        node.comment = trailing_comment();
      } else {
        return fail(error("expected '=' or '{' after " + quote_for_message(node.key)));
      }
      out.push_back(std::move(node));
    }
  }
};

}  // namespace

Result<ConfigTree> parse_config(std::string_view text) { return Parser(text).run(); }

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

#include "lvm/format/config_parser.hpp"

#include "lvm/metadata/model.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <fmt/format.h>

namespace udm::lvm::format {

namespace {

constexpr int MAX_DEPTH = 32;

class Parser {
 public:
  explicit Parser(std::string_view text) : t_(text), scratch_(MAX_DEPTH + 2) {}

  Result<ConfigTree> run() {
    ConfigTree tree;
    if (auto r = items(tree.root.children, 0, false); !r) return fail(r.error());
    return tree;
  }

 private:
  std::string_view t_;
  std::size_t pos_ = 0;
  // Children of the sections being parsed, one list per depth, reused: each
  // section's children are then moved once into a vector of exact size
  // instead of growing it node by node (a 1000-LV text has ~30k nodes).
  std::vector<std::vector<ConfigNode>> scratch_;

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
    // Most strings have no escapes: take them in one piece.
    if (const void* end = std::memchr(t_.data() + pos_, q, t_.size() - pos_)) {
      const std::size_t e = static_cast<std::size_t>(static_cast<const char*>(end) - t_.data());
      const std::string_view body = t_.substr(pos_, e - pos_);
      if (q != '"' || body.find('\\') == std::string_view::npos) {
        pos_ = e + 1;
        return std::string(body);
      }
    }
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
    const std::string_view w = t_.substr(start, pos_ - start);
    // Plain decimal integers (no leading 0, which strtoll base 0 reads as octal or hex).
    if (const bool neg = w[0] == '-'; w.size() - neg <= 18 && w.size() > std::size_t(neg) &&
                                      (w[neg] != '0' || w.size() == std::size_t(neg) + 1)) {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
      if (ec == std::errc() && end == w.data() + w.size()) return ConfigValue::of_int(v);
    }
    std::string word(w);
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
    std::vector<ConfigNode>& kids = scratch_[static_cast<std::size_t>(depth)];
    kids.clear();
    auto done = [&]() -> Result<void> {
      out.reserve(out.size() + kids.size());
      std::move(kids.begin(), kids.end(), std::back_inserter(out));
      kids.clear();
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
      // Built in place; the recursion below fills scratch_[depth + 1], not `kids`.
      ConfigNode& node = kids.emplace_back();
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

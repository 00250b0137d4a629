#include "lvm/report/select.hpp"

#include <regex.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "lvm/report/field_help.hpp"

namespace udm::lvm::report {

struct Regex {
  regex_t re{};
  bool ok = false;
  ~Regex() {
    if (ok) regfree(&re);
  }
};

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Objects a report of `type` can select on (pvs may use LV fields through
// its segments, vgs shows nothing for them as lvm2 does).
bool object_allowed(ReportType type, Object obj) {
  switch (type) {
    case ReportType::lvs: return obj == Object::lv || obj == Object::seg || obj == Object::vg;
    case ReportType::vgs: return obj == Object::vg;
    case ReportType::pvs: return obj == Object::pv || obj == Object::vg || obj == Object::pvseg;
  }
  return false;
}

// The word a binary field shows when set: lvm2 accepts it as a value.
bool binary_word(std::string_view field, std::string_view word, std::uint64_t& out) {
  static const std::pair<std::string_view, std::string_view> words[] = {
      {"pv_allocatable", "allocatable"}, {"pv_exported", "exported"},     {"pv_missing", "missing"},
      {"pv_in_use", "used"},             {"pv_in_use", "in use"},         {"pv_duplicate", "duplicate"},
      {"vg_extendable", "extendable"},   {"vg_exported", "exported"},     {"vg_partial", "partial"},
      {"vg_clustered", "clustered"},     {"vg_shared", "shared"},         {"lv_fixed_minor", "fixed minor"},
      {"lv_skip_activation", "skip activation"}, {"lv_device_open", "open"}, {"lv_autoactivation", "enabled"},
      {"vg_autoactivation", "enabled"},
  };
  if (word == "yes") return out = 1, true;
  if (word == "no") return out = 0, true;
  for (const auto& [f, w] : words)
    if (f == field && w == word) return out = 1, true;
  return false;
}

class Parser {
 public:
  Parser(ReportType type, std::string_view text) : type_(type), s_(text) {}

  Result<SelNode> parse() {
    auto n = or_ex();
    if (!n) return n;
    skip_ws();
    if (pos_ < s_.size()) return syntax("Expecting logical operator", pos_);
    return n;
  }

 private:
  ReportType type_;
  std::string_view s_;
  std::size_t pos_ = 0;
  unsigned depth_ = 0;

  void skip_ws() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  bool at(std::string_view tok) const { return s_.substr(pos_).starts_with(tok); }
  std::string_view rest(std::size_t from) const { return s_.substr(std::min(from, s_.size())); }

  Error syntax_error(std::string_view msg, std::size_t from) const {
    return Error{EINVAL, fmt::format("{}\nSelection syntax error at '{}'.\nUse 'help' for selection to get more help.",
                                     msg, rest(from))};
  }
  std::unexpected<Error> syntax(std::string_view msg, std::size_t from) const {
    return std::unexpected(syntax_error(msg, from));
  }
  static std::unexpected<Error> plain(std::string msg) { return std::unexpected(Error{EINVAL, std::move(msg)}); }

  // After a term: the end or a logical operator (inside parentheses the
  // closing one is checked there).
  Result<void> after_term() {
    skip_ws();
    if (pos_ >= s_.size() || at("&&") || at("||") || at(",") || at("#")) return {};
    if (depth_ > 0) return {};  // the enclosing parenthesis reports what follows
    return std::unexpected(syntax_error("Expecting logical operator", pos_));
  }

  static SelNode group(SelNode::Kind kind, std::vector<SelNode> children) {
    if (children.size() == 1) return std::move(children[0]);
    SelNode n;
    n.kind = kind;
    n.children = std::move(children);
    return n;
  }

  Result<SelNode> or_ex() {
    std::vector<SelNode> parts;
    for (;;) {
      auto n = and_ex();
      if (!n) return n;
      parts.push_back(std::move(*n));
      skip_ws();
      if (at("||")) pos_ += 2;
      else if (at("#")) pos_ += 1;
      else break;
    }
    return group(SelNode::Kind::any, std::move(parts));
  }

  Result<SelNode> and_ex() {
    std::vector<SelNode> parts;
    for (;;) {
      auto n = term();
      if (!n) return n;
      parts.push_back(std::move(*n));
      skip_ws();
      if (at("&&")) pos_ += 2;
      else if (at(",")) pos_ += 1;
      else break;
    }
    return group(SelNode::Kind::all, std::move(parts));
  }

  Result<SelNode> parenthesized() {
    ++pos_;  // '('
    ++depth_;
    auto n = or_ex();
    if (!n) return n;
    skip_ws();
    if (!at(")")) return plain(fmt::format("Syntax error: right parenthesis expected at '{}'", rest(pos_)));
    ++pos_;
    --depth_;
    if (auto r = after_term(); !r) return std::unexpected(r.error());
    return n;
  }

  Result<SelNode> term() {
    skip_ws();
    if (at("!")) {
      ++pos_;
      skip_ws();
      if (!at("(")) return plain(fmt::format("Syntax error: left parenthesis expected at '{}'", rest(pos_)));
      auto n = parenthesized();
      if (!n) return n;
      n->negate = true;  // lvm2 sets negation, it does not toggle it: !(!(x)) is !(x)
      return n;
    }
    if (at("(")) return parenthesized();
    return comparison();
  }

  Result<SelNode> comparison() {
    const std::size_t start = pos_;
    std::size_t e = pos_;
    while (e < s_.size() && is_name_char(s_[e])) ++e;
    if (e == pos_) return syntax("Expecting field name", start);
    const std::string name = lower(s_.substr(pos_, e - pos_));
    pos_ = e;
    const FieldDef* f = find_field(type_, name);
    if (!f)
      return std::unexpected(
          Error{EINVAL, fields_help_text(true) + syntax_error("Unrecognised selection field: " + name, start).message});
    SelNode n;
    n.field = f;
    n.type = selection_type(*f);
    if (!object_allowed(type_, f->object)) {
      if (type_ == ReportType::lvs && (f->object == Object::pv || f->object == Object::pvseg))
        return plain("Can't report LV and PV fields at the same time in report type \"lv\".");
      n.never = true;
    }
    // Operator.
    const std::size_t op_at = pos_;
    skip_ws();
    static const std::pair<std::string_view, SelOp> ops[] = {
        {"=~", SelOp::match}, {"!~", SelOp::nomatch}, {"!=", SelOp::ne}, {"<=", SelOp::le}, {">=", SelOp::ge},
        {"=", SelOp::eq},     {"<", SelOp::lt},        {">", SelOp::gt},
    };
    static const std::pair<std::string_view, SelOp> time_ops[] = {
        {"since", SelOp::ge}, {"after", SelOp::gt}, {"until", SelOp::le}, {"before", SelOp::lt}};
    bool found = false;
    for (const auto& [tok, op] : ops)
      if (at(tok)) {
        n.op = op;
        pos_ += tok.size();
        found = true;
        break;
      }
    if (!found && n.type == SelType::time)
      for (const auto& [tok, op] : time_ops)
        if (at(tok) && (pos_ + tok.size() >= s_.size() || !is_name_char(s_[pos_ + tok.size()]))) {
          n.op = op;
          pos_ += tok.size();
          found = true;
          break;
        }
    if (!found)  // lvm2 shows the operators first
      return std::unexpected(Error{
          EINVAL, std::string(selection_help_tail()) +
                      syntax_error(fmt::format("Unrecognised comparison operator: {}", rest(op_at)), start).message});
    const bool regex_op = n.op == SelOp::match || n.op == SelOp::nomatch;
    const bool order_op = n.op != SelOp::eq && n.op != SelOp::ne && !regex_op;
    if (regex_op && n.type != SelType::string)
      return plain(fmt::format("dm_report: incompatible comparison type for selection field {}", f->name));
    if (order_op && (n.type == SelType::string || n.type == SelType::string_list))
      return std::unexpected(Error{
          EINVAL,
          std::string(selection_help_tail()) +
              syntax_error(fmt::format("Operator can be used only with number, size, time or percent fields: {}",
                                       rest(start)),
                           start)
                  .message});
    skip_ws();
    Result<void> v = regex_op ? regex_value(n, start) : value(n, start);
    if (!v) return std::unexpected(v.error());
    if (auto r = after_term(); !r) return std::unexpected(r.error());
    return n;
  }

  // An unquoted word: up to white space, ',', '#', ')', "&&" or "||";
  // inside a list also up to ']' and '}'.
  std::string_view word(bool in_list) {
    std::size_t e = pos_;
    while (e < s_.size()) {
      char c = s_[e];
      if (is_space(c) || c == ',' || c == '#' || c == ')') break;
      if (in_list && (c == ']' || c == '}')) break;
      if (s_.substr(e).starts_with("&&") || s_.substr(e).starts_with("||")) break;
      ++e;
    }
    auto w = s_.substr(pos_, e - pos_);
    pos_ = e;
    return w;
  }

  // A quoted string (no escapes) or an unquoted word; false: no closing quote.
  bool string_token(std::string& out, bool in_list) {
    if (at("\"") || at("'")) {
      char q = s_[pos_];
      auto close = s_.find(q, pos_ + 1);
      if (close == std::string_view::npos) return false;
      out = std::string(s_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
      return true;
    }
    out = std::string(word(in_list));
    return true;
  }

  // lvm2's "Failed to parse ... value" error, after the lines in `before`
  // (each ending in a newline) that say what went wrong.
  Result<void> fail_value(std::string_view what, const SelNode& n, std::size_t start, std::string_view before = {}) {
    Error e = syntax_error(fmt::format("Failed to parse {} value for selection field {}.", what, n.field->name), start);
    e.message.insert(0, before);
    return std::unexpected(std::move(e));
  }
  static constexpr std::string_view NO_END_QUOTE = "Missing end quote.\n";

  Result<void> regex_value(SelNode& n, std::size_t start) {
    std::string re;
    // lvm2 quotes a regex with "", '', () or [].
    const char open = pos_ < s_.size() ? s_[pos_] : '\0';
    if (open == '"' || open == '\'' || open == '(' || open == '[') {
      const char close = open == '(' ? ')' : open == '[' ? ']' : open;
      auto end = s_.find(close, pos_ + 1);
      if (end == std::string_view::npos) return fail_value("regex", n, start, NO_END_QUOTE);
      re = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
    } else {
      re = std::string(word(false));
      if (re.empty()) return syntax(fmt::format("Regular expression expected for selection field {}", n.field->name), start);
    }
    auto rx = std::make_shared<Regex>();
    if (regcomp(&rx->re, re.c_str(), REG_EXTENDED | REG_NOSUB) != 0)
      return plain(fmt::format(
          "Parse error in regex\nCouldn't parse regex\ndm_report: failed to create regex matcher for selection field {}",
          n.field->name));
    rx->ok = true;
    n.value.text = std::move(re);
    n.value.regex = std::move(rx);
    return {};
  }

  // digits[.digits]; false when there is none.
  bool decimal(double& out) {
    std::size_t e = pos_;
    while (e < s_.size() && is_digit(s_[e])) ++e;
    if (e < s_.size() && s_[e] == '.') {
      ++e;
      while (e < s_.size() && is_digit(s_[e])) ++e;
    }
    auto t = s_.substr(pos_, e - pos_);
    if (t.empty() || t == ".") return false;
    out = std::strtod(std::string(t).c_str(), nullptr);
    pos_ = e;
    return true;
  }

  static bool whole_decimal(std::string_view t, double& out) {
    bool dot = false, digit = false;
    for (char c : t) {
      if (is_digit(c)) digit = true;
      else if (c == '.' && !dot) dot = true;
      else return false;
    }
    if (!digit) return false;
    out = std::strtod(std::string(t).c_str(), nullptr);
    return true;
  }

  static double unit_factor(char u) {
    switch (u) {
      case 'b': case 'B': return 1;
      case 's': case 'S': return 512;
      case 'k': return 1024.0;
      case 'm': return 1024.0 * 1024;
      case 'g': return 1024.0 * 1024 * 1024;
      case 't': return 1024.0 * 1024 * 1024 * 1024;
      case 'p': return 1024.0 * 1024 * 1024 * 1024 * 1024;
      case 'e': return 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024;
      case 'K': return 1e3;
      case 'M': return 1e6;
      case 'G': return 1e9;
      case 'T': return 1e12;
      case 'P': return 1e15;
      case 'E': return 1e18;
    }
    return 0;
  }

  Result<void> value(SelNode& n, std::size_t start) {
    SelValue& v = n.value;
    const bool quoted = at("\"") || at("'");
    switch (n.type) {
      case SelType::string:
        if (!string_token(v.text, false)) return fail_value("string", n, start, "Missing end quote.\nMissing end quote.\n");
        return {};
      case SelType::string_list: return list_value(n, start);
      case SelType::number: {
        double d = 0;
        if (!quoted && decimal(d)) {
          v.number = static_cast<std::uint64_t>(d);
          return {};
        }
        std::string w;
        if (!string_token(w, false)) return fail_value("numeric", n, start, NO_END_QUOTE);
        if (whole_decimal(w, d)) {
          v.number = static_cast<std::uint64_t>(d);
          return {};
        }
        if (w == "-1" || w == "unknown" || w == "undefined" || w == "undef") {
          v.number = SEL_UNDEFINED;
          v.reserved = true;
          return {};
        }
        if (binary_word(n.field->name, w, v.number)) return {};
        return fail_value("numeric", n, start);
      }
      case SelType::size: {
        double d = 0;
        if (!quoted && decimal(d)) {
          double factor = 1024.0 * 1024;  // 'm' unless told
          if (pos_ < s_.size() && unit_factor(s_[pos_]) != 0) factor = unit_factor(s_[pos_++]);
          v.real = d * factor;
          return {};
        }
        std::string w;
        if (!string_token(w, false)) return fail_value("numeric", n, start, NO_END_QUOTE);
        if (w == "auto" && (n.field->name == "lv_read_ahead" || n.field->name == "lv_kernel_read_ahead")) {
          v.number = SEL_AUTO;
          v.reserved = true;
          return {};
        }
        std::size_t num_end = 0;
        while (num_end < w.size() && (is_digit(w[num_end]) || w[num_end] == '.')) ++num_end;
        if (whole_decimal(w.substr(0, num_end), d) &&
            (num_end == w.size() || (num_end + 1 == w.size() && unit_factor(w.back()) != 0))) {
          v.real = d * (num_end == w.size() ? 1024.0 * 1024 : unit_factor(w.back()));
          return {};
        }
        return fail_value("numeric", n, start);
      }
      case SelType::percent: {
        double d = 0;
        if (!quoted && decimal(d)) {
          if (at("%")) ++pos_;
          v.real = d;
          return {};
        }
        std::string w;
        if (!string_token(w, false)) return fail_value("numeric", n, start, NO_END_QUOTE);
        if (!w.empty() && w.back() == '%') w.pop_back();
        if (whole_decimal(w, d)) {
          v.real = d;
          return {};
        }
        return fail_value("numeric", n, start);
      }
      case SelType::time: {
        std::string w;
        if (!string_token(w, false)) return fail_value("time", n, start, "Missing end quote.\nMissing end quote.\n");
        std::string why;
        if (!parse_time(w, v.time_from, v.time_to, why)) return fail_value("time", n, start, why);
        return {};
      }
    }
    return {};
  }

  Result<void> list_value(SelNode& n, std::size_t start) {
    SelValue& v = n.value;
    if (!at("[") && !at("{")) {
      // A bare string: the field's list holds it.
      std::string w;
      if (!string_token(w, false)) return fail_value("string list", n, start, NO_END_QUOTE);
      if (!w.empty()) v.list = {w};  // "" is the empty list
      v.list_subset = true;
      return {};
    }
    const char close = at("[") ? ']' : '}';
    v.list_subset = close == '}';
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == close) {
      ++pos_;
      return {};
    }
    int joiner = 0;  // 1: all, 2: any
    const std::string list_fail =
        fmt::format("Failed to parse string list value for selection field {}.\n", n.field->name);
    for (;;) {
      std::string item;
      skip_ws();
      if (!string_token(item, true)) return fail_value("string list", n, start, std::string(NO_END_QUOTE) + list_fail);
      v.list.push_back(std::move(item));
      skip_ws();
      if (pos_ >= s_.size()) return fail_value("string list", n, start, "Invalid operator in selection list.\n");
      if (s_[pos_] == ']' || s_[pos_] == '}') {
        if (s_[pos_] != close)
          return fail_value("string list", n, start,
                            fmt::format("List ended with incorrect character, expecting '{}'.\n", close));
        ++pos_;
        break;
      }
      int j = 0;
      if (at("&&")) j = 1, pos_ += 2;
      else if (at(",")) j = 1, pos_ += 1;
      else if (at("||")) j = 2, pos_ += 2;
      else if (at("#")) j = 2, pos_ += 1;
      if (j == 0) return fail_value("string list", n, start, "Invalid operator in selection list.\n");
      if (joiner != 0 && j != joiner)
        return fail_value("string list", n, start,
                          "Only one type of logical operator allowed in selection list at a time.\n");
      joiner = j;
      skip_ws();
      if (pos_ >= s_.size())
        return fail_value("string list", n, start,
                          fmt::format("Missing list end for selection field {}\n", n.field->name));
    }
    v.list_any = joiner == 2;
    std::sort(v.list.begin(), v.list.end());
    v.list.erase(std::unique(v.list.begin(), v.list.end()), v.list.end());
    return {};
  }

  // "@SECONDS", or "YYYY[-MM[-DD[ HH[:MM[:SS]]]]]" in local time: the range
  // of seconds the value names ("2020-01-01" is that whole day).
  // On failure `why` holds lvm2's line about it (with its newline), if any.
  static bool parse_time(std::string_view t, std::int64_t& from, std::int64_t& to, std::string& why) {
    if (!t.empty() && std::isalpha(static_cast<unsigned char>(t[0]))) {
      why = fmt::format("Unrecognized string in date/time specification at \"{}\".\n", t);
      return false;
    }
    if (t.starts_with("@")) {
      t.remove_prefix(1);
      if (t.empty() || t.size() > 18) return false;
      std::int64_t x = 0;
      for (char c : t) {
        if (!is_digit(c)) return false;
        x = x * 10 + (c - '0');
      }
      from = to = x;
      return true;
    }
    int parts[6] = {0, 1, 1, 0, 0, 0};
    static const char seps[6] = {0, '-', '-', ' ', ':', ':'};
    static const int widths[6] = {4, 2, 2, 2, 2, 2};
    int have = 0;
    std::size_t i = 0;
    while (have < 6 && i < t.size()) {
      if (have > 0) {
        if (t[i] != seps[have] && !(have == 3 && t[i] == 'T')) return false;
        ++i;
      }
      int x = 0, nd = 0;
      while (i < t.size() && is_digit(t[i]) && nd < widths[have]) x = x * 10 + (t[i++] - '0'), ++nd;
      if (nd == 0 || (have == 0 && nd != 4)) {
        why = "Incorrect date format.\n";
        return false;
      }
      parts[have++] = x;
    }
    if (i != t.size() || have == 0) {
      why = "Incorrect date format.\n";
      return false;
    }
    static const std::pair<int, int> limits[6] = {{0, 9999}, {1, 12}, {1, 31}, {0, 23}, {0, 59}, {0, 60}};
    static const char* const names[6] = {"year", "month", "day", "hours", "minutes", "seconds"};
    for (int k = 1; k < have; ++k)
      if (parts[k] < limits[k].first || parts[k] > limits[k].second) {
        why = fmt::format("Specified {} out of range.\n", names[k]);
        return false;
      }
    std::tm tm{};
    tm.tm_year = parts[0] - 1900;
    tm.tm_mon = parts[1] - 1;
    tm.tm_mday = parts[2];
    tm.tm_hour = parts[3];
    tm.tm_min = parts[4];
    tm.tm_sec = parts[5];
    tm.tm_isdst = -1;
    std::time_t lo = std::mktime(&tm);
    if (lo == static_cast<std::time_t>(-1)) return false;
    std::tm end = tm;
    switch (have) {
      case 1: end.tm_year += 1; break;
      case 2: end.tm_mon += 1; break;
      case 3: end.tm_mday += 1; break;
      case 4: end.tm_hour += 1; break;
      case 5: end.tm_min += 1; break;
      default: end.tm_sec += 1; break;
    }
    end.tm_isdst = -1;
    std::time_t hi = std::mktime(&end);
    from = lo;
    to = hi - 1;
    return true;
  }
};

std::vector<std::string> split_list(std::string_view s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    auto p = s.find(sep, start);
    out.emplace_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string cell_text(const Cell& c) {
  switch (c.kind) {
    case Kind::str: return c.text;
    case Kind::num: return c.blank ? std::string() : std::to_string(c.num);
    case Kind::size: return c.blank ? std::string() : std::to_string(c.size);
  }
  return c.text;
}

// A number field's value as lvm2 holds it: -1 is "undefined" (the largest
// value); binary fields shown as a word are 1 when set.
std::uint64_t cell_number(const Cell& c) {
  if (c.blank) return SEL_UNDEFINED;
  switch (c.kind) {
    case Kind::num: return static_cast<std::uint64_t>(c.num);
    case Kind::size: return c.size;
    case Kind::str: break;
  }
  if (c.text.empty()) return 0;
  if (c.text == "unknown") return SEL_UNDEFINED;
  if (std::all_of(c.text.begin(), c.text.end(), is_digit)) return std::strtoull(c.text.c_str(), nullptr, 10);
  return 1;
}

template <class T>
bool ordered(SelOp op, T a, T b) {
  switch (op) {
    case SelOp::eq: return a == b;
    case SelOp::ne: return a != b;
    case SelOp::lt: return a < b;
    case SelOp::le: return a <= b;
    case SelOp::gt: return a > b;
    case SelOp::ge: return a >= b;
    default: return false;
  }
}

bool close_enough(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)}); }

bool real_compare(SelOp op, double a, double b) {
  const bool eq = close_enough(a, b);
  switch (op) {
    case SelOp::eq: return eq;
    case SelOp::ne: return !eq;
    case SelOp::lt: return !eq && a < b;
    case SelOp::le: return eq || a < b;
    case SelOp::gt: return !eq && a > b;
    case SelOp::ge: return eq || a > b;
    default: return false;
  }
}

bool compare(const SelNode& n, const Cell& c) {
  const SelValue& v = n.value;
  switch (n.type) {
    case SelType::string: {
      std::string t = cell_text(c);
      if (n.op == SelOp::match || n.op == SelOp::nomatch) {
        bool m = v.regex && regexec(&v.regex->re, t.c_str(), 0, nullptr, 0) == 0;
        return n.op == SelOp::match ? m : !m;
      }
      return n.op == SelOp::eq ? t == v.text : t != v.text;
    }
    case SelType::string_list: {
      // seg_pe_ranges is shown space-separated.
      const char sep = n.field->name == "seg_pe_ranges" ? ' ' : ',';
      const auto have = split_list(cell_text(c), sep);
      bool eq;
      if (v.list.empty()) eq = have.empty();
      else if (v.list_any)
        eq = std::any_of(v.list.begin(), v.list.end(),
                         [&](const std::string& x) { return std::binary_search(have.begin(), have.end(), x); });
      else if (v.list_subset) eq = std::includes(have.begin(), have.end(), v.list.begin(), v.list.end());
      else eq = have == v.list;
      return n.op == SelOp::eq ? eq : !eq;
    }
    case SelType::number: return ordered(n.op, cell_number(c), v.number);
    case SelType::size: {
      const bool cell_auto = c.kind == Kind::str && c.text == "auto";
      if (c.blank || (c.kind == Kind::str && !cell_auto)) return n.op == SelOp::ne;
      if (cell_auto || v.reserved) {
        bool eq = cell_auto && v.reserved && v.number == SEL_AUTO;
        if (n.op == SelOp::eq) return eq;
        if (n.op == SelOp::ne) return !eq;
        return false;
      }
      double bytes = c.kind == Kind::size ? static_cast<double>(c.size) * 512.0 : static_cast<double>(c.num);
      return real_compare(n.op, bytes, v.real);
    }
    case SelType::percent: {
      std::string t = cell_text(c);
      if (t.empty()) return n.op == SelOp::ne;  // undefined: no value compares
      return real_compare(n.op, std::strtod(t.c_str(), nullptr), v.real);
    }
    case SelType::time: {
      if (c.blank || c.kind != Kind::num) return n.op == SelOp::ne;
      const std::int64_t t = c.num;
      switch (n.op) {
        case SelOp::eq: return t >= v.time_from && t <= v.time_to;
        case SelOp::ne: return t < v.time_from || t > v.time_to;
        case SelOp::lt: return t < v.time_from;
        case SelOp::le: return t <= v.time_to;
        case SelOp::gt: return t > v.time_to;
        case SelOp::ge: return t >= v.time_from;
        default: return false;
      }
    }
  }
  return false;
}

bool eval(const SelNode& n, const std::function<Cell(const FieldDef&)>& get) {
  bool r;
  switch (n.kind) {
    case SelNode::Kind::compare: r = !n.never && compare(n, get(*n.field)); break;
    case SelNode::Kind::all:
      r = std::all_of(n.children.begin(), n.children.end(), [&](const SelNode& c) { return eval(c, get); });
      break;
    case SelNode::Kind::any:
      r = std::any_of(n.children.begin(), n.children.end(), [&](const SelNode& c) { return eval(c, get); });
      break;
    default: r = false;
  }
  return n.negate ? !r : r;
}

}  // namespace

SelType selection_type(const FieldDef& f) {
  if (const FieldHelp* h = find_field_help(f.name)) {
    if (h->type == "string list") return SelType::string_list;
    if (h->type == "string") return SelType::string;
    if (h->type == "percent") return SelType::percent;
    if (h->type == "time") return SelType::time;
    if (h->type == "size") return f.kind == Kind::num ? SelType::number : SelType::size;
    if (h->type == "number") return f.kind == Kind::size ? SelType::size : SelType::number;
  }
  switch (f.kind) {
    case Kind::num: return SelType::number;
    case Kind::size: return SelType::size;
    case Kind::str: break;
  }
  return SelType::string;
}

Result<Selection> parse_selection(ReportType type, std::string_view text) {
  Selection s;
  if (text.empty()) return s;
  Parser p(type, text);
  auto root = p.parse();
  if (!root) return fail(root.error());
  s.empty = false;
  s.root = std::move(*root);
  return s;
}

bool selection_matches(const Selection& s, const std::function<Cell(const FieldDef&)>& get) {
  return s.empty || eval(s.root, get);
}

}  // namespace udm::lvm::report

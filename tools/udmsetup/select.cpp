#include "select.hpp"

#include <cctype>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <strings.h>
#include <vector>

namespace udm::udmsetup {

enum class Op { eq, ne, lt, le, gt, ge, match, nomatch };

struct Selection::Node {
  enum class Kind { all, any, cond } kind = Kind::cond;
  bool negate = false;
  std::vector<std::shared_ptr<Node>> children;  // all/any
  SelectField field;                            // cond
  Op op = Op::eq;
  std::string text;
  std::uint64_t number = 0;
  double sectors = 0;  // a size field's value
  std::shared_ptr<std::regex> regex;
};

namespace {

using Node = Selection::Node;

const char* skip_space(const char* s) {
  while (*s && std::isspace(static_cast<unsigned char>(*s))) ++s;
  return s;
}

// A logical operator at s: "&&" or "," (and), "||" or "#" (or), "!",
// "(" or ")". Returns its length, 0 if none.
std::size_t log_op(const char* s, const char* which) {
  s = skip_space(s);
  for (const char* w = which; *w; ++w) {
    switch (*w) {
      case '&':
        if (s[0] == '&' && s[1] == '&') return 2;
        if (s[0] == ',') return 1;
        break;
      case '|':
        if (s[0] == '|' && s[1] == '|') return 2;
        if (s[0] == '#') return 1;
        break;
      default:
        if (*s == *w) return 1;
    }
  }
  return 0;
}

// Advances past spaces and the operator log_op found.
const char* past_op(const char* s, std::size_t n) { return skip_space(s) + n; }

// dm_units_to_factor (not strict) on a unit letter after a number: bytes
// per unit, 0 when `s` starts with none. h/H/r/R count as bytes there.
std::uint64_t unit_factor(char c) {
  constexpr std::uint64_t ki = 1024, k = 1000;
  switch (c) {
    case 'h': case 'H': case 'r': case 'R': case 'b': case 'B': return 1;
    case 's': case 'S': return 512;
    case 'k': return ki;
    case 'm': return ki * ki;
    case 'g': return ki * ki * ki;
    case 't': return ki * ki * ki * ki;
    case 'p': return ki * ki * ki * ki * ki;
    case 'e': return ki * ki * ki * ki * ki * ki;
    case 'K': return k;
    case 'M': return k * k;
    case 'G': return k * k * k;
    case 'T': return k * k * k * k;
    case 'P': return k * k * k * k * k;
    case 'E': return k * k * k * k * k * k;
    default: return 0;
  }
}

// libdm compares sizes as doubles, equal within DBL_EPSILON.
bool dbl_equal(double a, double b) { return std::fabs(a - b) < DBL_EPSILON; }

// libdevmapper's selection help, printed before an operator error.
constexpr const char* SELECTION_HELP =
    "Selection operands\n"
    "------------------\n"
    "  field               - Reporting field.\n"
    "  number              - Non-negative integer value.\n"
    "  size                - Floating point value with units, 'm' unit used by default if not specified.\n"
    "  percent             - Non-negative integer with or without % suffix.\n"
    "  string              - Characters quoted by ' or \" or unquoted.\n"
    "  string list         - Strings enclosed by [ ] or { } and elements delimited by either\n"
    "                        \"all items must match\" or \"at least one item must match\" operator.\n"
    "  regular expression  - Characters quoted by ' or \" or unquoted.\n"
    " \n"
    "Selection operators\n"
    "-------------------\n"
    "  Comparison operators:\n"
    "        =~  - Matching regular expression. [regex]\n"
    "        !~  - Not matching regular expression. [regex]\n"
    "         =  - Equal to. [number, size, percent, string, string list, time]\n"
    "        !=  - Not equal to. [number, size, percent, string, string_list, time]\n"
    "        >=  - Greater than or equal to. [number, size, percent, time]\n"
    "         >  - Greater than. [number, size, percent, time]\n"
    "        <=  - Less than or equal to. [number, size, percent, time]\n"
    "         <  - Less than. [number, size, percent, time]\n"
    "     since  - Since specified time (same as '>='). [time]\n"
    "     after  - After specified time (same as '>'). [time]\n"
    "     until  - Until specified time (same as '<='). [time]\n"
    "    before  - Before specified time (same as '<'). [time]\n"
    " \n"
    "  Logical and grouping operators:\n"
    "      &&  - All fields must match\n"
    "       ,  - All fields must match\n"
    "      ||  - At least one field must match\n"
    "       #  - At least one field must match\n"
    "       !  - Logical negation\n"
    "       (  - Left parenthesis\n"
    "       )  - Right parenthesis\n"
    "       [  - List start\n"
    "       ]  - List end\n"
    "       {  - List subset start\n"
    "       }  - List subset end\n"
    " \n";

struct Parser {
  const Selection::Lookup& lookup;
  std::string error;
  bool unknown = false;

  void syntax(const std::string& why, const char* at) {
    if (!why.empty()) error += why + "\n";
    error += "Selection syntax error at '" + std::string(at) + "'.\n";
    error += "Use 'help' for selection to get more help.\n";
  }

  std::shared_ptr<Node> cond(const char* s, const char** next) {
    const char* start = s;
    const char* ws = s;
    while (*s && (std::isalnum(static_cast<unsigned char>(*s)) || *s == '_' || *s == '-')) ++s;
    if (s == ws) return syntax("Expecting field name", start), nullptr;
    const std::string name(ws, s);
    auto f = lookup(name);
    if (!f) {
      unknown = true;
      return syntax("Unrecognised selection field: " + name, start), nullptr;
    }
    auto n = std::make_shared<Node>();
    n->field = *f;
    static const std::pair<const char*, Op> ops[] = {{"=~", Op::match}, {"!~", Op::nomatch}, {"!=", Op::ne},
                                                      {">=", Op::ge},    {"<=", Op::le},      {"=", Op::eq},
                                                      {">", Op::gt},     {"<", Op::lt}};
    const char* o = skip_space(s);
    bool found = false;
    for (const auto& [text, op] : ops) {
      const std::size_t len = std::strlen(text);
      if (!std::strncmp(o, text, len)) {
        n->op = op;
        s = o + len;
        found = true;
        break;
      }
    }
    if (!found) {
      error += SELECTION_HELP;
      return syntax("Unrecognised comparison operator: " + std::string(s), start), nullptr;
    }
    const bool ordered = n->op == Op::lt || n->op == Op::le || n->op == Op::gt || n->op == Op::ge;
    const bool regex = n->op == Op::match || n->op == Op::nomatch;
    if (ordered && !f->number) {
      error += SELECTION_HELP;
      return syntax("Operator can be used only with number, size, time or percent fields: " + std::string(ws),
                    start),
             nullptr;
    }
    s = skip_space(s);
    if (regex && !*s) return syntax("Regular expression expected for selection field " + name, start), nullptr;
    if (!regex && f->number) return number(n, name, start, s, next);
    // The value: quoted (regexes also in (), {} or []), or up to a space
    // or a logical operator.
    std::string value;
    char endc = 0;
    if (*s == '\'' || *s == '"') endc = *s;
    if (regex && *s == '(') endc = ')';
    if (regex && *s == '{') endc = '}';
    if (regex && *s == '[') endc = ']';
    if (endc) {
      ++s;
      const char* e = std::strchr(s, endc);
      if (!e)
        return syntax("Missing end quote.\nFailed to parse " + std::string(regex ? "regex" : "string") +
                          " value for selection field " + name + ".",
                      start),
               nullptr;
      value.assign(s, e);
      s = e + 1;
    } else {
      const char* vs = s;
      while (*s && *s != ' ' && !log_op(s, "&|)")) ++s;
      value.assign(vs, s);
    }
    if (n->op == Op::match || n->op == Op::nomatch) {
      // A regex is a string comparison: libdm refuses it on a number after
      // the value's syntax, without syntax-error lines.
      if (f->number) return error += "dm_report: incompatible comparison type for selection field " + name + "\n", nullptr;
      try {
        n->regex = std::make_shared<std::regex>(value, std::regex::extended | std::regex::nosubs);
      } catch (const std::regex_error&) {
        return syntax("Failed to parse regex value for selection field " + name + ".", start), nullptr;
      }
    }
    n->text = value;
    *next = skip_space(s);
    return n;
  }

  // A number or size value as libdm tokenizes it: digits with at most one
  // '.', then '%' or a unit letter, which only a size takes (MiB without
  // one); whatever follows is left to the logical operators.
  std::shared_ptr<Node> number(const std::shared_ptr<Node>& n, const std::string& name, const char* start,
                               const char* s, const char** next) {
    const bool size = n->field.size;
    const char* b = s;
    for (bool dot = false; std::isdigit(static_cast<unsigned char>(*s)) || (!dot && *s == '.' && (dot = true)); ++s) {
    }
    if (s == b) return syntax("Failed to parse numeric value for selection field " + name + ".", start), nullptr;
    const std::string value(b, s);
    if (*s == '%')
      return syntax("Found percent value but " + std::string(size ? "size" : "numeric") +
                        " value expected for selection field " + name + ".",
                    start),
             nullptr;
    std::uint64_t factor = unit_factor(*s);
    if (factor && !size)
      return syntax("Found size unit specifier but numeric value expected for selection field " + name + ".", start),
             nullptr;
    if (factor) ++s;
    errno = 0;
    if (size) {
      n->sectors = std::strtod(value.c_str(), nullptr);
      if (errno == ERANGE) return out_of_range(value, name);
      n->sectors = n->sectors * static_cast<double>(factor ? factor : 1024 * 1024) / 512;
    } else {
      n->number = std::strtoull(value.c_str(), nullptr, 10);
      if (errno == ERANGE) return out_of_range(value, name);
    }
    n->text = value;
    *next = skip_space(s);
    return n;
  }

  // Found after the syntax checks: libdm prints no syntax-error lines.
  std::shared_ptr<Node> out_of_range(const std::string& value, const std::string& name) {
    error += "Field selection value " + value + " out of supported range for field " + name + ".\n";
    return nullptr;
  }

  std::shared_ptr<Node> ex(const char* s, const char** next) {
    if (std::size_t k = log_op(s, "!")) {
      const char* p = past_op(s, k);
      std::size_t k2 = log_op(p, "(");
      if (!k2) return error += "Syntax error: left parenthesis expected at '" + std::string(p) + "'\n", nullptr;
      auto n = or_ex(past_op(p, k2), next);
      if (!n) return nullptr;
      n->negate = !n->negate;
      std::size_t k3 = log_op(*next, ")");
      if (!k3) return error += "Syntax error: right parenthesis expected at '" + std::string(*next) + "'\n", nullptr;
      *next = skip_space(past_op(*next, k3));
      return n;
    }
    if (std::size_t k = log_op(s, "(")) {
      auto n = or_ex(past_op(s, k), next);
      if (!n) return nullptr;
      std::size_t k2 = log_op(*next, ")");
      if (!k2) return error += "Syntax error: right parenthesis expected at '" + std::string(*next) + "'\n", nullptr;
      *next = skip_space(past_op(*next, k2));
      return n;
    }
    return cond(skip_space(s), next);
  }

  std::shared_ptr<Node> and_ex(const char* s, const char** next) {
    auto all = std::make_shared<Node>();
    all->kind = Node::Kind::all;
    for (;;) {
      auto n = ex(s, next);
      if (!n) return nullptr;
      all->children.push_back(n);
      std::size_t k = log_op(*next, "&");
      if (!k) break;
      s = past_op(*next, k);
    }
    return all->children.size() == 1 ? all->children[0] : all;
  }

  std::shared_ptr<Node> or_ex(const char* s, const char** next) {
    auto any = std::make_shared<Node>();
    any->kind = Node::Kind::any;
    for (;;) {
      auto n = and_ex(s, next);
      if (!n) return nullptr;
      any->children.push_back(n);
      std::size_t k = log_op(*next, "|");
      if (!k) break;
      s = past_op(*next, k);
    }
    return any->children.size() == 1 ? any->children[0] : any;
  }
};

bool eval(const Node& n, const Selection::Value& value) {
  bool r = false;
  switch (n.kind) {
    case Node::Kind::all:
      r = true;
      for (const auto& c : n.children) r = r && eval(*c, value);
      break;
    case Node::Kind::any:
      for (const auto& c : n.children) r = r || eval(*c, value);
      break;
    case Node::Kind::cond: {
      const std::string v = value(n.field.index);
      if (n.regex) {
        r = std::regex_search(v, *n.regex) == (n.op == Op::match);
        break;
      }
      if (n.field.size) {
        const double x = v.empty() ? 0 : std::strtod(v.c_str(), nullptr), y = n.sectors;
        switch (n.op) {
          case Op::eq: r = dbl_equal(x, y); break;
          case Op::ne: r = !dbl_equal(x, y); break;
          case Op::lt: r = x < y && !dbl_equal(x, y); break;
          case Op::le: r = x < y || dbl_equal(x, y); break;
          case Op::gt: r = x > y && !dbl_equal(x, y); break;
          case Op::ge: r = x > y || dbl_equal(x, y); break;
          default: break;
        }
      } else if (n.field.number) {
        const std::uint64_t x = v.empty() ? 0 : std::strtoull(v.c_str(), nullptr, 10);
        switch (n.op) {
          case Op::eq: r = x == n.number; break;
          case Op::ne: r = x != n.number; break;
          case Op::lt: r = x < n.number; break;
          case Op::le: r = x <= n.number; break;
          case Op::gt: r = x > n.number; break;
          case Op::ge: r = x >= n.number; break;
          default: break;
        }
      } else {
        r = (v == n.text) == (n.op == Op::eq);
      }
      break;
    }
  }
  return n.negate ? !r : r;
}

}  // namespace

Result<Selection> Selection::parse(const std::string& text, const Lookup& lookup, bool* unknown_field) {
  Selection sel;
  if (text.empty() || !strcasecmp(text.c_str(), "all")) return sel;
  Parser p{lookup, {}, false};
  const char* next = nullptr;
  auto root = p.or_ex(text.c_str(), &next);
  if (root && *skip_space(next)) {
    p.syntax("Expecting logical operator", skip_space(next));
    root = nullptr;
  }
  if (unknown_field) *unknown_field = p.unknown;
  if (!root) return fail(EINVAL, p.error);
  sel.root_ = root;
  return sel;
}

bool Selection::matches(const Value& value) const { return !root_ || eval(*root_, value); }

}  // namespace udm::udmsetup

// -S/--select: lvm2's selection grammar parsed into a typed tree, then
// evaluated per report row.
//
//   or_ex   := and_ex (("||" | "#") and_ex)*
//   and_ex  := term (("&&" | ",") term)*
//   term    := "!" "(" or_ex ")" | "(" or_ex ")" | FIELD OP VALUE
//   OP      := "=~" | "!~" | "=" | "!=" | "<" | "<=" | ">" | ">="
//            | "since" | "after" | "until" | "before"
//   VALUE   := a number, a size with units ("1g"), a percent ("50%"), a time,
//              a string quoted or not, a regex, or a string list "[a,b]",
//              "[a||b]", "{a,b}" (subset)
//
// Field names are lvm's (case-insensitive, the report's prefix optional); the
// value's type is the field's type in lvm2's field catalogue. Errors carry
// lvm2's messages, one per line, without lvm's indent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/report/fields.hpp"

namespace udm::lvm::report {

enum class SelOp : std::uint8_t { eq, ne, lt, le, gt, ge, match, nomatch };
enum class SelType : std::uint8_t { string, string_list, number, size, percent, time };

// Numbers are unsigned as in lvm2: -1 ("undefined") is the largest value.
inline constexpr std::uint64_t SEL_UNDEFINED = ~std::uint64_t{0};
// lv_read_ahead's "auto".
inline constexpr std::uint64_t SEL_AUTO = ~std::uint64_t{0} - 1;

struct Regex;  // a compiled POSIX extended regex

struct SelValue {
  std::string text;                // string
  std::uint64_t number = 0;        // number (and a size's reserved values)
  bool reserved = false;           // number holds a reserved value (size: "auto")
  double real = 0;                 // size in bytes, percent
  std::vector<std::string> list;   // string list, sorted
  bool list_subset = false;        // {...}
  bool list_any = false;           // items joined by || or #
  std::int64_t time_from = 0;      // time: the range the value names, in seconds
  std::int64_t time_to = 0;
  std::shared_ptr<Regex> regex;
};

struct SelNode {
  enum class Kind : std::uint8_t { compare, all, any } kind = Kind::compare;
  bool negate = false;
  // compare
  const FieldDef* field = nullptr;
  SelType type = SelType::string;
  SelOp op = SelOp::eq;
  SelValue value;
  bool never = false;  // a field of an object the report has not: matches nothing
  // all / any
  std::vector<SelNode> children;
};

struct Selection {
  bool empty = true;  // "" selects every row
  SelNode root;
};

// Parses `text` for a report of `type`. On error the message is lvm2's lines;
// an unknown field's message starts with the field list.
Result<Selection> parse_selection(ReportType type, std::string_view text);

// The type lvm2 compares a field as.
SelType selection_type(const FieldDef& f);

// Whether a row passes; `get` gives a field's value for the row (for time
// fields: Cell::of_num(seconds since the epoch)).
bool selection_matches(const Selection& s, const std::function<Cell(const FieldDef&)>& get);

}  // namespace udm::lvm::report

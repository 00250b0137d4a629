// dmsetup's -S/--select: libdevmapper's selection grammar over the report
// fields (comparisons = != < <= > >= on numbers and sizes with units, = != =~ !~ on strings,
// && , || # ! and parentheses), with libdevmapper's error messages.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace udm::udmsetup {

// How the selection sees a report field.
struct SelectField {
  int index = 0;        // passed back to the value getter
  bool number = false;  // compared as a non-negative integer
  bool size = false;    // (with number) a size: the value getter gives sectors, the
                        // selection takes units ('m' without one), compared as libdm's doubles
};

class Selection {
 public:
  using Lookup = std::function<std::optional<SelectField>(const std::string& name)>;
  using Value = std::function<std::string(int index)>;

  // Parses `text`. On error the message holds dmsetup's lines (the
  // reason, "Selection syntax error at '...'." and the help hint), each
  // ending in a newline; `unknown_field` tells the caller to print the
  // field list first.
  static Result<Selection> parse(const std::string& text, const Lookup& lookup, bool* unknown_field = nullptr);
  bool matches(const Value& value) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace udm::udmsetup

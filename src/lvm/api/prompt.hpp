// lvm's [y/n] questions. The question goes to stderr without a newline and
// the answer is read from stdin, terminal or not: "y"/"yes" and "n"/"no" in
// either case; anything else is "WARNING: Invalid input '...'." and the
// question again; end of input prints "[n]" and answers no. -y/--yes answers
// yes without asking.
#pragma once

#include <string>

namespace udm::lvm::api::detail {

class Cmd;

// 'y' or 'n'.
char yes_no(Cmd& c, const std::string& question);

}  // namespace udm::lvm::api::detail

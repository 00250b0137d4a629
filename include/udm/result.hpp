// Errors as values: an errno-like code plus a message that names the thing
// that is wrong ("table line 3: striped: chunk size 7 is not a power of two").
// Public: libudm's C++ API returns them (src/base/result.hpp forwards here).
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <utility>

namespace udm {

struct Error {
  int code = EINVAL;    // positive errno value
  std::string message;  // one line, no trailing newline
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for `return fail(EINVAL, "...")` in functions returning Result<T>.
inline std::unexpected<Error> fail(int code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

// Prefix context onto an error as it travels up ("table line 3: " + inner).
inline Error with_context(std::string_view context, Error e) {
  e.message = std::string(context) + e.message;
  return e;
}

}  // namespace udm

// The next definition of a libc function (dlsym RTLD_NEXT), looked up once.
// Every hook calls through these so that the shim never recurses into itself.
#pragma once

#include <dlfcn.h>

namespace udm::shim {

template <class Fn>
Fn next_symbol(const char* name) noexcept {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

// REAL(open, int (*)(const char*, int, ...)) gives a function-local static
// pointer to the next `open`.
#define UDM_SHIM_REAL(name, ...)                                          \
  ([]() noexcept {                                                        \
    using fn_type = __VA_ARGS__;                                          \
    static fn_type fn = ::udm::shim::next_symbol<fn_type>(#name);         \
    return fn;                                                            \
  }())

}  // namespace udm::shim

// The daemon's log: one line per event, to stderr (foreground) or to
// <rundir>/udmd.log. Thread-safe; lines are written whole.
#pragma once

#include <cstdio>
#include <string_view>

#include <fmt/format.h>

namespace udm::daemon {

class Log {
 public:
  // Logs to `out` (not owned unless `owned`). Default: stderr.
  explicit Log(std::FILE* out = stderr, bool owned = false) : out_(out), owned_(owned) {}
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Opens `path` for appending; falls back to stderr (and says so) on failure.
  static Log to_file(const char* path);

  void write(std::string_view line);

  template <class... A>
  void info(fmt::format_string<A...> f, A&&... a) {
    write(fmt::format(f, std::forward<A>(a)...));
  }

  Log(Log&& other) noexcept : out_(other.out_), owned_(other.owned_) { other.owned_ = false; }

 private:
  std::FILE* out_;
  bool owned_;
};

}  // namespace udm::daemon

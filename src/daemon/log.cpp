#include "daemon/log.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <unistd.h>

namespace udm::daemon {
namespace {
std::mutex log_lock;  // one lock for every Log: lines never interleave
}

Log::~Log() {
  if (owned_ && out_) std::fclose(out_);
}

Log Log::to_file(const char* path) {
  std::FILE* f = std::fopen(path, "ae");
  if (!f) {
    Log l(stderr, false);
    l.info("udmd: cannot open log {}: {}; logging to stderr", path, std::strerror(errno));
    return l;
  }
  std::setvbuf(f, nullptr, _IOLBF, 0);
  return Log(f, true);
}

void Log::write(std::string_view line) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard g(log_lock);
  fmt::print(out_, "{} udmd[{}]: {}\n", stamp, ::getpid(), line);
  std::fflush(out_);
}

}  // namespace udm::daemon

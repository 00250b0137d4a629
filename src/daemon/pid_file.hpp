// <rundir>/udmd.pid, held with flock(LOCK_EX) for the daemon's lifetime:
// only one udmd runs per run directory.
#pragma once

#include <string>

#include "base/result.hpp"

namespace udm::daemon {

class PidFile {
 public:
  // EBUSY ("udmd (pid N) already runs on DIR") when another process holds it.
  static Result<PidFile> acquire(const std::string& path);
  PidFile(PidFile&& o) noexcept : path_(std::move(o.path_)), fd_(o.fd_) { o.fd_ = -1; }
  PidFile& operator=(PidFile&&) = delete;
  ~PidFile() { release(); }

  // Unlinks the file and drops the lock. Idempotent.
  void release();

  // Rewrites the pid (after daemonizing, the pid changes).
  void write_pid();

 private:
  PidFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

}  // namespace udm::daemon

#include "daemon/pid_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace udm::daemon {

Result<PidFile> PidFile::acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(errno, "cannot open pid file " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    if (e == EWOULDBLOCK)
      return fail(EBUSY, "another udmd (pid " + pid + ") already runs on this run directory (" + path + " is locked)");
    return fail(e, "cannot lock pid file " + path + ": " + std::strerror(e));
  }
  PidFile p(path, fd);
  p.write_pid();
  return p;
}

void PidFile::write_pid() {
  if (fd_ < 0) return;
  std::string s = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    ssize_t n = ::pwrite(fd_, s.data(), s.size(), 0);
    (void)n;
  }
}

void PidFile::release() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked: a successor never loses its file
  ::close(fd_);
  fd_ = -1;
}

}  // namespace udm::daemon

#include "daemon/pid_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace udm::daemon {

Result<PidFile> PidFile::acquire(const std::string& path) {
  // O_NOFOLLOW and no O_TRUNC: a symbolic link planted at the path must not
  // make the daemon truncate or write the file it points to.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP) return fail(e, "pid file " + path + " is a symbolic link; refusing to use it");
    return fail(e, "cannot open pid file " + path + ": " + std::strerror(e));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || st.st_nlink != 1) {
    ::close(fd);
    return fail(EPERM, "pid file " + path + " is not a regular file of this user; refusing to use it");
  }
  ::fchmod(fd, 0644);  // explicit, whatever the umask
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

#include "exports/nbd/socket_io.hpp"

#include <cerrno>
#include <climits>
#include <sys/socket.h>
#include <unistd.h>

namespace udm::exports::nbd {

int read_exact(int fd, void* buffer, std::size_t length) {
  auto* p = static_cast<char*>(buffer);
  while (length > 0) {
    ssize_t n = ::recv(fd, p, length, MSG_WAITALL);  // one call for a whole payload
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return ECONNRESET;
    p += n;
    length -= static_cast<std::size_t>(n);
  }
  return 0;
}

int write_all(int fd, const void* buffer, std::size_t length) {
  auto* p = static_cast<const char*>(buffer);
  while (length > 0) {
    ssize_t n = ::send(fd, p, length, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    length -= static_cast<std::size_t>(n);
  }
  return 0;
}

int writev_all(int fd, struct iovec* iov, int count) {
  while (count > 0) {
    struct msghdr msg {};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count < IOV_MAX ? count : IOV_MAX);
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    auto done = static_cast<std::size_t>(n);
    while (count > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + done;
      iov->iov_len -= done;
    }
  }
  return 0;
}

}  // namespace udm::exports::nbd

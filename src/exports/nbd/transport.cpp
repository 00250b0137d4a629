#include "exports/nbd/transport.hpp"

#include <cerrno>
#include <climits>
#include <sys/socket.h>

namespace udm::exports::nbd {

int Transport::read_exact(void* buffer, std::size_t length) {
  auto* p = static_cast<char*>(buffer);
  while (length > 0) {
    ssize_t n = recv_some(p, length, /*all=*/true);
    if (n < 0) return static_cast<int>(-n);
    if (n == 0) return ECONNRESET;
    p += n;
    length -= static_cast<std::size_t>(n);
  }
  return 0;
}

int Transport::write_all(const void* buffer, std::size_t length) {
  struct iovec iov = {const_cast<void*>(buffer), length};
  return writev_all(&iov, 1);
}

int Transport::writev_all(struct iovec* iov, int count) {
  while (count > 0 && iov->iov_len == 0) ++iov, --count;
  while (count > 0) {
    ssize_t n = send_some(iov, count, /*may_block=*/true);
    if (n < 0) return static_cast<int>(-n);
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

ssize_t SocketTransport::recv_some(void* buffer, std::size_t length, bool all) {
  for (;;) {
    ssize_t n = ::recv(fd_, buffer, length, all ? MSG_WAITALL : 0);  // one call for a whole payload
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
  }
}

ssize_t SocketTransport::send_some(const struct iovec* iov, int count, bool may_block) {
  struct msghdr msg {};
  msg.msg_iov = const_cast<struct iovec*>(iov);
  msg.msg_iovlen = static_cast<std::size_t>(count < IOV_MAX ? count : IOV_MAX);
  for (;;) {
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | (may_block ? 0 : MSG_DONTWAIT));
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
  }
}

}  // namespace udm::exports::nbd

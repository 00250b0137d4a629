// The byte stream an NBD connection runs on: the socket itself, or a TLS
// session over it after NBD_OPT_STARTTLS. One thread may receive while
// another sends (the connection's reader and its reply writer).
#pragma once

#include <cstddef>
#include <sys/types.h>
#include <sys/uio.h>

namespace udm::exports::nbd {

class Transport {
 public:
  virtual ~Transport() = default;

  // Receives 1..length bytes (all of them when `all`); 0 at a clean EOF,
  // -errno on error.
  virtual ssize_t recv_some(void* buffer, std::size_t length, bool all) = 0;
  // Sends from `count` iovecs; the number of bytes sent, or -errno. Without
  // `may_block`, -EAGAIN when nothing could be sent now.
  virtual ssize_t send_some(const struct iovec* iov, int count, bool may_block) = 0;
  // True when send_some(may_block=false) never sends (TLS cannot take back a
  // half-sent record): replies then always go through the writer thread.
  virtual bool sends_block() const { return false; }

  // Whole-buffer helpers: 0 or a positive errno (ECONNRESET at EOF).
  int read_exact(void* buffer, std::size_t length);
  int write_all(const void* buffer, std::size_t length);
  int writev_all(struct iovec* iov, int count);  // modifies the array
};

// A connected stream socket (not owned).
class SocketTransport final : public Transport {
 public:
  explicit SocketTransport(int fd) : fd_(fd) {}
  ssize_t recv_some(void* buffer, std::size_t length, bool all) override;
  ssize_t send_some(const struct iovec* iov, int count, bool may_block) override;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace udm::exports::nbd

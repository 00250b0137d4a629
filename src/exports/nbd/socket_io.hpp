// Blocking whole-buffer socket reads and writes (EINTR and short transfers
// handled). Errors are positive errno values; a clean EOF is ECONNRESET.
#pragma once

#include <cstddef>
#include <sys/uio.h>

namespace udm::exports::nbd {

int read_exact(int fd, void* buffer, std::size_t length);
int write_all(int fd, const void* buffer, std::size_t length);
// Writes every byte of `count` iovecs; modifies the array as it goes.
int writev_all(int fd, struct iovec* iov, int count);

}  // namespace udm::exports::nbd

// libudm's pipelined reply reader (SocketBackend::transact_many) on an
// arbitrary reply stream: the input after its first byte is what the peer
// sends back (then it hangs up); the first byte picks how many requests are
// in flight and their sizes. Every request ends with an errno, nothing is
// written past a buffer, messages stay within MAX_ERROR_MESSAGE.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "abi/frame.hpp"
#include "client/socket_backend.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (64u << 10)) return 0;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  int big = 1 << 20;
  ::setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  ::setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  std::size_t done = 1;
  while (done < size) {
    ssize_t n = ::send(sv[1], data + done, size - done, MSG_NOSIGNAL);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::shutdown(sv[1], SHUT_WR);
  const std::size_t count = 1 + data[0] % 8;
  std::vector<std::vector<std::uint8_t>> buffers;
  for (std::size_t k = 0; k < count; ++k) buffers.emplace_back(12 + (data[0] >> 3) * 16 + k, 0);
  std::vector<udm::client::Backend::Request> requests(count);
  for (std::size_t k = 0; k < count; ++k) {
    requests[k].nr = 4;
    requests[k].buffer = &buffers[k];
  }
  auto backend = udm::client::detail::SocketBackend::adopt(sv[0]);
  backend->transact_many(requests);
  for (std::size_t k = 0; k < count; ++k) {
    if (buffers[k].size() != 12 + (data[0] >> 3) * 16 + k) std::abort();
    if (requests[k].driver_message.size() > udm::abi::MAX_ERROR_MESSAGE + 200) std::abort();
    if (requests[k].error < 0) std::abort();
  }
  ::close(sv[1]);
  return 0;
}

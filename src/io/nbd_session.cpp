#include "io/nbd_session.hpp"

#include <libnbd.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>

namespace udm::io {

void NbdHandleCloser::operator()(nbd_handle* h) const { nbd_close(h); }

std::string nbd_last_error() {
  const char* e = nbd_get_error();
  return e ? e : "unknown libnbd error";
}

int nbd_last_errno() {
  const int e = nbd_get_errno();
  return e > 0 ? e : EIO;
}

Result<NbdHandlePtr> nbd_connect(const NbdUri& uri, std::chrono::steady_clock::time_point deadline, int wake_fd) {
  NbdHandlePtr h(nbd_create());
  if (!h) return fail(ENOMEM, uri.given + ": " + nbd_last_error());
  nbd_set_handle_name(h.get(), "udm");
  // nbds:// URIs name their PSK file or certificate directory in the query
  // (tls-psk-file=, tls-certificates=), which libnbd refuses unless allowed;
  // tables and device lists come from root (or udmd's group) only.
  nbd_set_uri_allow_local_file(h.get(), true);
  if (nbd_aio_connect_uri(h.get(), uri.libnbd.c_str()) == -1)
    return fail(nbd_last_errno(), uri.given + ": " + nbd_last_error());
  while (!nbd_aio_is_ready(h.get())) {
    if (nbd_aio_is_dead(h.get()) || nbd_aio_is_closed(h.get()))
      return fail(nbd_last_errno(), uri.given + ": " + nbd_last_error());
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return fail(ETIMEDOUT, uri.given + ": timed out connecting");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd fds[2] = {{.fd = nbd_aio_get_fd(h.get()), .events = 0, .revents = 0},
                     {.fd = wake_fd, .events = POLLIN, .revents = 0}};
    const unsigned dir = nbd_aio_get_direction(h.get());
    if (dir & LIBNBD_AIO_DIRECTION_READ) fds[0].events |= POLLIN;
    if (dir & LIBNBD_AIO_DIRECTION_WRITE) fds[0].events |= POLLOUT;
    if (fds[0].fd < 0) return fail(nbd_last_errno(), uri.given + ": " + nbd_last_error());
    const int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR) return fail(errno, uri.given + ": poll failed while connecting");
    if (n <= 0) continue;
    if (fds[1].revents & POLLIN) return fail(ECANCELED, uri.given + ": connecting cancelled");
    int r = 0;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) r = nbd_aio_notify_read(h.get());
    else if (fds[0].revents & POLLOUT) r = nbd_aio_notify_write(h.get());
    if (r == -1) return fail(nbd_last_errno(), uri.given + ": " + nbd_last_error());
  }
  return h;
}

NbdProperties nbd_properties(nbd_handle* h) {
  NbdProperties p;
  const std::int64_t size = nbd_get_size(h);
  p.size = size > 0 ? static_cast<std::uint64_t>(size) : 0;
  p.read_only = nbd_is_read_only(h) == 1;
  p.can_flush = nbd_can_flush(h) == 1;
  p.can_fua = nbd_can_fua(h) == 1;
  p.can_trim = nbd_can_trim(h) == 1;
  p.can_zero = nbd_can_zero(h) == 1;
  // Only sane values are honoured: powers of two, min <= preferred <= max
  // (the spec's constraints); anything else keeps the defaults.
  auto pow2 = [](std::int64_t v) { return v > 0 && v <= (std::int64_t{1} << 31) && (v & (v - 1)) == 0; };
  const std::int64_t mn = nbd_get_block_size(h, LIBNBD_SIZE_MINIMUM);
  const std::int64_t pr = nbd_get_block_size(h, LIBNBD_SIZE_PREFERRED);
  const std::int64_t mx = nbd_get_block_size(h, LIBNBD_SIZE_MAXIMUM);
  if (pow2(mn) && mn <= 65536) p.min_block = static_cast<std::uint32_t>(mn);
  if (pow2(pr) && pr >= p.min_block) p.preferred_block = static_cast<std::uint32_t>(pr);
  // Requests are split in multiples of 512 bytes and of the minimum block.
  const std::int64_t unit = std::max<std::int64_t>(p.min_block, 512);
  if (mx >= unit && mx <= (std::int64_t{1} << 31)) p.max_payload = static_cast<std::uint32_t>(mx / unit * unit);
  return p;
}

}  // namespace udm::io

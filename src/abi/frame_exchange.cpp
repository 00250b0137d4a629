// The client's round trip (exchange_in_place): no allocation, no exception,
// as it also runs inside the preload shim's ioctl hook. Built into udm_abi
// and, on its own, into libudm-preload.so.
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "abi/frame.hpp"

namespace udm::abi {
namespace {

constexpr std::uint32_t VERSION_BYTES = 12;

// Sends both pieces as one message where the socket takes it whole, so the
// peer never sees a header without its body in a separate segment.
int send_two(int fd, const void* a, std::size_t an, const void* b, std::size_t bn) noexcept {
  iovec iov[2] = {{const_cast<void*>(a), an}, {const_cast<void*>(b), bn}};
  iovec* v = iov;
  int count = 2;
  while (count > 0) {
    msghdr m{};
    m.msg_iov = v;
    m.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t n = ::sendmsg(fd, &m, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    auto done = static_cast<std::size_t>(n);
    while (count > 0 && done >= v->iov_len) {
      done -= v->iov_len;
      ++v;
      --count;
    }
    if (count > 0) {
      v->iov_base = static_cast<char*>(v->iov_base) + done;
      v->iov_len -= done;
    }
  }
  return 0;
}

// 0, or ENODATA (closed before the first byte), EPROTO (closed after it),
// EINTR (interruptible), or recv's errno.
int recv_exact(int fd, void* data, std::size_t n, bool interruptible) noexcept {
  auto* p = static_cast<char*>(data);
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, p + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR && !interruptible) continue;
      return errno;
    }
    if (r == 0) return got == 0 ? ENODATA : EPROTO;
    got += static_cast<std::size_t>(r);
  }
  return 0;
}

// Reads n bytes, keeping the first keep.size() of them in `keep`.
int recv_into(int fd, std::size_t n, std::span<char> keep) noexcept {
  char scratch[4096];
  std::size_t at = 0;
  while (n > 0) {
    std::size_t chunk = n < sizeof scratch ? n : sizeof scratch;
    if (int e = recv_exact(fd, scratch, chunk, false)) return e == ENODATA ? EPROTO : e;
    if (at < keep.size()) {
      std::size_t k = chunk < keep.size() - at ? chunk : keep.size() - at;
      std::memcpy(keep.data() + at, scratch, k);
      at += k;
    }
    n -= chunk;
  }
  return 0;
}

InPlaceReply failed(int e, const char* what) noexcept {
  InPlaceReply r;
  r.transport = e;
  r.what = what;
  return r;
}

}  // namespace

InPlaceReply exchange_in_place(int fd, std::uint32_t command, std::span<std::uint8_t> buffer,
                               std::uint32_t request_size, std::span<char> message,
                               bool interruptible) noexcept {
  if (!message.empty()) message[0] = 0;
  if (request_size > buffer.size() || request_size > MAX_FRAME_SIZE)
    return failed(EINVAL, "control request larger than its buffer");
  FrameHeader header{FRAME_MAGIC, command, request_size, 0};
  if (int e = send_two(fd, &header, sizeof header, buffer.data(), request_size))
    return failed(e, "control socket write");

  FrameHeader reply{};
  if (int e = recv_exact(fd, &reply, sizeof reply, interruptible))
    return failed(e, e == ENODATA ? "control socket closed" : e == EPROTO ? "control socket closed mid-frame"
                                                                            : "control socket read");
  if (reply.magic != FRAME_MAGIC) return failed(EPROTO, "control reply: bad magic");
  if (reply.size > MAX_FRAME_SIZE) return failed(EPROTO, "control reply: larger than a frame may be");
  InPlaceReply r;
  r.error = reply.error;
  r.reply_size = reply.size;
  if (reply.error == 0) {
    r.copied = reply.size < buffer.size() ? reply.size : static_cast<std::uint32_t>(buffer.size());
    if (int e = recv_exact(fd, buffer.data(), r.copied, false))
      return failed(e == ENODATA ? EPROTO : e, "control socket closed mid-frame");
    if (int e = recv_into(fd, reply.size - r.copied, {})) return failed(e, "control socket closed mid-frame");
    return r;
  }
  // A failed command: only version[3] comes back; the rest is the driver's message.
  if (reply.size < VERSION_BYTES) return failed(EPROTO, "control reply: error without version");
  r.copied = VERSION_BYTES < buffer.size() ? VERSION_BYTES : static_cast<std::uint32_t>(buffer.size());
  std::uint8_t version[VERSION_BYTES];
  if (int e = recv_exact(fd, version, VERSION_BYTES, false))
    return failed(e == ENODATA ? EPROTO : e, "control socket closed mid-frame");
  std::memcpy(buffer.data(), version, r.copied);
  std::span<char> keep = message.empty() ? message : message.first(message.size() - 1);
  std::size_t text = reply.size - VERSION_BYTES;
  if (int e = recv_into(fd, text, keep)) return failed(e, "control socket closed mid-frame");
  if (!message.empty()) message[text < keep.size() ? text : keep.size()] = 0;
  return r;
}

}  // namespace udm::abi

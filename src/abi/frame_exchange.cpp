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

// 0 or sendmsg's errno. Header and body go in one sendmsg: one segment, so
// one wake-up of the reader instead of two, without copying them together.
int send_frame(int fd, FrameHeader& header, const std::uint8_t* body, std::size_t size) noexcept {
  iovec iov[2] = {{&header, sizeof header}, {const_cast<std::uint8_t*>(body), size}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = size ? 2 : 1;
  while (msg.msg_iovlen > 0) {
    ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    auto left = static_cast<std::size_t>(w);
    while (msg.msg_iovlen > 0 && left >= msg.msg_iov[0].iov_len) {
      left -= msg.msg_iov[0].iov_len;
      ++msg.msg_iov;
      --msg.msg_iovlen;
    }
    if (msg.msg_iovlen > 0) {
      msg.msg_iov[0].iov_base = static_cast<char*>(msg.msg_iov[0].iov_base) + left;
      msg.msg_iov[0].iov_len -= left;
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
  if (int e = send_frame(fd, header, buffer.data(), request_size)) return failed(e, "control socket write");

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

// SocketBackend::transact_many: many control frames in flight on the one
// connection. Frames are sent while the socket takes them and replies read
// as they arrive (both non-blocking, one poll when neither moves), so
// neither side ever blocks on a full buffer while the other waits for it.
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "abi/frame.hpp"
#include "client/socket_backend.hpp"

namespace udm::client::detail {

namespace {

constexpr std::size_t VERSION_BYTES = 12;
// Requests sent ahead of the replies read: bounds what waits in udmd.
constexpr std::size_t WINDOW = 512;

// One reply being read, delivered into its request as frame.hpp says:
// success copies the body over the buffer (what does not fit is counted and
// dropped), failure copies version[3] and keeps the rest as the message.
struct ReplyIn {
  abi::FrameHeader header{};
  std::size_t header_got = 0;
  std::size_t body_got = 0;
  std::string message;

  void deliver(Backend::Request& r, const std::uint8_t* p, std::size_t n) {
    std::vector<std::uint8_t>& buf = *r.buffer;
    const std::size_t copy_end = header.error == 0 ? buf.size() : std::min(VERSION_BYTES, buf.size());
    if (body_got < copy_end) {
      const std::size_t k = std::min(n, copy_end - body_got);
      std::memcpy(buf.data() + body_got, p, k);
    }
    if (header.error != 0 && body_got + n > VERSION_BYTES) {
      const std::size_t skip = body_got < VERSION_BYTES ? VERSION_BYTES - body_got : 0;
      const std::size_t room = abi::MAX_ERROR_MESSAGE - std::min<std::size_t>(message.size(), abi::MAX_ERROR_MESSAGE);
      message.append(reinterpret_cast<const char*>(p) + skip, std::min(n - skip, room));
    }
    body_got += n;
  }
  void finish(Backend::Request& r) {
    r.error = static_cast<int>(header.error);
    r.driver_message = std::move(message);
    if (r.error == 0 && header.size > r.buffer->size()) {
      r.error = EPROTO;
      r.driver_message =
          fmt::format("udmd reply of {} bytes is larger than the {}-byte request", header.size, r.buffer->size());
    }
    *this = ReplyIn{};
  }
};

}  // namespace

void SocketBackend::transact_many(std::vector<Request>& requests) {
  std::vector<std::size_t> order;  // the requests that go out, in order
  for (std::size_t i = 0; i < requests.size(); ++i) {
    Request& r = requests[i];
    r.error = 0;
    r.driver_message.clear();
    if (r.buffer->size() > abi::MAX_FRAME_SIZE) {
      r.error = EINVAL;
      r.driver_message = fmt::format("request of {} bytes is larger than a control frame may be", r.buffer->size());
      continue;
    }
    order.push_back(i);
  }
  std::size_t sent = 0, sent_bytes = 0;  // frames wholly sent; bytes of the next one
  std::size_t answered = 0;
  abi::FrameHeader out{};
  ReplyIn in;
  std::uint8_t scratch[64 << 10];
  abi::InPlaceReply lost;  // transport failure, described as the one-request path does

  int write_error = 0;  // sending stopped; replies already there are still read
  while (answered < order.size() && !lost.transport) {
    if (write_error && answered == sent) {
      lost = {.transport = write_error, .what = "control socket write"};
      break;
    }
    bool moved = false;
    while (!write_error && sent < order.size() && sent - answered < WINDOW) {
      Request& r = requests[order[sent]];
      out = {abi::FRAME_MAGIC, r.nr, static_cast<std::uint32_t>(r.buffer->size()), 0};
      iovec iov[2];
      int cnt = 0;
      if (sent_bytes < sizeof out)
        iov[cnt++] = {reinterpret_cast<char*>(&out) + sent_bytes, sizeof out - sent_bytes};
      const std::size_t body_at = sent_bytes > sizeof out ? sent_bytes - sizeof out : 0;
      if (body_at < r.buffer->size()) iov[cnt++] = {r.buffer->data() + body_at, r.buffer->size() - body_at};
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<std::size_t>(cnt);
      ssize_t w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) {
          write_error = errno;
          moved = true;
        }
        break;
      }
      moved = true;
      sent_bytes += static_cast<std::size_t>(w);
      if (sent_bytes == sizeof out + r.buffer->size()) {
        ++sent;
        sent_bytes = 0;
      }
    }
    while (!lost.transport && answered < sent) {
      Request& r = requests[order[answered]];
      std::size_t want = in.header_got < sizeof in.header
                             ? sizeof in.header - in.header_got
                             : std::min<std::size_t>(in.header.size - in.body_got, sizeof scratch);
      std::uint8_t* into = in.header_got < sizeof in.header
                               ? reinterpret_cast<std::uint8_t*>(&in.header) + in.header_got
                               : scratch;
      ssize_t got = want ? ::recv(fd_, into, want, MSG_DONTWAIT) : 0;
      if (want && got < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) lost = {.transport = errno, .what = "control socket read"};
        break;
      }
      if (want && got == 0) {
        const bool clean = in.header_got == 0;
        lost = {.transport = clean ? ENODATA : EPROTO,
                .what = clean ? "control socket closed" : "control socket closed mid-frame"};
        break;
      }
      moved = moved || got > 0;
      if (in.header_got < sizeof in.header) {
        in.header_got += static_cast<std::size_t>(got);
        if (in.header_got < sizeof in.header) continue;
        if (in.header.magic != abi::FRAME_MAGIC) lost = {.transport = EPROTO, .what = "control reply: bad magic"};
        else if (in.header.size > abi::MAX_FRAME_SIZE)
          lost = {.transport = EPROTO, .what = "control reply: larger than a frame may be"};
        else if (in.header.error != 0 && in.header.size < VERSION_BYTES)
          lost = {.transport = EPROTO, .what = "control reply: error without version"};
      } else {
        in.deliver(r, scratch, static_cast<std::size_t>(got));
      }
      if (!lost.transport && in.header_got == sizeof in.header && in.body_got == in.header.size) {
        in.finish(r);
        ++answered;
      }
    }
    if (lost.transport || moved) continue;
    const bool can_send = !write_error && sent < order.size() && sent - answered < WINDOW;
    pollfd p{fd_, static_cast<short>(POLLIN | (can_send ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, -1) < 0 && errno != EINTR) lost = {.transport = errno, .what = "control socket poll"};
  }
  // What was not answered never will be: the connection is out of step.
  for (std::size_t k = answered; k < order.size(); ++k) {
    requests[order[k]].error = ECONNRESET;
    requests[order[k]].driver_message = "lost the connection to udmd: " + abi::describe_failure(lost);
  }
}

}  // namespace udm::client::detail

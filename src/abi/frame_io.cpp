// Frame read/write over the control socket.
#include <cerrno>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "abi/frame.hpp"
#include "abi/wire.hpp"

namespace udm::abi {

Result<void> read_exact(int fd, std::span<std::uint8_t> out) {
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, std::string("control socket read: ") + std::strerror(errno));
    }
    if (n == 0)
      return got == 0 ? fail(ENODATA, "control socket closed") : fail(EPROTO, "control socket closed mid-frame");
    got += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> write_all(int fd, ByteView bytes) {
  std::size_t done = 0;
  bool is_socket = true;
  while (done < bytes.size()) {
    ssize_t n = is_socket ? ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL)
                          : ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOTSOCK && is_socket) {
        is_socket = false;
        continue;
      }
      return fail(errno, std::string("control socket write: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<FrameHeader> read_frame_header(int fd) {
  std::uint8_t raw[sizeof(FrameHeader)];
  if (auto r = read_exact(fd, raw); !r) return fail(r.error());
  FrameHeader h;
  std::memcpy(&h, raw, sizeof h);
  return h;
}

Result<void> check_frame_header(const FrameHeader& h) {
  if (h.magic != FRAME_MAGIC) return fail(EINVAL, "control frame: bad magic " + std::to_string(h.magic));
  if (h.size > MAX_FRAME_SIZE)
    return fail(EINVAL, "control frame: " + std::to_string(h.size) + " bytes, at most " +
                            std::to_string(MAX_FRAME_SIZE));
  return {};
}

Result<Frame> read_frame(int fd) {
  Frame f;
  auto h = read_frame_header(fd);
  if (!h) return fail(h.error());
  if (auto r = check_frame_header(*h); !r) return fail(r.error());
  f.header = *h;
  f.body.resize(h->size);
  if (auto r = read_exact(fd, f.body); !r) {
    if (r.error().code == ENODATA) return fail(EPROTO, "control socket closed mid-frame");
    return fail(r.error());
  }
  return f;
}

Result<void> write_frame(int fd, std::uint32_t command, std::uint32_t error, ByteView body) {
  if (body.size() > MAX_FRAME_SIZE)
    return fail(EINVAL, "control frame: " + std::to_string(body.size()) + " bytes, at most " +
                            std::to_string(MAX_FRAME_SIZE));
  // One buffer, one send: a reader never sees a header without its body.
  Bytes out(sizeof(FrameHeader) + body.size());
  FrameHeader h{FRAME_MAGIC, command, static_cast<std::uint32_t>(body.size()), error};
  std::memcpy(out.data(), &h, sizeof h);
  if (!body.empty()) std::memcpy(out.data() + sizeof h, body.data(), body.size());
  return write_all(fd, out);
}

Bytes encode_error_body(CommandVersion version, std::string_view message) {
  message = message.substr(0, MAX_ERROR_MESSAGE);
  Bytes out(12 + message.size());
  wire::store(std::span(out), 0, version.major);
  wire::store(std::span(out), 4, version.minor);
  wire::store(std::span(out), 8, version.patch);
  wire::store_bytes(out, 12, message);
  return out;
}

Result<Reply> split_reply(const Frame& frame) {
  if (frame.header.magic != FRAME_MAGIC) return fail(EPROTO, "control reply: bad magic");
  if (frame.body.size() < 12)
    return fail(EPROTO, "control reply: " + std::to_string(frame.body.size()) + " bytes, at least 12 expected");
  Reply r;
  r.error = frame.header.error;
  if (r.error == 0) {
    r.copy_back = frame.body;
  } else {
    r.copy_back.assign(frame.body.begin(), frame.body.begin() + 12);
    r.message.assign(frame.body.begin() + 12, frame.body.end());
  }
  return r;
}

Result<Reply> exchange(int fd, std::uint32_t command, ByteView request) {
  if (request.size() > MAX_FRAME_SIZE)
    return fail(EINVAL, "control frame: " + std::to_string(request.size()) + " bytes, at most " +
                            std::to_string(MAX_FRAME_SIZE));
  Bytes buffer(request.begin(), request.end());
  std::string message(MAX_ERROR_MESSAGE + 1, '\0');
  auto x = exchange_in_place(fd, command, buffer, static_cast<std::uint32_t>(buffer.size()), message);
  if (x.transport) return fail(x.transport, describe_failure(x));
  if (x.error == 0 && x.reply_size > buffer.size())
    return fail(EPROTO, "control reply: " + std::to_string(x.reply_size) + " bytes, more than the " +
                            std::to_string(buffer.size()) + "-byte request");
  Reply r;
  r.error = x.error;
  buffer.resize(x.copied);
  r.copy_back = std::move(buffer);
  message.resize(std::strlen(message.c_str()));
  r.message = std::move(message);
  return r;
}

std::string describe_failure(const InPlaceReply& reply) {
  std::string out = reply.what;
  if (reply.transport != ENODATA && reply.transport != EPROTO)
    out += std::string(": ") + std::strerror(reply.transport);
  return out;
}

}  // namespace udm::abi

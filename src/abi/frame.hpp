// The frame that carries one dm_ioctl buffer over udmd's control socket.
//
//   request:  FrameHeader{magic, command, size, 0} then `size` bytes: the
//             dm_ioctl buffer (size == dmi.data_size, >= 305).
//   reply:    FrameHeader{magic, command, size, error} then `size` bytes;
//             `command` echoes the request's. One reply per request, in order.
//             error == 0: the bytes are to be copied over the caller's buffer
//               from its start (kernel copy-back: 305 bytes for NO_PARAMS
//               commands, 12 for DM_VERSION, data_size bytes otherwise).
//             error != 0 (a positive errno): the first 12 bytes are version[3]
//               (the driver's version for that command), the ONLY bytes to copy
//               back, as the kernel copies nothing else on failure; any bytes
//               after them are the driver's error message, UTF-8, no NUL, at
//               most MAX_ERROR_MESSAGE bytes ("table line 1: linear: device
//               7:0 is too small..."). Use split_reply() to read a reply.
//
// `command` is the ioctl nr (0..17) or a udm extension (CMD_LIST_COMMANDS);
// a full ioctl request number (0xc138fdNN) is also accepted by udmd, which
// like the kernel looks only at its type byte (0xfd) and nr.
//
// A frame larger than MAX_FRAME_SIZE or with a bad magic is answered with
// EINVAL (the header could be read) and the connection is closed; a short
// frame just closes it. The daemon keeps serving everyone else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abi/codec.hpp"
#include "base/result.hpp"

namespace udm::abi {

inline constexpr std::uint32_t FRAME_MAGIC = 0x314d4455;  // "UDM1" little-endian
inline constexpr std::uint32_t MAX_FRAME_SIZE = 64u << 20;  // 64 MiB: a huge table load
inline constexpr std::uint32_t MAX_ERROR_MESSAGE = 4096;

struct FrameHeader {
  std::uint32_t magic;
  std::uint32_t command;  // ioctl nr (0..17) or a udm extension (CMD_LIST_COMMANDS)
  std::uint32_t size;     // bytes that follow
  std::uint32_t error;    // request: 0; reply: 0 or positive errno
};
static_assert(sizeof(FrameHeader) == 16);

struct Frame {
  FrameHeader header{};
  Bytes body;
};

// All I/O helpers retry on EINTR and short reads/writes, and never raise
// SIGPIPE (send with MSG_NOSIGNAL on sockets). Errors: the errno of the failed
// call; ENODATA when the peer closed the connection before the first byte of a
// header (a clean end); EPROTO when it closed in the middle of a frame.

// Reads exactly out.size() bytes.
Result<void> read_exact(int fd, std::span<std::uint8_t> out);
// Writes all of `bytes`.
Result<void> write_all(int fd, ByteView bytes);

// Reads the 16-byte header only (no checks).
Result<FrameHeader> read_frame_header(int fd);
// EINVAL for a bad magic or size > MAX_FRAME_SIZE.
Result<void> check_frame_header(const FrameHeader& header);
// Reads, checks and reads the body of one frame.
Result<Frame> read_frame(int fd);
// Writes one frame. EINVAL if body is larger than MAX_FRAME_SIZE.
Result<void> write_frame(int fd, std::uint32_t command, std::uint32_t error, ByteView body);

// An error reply's body: version, then the message (cut to MAX_ERROR_MESSAGE).
Bytes encode_error_body(CommandVersion version, std::string_view message);

// A reply, split by the rule above.
struct Reply {
  std::uint32_t error = 0;  // 0 or positive errno
  Bytes copy_back;          // bytes to copy over the caller's buffer (>= 12)
  std::string message;      // the driver's error message, "" when none
};
// EPROTO when the reply is shorter than 12 bytes (every reply carries version).
Result<Reply> split_reply(const Frame& frame);

// One round trip on a connected control socket: sends `request` (a whole
// dm_ioctl buffer) as command `command`, reads the reply. Transport errors are
// errors; a command's errno comes back inside Reply. (exchange_in_place with
// an allocated buffer.)
Result<Reply> exchange(int fd, std::uint32_t command, ByteView request);

// The one client round trip, used by libudm's socket backend and by the
// preload shim, which runs it inside an unmodified program's ioctl() call:
// so it allocates nothing and throws nothing. Sends the first `request_size`
// bytes of `buffer` as one frame, reads the reply and copies it over the
// start of `buffer` by the rule above: on success the body up to
// buffer.size() (the rest is read and dropped; reply_size says how much
// there was), on failure version[3] only, the driver's message going to
// `message` (cut to fit, always NUL-terminated when not empty).
struct InPlaceReply {
  int transport = 0;            // 0, or the transport's errno; then nothing below is valid
  const char* what = "";        // with `transport`: which step failed (a static string)
  std::uint32_t error = 0;      // the command's errno: 0 or positive
  std::uint32_t reply_size = 0; // bytes in the reply's body
  std::uint32_t copied = 0;     // of those, copied over `buffer`
};
// Transport errors: the errno of send/recv; ENODATA when the peer closed
// before the reply's first byte; EPROTO for a frame cut short, a bad magic, a
// body over MAX_FRAME_SIZE or an error reply without version; EINVAL when
// request_size does not fit `buffer` or MAX_FRAME_SIZE; EINTR when
// `interruptible` and a signal came while waiting for the reply (as the
// kernel's DEV_WAIT: the connection is then out of step and must be dropped).
InPlaceReply exchange_in_place(int fd, std::uint32_t command, std::span<std::uint8_t> buffer,
                               std::uint32_t request_size, std::span<char> message,
                               bool interruptible = false) noexcept;
// "control socket read: Connection reset by peer": a transport failure in words.
std::string describe_failure(const InPlaceReply& reply);

}  // namespace udm::abi

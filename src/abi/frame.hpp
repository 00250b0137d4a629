// The frame that carries one dm_ioctl buffer over udmd's control socket.
//
//   request:  FrameHeader{magic, command, size, 0} then `size` bytes: the
//             dm_ioctl buffer (size == dmi.data_size, >= 305).
//   reply:    FrameHeader{magic, command, size, error} then `size` bytes to
//             copy over the caller's buffer (from its start). `error` is 0 or
//             a positive errno; on error the bytes hold at least `version`.
//
// A frame larger than MAX_FRAME_SIZE, with a bad magic, or shorter than its
// header says is answered with EINVAL (when the header could be read) and the
// connection is closed; the daemon keeps serving everyone else.
#pragma once

#include <cstdint>

namespace udm::abi {

inline constexpr std::uint32_t FRAME_MAGIC = 0x314d4455;  // "UDM1" little-endian
inline constexpr std::uint32_t MAX_FRAME_SIZE = 64u << 20;  // 64 MiB: a huge table load

struct FrameHeader {
  std::uint32_t magic;
  std::uint32_t command;  // ioctl nr (0..17) or a udm extension (COMMAND_LIST_COMMANDS)
  std::uint32_t size;     // bytes that follow
  std::uint32_t error;    // request: 0; reply: 0 or positive errno
};
static_assert(sizeof(FrameHeader) == 16);

}  // namespace udm::abi

#include "exports/nbd/request_decoder.hpp"

#include <cerrno>
#include <string>

#include "exports/nbd/protocol.hpp"
#include "exports/nbd/wire.hpp"

namespace udm::exports::nbd {

namespace {
constexpr std::uint16_t KNOWN_FLAGS = CMD_FLAG_FUA | CMD_FLAG_NO_HOLE | CMD_FLAG_DF |
                                      CMD_FLAG_REQ_ONE | CMD_FLAG_FAST_ZERO;
constexpr std::uint64_t MAX_END = std::uint64_t{1} << 63;
}  // namespace

Result<NbdRequest> decode_request(std::span<const std::byte> bytes) {
  if (bytes.size() < REQUEST_HEADER_SIZE)
    return fail(EINVAL, "nbd request: " + std::to_string(bytes.size()) + " bytes, need 28");
  const std::byte* p = bytes.data();
  const auto magic = load_be<std::uint32_t>(p);
  if (magic != REQUEST_MAGIC) return fail(EINVAL, "nbd request: bad magic");
  NbdRequest r;
  r.flags = load_be<std::uint16_t>(p + 4);
  r.type = load_be<std::uint16_t>(p + 6);
  r.cookie = load_be<std::uint64_t>(p + 8);
  r.offset = load_be<std::uint64_t>(p + 16);
  r.length = load_be<std::uint32_t>(p + 24);
  // The stream is still in step: these get an EINVAL reply, not a disconnect.
  if ((r.flags & ~KNOWN_FLAGS) || r.offset >= MAX_END || MAX_END - r.offset < r.length) r.error = EINVAL;
  return r;
}

std::uint32_t errno_to_nbd(int error) {
  switch (error) {
    case EPERM:
    case EROFS:
      return NBD_EPERM;
    case ENOMEM:
      return NBD_ENOMEM;
    case EINVAL:
      return NBD_EINVAL;
    case ENOSPC:
    case EFBIG:
      return NBD_ENOSPC;
    case EOVERFLOW:
      return NBD_EOVERFLOW;
    case ENOTSUP:
      return NBD_ENOTSUP;
    case ESHUTDOWN:
      return NBD_ESHUTDOWN;
    default:
      return NBD_EIO;
  }
}

}  // namespace udm::exports::nbd

// NBD wire protocol constants, written from the NBD protocol document
// (doc/proto.md of the nbd project). Every integer on the wire is big-endian.
#pragma once

#include <cstdint>

namespace udm::exports::nbd {

// Handshake (fixed newstyle).
inline constexpr std::uint64_t NBDMAGIC = 0x4e42444d41474943ull;   // "NBDMAGIC"
inline constexpr std::uint64_t IHAVEOPT = 0x49484156454f5054ull;   // "IHAVEOPT"
inline constexpr std::uint64_t OPTION_REPLY_MAGIC = 0x0003e889045565a9ull;

inline constexpr std::uint16_t FLAG_FIXED_NEWSTYLE = 1u << 0;  // server handshake flags
inline constexpr std::uint16_t FLAG_NO_ZEROES = 1u << 1;
inline constexpr std::uint32_t FLAG_C_FIXED_NEWSTYLE = 1u << 0;  // client flags
inline constexpr std::uint32_t FLAG_C_NO_ZEROES = 1u << 1;

// Options.
enum Option : std::uint32_t {
  OPT_EXPORT_NAME = 1,
  OPT_ABORT = 2,
  OPT_LIST = 3,
  OPT_PEEK_EXPORT = 4,
  OPT_STARTTLS = 5,
  OPT_INFO = 6,
  OPT_GO = 7,
  OPT_STRUCTURED_REPLY = 8,
  OPT_LIST_META_CONTEXT = 9,
  OPT_SET_META_CONTEXT = 10,
  OPT_EXTENDED_HEADERS = 11,
};

// Option reply types.
inline constexpr std::uint32_t REP_ACK = 1;
inline constexpr std::uint32_t REP_SERVER = 2;
inline constexpr std::uint32_t REP_INFO = 3;
inline constexpr std::uint32_t REP_FLAG_ERROR = 1u << 31;
inline constexpr std::uint32_t REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
inline constexpr std::uint32_t REP_ERR_POLICY = REP_FLAG_ERROR | 2;
inline constexpr std::uint32_t REP_ERR_INVALID = REP_FLAG_ERROR | 3;
inline constexpr std::uint32_t REP_ERR_PLATFORM = REP_FLAG_ERROR | 4;
inline constexpr std::uint32_t REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
inline constexpr std::uint32_t REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
inline constexpr std::uint32_t REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;
inline constexpr std::uint32_t REP_ERR_BLOCK_SIZE_REQD = REP_FLAG_ERROR | 8;
inline constexpr std::uint32_t REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

// NBD_REP_INFO item types.
inline constexpr std::uint16_t INFO_EXPORT = 0;
inline constexpr std::uint16_t INFO_NAME = 1;
inline constexpr std::uint16_t INFO_DESCRIPTION = 2;
inline constexpr std::uint16_t INFO_BLOCK_SIZE = 3;

// Transmission flags.
inline constexpr std::uint16_t FLAG_HAS_FLAGS = 1u << 0;
inline constexpr std::uint16_t FLAG_READ_ONLY = 1u << 1;
inline constexpr std::uint16_t FLAG_SEND_FLUSH = 1u << 2;
inline constexpr std::uint16_t FLAG_SEND_FUA = 1u << 3;
inline constexpr std::uint16_t FLAG_ROTATIONAL = 1u << 4;
inline constexpr std::uint16_t FLAG_SEND_TRIM = 1u << 5;
inline constexpr std::uint16_t FLAG_SEND_WRITE_ZEROES = 1u << 6;
inline constexpr std::uint16_t FLAG_SEND_DF = 1u << 7;
inline constexpr std::uint16_t FLAG_CAN_MULTI_CONN = 1u << 8;
inline constexpr std::uint16_t FLAG_SEND_RESIZE = 1u << 9;
inline constexpr std::uint16_t FLAG_SEND_CACHE = 1u << 10;
inline constexpr std::uint16_t FLAG_SEND_FAST_ZERO = 1u << 11;

// Transmission phase.
inline constexpr std::uint32_t REQUEST_MAGIC = 0x25609513u;
inline constexpr std::uint32_t SIMPLE_REPLY_MAGIC = 0x67446698u;
inline constexpr std::uint32_t STRUCTURED_REPLY_MAGIC = 0x668e33efu;
inline constexpr std::size_t REQUEST_HEADER_SIZE = 28;
inline constexpr std::size_t SIMPLE_REPLY_SIZE = 16;
inline constexpr std::size_t STRUCTURED_REPLY_HEADER_SIZE = 20;

enum Command : std::uint16_t {
  CMD_READ = 0,
  CMD_WRITE = 1,
  CMD_DISC = 2,
  CMD_FLUSH = 3,
  CMD_TRIM = 4,
  CMD_CACHE = 5,
  CMD_WRITE_ZEROES = 6,
  CMD_BLOCK_STATUS = 7,
  CMD_RESIZE = 8,
};

inline constexpr std::uint16_t CMD_FLAG_FUA = 1u << 0;
inline constexpr std::uint16_t CMD_FLAG_NO_HOLE = 1u << 1;
inline constexpr std::uint16_t CMD_FLAG_DF = 1u << 2;
inline constexpr std::uint16_t CMD_FLAG_REQ_ONE = 1u << 3;
inline constexpr std::uint16_t CMD_FLAG_FAST_ZERO = 1u << 4;
inline constexpr std::uint16_t CMD_FLAG_PAYLOAD_LEN = 1u << 5;

// Structured reply chunks.
inline constexpr std::uint16_t REPLY_FLAG_DONE = 1u << 0;
inline constexpr std::uint16_t REPLY_TYPE_NONE = 0;
inline constexpr std::uint16_t REPLY_TYPE_OFFSET_DATA = 1;
inline constexpr std::uint16_t REPLY_TYPE_OFFSET_HOLE = 2;
inline constexpr std::uint16_t REPLY_TYPE_BLOCK_STATUS = 5;
inline constexpr std::uint16_t REPLY_TYPE_ERROR = (1u << 15) | 1;
inline constexpr std::uint16_t REPLY_TYPE_ERROR_OFFSET = (1u << 15) | 2;

// Error values on the wire (the protocol fixes them to Linux errno numbers).
inline constexpr std::uint32_t NBD_EPERM = 1;
inline constexpr std::uint32_t NBD_EIO = 5;
inline constexpr std::uint32_t NBD_ENOMEM = 12;
inline constexpr std::uint32_t NBD_EINVAL = 22;
inline constexpr std::uint32_t NBD_ENOSPC = 28;
inline constexpr std::uint32_t NBD_EOVERFLOW = 75;
inline constexpr std::uint32_t NBD_ENOTSUP = 95;
inline constexpr std::uint32_t NBD_ESHUTDOWN = 108;

// Limits udm advertises (NBD_INFO_BLOCK_SIZE) and enforces; the minimum and
// preferred block sizes come from each device's limits (handshake.hpp).
inline constexpr std::uint32_t MIN_BLOCK_SIZE = 512;
inline constexpr std::uint32_t MAX_PAYLOAD = 32u << 20;
inline constexpr std::uint32_t MAX_OPTION_LENGTH = 64u << 10;

// Maps a positive errno to the protocol's error value (EIO for the rest).
std::uint32_t errno_to_nbd(int error);

}  // namespace udm::exports::nbd

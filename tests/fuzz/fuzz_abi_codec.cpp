// The control ABI decoders (src/abi/codec.hpp) on arbitrary bytes, as udmd
// meets them in request frames and libudm in replies: the header, TABLE_LOAD
// and status spec chains, name lists, version records, deps, target messages,
// strings, the frame reply split, and the client round trip
// (exchange_in_place) reading the input as udmd's reply stream. Decoders must
// bound-check everything; ASan reports any read or write outside the buffers.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "abi/codec.hpp"
#include "abi/frame.hpp"

using namespace udm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return 0;
  // An exact-size heap copy, so ASan sees a read one past the end.
  std::vector<std::uint8_t> copy(data, data + size);
  abi::ByteView buffer(copy.data(), copy.size());

  (void)abi::decode_version(buffer);
  auto header = abi::decode_header(buffer);
  std::uint32_t data_start = header ? header->data_start : 312;
  std::uint32_t count = header ? header->target_count : 1;
  if (count > 4096) count = 4096;
  (void)abi::decode_load_specs(buffer, data_start, count);
  (void)abi::decode_status_specs(buffer, data_start, count);
  (void)abi::decode_target_msg(buffer, data_start);
  (void)abi::decode_string(buffer, data_start);

  abi::ByteView payload = data_start < buffer.size() ? buffer.subspan(data_start) : abi::ByteView{};
  (void)abi::decode_name_list(payload, true);
  (void)abi::decode_name_list(payload, false);
  (void)abi::decode_versions(payload);
  (void)abi::decode_deps(payload);
  (void)abi::decode_versions(buffer);
  (void)abi::decode_deps(buffer);

  abi::Frame frame;
  frame.header = {abi::FRAME_MAGIC, 0, static_cast<std::uint32_t>(size), size ? data[0] : 0u};
  frame.body = copy;
  (void)abi::split_reply(frame);
  (void)abi::check_frame_header(frame.header);

  // The input as the reply stream: the caller's buffer and message buffer
  // are exact-size heap copies too.
  int fds[2];
  if (size <= (64u << 10) && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0) {
    if (::send(fds[1], copy.data(), copy.size(), MSG_DONTWAIT | MSG_NOSIGNAL) == static_cast<ssize_t>(size)) {
      ::shutdown(fds[1], SHUT_WR);
      std::vector<std::uint8_t> request(305, 0);
      std::vector<char> message(17);
      (void)abi::exchange_in_place(fds[0], abi::CMD_DEV_STATUS, request, 305, message);
    }
    ::close(fds[0]);
    ::close(fds[1]);
  }
  return 0;
}

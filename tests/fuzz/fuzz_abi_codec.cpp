// The control ABI decoders (src/abi/codec.hpp) on arbitrary bytes, as udmd
// meets them in request frames and libudm in replies: the header, TABLE_LOAD
// and status spec chains, name lists, version records, deps, target messages,
// strings, and the frame reply split. Decoders must bound-check everything;
// ASan reports any read outside the input.
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
  return 0;
}

// The shim's renumbering of udmd's replies (src/shim/renumber.hpp) on
// arbitrary reply bytes: the first byte picks LIST_DEVICES or TABLE_DEPS.
// Offsets, counts and `next` links come from the reply; nothing may be read
// or written outside the buffer (ASan in the fuzz build).
#include <cstdint>
#include <cstring>
#include <vector>

#include "abi/commands.hpp"
#include "shim/renumber.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > (1u << 20)) return 0;
  const std::uint32_t command = data[0] % 2 ? udm::abi::CMD_LIST_DEVICES : udm::abi::CMD_TABLE_DEPS;
  std::vector<char> buffer(data + 1, data + size);
  udm::shim::reply_devs_to_caller(command, buffer.data(), static_cast<std::uint32_t>(buffer.size()));
  udm::shim::request_dev_to_udmd(buffer.data(), static_cast<std::uint32_t>(buffer.size()));
  return 0;
}

// The NBD transmission request header decoder (src/exports/nbd).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "exports/nbd/request_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> copy(reinterpret_cast<const std::byte*>(data), reinterpret_cast<const std::byte*>(data) + size);
  auto r = udm::exports::nbd::decode_request(copy);
  if (r) (void)udm::exports::nbd::has_payload(*r);
  return 0;
}

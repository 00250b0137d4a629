// dm_ioctl header encode/decode.
#include <cstddef>
#include <string>

#include "abi/codec.hpp"
#include "abi/wire.hpp"

namespace udm::abi {
namespace {

// Kernel rule: the field is forced NUL-terminated at its last byte, so a
// string is at most len-1 bytes and ends at its first NUL.
std::string read_fixed_string(ByteView buf, std::size_t off, std::size_t len) {
  std::string_view field = wire::view(buf, off, len - 1);
  return std::string(field.substr(0, field.find('\0')));
}

}  // namespace

Result<CommandVersion> decode_version(ByteView buffer) {
  if (buffer.size() < 12)
    return fail(EINVAL, "dm_ioctl: " + std::to_string(buffer.size()) + " bytes, version needs 12");
  return CommandVersion{wire::load<std::uint32_t>(buffer, 0), wire::load<std::uint32_t>(buffer, 4),
                        wire::load<std::uint32_t>(buffer, 8)};
}

Result<Header> decode_header(ByteView buffer) {
  if (buffer.size() < HEADER_MIN_SIZE)
    return fail(EINVAL, "dm_ioctl: " + std::to_string(buffer.size()) + " bytes, the header needs " +
                            std::to_string(HEADER_MIN_SIZE));
  Header h;
  h.version = *decode_version(buffer);
  h.data_size = wire::load<std::uint32_t>(buffer, offsetof(DmIoctl, data_size));
  h.data_start = wire::load<std::uint32_t>(buffer, offsetof(DmIoctl, data_start));
  h.target_count = wire::load<std::uint32_t>(buffer, offsetof(DmIoctl, target_count));
  h.open_count = wire::load<std::int32_t>(buffer, offsetof(DmIoctl, open_count));
  h.flags = wire::load<std::uint32_t>(buffer, offsetof(DmIoctl, flags));
  h.event_nr = wire::load<std::uint32_t>(buffer, offsetof(DmIoctl, event_nr));
  h.dev = wire::load<std::uint64_t>(buffer, offsetof(DmIoctl, dev));
  h.name = read_fixed_string(buffer, offsetof(DmIoctl, name), NAME_LEN);
  h.uuid = read_fixed_string(buffer, offsetof(DmIoctl, uuid), UUID_LEN);
  return h;
}

Result<void> encode_header(const Header& h, std::span<std::uint8_t> out) {
  if (out.size() < HEADER_MIN_SIZE)
    return fail(EINVAL, "dm_ioctl: output buffer of " + std::to_string(out.size()) +
                            " bytes, the header needs " + std::to_string(HEADER_MIN_SIZE));
  if (h.name.size() >= NAME_LEN || h.name.find('\0') != std::string::npos)
    return fail(EINVAL, "device name \"" + h.name + "\" is longer than 127 bytes or holds a NUL");
  if (h.uuid.size() >= UUID_LEN || h.uuid.find('\0') != std::string::npos)
    return fail(EINVAL, "device uuid \"" + h.uuid + "\" is longer than 128 bytes or holds a NUL");
  wire::store(out, 0, h.version.major);
  wire::store(out, 4, h.version.minor);
  wire::store(out, 8, h.version.patch);
  wire::store(out, offsetof(DmIoctl, data_size), h.data_size);
  wire::store(out, offsetof(DmIoctl, data_start), h.data_start);
  wire::store(out, offsetof(DmIoctl, target_count), h.target_count);
  wire::store(out, offsetof(DmIoctl, open_count), h.open_count);
  wire::store(out, offsetof(DmIoctl, flags), h.flags);
  wire::store(out, offsetof(DmIoctl, event_nr), h.event_nr);
  wire::store(out, offsetof(DmIoctl, padding), std::uint32_t{0});
  wire::store(out, offsetof(DmIoctl, dev), h.dev);
  auto name = out.subspan(offsetof(DmIoctl, name), NAME_LEN);
  std::fill(name.begin(), name.end(), 0);
  wire::store_bytes(out, offsetof(DmIoctl, name), h.name);
  auto uuid = out.subspan(offsetof(DmIoctl, uuid), UUID_LEN);
  std::fill(uuid.begin(), uuid.end(), 0);
  wire::store_bytes(out, offsetof(DmIoctl, uuid), h.uuid);
  return {};
}

Result<Bytes> encode_request(const Header& header, ByteView payload, std::uint32_t min_size) {
  std::size_t size = PAYLOAD_OFFSET + payload.size();
  if (size < min_size) size = min_size;
  if (size > UINT32_MAX) return fail(EOVERFLOW, "dm_ioctl: request of " + std::to_string(size) + " bytes");
  Bytes buf(size, 0);
  Header h = header;
  h.data_size = static_cast<std::uint32_t>(size);
  h.data_start = PAYLOAD_OFFSET;
  if (auto r = encode_header(h, buf); !r) return fail(r.error());
  wire::store_bytes(buf, PAYLOAD_OFFSET, wire::view(payload, 0, payload.size()));
  return buf;
}

}  // namespace udm::abi

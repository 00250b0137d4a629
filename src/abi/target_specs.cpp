// dm_target_spec chains: TABLE_LOAD input (next relative to the current spec)
// and TABLE_STATUS/DEV_WAIT output (next relative to the first spec).
#include <string>

#include "abi/codec.hpp"
#include "abi/wire.hpp"

namespace udm::abi {
namespace {

constexpr std::size_t SPEC_SIZE = sizeof(TargetSpec);

std::string spec_name(std::size_t i) { return "target spec " + std::to_string(i) + ": "; }

void store_spec(std::span<std::uint8_t> out, std::size_t off, const TargetSpecText& s, std::uint32_t next) {
  wire::store<std::uint64_t>(out, off + offsetof(TargetSpec, sector_start), s.start);
  wire::store<std::uint64_t>(out, off + offsetof(TargetSpec, length), s.length);
  wire::store<std::int32_t>(out, off + offsetof(TargetSpec, status), s.status);
  wire::store<std::uint32_t>(out, off + offsetof(TargetSpec, next), next);
  auto type = out.subspan(off + offsetof(TargetSpec, target_type), MAX_TYPE_NAME);
  std::fill(type.begin(), type.end(), 0);
  wire::store_bytes(out, off + offsetof(TargetSpec, target_type),
                    std::string_view(s.type).substr(0, MAX_TYPE_NAME - 1));
}

// Fields of the spec at `off` (which the caller checked fits), text excluded.
TargetSpecText load_spec(ByteView buf, std::size_t off) {
  TargetSpecText s;
  s.start = wire::load<std::uint64_t>(buf, off + offsetof(TargetSpec, sector_start));
  s.length = wire::load<std::uint64_t>(buf, off + offsetof(TargetSpec, length));
  s.status = wire::load<std::int32_t>(buf, off + offsetof(TargetSpec, status));
  std::string_view type = wire::view(buf, off + offsetof(TargetSpec, target_type), MAX_TYPE_NAME);
  s.type = std::string(type.substr(0, type.find('\0')));
  return s;
}

}  // namespace

Result<Bytes> encode_load_specs(std::span<const TargetSpecText> specs) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    if (s.type.size() >= MAX_TYPE_NAME || s.type.find('\0') != std::string::npos)
      return fail(EINVAL, spec_name(i) + "target type \"" + s.type + "\" is longer than 15 bytes");
    if (s.text.find('\0') != std::string::npos)
      return fail(EINVAL, spec_name(i) + "parameters hold a NUL byte");
    total += align8(SPEC_SIZE + s.text.size() + 1);
  }
  if (total > UINT32_MAX - PAYLOAD_OFFSET)
    return fail(EOVERFLOW, "table of " + std::to_string(total) + " bytes is too large");
  Bytes out(total, 0);
  std::size_t off = 0;
  for (const auto& s : specs) {
    // As libdm does: next of every spec (the last included) is its padded size.
    std::size_t record = align8(SPEC_SIZE + s.text.size() + 1);
    store_spec(out, off, s, static_cast<std::uint32_t>(record));
    wire::store_bytes(out, off + SPEC_SIZE, s.text);
    off += record;
  }
  return out;
}

Result<std::vector<TargetSpecText>> decode_load_specs(ByteView buffer, std::uint32_t data_start,
                                                      std::uint32_t target_count) {
  if (target_count == 0) return fail(EINVAL, "table load: no targets specified");
  if (target_count > MAX_TARGETS)
    return fail(EOVERFLOW, "table load: " + std::to_string(target_count) + " targets, at most " +
                               std::to_string(MAX_TARGETS));
  std::vector<TargetSpecText> specs;
  std::size_t last = 0;               // offset of the previous spec (the header at first)
  std::size_t next = data_start;      // from `last` to the next spec
  std::size_t min_next = sizeof(DmIoctl);  // the previous spec's end, from `last`
  for (std::uint32_t i = 0; i < target_count; ++i) {
    if (next < min_next)
      return fail(EINVAL, spec_name(i) + "next (offset " + std::to_string(next) + ") overlaps " +
                              (i ? "the previous target" : "struct dm_ioctl"));
    if (next % 8 != 0)
      return fail(EINVAL, spec_name(i) + "offset " + std::to_string(next) + " is not a multiple of 8");
    std::size_t off = last + next;
    // The spec and at least one byte of parameters must fit.
    if (off + SPEC_SIZE >= buffer.size())
      return fail(EINVAL, spec_name(i) + "does not fit in the " + std::to_string(buffer.size()) +
                              "-byte buffer");
    std::size_t len = wire::find_nul(buffer, off + SPEC_SIZE);
    if (len == std::string_view::npos)
      return fail(EINVAL, spec_name(i) + "target parameters are not NUL-terminated");
    TargetSpecText s = load_spec(buffer, off);
    s.text = std::string(wire::view(buffer, off + SPEC_SIZE, len));
    next = wire::load<std::uint32_t>(buffer, off + offsetof(TargetSpec, next));
    min_next = SPEC_SIZE + len + 1;
    last = off;
    specs.push_back(std::move(s));
  }
  return specs;
}

StatusPayload encode_status_specs(std::span<const TargetSpecText> specs, std::size_t room) {
  StatusPayload out;
  std::size_t used_all = 0;
  for (const auto& s : specs) used_all += align8(SPEC_SIZE + s.text.size() + 1);
  out.payload.assign(std::min(room, used_all), 0);
  std::span<std::uint8_t> buf(out.payload);
  std::size_t pos = 0;  // from the first spec
  for (const auto& s : specs) {
    if (room - pos <= SPEC_SIZE) {  // pos <= room holds: checked below
      out.buffer_full = true;
      break;
    }
    std::size_t spec_off = pos;
    std::size_t remaining = room - pos - SPEC_SIZE;
    if (s.text.size() + 1 >= remaining) {  // the kernel's text would fill it exactly
      out.buffer_full = true;
      break;
    }
    TargetSpecText plain = s;
    plain.status = 0;
    store_spec(buf, spec_off, plain, 0);
    wire::store_bytes(buf, spec_off + SPEC_SIZE, s.text);
    pos = spec_off + SPEC_SIZE + s.text.size() + 1;
    out.used = static_cast<std::uint32_t>(pos);
    ++out.complete;
    pos = align8(pos);
    if (pos > room) {
      out.buffer_full = true;
      break;
    }
    wire::store<std::uint32_t>(buf, spec_off + offsetof(TargetSpec, next), static_cast<std::uint32_t>(pos));
  }
  out.payload.resize(out.used);
  return out;
}

Result<std::vector<TargetSpecText>> decode_status_specs(ByteView buffer, std::uint32_t data_start,
                                                        std::uint32_t target_count) {
  std::vector<TargetSpecText> specs;
  if (target_count == 0) return specs;
  if (data_start > buffer.size() || target_count > (buffer.size() - data_start) / (SPEC_SIZE + 1))
    return fail(EINVAL, "status reply: " + std::to_string(target_count) + " targets cannot fit in " +
                            std::to_string(buffer.size()) + " bytes from offset " + std::to_string(data_start));
  std::size_t rel = 0;  // from the first spec
  for (std::uint32_t i = 0; i < target_count; ++i) {
    std::size_t off = data_start + rel;
    if (off + SPEC_SIZE >= buffer.size())
      return fail(EINVAL, spec_name(i) + "at offset " + std::to_string(off) + " lies outside the " +
                              std::to_string(buffer.size()) + "-byte reply");
    std::size_t len = wire::find_nul(buffer, off + SPEC_SIZE);
    if (len == std::string_view::npos) return fail(EINVAL, spec_name(i) + "text is not NUL-terminated");
    TargetSpecText s = load_spec(buffer, off);
    s.text = std::string(wire::view(buffer, off + SPEC_SIZE, len));
    std::size_t next = wire::load<std::uint32_t>(buffer, off + offsetof(TargetSpec, next));
    if (i + 1 < target_count && next <= rel)
      return fail(EINVAL, spec_name(i) + "next (" + std::to_string(next) + ") does not move forward");
    rel = next;
    specs.push_back(std::move(s));
  }
  return specs;
}

}  // namespace udm::abi

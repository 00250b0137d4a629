// Name lists, versioned name records, deps, target messages and strings.
#include <string>

#include "abi/codec.hpp"
#include "abi/wire.hpp"

namespace udm::abi {
namespace {

constexpr std::size_t VERSION_RECORD_SIZE = sizeof(TargetVersions);

std::size_t name_record_size(const NameEntry& e, NameListForm form) {
  std::size_t n = align8(NAME_LIST_NAME_OFFSET + e.name.size() + 1);
  if (form.event_trailer) {
    n += 8;
    if (form.uuids && e.uuid && !e.uuid->empty()) n += align8(e.uuid->size() + 1);
  }
  return n;
}

}  // namespace

std::size_t name_list_size(std::span<const NameEntry> entries, NameListForm form) {
  std::size_t n = 0;
  for (const auto& e : entries) n += name_record_size(e, form);
  return n;
}

Bytes encode_name_list(std::span<const NameEntry> entries, NameListForm form) {
  Bytes out(name_list_size(entries, form), 0);
  std::size_t off = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    std::size_t size = name_record_size(e, form);
    wire::store<std::uint64_t>(out, off, e.dev);
    wire::store<std::uint32_t>(out, off + 8, i + 1 < entries.size() ? static_cast<std::uint32_t>(size) : 0);
    wire::store_bytes(out, off + NAME_LIST_NAME_OFFSET, e.name);
    if (form.event_trailer) {
      std::size_t trailer = off + align8(NAME_LIST_NAME_OFFSET + e.name.size() + 1);
      std::uint32_t flags = 0;
      bool has_uuid = e.uuid && !e.uuid->empty();
      if (form.uuids) flags = has_uuid ? NAME_LIST_FLAG_HAS_UUID : NAME_LIST_FLAG_DOESNT_HAVE_UUID;
      wire::store<std::uint32_t>(out, trailer, e.event_nr);
      wire::store<std::uint32_t>(out, trailer + 4, flags);
      if (form.uuids && has_uuid) wire::store_bytes(out, trailer + 8, *e.uuid);
    }
    off += size;
  }
  return out;
}

Result<std::vector<NameEntry>> decode_name_list(ByteView payload, bool event_trailer) {
  std::vector<NameEntry> entries;
  if (payload.size() < 8 || wire::load<std::uint64_t>(payload, 0) == 0) return entries;
  std::size_t off = 0;
  for (;;) {
    std::string where = "name list record at " + std::to_string(off) + ": ";
    if (off + NAME_LIST_NAME_OFFSET >= payload.size()) return fail(EINVAL, where + "lies outside the payload");
    NameEntry e;
    e.dev = wire::load<std::uint64_t>(payload, off);
    std::uint32_t next = wire::load<std::uint32_t>(payload, off + 8);
    std::size_t len = wire::find_nul(payload, off + NAME_LIST_NAME_OFFSET);
    if (len == std::string_view::npos || len >= NAME_LEN)
      return fail(EINVAL, where + "name is not NUL-terminated within 128 bytes");
    e.name = std::string(wire::view(payload, off + NAME_LIST_NAME_OFFSET, len));
    std::size_t end = off + NAME_LIST_NAME_OFFSET + len + 1;
    if (event_trailer) {
      std::size_t trailer = off + align8(NAME_LIST_NAME_OFFSET + len + 1);
      if (trailer + 8 > payload.size()) return fail(EINVAL, where + "event_nr trailer lies outside the payload");
      e.event_nr = wire::load<std::uint32_t>(payload, trailer);
      e.flags = wire::load<std::uint32_t>(payload, trailer + 4);
      end = trailer + 8;
      if (e.flags & NAME_LIST_FLAG_HAS_UUID) {
        std::size_t ulen = wire::find_nul(payload, trailer + 8);
        if (ulen == std::string_view::npos || ulen >= UUID_LEN)
          return fail(EINVAL, where + "uuid is not NUL-terminated within 129 bytes");
        e.uuid = std::string(wire::view(payload, trailer + 8, ulen));
        end = trailer + 8 + ulen + 1;
      }
    }
    entries.push_back(std::move(e));
    if (next == 0) break;
    if (next < end - off) return fail(EINVAL, where + "next (" + std::to_string(next) + ") overlaps the record");
    off += next;
  }
  return entries;
}

std::size_t versions_size(std::span<const VersionRecord> records) {
  std::size_t n = 0;
  for (const auto& r : records) n += VERSION_RECORD_SIZE + r.name.size() + 1 + 7;
  return n;
}

Bytes encode_versions(std::span<const VersionRecord> records) {
  Bytes out(versions_size(records), 0);
  std::size_t off = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    std::size_t size = align8(VERSION_RECORD_SIZE + r.name.size() + 1);
    wire::store<std::uint32_t>(out, off, i + 1 < records.size() ? static_cast<std::uint32_t>(size) : 0);
    wire::store<std::uint32_t>(out, off + 4, r.version.major);
    wire::store<std::uint32_t>(out, off + 8, r.version.minor);
    wire::store<std::uint32_t>(out, off + 12, r.version.patch);
    wire::store_bytes(out, off + VERSION_RECORD_SIZE, r.name);
    off += size;
  }
  return out;
}

Result<std::vector<VersionRecord>> decode_versions(ByteView payload) {
  std::vector<VersionRecord> records;
  std::size_t off = 0;
  for (;;) {
    std::string where = "version record at " + std::to_string(off) + ": ";
    if (off + VERSION_RECORD_SIZE >= payload.size()) return fail(EINVAL, where + "lies outside the payload");
    std::uint32_t next = wire::load<std::uint32_t>(payload, off);
    VersionRecord r;
    r.version = {wire::load<std::uint32_t>(payload, off + 4), wire::load<std::uint32_t>(payload, off + 8),
                 wire::load<std::uint32_t>(payload, off + 12)};
    std::size_t len = wire::find_nul(payload, off + VERSION_RECORD_SIZE);
    if (len == std::string_view::npos) return fail(EINVAL, where + "name is not NUL-terminated");
    r.name = std::string(wire::view(payload, off + VERSION_RECORD_SIZE, len));
    records.push_back(std::move(r));
    if (next == 0) break;
    if (next < VERSION_RECORD_SIZE + len + 1)
      return fail(EINVAL, where + "next (" + std::to_string(next) + ") overlaps the record");
    off += next;
  }
  return records;
}

Bytes encode_deps(std::span<const std::uint64_t> devs) {
  Bytes out(sizeof(TargetDeps) + 8 * devs.size(), 0);
  wire::store<std::uint32_t>(out, 0, static_cast<std::uint32_t>(devs.size()));
  for (std::size_t i = 0; i < devs.size(); ++i) wire::store<std::uint64_t>(out, 8 + 8 * i, devs[i]);
  return out;
}

Result<std::vector<std::uint64_t>> decode_deps(ByteView payload) {
  if (payload.size() < sizeof(TargetDeps))
    return fail(EINVAL, "deps: payload of " + std::to_string(payload.size()) + " bytes, need 8");
  std::uint32_t count = wire::load<std::uint32_t>(payload, 0);
  if (count > (payload.size() - sizeof(TargetDeps)) / 8)
    return fail(EINVAL, "deps: count " + std::to_string(count) + " does not fit in " +
                            std::to_string(payload.size()) + " bytes");
  std::vector<std::uint64_t> devs(count);
  for (std::uint32_t i = 0; i < count; ++i) devs[i] = wire::load<std::uint64_t>(payload, 8 + 8 * i);
  return devs;
}

Bytes encode_target_msg(const TargetMessage& msg) {
  Bytes out(sizeof(TargetMsg) + msg.message.size() + 1, 0);
  wire::store<std::uint64_t>(out, 0, msg.sector);
  wire::store_bytes(out, sizeof(TargetMsg), msg.message);
  return out;
}

Result<TargetMessage> decode_target_msg(ByteView buffer, std::uint32_t data_start) {
  if (data_start < HEADER_MIN_SIZE || std::size_t{data_start} + sizeof(TargetMsg) >= buffer.size())
    return fail(EINVAL, "target message: invalid parameters (data_start " + std::to_string(data_start) +
                            ", buffer " + std::to_string(buffer.size()) + " bytes)");
  std::size_t len = wire::find_nul(buffer, data_start + sizeof(TargetMsg));
  if (len == std::string_view::npos) return fail(EINVAL, "target message: text is not NUL-terminated");
  return TargetMessage{wire::load<std::uint64_t>(buffer, data_start),
                       std::string(wire::view(buffer, data_start + sizeof(TargetMsg), len))};
}

Bytes encode_string(std::string_view text) {
  Bytes out(text.size() + 1, 0);
  wire::store_bytes(out, 0, text);
  return out;
}

Result<std::string> decode_string(ByteView buffer, std::uint32_t data_start) {
  if (data_start < HEADER_MIN_SIZE)
    return fail(EINVAL, "string payload: data_start " + std::to_string(data_start) + " lies inside the header");
  std::size_t len = wire::find_nul(buffer, data_start);
  if (len == std::string_view::npos)
    return fail(EINVAL, "string payload at " + std::to_string(data_start) + " is not NUL-terminated in the buffer");
  return std::string(wire::view(buffer, data_start, len));
}

}  // namespace udm::abi

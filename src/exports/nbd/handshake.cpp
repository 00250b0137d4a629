#include "exports/nbd/handshake.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "exports/nbd/protocol.hpp"
#include "exports/nbd/tls.hpp"
#include "exports/nbd/wire.hpp"

namespace udm::exports::nbd {

namespace {

bool exportable(const core::MappedDevice& d) { return d.info(false).live_present; }

Error socket_error(int error, const char* what) {
  return Error{error, std::string("nbd handshake: ") + what + ": " + std::strerror(error)};
}

// One option reply: magic, option, type, length, data.
int send_option_reply(Transport& fd, std::uint32_t option, std::uint32_t type,
                      std::span<const std::byte> data = {}) {
  std::array<std::byte, 20> header;
  std::byte* p = store_be(header.data(), OPTION_REPLY_MAGIC);
  p = store_be(p, option);
  p = store_be(p, type);
  store_be(p, static_cast<std::uint32_t>(data.size()));
  struct iovec iov[2] = {{header.data(), header.size()},
                         {const_cast<std::byte*>(data.data()), data.size()}};
  return fd.writev_all(iov, data.empty() ? 1 : 2);
}

int send_error_reply(Transport& fd, std::uint32_t option, std::uint32_t type, std::string_view text) {
  return send_option_reply(fd, option, type, std::as_bytes(std::span(text.data(), text.size())));
}

int send_info_export(Transport& fd, std::uint32_t option, const core::MappedDevice& device) {
  std::array<std::byte, 12> info;
  std::byte* p = store_be(info.data(), INFO_EXPORT);
  p = store_be(p, static_cast<std::uint64_t>(device.size()));
  store_be(p, transmission_flags(device));
  return send_option_reply(fd, option, REP_INFO, info);
}

int send_info_block_size(Transport& fd, std::uint32_t option, const core::MappedDevice& device) {
  const BlockSizes sizes = block_sizes(device.limits());
  std::array<std::byte, 14> info;
  std::byte* p = store_be(info.data(), INFO_BLOCK_SIZE);
  p = store_be(p, sizes.minimum);
  p = store_be(p, sizes.preferred);
  store_be(p, sizes.maximum);
  return send_option_reply(fd, option, REP_INFO, info);
}

int send_info_name(Transport& fd, std::uint32_t option, const std::string& name) {
  std::vector<std::byte> info(2 + name.size());
  std::byte* p = store_be(info.data(), INFO_NAME);
  std::memcpy(p, name.data(), name.size());
  return send_option_reply(fd, option, REP_INFO, info);
}

struct InfoRequest {
  std::string name;
  std::vector<std::uint16_t> items;
};

// NBD_OPT_INFO / NBD_OPT_GO data: u32 name length, name, u16 count, u16 items.
std::optional<InfoRequest> parse_info_request(std::span<const std::byte> data) {
  if (data.size() < 6) return std::nullopt;
  auto name_length = load_be<std::uint32_t>(data.data());
  if (name_length > data.size() - 6) return std::nullopt;
  InfoRequest r;
  r.name.assign(reinterpret_cast<const char*>(data.data() + 4), name_length);
  std::size_t at = 4 + name_length;
  auto count = load_be<std::uint16_t>(data.data() + at);
  at += 2;
  if (data.size() - at != std::size_t{count} * 2) return std::nullopt;
  for (std::uint16_t i = 0; i < count; ++i) r.items.push_back(load_be<std::uint16_t>(data.data() + at + 2 * i));
  return r;
}

}  // namespace

core::MappedDevicePtr find_export(core::DeviceRegistry& registry, std::string_view name) {
  if (name.empty()) {
    core::MappedDevicePtr only;
    for (auto& d : registry.list()) {
      if (!exportable(*d)) continue;
      if (only) return nullptr;
      only = d;
    }
    return only;
  }
  auto d = registry.find_by_name(name);
  return d && exportable(*d) ? d : nullptr;
}

namespace {
constexpr bool power_of_two(std::uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }
}  // namespace

BlockSizes block_sizes(const io::DeviceLimits& limits) {
  BlockSizes s;
  // The protocol wants powers of two, preferred >= minimum and a maximum
  // that the minimum divides; a 3-way stripe's io_opt (192 KiB) is none.
  if (power_of_two(limits.logical_block_size) && limits.logical_block_size <= MAX_PAYLOAD)
    s.minimum = std::max(limits.logical_block_size, MIN_BLOCK_SIZE);
  s.preferred = s.minimum;
  for (std::uint32_t v : {limits.physical_block_size, limits.io_min})
    if (power_of_two(v) && v <= MAX_PAYLOAD) s.preferred = std::max(s.preferred, v);
  if (power_of_two(limits.io_opt) && limits.io_opt >= s.preferred && limits.io_opt <= MAX_PAYLOAD)
    s.preferred = limits.io_opt;
  s.maximum = MAX_PAYLOAD;
  return s;
}

std::uint16_t transmission_flags(const core::MappedDevice& device) {
  const io::DeviceLimits limits = device.limits();
  std::uint16_t flags = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_CAN_MULTI_CONN;
  // Only what every target of the live table passes down (core/limits.hpp):
  // a zero or error device takes neither.
  if (limits.discard_granularity) flags |= FLAG_SEND_TRIM;
  if (limits.write_zeroes) flags |= FLAG_SEND_WRITE_ZEROES | FLAG_SEND_FAST_ZERO;
  if (device.read_only()) flags |= FLAG_READ_ONLY;
  return flags;
}

Result<NegotiatedExport> negotiate(Transport& plain, core::DeviceRegistry& registry, const NbdSecurity& security) {
  Transport* t = &plain;  // the TLS session after NBD_OPT_STARTTLS
  NegotiatedExport result;
  std::array<std::byte, 18> hello;
  std::byte* p = store_be(hello.data(), NBDMAGIC);
  p = store_be(p, IHAVEOPT);
  store_be(p, static_cast<std::uint16_t>(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES));
  if (int e = t->write_all(hello.data(), hello.size())) return fail(socket_error(e, "greeting"));

  std::array<std::byte, 4> client_flags_bytes;
  if (int e = t->read_exact(client_flags_bytes.data(), 4)) return fail(socket_error(e, "client flags"));
  auto client_flags = load_be<std::uint32_t>(client_flags_bytes.data());
  if (client_flags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES))
    return fail(EPROTO, "nbd handshake: unknown client flags");
  const bool no_zeroes = client_flags & FLAG_C_NO_ZEROES;

  std::vector<std::byte> data;
  for (;;) {
    std::array<std::byte, 16> header;
    if (int e = t->read_exact(header.data(), header.size())) return fail(socket_error(e, "option"));
    if (load_be<std::uint64_t>(header.data()) != IHAVEOPT) return fail(EPROTO, "nbd handshake: bad option magic");
    auto option = load_be<std::uint32_t>(header.data() + 8);
    auto length = load_be<std::uint32_t>(header.data() + 12);
    if (length > MAX_OPTION_LENGTH) return fail(EPROTO, "nbd handshake: option too long");
    data.resize(length);
    if (length > 0)
      if (int e = t->read_exact(data.data(), length)) return fail(socket_error(e, "option data"));

    int e = 0;
    Transport& fd = *t;
    // TLS "require" mode: nothing but STARTTLS (or ABORT) before TLS.
    if (security.require_tls && !result.tls && option != OPT_STARTTLS && option != OPT_ABORT) {
      if (option == OPT_EXPORT_NAME) return fail(EACCES, "nbd handshake: NBD_OPT_EXPORT_NAME without TLS");
      if ((e = send_error_reply(fd, option, REP_ERR_TLS_REQD, "TLS is required: use NBD_OPT_STARTTLS")))
        return fail(socket_error(e, "option reply"));
      continue;
    }
    switch (option) {
      case OPT_STARTTLS: {
        if (!security.tls) {
          e = send_error_reply(fd, option, REP_ERR_UNSUP, "TLS is not configured on this server");
          break;
        }
        if (result.tls) {
          e = send_error_reply(fd, option, REP_ERR_INVALID, "TLS is already in use");
          break;
        }
        if (length != 0) {
          e = send_error_reply(fd, option, REP_ERR_INVALID, "NBD_OPT_STARTTLS takes no data");
          break;
        }
        if ((e = send_option_reply(fd, option, REP_ACK))) break;
        auto session = security.tls->handshake(plain);
        if (!session) return fail(session.error());
        result.tls = std::move(*session);
        t = result.tls.get();
        // What was negotiated in plaintext does not carry over into TLS.
        result.structured_replies = false;
        break;
      }
      case OPT_EXPORT_NAME: {
        std::string name(reinterpret_cast<const char*>(data.data()), data.size());
        auto device = find_export(registry, name);
        if (!device) return fail(ENOENT, "nbd handshake: no export named '" + name + "'");
        std::array<std::byte, 10 + 124> reply{};
        std::byte* q = store_be(reply.data(), static_cast<std::uint64_t>(device->size()));
        store_be(q, transmission_flags(*device));
        device->open();  // before the client can see the export as connected
        if ((e = fd.write_all(reply.data(), no_zeroes ? 10 : reply.size()))) {
          device->close();
          return fail(socket_error(e, "export reply"));
        }
        result.device = std::move(device);
        return result;
      }
      case OPT_ABORT:
        send_option_reply(fd, option, REP_ACK);
        return fail(ECONNABORTED, "nbd handshake: client aborted");
      case OPT_LIST:
        if (length != 0) {
          e = send_error_reply(fd, option, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
          break;
        }
        for (auto& d : registry.list()) {
          if (!exportable(*d)) continue;
          const std::string name = d->name();
          std::vector<std::byte> entry(4 + name.size());
          std::memcpy(store_be(entry.data(), static_cast<std::uint32_t>(name.size())), name.data(), name.size());
          if ((e = send_option_reply(fd, option, REP_SERVER, entry))) break;
        }
        if (!e) e = send_option_reply(fd, option, REP_ACK);
        break;
      case OPT_STRUCTURED_REPLY:
        if (length != 0) {
          e = send_error_reply(fd, option, REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
        } else {
          result.structured_replies = true;
          e = send_option_reply(fd, option, REP_ACK);
        }
        break;
      case OPT_INFO:
      case OPT_GO: {
        auto request = parse_info_request(data);
        if (!request) {
          e = send_error_reply(fd, option, REP_ERR_INVALID, "malformed NBD_OPT_INFO/GO");
          break;
        }
        auto device = find_export(registry, request->name);
        if (!device) {
          e = send_error_reply(fd, option, REP_ERR_UNKNOWN, "no export named '" + request->name + "'");
          break;
        }
        e = send_info_export(fd, option, *device);
        // Block sizes are always sent: the device's logical block is the minimum.
        if (!e) e = send_info_block_size(fd, option, *device);
        for (auto item : request->items)
          if (!e && item == INFO_NAME) e = send_info_name(fd, option, device->name());
        if (e) break;
        if (option == OPT_INFO) {
          e = send_option_reply(fd, option, REP_ACK);
          break;
        }
        device->open();  // before the client can see the export as connected
        if ((e = send_option_reply(fd, option, REP_ACK))) {
          device->close();
          break;
        }
        result.device = std::move(device);
        return result;
        break;
      }
      default:
        e = send_error_reply(fd, option, REP_ERR_UNSUP, "option not supported");
        break;
    }
    if (e) return fail(socket_error(e, "option reply"));
  }
}

}  // namespace udm::exports::nbd

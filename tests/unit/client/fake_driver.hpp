// A small in-memory driver behind the Backend interface, speaking the real
// dm_ioctl bytes through the abi codec: enough of udmd (or, with
// `kernel_like`, of a kernel without list_commands) to test the client's
// encoding, decoding, version negotiation and fallbacks.
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <udm/client.hpp>

#include "abi/codec.hpp"
#include "abi/commands.hpp"
#include "base/devno.hpp"

namespace udm::client::testing {

struct FakeDevice {
  std::string name, uuid;
  std::uint32_t minor = 0;
  std::vector<abi::TargetSpecText> live, inactive;
  bool has_inactive = false, suspended = false;
  std::uint32_t event_nr = 0;
};

struct SentRequest {
  std::uint32_t nr;
  abi::CommandVersion version;
  std::uint32_t flags;
  std::string name;
  std::size_t size;
};

class FakeDriver final : public Backend {
 public:
  std::map<std::uint32_t, abi::CommandVersion> versions;  // per command
  bool kernel_like = false;  // no list_commands, one version for everything
  abi::CommandVersion global{4, 48, 0};
  std::map<std::string, FakeDevice> devices;
  std::vector<SentRequest> sent;
  std::uint32_t next_minor = 0;
  std::size_t force_buffer_full_below = 0;  // list replies: BUFFER_FULL if the buffer is smaller

  FakeDriver() {
    for (const auto& c : abi::COMMANDS) versions[c.command] = c.version;
  }

  std::string driver_name() const override { return kernel_like ? "kernel" : "udmd"; }
  bool has_command_list() const override { return !kernel_like; }

  int transact(std::uint32_t nr, std::vector<std::uint8_t>& buf, std::string& msg) override {
    msg.clear();
    auto h = abi::decode_header(buf);
    if (!h) return EINVAL;
    sent.push_back({nr, h->version, h->flags, h->name, buf.size()});
    if (kernel_like && nr == abi::CMD_LIST_COMMANDS) return ENOTTY;
    auto vit = versions.find(nr);
    if (vit == versions.end()) return ENOTTY;
    abi::CommandVersion mine = kernel_like ? global : vit->second;
    write_version(buf, mine);
    if (!abi::version_accepted(mine, h->version)) return EINVAL;
    abi::Header out = *h;
    out.version = mine;
    out.data_start = abi::PAYLOAD_OFFSET;
    out.data_size = abi::HEADER_MIN_SIZE;
    abi::Bytes payload;
    FakeDevice* dev = nullptr;
    if (nr != abi::CMD_DEV_CREATE && !h->name.empty()) {
      auto it = devices.find(h->name);
      if (it != devices.end()) dev = &it->second;
    }
    switch (nr) {
      case abi::CMD_VERSION:
        return 0;
      case abi::CMD_LIST_COMMANDS: {
        std::vector<abi::VersionRecord> recs;
        for (auto& [c, v] : versions) recs.push_back({std::string(abi::command_id(abi::Command(c))), v});
        payload = abi::encode_versions(recs);
        break;
      }
      case abi::CMD_LIST_VERSIONS: {
        std::vector<abi::VersionRecord> recs{{"linear", {1, 4, 0}}, {"zero", {1, 2, 0}}};
        payload = abi::encode_versions(recs);
        break;
      }
      case abi::CMD_GET_TARGET_VERSION: {
        if (h->name != "zero" && h->name != "linear") return EINVAL;
        std::vector<abi::VersionRecord> recs{{h->name, {1, h->name == "zero" ? 2u : 4u, 0}}};
        payload = abi::encode_versions(recs);
        out.name.clear();
        break;
      }
      case abi::CMD_DEV_CREATE: {
        if (devices.count(h->name)) return EBUSY;
        for (auto& [n, d] : devices)
          if (!h->uuid.empty() && d.uuid == h->uuid) return EBUSY;
        FakeDevice d{h->name, h->uuid, next_minor++, {}, {}, false, false, 0};
        dev = &(devices[h->name] = d);
        break;
      }
      case abi::CMD_TABLE_LOAD: {
        if (!dev) return ENXIO;
        auto specs = abi::decode_load_specs(buf, h->data_start, h->target_count);
        if (!specs) {
          msg = specs.error().message;
          return EINVAL;
        }
        for (auto& s : *specs)
          if (s.type != "zero" && s.type != "linear") {
            msg = "unknown target type " + s.type;
            return EINVAL;
          }
        dev->inactive = *specs;
        dev->has_inactive = true;
        break;
      }
      case abi::CMD_DEV_SUSPEND:
        if (!dev) return ENXIO;
        if (h->flags & abi::SUSPEND_FLAG) {
          dev->suspended = true;
        } else {
          if (dev->has_inactive) dev->live = dev->inactive;
          dev->has_inactive = false;
          dev->suspended = false;
        }
        break;
      case abi::CMD_DEV_STATUS:
        if (!dev) return ENXIO;
        break;
      case abi::CMD_DEV_REMOVE:
        if (!dev) return ENXIO;
        devices.erase(h->name);
        dev = nullptr;
        break;
      case abi::CMD_TABLE_STATUS: {
        if (!dev) return ENXIO;
        auto& t = (h->flags & abi::QUERY_INACTIVE_TABLE_FLAG) ? dev->inactive : dev->live;
        auto st = abi::encode_status_specs(t, buf.size() - abi::PAYLOAD_OFFSET);
        payload = st.payload;
        out.target_count = st.complete;
        fill(out, *dev);
        out.target_count = st.complete;
        out.data_size = abi::PAYLOAD_OFFSET + st.used;
        return finish(buf, out, payload, true);
      }
      case abi::CMD_LIST_DEVICES: {
        std::vector<abi::NameEntry> entries;
        for (auto& [n, d] : devices) {
          abi::NameEntry e;
          e.dev = DevNo{UDM_BLOCK_MAJOR, d.minor}.to_huge();
          e.name = n;
          e.event_nr = d.event_nr;
          if (!d.uuid.empty()) e.uuid = d.uuid;
          entries.push_back(e);
        }
        abi::NameListForm form{mine.minor >= 38, mine.minor >= 45 && (h->flags & abi::UUID_FLAG)};
        std::size_t need = abi::name_list_size(entries, form);
        if (buf.size() < force_buffer_full_below || abi::PAYLOAD_OFFSET + need > buf.size()) {
          out.flags |= abi::BUFFER_FULL_FLAG;
          return finish(buf, out, {}, false);
        }
        payload = abi::encode_name_list(entries, form);
        out.data_size = static_cast<std::uint32_t>(abi::PAYLOAD_OFFSET + need);
        return finish(buf, out, payload, true);
      }
      case abi::CMD_DEV_RENAME: {
        if (!dev) return ENXIO;
        auto to = abi::decode_string(buf, h->data_start);
        if (!to) return EINVAL;
        if (h->flags & abi::UUID_FLAG) {
          dev->uuid = *to;
        } else {
          FakeDevice d = *dev;
          devices.erase(h->name);
          d.name = *to;
          dev = &(devices[*to] = d);
        }
        dev->event_nr++;
        break;
      }
      default:
        return ENOTTY;
    }
    if (dev) fill(out, *dev);
    if (!payload.empty())
      out.data_size = static_cast<std::uint32_t>(abi::PAYLOAD_OFFSET + payload.size());
    return finish(buf, out, payload, !payload.empty());
  }

 private:
  static void write_version(std::vector<std::uint8_t>& buf, abi::CommandVersion v) {
    std::uint32_t w[3] = {v.major, v.minor, v.patch};
    std::memcpy(buf.data(), w, sizeof(w));
  }
  static void fill(abi::Header& out, const FakeDevice& d) {
    out.name = d.name;
    out.uuid = d.uuid;
    out.dev = DevNo{UDM_BLOCK_MAJOR, d.minor}.to_huge();
    out.flags &= ~(abi::SUSPEND_FLAG | abi::ACTIVE_PRESENT_FLAG | abi::INACTIVE_PRESENT_FLAG);
    if (d.suspended) out.flags |= abi::SUSPEND_FLAG;
    if (!d.live.empty()) out.flags |= abi::ACTIVE_PRESENT_FLAG;
    if (d.has_inactive) out.flags |= abi::INACTIVE_PRESENT_FLAG;
    out.target_count = static_cast<std::uint32_t>(d.live.size());
    out.event_nr = d.event_nr;
  }
  static int finish(std::vector<std::uint8_t>& buf, abi::Header out, const abi::Bytes& payload,
                    bool with_payload) {
    std::uint32_t size = out.data_size;
    std::vector<std::uint8_t> hdr(abi::HEADER_MIN_SIZE);
    if (!abi::encode_header(out, hdr)) return EIO;
    std::memcpy(buf.data(), hdr.data(), hdr.size());
    if (with_payload && !payload.empty()) {
      if (abi::PAYLOAD_OFFSET + payload.size() > buf.size()) return EIO;
      std::memcpy(buf.data() + abi::PAYLOAD_OFFSET, payload.data(), payload.size());
    }
    (void)size;
    return 0;
  }
};

}  // namespace udm::client::testing

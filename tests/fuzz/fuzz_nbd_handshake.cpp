// The NBD handshake and option haggling (src/exports/nbd/handshake.cpp),
// TLS options included: the first input byte picks the server's TLS setup
// (bit 0: a PSK is configured, bit 1: TLS is required), the rest is what the
// client sends. STARTTLS hands the following bytes to the TLS handshake.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/device_registry.hpp"
#include "core/table_line.hpp"
#include "core/target_registry.hpp"
#include "exports/nbd/handshake.hpp"
#include "exports/nbd/tls.hpp"
#include "exports/nbd/transport.hpp"

namespace {

using namespace udm;

// Reads come from the input, writes go nowhere.
class InputTransport final : public exports::nbd::Transport {
 public:
  InputTransport(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  ssize_t recv_some(void* buffer, std::size_t length, bool) override {
    std::size_t n = std::min(length, size_ - at_);
    std::memcpy(buffer, data_ + at_, n);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t send_some(const struct iovec* iov, int count, bool) override {
    std::size_t n = 0;
    for (int i = 0; i < count; ++i) n += iov[i].iov_len;
    return static_cast<ssize_t>(n);
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

struct World {
  core::TargetRegistry targets;
  std::unique_ptr<core::DeviceRegistry> devices;
  std::shared_ptr<const exports::nbd::TlsCredentials> psk;
  World() {
    targets::register_builtin_targets(targets);
    devices = std::make_unique<core::DeviceRegistry>(targets);
    auto d = devices->create("z", "");
    auto lines = core::parse_table_text("0 2048 zero", "fuzz");
    if (d && lines) {
      auto t = devices->build_table(*lines, false, **d);
      if (t) {
        (*d)->load(std::move(*t));
        (void)(*d)->resume();
      }
    }
    if (auto c = exports::nbd::TlsCredentials::psk_key("fuzz", "00112233445566778899aabbccddeeff")) psk = *c;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  if (size < 1) return 0;
  exports::nbd::NbdSecurity security;
  if (data[0] & 1) security.tls = world.psk;
  security.require_tls = security.tls && (data[0] & 2);
  InputTransport transport(data + 1, size - 1);
  auto r = exports::nbd::negotiate(transport, *world.devices, security);
  if (r && r->device) r->device->close();
  return 0;
}

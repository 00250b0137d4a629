// The NBD fixed-newstyle handshake and option haggling, up to the start of
// the transmission phase (NBD_OPT_EXPORT_NAME or a successful NBD_OPT_GO).
#pragma once

#include <memory>

#include "base/result.hpp"
#include "core/device_registry.hpp"
#include "exports/nbd/transport.hpp"

namespace udm::exports::nbd {

class TlsCredentials;

struct NbdSecurity {
  std::shared_ptr<const TlsCredentials> tls;  // null: NBD_OPT_STARTTLS unsupported
  bool require_tls = false;  // every option but STARTTLS and ABORT gets NBD_REP_ERR_TLS_REQD before TLS
};

struct NegotiatedExport {
  core::MappedDevicePtr device;
  bool structured_replies = false;
  std::unique_ptr<Transport> tls;  // after STARTTLS: the transmission phase runs over it
};

// Runs the handshake on a connected socket. On success the device has been
// opened (MappedDevice::open) and the caller must close() it when the
// connection ends. Fails (and the caller closes the socket) when the client
// aborts, disconnects or breaks the protocol.
Result<NegotiatedExport> negotiate(Transport& plain, core::DeviceRegistry& registry,
                                   const NbdSecurity& security = {});

// The device an export name means: the device of that name with a live table;
// "" means the only such device when there is exactly one.
core::MappedDevicePtr find_export(core::DeviceRegistry& registry, std::string_view name);

// NBD_INFO_BLOCK_SIZE from a device's limits: minimum the logical block,
// preferred the larger of the physical block and io_min, or io_opt when it
// is set, and all of them powers of two within the payload limit.
struct BlockSizes {
  std::uint32_t minimum = 512;
  std::uint32_t preferred = 512;
  std::uint32_t maximum = 0;
};
BlockSizes block_sizes(const io::DeviceLimits& limits);

// Transmission flags for a device: trim and write-zeroes only where its
// live table takes them.
std::uint16_t transmission_flags(const core::MappedDevice& device);

}  // namespace udm::exports::nbd

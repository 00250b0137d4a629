// Client internals shared by client.cpp and task.cpp.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include <udm/client.hpp>

#include "client/versions.hpp"

namespace udm::client {

struct Client::Impl {
  std::unique_ptr<Backend> backend;
  ConnectOptions options;
  std::string rundir;
  std::optional<detail::DriverVersions> versions;
  std::recursive_mutex mutex;  // one request at a time per connection

  // The driver's versions, learnt on first use: CMD_LIST_COMMANDS, or
  // CMD_VERSION's global version when the driver does not know it.
  Result<const detail::DriverVersions*> driver_versions();
  // One raw round trip, traced.
  int transact(std::uint32_t nr, std::vector<std::uint8_t>& buffer, std::string& message);
  void trace(const std::string& line) const;
};

// libdm's output buffers grow by doubling on BUFFER_FULL, and the factor is
// kept for the rest of the process.
std::uint32_t output_buffer_size();
void grow_output_buffer();

}  // namespace udm::client

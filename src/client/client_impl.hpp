// Client internals shared by client.cpp and task.cpp.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include <udm/client.hpp>

#include "abi/codec.hpp"
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
  // A command's reply, as exchange() hands it back.
  struct Exchange {
    int error = 0;                       // 0, or the driver's (ECONNRESET: the transport's) errno
    std::string message;                 // the driver's words with `error`
    abi::CommandVersion reply_version{};  // the driver's version of the command
    abi::Header header;                  // the reply's header (error == 0)
    abi::Bytes buffer;                   // the whole reply (error == 0)
  };
  // The one request loop of libudm: encodes `header` and `payload`, sends
  // them, traces the round trip and, for a command with output, resends
  // with a larger buffer while the driver says BUFFER_FULL. A driver error
  // is a value in Exchange; a reply that cannot be read is a failure.
  Result<Exchange> exchange(abi::Command cmd, const abi::Header& header, abi::ByteView payload, bool output,
                            std::string_view driver);
  // What exchange() makes of one answered request (`buffer` holds the reply,
  // `error` and `message` what the backend gave): traces it and reads it.
  // nullopt: BUFFER_FULL for a command with output (send again, larger).
  Result<std::optional<Exchange>> take_reply(abi::Command cmd, const abi::Header& header, abi::Bytes buffer,
                                             int error, std::string message, bool output, std::string_view driver);
  void trace(const std::string& line) const;
};

// libdm's output buffers grow by doubling on BUFFER_FULL, and the factor is
// kept for the rest of the process.
std::uint32_t output_buffer_size();
void grow_output_buffer();

}  // namespace udm::client

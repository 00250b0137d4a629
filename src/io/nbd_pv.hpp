// Synchronous byte-addressed access to an NBD export, for ulvm's metadata
// path (a PV on a remote export: label, mda headers and text, a few KiB per
// command). Reads and writes are split at the server's maximum payload;
// ranges not aligned to its minimum block are read-modify-written.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "io/nbd_session.hpp"

namespace udm::io {

class NbdSyncDevice {
 public:
  static Result<std::unique_ptr<NbdSyncDevice>> open(std::string_view uri, bool read_only);

  std::uint64_t size() const { return props_.size; }
  const std::string& uri() const { return uri_.given; }
  Result<void> read(std::uint64_t offset, std::span<std::byte> out);
  Result<void> write(std::uint64_t offset, std::span<const std::byte> data);
  Result<void> flush();

 private:
  NbdSyncDevice(NbdUri uri, NbdHandlePtr h, bool read_only);
  Result<void> transfer(std::uint64_t offset, std::byte* buf, std::size_t len, bool write);

  NbdUri uri_;
  NbdHandlePtr h_;
  NbdProperties props_;
  bool read_only_;
};

}  // namespace udm::io

// Synchronous byte-addressed I/O on a PV for the metadata path (label, mda
// headers, text: a few KiB per command). FileDevice uses pread/pwrite on a
// regular file or block device; MemoryPvDevice and FaultyPvDevice serve tests.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/units.hpp"

namespace udm::lvm::format {

class PvDevice {
 public:
  virtual ~PvDevice() = default;
  virtual byte_count size() const = 0;
  virtual const std::string& path() const = 0;
  // Whole reads and writes: a short transfer or a range past the end is an
  // error naming the path and offset.
  virtual Result<void> read(byte_count offset, std::span<std::byte> out) = 0;
  virtual Result<void> write(byte_count offset, std::span<const std::byte> data) = 0;
  // Make completed writes durable (fsync); a step of the commit protocol.
  virtual Result<void> flush() = 0;
};

using PvDevicePtr = std::unique_ptr<PvDevice>;

// Opens a regular file or a block device (size from BLKGETSIZE64), or an NBD
// export named by its URI (io/nbd_uri.hpp).
Result<PvDevicePtr> open_file_device(const std::string& path, bool read_only);

class MemoryPvDevice final : public PvDevice {
 public:
  MemoryPvDevice(std::string path, byte_count size) : path_(std::move(path)), bytes_(size) {}
  byte_count size() const override { return bytes_.size(); }
  const std::string& path() const override { return path_; }
  Result<void> read(byte_count offset, std::span<std::byte> out) override;
  Result<void> write(byte_count offset, std::span<const std::byte> data) override;
  Result<void> flush() override { return {}; }
  std::vector<std::byte>& bytes() { return bytes_; }

 private:
  std::string path_;
  std::vector<std::byte> bytes_;
};

// Forwards to another device until a write budget runs out: the write that
// would exceed it and every later one fails with EIO without reaching the
// device, as if the machine stopped there. Reads always pass.
class FaultyPvDevice final : public PvDevice {
 public:
  // `writes_left` is shared so one budget can cover several PVs (a crash hits
  // the whole machine, not one disk).
  FaultyPvDevice(PvDevice& inner, std::shared_ptr<long> writes_left) : inner_(inner), writes_left_(std::move(writes_left)) {}
  // The same, owning the device it forwards to.
  FaultyPvDevice(PvDevicePtr owned, std::shared_ptr<long> writes_left)
      : owned_(std::move(owned)), inner_(*owned_), writes_left_(std::move(writes_left)) {}
  byte_count size() const override { return inner_.size(); }
  const std::string& path() const override { return inner_.path(); }
  Result<void> read(byte_count offset, std::span<std::byte> out) override { return inner_.read(offset, out); }
  Result<void> write(byte_count offset, std::span<const std::byte> data) override;
  Result<void> flush() override { return inner_.flush(); }

 private:
  PvDevicePtr owned_;
  PvDevice& inner_;
  std::shared_ptr<long> writes_left_;
};

}  // namespace udm::lvm::format

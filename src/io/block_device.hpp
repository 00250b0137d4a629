// A device that block I/O can be submitted to: a backing file or block device,
// a mapped device (so tables stack), or an in-memory device for tests.
#pragma once

#include <memory>
#include <string>

#include "base/devno.hpp"
#include "base/result.hpp"
#include "io/request.hpp"

namespace udm::io {

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;

  // Size in bytes. A mapped device's size is its live table's length.
  virtual byte_count size() const = 0;

  // Asynchronous. Offsets and lengths are multiples of 512. Requests beyond the
  // end complete with -EIO (or -ENOSPC as the backing file reports it).
  virtual void submit(Request* request) = 0;

  // How the device is named in table output: "major:minor" for block devices
  // and mapped devices, the absolute path for regular files.
  virtual std::string table_name() const = 0;

  // The device number for deps; empty for regular files.
  virtual DevNo devno() const = 0;

  virtual bool read_only() const { return false; }
};

using BlockDevicePtr = std::shared_ptr<BlockDevice>;

}  // namespace udm::io

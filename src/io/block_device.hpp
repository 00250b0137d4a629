// A device that block I/O can be submitted to: a backing file or block device,
// a mapped device (so tables stack), or an in-memory device for tests.
#pragma once

#include <memory>
#include <string>

#include "base/devno.hpp"
#include "base/result.hpp"
#include "io/file_mapping.hpp"
#include "io/request.hpp"

namespace udm::io {

// What a device tells the layers above about the I/O it takes best, as the
// kernel's queue_limits (only the fields udm uses). Bytes; 0 means "no
// preference" for io_min, io_opt and discard_granularity.
struct DeviceLimits {
  std::uint32_t logical_block_size = 512;   // smallest addressable unit
  std::uint32_t physical_block_size = 512;  // smallest unit written without read-modify-write
  std::uint32_t io_min = 0;                 // preferred minimum I/O (a stripe chunk)
  std::uint32_t io_opt = 0;                 // optimal I/O (a full stripe)
  std::uint32_t discard_granularity = 0;    // 0: the device does not take Op::discard
  bool write_zeroes = false;                // takes Op::write_zeroes (max_write_zeroes_sectors != 0)
  constexpr bool operator==(const DeviceLimits&) const = default;
};

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

  // Block sizes and I/O hints; a mapped device reports its table's, stacked.
  virtual DeviceLimits limits() const { return {}; }

  // Runs fn over [offset, offset + length) of the device's bytes in place,
  // as the page cache holds them (see file_mapping.hpp for what fn may do),
  // and returns true once fn has run to its end. False when the device
  // cannot (only buffered regular files can), the bytes are not all cached,
  // or the file shrank under fn: then read the range as usual. Never waits.
  virtual bool read_in_place(byte_count /*offset*/, byte_count /*length*/, InPlaceFn /*fn*/, void* /*context*/) {
    return false;
  }
  // The same for fn filling [offset, offset + length) in place: the bytes
  // are in the page cache (written back as a buffered write's are) once it
  // returns true. False when the device cannot (read-only, not a buffered
  // regular file), the pages are not all cached, or fn was cut off (the file
  // shrank, the filesystem is full): then write the range as usual, which
  // reports such an error its own way. Not for FUA writes.
  virtual bool write_in_place(byte_count /*offset*/, byte_count /*length*/, InPlaceWriteFn /*fn*/,
                              void* /*context*/) {
    return false;
  }
};

using BlockDevicePtr = std::shared_ptr<BlockDevice>;

}  // namespace udm::io

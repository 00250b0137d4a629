#include "io/nbd_pv.hpp"

#include <libnbd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace udm::io {

NbdSyncDevice::NbdSyncDevice(NbdUri uri, NbdHandlePtr h, bool read_only)
    : uri_(std::move(uri)), h_(std::move(h)), props_(nbd_properties(h_.get())), read_only_(read_only || props_.read_only) {}

Result<std::unique_ptr<NbdSyncDevice>> NbdSyncDevice::open(std::string_view text, bool read_only) {
  auto uri = parse_nbd_uri(text);
  if (!uri) return fail(uri.error());
  auto h = nbd_connect(*uri, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  if (!h) return fail(h.error());
  return std::unique_ptr<NbdSyncDevice>(new NbdSyncDevice(std::move(*uri), std::move(*h), read_only));
}

// Aligned pieces only: offset and length multiples of the minimum block.
Result<void> NbdSyncDevice::transfer(std::uint64_t offset, std::byte* buf, std::size_t len, bool write) {
  for (std::size_t done = 0; done < len;) {
    const std::size_t n = std::min<std::size_t>(len - done, props_.max_payload);
    const int r = write ? nbd_pwrite(h_.get(), buf + done, n, offset + done, 0)
                        : nbd_pread(h_.get(), buf + done, n, offset + done, 0);
    if (r == -1)
      return fail(nbd_last_errno(), uri_.given + ": " + (write ? "write" : "read") + " at " +
                                        std::to_string(offset + done) + ": " + nbd_last_error());
    done += n;
  }
  return {};
}

Result<void> NbdSyncDevice::read(std::uint64_t offset, std::span<std::byte> out) {
  if (offset > size() || out.size() > size() - offset)
    return fail(EIO, uri_.given + ": " + std::to_string(out.size()) + " bytes at offset " + std::to_string(offset) +
                         " run past the end (" + std::to_string(size()) + " bytes)");
  const std::uint64_t unit = props_.min_block;
  if (offset % unit == 0 && out.size() % unit == 0) return transfer(offset, out.data(), out.size(), false);
  const std::uint64_t start = offset / unit * unit;
  const std::uint64_t end = (offset + out.size() + unit - 1) / unit * unit;
  std::vector<std::byte> bounce(end - start);
  if (auto r = transfer(start, bounce.data(), bounce.size(), false); !r) return r;
  std::memcpy(out.data(), bounce.data() + (offset - start), out.size());
  return {};
}

Result<void> NbdSyncDevice::write(std::uint64_t offset, std::span<const std::byte> data) {
  if (read_only_) return fail(EROFS, uri_.given + ": the export is read-only");
  if (offset > size() || data.size() > size() - offset)
    return fail(EIO, uri_.given + ": " + std::to_string(data.size()) + " bytes at offset " + std::to_string(offset) +
                         " run past the end (" + std::to_string(size()) + " bytes)");
  const std::uint64_t unit = props_.min_block;
  if (offset % unit == 0 && data.size() % unit == 0)
    return transfer(offset, const_cast<std::byte*>(data.data()), data.size(), true);
  // Read-modify-write of the covering blocks (one thread: nothing races it).
  const std::uint64_t start = offset / unit * unit;
  const std::uint64_t end = (offset + data.size() + unit - 1) / unit * unit;
  std::vector<std::byte> bounce(end - start);
  if (auto r = transfer(start, bounce.data(), bounce.size(), false); !r) return r;
  std::memcpy(bounce.data() + (offset - start), data.data(), data.size());
  return transfer(start, bounce.data(), bounce.size(), true);
}

Result<void> NbdSyncDevice::flush() {
  if (read_only_ || !props_.can_flush) return {};
  if (nbd_flush(h_.get(), 0) == -1) return fail(nbd_last_errno(), uri_.given + ": flush: " + nbd_last_error());
  return {};
}

}  // namespace udm::io

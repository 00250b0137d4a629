// A remote NBD export as a backing device (a table line names it by URI,
// nbd_uri.hpp). One libnbd connection per device, driven by the device's own
// event thread ("udm-nbd") through libnbd's asynchronous API: submit() only
// queues under a short lock and wakes the thread, so nothing waits for the
// network while holding a lock.
//
// - Requests are split at the server's maximum payload; offsets and lengths
//   must be multiples of its minimum block (reported as logical_block_size,
//   so the layers above align), else -EINVAL. Flush, FUA, trim and
//   write_zeroes go to the server when it advertises them; otherwise FUA is a
//   write followed by a flush, write_zeroes writes zeros, discard and flush
//   complete at once (nothing to make durable that the server would keep).
// - At most max_in_flight NBD commands are outstanding; the rest wait in order.
// - A dropped connection is reconnected (every 0.1 s, backing off to 1 s).
//   Meanwhile requests, those in flight included, are held and resent after
//   the reconnect; after the hold time (`reconnect-hold=SECS` in the URI,
//   else set_reconnect_hold) they fail with -EIO, as do new ones until the
//   connection is back. Each of these steps is logged on stderr.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "io/block_device.hpp"
#include "io/nbd_uri.hpp"

namespace udm::io {

struct NbdOpenOptions {
  bool read_only = false;
  std::chrono::milliseconds connect_timeout{10000};
  unsigned max_in_flight = 64;
};

// Connects to `uri` before returning, so a table load fails at once on a
// wrong URI or an unreachable server (the error names the URI).
Result<BlockDevicePtr> open_nbd(std::string_view uri, const NbdOpenOptions& options = {});

// Default hold time of every NBD device opened afterwards (udmd's
// --nbd-reconnect-hold). 30 s unless set.
void set_nbd_reconnect_hold(std::chrono::seconds hold);
std::chrono::seconds nbd_reconnect_hold();

}  // namespace udm::io

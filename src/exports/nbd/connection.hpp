// The NBD transmission phase on one socket: requests are decoded on the
// connection's thread and submitted asynchronously to the mapped device, so
// many are in flight; replies are written as completions arrive, in whatever
// order they complete, serialized per socket by whichever completing thread
// gets there first (it drains every queued reply with one sendmsg). That
// thread is often the I/O engine's, so it never blocks on the socket: when
// the socket is full it hands the rest to the connection's writer thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sys/uio.h>
#include <vector>

#include "core/mapped_device.hpp"
#include "exports/nbd/handshake.hpp"
#include "exports/nbd/queue_budget.hpp"
#include "exports/nbd/transport.hpp"

namespace udm::exports::nbd {

struct ConnectionLimits {
  // Request bytes (read buffers until replied, write payloads until written)
  // this connection may hold; beyond it the reader stops reading the socket.
  std::uint64_t max_queued_bytes = std::uint64_t{64} << 20;
  QueueBudget* daemon_wide = nullptr;  // shared by every connection; may be null
};

class Connection {
 public:
  // `fd` is the socket under `plain` (shut down when the client is gone).
  Connection(int fd, Transport& plain, NegotiatedExport negotiated, ConnectionLimits limits = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves requests until the client disconnects (NBD_CMD_DISC or EOF) or
  // breaks the protocol, then waits for every in-flight request to complete.
  // Does not close the socket.
  void run();

 private:
  struct Command;
  static void on_done(io::Request* request, int result);

  Command* take_command();
  // Takes `bytes` of the queue budgets for `command`, waiting for replies to
  // drain while over a limit. False when the connection or server is ending.
  bool reserve(Command* command, std::uint64_t bytes);
  void release(Command* command);
  void finish(Command* command, int result);  // queue the reply and maybe write
  void reply_now(Command* command, int error);  // reply without I/O
  // With out_lock_ held and writing_ set: writes queued replies until the
  // queue is empty (then clears writing_) or, unless `may_block`, until the
  // socket is full (then hands off to the writer thread).
  void drain(std::unique_lock<std::mutex>& lock, bool may_block);
  // Sends iov_ from iov_next_; false when it would block (only if !may_block).
  bool send_pending(bool may_block);
  void release_batch();
  void writer_loop();
  // Sends the replies the reader held back (see finish()), unless another
  // thread is writing: it picks them up.
  void send_held_replies();

  // Buffered socket reading.
  int read_bytes(std::byte* out, std::size_t length);
  int skip_bytes(std::size_t length);

  int fd_;
  std::unique_ptr<Transport> tls_;
  Transport* transport_;  // tls_ or the plain socket
  core::MappedDevicePtr device_;
  bool structured_;
  ConnectionLimits limits_;

  std::vector<std::byte> in_;
  std::size_t in_begin_ = 0, in_end_ = 0;

  std::mutex free_lock_;
  std::vector<std::unique_ptr<Command>> commands_;
  std::vector<Command*> free_;
  std::condition_variable drained_;
  std::size_t in_flight_ = 0;  // under free_lock_
  std::uint64_t queued_bytes_ = 0;  // reserved by commands in flight; under free_lock_
  std::size_t pooled_bytes_ = 0;    // buffers kept by free commands; under free_lock_

  std::mutex out_lock_;
  std::vector<Command*> out_queue_;
  std::vector<Command*> writing_batch_;  // owned by whoever has writing_
  std::vector<struct iovec> iov_;       // likewise
  std::size_t iov_next_ = 0;
  bool writing_ = false;
  bool handoff_ = false;       // the writer thread must finish iov_
  bool stop_writer_ = false;
  std::condition_variable writer_wake_;
  std::condition_variable writer_idle_;  // writing_ became false
  std::atomic<bool> broken_{false};
};

}  // namespace udm::exports::nbd

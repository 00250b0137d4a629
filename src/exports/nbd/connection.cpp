#include "exports/nbd/connection.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <sys/socket.h>
#include <climits>
#include <sys/uio.h>
#include <thread>
#include <utility>

#include "exports/aligned_buffer.hpp"
#include "exports/nbd/protocol.hpp"
#include "exports/nbd/request_decoder.hpp"
#include "exports/nbd/wire.hpp"
#include "io/inline_writes.hpp"

namespace udm::exports::nbd {

namespace {
constexpr std::size_t INPUT_BUFFER = 256 * 1024;
constexpr std::size_t MAX_IN_FLIGHT = 256;  // per connection; the reader waits beyond it
// Replies the reader thread may hold back while more requests are already
// buffered: far below MAX_IN_FLIGHT, so holding never starves take_command().
constexpr std::size_t MAX_HELD_REPLIES = 64;
// Idle commands keep their buffers for reuse up to this much per connection;
// bigger buffers and the rest are freed when their reply has gone out.
constexpr std::size_t MAX_POOLED_BYTES = 16u << 20;
constexpr std::size_t MAX_POOLED_BUFFER = 4u << 20;  // qemu-img asks 2 MiB at a time
// The connection whose reader is the calling thread: replies finished on it
// (cached reads, inline writes) wait for the reader's next socket read.
thread_local const Connection* t_reading = nullptr;
}  // namespace

struct Connection::Command {
  io::Request io;
  Connection* connection = nullptr;
  NbdRequest request;
  AlignedBuffer buffer;
  bool flush_after = false;  // FUA on trim / write-zeroes: flush once done
  int error = 0;             // positive errno for the reply
  std::array<std::byte, 32> header;
  std::size_t header_length = 0;
  std::size_t data_length = 0;  // payload following the header (reads)
  std::uint64_t reserved = 0;   // queue budget bytes held until released
};

Connection::Connection(int fd, Transport& plain, NegotiatedExport negotiated, ConnectionLimits limits)
    : fd_(fd), tls_(std::move(negotiated.tls)), transport_(tls_ ? tls_.get() : &plain),
      device_(std::move(negotiated.device)), structured_(negotiated.structured_replies), limits_(limits),
      in_(INPUT_BUFFER) {}

Connection::~Connection() = default;

int Connection::read_bytes(std::byte* out, std::size_t length) {
  std::size_t buffered = in_end_ - in_begin_;
  std::size_t n = std::min(buffered, length);
  std::memcpy(out, in_.data() + in_begin_, n);
  in_begin_ += n;
  out += n;
  length -= n;
  if (length == 0) return 0;
  // About to wait for the client: what was answered meanwhile goes out now,
  // as one batch (one sendmsg, one wake-up of the client for many replies).
  send_held_replies();
  // Large payloads go straight into the caller's buffer.
  if (length >= in_.size() / 2) return transport_->read_exact(out, length);
  in_begin_ = in_end_ = 0;
  while (in_end_ < length) {
    ssize_t r = transport_->recv_some(in_.data() + in_end_, in_.size() - in_end_, /*all=*/false);
    if (r < 0) return static_cast<int>(-r);
    if (r == 0) return ECONNRESET;
    in_end_ += static_cast<std::size_t>(r);
  }
  std::memcpy(out, in_.data(), length);
  in_begin_ = length;
  return 0;
}

int Connection::skip_bytes(std::size_t length) {
  std::array<std::byte, 4096> sink;
  while (length > 0) {
    std::size_t n = std::min(length, sink.size());
    if (int e = read_bytes(sink.data(), n)) return e;
    length -= n;
  }
  return 0;
}

Connection::Command* Connection::take_command() {
  std::unique_lock lock(free_lock_);
  drained_.wait(lock, [&] { return in_flight_ < MAX_IN_FLIGHT; });
  ++in_flight_;
  if (free_.empty()) {
    commands_.push_back(std::make_unique<Command>());
    commands_.back()->connection = this;
    return commands_.back().get();
  }
  Command* c = free_.back();
  free_.pop_back();
  pooled_bytes_ -= c->buffer.capacity();
  return c;
}

bool Connection::reserve(Command* c, std::uint64_t bytes) {
  {
    std::unique_lock lock(free_lock_);
    auto fits = [&] {
      return queued_bytes_ == 0 ||
             (queued_bytes_ <= limits_.max_queued_bytes && limits_.max_queued_bytes - queued_bytes_ >= bytes);
    };
    if (!fits()) {
      // The replies that would free bytes may be held back by this very thread.
      lock.unlock();
      send_held_replies();
      lock.lock();
      drained_.wait(lock, [&] { return fits() || broken_.load(); });
      if (broken_) return false;
    }
    queued_bytes_ += bytes;
    c->reserved = bytes;
  }
  if (QueueBudget* all = limits_.daemon_wide; all && !all->try_acquire(bytes)) {
    send_held_replies();
    if (!all->acquire(bytes)) {
      std::lock_guard lock(free_lock_);
      queued_bytes_ -= bytes;
      c->reserved = 0;
      return false;
    }
  }
  return true;
}

void Connection::release(Command* command) {
  const std::uint64_t reserved = std::exchange(command->reserved, 0);
  if (reserved && limits_.daemon_wide) limits_.daemon_wide->release(reserved);
  AlignedBuffer dropped;  // freed after the lock is let go
  std::lock_guard lock(free_lock_);
  queued_bytes_ -= reserved;
  const std::size_t capacity = command->buffer.capacity();
  if (capacity > MAX_POOLED_BUFFER || pooled_bytes_ + capacity > MAX_POOLED_BYTES)
    dropped = std::move(command->buffer);
  else
    pooled_bytes_ += capacity;
  free_.push_back(command);
  --in_flight_;
  drained_.notify_all();
}

void Connection::on_done(io::Request* request, int result) {
  auto* c = static_cast<Command*>(request->context);
  if (result == 0 && c->flush_after) {
    c->flush_after = false;
    c->io.op = io::Op::flush;
    c->io.fua = false;
    c->io.offset = 0;
    c->io.length = 0;
    c->io.data = nullptr;
    c->connection->device_->submit(&c->io);
    return;
  }
  int error = result < 0 ? -result : 0;
  // The core fails a read past the end as a bio (EIO); NBD wants EINVAL
  // (writes past the end already come back as ENOSPC, read-only as EROFS).
  if (error == EIO && c->request.type == CMD_READ) {
    const byte_count size = c->connection->device_->size();
    if (c->request.offset > size || size - c->request.offset < c->request.length) error = EINVAL;
  }
  c->connection->finish(c, error);
}

void Connection::reply_now(Command* command, int error) { finish(command, error); }

void Connection::finish(Command* c, int error) {
  c->error = error;
  c->data_length = 0;
  const bool is_read = c->request.type == CMD_READ;
  std::byte* p = c->header.data();
  if (!structured_) {
    p = store_be(p, SIMPLE_REPLY_MAGIC);
    p = store_be(p, error ? errno_to_nbd(error) : std::uint32_t{0});
    p = store_be(p, c->request.cookie);
    if (is_read && !error) c->data_length = c->request.length;
  } else if (error) {
    p = store_be(p, STRUCTURED_REPLY_MAGIC);
    p = store_be(p, REPLY_FLAG_DONE);
    p = store_be(p, REPLY_TYPE_ERROR);
    p = store_be(p, c->request.cookie);
    p = store_be(p, std::uint32_t{6});
    p = store_be(p, errno_to_nbd(error));
    p = store_be(p, std::uint16_t{0});  // no message
  } else if (is_read && c->request.length > 0) {
    p = store_be(p, STRUCTURED_REPLY_MAGIC);
    p = store_be(p, REPLY_FLAG_DONE);
    p = store_be(p, REPLY_TYPE_OFFSET_DATA);
    p = store_be(p, c->request.cookie);
    p = store_be(p, static_cast<std::uint32_t>(8 + c->request.length));
    p = store_be(p, c->request.offset);
    c->data_length = c->request.length;
  } else {
    p = store_be(p, STRUCTURED_REPLY_MAGIC);
    p = store_be(p, REPLY_FLAG_DONE);
    p = store_be(p, REPLY_TYPE_NONE);
    p = store_be(p, c->request.cookie);
    p = store_be(p, std::uint32_t{0});
  }
  c->header_length = static_cast<std::size_t>(p - c->header.data());

  std::unique_lock lock(out_lock_);
  out_queue_.push_back(c);
  if (writing_) return;  // the thread writing now picks it up
  if (t_reading == this && out_queue_.size() < MAX_HELD_REPLIES) return;  // sent before the next read
  writing_ = true;
  drain(lock, /*may_block=*/false);
}

void Connection::send_held_replies() {
  std::unique_lock lock(out_lock_);
  if (writing_ || out_queue_.empty()) return;
  writing_ = true;
  drain(lock, /*may_block=*/false);
}

void Connection::release_batch() {
  for (Command* c : writing_batch_) release(c);
  writing_batch_.clear();
}

bool Connection::send_pending(bool may_block) {
  while (iov_next_ < iov_.size()) {
    if (broken_.load(std::memory_order_relaxed)) break;
    const int count = static_cast<int>(std::min<std::size_t>(iov_.size() - iov_next_, IOV_MAX));
    ssize_t n = transport_->send_some(iov_.data() + iov_next_, count, may_block);
    if (n < 0) {
      if ((n == -EAGAIN || n == -EWOULDBLOCK) && !may_block) return false;
      // The client is gone: wake the reader so the connection winds down.
      broken_ = true;
      ::shutdown(fd_, SHUT_RDWR);
      break;
    }
    auto done = static_cast<std::size_t>(n);
    while (iov_next_ < iov_.size() && done >= iov_[iov_next_].iov_len) done -= iov_[iov_next_++].iov_len;
    if (done > 0) {
      iov_[iov_next_].iov_base = static_cast<char*>(iov_[iov_next_].iov_base) + done;
      iov_[iov_next_].iov_len -= done;
    }
  }
  return true;
}

void Connection::drain(std::unique_lock<std::mutex>& lock, bool may_block) {
  while (!out_queue_.empty()) {
    writing_batch_.swap(out_queue_);
    lock.unlock();
    iov_.clear();
    iov_next_ = 0;
    for (Command* c : writing_batch_) {
      iov_.push_back({c->header.data(), c->header_length});
      if (c->data_length) iov_.push_back({c->buffer.data(), c->data_length});
    }
    if (!send_pending(may_block)) {
      lock.lock();
      handoff_ = true;
      writer_wake_.notify_one();
      return;  // writing_ stays set: the writer thread owns the batch now
    }
    release_batch();
    lock.lock();
  }
  writing_ = false;
  writer_idle_.notify_all();  // run() may be waiting to tear the connection down
}

void Connection::writer_loop() {
  std::unique_lock lock(out_lock_);
  for (;;) {
    writer_wake_.wait(lock, [&] { return handoff_ || stop_writer_; });
    if (!handoff_) return;
    handoff_ = false;
    lock.unlock();
    send_pending(/*may_block=*/true);
    release_batch();
    lock.lock();
    drain(lock, /*may_block=*/true);
  }
}

void Connection::run() {
  std::thread writer([this] { writer_loop(); });
  std::array<std::byte, REQUEST_HEADER_SIZE> header;
  // This thread blocks on the socket anyway: small buffered file writes run
  // here rather than paying a hand-over to the write pool.
  io::InlineWrites inline_writes;
  t_reading = this;
  while (!broken_) {
    if (read_bytes(header.data(), header.size()) != 0) break;
    auto decoded = decode_request(header);
    if (!decoded) break;  // a desynchronised stream cannot be recovered
    const NbdRequest& r = *decoded;
    if (r.type == CMD_DISC && !r.error) break;

    Command* c = take_command();
    c->request = r;
    c->flush_after = false;
    c->io = io::Request{};
    c->io.context = c;
    c->io.done = &Connection::on_done;

    if (r.type == CMD_WRITE) {
      if (r.length > MAX_PAYLOAD) {  // cannot hold the payload: give up on the client
        release(c);
        break;
      }
      if (r.error) {  // the payload is read past, to stay in step
        if (skip_bytes(r.length) != 0) {
          release(c);
          break;
        }
        reply_now(c, r.error);
        continue;
      }
      // Back-pressure: the payload stays in the socket while over the limits.
      if (!reserve(c, r.length)) {
        release(c);
        break;
      }
      if (!c->buffer.grow(r.length)) {
        if (skip_bytes(r.length) != 0) {
          release(c);
          break;
        }
        reply_now(c, ENOMEM);
        continue;
      }
      if (r.length > 0 && read_bytes(c->buffer.data(), r.length) != 0) {
        release(c);
        break;
      }
    }

    // Alignment, read-only and the device's end are checked once, by the
    // core (MappedDevice::submit); on_done turns its answers into NBD's.
    const bool writes = r.type == CMD_WRITE || r.type == CMD_TRIM || r.type == CMD_WRITE_ZEROES;
    int error = 0;
    if (r.error) {
      error = r.error;
    } else if (r.type != CMD_READ && r.type != CMD_FLUSH && !writes) {
      error = EINVAL;  // CACHE, BLOCK_STATUS, RESIZE: not advertised
    } else if (r.type == CMD_READ && r.length > MAX_PAYLOAD) {
      error = EINVAL;
    } else if (r.flags & CMD_FLAG_FAST_ZERO) {
      // udm cannot promise that zeroing is cheaper than writing zeroes.
      error = r.type == CMD_WRITE_ZEROES ? ENOTSUP : EINVAL;
    }
    if (error) {
      reply_now(c, error);
      continue;
    }

    // Back-pressure: no buffer and no further requests while over the limits.
    if (r.type == CMD_READ && !reserve(c, r.length)) {
      release(c);
      break;
    }
    switch (r.type) {
      case CMD_READ:
        if (!c->buffer.grow(r.length)) {
          reply_now(c, ENOMEM);
          continue;
        }
        c->io.op = io::Op::read;
        c->io.data = c->buffer.data();
        break;
      case CMD_WRITE:
        c->io.op = io::Op::write;
        c->io.data = c->buffer.data();
        c->io.fua = r.flags & CMD_FLAG_FUA;
        break;
      case CMD_FLUSH:
        c->io.op = io::Op::flush;
        break;
      case CMD_TRIM:
        c->io.op = io::Op::discard;
        c->flush_after = r.flags & CMD_FLAG_FUA;
        break;
      case CMD_WRITE_ZEROES:
        c->io.op = io::Op::write_zeroes;
        c->flush_after = r.flags & CMD_FLAG_FUA;
        break;
    }
    if (r.type != CMD_FLUSH) {
      c->io.offset = r.offset;
      c->io.length = r.length;
    }
    if (r.type == CMD_WRITE && in_end_ - in_begin_ >= REQUEST_HEADER_SIZE) {
      // More requests are already here (a deep queue): this write goes to
      // the write pool and runs beside the next ones instead of before them.
      // At queue depth 1 it runs right here (no hand-over, no wake-up).
      io::InlineWrites to_pool(0);
      device_->submit(&c->io);
      continue;
    }
    device_->submit(&c->io);
  }
  t_reading = nullptr;
  send_held_replies();
  // Every submitted request completes (a suspended device holds them until
  // resume); replies to a vanished client are dropped.
  {
    std::unique_lock lock(free_lock_);
    drained_.wait(lock, [&] { return in_flight_ == 0; });
  }
  // The thread that released the last command may still be inside drain():
  // wait until it has let go of the connection.
  {
    std::unique_lock lock(out_lock_);
    writer_idle_.wait(lock, [&] { return !writing_; });
    stop_writer_ = true;
    writer_wake_.notify_one();
  }
  writer.join();
}

}  // namespace udm::exports::nbd

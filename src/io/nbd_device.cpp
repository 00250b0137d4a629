#include "io/nbd_device.hpp"

#include <libnbd.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "io/nbd_session.hpp"

namespace udm::io {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<long> g_hold_s{30};

// Request::scratch while the request belongs to an NbdDevice:
//   next     queue link (waiting list)
//   flags    NBD commands of this request still outstanding
//   retries  LOST | error of the first failed command (errno, low 16 bits)
//   done     phase: 0 the request itself, 1 the flush that emulates FUA
constexpr std::uint32_t LOST = 1u << 31;
constexpr std::uint32_t ERR_MASK = 0xffff;

constexpr std::uint64_t TRIM_CHUNK = std::uint64_t{1} << 30;  // below the protocol's 32-bit length
constexpr std::size_t ZERO_CHUNK = std::size_t{1} << 20;

const std::byte* zero_buffer() {
  static const std::vector<std::byte> zeros(ZERO_CHUNK);
  return zeros.data();
}

// Errors that mean the connection went away, not that the server refused.
bool transport_error(int e) {
  return e == ENOTCONN || e == ECONNRESET || e == EPIPE || e == ESHUTDOWN || e == ECONNABORTED || e == ETIMEDOUT;
}

struct Fifo {
  Request* head = nullptr;
  Request* tail = nullptr;
  std::size_t count = 0;
  bool empty() const { return head == nullptr; }
  void push_back(Request* r) {
    r->scratch.next = nullptr;
    if (tail) tail->scratch.next = r;
    else head = r;
    tail = r;
    ++count;
  }
  void push_front(Request* r) {
    r->scratch.next = head;
    head = r;
    if (!tail) tail = r;
    ++count;
  }
  Request* pop() {
    Request* r = head;
    head = r->scratch.next;
    if (!head) tail = nullptr;
    r->scratch.next = nullptr;
    --count;
    return r;
  }
  void append(Fifo& other) {
    while (!other.empty()) push_back(other.pop());
  }
};

class NbdDevice final : public BlockDevice {
 public:
  NbdDevice(NbdUri uri, NbdHandlePtr h, const NbdOpenOptions& o, std::chrono::seconds hold, int wake_fd, int stop_fd)
      : uri_(std::move(uri)),
        h_(std::move(h)),
        props_(nbd_properties(h_.get())),
        first_(props_),
        read_only_(o.read_only || props_.read_only),
        max_in_flight_(std::max(1u, o.max_in_flight)),
        hold_(hold),
        wake_fd_(wake_fd),
        stop_fd_(stop_fd) {
    thread_ = std::thread([this] { run(); });
  }

  ~NbdDevice() override {
    stop_.store(true);
    const std::uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    (void)!::write(wake_fd_, &one, sizeof one);
    thread_.join();
    ::close(wake_fd_);
    ::close(stop_fd_);
  }

  byte_count size() const override { return first_.size; }
  std::string table_name() const override { return uri_.given; }
  DevNo devno() const override { return {}; }
  bool read_only() const override { return read_only_; }

  DeviceLimits limits() const override {
    DeviceLimits l;
    l.logical_block_size = std::max<std::uint32_t>(512, first_.min_block);
    l.physical_block_size = std::max(l.logical_block_size, std::min<std::uint32_t>(first_.preferred_block, 65536));
    l.io_min = l.physical_block_size;
    l.discard_granularity = first_.can_trim ? l.logical_block_size : 0;
    l.write_zeroes = true;  // passed through, or zeros written
    return l;
  }

  void submit(Request* r) override {
    const bool modifies = r->op == Op::write || r->op == Op::discard || r->op == Op::write_zeroes;
    if (modifies && read_only_) return r->complete(-EROFS);
    if (r->op != Op::flush) {
      const std::uint64_t unit = std::max<std::uint64_t>(SECTOR_SIZE, first_.min_block);
      if ((r->offset | r->length) % unit != 0) return r->complete(-EINVAL);
      if (r->offset > first_.size || r->length > first_.size - r->offset) return r->complete(-EIO);
      if (r->length == 0) return r->complete(0);
    }
    r->scratch = {};
    r->scratch.owner = this;
    bool wake;
    {
      std::lock_guard g(lock_);
      incoming_.push_back(r);
      wake = !wake_pending_;
      wake_pending_ = true;
    }
    if (wake) {
      const std::uint64_t one = 1;
      (void)!::write(wake_fd_, &one, sizeof one);
    }
  }

 private:
  // ------------------------------------------------------------ event thread

  void log(const std::string& what) const {
    std::fprintf(stderr, "udmd: nbd %s: %s\n", uri_.given.c_str(), what.c_str());
  }

  std::uint64_t chunk_size(const Request* r) const {
    const std::uint64_t unit = std::max<std::uint64_t>(SECTOR_SIZE, props_.min_block);
    switch (r->op) {
      case Op::read:
      case Op::write: return props_.max_payload;
      case Op::discard: return TRIM_CHUNK / unit * unit;
      case Op::write_zeroes:
        return props_.can_zero ? TRIM_CHUNK / unit * unit
                               : std::max<std::uint64_t>(unit, std::min<std::uint64_t>(props_.max_payload, ZERO_CHUNK) / unit * unit);
      case Op::flush: break;
    }
    return 0;
  }

  std::uint32_t commands_of(const Request* r) const {
    if (r->scratch.done == 1 || r->op == Op::flush) return 1;
    const std::uint64_t c = chunk_size(r);
    return static_cast<std::uint32_t>(std::min<std::uint64_t>((r->length + c - 1) / c, UINT32_MAX));
  }

  static int on_complete(void* user, int* error) {
    auto* r = static_cast<Request*>(user);
    auto* self = static_cast<NbdDevice*>(const_cast<void*>(r->scratch.owner));
    self->command_done(r, *error);
    return 1;  // retire the command
  }

  void command_done(Request* r, int error) {
    if (closing_) return;  // the handle is being closed; the request was taken back already
    --in_flight_commands_;
    if (error != 0) {
      if (transport_error(error)) r->scratch.retries |= LOST;
      else if ((r->scratch.retries & ERR_MASK) == 0) r->scratch.retries |= static_cast<std::uint32_t>(error) & ERR_MASK;
    }
    if (--r->scratch.flags == 0) finish(r);
  }

  // No libnbd call here: it runs inside libnbd's callbacks.
  void finish(Request* r) {
    in_flight_.erase(r);
    const std::uint32_t status = r->scratch.retries;
    r->scratch.retries = 0;
    if (status & LOST) return waiting_.push_front(r);  // resent whole after the reconnect
    if (const int e = static_cast<int>(status & ERR_MASK)) return r->complete(-e);
    if (r->op == Op::write && r->fua && !props_.can_fua && props_.can_flush && r->scratch.done == 0) {
      r->scratch.done = 1;  // FUA the server lacks: flush after the write
      return waiting_.push_front(r);
    }
    r->complete(0);
  }

  // Sends every NBD command of `r`; a command libnbd refuses counts as done
  // with its error (a lost connection: the request is held).
  void issue(Request* r) {
    nbd_completion_callback cb{.callback = on_complete, .user_data = r, .free = nullptr};
    nbd_handle* h = h_.get();
    std::uint32_t sent = 0;
    int failed = 0;
    auto one = [&](std::int64_t cookie) {
      if (cookie == -1) {
        failed = nbd_last_errno();
        return false;
      }
      ++sent;
      return true;
    };
    const bool flush_only = r->scratch.done == 1 || r->op == Op::flush;
    if (r->op == Op::discard && !props_.can_trim) return r->complete(0);  // advisory: nothing to do
    if (flush_only && !props_.can_flush) return r->complete(0);  // nothing the server would keep
    // One count more than commands while sending: a completion libnbd might
    // run inside a later nbd_aio_* call cannot finish the request under us.
    const std::uint32_t expected = commands_of(r);
    r->scratch.flags = expected + 1;
    in_flight_.insert(r);
    if (flush_only) {
      one(nbd_aio_flush(h, cb, 0));
    } else {
      const std::uint64_t step = chunk_size(r);
      for (std::uint64_t at = 0; at < r->length; at += step) {
        const std::uint64_t len = std::min(step, r->length - at);
        const std::uint64_t off = r->offset + at;
        std::int64_t cookie = -1;
        switch (r->op) {
          case Op::read: cookie = nbd_aio_pread(h, r->data + at, len, off, cb, 0); break;
          case Op::write:
            cookie = nbd_aio_pwrite(h, r->data + at, len, off, cb, r->fua && props_.can_fua ? LIBNBD_CMD_FLAG_FUA : 0);
            break;
          case Op::discard: cookie = nbd_aio_trim(h, len, off, cb, 0); break;
          case Op::write_zeroes:
            cookie = props_.can_zero ? nbd_aio_zero(h, len, off, cb, 0) : nbd_aio_pwrite(h, zero_buffer(), len, off, cb, 0);
            break;
          case Op::flush: break;
        }
        if (!one(cookie)) break;
      }
    }
    in_flight_commands_ += sent;
    if (failed) {
      if (transport_error(failed) || !h_ || nbd_aio_is_dead(h) || nbd_aio_is_closed(h)) r->scratch.retries |= LOST;
      else if ((r->scratch.retries & ERR_MASK) == 0) r->scratch.retries |= static_cast<std::uint32_t>(failed) & ERR_MASK;
    }
    // Commands never sent will not complete: count them as done now.
    const std::uint32_t unsent = expected - std::min(expected, sent);
    r->scratch.flags -= unsent + 1;
    if (r->scratch.flags == 0) finish(r);
  }

  void issue_waiting() {
    // Connected: idle (ready) or sending/receiving (processing); libnbd
    // queues commands issued meanwhile.
    while (!waiting_.empty() && h_ && (nbd_aio_is_ready(h_.get()) || nbd_aio_is_processing(h_.get()))) {
      const std::uint32_t n = commands_of(waiting_.head);
      if (in_flight_commands_ > 0 && in_flight_commands_ + n > max_in_flight_) break;
      issue(waiting_.pop());
    }
  }

  void fail_waiting(int error) {
    Fifo all;
    all.append(waiting_);
    while (!all.empty()) all.pop()->complete(error);
  }

  void connection_lost(const std::string& why) {
    // Requests whose commands libnbd did not retire are taken back too.
    for (Request* r : in_flight_) {
      r->scratch.retries = 0;
      r->scratch.flags = 0;
      waiting_.push_front(r);
    }
    in_flight_.clear();
    in_flight_commands_ = 0;
    closing_ = true;
    h_.reset();
    closing_ = false;
    const auto now = Clock::now();
    lost_at_ = now;
    hold_deadline_ = now + hold_;
    failing_ = hold_.count() == 0;
    next_attempt_ = now;
    backoff_ = std::chrono::milliseconds(100);
    log("connection lost (" + why + "); holding " + std::to_string(waiting_.count) + " request(s) for up to " +
        std::to_string(hold_.count()) + " s while reconnecting");
    if (failing_) {
      log("reconnect hold time is 0: failing " + std::to_string(waiting_.count) + " request(s) with EIO");
      fail_waiting(-EIO);
    }
  }

  void try_reconnect(Clock::time_point now) {
    auto h = nbd_connect(uri_, now + std::chrono::seconds(1), stop_fd_);
    if (!h) {
      // The message starts with the URI, which the log line names already.
      last_reconnect_error_ = h.error().message;
      if (last_reconnect_error_.starts_with(uri_.given + ": ")) last_reconnect_error_.erase(0, uri_.given.size() + 2);
      next_attempt_ = Clock::now() + backoff_;
      backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, std::chrono::seconds(1));
      return;
    }
    h_ = std::move(*h);
    props_ = nbd_properties(h_.get());
    if (props_.size < first_.size)
      log("reconnected export is smaller than before (" + std::to_string(props_.size) + " < " +
          std::to_string(first_.size) + " bytes)");
    const double took = std::chrono::duration<double>(Clock::now() - lost_at_).count();
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", took);
    log(std::string("reconnected after ") + secs + " s; resending " + std::to_string(waiting_.count) + " request(s)");
    failing_ = false;
  }

  void run() {
    pthread_setname_np(pthread_self(), "udm-nbd");
    while (!stop_.load()) {
      std::uint64_t counter;
      (void)!::read(wake_fd_, &counter, sizeof counter);
      {
        std::lock_guard g(lock_);
        waiting_.append(incoming_);
        wake_pending_ = false;
      }
      const auto now = Clock::now();
      int timeout_ms = -1;
      if (h_) {
        issue_waiting();
        if (nbd_aio_is_dead(h_.get()) || nbd_aio_is_closed(h_.get())) {
          connection_lost(nbd_last_error());
          continue;
        }
      } else {
        if (!failing_ && now >= hold_deadline_) {
          failing_ = true;
          log("not reconnected within " + std::to_string(hold_.count()) + " s (" + last_reconnect_error_ +
              "); failing " + std::to_string(waiting_.count) + " request(s) with EIO");
        }
        if (failing_) fail_waiting(-EIO);
        if (now >= next_attempt_) {
          try_reconnect(now);
          if (h_) continue;  // resend at once
        }
        timeout_ms = 50;
      }
      pollfd fds[2] = {{.fd = wake_fd_, .events = POLLIN, .revents = 0}, {.fd = -1, .events = 0, .revents = 0}};
      if (h_) {
        fds[1].fd = nbd_aio_get_fd(h_.get());
        const unsigned dir = nbd_aio_get_direction(h_.get());
        if (dir & LIBNBD_AIO_DIRECTION_READ) fds[1].events |= POLLIN;
        if (dir & LIBNBD_AIO_DIRECTION_WRITE) fds[1].events |= POLLOUT;
      }
      const int n = ::poll(fds, 2, timeout_ms);
      if (n <= 0 || !h_) continue;
      int r = 0;
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) r = nbd_aio_notify_read(h_.get());
      if (r == 0 && (fds[1].revents & POLLOUT)) r = nbd_aio_notify_write(h_.get());
      if (r == -1 || nbd_aio_is_dead(h_.get()) || nbd_aio_is_closed(h_.get()))
        connection_lost(r == -1 ? nbd_last_error() : "the server closed the connection");
    }
    // Stopping: nothing may stay owned by the device.
    {
      std::lock_guard g(lock_);
      waiting_.append(incoming_);
    }
    for (Request* r : in_flight_) waiting_.push_back(r);
    in_flight_.clear();
    closing_ = true;
    h_.reset();
    fail_waiting(-EIO);
  }

  const NbdUri uri_;
  NbdHandlePtr h_;             // event thread only; null while disconnected
  NbdProperties props_;        // of the current connection
  const NbdProperties first_;  // of the first connection: what the device reports
  const bool read_only_;
  const unsigned max_in_flight_;
  const std::chrono::seconds hold_;
  const int wake_fd_;
  const int stop_fd_;

  std::mutex lock_;
  Fifo incoming_;  // under lock_
  bool wake_pending_ = false;  // under lock_

  // Event thread only.
  Fifo waiting_;
  std::unordered_set<Request*> in_flight_;
  std::uint64_t in_flight_commands_ = 0;
  bool closing_ = false;
  bool failing_ = false;
  Clock::time_point lost_at_{}, hold_deadline_{}, next_attempt_{};
  std::chrono::milliseconds backoff_{100};
  std::string last_reconnect_error_;

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

void set_nbd_reconnect_hold(std::chrono::seconds hold) { g_hold_s.store(hold.count()); }
std::chrono::seconds nbd_reconnect_hold() { return std::chrono::seconds(g_hold_s.load()); }

Result<BlockDevicePtr> open_nbd(std::string_view text, const NbdOpenOptions& options) {
  auto uri = parse_nbd_uri(text);
  if (!uri) return fail(uri.error());
  const int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0 || stop_fd < 0) {
    const int e = errno;
    if (wake_fd >= 0) ::close(wake_fd);
    if (stop_fd >= 0) ::close(stop_fd);
    return fail(e, uri->given + ": eventfd: " + std::strerror(e));
  }
  auto h = nbd_connect(*uri, Clock::now() + options.connect_timeout);
  if (!h) {
    ::close(wake_fd);
    ::close(stop_fd);
    return fail(h.error());
  }
  const auto hold = uri->reconnect_hold_s ? std::chrono::seconds(*uri->reconnect_hold_s) : nbd_reconnect_hold();
  return BlockDevicePtr(std::make_shared<NbdDevice>(std::move(*uri), std::move(*h), options, hold, wake_fd, stop_fd));
}

}  // namespace udm::io

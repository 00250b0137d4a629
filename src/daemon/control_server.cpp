#include "daemon/control_server.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/frame.hpp"
#include "daemon/device_restore.hpp"
#include "daemon/frame_reader.hpp"

namespace udm::daemon {

using Clock = std::chrono::steady_clock;

struct ControlServer::Connection {
  enum class Phase {
    reading,  // in the loop's epoll set, reading a frame
    busy,     // a worker runs its command and writes the reply
    parked,   // a DEV_WAIT waits for an event; only hang-ups are watched
  };
  int fd = -1;
  ucred cred{};
  bool allowed = false;
  // Atomic: a worker hands a connection back to the loop by putting it in
  // the epoll set itself and then storing `reading` (release); the loop
  // looks at the rest of the connection only after loading that (acquire).
  std::atomic<Phase> phase{Phase::reading};
  FrameReader reader;
  Clock::time_point frame_start{};
  Clock::time_point last_active{};  // accepted, read from, or answered
  ConnectionState state;
  abi::FrameHeader parked_header{};
  abi::Bytes parked_body;
  // Set by the worker, read by the loop once it has the connection back.
  bool broken = false;       // the reply could not be sent: close
  bool parked_now = false;   // the command was a DEV_WAIT that now waits
};

ControlServer::~ControlServer() { stop(); }

Result<void> ControlServer::start(const std::string& path, int inherited_fd) {
  int fd = inherited_fd;
  owns_path_ = inherited_fd < 0;
  if (inherited_fd >= 0) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return fail(ENAMETOOLONG, "control socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (fd < 0) fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(errno, std::string("socket: ") + std::strerror(errno));
  if (owns_path_) {
    ::unlink(path.c_str());
    mode_t old = ::umask(077);  // the socket is born 0600: no window for others
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int e = errno;
    ::umask(old);
    if (rc != 0) {
      ::close(fd);
      return fail(e, "cannot bind " + path + ": " + std::strerror(e));
    }
    ::chmod(path.c_str(), 0600);
  }
  auto undo = [&](const char* what) {
    int err = errno;
    ::close(fd);
    if (owns_path_) ::unlink(path.c_str());
    if (epoll_fd_ >= 0) ::close(std::exchange(epoll_fd_, -1));
    if (event_fd_ >= 0) ::close(std::exchange(event_fd_, -1));
    return fail(err, std::string(what) + ": " + std::strerror(err));
  };
  if (owns_path_ && ::listen(fd, 128) != 0) return undo(("cannot listen on " + path).c_str());
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return undo("epoll_create1");
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) return undo("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return undo("epoll_ctl");
  ev.data.fd = event_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, event_fd_, &ev) != 0) return undo("epoll_ctl");
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  path_ = path;
  listen_fd_ = fd;
  // Grows to the bound as commands block (a suspend may wait for another
  // device's resume, which needs a thread of its own); idle threads beyond
  // the first go after 30 s; commands still queued at stop are dropped.
  pool_ = std::make_unique<io::WorkerPool>(io::WorkerPool::Options{
      .name = "udm-cmd",
      .min_threads = 1,
      .max_threads = static_cast<unsigned>(std::max<std::size_t>(limits_.max_command_threads, 1)),
      .idle_exit = std::chrono::seconds(30),
      .drain_on_stop = false,
      .on_saturated =
          [this](unsigned threads, std::size_t waiting) {
            log_.info("control: all {} command threads are busy; {} command(s) wait for one", threads, waiting);
          },
  });
  loop_thread_ = std::thread([this] { loop(); });
  return {};
}

void ControlServer::stop() {
  if (listen_fd_ < 0) return;
  stopping_ = true;
  dispatcher_.cancel_waits();
  std::uint64_t one = 1;
  ssize_t n = ::write(event_fd_, &one, sizeof one);
  (void)n;
  if (loop_thread_.joinable()) loop_thread_.join();
  // What is left is busy on a worker: make its reply fail at once, let the
  // command finish (waits were cancelled, held I/O released by the daemon).
  for (auto& [fd, c] : connections_) ::shutdown(fd, SHUT_RDWR);
  pool_->stop();
  for (auto& [fd, c] : connections_) ::close(fd);
  connections_.clear();
  count_ = 0;
  {
    std::lock_guard g(finished_lock_);
    finished_.clear();
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
  ::close(epoll_fd_);
  ::close(event_fd_);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
  epoll_fd_ = event_fd_ = reserve_fd_ = -1;
  if (owns_path_) ::unlink(path_.c_str());
}

abi::CommandVersion ControlServer::version_of(std::uint32_t command) const {
  return dispatcher_.versions().of(command).value_or(dispatcher_.versions().at(abi::CMD_VERSION));
}

// --- the loop -----------------------------------------------------------------

void ControlServer::loop() {
  epoll_event events[64];
  while (!stopping_) {
    // Parked waits are polled: often while there are any, else just for deadlines.
    int n = ::epoll_wait(epoll_fd_, events, 64, any_parked_ ? 20 : 100);
    if (n < 0) {
      if (errno == EINTR) continue;
      log_.info("control: epoll_wait: {}", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        accept_all();
      } else if (fd == event_fd_) {
        std::uint64_t v;
        ssize_t r = ::read(event_fd_, &v, sizeof v);
        (void)r;
      } else if (auto it = connections_.find(fd); it != connections_.end()) {
        ConnectionPtr c = it->second;
        if (c->phase == Connection::Phase::reading)
          read_from(c);
        else if (c->phase == Connection::Phase::parked)
          close_connection(fd);  // only hang-ups are watched while parked
      }
    }
    take_back();
    if (!stopping_) check_deadlines();
  }
  take_back();
  // Shutdown: parked waits get their EINTR, idle connections are closed.
  std::vector<int> idle;
  for (auto& [fd, c] : connections_) {
    if (c->phase == Connection::Phase::busy) continue;
    if (c->phase == Connection::Phase::parked) {
      CommandReply reply = dispatcher_.handle(c->parked_header.command, c->parked_body, c->state);
      (void)send_reply(*c, c->parked_header.command, reply.error, reply.body, false);
    }
    idle.push_back(fd);
  }
  for (int fd : idle) close_connection(fd);
}

void ControlServer::shed(const std::string& what, const std::string& why) {
  ++shed_since_log_;
  auto now = Clock::now();
  if (why == last_shed_why_ && now - last_shed_log_ < std::chrono::seconds(10)) return;
  last_shed_log_ = now;
  last_shed_why_ = why;
  log_.info("control: {} ({} connection(s) shed since the last such line)", what, shed_since_log_);
  shed_since_log_ = 0;
}

// At the connection limit (or out of descriptors) the connection idle for
// longest (between frames, no command running, no wait parked) makes room:
// idle clients cannot lock out one that has something to say. Its client
// sees EOF and may reconnect.
bool ControlServer::evict_idle(const std::string& why) {
  Connection* oldest = nullptr;
  for (auto& [fd, c] : connections_)
    if (c->phase == Connection::Phase::reading && !c->reader.started() &&
        (!oldest || c->last_active < oldest->last_active))
      oldest = c.get();
  if (!oldest) return false;
  shed(why + ": closing the longest idle control connection, of pid " + std::to_string(oldest->cred.pid), why);
  close_connection(oldest->fd);
  return true;
}

void ControlServer::accept_all() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: the pending connection would wake us forever.
        // Give up the reserve to take it, close it, and take the reserve back.
        const char* why = errno == EMFILE ? "out of file descriptors (EMFILE): closing a new connection"
                                          : "out of file descriptors (ENFILE): closing a new connection";
        if (evict_idle("out of file descriptors")) continue;  // that freed one: accept again
        if (reserve_fd_ >= 0) {
          ::close(reserve_fd_);
          int victim = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
          if (victim >= 0) ::close(victim);
          reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          shed(why, why);
          if (victim >= 0) continue;
        }
        ::poll(nullptr, 0, 50);  // no reserve either: do not spin on the pending connection
        return;
      }
      if (errno != EAGAIN) log_.info("control: accept: {}", std::strerror(errno));
      return;
    }
    auto c = std::make_shared<Connection>();
    c->fd = fd;
    socklen_t len = sizeof c->cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) == 0)
      c->allowed = c->cred.uid == 0 || c->cred.uid == ::geteuid();
    if (connections_.size() >= limits_.max_connections &&
        !evict_idle("the limit of " + std::to_string(limits_.max_connections) +
                    " control connections (--max-connections) is reached")) {
      ::close(fd);
      shed("the limit of " + std::to_string(limits_.max_connections) +
               " control connections (--max-connections) is reached and none is idle: closing a new one from pid " +
               std::to_string(c->cred.pid),
           "limit, none idle");
      continue;
    }
    c->last_active = Clock::now();
    if (!c->allowed)
      log_.info("control: refusing pid {} uid {}: only root and uid {} may use udmd", c->cred.pid, c->cred.uid,
                ::geteuid());
    c->state.fd = fd;
    c->state.park_waits = true;
    c->state.armed_global_event = dispatcher_.global_event_nr();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      log_.info("control: epoll_ctl: {}", std::strerror(errno));
      ::close(fd);
      continue;
    }
    connections_.emplace(fd, std::move(c));
    ++count_;
  }
}

void ControlServer::close_connection(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  connections_.erase(it);
  --count_;
}

// Reads what the socket has of the current frame, never past its end. Runs
// on the loop, or on the worker that owns the connection (linger below).
ControlServer::ReadResult ControlServer::read_frame(Connection& c) {
  std::uint8_t buf[16 << 10];
  for (;;) {
    const std::size_t want = std::min(c.reader.want(), sizeof buf);
    ssize_t n = ::read(c.fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return ReadResult::partial;
      log_.info("control: pid {}: read: {}", c.cred.pid, std::strerror(errno));
      return ReadResult::closed;
    }
    if (n == 0) {
      if (c.reader.started()) log_.info("control: pid {}: connection closed mid-frame", c.cred.pid);
      return ReadResult::closed;
    }
    if (!c.reader.started()) c.frame_start = c.last_active = Clock::now();
    if (auto r = c.reader.feed({buf, static_cast<std::size_t>(n)}); !r) {
      log_.info("control: pid {}: {}; closing the connection", c.cred.pid, r.error().message);
      const std::uint32_t command = c.reader.header().command;
      (void)send_reply(c, command, EINVAL, abi::encode_error_body(version_of(command), r.error().message), false);
      return ReadResult::closed;
    }
    if (c.reader.state() == FrameReader::State::complete) return ReadResult::complete;
  }
}

void ControlServer::read_from(const ConnectionPtr& c) {
  switch (read_frame(*c)) {
    case ReadResult::partial:
      return;
    case ReadResult::closed:
      return close_connection(c->fd);
    case ReadResult::complete: {
      abi::FrameHeader h = c->reader.header();
      return submit(c, h, c->reader.take_body());
    }
  }
}

void ControlServer::submit(const ConnectionPtr& c, abi::FrameHeader header, abi::Bytes body) {
  // Out of the epoll set while a worker owns it: one command at a time per
  // connection, and a hang-up is noticed when the reply is written.
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  c->phase = Connection::Phase::busy;
  ++busy_;
  ++queued_;
  pool_->post([this, c, header, body = std::move(body)]() mutable {
    --queued_;
    serve(c, header, std::move(body));
  });
}

// Runs the command, then keeps the connection for the client's next frame
// for a moment: a client issuing commands back to back (create, load,
// resume, the next device...) is then served by this thread alone, one
// wake-up per command instead of three (the loop's, a worker's, the loop's
// again to take the connection back), which on a loaded machine is most of
// a command's time. Not while other commands wait for a worker.
//
// A client that pipelines (its next frame is already there when a command
// is done) has its commands run one after the other with their replies held
// back, then the device records of the lot written (once per device, however
// many of the commands touched it) and the replies sent in one go. Never
// held across a command that may wait (a suspend, DEV_WAIT) or past
// MAX_HELD replies or bytes.
void ControlServer::serve(const ConnectionPtr& c, abi::FrameHeader header, abi::Bytes body) {
  abi::Bytes held;
  std::size_t held_count = 0;
  StateRecorder::Hold records;
  auto send_held = [&] {
    records.flush();
    const bool ok = held.empty() || send_bytes(*c, held, true);
    held.clear();
    held_count = 0;
    return ok;
  };
  for (;;) {
    if (held_count > 0 && may_wait(header, body) && !send_held()) {
      c->broken = true;
      return hand_back(c);
    }
    if (!run_command(c, header, std::move(body), &held)) {
      records.flush();  // a DEV_WAIT parked or the connection broke; nothing was held
      return;
    }
    ++held_count;
    if (held_count < MAX_HELD && held.size() < MAX_HELD_BYTES && !stopping_) {
      auto next = read_frame(*c);  // what the client has sent already, no waiting
      if (next == ReadResult::complete) {
        header = c->reader.header();
        body = c->reader.take_body();
        continue;
      }
      if (next == ReadResult::closed) {
        records.flush();
        c->broken = true;
        return hand_back(c);
      }
    }
    // Idle from the reply on, not from the end of the linger; stamped before
    // the send so a client that replies and connects again is always younger.
    c->last_active = Clock::now();
    if (!send_held()) {
      c->broken = true;
      return hand_back(c);
    }
    // A client may send a frame's header and body apart (two sends, each a
    // wake-up here): keep waiting while they come quickly; whatever comes
    // later is the loop's, under the frame deadline. A few rounds only: a
    // client trickling a frame byte by byte does not keep this thread.
    ReadResult got = ReadResult::partial;
    for (int round = 0; round < LINGER_ROUNDS && got == ReadResult::partial; ++round) {
      if (stopping_ || queued_.load() > 0 || !linger_for_frame(*c)) break;
      got = read_frame(*c);
    }
    if (got == ReadResult::closed) {
      c->broken = true;
      return hand_back(c);
    }
    if (got != ReadResult::complete) break;
    header = c->reader.header();
    body = c->reader.take_body();
  }
  // Back into the epoll set from here, without waking the loop: the phase
  // is stored after epoll_ctl, so an event seen before that is ignored and
  // reported again (level-triggered); the loop never closes a busy connection.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = c->fd;
  if (stopping_ || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->fd, &ev) != 0) return hand_back(c);
  c->phase.store(Connection::Phase::reading, std::memory_order_release);
  --busy_;
}

// Commands that may wait for something else to happen (I/O to drain, an
// event): replies held before them go out first.
bool ControlServer::may_wait(const abi::FrameHeader& header, const abi::Bytes& body) {
  const std::uint32_t nr = header.command & 0xff;
  if (nr == abi::CMD_DEV_WAIT) return true;
  if (nr != abi::CMD_DEV_SUSPEND) return false;
  std::uint32_t flags = 0;
  if (body.size() >= 32) std::memcpy(&flags, body.data() + 28, sizeof flags);
  return (flags & abi::SUSPEND_FLAG) != 0;
}

bool ControlServer::linger_for_frame(Connection& c) {
  pollfd p{c.fd, POLLIN, 0};
  int n;
  do n = ::poll(&p, 1, LINGER_MS);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

void ControlServer::hand_back(const ConnectionPtr& c) {
  {
    std::lock_guard g(finished_lock_);
    finished_.push_back(c);
  }
  std::uint64_t one = 1;
  ssize_t n = ::write(event_fd_, &one, sizeof one);
  (void)n;
}

// Runs one command and sends its reply (appends it to `held` instead, when
// given). False when the connection went back to the loop (a parked
// DEV_WAIT, or the reply could not be sent).
bool ControlServer::run_command(const ConnectionPtr& c, abi::FrameHeader header, abi::Bytes body,
                                abi::Bytes* held) {
  CommandReply reply;
  if (!c->allowed) {
    std::string m = "permission denied: uid " + std::to_string(c->cred.uid) + " may not use udmd";
    reply = {EPERM, abi::encode_error_body(version_of(header.command), m), m};
  } else {
    reply = dispatcher_.handle(header.command, body, c->state);
  }
  if (reply.parked) {
    c->parked_header = header;
    c->parked_body = std::move(body);
    c->parked_now = true;
  } else {
    c->parked_now = false;
    c->state.wait_device = nullptr;
    // SECURE_DATA (keys in a table): wipe our copies of the request, as the kernel does.
    if (body.size() >= 32) {
      std::uint32_t flags;
      std::memcpy(&flags, body.data() + 28, sizeof flags);
      if (flags & abi::SECURE_DATA_FLAG) ::explicit_bzero(body.data(), body.size());
    }
    if (held) {
      if (reply.body.size() > abi::MAX_FRAME_SIZE) c->broken = true;  // as send_reply refuses it
      else append_frame(*held, header.command, reply.error, reply.body);
    } else {
      c->last_active = Clock::now();  // before the send: see the held-replies path
      if (!send_reply(*c, header.command, reply.error, reply.body, true)) c->broken = true;
    }
  }
  if (c->parked_now || c->broken) {
    hand_back(c);
    return false;
  }
  return true;
}

void ControlServer::take_back() {
  std::vector<ConnectionPtr> back;
  {
    std::lock_guard g(finished_lock_);
    back.swap(finished_);
  }
  for (auto& c : back) {
    c->phase = c->parked_now ? Connection::Phase::parked : Connection::Phase::reading;
    --busy_;
    c->parked_now = false;
    // last_active stays the reply's time: stamping the hand-back (after the
    // linger) would make this connection younger than one the client opened
    // after our reply, and the wrong one would be evicted at the limit.
    if (c->broken) {
      close_connection(c->fd);
      continue;
    }
    if (stopping_) continue;  // answered and closed on the way out
    epoll_event ev{};
    ev.events = c->phase == Connection::Phase::parked ? EPOLLRDHUP : EPOLLIN | EPOLLRDHUP;
    ev.data.fd = c->fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->fd, &ev) != 0) close_connection(c->fd);
  }
}

void ControlServer::check_deadlines() {
  const auto now = Clock::now();
  const auto timeout = std::chrono::milliseconds(limits_.frame_timeout_ms);
  std::vector<int> late;
  std::vector<ConnectionPtr> woken;
  any_parked_ = false;
  for (auto& [fd, c] : connections_) {
    if (c->phase == Connection::Phase::parked) any_parked_ = true;
    if (c->phase == Connection::Phase::reading && c->reader.started() && now - c->frame_start > timeout) {
      log_.info("control: pid {}: a frame was not complete after {} ms ({} bytes buffered); closing the connection",
                c->cred.pid, limits_.frame_timeout_ms, c->reader.buffered());
      late.push_back(fd);
    } else if (c->phase == Connection::Phase::parked && c->state.wait_device &&
               c->state.wait_device->event_nr() != c->state.wait_event) {
      woken.push_back(c);
    }
  }
  for (int fd : late) close_connection(fd);
  for (auto& c : woken) submit(c, c->parked_header, std::move(c->parked_body));
}

void ControlServer::append_frame(abi::Bytes& out, std::uint32_t command, std::uint32_t error, abi::ByteView body) {
  const std::size_t at = out.size();
  out.resize(at + sizeof(abi::FrameHeader) + body.size());
  abi::FrameHeader h{abi::FRAME_MAGIC, command, static_cast<std::uint32_t>(body.size()), error};
  std::memcpy(out.data() + at, &h, sizeof h);
  if (!body.empty()) std::memcpy(out.data() + at + sizeof h, body.data(), body.size());
}

// Sends one reply frame. `wait`: poll while the peer's buffer is full, up to
// the frame timeout (a client that does not read its reply is dropped);
// else one non-blocking attempt (error replies on the way out).
bool ControlServer::send_reply(Connection& c, std::uint32_t command, std::uint32_t error, abi::ByteView body,
                               bool wait) {
  if (body.size() > abi::MAX_FRAME_SIZE) return false;
  abi::Bytes out;
  append_frame(out, command, error, body);
  return send_bytes(c, out, wait);
}

// Sends whole frames (one or more replies).
bool ControlServer::send_bytes(Connection& c, abi::ByteView out, bool wait) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(limits_.frame_timeout_ms);
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::send(c.fd, out.data() + done, out.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && wait && !stopping_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        log_.info("control: pid {}: reply not read within {} ms; closing the connection", c.cred.pid,
                  limits_.frame_timeout_ms);
        return false;
      }
      pollfd p{c.fd, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace udm::daemon

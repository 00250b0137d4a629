#include "daemon/control_server.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/frame.hpp"

namespace udm::daemon {

ControlServer::~ControlServer() { stop(); }

Result<void> ControlServer::start(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return fail(ENAMETOOLONG, "control socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errno, std::string("socket: ") + std::strerror(errno));
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
  if (::listen(fd, 64) != 0) {
    e = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return fail(e, "cannot listen on " + path + ": " + std::strerror(e));
  }
  if (::pipe2(wake_fd_, O_CLOEXEC) != 0) {
    e = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return fail(e, std::string("pipe: ") + std::strerror(e));
  }
  path_ = path;
  listen_fd_ = fd;
  acceptor_ = std::thread([this] { accept_loop(); });
  return {};
}

void ControlServer::stop() {
  if (listen_fd_ < 0) return;
  stopping_ = true;
  dispatcher_.cancel_waits();
  char b = 1;
  ssize_t n = ::write(wake_fd_[1], &b, 1);
  (void)n;
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard g(lock_);
    for (auto& c : connections_) ::shutdown(c.fd, SHUT_RDWR);  // unblocks their reads
  }
  for (auto& c : connections_)
    if (c.thread.joinable()) c.thread.join();
  for (auto& c : connections_) ::close(c.fd);
  connections_.clear();
  ::close(listen_fd_);
  listen_fd_ = -1;
  ::close(wake_fd_[0]);
  ::close(wake_fd_[1]);
  ::unlink(path_.c_str());
}

std::size_t ControlServer::connection_count() const {
  std::lock_guard g(lock_);
  return connections_.size();
}

void ControlServer::reap_finished() {
  std::lock_guard g(lock_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->finished) {
      it->thread.join();
      ::close(it->fd);
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void ControlServer::accept_loop() {
  while (!stopping_) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_[0], POLLIN, 0}};
    if (::poll(p, 2, 1000) < 0 && errno != EINTR) {
      log_.info("control: poll: {}", std::strerror(errno));
      break;
    }
    reap_finished();
    if (stopping_ || p[1].revents) break;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
        log_.info("control: accept: {}", std::strerror(errno));
        if (errno == EMFILE || errno == ENFILE) ::poll(nullptr, 0, 100);  // let fds free up
      }
      continue;
    }
    std::lock_guard g(lock_);
    auto& c = connections_.emplace_back();
    c.fd = fd;
    c.thread = std::thread([this, &c] {
      serve(c);
      c.finished = true;
    });
  }
}

void ControlServer::serve(Connection& c) {
  ucred cred{};
  socklen_t len = sizeof cred;
  bool allowed = false;
  if (::getsockopt(c.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
    allowed = cred.uid == 0 || cred.uid == ::geteuid();
  if (!allowed)
    log_.info("control: refusing pid {} uid {}: only root and uid {} may use udmd", cred.pid, cred.uid, ::geteuid());
  ConnectionState state;
  state.fd = c.fd;
  state.armed_global_event = dispatcher_.global_event_nr();
  while (!stopping_) {
    auto header = abi::read_frame_header(c.fd);
    if (!header) {
      if (header.error().code != ENODATA && !stopping_) log_.info("control: {}", header.error().message);
      return;
    }
    const auto version = dispatcher_.versions().of(header->command).value_or(
        dispatcher_.versions().at(abi::CMD_VERSION));
    if (auto ok = abi::check_frame_header(*header); !ok) {
      log_.info("control: pid {}: {}; closing the connection", cred.pid, ok.error().message);
      (void)abi::write_frame(c.fd, header->command, EINVAL, abi::encode_error_body(version, ok.error().message));
      return;
    }
    abi::Bytes body(header->size);
    if (auto r = abi::read_exact(c.fd, body); !r) return;
    CommandReply reply;
    if (!allowed) {
      std::string m = "permission denied: uid " + std::to_string(cred.uid) + " may not use udmd";
      reply = {EPERM, abi::encode_error_body(version, m), m};
    } else {
      reply = dispatcher_.handle(header->command, body, state);
    }
    // SECURE_DATA (keys in a table): wipe our copies of the request, as the kernel does.
    if (body.size() >= 32) {
      std::uint32_t flags;
      std::memcpy(&flags, body.data() + 28, sizeof flags);
      if (flags & abi::SECURE_DATA_FLAG) ::explicit_bzero(body.data(), body.size());
    }
    if (auto w = abi::write_frame(c.fd, header->command, reply.error, reply.body); !w) return;
  }
}

}  // namespace udm::daemon

#include "exports/nbd/server.hpp"

#include <cstring>
#include <list>
#include <malloc.h>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <set>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include "exports/nbd/connection.hpp"
#include "exports/nbd/handshake.hpp"
#include "exports/nbd/queue_budget.hpp"
#include "exports/nbd/tls.hpp"
#include "exports/nbd/transport.hpp"

namespace udm::exports::nbd {

namespace {
Error errno_error(const std::string& what) {
  int e = errno;
  return Error{e, what + ": " + std::strerror(e)};
}
}  // namespace

struct Server::Impl {
  core::DeviceRegistry& registry;
  ServerOptions options;
  QueueBudget budget;
  std::vector<int> listeners;
  std::vector<bool> listener_is_tcp;  // parallel to listeners
  std::string unix_path;
  int wake_fd = -1;
  std::thread acceptor;
  bool started = false;

  struct Client {
    std::thread thread;
    int fd = -1;
    bool tcp = false;
    bool done = false;
  };
  std::mutex lock;
  std::list<Client> clients;  // list: stable addresses for the threads
  bool stopping = false;

  Impl(core::DeviceRegistry& r, ServerOptions o)
      : registry(r), options(std::move(o)), budget(options.max_queued_bytes_total) {}

  void accept_loop();
  void serve(Client* client);
  void reap_finished();
};

void Server::Impl::serve(Client* client) {
  int fd = client->fd;
  SocketTransport plain(fd);
  NbdSecurity security{options.tls, client->tcp && options.tls};
  auto negotiated = negotiate(plain, registry, security);
  if (negotiated) {
    auto device = negotiated->device;  // opened by negotiate()
    {
      Connection connection(fd, plain, std::move(*negotiated), {options.max_queued_bytes, &budget});
      connection.run();
    }
    device->close();
  }
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // What a burst of this connection left in malloc's heap goes back. Not under
  // the sanitizers: they own malloc, and glibc's trim then walks arenas it never
  // set up (a SEGV in mtrim).
  ::malloc_trim(0);
#endif
  std::lock_guard g(lock);
  ::close(fd);
  client->fd = -1;
  client->done = true;
}

void Server::Impl::reap_finished() {
  std::list<Client> finished;
  {
    std::lock_guard g(lock);
    for (auto it = clients.begin(); it != clients.end();) {
      auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), clients, it);
      it = next;
    }
  }
  for (auto& c : finished) c.thread.join();
}

void Server::Impl::accept_loop() {
  std::vector<pollfd> fds;
  for (int l : listeners) fds.push_back({l, POLLIN, 0});
  fds.push_back({wake_fd, POLLIN, 0});
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds.back().revents) return;  // stop()
    reap_finished();
    for (std::size_t i = 0; i + 1 < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      int fd = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on Unix sockets
      // Room for several 1 MiB replies, so completions rarely find the socket full.
      int sndbuf = 4 << 20;
      if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
      std::lock_guard g(lock);
      if (stopping) {
        ::close(fd);
        continue;
      }
      auto& client = clients.emplace_back();
      client.fd = fd;
      client.tcp = listener_is_tcp[i];
      client.thread = std::thread([this, c = &client] { serve(c); });
    }
  }
}

Server::Server(core::DeviceRegistry& registry, ServerOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(options))) {}

Server::~Server() { stop(); }

Result<void> Server::listen_unix(const std::string& path, mode_t mode, gid_t group) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return fail(ENAMETOOLONG, path + ": socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errno_error(path));
  ::unlink(path.c_str());  // a stale socket (or a symlink: unlink removes the link itself)
  // Mode and group are set before listen(): no client connects under the umask's mode.
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::chmod(path.c_str(), mode) < 0 ||
      (group != static_cast<gid_t>(-1) && ::lchown(path.c_str(), static_cast<uid_t>(-1), group) < 0) ||
      ::listen(fd, 64) < 0) {
    auto e = errno_error(path);
    ::close(fd);
    return fail(e);
  }
  impl_->listeners.push_back(fd);
  impl_->listener_is_tcp.push_back(false);
  impl_->unix_path = path;
  return {};
}

Result<void> Server::listen_tcp(const std::string& address) {
  if (!impl_->options.tls && !impl_->options.tcp_insecure)
    return fail(EACCES, "nbd listen " + address + ": NBD over TCP needs TLS credentials (or --nbd-insecure)");
  std::string host = "127.0.0.1", port = address;
  if (auto colon = address.rfind(':'); colon != std::string::npos) {
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "127.0.0.1";  // never every interface unless named
  }
  if (port.empty()) return fail(EINVAL, "nbd listen " + address + ": no port");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int r = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); r != 0)
    return fail(EINVAL, "nbd listen " + address + ": " + ::gai_strerror(r));
  Error last{EADDRNOTAVAIL, "nbd listen " + address + ": no usable address"};
  for (addrinfo* a = found; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 64) == 0) {
      impl_->listeners.push_back(fd);
      impl_->listener_is_tcp.push_back(true);
      ::freeaddrinfo(found);
      return {};
    }
    last = errno_error("nbd listen " + address);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return fail(last);
}

Result<void> Server::start() {
  if (impl_->started) return {};
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC);
  if (impl_->wake_fd < 0) return fail(errno_error("nbd: eventfd"));
  impl_->started = true;
  impl_->acceptor = std::thread([this] { impl_->accept_loop(); });
  return {};
}

void Server::stop() {
  if (!impl_) return;
  impl_->budget.shutdown();  // readers waiting for room wake up and end
  if (impl_->started) {
    std::uint64_t one = 1;
    (void)!::write(impl_->wake_fd, &one, sizeof one);
    impl_->acceptor.join();
    impl_->started = false;
    ::close(impl_->wake_fd);
    impl_->wake_fd = -1;
  }
  {
    std::lock_guard g(impl_->lock);
    impl_->stopping = true;
    for (auto& c : impl_->clients)
      if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
  }
  for (auto& c : impl_->clients) c.thread.join();
  impl_->clients.clear();
  for (int fd : impl_->listeners) ::close(fd);
  impl_->listeners.clear();
  impl_->listener_is_tcp.clear();
  if (!impl_->unix_path.empty()) ::unlink(impl_->unix_path.c_str());
  impl_->unix_path.clear();
}

}  // namespace udm::exports::nbd

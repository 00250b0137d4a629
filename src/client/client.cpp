#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "abi/codec.hpp"
#include "client/client_impl.hpp"
#include "client/kernel_backend.hpp"
#include "client/socket_backend.hpp"

namespace udm::client {

namespace {
std::atomic<std::uint32_t> buffer_factor{1};
constexpr std::uint32_t FIRST_OUTPUT_BUFFER = 16 * 1024;
}  // namespace

std::uint32_t output_buffer_size() { return FIRST_OUTPUT_BUFFER * buffer_factor.load(); }
void grow_output_buffer() {
  std::uint32_t f = buffer_factor.load();
  if (f < (1u << 11)) buffer_factor.compare_exchange_strong(f, f * 2);  // up to 32 MiB
}

std::string default_rundir() {
  if (const char* env = std::getenv("UDM_RUNDIR"); env && *env) return env;
  if (::geteuid() == 0) return "/run/udm";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg)
    return std::string(xdg) + "/udm";
  return fmt::format("/tmp/udm-{}", ::geteuid());
}

std::string resolve_rundir(const ConnectOptions& options) {
  return options.rundir.empty() ? default_rundir() : options.rundir;
}

void Client::Impl::trace(const std::string& line) const {
  if (options.trace) options.trace(line);
}

Result<Client::Impl::Exchange> Client::Impl::exchange(abi::Command cmd, const abi::Header& header,
                                                      abi::ByteView payload, bool output, std::string_view driver) {
  std::lock_guard lock(mutex);
  for (;;) {
    auto buf = abi::encode_request(header, payload, output ? output_buffer_size() : 0);
    if (!buf) return fail(buf.error());
    std::string message;
    int error = backend->transact(cmd, *buf, message);
    auto x = take_reply(cmd, header, std::move(*buf), error, std::move(message), output, driver);
    if (!x) return fail(x.error());
    if (*x) return std::move(**x);
    grow_output_buffer();
  }
}

Result<std::optional<Client::Impl::Exchange>> Client::Impl::take_reply(abi::Command cmd, const abi::Header& header,
                                                                       abi::Bytes buffer, int error,
                                                                       std::string message, bool output,
                                                                       std::string_view driver) {
  Exchange x;
  x.error = error;
  x.message = std::move(message);
  auto rv = abi::decode_version(buffer);
  x.reply_version = rv ? *rv : abi::CommandVersion{};
  trace(fmt::format("udm: {} {} -> {} ({} {})", abi::command_id(cmd), header.version.to_string(),
                    x.error ? std::strerror(x.error) : "ok", driver, x.reply_version.to_string()));
  if (x.error) return std::optional(std::move(x));
  auto h = abi::decode_header(buffer);
  if (!h) return fail(with_context(fmt::format("{} reply: ", abi::command_id(cmd)), h.error()));
  if (h->flags & abi::BUFFER_FULL_FLAG) {
    if (!output) return fail(ENOBUFS, "WARNING: libdevmapper buffer too small for data");
    return std::optional<Exchange>();
  }
  if (h->data_size > buffer.size())
    return fail(EPROTO, fmt::format("{} reply: data_size {} is larger than the buffer ({})", abi::command_id(cmd),
                                    h->data_size, buffer.size()));
  x.header = std::move(*h);
  x.buffer = std::move(buffer);
  return std::optional(std::move(x));
}

Result<const detail::DriverVersions*> Client::Impl::driver_versions() {
  std::lock_guard lock(mutex);
  if (versions) return &*versions;
  detail::DriverVersions dv;
  dv.driver = backend->driver_name();
  abi::Header h;
  h.flags = abi::EXISTS_FLAG;
  if (backend->has_command_list()) {
    h.version = detail::required_version(abi::CMD_LIST_COMMANDS, 0);
    auto x = exchange(abi::CMD_LIST_COMMANDS, h, {}, true, dv.driver);
    if (!x) return fail(x.error());
    if (x->error == ECONNRESET && !x->message.empty()) return fail(x->error, x->message);
    if (x->error && x->error != ENOTTY)  // ENOTTY: an older driver: fall back to its global version
      return fail(x->error, fmt::format("{}: list_commands failed: {}{}", dv.driver, std::strerror(x->error),
                                        x->message.empty() ? "" : " (" + x->message + ")"));
    if (!x->error) {
      const abi::Bytes& buf = x->buffer;
      std::size_t end = std::min<std::size_t>(x->header.data_size, buf.size());
      if (x->header.data_start > end) return fail(EPROTO, "list_commands reply: data_start past data_size");
      auto recs = abi::decode_versions(abi::ByteView(buf.data() + x->header.data_start, end - x->header.data_start));
      if (!recs) return fail(with_context("list_commands reply: ", recs.error()));
      for (const auto& r : *recs)
        if (const auto* info = abi::find_command_by_name(r.name)) dv.per_command[info->command] = r.version;
      versions = std::move(dv);
      return &*versions;
    }
  }
  h.version = detail::required_version(abi::CMD_VERSION, 0);
  auto x = exchange(abi::CMD_VERSION, h, {}, true, dv.driver);
  if (!x) return fail(x.error());
  if (x->error)
    return fail(x->error, fmt::format("device-mapper: version ioctl on  failed: {}", std::strerror(x->error)));
  auto v = abi::decode_version(x->buffer);
  if (!v) return fail(v.error());
  dv.global = *v;
  versions = std::move(dv);
  return &*versions;
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;
Backend& Client::backend() { return *impl_->backend; }
const std::string& Client::rundir() const { return impl_->rundir; }

std::unique_ptr<Client> Client::with_backend(std::unique_ptr<Backend> backend,
                                             ConnectOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->backend = std::move(backend);
  impl->rundir = resolve_rundir(options);
  if (options.claims.empty()) {
    if (const char* env = std::getenv("UDM_CLIENT_CLAIM"); env && *env) {
      // A bad claim is a test bug; say so on stderr and ignore it.
      if (auto c = detail::parse_claims(env)) options.claims = *c;
      else std::cerr << c.error().message << '\n';
    }
  }
  if (const char* t = std::getenv("UDM_CLIENT_TRACE"); !options.trace && t && *t)
    options.trace = [](const std::string& line) { std::cerr << line << '\n'; };
  impl->options = std::move(options);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<std::unique_ptr<Client>> Client::connect(const ConnectOptions& options) {
  using Kind = ConnectOptions::Kind;
  bool rundir_given = !options.rundir.empty() || std::getenv("UDM_RUNDIR");
  Kind kind = options.kind;
  if (kind == Kind::automatic && !rundir_given) {
    if (auto k = detail::KernelBackend::open(options.control_node))
      return with_backend(std::move(*k), options);
    kind = Kind::udmd;
  }
  if (kind == Kind::kernel) {
    auto k = detail::KernelBackend::open(options.control_node);
    if (!k) return fail(k.error());
    return with_backend(std::move(*k), options);
  }
  std::string rundir = resolve_rundir(options);
  auto socket = detail::control_socket_path(rundir);
  auto b = detail::SocketBackend::connect(socket);
  if (!b) {
    int e = b.error().code;
    bool autostart = options.autostart && !std::getenv("UDM_NO_AUTOSTART");
    if (!autostart || (e != ENOENT && e != ECONNREFUSED))
      return fail(e, fmt::format("cannot reach udmd: {}", b.error().message));
    b = detail::start_udmd_and_connect(rundir);
    if (!b) return fail(b.error().code, fmt::format("cannot start udmd: {}", b.error().message));
  }
  ConnectOptions o = options;
  o.rundir = rundir;
  return with_backend(std::move(*b), o);
}

Result<Version> Client::driver_version_of(const std::string& command) {
  const auto* info = abi::find_command_by_name(command);
  if (!info) return fail(EINVAL, fmt::format("unknown command '{}'", command));
  auto dv = impl_->driver_versions();
  if (!dv) return fail(dv.error());
  auto v = (*dv)->of(info->command);
  if (!v) return fail(ENOTTY, fmt::format("{} has no {}", (*dv)->driver, abi::command_id(info->command)));
  return *v;
}

Version Client::client_version_of(const std::string& command) {
  const auto* info = abi::find_command_by_name(command);
  if (!info) return {};
  return info->version;
}

}  // namespace udm::client

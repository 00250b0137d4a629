// Task: one libdevmapper-style operation, encoded with the abi codec, sent
// with the lowest version that covers what it uses, and decoded.
#include <cerrno>
#include <chrono>
#include <thread>
#include <cstring>

#include <fmt/format.h>

#include "abi/codec.hpp"
#include "base/devno.hpp"
#include "client/client_impl.hpp"
#include "client/versions.hpp"

namespace udm::client {


struct Task::Impl {
  Client* client;
  TaskType type;

  // request
  std::string name, uuid;
  std::optional<DevNumber> devno;
  std::optional<std::uint32_t> persistent_minor;
  std::vector<TableLine> targets;
  bool read_only = false, noflush = false, skip_lockfs = false, query_inactive = false;
  bool deferred_remove = false, want_details = false, retry_remove = false;
  std::uint32_t event_nr = 0;
  std::uint64_t msg_sector = 0;
  std::string message;
  std::optional<std::string> new_name, new_uuid;
  std::string geometry;
  std::string target_type;

  // results
  DeviceInfo info;
  std::vector<TableLine> table;
  std::vector<NameEntry> names;
  std::vector<NamedVersion> versions;
  std::vector<DevNumber> deps;
  std::optional<std::string> reply;
  abi::CommandVersion reply_version{}, sent_version{};
  std::string driver_message;
  int error_code = 0;

  // One request/reply. `buffer` receives the whole reply buffer.
  struct Sent {
    abi::Header header;
    std::vector<std::uint8_t> buffer;
  };
  Result<Sent> send(abi::Command cmd, const char* task_name, abi::Header header,
                    const abi::Bytes& payload, bool output, std::uint32_t feature_flags);
  // send() in its two halves, for the pipeline: the header with the version
  // to send (or why none will do), then the reply read.
  Result<abi::Header> versioned(abi::Command cmd, abi::Header header, std::uint32_t feature_flags,
                                std::string& driver);
  Result<Sent> received(abi::Command cmd, const char* task_name, const abi::Header& header,
                        Client::Impl::Exchange x, const std::string& driver);

  // The request of a task that is one request and the reading of its reply
  // into `info` (run() and run_pipelined both use them).
  struct Step {
    abi::Command cmd;
    const char* task_name;
    abi::Header header;
    abi::Bytes payload;
    std::uint32_t feature_flags = 0;
  };
  Step simple_step(abi::Command cmd, const char* task_name, std::uint32_t flags, abi::Bytes payload = {}) const;
  Result<Step> load_step(const char* task_name) const;
  Result<Step> create_step() const;
  // nullopt: this task is not one request.
  Result<std::optional<Step>> one_step() const;
  Result<void> after_step(const Step& s, Result<Sent> sent);

  abi::Header base_header() const;
  std::string libdm_error(const char* task_name, const abi::Header& h, int err) const;
  // A driver's refusal as libdm words it (or udm's version refusal); keeps
  // the errno and the driver's message for the caller.
  Error driver_error(abi::Command cmd, const char* task_name, const abi::Header& sent, Client::Impl::Exchange x,
                     const std::string& driver);

  Result<void> run();
  Result<void> run_simple(abi::Command cmd, const char* task_name, std::uint32_t flags,
                          const abi::Bytes& payload = {});
  Result<void> run_create();
  Result<void> run_load(const char* task_name);
  Result<void> run_status(abi::Command cmd, const char* task_name, std::uint32_t flags);
  Result<void> run_list();
  Result<void> run_versions(abi::Command cmd, const char* task_name, const std::string& target);
  Result<void> run_deps();
  Result<void> run_message();
  Result<void> run_version();
};

namespace {

constexpr std::uint32_t flag_if(bool on, std::uint32_t flag) { return on ? flag : 0; }

DeviceInfo info_from(const abi::Header& h) {
  DeviceInfo i;
  i.exists = (h.flags & abi::EXISTS_FLAG) != 0;
  i.suspended = h.flags & abi::SUSPEND_FLAG;
  i.read_only = h.flags & abi::READONLY_FLAG;
  i.live_table = h.flags & abi::ACTIVE_PRESENT_FLAG;
  i.inactive_table = h.flags & abi::INACTIVE_PRESENT_FLAG;
  i.deferred_remove = h.flags & abi::DEFERRED_REMOVE_FLAG;
  i.internal_suspend = h.flags & abi::INTERNAL_SUSPEND_FLAG;
  i.open_count = h.open_count;
  i.event_nr = h.event_nr;
  auto dev = DevNo::from_huge(h.dev);
  i.major = dev.major;
  i.minor = dev.minor;
  i.target_count = static_cast<std::int32_t>(h.target_count);
  i.name = h.name;
  i.uuid = h.uuid;
  return i;
}

// libdm doubles every backslash it sends: the driver splits parameters with
// backslash escapes, so the user's backslashes arrive as written.
std::string escape_params(const std::string& params) {
  std::string out;
  out.reserve(params.size());
  for (char c : params) {
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

abi::ByteView payload_of(const std::vector<std::uint8_t>& buffer, const abi::Header& h) {
  std::size_t end = std::min<std::size_t>(h.data_size, buffer.size());
  if (h.data_start >= end) return {};
  return abi::ByteView(buffer.data() + h.data_start, end - h.data_start);
}

}  // namespace

abi::Header Task::Impl::base_header() const {
  abi::Header h;
  h.flags = abi::EXISTS_FLAG;
  if (!uuid.empty()) {
    h.uuid = uuid;
  } else if (!name.empty()) {
    h.name = name;
  } else if (devno) {
    h.dev = DevNo{devno->major, devno->minor}.to_huge();
  }
  h.event_nr = event_nr;
  return h;
}

std::string Task::Impl::libdm_error(const char* task_name, const abi::Header& h, int err) const {
  std::string devpart;
  if (devno && devno->major > 0) devpart = fmt::format("({}:{})", devno->major, devno->minor);
  return fmt::format("device-mapper: {} ioctl on {} {}{} failed: {}", task_name, h.name, h.uuid,
                     devpart, std::strerror(err));
}

Result<abi::Header> Task::Impl::versioned(abi::Command cmd, abi::Header header, std::uint32_t feature_flags,
                                          std::string& driver_name) {
  auto& c = client->impl();
  auto dv = c.driver_versions();
  if (!dv) return fail(dv.error());
  const auto& driver = **dv;
  driver_name = driver.driver;

  abi::CommandVersion needed = detail::required_version(cmd, feature_flags | header.flags);
  abi::CommandVersion send_version = needed;
  if (auto claim = detail::claim_for(c.options.claims, cmd)) {
    send_version = *claim;  // tests: let the driver judge a version it may not know
  } else {
    auto have = driver.of(cmd);
    if (!have)
      return fail(ENOTTY, fmt::format("{} has no {} command", driver.driver, abi::command_id(cmd)));
    std::string_view feature;
    for (const auto& f : abi::FLAG_FEATURES)
      if (f.command == cmd && ((feature_flags | header.flags) & f.flag) && f.minor > have->minor)
        feature = detail::feature_name(cmd, f.flag);
    if (auto ok = detail::check_driver_version(driver, cmd, *have, needed, feature); !ok)
      return fail(ok.error());
  }
  header.version = send_version;
  sent_version = send_version;
  return header;
}

Result<Task::Impl::Sent> Task::Impl::received(abi::Command cmd, const char* task_name, const abi::Header& header,
                                              Client::Impl::Exchange x, const std::string& driver) {
  reply_version = x.reply_version;
  if (x.error) return fail(driver_error(cmd, task_name, header, std::move(x), driver));
  return Sent{std::move(x.header), std::move(x.buffer)};
}

Result<Task::Impl::Sent> Task::Impl::send(abi::Command cmd, const char* task_name,
                                          abi::Header header, const abi::Bytes& payload,
                                          bool output, std::uint32_t feature_flags) {
  std::string driver;
  auto h = versioned(cmd, std::move(header), feature_flags, driver);
  if (!h) return fail(h.error());
  auto x = client->impl().exchange(cmd, *h, payload, output, driver);
  if (!x) return fail(x.error());
  return received(cmd, task_name, *h, std::move(*x), driver);
}

Error Task::Impl::driver_error(abi::Command cmd, const char* task_name, const abi::Header& sent,
                               Client::Impl::Exchange x, const std::string& driver) {
  error_code = x.error;
  driver_message = std::move(x.message);
  if (x.error == ECONNRESET && !driver_message.empty()) return Error{x.error, driver_message};  // the socket, not the driver
  if (x.error == EINVAL)
    if (auto refused = detail::refusal_message(driver, cmd, sent.version, x.reply_version))
      return Error{EINVAL, *refused};
  return Error{x.error, libdm_error(task_name, sent, x.error)};
}

Task::Impl::Step Task::Impl::simple_step(abi::Command cmd, const char* task_name, std::uint32_t flags,
                                         abi::Bytes payload) const {
  abi::Header h = base_header();
  h.flags |= flags;
  return Step{cmd, task_name, std::move(h), std::move(payload), flags};
}

Result<void> Task::Impl::after_step(const Step& s, Result<Sent> sent) {
  if (!sent) {
    // libdm: ENXIO from info/mknodes/status means "does not exist", not failure.
    if (error_code == ENXIO && s.cmd == abi::CMD_DEV_STATUS &&
        sent.error().message.rfind("device-mapper:", 0) == 0) {
      info = DeviceInfo{};
      info.exists = false;
      error_code = 0;
      return {};
    }
    return fail(sent.error());
  }
  info = info_from(sent->header);
  return {};
}

Result<void> Task::Impl::run_simple(abi::Command cmd, const char* task_name, std::uint32_t flags,
                                    const abi::Bytes& payload) {
  Step s = simple_step(cmd, task_name, flags, payload);
  return after_step(s, send(s.cmd, s.task_name, s.header, s.payload, false, s.feature_flags));
}

Result<Task::Impl::Step> Task::Impl::load_step(const char* task_name) const {
  std::vector<abi::TargetSpecText> specs;
  for (const auto& t : targets)
    specs.push_back({t.start, t.length, t.type, escape_params(t.params), 0});
  auto payload = abi::encode_load_specs(specs);
  if (!payload) return fail(payload.error());
  abi::Header h = base_header();
  h.target_count = static_cast<std::uint32_t>(specs.size());
  if (read_only) h.flags |= abi::READONLY_FLAG;
  return Step{abi::CMD_TABLE_LOAD, task_name, std::move(h), std::move(*payload), 0};
}

Result<void> Task::Impl::run_load(const char* task_name) {
  auto s = load_step(task_name);
  if (!s) return fail(s.error());
  return after_step(*s, send(s->cmd, s->task_name, s->header, s->payload, false, s->feature_flags));
}

Result<Task::Impl::Step> Task::Impl::create_step() const {
  abi::Header h = base_header();
  h.name = name;
  h.uuid = uuid;
  h.dev = 0;
  if (persistent_minor) {
    h.flags |= abi::PERSISTENT_DEV_FLAG;
    h.dev = DevNo{0, *persistent_minor}.to_huge();
  }
  if (read_only && targets.empty()) h.flags |= abi::READONLY_FLAG;
  return Step{abi::CMD_DEV_CREATE, "create", std::move(h), {}, 0};
}

Result<std::optional<Task::Impl::Step>> Task::Impl::one_step() const {
  using S = std::optional<Step>;
  switch (type) {
    case TaskType::create: {
      if (!targets.empty()) return S{};
      auto s = create_step();
      if (!s) return fail(s.error());
      return S{std::move(*s)};
    }
    case TaskType::reload: {
      auto s = load_step("reload");
      if (!s) return fail(s.error());
      return S{std::move(*s)};
    }
    case TaskType::remove:
      if (retry_remove) return S{};
      return S{simple_step(abi::CMD_DEV_REMOVE, "remove", flag_if(deferred_remove, abi::DEFERRED_REMOVE_FLAG))};
    case TaskType::suspend:
      return S{simple_step(abi::CMD_DEV_SUSPEND, "suspend",
                           abi::SUSPEND_FLAG | flag_if(noflush, abi::NOFLUSH_FLAG) |
                               flag_if(skip_lockfs, abi::SKIP_LOCKFS_FLAG))};
    case TaskType::resume:
      return S{simple_step(abi::CMD_DEV_SUSPEND, "resume",
                           flag_if(noflush, abi::NOFLUSH_FLAG) | flag_if(skip_lockfs, abi::SKIP_LOCKFS_FLAG))};
    case TaskType::info:
      return S{simple_step(abi::CMD_DEV_STATUS, "info", flag_if(query_inactive, abi::QUERY_INACTIVE_TABLE_FLAG))};
    case TaskType::clear: return S{simple_step(abi::CMD_TABLE_CLEAR, "clear", 0)};
    default: return S{};
  }
}

Result<void> Task::Impl::run_create() {
  auto s = create_step();
  if (!s) return fail(s.error());
  if (auto r = after_step(*s, send(s->cmd, s->task_name, s->header, s->payload, false, 0)); !r) return r;
  if (targets.empty()) return {};

  // create --table is create + load + resume; undo the create if either fails.
  // libdm addresses the new device by its number too, and its messages show it.
  devno = DevNumber{info.major, info.minor};
  std::string saved_uuid = uuid;
  uuid.clear();  // address the new device by name, as the kernel allows one key
  auto loaded = run_load("reload");
  Result<void> resumed;
  if (loaded) resumed = run_simple(abi::CMD_DEV_SUSPEND, "resume", 0);
  if (!loaded || !resumed) {
    Error e = loaded ? resumed.error() : loaded.error();
    int code = error_code;
    std::string dmsg = driver_message;
    auto removed = run_simple(abi::CMD_DEV_REMOVE, "remove", 0);
    if (!removed) e.message += "\nFailed to revert device creation.";
    error_code = code;
    driver_message = dmsg;
    uuid = saved_uuid;
    return fail(e);
  }
  uuid = saved_uuid;
  return {};
}

Result<void> Task::Impl::run_status(abi::Command cmd, const char* task_name, std::uint32_t flags) {
  abi::Header h = base_header();
  h.flags |= flags;
  if (query_inactive) h.flags |= abi::QUERY_INACTIVE_TABLE_FLAG;
  if (noflush) h.flags |= abi::NOFLUSH_FLAG;
  auto sent = send(cmd, task_name, h, {}, true, h.flags & ~abi::EXISTS_FLAG);
  if (!sent) {
    // libdm turns ENXIO into "does not exist" for status, not for table.
    if (error_code == ENXIO && cmd == abi::CMD_TABLE_STATUS && !(flags & abi::STATUS_TABLE_FLAG) &&
        sent.error().message.rfind("device-mapper:", 0) == 0) {
      info = DeviceInfo{};
      error_code = 0;
      return {};
    }
    return fail(sent.error());
  }
  info = info_from(sent->header);
  table.clear();
  if (sent->header.target_count == 0) return {};
  auto specs = abi::decode_status_specs(
      abi::ByteView(sent->buffer.data(), sent->header.data_size), sent->header.data_start,
      sent->header.target_count);
  if (!specs) return fail(with_context(fmt::format("{} reply: ", task_name), specs.error()));
  for (auto& s : *specs) table.push_back({s.start, s.length, s.type, s.text});
  return {};
}

Result<void> Task::Impl::run_list() {
  auto& c = client->impl();
  auto dv = c.driver_versions();
  if (!dv) return fail(dv.error());
  auto have = (*dv)->of(abi::CMD_LIST_DEVICES).value_or(abi::CommandVersion{4, 0, 0});
  // Ask for uuids only from a driver that has them; the rest is filled below.
  bool ask_uuids = want_details && have.minor >= abi::LIST_DEVICES_UUID_MINOR;
  abi::Header h;
  h.flags = abi::EXISTS_FLAG | flag_if(ask_uuids, abi::UUID_FLAG);
  auto sent = send(abi::CMD_LIST_DEVICES, "names", h, {}, true, h.flags & ~abi::EXISTS_FLAG);
  if (!sent) return fail(sent.error());
  // The reply's form follows the version the driver wrote back.
  bool trailer = reply_version.minor >= abi::LIST_DEVICES_EVENT_TRAILER_MINOR;
  bool uuids = ask_uuids && reply_version.minor >= abi::LIST_DEVICES_UUID_MINOR;
  auto list = abi::decode_name_list(payload_of(sent->buffer, sent->header), trailer);
  if (!list) return fail(with_context("names reply: ", list.error()));
  names.clear();
  for (auto& e : *list) {
    NameEntry n;
    n.name = e.name;
    auto dev = DevNo::from_huge(e.dev);
    n.major = dev.major;
    n.minor = dev.minor;
    if (trailer) n.event_nr = e.event_nr;
    if (uuids) n.uuid = e.uuid.value_or("");
    names.push_back(std::move(n));
  }
  if (!want_details) return {};
  // Fallback for older drivers: DEV_STATUS per device for what the list lacked.
  for (auto& n : names) {
    if (n.event_nr && n.uuid) continue;
    Task t(*client, TaskType::info);
    t.set_name(n.name);
    if (auto r = t.run(); !r) return fail(r.error());
    if (!t.info().exists) continue;  // removed meanwhile
    if (!n.event_nr) n.event_nr = t.info().event_nr;
    if (!n.uuid) n.uuid = t.info().uuid;
  }
  return {};
}

Result<void> Task::Impl::run_versions(abi::Command cmd, const char* task_name,
                                      const std::string& target) {
  abi::Header h;
  h.flags = abi::EXISTS_FLAG;
  if (cmd == abi::CMD_GET_TARGET_VERSION) h.name = target;
  auto sent = send(cmd, task_name, h, {}, true, 0);
  if (!sent) return fail(sent.error());
  auto recs = abi::decode_versions(payload_of(sent->buffer, sent->header));
  if (!recs) return fail(with_context(fmt::format("{} reply: ", task_name), recs.error()));
  versions.clear();
  for (auto& r : *recs) versions.push_back({r.name, r.version});
  return {};
}

Result<void> Task::Impl::run_deps() {
  abi::Header h = base_header();
  if (query_inactive) h.flags |= abi::QUERY_INACTIVE_TABLE_FLAG;
  auto sent = send(abi::CMD_TABLE_DEPS, "deps", h, {}, true, h.flags & ~abi::EXISTS_FLAG);
  if (!sent) return fail(sent.error());
  info = info_from(sent->header);
  deps.clear();
  auto payload = payload_of(sent->buffer, sent->header);
  if (payload.empty()) return {};
  auto devs = abi::decode_deps(payload);
  if (!devs) return fail(with_context("deps reply: ", devs.error()));
  for (auto d : *devs) {
    auto dev = DevNo::from_huge(d);
    deps.push_back({dev.major, dev.minor});
  }
  return {};
}

Result<void> Task::Impl::run_message() {
  abi::Header h = base_header();
  auto payload = abi::encode_target_msg({msg_sector, message});
  auto sent = send(abi::CMD_TARGET_MSG, "message", h, payload, true, 0);
  if (!sent) return fail(sent.error());
  info = info_from(sent->header);
  reply.reset();
  if (sent->header.flags & abi::DATA_OUT_FLAG) {
    auto s = abi::decode_string(abi::ByteView(sent->buffer.data(), sent->header.data_size),
                                sent->header.data_start);
    if (!s) return fail(with_context("message reply: ", s.error()));
    reply = std::move(*s);
  }
  return {};
}

Result<void> Task::Impl::run_version() {
  abi::Header h;
  h.flags = abi::EXISTS_FLAG;
  auto& c = client->impl();
  auto dv = c.driver_versions();
  if (!dv) return fail(dv.error());
  abi::CommandVersion v = detail::required_version(abi::CMD_VERSION, 0);
  if (auto claim = detail::claim_for(c.options.claims, abi::CMD_VERSION)) v = *claim;
  h.version = v;
  sent_version = v;
  auto x = c.exchange(abi::CMD_VERSION, h, {}, false, (*dv)->driver);
  if (!x) return fail(x.error());
  reply_version = x->reply_version;
  if (x->error) return fail(driver_error(abi::CMD_VERSION, "version", h, std::move(*x), (*dv)->driver));
  return {};
}

Result<void> Task::Impl::run() {
  error_code = 0;
  driver_message.clear();
  Result<void> r;
  auto step = one_step();
  if (!step) {
    r = fail(step.error());
  } else if (*step) {
    const Step& s = **step;
    r = after_step(s, send(s.cmd, s.task_name, s.header, s.payload, false, s.feature_flags));
  } else switch (type) {
    case TaskType::create: r = run_create(); break;
    case TaskType::remove:
      // --retry: like libdm, retry a busy device (a transient opener) for ~5 s.
      for (int attempt = 0;; ++attempt) {
        r = run_simple(abi::CMD_DEV_REMOVE, "remove", flag_if(deferred_remove, abi::DEFERRED_REMOVE_FLAG));
        if (r || error_code != EBUSY || attempt >= 24) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      break;
    case TaskType::remove_all:
      r = run_simple(abi::CMD_REMOVE_ALL, "remove_all",
                     flag_if(deferred_remove, abi::DEFERRED_REMOVE_FLAG));
      break;
    case TaskType::deps: r = run_deps(); break;
    case TaskType::rename: {
      // The kernel looks the old device up by name only.
      if (!new_name && !new_uuid) return fail(EINVAL, "rename: no new name or uuid given");
      auto payload = abi::encode_string(new_uuid ? *new_uuid : *new_name);
      std::string u = uuid;
      uuid.clear();
      r = run_simple(abi::CMD_DEV_RENAME, "rename", flag_if(new_uuid.has_value(), abi::UUID_FLAG), payload);
      uuid = u;
      break;
    }
    case TaskType::version: r = run_version(); break;
    case TaskType::status: r = run_status(abi::CMD_TABLE_STATUS, "status", 0); break;
    case TaskType::table:
      r = run_status(abi::CMD_TABLE_STATUS, "table", abi::STATUS_TABLE_FLAG);
      break;
    case TaskType::waitevent: r = run_status(abi::CMD_DEV_WAIT, "waitevent", 0); break;
    case TaskType::list: r = run_list(); break;
    case TaskType::list_versions: r = run_versions(abi::CMD_LIST_VERSIONS, "versions", ""); break;
    case TaskType::target_msg: r = run_message(); break;
    case TaskType::set_geometry:
      r = run_simple(abi::CMD_DEV_SET_GEOMETRY, "setgeometry", 0, abi::encode_string(geometry));
      break;
    case TaskType::get_target_version: {
      auto dv = client->impl().driver_versions();
      if (!dv) return fail(dv.error());
      auto have = (*dv)->of(abi::CMD_GET_TARGET_VERSION);
      if (have && have->major == 4 && have->minor >= 41) {
        r = run_versions(abi::CMD_GET_TARGET_VERSION, "target-version", target_type);
      } else {
        // Older drivers: list every target type and pick one.
        r = run_versions(abi::CMD_LIST_VERSIONS, "versions", "");
        if (r) {
          std::erase_if(versions, [&](const NamedVersion& v) { return v.name != target_type; });
          if (versions.empty()) {
            error_code = EINVAL;
            r = fail(EINVAL, fmt::format("device-mapper: target-version ioctl on {}  failed: {}",
                                         target_type, std::strerror(EINVAL)));
          }
        }
      }
      break;
    }
    case TaskType::arm_poll: r = run_simple(abi::CMD_DEV_ARM_POLL, "armpoll", 0); break;
    case TaskType::list_commands:
      r = run_versions(abi::CMD_LIST_COMMANDS, "list_commands", "");
      break;
    default: break;  // one request: above
  }
  if (!r && error_code == 0) error_code = r.error().code;
  return r;
}

Task::Task(Client& client, TaskType type) : impl_(std::make_unique<Impl>()) {
  impl_->client = &client;
  impl_->type = type;
}
Task::~Task() = default;
Task::Task(Task&&) noexcept = default;
Task& Task::operator=(Task&&) noexcept = default;

Task& Task::set_name(std::string name) { impl_->name = std::move(name); return *this; }
Task& Task::set_uuid(std::string uuid) { impl_->uuid = std::move(uuid); return *this; }
Task& Task::set_devno(std::uint32_t major, std::uint32_t minor) {
  impl_->devno = DevNumber{major, minor};
  return *this;
}
Task& Task::set_persistent_minor(std::uint32_t minor) { impl_->persistent_minor = minor; return *this; }
Task& Task::add_target(TableLine line) { impl_->targets.push_back(std::move(line)); return *this; }
Task& Task::set_read_only(bool on) { impl_->read_only = on; return *this; }
Task& Task::set_noflush(bool on) { impl_->noflush = on; return *this; }
Task& Task::set_skip_lockfs(bool on) { impl_->skip_lockfs = on; return *this; }
Task& Task::set_query_inactive(bool on) { impl_->query_inactive = on; return *this; }
Task& Task::set_deferred_remove(bool on) { impl_->deferred_remove = on; return *this; }
Task& Task::set_event_nr(std::uint32_t nr) { impl_->event_nr = nr; return *this; }
Task& Task::set_message(std::uint64_t sector, std::string message) {
  impl_->msg_sector = sector;
  impl_->message = std::move(message);
  return *this;
}
Task& Task::set_new_name(std::string name) { impl_->new_name = std::move(name); return *this; }
Task& Task::set_new_uuid(std::string uuid) { impl_->new_uuid = std::move(uuid); return *this; }
Task& Task::set_geometry(std::string cyl, std::string heads, std::string sectors, std::string start) {
  impl_->geometry = cyl + " " + heads + " " + sectors + " " + start;
  return *this;
}
Task& Task::set_target_type(std::string type) { impl_->target_type = std::move(type); return *this; }
Task& Task::set_want_details(bool on) { impl_->want_details = on; return *this; }
Task& Task::set_retry_remove(bool on) { impl_->retry_remove = on; return *this; }

Result<void> Task::run() { return impl_->run(); }

const DeviceInfo& Task::info() const { return impl_->info; }
const std::vector<TableLine>& Task::table() const { return impl_->table; }
const std::vector<NameEntry>& Task::names() const { return impl_->names; }
const std::vector<NamedVersion>& Task::versions() const { return impl_->versions; }
const std::vector<DevNumber>& Task::deps() const { return impl_->deps; }
const std::optional<std::string>& Task::message_reply() const { return impl_->reply; }
Version Task::driver_version() const { return impl_->reply_version; }
Version Task::sent_version() const { return impl_->sent_version; }
const std::string& Task::driver_message() const { return impl_->driver_message; }
int Task::error_code() const { return impl_->error_code; }

std::vector<Result<void>> run_pipelined(const std::vector<Task*>& tasks) {
  std::vector<Result<void>> results(tasks.size());
  if (tasks.empty()) return results;
  Client::Impl& c = tasks.front()->impl_->client->impl();
  struct Item {
    std::size_t index;
    Task::Impl::Step step;
    abi::Header header;  // as sent
    abi::Bytes buffer;
    std::string driver;
  };
  std::vector<Item> batch;
  auto flush = [&] {
    if (batch.empty()) return;
    std::vector<Backend::Request> requests(batch.size());
    for (std::size_t k = 0; k < batch.size(); ++k) {
      requests[k].nr = batch[k].step.cmd;
      requests[k].buffer = &batch[k].buffer;
    }
    {
      std::lock_guard lock(c.mutex);
      c.backend->transact_many(requests);
    }
    for (std::size_t k = 0; k < batch.size(); ++k) {
      Item& item = batch[k];
      Task::Impl& t = *tasks[item.index]->impl_;
      auto x = c.take_reply(item.step.cmd, item.header, std::move(item.buffer), requests[k].error,
                            std::move(requests[k].driver_message), false, item.driver);
      Result<Task::Impl::Sent> sent =
          x ? t.received(item.step.cmd, item.step.task_name, item.header, std::move(**x), item.driver)
            : Result<Task::Impl::Sent>(fail(x.error()));
      Result<void> r = t.after_step(item.step, std::move(sent));
      if (!r && t.error_code == 0) t.error_code = r.error().code;
      results[item.index] = std::move(r);
    }
    batch.clear();
  };
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    Task::Impl& t = *tasks[i]->impl_;
    t.error_code = 0;
    t.driver_message.clear();
    auto step = t.one_step();
    if (!step || !*step) {  // not one request (or not encodable: run() says why), in its place
      flush();
      results[i] = tasks[i]->run();
      continue;
    }
    Item item{i, std::move(**step), {}, {}, {}};
    auto h = t.versioned(item.step.cmd, item.step.header, item.step.feature_flags, item.driver);
    Result<abi::Bytes> buf = h ? abi::encode_request(*h, item.step.payload, 0) : Result<abi::Bytes>(fail(h.error()));
    if (!buf) {
      t.error_code = buf.error().code;
      results[i] = fail(buf.error());
      continue;
    }
    item.header = std::move(*h);
    item.buffer = std::move(*buf);
    batch.push_back(std::move(item));
  }
  flush();
  return results;
}

}  // namespace udm::client

// The C face of libudm: handles over Client and Task, errors as a code plus
// a per-handle message, nothing thrown across the boundary.
#include "udm/libudm.h"

#include <cerrno>
#include <memory>
#include <mutex>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include <udm/client.hpp>

struct udm_client {
  std::unique_ptr<udm::client::Client> client;
};

struct udm_task {
  udm_client* owner = nullptr;  // nullptr: the process default connection
  int type = 0;
  std::unique_ptr<udm::client::Task> task;
  std::string error;
  // Setters are replayed onto a Task once a connection exists.
  std::vector<std::function<void(udm::client::Task&)>> setup;
  bool ran = false;
};

namespace {

thread_local std::string last_error;
std::mutex default_mutex;
udm_client* default_client = nullptr;

bool valid_type(int type) { return type >= UDM_TASK_CREATE && type <= UDM_TASK_LIST_COMMANDS; }

// Runs `f`, turning any exception into an errno.
template <class F>
int guarded(udm_task* t, F&& f) noexcept {
  if (!t) return EINVAL;
  try {
    return f();
  } catch (const std::bad_alloc&) {
    t->error = "out of memory";
    return ENOMEM;
  } catch (...) {
    t->error = "internal error";
    return EIO;
  }
}

int add_setup(udm_task* t, std::function<void(udm::client::Task&)> f) noexcept {
  return guarded(t, [&] {
    t->setup.push_back(std::move(f));
    return 0;
  });
}

std::string str(const char* p, size_t n) { return p ? std::string(p, n) : std::string(); }

}  // namespace

extern "C" {

int udm_client_open(const char* rundir, size_t rundir_len, udm_client** out) noexcept {
  if (!out) return EINVAL;
  *out = nullptr;
  try {
    udm::client::ConnectOptions o;
    o.rundir = str(rundir, rundir_len);
    if (!o.rundir.empty()) o.kind = udm::client::ConnectOptions::Kind::udmd;
    auto c = udm::client::Client::connect(o);
    if (!c) {
      last_error = c.error().message;
      return c.error().code ? c.error().code : EIO;
    }
    *out = new udm_client{std::move(*c)};
    return 0;
  } catch (...) {
    last_error = "out of memory";
    return ENOMEM;
  }
}

void udm_client_close(udm_client* client) noexcept { delete client; }

const char* udm_last_error(void) noexcept { return last_error.c_str(); }

const char* udm_client_rundir(const udm_client* client) noexcept {
  return client && client->client ? client->client->rundir().c_str() : "";
}

udm_task* udm_task_create_on(udm_client* client, int type) noexcept {
  if (!valid_type(type)) return nullptr;
  try {
    auto* t = new udm_task;
    t->owner = client;
    t->type = type;
    return t;
  } catch (...) {
    return nullptr;
  }
}

udm_task* udm_task_create(int type) noexcept { return udm_task_create_on(nullptr, type); }

void udm_task_destroy(udm_task* task) noexcept { delete task; }

int udm_task_set_name(udm_task* t, const char* name, size_t len) noexcept {
  std::string s = str(name, len);
  return add_setup(t, [s](auto& task) { task.set_name(s); });
}
int udm_task_set_uuid(udm_task* t, const char* uuid, size_t len) noexcept {
  std::string s = str(uuid, len);
  return add_setup(t, [s](auto& task) { task.set_uuid(s); });
}
int udm_task_set_devno(udm_task* t, uint32_t major, uint32_t minor) noexcept {
  return add_setup(t, [=](auto& task) { task.set_devno(major, minor); });
}
int udm_task_add_target(udm_task* t, uint64_t start, uint64_t length, const char* type,
                        size_t type_len, const char* params, size_t params_len) noexcept {
  udm::client::TableLine line{start, length, str(type, type_len), str(params, params_len)};
  return add_setup(t, [line](auto& task) { task.add_target(line); });
}
int udm_task_set_read_only(udm_task* t, int on) noexcept {
  return add_setup(t, [=](auto& task) { task.set_read_only(on != 0); });
}
int udm_task_set_noflush(udm_task* t, int on) noexcept {
  return add_setup(t, [=](auto& task) { task.set_noflush(on != 0); });
}
int udm_task_set_query_inactive(udm_task* t, int on) noexcept {
  return add_setup(t, [=](auto& task) { task.set_query_inactive(on != 0); });
}
int udm_task_set_deferred_remove(udm_task* t, int on) noexcept {
  return add_setup(t, [=](auto& task) { task.set_deferred_remove(on != 0); });
}
int udm_task_set_event_nr(udm_task* t, uint32_t event_nr) noexcept {
  return add_setup(t, [=](auto& task) { task.set_event_nr(event_nr); });
}
int udm_task_set_message(udm_task* t, uint64_t sector, const char* msg, size_t len) noexcept {
  std::string s = str(msg, len);
  return add_setup(t, [=](auto& task) { task.set_message(sector, s); });
}
int udm_task_set_new_name(udm_task* t, const char* name, size_t len) noexcept {
  std::string s = str(name, len);
  return add_setup(t, [s](auto& task) { task.set_new_name(s); });
}
int udm_task_set_new_uuid(udm_task* t, const char* uuid, size_t len) noexcept {
  std::string s = str(uuid, len);
  return add_setup(t, [s](auto& task) { task.set_new_uuid(s); });
}
int udm_task_set_target_type(udm_task* t, const char* type, size_t len) noexcept {
  std::string s = str(type, len);
  return add_setup(t, [s](auto& task) { task.set_target_type(s); });
}

int udm_task_run(udm_task* t) noexcept {
  return guarded(t, [&]() -> int {
    udm::client::Client* client = nullptr;
    if (t->owner) {
      client = t->owner->client.get();
    } else {
      std::lock_guard lock(default_mutex);
      if (!default_client) {
        udm_client* c = nullptr;
        if (int e = udm_client_open(nullptr, 0, &c)) {
          t->error = last_error;
          return e;
        }
        default_client = c;
      }
      client = default_client->client.get();
    }
    t->task = std::make_unique<udm::client::Task>(*client,
                                                  static_cast<udm::client::TaskType>(t->type));
    for (auto& f : t->setup) f(*t->task);
    t->ran = true;
    auto r = t->task->run();
    if (!r) {
      t->error = r.error().message;
      return r.error().code ? r.error().code : EIO;
    }
    t->error.clear();
    return 0;
  });
}

const char* udm_task_error(const udm_task* t) noexcept { return t ? t->error.c_str() : ""; }

int udm_task_get_info(const udm_task* t, struct udm_info* out) noexcept {
  if (!t || !out || !t->task || out->size < sizeof(udm_info)) return EINVAL;
  const auto& i = t->task->info();
  out->exists = i.exists;
  out->suspended = i.suspended;
  out->live_table = i.live_table;
  out->inactive_table = i.inactive_table;
  out->read_only = i.read_only;
  out->deferred_remove = i.deferred_remove;
  out->open_count = i.open_count;
  out->event_nr = i.event_nr;
  out->major = i.major;
  out->minor = i.minor;
  out->target_count = i.target_count;
  return 0;
}

const char* udm_task_get_name(const udm_task* t) noexcept {
  return t && t->task ? t->task->info().name.c_str() : "";
}
const char* udm_task_get_uuid(const udm_task* t) noexcept {
  return t && t->task ? t->task->info().uuid.c_str() : "";
}

size_t udm_task_target_count(const udm_task* t) noexcept {
  return t && t->task ? t->task->table().size() : 0;
}
int udm_task_get_target(const udm_task* t, size_t i, struct udm_target* out) noexcept {
  if (!t || !t->task || !out || out->size < sizeof(udm_target) || i >= t->task->table().size())
    return EINVAL;
  const auto& l = t->task->table()[i];
  out->start = l.start;
  out->length = l.length;
  out->type = l.type.c_str();
  out->params = l.params.c_str();
  return 0;
}

size_t udm_task_name_count(const udm_task* t) noexcept {
  return t && t->task ? t->task->names().size() : 0;
}
const char* udm_task_name_at(const udm_task* t, size_t i, uint32_t* major, uint32_t* minor) noexcept {
  if (!t || !t->task || i >= t->task->names().size()) return nullptr;
  const auto& n = t->task->names()[i];
  if (major) *major = n.major;
  if (minor) *minor = n.minor;
  return n.name.c_str();
}

size_t udm_task_version_count(const udm_task* t) noexcept {
  return t && t->task ? t->task->versions().size() : 0;
}
const char* udm_task_version_at(const udm_task* t, size_t i, uint32_t version[3]) noexcept {
  if (!t || !t->task || i >= t->task->versions().size()) return nullptr;
  const auto& v = t->task->versions()[i];
  if (version) {
    version[0] = v.version.major;
    version[1] = v.version.minor;
    version[2] = v.version.patch;
  }
  return v.name.c_str();
}

size_t udm_task_dep_count(const udm_task* t) noexcept {
  return t && t->task ? t->task->deps().size() : 0;
}
int udm_task_dep_at(const udm_task* t, size_t i, uint32_t* major, uint32_t* minor) noexcept {
  if (!t || !t->task || i >= t->task->deps().size()) return EINVAL;
  if (major) *major = t->task->deps()[i].major;
  if (minor) *minor = t->task->deps()[i].minor;
  return 0;
}

const char* udm_task_message_reply(const udm_task* t) noexcept {
  if (!t || !t->task || !t->task->message_reply()) return nullptr;
  return t->task->message_reply()->c_str();
}

int udm_task_driver_version(const udm_task* t, uint32_t version[3]) noexcept {
  if (!t || !t->task || !version) return EINVAL;
  auto v = t->task->driver_version();
  version[0] = v.major;
  version[1] = v.minor;
  version[2] = v.patch;
  return 0;
}

const char* udm_library_version(void) noexcept { return udm::client::LIBRARY_VERSION; }

}  // extern "C"

// libudm, the C++ client API: talk to a device-mapper driver (udmd over its
// control socket, or a real kernel's /dev/mapper/control) the way
// libdevmapper's dm_task interface does.
//
//   auto client = udm::client::Client::connect({});      // finds or starts udmd
//   udm::client::Task t(**client, udm::client::TaskType::create);
//   t.set_name("x");
//   t.add_target({0, 8, "zero", ""});                      // create + load + resume
//   if (auto r = t.run(); !r) std::cerr << r.error().message << '\n';
//
// A version on every command: the client asks the driver once per connection
// which version it has of each command (CMD_LIST_COMMANDS; against a real
// kernel, the one global version from CMD_VERSION), sends every request with
// the lowest version covering the features it uses, falls back to older forms
// where it can (list_devices without event_nr/uuid trailers: DEV_STATUS per
// device) and otherwise fails with a message naming both versions.
//
// Thread safety: a Client serialises its own requests; a Task belongs to one
// thread at a time. Nothing here throws on I/O paths; errors are values.
//
// Environment: UDM_RUNDIR (the run directory), UDM_NO_AUTOSTART (never start
// udmd), UDM_CLIENT_TRACE (one stderr line per request: command, version
// sent, result, the driver's version), UDM_CLIENT_CLAIM (tests: send these
// versions instead of the lowest that works, "table_status=4.99.0,...").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "udm/result.hpp"
#include "udm/version.hpp"

namespace udm::client {

// This library's own release, printed by `udmsetup version` in the layout of
// libdevmapper's "Library version:" line.
inline constexpr const char* LIBRARY_VERSION = "0.1.0";
inline constexpr const char* LIBRARY_DATE = "2026-11-25";

// The one version type (udm/version.hpp), as the driver and the ABI use it.
using Version = udm::Version;

// What a task does. Each maps to one control command, except create (which
// with targets is create + load + resume, rolled back with remove on failure)
// and the fallbacks described above.
enum class TaskType {
  create,             // DEV_CREATE (+ TABLE_LOAD + resume when targets were added)
  reload,             // TABLE_LOAD into the inactive slot
  remove,             // DEV_REMOVE
  remove_all,         // REMOVE_ALL
  suspend,            // DEV_SUSPEND with SUSPEND_FLAG
  resume,             // DEV_SUSPEND without it
  info,               // DEV_STATUS
  deps,               // TABLE_DEPS
  rename,             // DEV_RENAME (new name, or new uuid with set_new_uuid)
  version,            // VERSION: the driver's interface version
  status,             // TABLE_STATUS: status text per target
  table,              // TABLE_STATUS with STATUS_TABLE_FLAG: table lines
  waitevent,          // DEV_WAIT
  list,               // LIST_DEVICES
  clear,              // TABLE_CLEAR
  list_versions,      // LIST_VERSIONS: target types
  target_msg,         // TARGET_MSG
  set_geometry,       // DEV_SET_GEOMETRY
  get_target_version, // GET_TARGET_VERSION (LIST_VERSIONS on older drivers)
  arm_poll,           // DEV_ARM_POLL
  list_commands,      // CMD_LIST_COMMANDS: the driver's version of each command
};

// One target of a table: `start length type params`, sectors of 512 bytes.
struct TableLine {
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  std::string type;
  std::string params;
  bool operator==(const TableLine&) const = default;
};

// The device header the driver fills in for every device command.
struct DeviceInfo {
  bool exists = false;          // false after info/status on an unknown device
  bool suspended = false;
  bool live_table = false;
  bool inactive_table = false;
  bool read_only = false;
  bool deferred_remove = false;
  bool internal_suspend = false;
  std::int32_t open_count = 0;
  std::uint32_t event_nr = 0;
  std::uint32_t major = 0, minor = 0;
  std::int32_t target_count = 0;
  std::string name;
  std::string uuid;
};

// One device of a list. event_nr and uuid are filled from the reply's
// trailers, or by DEV_STATUS per device when the driver is too old and the
// task asked for them (Task::set_want_details).
struct NameEntry {
  std::string name;
  std::uint32_t major = 0, minor = 0;
  std::optional<std::uint32_t> event_nr;
  std::optional<std::string> uuid;
};

// A target type, or a command (list_commands), with its version.
struct NamedVersion {
  std::string name;
  Version version;
};

struct DevNumber {
  std::uint32_t major = 0, minor = 0;
  bool operator==(const DevNumber&) const = default;
};

// Where requests go. Implementations: the udmd socket and the kernel ioctl
// (src/client/*_backend.*); tests inject their own.
class Backend {
 public:
  virtual ~Backend() = default;
  // Sends one request for command `nr` (abi::Command) in `buffer` (a whole
  // dm_ioctl buffer, data_size bytes) and copies the reply over it, as the
  // kernel copies back. Returns 0 or a positive errno; on error the buffer's
  // version[] holds the driver's version of the command, and
  // `driver_message` what the driver said about it ("" from a kernel).
  virtual int transact(std::uint32_t nr, std::vector<std::uint8_t>& buffer,
                       std::string& driver_message) = 0;
  // "udmd" or "kernel": used in messages ("udmd's table_status is 4.15.0").
  virtual std::string driver_name() const = 0;
  // Whether the driver can know CMD_LIST_COMMANDS (the kernel cannot).
  virtual bool has_command_list() const = 0;

  // Several requests, each as transact() would send it and fill `error` and
  // `driver_message`. udmd answers one connection's requests in order, so its
  // backend keeps them all in flight at once (one wait for the lot, not one
  // per request); this default sends them one after the other.
  struct Request {
    std::uint32_t nr = 0;
    std::vector<std::uint8_t>* buffer = nullptr;
    std::string driver_message;
    int error = 0;
  };
  virtual void transact_many(std::vector<Request>& requests) {
    for (auto& r : requests) r.error = transact(r.nr, *r.buffer, r.driver_message);
  }
};

struct ConnectOptions {
  enum class Kind { automatic, udmd, kernel };
  Kind kind = Kind::automatic;
  std::string rundir;            // empty: $UDM_RUNDIR, /run/udm as root, $XDG_RUNTIME_DIR/udm
  bool autostart = true;         // start udmd when the socket is missing or refuses
                                 // (never when $UDM_NO_AUTOSTART is set)
  std::string control_node = "/dev/mapper/control";
  // Versions to claim instead of this build's (tests of the refusal path);
  // empty: parsed from $UDM_CLIENT_CLAIM ("table_status=4.99.0,rename=5.0.0").
  std::map<std::string, Version> claims;
  // Called with one line per request sent when set (or when $UDM_CLIENT_TRACE
  // is set, to stderr): "udm: table_status 4.0.0 -> ok (udmd 4.16.0)", the
  // version sent and, in parentheses, the driver's version of the command.
  std::function<void(const std::string&)> trace;
};

// The rundir the options resolve to (see ConnectOptions::rundir).
std::string default_rundir();
std::string resolve_rundir(const ConnectOptions& options);

class Client {
 public:
  // Connects to udmd (starting it if allowed) or opens the kernel's control
  // node, per options.kind; automatic picks udmd when a rundir was given
  // (option or $UDM_RUNDIR), else the kernel when its control node opens,
  // else udmd.
  static Result<std::unique_ptr<Client>> connect(const ConnectOptions& options);
  // For tests and embedders: a client over any backend.
  static std::unique_ptr<Client> with_backend(std::unique_ptr<Backend> backend,
                                              ConnectOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Backend& backend();
  const std::string& rundir() const;
  // The driver's version of a command ("status", "names", abi names), learnt
  // once per connection; the global interface version against a kernel.
  Result<Version> driver_version_of(const std::string& command);
  // The newest version of a command this build speaks (abi::COMMANDS); each
  // request carries the lowest version that covers the features it uses.
  static Version client_version_of(const std::string& command);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Task;
std::vector<Result<void>> run_pipelined(const std::vector<Task*>& tasks);

class Task {
 public:
  Task(Client& client, TaskType type);
  ~Task();
  Task(Task&&) noexcept;
  Task& operator=(Task&&) noexcept;

  // Addressing: a name, a uuid, or major:minor (one of them).
  Task& set_name(std::string name);
  Task& set_uuid(std::string uuid);
  Task& set_devno(std::uint32_t major, std::uint32_t minor);
  // create only: ask for this minor (PERSISTENT_DEV_FLAG).
  Task& set_persistent_minor(std::uint32_t minor);

  Task& add_target(TableLine line);
  Task& set_read_only(bool on = true);       // load/create: READONLY_FLAG
  Task& set_noflush(bool on = true);         // suspend, status: NOFLUSH_FLAG (4.12)
  Task& set_skip_lockfs(bool on = true);     // suspend: SKIP_LOCKFS_FLAG
  Task& set_query_inactive(bool on = true);  // info/status/table/deps/wait: inactive table (4.16)
  Task& set_deferred_remove(bool on = true); // remove/remove_all (4.27)
  Task& set_event_nr(std::uint32_t nr);      // waitevent: wait until it differs
  Task& set_message(std::uint64_t sector, std::string message);
  Task& set_new_name(std::string name);
  Task& set_new_uuid(std::string uuid);      // rename --setuuid (4.19)
  Task& set_geometry(std::string cyl, std::string heads, std::string sectors, std::string start);
  Task& set_target_type(std::string type);   // get_target_version
  Task& set_want_details(bool on = true);    // list: fill NameEntry::event_nr and uuid
  Task& set_retry_remove(bool on = true);    // remove: retry EBUSY for a few seconds (--retry)

  // Runs the command. On failure the error's code is the driver's errno
  // (ENXIO for an unknown device, EBUSY for busy/duplicates, ...) and its
  // message is libdevmapper-like ("device-mapper: remove ioctl on x  failed:
  // Device or resource busy") or a version explanation.
  Result<void> run();

  // Results (valid after a successful run).
  const DeviceInfo& info() const;
  const std::vector<TableLine>& table() const;     // status / table / waitevent
  const std::vector<NameEntry>& names() const;     // list
  const std::vector<NamedVersion>& versions() const;  // list_versions, get_target_version, list_commands
  const std::vector<DevNumber>& deps() const;      // deps
  const std::optional<std::string>& message_reply() const;  // target_msg with DATA_OUT
  Version driver_version() const;                  // version task: the reply's version
  Version sent_version() const;                    // the version the (last) request carried
  // What the driver said about a failure (udmd explains bad tables; the
  // kernel logs to dmesg instead): "" when nothing.
  const std::string& driver_message() const;
  // The errno of the failed run, 0 after success.
  int error_code() const;

  struct Impl;

 private:
  friend std::vector<Result<void>> run_pipelined(const std::vector<Task*>& tasks);
  std::unique_ptr<Impl> impl_;
};

// Runs `tasks` (all of one Client) with their requests in flight together:
// udmd answers a connection's requests in order, so the create, load and
// resume of many devices cost one wait instead of one round trip each. Every
// task ends as its run() would have ended it; the results come in the same
// order. Tasks that are one request (create without targets, reload, resume,
// suspend, remove without retry, clear, info) go in the pipeline; any other
// runs alone at its place in the order. A task is sent whatever became of
// the ones before it: tasks that depend on each other are the caller's to
// order into separate calls.
std::vector<Result<void>> run_pipelined(const std::vector<Task*>& tasks);

}  // namespace udm::client

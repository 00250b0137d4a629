// Between the device registry and its run-state record: capture the registry
// as a record, restore a record into a fresh registry, and the recorder the
// dispatcher calls after every command that changes the device set.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "abi/codec.hpp"
#include "core/device_registry.hpp"
#include "daemon/log.hpp"
#include "daemon/run_state.hpp"

namespace udm::daemon {

// The registry as a record: every device, its tables as their table text
// (what each target prints for STATUSTYPE_TABLE, which its constructor takes
// back; stacked devices appear as "252:N").
RunState capture_run_state(const core::DeviceRegistry& registry);
DeviceRecord capture_device(const core::MappedDevice& device);
// Whether a table of the device (live or inactive) holds a secret, such as a
// crypt key: such a device is not recorded (the kernel keeps no key across a
// restart either); it has to be opened again, and devices above it are then
// set aside as incomplete.
bool holds_secrets(const core::MappedDevice& device, const core::TargetRegistry& types);

struct RestoreReport {
  std::size_t devices = 0;   // devices created
  std::size_t failures = 0;  // devices or tables that did not come back
  std::vector<std::uint32_t> not_created;  // minors whose device could not be created
  std::vector<std::uint32_t> incomplete;   // minors created without all they had
  std::vector<std::uint32_t> dropped;      // minors marked for deferred removal, not restored
};

// Recreates the recorded devices in `registry` (which should be empty): same
// names, uuids and minors; tables loaded lower devices first (a table naming
// 252:N waits for N's table); live tables resumed, suspended devices left
// suspended, inactive tables loaded, event numbers put back. A device whose
// table no longer builds (a backing file gone) comes back without that
// table, and the table text is logged so it can be loaded again by hand.
RestoreReport restore_run_state(core::DeviceRegistry& registry, const RunState& state, Log& log);

// Which devices a command may have changed, from its request and reply
// headers: the devices it names (number, name, uuid, before and after) or
// all of them (remove_all).
struct StateChange {
  bool all = false;
  std::vector<std::uint32_t> minors;
  std::vector<std::string> names, uuids;
};
StateChange state_change(abi::Command command, const abi::Header& in, const abi::Header& out);

// Keeps <rundir>/devices/<minor>.json in step with the registry. record()
// rewrites only the files of the devices a command named, and only when
// their record changed (it remembers what each file holds), so a command
// costs one small file write however many devices exist.
//
// Durability: each write (a new file renamed in, or a one-page overwrite in
// place, run_state.hpp) is atomic against a crash of udmd (kill -9 included: the page cache outlives the process), so
// nothing is synced: neither before the reply (it cost milliseconds per
// command) nor in batches (a syncfs every second, measured, made writes wait
// on the journal and its writeback: 5x slower on ext4 at 2,000 devices). A
// crash of the machine loses what the kernel had not yet written back (the
// default run directory, /run, is tmpfs and loses everything then anyway);
// a file it leaves torn or empty fails its checksum and is kept aside at the
// next start while the others restore.
class StateRecorder {
 public:
  // While a Hold lives on a thread, record() calls made on that thread only
  // note the devices; the Hold writes each of them once when it is flushed
  // (or destroyed). The control server holds across the commands a client
  // sent back to back and flushes before it sends their replies: a reply
  // still never goes out before the record of its change, and a device
  // created, loaded and resumed in one go costs one write, not three.
  class Hold {
   public:
    Hold();
    ~Hold();  // flush()
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    void flush();

   private:
    friend class StateRecorder;
    Hold* outer_;
    std::vector<std::pair<StateRecorder*, StateChange>> noted_;
  };

  // Opens (creates) <rundir>/devices; logs and records nothing if it cannot.
  StateRecorder(std::string rundir, core::DeviceRegistry& registry, Log& log);
  ~StateRecorder();
  StateRecorder(const StateRecorder&) = delete;
  StateRecorder& operator=(const StateRecorder&) = delete;

  // Takes `on_disk` (minor → file bytes, as load_run_state read them) as the
  // files there, then brings the directory in step with the whole registry:
  // rewrites what differs, removes files of devices not in it.
  void start(std::map<std::uint32_t, std::string> on_disk);
  void record(const StateChange& change);
  void record_all();

  std::size_t writes() const { return writes_.load(); }  // files written or removed so far

 private:
  struct Entry {
    std::string encoded, name, uuid;
  };
  void update_file_locked(std::uint32_t minor);
  void forget_locked(std::uint32_t minor);

  std::string rundir_;
  core::DeviceRegistry& registry_;
  Log& log_;
  int dirfd_ = -1;
  std::mutex lock_;
  std::map<std::uint32_t, Entry> files_;  // what each <minor>.json holds
  std::unordered_map<std::string, std::uint32_t> by_name_, by_uuid_;  // of files_
  std::atomic<std::size_t> writes_{0};
};

}  // namespace udm::daemon

// Between the device registry and its run-state record: capture the registry
// as a record, restore a record into a fresh registry, and the recorder the
// dispatcher calls after every command that changes the device set.
#pragma once

#include <mutex>
#include <string>

#include "core/device_registry.hpp"
#include "daemon/log.hpp"
#include "daemon/run_state.hpp"

namespace udm::daemon {

// The registry as a record: every device, its tables as their table text
// (what each target prints for STATUSTYPE_TABLE, which its constructor takes
// back; stacked devices appear as "252:N").
RunState capture_run_state(const core::DeviceRegistry& registry);

struct RestoreReport {
  std::size_t devices = 0;   // devices created
  std::size_t failures = 0;  // devices or tables that did not come back
};

// Recreates the recorded devices in `registry` (which should be empty): same
// names, uuids and minors; tables loaded lower devices first (a table naming
// 252:N waits for N's table); live tables resumed, suspended devices left
// suspended, inactive tables loaded, event numbers put back. A device whose
// table no longer builds (a backing file gone) comes back without that
// table, and the table text is logged so it can be loaded again by hand.
RestoreReport restore_run_state(core::DeviceRegistry& registry, const RunState& state, Log& log);

// Writes the record after each change. record() is serialised by its own
// mutex and skips the write when nothing changed since the last one.
class StateRecorder {
 public:
  StateRecorder(std::string rundir, core::DeviceRegistry& registry, Log& log);
  void record();
  // Marks `encoded` as already on disk (the record just restored).
  void assume_written(std::string encoded);

 private:
  std::string rundir_;
  core::DeviceRegistry& registry_;
  Log& log_;
  std::mutex lock_;
  std::string last_;
};

}  // namespace udm::daemon

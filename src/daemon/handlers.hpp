// One handler per command of abi::COMMANDS (DM_VERSION is answered by the
// dispatcher itself: it only writes the version back).
#pragma once

#include "daemon/handler_context.hpp"

namespace udm::daemon::handlers {

// Devices (handlers_devices.cpp)
Result<void> remove_all(Context&);
Result<void> dev_create(Context&);
Result<void> dev_remove(Context&);
Result<void> dev_rename(Context&);
Result<void> dev_suspend(Context&);
Result<void> dev_status(Context&);
Result<void> dev_wait(Context&);
Result<void> dev_set_geometry(Context&);
Result<void> dev_arm_poll(Context&);

// Tables (handlers_tables.cpp)
Result<void> table_load(Context&);
Result<void> table_clear(Context&);
Result<void> table_deps(Context&);
Result<void> table_status(Context&);
Result<void> target_msg(Context&);

// Lists (handlers_lists.cpp)
Result<void> list_devices(Context&);
Result<void> list_versions(Context&);
Result<void> get_target_version(Context&);
Result<void> list_commands(Context&);

// The handler of `command`, or nullptr (DM_VERSION, unknown numbers).
Handler find(abi::Command command);

}  // namespace udm::daemon::handlers

// The run directory (<rundir>: control, nbd.sock, dev/, udmd.pid, udmd.log)
// is trusted only when it is the daemon's own: created 0700 (0750 with a
// group the user names), owned by the daemon's user, never reached through a
// symbolic link. Modes are set explicitly, so they do not depend on the umask.
#pragma once

#include <string>
#include <sys/types.h>

#include "base/result.hpp"

namespace udm::daemon {

struct RunDirAccess {
  uid_t uid = 0;       // the daemon's effective user
  gid_t gid = 0;       // the directory's group (the named group with --group)
  bool group = false;  // the group may read and write devices (--group)
  mode_t dir_mode() const { return group ? 0750 : 0700; }
  mode_t file_mode() const { return group ? 0660 : 0600; }
};

// Creates `path` (and missing parents) or checks the existing directory:
// refused when it is a symbolic link, not a directory, owned by another user,
// or group/world-writable without the sticky bit; refused too when `dev` or
// `udmd.pid` inside it is a symbolic link. Then sets the directory's mode
// (and group, when `group_name` is not empty) explicitly.
Result<RunDirAccess> prepare_run_dir(const std::string& path, const std::string& group_name);

// Opens `name` inside the run directory for appending (the log), refusing a
// symbolic link; mode from `access`. Returns the fd or an error naming it.
Result<int> open_in_run_dir(const std::string& rundir, const char* name, const RunDirAccess& access);

}  // namespace udm::daemon

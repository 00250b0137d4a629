// lvm2's file locks, as lvm2 2.03 takes them with locking_type 1 (measured
// with strace on lvm 2.03.16):
//
//   <locking_dir>/P_global   the global lock: orphan PVs and VG names
//   <locking_dir>/V_<vg>     one VG
//
// Each lock is an flock() (LOCK_SH to read, LOCK_EX to write) on its file,
// taken through a helper "<file>:aux" held LOCK_EX meanwhile, so a waiting
// writer is not starved by a stream of readers. After flock() returns, the
// file must still be the one locked (same inode at the path): the holder
// deletes the file when it releases the lock and nobody else holds it, so a
// waiter may end up holding an unlinked file and must start again.
//
// The directory is global/locking_dir of the host's lvm2 configuration
// (/etc/lvm/lvm.conf), by default /run/lock/lvm: ulvm and real lvm2 on the
// same host, whatever their uid or environment, use the same files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace udm::lvm::locking {

enum class LockMode { none, shared, exclusive };

inline constexpr std::string_view DEFAULT_LOCKING_DIR = "/run/lock/lvm";

// global/locking_dir from `lvm_conf` (lvm2's lvm.conf), or /run/lock/lvm.
std::string locking_dir(const std::string& lvm_conf = "/etc/lvm/lvm.conf");

class FileLocks {
 public:
  explicit FileLocks(std::string dir) : dir_(std::move(dir)) {}
  ~FileLocks() { release_all(); }
  FileLocks(const FileLocks&) = delete;
  FileLocks& operator=(const FileLocks&) = delete;

  // P_global. Errors name the file and carry lvm2's follow-up line.
  Result<void> lock_global(LockMode mode);
  // V_<vg>; a held lock is upgraded or kept (never downgraded).
  Result<void> lock_vg(std::string_view vg, LockMode mode);
  LockMode vg_mode(std::string_view vg) const;
  LockMode global_mode() const;
  // Releases in the reverse order of taking, deleting each file when no one
  // else holds it (as lvm2 does).
  void release_all();
  const std::string& dir() const { return dir_; }

 private:
  struct Held {
    std::string name;  // "P_global", "V_vg0"
    int fd;
    LockMode mode;
  };
  Result<void> take(const std::string& name, LockMode mode);
  LockMode mode_of(std::string_view name) const;
  std::string dir_;
  bool dir_ready_ = false;
  std::vector<Held> held_;
};

}  // namespace udm::lvm::locking

#include "lvm/locking/file_locks.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace udm::lvm::locking {
namespace {

// The file at `path` is the one open as `fd` (not unlinked or replaced).
bool same_file(const std::string& path, int fd) {
  struct stat a {}, b {};
  if (::stat(path.c_str(), &a) != 0 || ::fstat(fd, &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int flock_retry(int fd, int op) {
  int r;
  do r = ::flock(fd, op);
  while (r != 0 && errno == EINTR);
  return r;
}

// Opens and flocks `path` until the lock is on the file the path names.
Result<int> open_locked(const std::string& path, int op) {
  for (;;) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return fail(errno, fmt::format("{}: open failed: {}", path, std::strerror(errno)));
    if (flock_retry(fd, op) != 0) {
      int e = errno;
      ::close(fd);
      return fail(e, fmt::format("{}: flock failed: {}", path, std::strerror(e)));
    }
    if (same_file(path, fd)) return fd;
    ::close(fd);  // the holder deleted it while we waited: lock the new file
  }
}

// Drops the lock on `fd`; deletes `path` when no one else holds or waits on
// it, as lvm2 does, so the lock directory does not fill up with V_ files.
void unlock_and_remove(const std::string& path, int fd) {
  ::flock(fd, LOCK_UN | LOCK_NB);
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && same_file(path, fd)) ::unlink(path.c_str());
  ::close(fd);
}

std::string trim_quotes(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  s = s.substr(i);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

std::string locking_dir(const std::string& lvm_conf) {
  // A line "locking_dir = "..."" inside the global section; comments ('#')
  // are cut first. lvm.conf is lvm2's own file, so a light reading suffices.
  std::ifstream f(lvm_conf);
  std::string line, section, dir;
  int depth = 0;
  while (std::getline(f, line)) {
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    if (auto b = line.find('{'); b != std::string::npos) {
      if (depth == 0) section = trim_quotes(line.substr(0, b));
      ++depth;
      continue;
    }
    if (line.find('}') != std::string::npos) {
      if (depth > 0) --depth;
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos || depth != 1 || section != "global") continue;
    if (trim_quotes(line.substr(0, eq)) == "locking_dir") dir = trim_quotes(line.substr(eq + 1));
  }
  return dir.empty() ? std::string(DEFAULT_LOCKING_DIR) : dir;
}

LockMode FileLocks::mode_of(std::string_view name) const {
  LockMode m = LockMode::none;
  for (const auto& h : held_)
    if (h.name == name && h.mode > m) m = h.mode;
  return m;
}

LockMode FileLocks::vg_mode(std::string_view vg) const { return mode_of("V_" + std::string(vg)); }
LockMode FileLocks::global_mode() const { return mode_of("P_global"); }

Result<void> FileLocks::lock_global(LockMode mode) {
  if (auto r = take("P_global", mode); !r)
    return fail(r.error().code, r.error().message + "\nCan't get lock for #global.");
  return {};
}

Result<void> FileLocks::lock_vg(std::string_view vg, LockMode mode) {
  if (auto r = take("V_" + std::string(vg), mode); !r)
    return fail(r.error().code, fmt::format("{}\nCan't get lock for {}.", r.error().message, vg));
  return {};
}

Result<void> FileLocks::take(const std::string& name, LockMode mode) {
  if (mode == LockMode::none || mode_of(name) >= mode) return {};
  const std::string path = dir_ + "/" + name;
  for (auto& h : held_) {
    if (h.name != name) continue;
    // Shared to exclusive on the same open file (a second open file would
    // wait for our own shared lock). flock() drops the shared lock while it
    // waits; the VG is read again after the locks are taken anyway.
    if (flock_retry(h.fd, LOCK_EX) != 0)
      return fail(errno, fmt::format("{}: flock failed: {}", path, std::strerror(errno)));
    h.mode = LockMode::exclusive;
    return {};
  }
  if (!dir_ready_) {
    // lvm2 creates the directory itself (root only: /run/lock is 1777 but
    // lvm2's directory is 0700).
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
      return fail(errno, fmt::format("{}: mkdir failed: {}\nFile locking initialisation failed.", dir_,
                                     std::strerror(errno)));
    dir_ready_ = true;
  }
  const std::string aux_path = path + ":aux";
  auto aux = open_locked(aux_path, LOCK_EX);
  if (!aux) return fail(aux.error());
  auto fd = open_locked(path, mode == LockMode::exclusive ? LOCK_EX : LOCK_SH);
  // The aux file is still ours (LOCK_EX): delete it, then let the next
  // waiter in (it finds its file gone and opens the next one).
  if (same_file(aux_path, *aux)) ::unlink(aux_path.c_str());
  ::close(*aux);
  if (!fd) return fail(fd.error());
  held_.push_back({name, *fd, mode});
  return {};
}

void FileLocks::release_all() {
  while (!held_.empty()) {
    Held h = held_.back();
    held_.pop_back();
    unlock_and_remove(dir_ + "/" + h.name, h.fd);
  }
}

}  // namespace udm::lvm::locking

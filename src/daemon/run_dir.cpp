#include "daemon/run_dir.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace udm::daemon {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

std::string fmt_mode(mode_t m) {
  char b[8];
  std::snprintf(b, sizeof b, "%04o", static_cast<unsigned>(m & 07777));
  return b;
}

Result<gid_t> group_id(const std::string& name) {
  std::vector<char> buf(16384);
  group g{};
  group* found = nullptr;
  int e = ::getgrnam_r(name.c_str(), &g, buf.data(), buf.size(), &found);
  if (e != 0) return fail(e, "cannot look up group " + name + ": " + errno_text(e));
  if (!found) return fail(ENOENT, "group " + name + " does not exist");
  return found->gr_gid;
}

// An entry of the run directory that must not be a symbolic link (the daemon
// would write through it, or mount FUSE on its target).
Result<void> refuse_symlink(int dirfd, const std::string& rundir, const char* name) {
  struct stat st;
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    // Missing is fine; ENOTCONN is a FUSE mount left by a dead daemon.
    if (errno == ENOENT || errno == ENOTCONN) return {};
    return fail(errno, rundir + "/" + name + ": " + errno_text(errno));
  }
  if (S_ISLNK(st.st_mode))
    return fail(ELOOP, "run directory " + rundir + ": " + name + " is a symbolic link; refusing to use it");
  return {};
}

}  // namespace

Result<RunDirAccess> prepare_run_dir(const std::string& path, const std::string& group_name) {
  RunDirAccess access;
  access.uid = ::geteuid();
  access.gid = ::getegid();
  if (!group_name.empty()) {
    auto gid = group_id(group_name);
    if (!gid) return fail(gid.error());
    access.gid = *gid;
    access.group = true;
  }

  std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) return fail(ec.value(), "cannot create " + p.parent_path().string() + ": " + ec.message());
  }
  bool created = ::mkdir(path.c_str(), 0700) == 0;
  if (!created && errno != EEXIST)
    return fail(errno, "cannot create run directory " + path + ": " + errno_text(errno));

  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      return fail(ELOOP, "run directory " + path + " is a symbolic link; refusing to use it");
    if (e == ENOTDIR) return fail(e, "run directory " + path + " is not a directory");
    return fail(e, "cannot open run directory " + path + ": " + errno_text(e));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  struct stat st;
  if (::fstat(fd, &st) != 0) return fail(errno, "cannot stat run directory " + path + ": " + errno_text(errno));
  if (st.st_uid != access.uid)
    return fail(EPERM, "run directory " + path + " is owned by uid " + std::to_string(st.st_uid) +
                           ", not by this user (uid " + std::to_string(access.uid) + "); refusing to use it");
  const bool sticky = st.st_mode & S_ISVTX;
  if (!access.group) access.gid = st.st_gid;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky)
    return fail(EPERM, "run directory " + path + " is writable by group or others (mode " +
                           fmt_mode(st.st_mode) + "); refusing to use it");
  // A shared sticky directory (/tmp) keeps its mode; the daemon's own is set.
  if (!sticky) {
    if (access.group && st.st_gid != access.gid && ::fchown(fd, static_cast<uid_t>(-1), access.gid) != 0)
      return fail(errno, "cannot give run directory " + path + " to group " + group_name + ": " + errno_text(errno));
    if ((st.st_mode & 07777) != access.dir_mode() && ::fchmod(fd, access.dir_mode()) != 0)
      return fail(errno, "cannot set the mode of run directory " + path + ": " + errno_text(errno));
  }
  for (const char* name : {"udmd.pid", "dev", "udmd.log"})
    if (auto r = refuse_symlink(fd, path, name); !r) return fail(r.error());
  return access;
}

Result<int> open_in_run_dir(const std::string& rundir, const char* name, const RunDirAccess& access) {
  const std::string path = rundir + "/" + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, access.file_mode());
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP) return fail(e, path + " is a symbolic link; refusing to write through it");
    return fail(e, "cannot open " + path + ": " + errno_text(e));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != access.uid) {
    ::close(fd);
    return fail(EPERM, path + " is not a regular file of this user; refusing to write to it");
  }
  ::fchmod(fd, access.file_mode());
  return fd;
}

}  // namespace udm::daemon

// udm-run [--rundir DIR] COMMAND [ARGS...]
//
// Runs COMMAND (typically the real dmsetup) so that libdevmapper talks to
// udmd instead of the kernel: preloads libudm-preload.so, points DM_DEV_DIR
// at <rundir>/devdir (device nodes never go to the host's /dev), turns udev
// sync off (DM_DISABLE_UDEV=1) and exports UDM_RUNDIR. Starts udmd on the
// run directory first if nothing answers on <rundir>/control.
//
// Environment: UDM_RUNDIR (default /run/udm for root, $XDG_RUNTIME_DIR/udm,
// else /tmp/udm-<uid>), UDM_PRELOAD (path of the shim, to override the search).
#include <cerrno>
#include <chrono>
#include <climits>
#include <fcntl.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "udm_build_version.h"

namespace {

std::string default_rundir() {
  if (const char* env = std::getenv("UDM_RUNDIR"); env && *env) return env;
  if (::geteuid() == 0) return "/run/udm";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) return std::string(xdg) + "/udm";
  return "/tmp/udm-" + std::to_string(::geteuid());
}

bool exists(const std::string& path, mode_t type) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type;
}

void make_dirs(const std::string& path) {
  for (std::size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') ::mkdir(path.substr(0, i).c_str(), 0755);
}

std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  std::string p(buf);
  return p.substr(0, p.rfind('/'));
}

bool control_answers(const std::string& socket_path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Beside udm-run (the build tree's bin/), by the install layout (bin/../sbin),
// on PATH, then in the configured sbin.
std::string find_udmd() {
  for (const std::string& c : {self_dir() + "/udmd", self_dir() + "/" UDM_BINDIR_TO_SBINDIR "/udmd"})
    if (exists(c, S_IFREG) && ::access(c.c_str(), X_OK) == 0) return c;
  if (const char* path = std::getenv("PATH")) {
    std::string all(path);
    std::size_t start = 0;
    while (start <= all.size()) {
      std::size_t end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      std::string candidate = all.substr(start, end - start) + "/udmd";
      if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
  }
  if (::access(UDM_FULL_SBINDIR "/udmd", X_OK) == 0) return UDM_FULL_SBINDIR "/udmd";
  return "";
}

// Starts udmd in its own session (double fork: no zombie, no tie to us) and
// waits until its control socket accepts connections.
bool start_udmd(const std::string& rundir) {
  std::string udmd = find_udmd();
  if (udmd.empty()) {
    std::fprintf(stderr, "udm-run: cannot find udmd beside udm-run, in " UDM_FULL_SBINDIR " or on PATH\n");
    return false;
  }
  pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    std::string log = rundir + "/udmd.log";
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, 0);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    const char* argv[] = {udmd.c_str(), "--rundir", rundir.c_str(), "--foreground", nullptr};
    ::execv(udmd.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (control_answers(rundir + "/control")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::fprintf(stderr, "udm-run: started %s but %s/control does not answer (see %s/udmd.log)\n", udmd.c_str(),
               rundir.c_str(), rundir.c_str());
  return false;
}

std::string find_shim() {
  if (const char* env = std::getenv("UDM_PRELOAD"); env && *env) return env;
  std::string here = self_dir();
  // The build tree's lib/, then the install layout (<libdir>/udm), then the
  // configured path.
  for (const std::string& c : {here + "/../lib/libudm-preload.so", here + "/" UDM_BINDIR_TO_PKGLIBDIR "/libudm-preload.so",
                               std::string(UDM_FULL_PKGLIBDIR "/libudm-preload.so")})
    if (exists(c, S_IFREG)) {
      char real[PATH_MAX];
      return ::realpath(c.c_str(), real) ? std::string(real) : c;
    }
  return "";
}

int usage() {
  std::fprintf(stderr,
               "Usage: udm-run [--rundir DIR] COMMAND [ARGS...]\n"
               "       udm-run --version\n"
               "Runs COMMAND with libdevmapper redirected to udmd (LD_PRELOAD=libudm-preload.so).\n"
               "  --rundir DIR  udmd's run directory (default: $UDM_RUNDIR, /run/udm as root)\n"
               "  -h, --help    this text\n"
               "  --version     print udm-run's version\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  std::string rundir;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--rundir" && i + 1 < argc) {
      rundir = argv[++i];
    } else if (a.rfind("--rundir=", 0) == 0) {
      rundir = a.substr(9);
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (a == "--version") {
      std::printf("udm-run %s\n", UDM_VERSION);
      return 0;
    } else {
      std::fprintf(stderr, "udm-run: unknown option %s\n", a.c_str());
      return usage();
    }
  }
  if (i >= argc) return usage();
  if (rundir.empty()) rundir = default_rundir();
  make_dirs(rundir);
  char real[PATH_MAX];
  if (::realpath(rundir.c_str(), real)) rundir = real;
  std::string devdir = rundir + "/devdir";
  make_dirs(devdir + "/mapper");

  if (!control_answers(rundir + "/control") && !start_udmd(rundir)) return 1;

  std::string shim = find_shim();
  if (shim.empty()) {
    std::fprintf(stderr, "udm-run: cannot find libudm-preload.so (set UDM_PRELOAD)\n");
    return 1;
  }
  std::string preload = shim;
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) preload += std::string(":") + old;
  ::setenv("LD_PRELOAD", preload.c_str(), 1);
  ::setenv("DM_DEV_DIR", devdir.c_str(), 1);
  ::setenv("DM_DISABLE_UDEV", "1", 1);
  ::setenv("UDM_RUNDIR", rundir.c_str(), 1);
  ::execvp(argv[i], argv + i);
  std::fprintf(stderr, "udm-run: %s: %s\n", argv[i], std::strerror(errno));
  return errno == ENOENT ? 127 : 126;
}

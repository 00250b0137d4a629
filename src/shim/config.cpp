#include "shim/config.hpp"

#pragma GCC diagnostic ignored "-Wformat-truncation"  // paths are cut at the buffer size by design

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

namespace udm::shim {
namespace {

Config the_config;
pthread_once_t once = PTHREAD_ONCE_INIT;

unsigned env_unsigned(const char* name, unsigned fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  unsigned long n = std::strtoul(v, &end, 10);
  return (*end || n > 0xfffff) ? fallback : static_cast<unsigned>(n);
}

void load() {
  Config& c = the_config;
  const char* rundir = std::getenv("UDM_RUNDIR");
  if (rundir && *rundir) {
    std::snprintf(c.rundir, sizeof c.rundir, "%s", rundir);
  } else if (::geteuid() == 0) {
    std::snprintf(c.rundir, sizeof c.rundir, "/run/udm");
  } else if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) {
    std::snprintf(c.rundir, sizeof c.rundir, "%s/udm", xdg);
  } else {
    std::snprintf(c.rundir, sizeof c.rundir, "/tmp/udm-%u", static_cast<unsigned>(::geteuid()));
  }
  std::snprintf(c.control_socket, sizeof c.control_socket, "%s/control", c.rundir);
  c.node_prefix[0] = c.devno_dir[0] = 0;
  const char* dev = std::getenv("DM_DEV_DIR");
  if (!dev || !*dev) {
    // Never the host's /dev: without udm-run, libdevmapper would make its
    // nodes in /dev/mapper. Point it at <rundir>/devdir as udm-run does
    // (libdevmapper reads DM_DEV_DIR after this library's constructor ran).
    char devdir[1100], mapper[1200];
    std::snprintf(devdir, sizeof devdir, "%s/devdir", c.rundir);
    std::snprintf(mapper, sizeof mapper, "%s/mapper", devdir);
    ::mkdir(c.rundir, 0755);
    ::mkdir(devdir, 0755);
    ::mkdir(mapper, 0755);
    ::setenv("DM_DEV_DIR", devdir, 0);
    dev = std::getenv("DM_DEV_DIR");
  }
  if (dev && *dev) {
    std::size_t n = std::strlen(dev);
    while (n > 1 && dev[n - 1] == '/') --n;
    std::snprintf(c.node_prefix, sizeof c.node_prefix, "%.*s/mapper/", static_cast<int>(n), dev);
    std::snprintf(c.devno_dir, sizeof c.devno_dir, "%.*s/.udm-devno", static_cast<int>(n), dev);
  }
  c.node_prefix_len = std::strlen(c.node_prefix);
  c.major = env_unsigned("UDM_SHIM_MAJOR", 252);
  c.read_ahead_kb = env_unsigned("UDM_SHIM_READ_AHEAD_KB", 128);
  c.debug = std::getenv("UDM_SHIM_DEBUG") != nullptr;
}

// Settles the configuration (and DM_DEV_DIR) before the program's main runs.
__attribute__((constructor)) void load_at_start() { pthread_once(&once, load); }

}  // namespace

const Config& config() noexcept {
  pthread_once(&once, load);
  return the_config;
}

bool ends_with(const char* s, const char* suffix) noexcept {
  if (!s) return false;
  std::size_t a = std::strlen(s), b = std::strlen(suffix);
  return a >= b && std::memcmp(s + a - b, suffix, b) == 0;
}

}  // namespace udm::shim

// Serves one backing file as the mapped device "bench" (a linear table over
// the whole file) through udm's exports, in-process: the same ExportManager
// udmd runs, without the control plane. For bench/nbd/run.sh.
//
//   udm_export_bench_server --rundir DIR --backing FILE [--fuse] [--table "TEXT"]
// Prints "ready" once the exports are up; stops on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>

#include "core/device_registry.hpp"
#include "core/table_line.hpp"
#include "exports/export_manager.hpp"

using namespace udm;

int main(int argc, char** argv) {
  std::string rundir, backing, table;
  bool fuse = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rundir" && i + 1 < argc) rundir = argv[++i];
    else if (a == "--backing" && i + 1 < argc) backing = argv[++i];
    else if (a == "--table" && i + 1 < argc) table = argv[++i];
    else if (a == "--fuse") fuse = true;
    else {
      std::fprintf(stderr, "usage: %s --rundir DIR --backing FILE [--fuse] [--table TEXT]\n", argv[0]);
      return 2;
    }
  }
  if (rundir.empty() || backing.empty()) {
    std::fprintf(stderr, "--rundir and --backing are required\n");
    return 2;
  }
  struct stat st;
  if (::stat(backing.c_str(), &st) != 0) {
    std::fprintf(stderr, "%s: %s\n", backing.c_str(), std::strerror(errno));
    return 1;
  }
  if (table.empty()) table = "0 " + std::to_string(st.st_size / 512) + " linear " + backing + " 0";

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // threads started below inherit it

  core::TargetRegistry targets;
  targets::register_builtin_targets(targets);
  core::DeviceRegistry devices(targets);
  auto device = devices.create("bench", "");
  auto lines = core::parse_table_text(table, "--table");
  if (!device || !lines) {
    std::fprintf(stderr, "%s\n", (!device ? device.error() : lines.error()).message.c_str());
    return 1;
  }
  auto built = devices.build_table(*lines, false, **device);
  if (!built) {
    std::fprintf(stderr, "%s\n", built.error().message.c_str());
    return 1;
  }
  (*device)->load(std::move(*built));
  if (auto r = (*device)->resume(); !r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  exports::ExportOptions options;
  options.rundir = rundir;
  options.fuse = fuse;
  exports::ExportManager manager(options, devices);
  if (auto r = manager.start(); !r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  manager.stop();
  return 0;
}

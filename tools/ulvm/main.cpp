// ulvm: lvm(8) for udm. `ulvm COMMAND ARGS...`, or run as the command itself
// through a link named after it (pvcreate, lvs, ...), as lvm's multi-call
// binary is. A thin main over src/lvm/api.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "lvm/api/commands.hpp"

int main(int argc, char** argv) {
  // One short-lived command: grow the heap in big steps and never give memory
  // back, instead of many brk/mmap calls while a large VG is parsed.
  mallopt(M_TOP_PAD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  std::string self = argv[0];
  if (auto slash = self.rfind('/'); slash != std::string::npos) self = self.substr(slash + 1);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = self;
  // "ulvm", "lvm" and copies such as "ulvm-0.1" are the multi-call form.
  if (self.starts_with("ulvm") || self == "lvm") {
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
      std::printf("Usage: ulvm COMMAND [ARGS]\nCommands:");
      for (auto n : udm::lvm::api::command_names()) std::printf(" %.*s", static_cast<int>(n.size()), n.data());
      std::printf("\n");
      return args.empty() ? 3 : 0;
    }
    if (args[0] == "version" || args[0] == "--version") {
      std::printf("  LVM version:     2.03.16(2) (ulvm 0.1.0, udm)\n");
      return 0;
    }
    command = args[0];
    args.erase(args.begin());
  }
  udm::lvm::api::CommandIo io;
  io.process_exits_after = true;
  // lvm's questions: what was said so far, then the question on stderr, then
  // a line from stdin (a pipe or a file as well as a terminal).
  io.ask = [&io](const std::string& question) -> std::optional<std::string> {
    std::fwrite(io.out.data(), 1, io.out.size(), stdout);
    std::fflush(stdout);
    std::fwrite(io.err.data(), 1, io.err.size(), stderr);
    std::fwrite(question.data(), 1, question.size(), stderr);
    std::fflush(stderr);
    io.out.clear();
    io.err.clear();
    std::string line;
    if (!std::getline(std::cin, line) && line.empty()) return std::nullopt;
    return line;
  };
  io.flush = [&io] {
    std::fwrite(io.out.data(), 1, io.out.size(), stdout);
    std::fflush(stdout);
    std::fwrite(io.err.data(), 1, io.err.size(), stderr);
    std::fflush(stderr);
    io.out.clear();
    io.err.clear();
  };
  int rc = 0;
  try {
    rc = udm::lvm::api::run_command(command, args, io);
  } catch (const std::exception& e) {
    io.err += std::string("  Internal error: ") + e.what() + "\n";
    rc = 5;
  }
  std::fwrite(io.out.data(), 1, io.out.size(), stdout);
  std::fwrite(io.err.data(), 1, io.err.size(), stderr);
  return rc;
}

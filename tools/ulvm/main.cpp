// ulvm: lvm(8) for udm. `ulvm COMMAND ARGS...`, or run as the command itself
// through a link named after it (pvcreate, lvs, ...), as lvm's multi-call
// binary is; with no command, lvm's interactive shell. A thin main over
// src/lvm/api (dispatch.cpp, shell.cpp).
#include <malloc.h>

#include <string>
#include <vector>

#include "dispatch.hpp"

int main(int argc, char** argv) {
  // One short-lived command: grow the heap in big steps and never give memory
  // back, instead of many brk/mmap calls while a large VG is parsed.
  mallopt(M_TOP_PAD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  std::string self = argv[0];
  if (auto slash = self.rfind('/'); slash != std::string::npos) self = self.substr(slash + 1);
  std::vector<std::string> words(argv + 1, argv + argc);
  // "ulvm", "lvm" and copies such as "ulvm-0.1" are the multi-call form;
  // "ulvm lvm ..." is the same as "ulvm ...".
  bool multi_call = self.starts_with("ulvm") || self == "lvm";
  std::string program = self == "lvm" ? "lvm" : "ulvm";
  if (multi_call) {
    if (!words.empty() && words[0] == "lvm") words.erase(words.begin());
    if (words.empty()) return ulvm::run_shell(program);
  } else {
    words.insert(words.begin(), self);
  }
  return ulvm::run_words(std::move(words), program);
}

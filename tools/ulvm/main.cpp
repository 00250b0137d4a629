// ulvm: lvm(8) for udm. `ulvm COMMAND ARGS...`, or run as the command itself
// through a link named after it (pvcreate, lvs, ...), as lvm's multi-call
// binary is; with no command, lvm's interactive shell. A thin main over
// src/lvm/api (dispatch.cpp, shell.cpp).
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "dispatch.hpp"

namespace {

// One short-lived command: grow the heap in big steps and never give memory
// back, instead of many brk/mmap calls while a large VG is parsed. The heap
// is asked for transparent huge pages: a 10,000-LV VG touches ~30 MiB, and
// taking it 4 KiB at a time was a quarter of `lvs`'s CPU time in page faults
// (what glibc.malloc.hugetlb=1 does, without the environment variable).
void tune_heap() {
  constexpr std::size_t TOP_PAD = 64 << 20;
  mallopt(M_TOP_PAD, static_cast<int>(TOP_PAD));
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  // Static initialisers already made a small heap: a block larger than its
  // free top makes malloc extend it by TOP_PAD.
  void* first = std::malloc(1 << 20);
  constexpr std::uintptr_t HUGE = 2 << 20;
  const auto from = (reinterpret_cast<std::uintptr_t>(first) + HUGE - 1) & ~(HUGE - 1);
  const auto to = reinterpret_cast<std::uintptr_t>(sbrk(0)) & ~(HUGE - 1);
  if (to > from) (void)madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);  // a hint: failure is fine
  std::free(first);
}

}  // namespace

int main(int argc, char** argv) {
  tune_heap();
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

// The C face of the LVM API (include/udm/ulvm.h): no exception crosses it.
#include "udm/ulvm.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lvm/api/commands.hpp"

namespace {

char* dup_text(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

}  // namespace

extern "C" int ulvm_run(int argc, const char* const* argv, char** out, char** err) {
  try {
    if (out) *out = nullptr;
    if (err) *err = nullptr;
    if (argc < 1 || !argv || !argv[0]) return udm::lvm::api::EXIT_INVALID;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i] ? argv[i] : "");
    udm::lvm::api::CommandIo io;
    int rc = udm::lvm::api::run_command(argv[0], args, io);
    if (out && !(*out = dup_text(io.out))) return -1;
    if (err && !(*err = dup_text(io.err))) return -1;
    return rc;
  } catch (...) {
    return -1;
  }
}

extern "C" void ulvm_free(char* text) { std::free(text); }

// The dm-stats @stats_* messages: each input line is split into words and
// sent to one DeviceStats of a 4096-sector device (small reply rooms too),
// with a counted request between lines. Replies must hold what the kernel's
// formats allow; regions too large must fail, not allocate.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/stats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace udm::core;
  DeviceStats stats;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::size_t line_no = 0;
  for (std::string line; std::getline(in, line) && line_no < 64; ++line_no) {
    std::vector<std::string> args;
    std::istringstream words(line);
    for (std::string w; words >> w;) args.push_back(w);
    if (args.empty()) continue;
    const std::size_t room = line_no % 3 == 0 ? 16 : 4096;
    auto r = stats.message(args, 4096, room);
    if (r && *r && !(*r)->buffer_full) {
      for (char c : (*r)->text)
        if (c == '\0') std::abort();
    }
    if (stats.used()) {
      StatsIo io;
      stats.begin(io, line_no % 2, line_no * 37 % 5000, 1 + line_no % 64);
      stats.end(io);
    }
    if (DeviceStats::allocated_bytes() > DeviceStats::max_bytes()) std::abort();
  }
  return 0;
}

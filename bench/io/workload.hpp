// What one benchmark run does and what it measured.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "io/request.hpp"

namespace udm::bench {

struct Workload {
  std::string name;       // "randread"
  io::Op op = io::Op::read;
  std::uint32_t block = 4096;
  std::uint32_t depth = 32;
  std::uint64_t file_bytes = 0;
  double seconds = 3.0;
};

struct Sample {
  double iops = 0;
  double busy_cores = 0;  // process CPU time / wall time during the run
  std::uint64_t errors = 0;
};

// xorshift64*: cheap enough not to show up in a 4 KiB IOPS loop.
inline std::uint64_t next_random(std::uint64_t& state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

inline std::uint64_t random_offset(std::uint64_t& state, const Workload& w) {
  return next_random(state) % (w.file_bytes / w.block) * w.block;
}

// Wall clock and process CPU time (all threads, io_uring workers included).
class Meter {
 public:
  Meter() : wall_(std::chrono::steady_clock::now()), cpu_(cpu_seconds()) {}
  double wall_elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
  }
  double cpu_elapsed() const { return cpu_seconds() - cpu_; }

 private:
  static double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// A plain liburing loop on `fd` in the calling thread: the baseline.
Sample run_raw_uring(int fd, const Workload& w);

}  // namespace udm::bench

namespace udm::io {
class BlockDevice;
}

namespace udm::bench {
// A closed loop through a BlockDevice, `depth` kept in flight. Each
// completion submits the next request from the completing thread, or, with
// `cross_thread`, hands it to one submitter thread that does (as an export's
// server thread would).
Sample run_device(io::BlockDevice& device, const Workload& w, bool cross_thread = false);
}  // namespace udm::bench

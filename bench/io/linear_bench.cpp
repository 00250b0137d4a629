// udm-bench-linear: 4 KiB random read and write at queue depth 32 over a
// 1 GiB file, in process, through (a) a mapped device with one linear target,
// (b) the io engine directly (open_backing), against (c) a plain liburing
// loop on the same file. Runs are time-bounded and interleaved (rotating the
// order each round); ratios are ours / raw. Not a test: speed is reported,
// never asserted.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "io/backing.hpp"
#include "io/uring_engine.hpp"
#include "workload.hpp"

#if UDM_BENCH_HAVE_CORE
#include "core/device_registry.hpp"
#include "core/table_line.hpp"
#endif

namespace udm::bench {
namespace {

struct Options {
  std::string file = "/tmp/udm-bench-linear.img";
  std::uint64_t size_mib = 1024;
  double seconds = 3.0;
  unsigned rounds = 3;
  unsigned depth = 32;
  unsigned block = 4096;
  std::string mode = "both";  // buffered, direct, both
  std::string json;
  bool keep_file = false;
  bool cross_thread = false;
  std::string ops = "randread,randwrite";
};

// Creates the file filled with pseudo-random data unless it already has the
// right size.
bool prepare_file(const Options& o) {
  const std::uint64_t bytes = o.size_mib << 20;
  struct stat st {};
  if (::stat(o.file.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) == bytes) return true;
  std::fprintf(stderr, "creating %s (%llu MiB)...\n", o.file.c_str(), static_cast<unsigned long long>(o.size_mib));
  int fd = ::open(o.file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(o.file.c_str());
    return false;
  }
  std::vector<std::uint64_t> chunk((1 << 20) / 8);
  std::uint64_t rng = 42;
  for (std::uint64_t at = 0; at < bytes; at += 1 << 20) {
    for (auto& w : chunk) w = next_random(rng);
    if (::pwrite(fd, chunk.data(), 1 << 20, static_cast<off_t>(at)) != 1 << 20) {
      std::perror("pwrite");
      ::close(fd);
      return false;
    }
  }
  ::fsync(fd);
  ::close(fd);
  return true;
}

// Reads the whole file so that buffered runs all start from a warm cache.
void warm_cache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  std::vector<char> buf(1 << 20);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  ::close(fd);
}

struct Contender {
  std::string name;
  std::function<Sample(const Workload&)> run;
  std::function<void()> close;
};

struct Row {
  std::string name;
  double ours, baseline, ratio;
  double ours_cpu, baseline_cpu;
  double per_core_ratio;  // IOPS per busy core, ours / baseline
};

// Median: one run disturbed by a neighbour on a shared machine should not move it.
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<Contender> make_contenders(const Options& o, bool direct, std::string& error) {
  std::vector<Contender> out;

  int fd = ::open(o.file.c_str(), O_RDWR | O_CLOEXEC | (direct ? O_DIRECT : 0));
  if (fd < 0) {
    error = o.file + ": " + std::strerror(errno);
    return {};
  }
  out.push_back({"raw", [fd](const Workload& w) { return run_raw_uring(fd, w); }, [fd] { ::close(fd); }});

  auto file = io::open_backing(o.file, {.read_only = false, .direct = direct});
  if (!file) {
    error = file.error().message;
    return {};
  }
  io::BlockDevicePtr engine_device = *file;
  out.push_back({"engine", [engine_device](const Workload& w) { return run_device(*engine_device, w); }, [] {}});
  if (o.cross_thread) {
    out.push_back(
        {"engine-x", [engine_device](const Workload& w) { return run_device(*engine_device, w, true); }, [] {}});
  }

#if UDM_BENCH_HAVE_CORE
  struct Core {
    core::TargetRegistry targets;
    std::unique_ptr<core::DeviceRegistry> devices;
    core::MappedDevicePtr device;
  };
  auto c = std::make_shared<Core>();
  targets::register_builtin_targets(c->targets);
  c->devices = std::make_unique<core::DeviceRegistry>(c->targets);
  c->devices->set_backing_opener(
      [direct](const std::string& path) { return io::open_backing(path, {.read_only = false, .direct = direct}); });
  auto device = c->devices->create(direct ? "bench-linear-direct" : "bench-linear", "");
  if (!device) {
    error = device.error().message;
    return {};
  }
  c->device = *device;
  const std::string table =
      "0 " + std::to_string(bytes_to_sectors(o.size_mib << 20)) + " linear " + o.file + " 0";
  auto lines = core::parse_table_text(table, "bench");
  if (!lines) {
    error = lines.error().message;
    return {};
  }
  auto built = c->devices->build_table(*lines, false, *c->device);
  if (!built) {
    error = built.error().message;
    return {};
  }
  c->device->load(std::move(*built));
  if (auto r = c->device->resume(); !r) {
    error = r.error().message;
    return {};
  }
  out.push_back({"linear", [c](const Workload& w) { return run_device(*c->device, w); },
                 [c] { (void)c->devices->remove(c->device, false); }});
  if (o.cross_thread) {
    out.push_back({"linear-x", [c](const Workload& w) { return run_device(*c->device, w, true); }, [] {}});
  }
#endif
  return out;
}

int run(const Options& o) {
  if (!prepare_file(o)) return 1;
  std::vector<std::string> modes;
  if (o.mode == "both" || o.mode == "buffered") modes.push_back("buffered");
  if (o.mode == "both" || o.mode == "direct") modes.push_back("direct");

  if (auto engine = io::UringEngine::shared()) {
    std::printf("engine ring setup flags: 0x%x\n", (*engine)->setup_flags());
  }
  std::vector<Row> rows;
  std::printf("%-28s %-8s %12s %8s %8s %12s %8s\n", "workload", "who", "IOPS", "ratio", "cores", "IOPS/core",
              "ratio");
  for (const auto& mode : modes) {
    const bool direct = mode == "direct";
    if (!direct) warm_cache(o.file);
    std::string error;
    auto contenders = make_contenders(o, direct, error);
    if (contenders.empty()) {
      std::fprintf(stderr, "udm-bench-linear: %s\n", error.c_str());
      return 1;
    }
    for (io::Op op : {io::Op::read, io::Op::write}) {
      if (o.ops.find(op == io::Op::read ? "randread" : "randwrite") == std::string::npos) continue;
      Workload w;
      w.name = std::string(op == io::Op::read ? "randread" : "randwrite") + " " + std::to_string(o.block / 1024) +
               "k qd" + std::to_string(o.depth) + " " + mode;
      w.op = op;
      w.block = o.block;
      w.depth = o.depth;
      w.file_bytes = o.size_mib << 20;
      w.seconds = o.seconds;
      std::map<std::string, std::vector<double>> iops, cores;
      std::uint64_t errors = 0;
      for (unsigned round = 0; round < o.rounds; ++round) {
        for (std::size_t k = 0; k < contenders.size(); ++k) {
          auto& c = contenders[(k + round) % contenders.size()];  // rotate who goes first
          Sample s = c.run(w);
          iops[c.name].push_back(s.iops);
          cores[c.name].push_back(s.busy_cores);
          errors += s.errors;
        }
        if (op == io::Op::write && !direct) ::sync();  // don't let one run's writeback land on the next
      }
      const double raw = median(iops["raw"]);
      const double raw_cores = median(cores["raw"]);
      const double raw_per_core = raw_cores > 0 ? raw / raw_cores : 0;
      for (const auto& c : contenders) {
        const double v = median(iops[c.name]);
        const double busy = median(cores[c.name]);
        const double per_core = busy > 0 ? v / busy : 0;
        std::printf("%-28s %-8s %12.0f %8.3f %8.2f %12.0f %8.3f\n", w.name.c_str(), c.name.c_str(), v,
                    raw > 0 ? v / raw : 0.0, busy, per_core, raw_per_core > 0 ? per_core / raw_per_core : 0.0);
        if (c.name != "raw") {
          rows.push_back({w.name + ": " + c.name + " vs raw io_uring", v, raw, raw > 0 ? v / raw : 0.0, busy,
                          raw_cores, raw_per_core > 0 ? per_core / raw_per_core : 0.0});
        }
      }
      if (errors) std::printf("  (%llu requests failed)\n", static_cast<unsigned long long>(errors));
    }
    for (auto& c : contenders) c.close();
  }
  if (!o.json.empty()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
      out.push_back({{"name", r.name},
                     {"ours", r.ours},
                     {"baseline", r.baseline},
                     {"ratio", r.ratio},
                     {"unit", "IOPS"},
                     {"ours_busy_cores", r.ours_cpu},
                     {"baseline_busy_cores", r.baseline_cpu},
                     {"per_core_ratio", r.per_core_ratio}});
    }
    std::ofstream(o.json) << out.dump(2) << "\n";
  }
  if (!o.keep_file) ::unlink(o.file.c_str());
  return 0;
}

}  // namespace
}  // namespace udm::bench

int main(int argc, char** argv) {
  udm::bench::Options o;
  CLI::App app{"udm-bench-linear: 4 KiB random I/O through linear vs raw io_uring"};
  app.add_option("--file", o.file, "scratch file (created, removed at the end unless --keep-file)");
  app.add_option("--size-mib", o.size_mib, "file size in MiB")->check(CLI::Range(1, 1 << 20));
  app.add_option("--seconds", o.seconds, "length of each run")->check(CLI::Range(0.1, 600.0));
  app.add_option("--rounds", o.rounds, "interleaved rounds per contender")->check(CLI::Range(1, 100));
  app.add_option("--depth", o.depth, "queue depth")->check(CLI::Range(1, 4096));
  app.add_option("--block", o.block, "request size in bytes")->check(CLI::Range(512, 1 << 20));
  app.add_option("--mode", o.mode, "buffered, direct or both")->check(CLI::IsMember({"buffered", "direct", "both"}));
  app.add_option("--ops", o.ops, "which of randread,randwrite to run");
  app.add_option("--json", o.json, "write [{name, ours, baseline, ratio}] here");
  app.add_flag("--keep-file", o.keep_file, "keep the scratch file for the next run");
  app.add_flag("--cross-thread", o.cross_thread,
               "also run engine-x and linear-x: completions handed to a separate submitter thread");
  CLI11_PARSE(app, argc, argv);
  return udm::bench::run(o);
}

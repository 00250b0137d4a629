// Mapping cost per request through MappedDevice::submit: a table of 10,000
// linear targets over a device that completes inline (no copy), so what is
// measured is admission, lookup, splitting and fan-in. Baseline: the same
// request submitted straight to that device. Goal: <= 100 ns per 4 KiB request.
//
//   udm-bench-core [--json PATH] [benchmark flags]   (or UDM_BENCH_JSON=PATH)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>

#include "core/device_registry.hpp"

namespace {

using namespace udm;

constexpr std::size_t TARGETS = 10000;
constexpr sector_t TARGET_SECTORS = 64;
constexpr byte_count REQUEST = 4096;

class InlineDevice final : public io::BlockDevice {
 public:
  explicit InlineDevice(byte_count size) : size_(size) {}
  byte_count size() const override { return size_; }
  void submit(io::Request* r) override { r->complete(0); }
  std::string table_name() const override { return "7:0"; }
  DevNo devno() const override { return {7, 0}; }

 private:
  byte_count size_;
};

struct Fixture {
  core::TargetRegistry targets;
  core::DeviceRegistry devices{targets};
  std::shared_ptr<InlineDevice> backing = std::make_shared<InlineDevice>(sectors_to_bytes(TARGETS * TARGET_SECTORS * 2));
  core::MappedDevicePtr linear, striped, striped_stats;
  std::vector<byte_count> offsets;

  Fixture() {
    targets::register_builtin_targets(targets);
    devices.set_backing_opener([this](const std::string&) -> Result<io::BlockDevicePtr> { return backing; });
    std::vector<core::TableLine> lines;
    for (std::size_t i = 0; i < TARGETS; ++i)
      lines.push_back({i * TARGET_SECTORS, TARGET_SECTORS, "linear",
                       "/dev/inline " + std::to_string((TARGETS - i) * TARGET_SECTORS), static_cast<unsigned>(i + 1)});
    linear = make("linear10k", lines);
    std::vector<core::TableLine> s{{0, TARGETS * TARGET_SECTORS, "striped", "2 128 /dev/inline 0 /dev/inline 0", 1}};
    striped = make("striped", s);
    // The same with a dm-stats region of 100 areas and a latency histogram:
    // what counting costs per request (without a region it is one load).
    striped_stats = make("striped-stats", s);
    std::vector<std::string> msg{"@stats_create", "-", "/100", "2", "precise_timestamps", "histogram:1000,10000,100000"};
    if (auto r = striped_stats->stats_message(msg, 4096); !r || !*r) {
      std::fprintf(stderr, "udm-bench-core: @stats_create failed\n");
      std::exit(1);
    }
    std::mt19937_64 rng(42);
    for (int i = 0; i < 4096; ++i) offsets.push_back((rng() % (sectors_to_bytes(TARGETS * TARGET_SECTORS) / REQUEST)) * REQUEST);
  }

  core::MappedDevicePtr make(const std::string& name, const std::vector<core::TableLine>& lines) {
    auto d = devices.create(name, "");
    auto t = devices.build_table(lines, false, **d);
    if (!t) {
      std::fprintf(stderr, "udm-bench-core: %s\n", t.error().message.c_str());
      std::exit(1);
    }
    (*d)->load(std::move(*t));
    (void)(*d)->resume();
    return *d;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void submit_loop(benchmark::State& state, io::BlockDevice& dev) {
  auto& f = fixture();
  std::uint64_t completed = 0;
  std::vector<std::byte> buf(REQUEST);
  io::Request r;
  r.op = io::Op::read;
  r.length = REQUEST;
  r.data = buf.data();
  r.context = &completed;
  r.done = [](io::Request* self, int) { ++*static_cast<std::uint64_t*>(self->context); };
  std::size_t i = 0;
  for (auto _ : state) {
    r.offset = f.offsets[i++ & 4095];
    dev.submit(&r);
  }
  if (completed != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("lost completions");
  state.SetItemsProcessed(state.iterations());
}

void BM_direct(benchmark::State& state) { submit_loop(state, *fixture().backing); }
void BM_linear10k(benchmark::State& state) { submit_loop(state, *fixture().linear); }
void BM_striped(benchmark::State& state) { submit_loop(state, *fixture().striped); }
void BM_striped_stats(benchmark::State& state) { submit_loop(state, *fixture().striped_stats); }

BENCHMARK(BM_direct)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_linear10k)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_striped)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_striped_stats)->Unit(benchmark::kNanosecond);

// Keeps the per-iteration CPU time of every run by name: CPU, not wall time,
// because the machine is shared and wall time counts others' work too.
class Capture final : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) ns[r.benchmark_name()] = r.GetAdjustedCPUTime();
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  if (const char* e = std::getenv("UDM_BENCH_JSON")) json_path = e;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
      json_path = argv[++i];
    } else if (std::strncmp(argv[i], "--json=", 7) == 0) {
      json_path = argv[i] + 7;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  Capture capture;
  benchmark::RunSpecifiedBenchmarks(&capture);
  benchmark::Shutdown();

  const double direct = capture.ns["BM_direct"], linear = capture.ns["BM_linear10k"], striped = capture.ns["BM_striped"];
  std::printf("mapping cost (CPU) per 4 KiB request: linear x10000 %.1f ns, striped %.1f ns, direct submit %.1f ns (goal <= 100 ns)\n",
              linear, striped, direct);
  std::printf("dm-stats counting (CPU): striped with a 100-area region and histogram %.1f ns\n",
              capture.ns["BM_striped_stats"]);
  if (!json_path.empty() && direct > 0) {
    std::ofstream out(json_path);
    out << "[{\"name\": \"core.map_4k_linear10000_ns\", \"ours\": " << linear << ", \"baseline\": " << direct
        << ", \"ratio\": " << linear / direct << ", \"goal_ns\": 100},\n"
        << " {\"name\": \"core.map_4k_striped_ns\", \"ours\": " << striped << ", \"baseline\": " << direct
        << ", \"ratio\": " << striped / direct << ", \"goal_ns\": 100}]\n";
    if (!out) {
      std::fprintf(stderr, "udm-bench-core: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }
  return 0;
}

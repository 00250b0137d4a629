// udmd's run-state record: decode_device_state (one <rundir>/devices/N.json)
// and decode_run_state (the previous layout's devices.state, read once for
// the upgrade) on the whole input. A record that decodes must encode to bytes
// that decode to the same devices (round trip; a mismatch aborts), and is then restored into a
// fresh registry (no backing files exist there, so tables naming paths fail
// and are logged; zero/error and stacked 252:N tables build), which must not
// crash or hang whatever order, cycles or duplicates the record holds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/device_registry.hpp"
#include "core/target_registry.hpp"
#include "daemon/device_restore.hpp"
#include "daemon/run_state.hpp"

namespace {

using namespace udm;

struct Bed {
  core::TargetRegistry targets;
  daemon::Log log{std::fopen("/dev/null", "w"), true};
  Bed() { targets::register_builtin_targets(targets); }
};

Bed& bed() {
  static Bed b;
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto dev = daemon::decode_device_state(text)) {
    auto back = daemon::decode_device_state(daemon::encode_device_state(*dev));
    if (!back || *back != *dev) {
      std::fprintf(stderr, "round trip: an accepted device record did not decode back the same\n");
      std::abort();
    }
    core::DeviceRegistry registry(bed().targets);
    registry.set_backing_opener([](const std::string& path) -> Result<io::BlockDevicePtr> {
      return fail(ENOENT, path + ": No such file or directory");
    });
    daemon::RunState one;
    one.devices.push_back(std::move(*dev));
    (void)daemon::restore_run_state(registry, one, bed().log);
    return 0;
  }
  auto state = daemon::decode_run_state(text);
  if (!state) return 0;
  std::string again = daemon::encode_run_state(*state);
  auto back = daemon::decode_run_state(again);
  if (!back || back->devices != state->devices) {
    std::fprintf(stderr, "round trip: an accepted record did not decode back the same\n");
    std::abort();
  }
  if (state->devices.size() > 64) return 0;
  core::DeviceRegistry registry(bed().targets);
  registry.set_backing_opener([](const std::string& path) -> Result<io::BlockDevicePtr> {
    return fail(ENOENT, path + ": No such file or directory");
  });
  (void)daemon::restore_run_state(registry, *state, bed().log);
  return 0;
}

// Table text and target constructors: parse_table_text + split_params on the
// whole input, then Table::build of what parsed, through a DeviceRegistry
// whose backing "paths" /dev/s0../dev/s3 are memory devices (as udmd builds
// tables). Second, the input's tail as the parameters of the registered
// target picked by its first byte. Every table that builds must print a
// TABLE status that builds again and prints the same (round trip); a
// mismatch aborts, so the fuzzer reports it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "core/device_registry.hpp"
#include "core/table_line.hpp"
#include "core/target_registry.hpp"
#include "io/memory_device.hpp"

namespace {

using namespace udm;

struct Bed {
  core::TargetRegistry targets;
  core::DeviceRegistry devices{targets};
  std::map<std::string, io::BlockDevicePtr> backing;
  std::vector<const core::TargetType*> types;

  Bed() {
    targets::register_builtin_targets(targets);
    types = targets.list();
    for (int i = 0; i < 4; ++i) {
      std::string path = "/dev/s" + std::to_string(i);
      backing[path] = std::make_shared<io::MemoryDevice>(1 << 20, path);
    }
    devices.set_backing_opener([this](const std::string& path) -> Result<io::BlockDevicePtr> {
      auto it = backing.find(path);
      if (it == backing.end()) return fail(ENOENT, path + ": No such file or directory");
      return it->second;
    });
  }
};

Bed& bed() {
  static Bed b;
  return b;
}

void check_round_trip(const core::Table& table) {
  std::vector<core::TableLine> again;
  for (const auto& e : table.entries()) {
    (void)e.target->status(core::StatusType::info);
    core::TableLine l;
    l.start = e.begin;
    l.length = e.length;
    l.type = std::string(e.type->name);
    l.params = e.target->status(core::StatusType::table);
    l.line_no = static_cast<unsigned>(again.size() + 1);
    again.push_back(std::move(l));
  }
  auto rebuilt = bed().devices.build_table(again, table.read_only());
  if (!rebuilt) {
    std::fprintf(stderr, "round trip: table output refused: %s\n", rebuilt.error().message.c_str());
    std::abort();
  }
  for (std::size_t i = 0; i < again.size(); ++i) {
    std::string second = (*rebuilt)->entry(i).target->status(core::StatusType::table);
    if (second != again[i].params) {
      std::fprintf(stderr, "round trip: '%s' printed back as '%s'\n", again[i].params.c_str(), second.c_str());
      std::abort();
    }
  }
}

void build(std::span<const core::TableLine> lines) {
  auto table = bed().devices.build_table(lines, false);
  if (table) check_round_trip(**table);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // longer tables add nothing but time
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)core::split_params(text);
  if (auto lines = core::parse_table_text(text, "fuzz"); lines && !lines->empty() && lines->size() <= 16) build(*lines);

  if (size >= 2) {
    const auto& types = bed().types;
    core::TableLine l;
    l.start = 0;
    l.length = 8u << (data[1] % 12);  // 8 sectors .. 16 MiB: devices are 1 MiB, so some are too big
    l.type = std::string(types[data[0] % types.size()]->name);
    l.params = std::string(text.substr(2));
    l.line_no = 1;
    build(std::span<const core::TableLine>(&l, 1));
  }
  return 0;
}

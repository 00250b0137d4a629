// udmd's request processing (daemon::Dispatcher::handle: the kernel's checks
// on a dm_ioctl buffer, the command handlers, the copy-back rules) on a
// sequence of requests against a fresh device registry per input, so state
// built by one request (create, load, resume) is there for the next.
// Input: records of {u8 command index, u16 little-endian length, bytes}.
// Backing "paths" /dev/s0../dev/s3 are memory devices; DEV_WAIT is left out
// (it blocks by design).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "abi/commands.hpp"
#include "core/device_registry.hpp"
#include "core/target_registry.hpp"
#include "daemon/dispatcher.hpp"
#include "io/memory_device.hpp"

using namespace udm;

namespace {

std::FILE* null_file() {
  static std::FILE* f = std::fopen("/dev/null", "w");
  return f;
}

const std::vector<std::uint32_t>& commands() {
  static std::vector<std::uint32_t> list = [] {
    std::vector<std::uint32_t> out;
    for (const auto& c : abi::COMMANDS)
      if (c.command != abi::CMD_DEV_WAIT) out.push_back(c.command);
    return out;
  }();
  return list;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (64u << 10)) return 0;
  core::TargetRegistry targets;
  targets::register_builtin_targets(targets);
  core::DeviceRegistry devices{targets};
  // The backing devices live across inputs (only their bytes carry over,
  // and no request reads them back to decide anything).
  static std::map<std::string, io::BlockDevicePtr> backing = [] {
    std::map<std::string, io::BlockDevicePtr> m;
    for (int i = 0; i < 4; ++i) {
      std::string path = "/dev/s" + std::to_string(i);
      m[path] = std::make_shared<io::MemoryDevice>(1 << 20, path);
    }
    return m;
  }();
  devices.set_backing_opener([](const std::string& path) -> Result<io::BlockDevicePtr> {
    auto it = backing.find(path);
    if (it == backing.end()) return fail(ENOENT, path + ": No such file or directory");
    return it->second;
  });
  daemon::Log log(null_file());
  daemon::Dispatcher dispatcher(devices, daemon::CommandVersions{}, log);
  daemon::ConnectionState conn;

  static const bool trace = std::getenv("UDM_FUZZ_TRACE") != nullptr;  // prints each reply, for seeds
  std::size_t pos = 0;
  for (int n = 0; pos + 3 <= size && n < 32; ++n) {
    std::uint32_t command = commands()[data[pos] % commands().size()];
    std::size_t len = data[pos + 1] | (std::size_t{data[pos + 2]} << 8);
    pos += 3;
    if (len > size - pos) len = size - pos;
    // An exact-size heap copy, so ASan sees a read past the request.
    std::vector<std::uint8_t> request(data + pos, data + pos + len);
    pos += len;
    auto reply = dispatcher.handle(command, request, conn);
    if (trace) std::fprintf(stderr, "command %u (%zu bytes): error %u %s\n", command, len, reply.error, reply.message.c_str());
  }
  return 0;
}

#include "shim/renumber.hpp"

#include <cstring>

#include "abi/commands.hpp"
#include "base/devno.hpp"
#include "shim/fakes.hpp"

namespace udm::shim {
namespace {

// Block devices on: udmd reports a device's loop devno (7:N), or 252:M for
// one without a loop yet; libdevmapper here knows major 7 only (fakes.cpp).
// 252:M goes out as 7:(OFFSET + M) and comes back as 252:M.
std::uint64_t dev_to_caller(std::uint64_t huge) {
  DevNo d = DevNo::from_huge(huge);
  if (d.major != UDM_BLOCK_MAJOR || d.minor >= SHIM_LOOP_OFFSET) return huge;
  return DevNo{LOOP_MAJOR, SHIM_LOOP_OFFSET + d.minor}.to_huge();
}
std::uint64_t dev_to_udmd(std::uint64_t huge) {
  DevNo d = DevNo::from_huge(huge);
  if (d.major != LOOP_MAJOR || d.minor < SHIM_LOOP_OFFSET) return huge;
  return DevNo{UDM_BLOCK_MAJOR, d.minor - SHIM_LOOP_OFFSET}.to_huge();
}

// struct dm_ioctl offsets (linux/dm-ioctl.h): data_size 12, data_start 16, dev 40.
constexpr std::uint32_t MIN_IOCTL_BUFFER = 305;
constexpr std::size_t DATA_SIZE_AT = 12, DATA_START_AT = 16, DEV_AT = 40;

std::uint64_t load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store64(char* p, std::uint64_t v) { std::memcpy(p, &v, sizeof v); }
std::uint32_t load32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

void reply_devs_to_caller(std::uint32_t command, char* buffer, std::uint32_t size) noexcept {
  if (size < DEV_AT + 8) return;
  store64(buffer + DEV_AT, dev_to_caller(load64(buffer + DEV_AT)));
  std::uint32_t start = load32(buffer + DATA_START_AT), used = load32(buffer + DATA_SIZE_AT);
  if (used > size) used = size;
  if (start < MIN_IOCTL_BUFFER || start >= used) return;
  if (command == abi::CMD_LIST_DEVICES) {
    // struct dm_name_list { __u64 dev; __u32 next; char name[]; }: next is relative.
    std::uint32_t at = start;
    for (int guard = 0; guard < 1 << 20 && std::uint64_t{at} + 12 <= used; ++guard) {
      if (load64(buffer + at) == 0) break;  // an empty list
      store64(buffer + at, dev_to_caller(load64(buffer + at)));
      std::uint32_t next = load32(buffer + at + 8);
      if (next == 0 || next > used - at) break;
      at += next;
    }
  } else if (command == abi::CMD_TABLE_DEPS) {
    // struct dm_target_deps { __u32 count; __u32 padding; __u64 dev[]; }
    if (start + 8 > used) return;
    std::uint32_t count = load32(buffer + start);
    for (std::uint64_t i = 0; i < count && std::uint64_t{start} + 8 + (i + 1) * 8 <= used; ++i)
      store64(buffer + start + 8 + i * 8, dev_to_caller(load64(buffer + start + 8 + i * 8)));
  }
}


void request_dev_to_udmd(char* buffer, std::uint32_t size) noexcept {
  if (size < DEV_AT + 8) return;
  store64(buffer + DEV_AT, dev_to_udmd(load64(buffer + DEV_AT)));
}

}  // namespace udm::shim

// The control ABI's wire layout: Linux's `struct dm_ioctl` ("v4" interface),
// byte for byte. Checked against <linux/dm-ioctl.h> in dm_ioctl_layout.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace udm::abi {

inline constexpr std::size_t NAME_LEN = 128;   // 127 characters + NUL
inline constexpr std::size_t UUID_LEN = 129;   // 128 characters + NUL
inline constexpr std::size_t MAX_TYPE_NAME = 16;
inline constexpr std::uint32_t IOCTL_TYPE = 0xfd;

struct DmIoctl {
  std::uint32_t version[3];
  std::uint32_t data_size;   // whole buffer, header included
  std::uint32_t data_start;  // payload offset from the start of this struct
  std::uint32_t target_count;
  std::int32_t open_count;
  std::uint32_t flags;
  std::uint32_t event_nr;
  std::uint32_t padding;
  std::uint64_t dev;  // kernel huge encoding (DevNo::to_huge)
  char name[NAME_LEN];
  char uuid[UUID_LEN];
  char data[7];
};

struct TargetSpec {
  std::uint64_t sector_start;
  std::uint64_t length;
  std::int32_t status;
  std::uint32_t next;  // load: from this spec; status output: from the first spec
  char target_type[MAX_TYPE_NAME];
  // NUL-terminated parameter string follows
};

struct TargetDeps {
  std::uint32_t count;
  std::uint32_t padding;
  // std::uint64_t dev[count] follows
};

struct NameList {
  std::uint64_t dev;
  std::uint32_t next;  // from this record; 0 in the last
  // char name[] follows at offset 12, then (4.38+) an 8-aligned trailer
  // { u32 event_nr; u32 flags; } and (4.45+, with UUID_FLAG) an 8-aligned uuid.
};
inline constexpr std::size_t NAME_LIST_NAME_OFFSET = 12;
inline constexpr std::uint32_t NAME_LIST_FLAG_HAS_UUID = 1;
inline constexpr std::uint32_t NAME_LIST_FLAG_DOESNT_HAVE_UUID = 2;

struct TargetVersions {
  std::uint32_t next;
  std::uint32_t version[3];
  // char name[] follows at offset 16
};

struct TargetMsg {
  std::uint64_t sector;
  // char message[] follows
};

static_assert(sizeof(DmIoctl) == 312 && alignof(DmIoctl) == 8);
static_assert(offsetof(DmIoctl, data) == 305);
static_assert(sizeof(TargetSpec) == 40);
static_assert(sizeof(TargetDeps) == 8);
static_assert(sizeof(NameList) == 16);
static_assert(sizeof(TargetVersions) == 16);
static_assert(sizeof(TargetMsg) == 8);

// The kernel's "header only" size: minimum data_size, and what NO_PARAMS commands return.
inline constexpr std::uint32_t HEADER_MIN_SIZE = 305;
// Where payloads start: align8(sizeof(DmIoctl)).
inline constexpr std::uint32_t PAYLOAD_OFFSET = 312;

enum Flag : std::uint32_t {
  READONLY_FLAG = 1u << 0,
  SUSPEND_FLAG = 1u << 1,
  EXISTS_FLAG = 1u << 2,  // libdevmapper's private bit; echoed back untouched
  PERSISTENT_DEV_FLAG = 1u << 3,
  STATUS_TABLE_FLAG = 1u << 4,
  ACTIVE_PRESENT_FLAG = 1u << 5,
  INACTIVE_PRESENT_FLAG = 1u << 6,
  BUFFER_FULL_FLAG = 1u << 8,
  SKIP_BDGET_FLAG = 1u << 9,
  SKIP_LOCKFS_FLAG = 1u << 10,
  NOFLUSH_FLAG = 1u << 11,
  QUERY_INACTIVE_TABLE_FLAG = 1u << 12,
  UEVENT_GENERATED_FLAG = 1u << 13,
  UUID_FLAG = 1u << 14,
  SECURE_DATA_FLAG = 1u << 15,
  DATA_OUT_FLAG = 1u << 16,
  DEFERRED_REMOVE_FLAG = 1u << 17,
  INTERNAL_SUSPEND_FLAG = 1u << 18,
  IMA_MEASUREMENT_FLAG = 1u << 19,
};

// Every flag the ABI defines; a request with any other bit is refused.
inline constexpr std::uint32_t KNOWN_FLAGS = 0xfffffu & ~(1u << 7);

// ioctl request numbers: _IOWR(0xfd, nr, struct dm_ioctl).
constexpr std::uint32_t ioctl_request(std::uint32_t nr) { return 0xc138fd00u | nr; }

}  // namespace udm::abi

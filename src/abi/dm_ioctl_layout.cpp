// Pins every offset and size of dm_ioctl.hpp against the kernel's uapi header.
// This is the one translation unit that includes <linux/dm-ioctl.h>.
#include <cstddef>
#include <sys/ioctl.h>
#include <linux/dm-ioctl.h>

#include "abi/dm_ioctl.hpp"

namespace udm::abi {

#define UDM_SAME_FIELD(ours, theirs, field)                                   \
  static_assert(offsetof(ours, field) == offsetof(theirs, field), #field); \
  static_assert(sizeof(ours::field) == sizeof(theirs::field), #field)

UDM_SAME_FIELD(DmIoctl, dm_ioctl, version);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, data_size);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, data_start);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, target_count);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, open_count);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, flags);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, event_nr);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, padding);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, dev);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, name);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, uuid);
UDM_SAME_FIELD(DmIoctl, dm_ioctl, data);
static_assert(sizeof(DmIoctl) == sizeof(dm_ioctl) && alignof(DmIoctl) == alignof(dm_ioctl));

UDM_SAME_FIELD(TargetSpec, dm_target_spec, sector_start);
UDM_SAME_FIELD(TargetSpec, dm_target_spec, length);
UDM_SAME_FIELD(TargetSpec, dm_target_spec, status);
UDM_SAME_FIELD(TargetSpec, dm_target_spec, next);
UDM_SAME_FIELD(TargetSpec, dm_target_spec, target_type);
static_assert(sizeof(TargetSpec) == sizeof(dm_target_spec));

UDM_SAME_FIELD(TargetDeps, dm_target_deps, count);
UDM_SAME_FIELD(TargetDeps, dm_target_deps, padding);
static_assert(sizeof(TargetDeps) == offsetof(dm_target_deps, dev));

UDM_SAME_FIELD(NameList, dm_name_list, dev);
UDM_SAME_FIELD(NameList, dm_name_list, next);
static_assert(NAME_LIST_NAME_OFFSET == offsetof(dm_name_list, name));
static_assert(NAME_LIST_FLAG_HAS_UUID == DM_NAME_LIST_FLAG_HAS_UUID);
static_assert(NAME_LIST_FLAG_DOESNT_HAVE_UUID == DM_NAME_LIST_FLAG_DOESNT_HAVE_UUID);

UDM_SAME_FIELD(TargetVersions, dm_target_versions, next);
UDM_SAME_FIELD(TargetVersions, dm_target_versions, version);
static_assert(sizeof(TargetVersions) == offsetof(dm_target_versions, name));

UDM_SAME_FIELD(TargetMsg, dm_target_msg, sector);
static_assert(sizeof(TargetMsg) == offsetof(dm_target_msg, message));

static_assert(NAME_LEN == DM_NAME_LEN && UUID_LEN == DM_UUID_LEN && MAX_TYPE_NAME == DM_MAX_TYPE_NAME);
static_assert(IOCTL_TYPE == DM_IOCTL);
static_assert(HEADER_MIN_SIZE == offsetof(dm_ioctl, data));

static_assert(READONLY_FLAG == DM_READONLY_FLAG && SUSPEND_FLAG == DM_SUSPEND_FLAG);
static_assert(PERSISTENT_DEV_FLAG == DM_PERSISTENT_DEV_FLAG && STATUS_TABLE_FLAG == DM_STATUS_TABLE_FLAG);
static_assert(ACTIVE_PRESENT_FLAG == DM_ACTIVE_PRESENT_FLAG && INACTIVE_PRESENT_FLAG == DM_INACTIVE_PRESENT_FLAG);
static_assert(BUFFER_FULL_FLAG == DM_BUFFER_FULL_FLAG && SKIP_BDGET_FLAG == DM_SKIP_BDGET_FLAG);
static_assert(SKIP_LOCKFS_FLAG == DM_SKIP_LOCKFS_FLAG && NOFLUSH_FLAG == DM_NOFLUSH_FLAG);
static_assert(QUERY_INACTIVE_TABLE_FLAG == DM_QUERY_INACTIVE_TABLE_FLAG);
static_assert(UEVENT_GENERATED_FLAG == DM_UEVENT_GENERATED_FLAG && UUID_FLAG == DM_UUID_FLAG);
static_assert(SECURE_DATA_FLAG == DM_SECURE_DATA_FLAG && DATA_OUT_FLAG == DM_DATA_OUT_FLAG);
static_assert(DEFERRED_REMOVE_FLAG == DM_DEFERRED_REMOVE);
static_assert(INTERNAL_SUSPEND_FLAG == DM_INTERNAL_SUSPEND_FLAG && IMA_MEASUREMENT_FLAG == DM_IMA_MEASUREMENT_FLAG);

static_assert(ioctl_request(DM_VERSION_CMD) == DM_VERSION);
static_assert(ioctl_request(DM_LIST_DEVICES_CMD) == DM_LIST_DEVICES);
static_assert(ioctl_request(DM_TABLE_LOAD_CMD) == DM_TABLE_LOAD);
static_assert(ioctl_request(DM_GET_TARGET_VERSION_CMD) == DM_GET_TARGET_VERSION);

}  // namespace udm::abi

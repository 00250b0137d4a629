// lvm2 2.03.16's configuration settings, in lvm2's order of definition, as
// its lvmconfig prints them (--type list, full, default and profilable*
// measured on the real tool). `value` is the default as printed, with @SYS@
// for $LVM_SYSTEM_DIR; an empty one has no default. The versions and
// comment texts are lvm2's (lib/config/config_settings.h of v2_03_16), as
// --withversions and --withcomments print them. Settings lvm2 marks
// unsupported are left out: lvmconfig shows them only with
// --showunsupported.
#include "lvm/api/lvm2_settings.hpp"

namespace udm::lvm::api {

namespace {
constexpr Lvm2Setting SETTINGS[] = {
    {"config/checks", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "If enabled, any LVM configuration mismatch is reported.\n"
     "This implies checking that the configuration key is understood by\n"
     "LVM and that the value of the key is the proper type. If disabled,\n"
     "any configuration mismatch is ignored and the default value is used\n"
     "without any warning (a message about the configuration key not being\n"
     "found is issued in verbose mode only).\n"},
    {"config/abort_on_errors", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "Abort the LVM process if a configuration mismatch is found.\n"},
    {"config/profile_dir", R"~("@SYS@/profile")~", F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "Directory where LVM looks for configuration profiles.\n"},
    {"devices/dir", R"~("/dev")~", F_ADVANCED|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Directory in which to create volume group device nodes.\n"
     "Commands also accept this as a prefix on volume group names.\n"},
    {"devices/scan", R"~(["/dev"])~", F_ADVANCED|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Directories containing device nodes to use with LVM.\n"},
    {"devices/obtain_device_list_from_udev", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.85", "",
     "",
     "Obtain the list of available devices from udev.\n"
     "This avoids opening or using any inapplicable non-block devices or\n"
     "subdirectories found in the udev directory. Any device node or\n"
     "symlink not managed by udev in the udev directory is ignored. This\n"
     "setting applies only to the udev-managed device directory; other\n"
     "directories will be scanned fully. LVM needs to be compiled with\n"
     "udev support for this setting to apply.\n"},
    {"devices/external_device_info_source", R"~("none")~", F_DEFAULT_COMMENTED, "2.2.116", "",
     "",
     "Enable device information from udev.\n"
     "If set to \"udev\", lvm will supplement its own native device information\n"
     "with information from libudev. This can potentially improve the detection\n"
     "of MD component devices and multipath component devices.\n"},
    {"devices/hints", R"~("all")~", F_DEFAULT_COMMENTED, "2.3.2", "",
     "",
     "Use a local file to remember which devices have PVs on them.\n"
     "Some commands will use this as an optimization to reduce device\n"
     "scanning, and will only scan the listed PVs. Removing the hint file\n"
     "will cause lvm to generate a new one. Disable hints if PVs will\n"
     "be copied onto devices using non-lvm commands, like dd.\n"
     "#\n"
     "Accepted values:\n"
     "  all\n"
     "    Use all hints.\n"
     "  none\n"
     "    Use no hints.\n"
     "#\n"},
    {"devices/preferred_names", R"~()~", F_NO_DEFAULT, "1.2.19", "",
     "",
     "Select which path name to display for a block device.\n"
     "If multiple path names exist for a block device, and LVM needs to\n"
     "display a name for the device, the path names are matched against\n"
     "each item in this list of regular expressions. The first match is\n"
     "used. Try to avoid using undescriptive /dev/dm-N names, if present.\n"
     "If no preferred name matches, or if preferred_names are not defined,\n"
     "the following built-in preferences are applied in order until one\n"
     "produces a preferred name:\n"
     "Prefer names with path prefixes in the order of:\n"
     "/dev/mapper, /dev/disk, /dev/dm-*, /dev/block.\n"
     "Prefer the name with the least number of slashes.\n"
     "Prefer a name that is a symlink.\n"
     "Prefer the path with least value in lexicographical order.\n"
     "#\n"
     "Example\n"
     "preferred_names = [ \"^/dev/mpath/\", \"^/dev/mapper/mpath\", \"^/dev/[hs]d\" ]\n"
     "#\n"},
    {"devices/use_devicesfile", R"~(0)~", F_DEFAULT_COMMENTED, "2.3.12", "",
     "",
     "Enable or disable the use of a devices file.\n"
     "When enabled, lvm will only use devices that\n"
     "are lised in the devices file. A devices file will\n"
     "be used, regardless of this setting, when the --devicesfile\n"
     "option is set to a specific file name.\n"},
    {"devices/devicesfile", R"~("system.devices")~", F_DEFAULT_COMMENTED, "2.3.12", "",
     "",
     "The name of the system devices file, listing devices that LVM should use.\n"
     "This should not be used to select a non-system devices file.\n"
     "The --devicesfile option is intended for alternative devices files.\n"},
    {"devices/search_for_devnames", R"~("auto")~", F_DEFAULT_COMMENTED, "2.3.12", "",
     "",
     "Look outside of the devices file for missing devname entries.\n"
     "A devname entry is used for a device that does not have a stable\n"
     "device id, e.g. wwid, so the unstable device name is used as\n"
     "the device id. After reboot, or if the device is reattached,\n"
     "the device name may change, in which case lvm will not find\n"
     "the expected PV on the device listed in the devices file.\n"
     "This setting controls whether lvm will search other devices,\n"
     "outside the devices file, to look for the missing PV on a\n"
     "renamed device. If \"none\", lvm will not look at other devices,\n"
     "and the PV may appear to be missing. If \"auto\", lvm will look\n"
     "at other devices, but only those that are likely to have the PV.\n"
     "If \"all\", lvm will look at all devices on the system.\n"},
    {"devices/filter", R"~(["a|.*|"])~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Limit the block devices that are used by LVM commands.\n"
     "This is a list of regular expressions used to accept or reject block\n"
     "device path names. Each regex is delimited by a vertical bar '|'\n"
     "(or any character) and is preceded by 'a' to accept the path, or\n"
     "by 'r' to reject the path. The first regex in the list to match the\n"
     "path is used, producing the 'a' or 'r' result for the device.\n"
     "When multiple path names exist for a block device, if any path name\n"
     "matches an 'a' pattern before an 'r' pattern, then the device is\n"
     "accepted. If all the path names match an 'r' pattern first, then the\n"
     "device is rejected. Unmatching path names do not affect the accept\n"
     "or reject decision. If no path names for a device match a pattern,\n"
     "then the device is accepted. Be careful mixing 'a' and 'r' patterns,\n"
     "as the combination might produce unexpected results (test changes.)\n"
     "Run vgscan after changing the filter to regenerate the cache.\n"
     "#\n"
     "Example\n"
     "Accept every block device:\n"
     "filter = [ \"a|.*|\" ]\n"
     "Reject the cdrom drive:\n"
     "filter = [ \"r|/dev/cdrom|\" ]\n"
     "Work with just loopback devices, e.g. for testing:\n"
     "filter = [ \"a|loop|\", \"r|.*|\" ]\n"
     "Accept all loop devices and ide drives except hdc:\n"
     "filter = [ \"a|loop|\", \"r|/dev/hdc|\", \"a|/dev/ide|\", \"r|.*|\" ]\n"
     "Use anchors to be very specific:\n"
     "filter = [ \"a|^/dev/hda8$|\", \"r|.*|\" ]\n"
     "#\n"},
    {"devices/global_filter", R"~(["a|.*|"])~", F_DEFAULT_COMMENTED, "2.2.98", "",
     "",
     "Limit the block devices that are used by LVM system components.\n"
     "Because devices/filter may be overridden from the command line, it is\n"
     "not suitable for system-wide device filtering, e.g. udev.\n"
     "Use global_filter to hide devices from these LVM system components.\n"
     "The syntax is the same as devices/filter. Devices rejected by\n"
     "global_filter are not opened by LVM.\n"},
    {"devices/cache", R"~("@SYS@/cache/.cache")~", F_DEPRECATED, "1.0.0", "1.2.19",
     "",
     ""},
    {"devices/cache_dir", R"~("@SYS@/cache")~", F_DEPRECATED, "1.2.19", "2.3.0",
     "",
     ""},
    {"devices/cache_file_prefix", R"~("")~", F_DEPRECATED, "1.2.19", "2.3.0",
     "",
     ""},
    {"devices/write_cache_state", R"~(1)~", F_DEPRECATED, "1.0.0", "2.3.0",
     "",
     ""},
    {"devices/types", R"~()~", F_NO_DEFAULT|F_ADVANCED, "1.0.0", "",
     "",
     "List of additional acceptable block device types.\n"
     "These are of device type names from /proc/devices, followed by the\n"
     "maximum number of partitions.\n"
     "#\n"
     "Example\n"
     "types = [ \"fd\", 16 ]\n"
     "#\n"},
    {"devices/sysfs_scan", R"~(1)~", F_DEFAULT_COMMENTED, "1.0.8", "",
     "",
     "Restrict device scanning to block devices appearing in sysfs.\n"
     "This is a quick way of filtering out block devices that are not\n"
     "present on the system. sysfs must be part of the kernel and mounted.)\n"},
    {"devices/scan_lvs", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.182", "",
     "",
     "Scan LVM LVs for layered PVs, allowing LVs to be used as PVs.\n"
     "When 1, LVM will detect PVs layered on LVs, and caution must be\n"
     "taken to avoid a host accessing a layered VG that may not belong\n"
     "to it, e.g. from a guest image. This generally requires excluding\n"
     "the LVs with device filters. Also, when this setting is enabled,\n"
     "every LVM command will scan every active LV on the system (unless\n"
     "filtered), which can cause performance problems on systems with\n"
     "many active LVs. When this setting is 0, LVM will not detect or\n"
     "use PVs that exist on LVs, and will not allow a PV to be created on\n"
     "an LV. The LVs are ignored using a built in device filter that\n"
     "identifies and excludes LVs.\n"},
    {"devices/multipath_component_detection", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "Ignore devices that are components of DM multipath devices.\n"},
    {"devices/multipath_wwids_file", R"~("/etc/multipath/wwids")~", F_DEFAULT_COMMENTED, "2.3.13", "",
     "",
     "The path to the multipath wwids file used for multipath component detection.\n"
     "Set this to an empty string to disable the use of the multipath wwids file.\n"},
    {"devices/md_component_detection", R"~(1)~", F_DEFAULT_COMMENTED, "1.0.18", "",
     "",
     "Enable detection and exclusion of MD component devices.\n"
     "An MD component device is a block device that MD uses as part\n"
     "of a software RAID virtual device. When an LVM PV is created\n"
     "on an MD device, LVM must only use the top level MD device as\n"
     "the PV, and should ignore the underlying component devices.\n"
     "In cases where the MD superblock is located at the end of the\n"
     "component devices, it is more difficult for LVM to consistently\n"
     "identify an MD component, see the md_component_checks setting.\n"},
    {"devices/md_component_checks", R"~("auto")~", F_DEFAULT_COMMENTED, "2.3.2", "",
     "",
     "The checks LVM should use to detect MD component devices.\n"
     "MD component devices are block devices used by MD software RAID.\n"
     "#\n"
     "Accepted values:\n"
     "  auto\n"
     "    LVM will skip scanning the end of devices when it has other\n"
     "    indications that the device is not an MD component.\n"
     "  start\n"
     "    LVM will only scan the start of devices for MD superblocks.\n"
     "    This does not incur extra I/O by LVM.\n"
     "  full\n"
     "    LVM will scan the start and end of devices for MD superblocks.\n"
     "    This requires an extra read at the end of devices.\n"
     "#\n"},
    {"devices/fw_raid_component_detection", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.112", "",
     "",
     "Ignore devices that are components of firmware RAID devices.\n"
     "LVM must use an external_device_info_source other than none for this\n"
     "detection to execute.\n"},
    {"devices/md_chunk_alignment", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.48", "",
     "",
     "Align the start of a PV data area with md device's stripe-width.\n"
     "This applies if a PV is placed directly on an md device.\n"
     "default_data_alignment will be overridden if it is not aligned\n"
     "with the value detected for this setting.\n"
     "This setting is overridden by data_alignment_detection,\n"
     "data_alignment, and the --dataalignment option.\n"},
    {"devices/default_data_alignment", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.75", "",
     "",
     "Align the start of a PV data area with this number of MiB.\n"
     "Set to 1 for 1MiB, 2 for 2MiB, etc. Set to 0 to disable.\n"
     "This setting is overridden by data_alignment and the --dataalignment\n"
     "option.\n"},
    {"devices/data_alignment_detection", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.51", "",
     "",
     "Align the start of a PV data area with sysfs io properties.\n"
     "The start of a PV data area will be a multiple of minimum_io_size or\n"
     "optimal_io_size exposed in sysfs. minimum_io_size is the smallest\n"
     "request the device can perform without incurring a read-modify-write\n"
     "penalty, e.g. MD chunk size. optimal_io_size is the device's\n"
     "preferred unit of receiving I/O, e.g. MD stripe width.\n"
     "minimum_io_size is used if optimal_io_size is undefined (0).\n"
     "If md_chunk_alignment is enabled, that detects the optimal_io_size.\n"
     "default_data_alignment and md_chunk_alignment will be overridden\n"
     "if they are not aligned with the value detected for this setting.\n"
     "This setting is overridden by data_alignment and the --dataalignment\n"
     "option.\n"},
    {"devices/data_alignment", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.45", "",
     "",
     "Align the start of a PV data area with this number of KiB.\n"
     "When non-zero, this setting overrides default_data_alignment.\n"
     "Set to 0 to disable, in which case default_data_alignment\n"
     "is used to align the first PE in units of MiB.\n"
     "This setting is overridden by the --dataalignment option.\n"},
    {"devices/data_alignment_offset_detection", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.50", "",
     "",
     "Shift the start of an aligned PV data area based on sysfs information.\n"
     "After a PV data area is aligned, it will be shifted by the\n"
     "alignment_offset exposed in sysfs. This offset is often 0, but may\n"
     "be non-zero. Certain 4KiB sector drives that compensate for windows\n"
     "partitioning will have an alignment_offset of 3584 bytes (sector 7\n"
     "is the lowest aligned logical block, the 4KiB sectors start at\n"
     "LBA -1, and consequently sector 63 is aligned on a 4KiB boundary).\n"
     "This setting is overridden by the --dataalignmentoffset option.\n"},
    {"devices/ignore_suspended_devices", R"~(0)~", F_DEFAULT_COMMENTED, "1.2.19", "",
     "",
     "Ignore DM devices that have I/O suspended while scanning devices.\n"
     "Otherwise, LVM waits for a suspended device to become accessible.\n"
     "This should only be needed in recovery situations.\n"},
    {"devices/ignore_lvm_mirrors", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.104", "",
     "",
     "Do not scan 'mirror' LVs to avoid possible deadlocks.\n"
     "This avoids possible deadlocks when using the 'mirror' segment type.\n"
     "This setting determines whether LVs using the 'mirror' segment type\n"
     "are scanned for LVM labels. This affects the ability of mirrors to\n"
     "be used as physical volumes. If this setting is enabled, it is\n"
     "impossible to create VGs on top of mirror LVs, i.e. to stack VGs on\n"
     "mirror LVs. If this setting is disabled, allowing mirror LVs to be\n"
     "scanned, it may cause LVM processes and I/O to the mirror to become\n"
     "blocked. This is due to the way that the mirror segment type handles\n"
     "failures. In order for the hang to occur, an LVM command must be run\n"
     "just after a failure and before the automatic LVM repair process\n"
     "takes place, or there must be failures in multiple mirrors in the\n"
     "same VG at the same time with write failures occurring moments before\n"
     "a scan of the mirror's labels. The 'mirror' scanning problems do not\n"
     "apply to LVM RAID types like 'raid1' which handle failures in a\n"
     "different way, making them a better choice for VG stacking.\n"},
    {"devices/disable_after_error_count", R"~(0)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "2.2.75", "2.3.0",
     "",
     ""},
    {"devices/require_restorefile_with_uuid", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.73", "",
     "",
     "Allow use of pvcreate --uuid without requiring --restorefile.\n"},
    {"devices/pv_min_size", R"~(2048)~", F_DEFAULT_COMMENTED, "2.2.85", "",
     "",
     "Minimum size in KiB of block devices which can be used as PVs.\n"
     "In a clustered environment all nodes must use the same value.\n"
     "Any value smaller than 512KiB is ignored. The previous built-in\n"
     "value was 512.\n"},
    {"devices/issue_discards", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.85", "",
     "",
     "Issue discards to PVs that are no longer used by an LV.\n"
     "Discards are sent to an LV's underlying physical volumes when the LV\n"
     "is no longer using the physical volumes' space, e.g. lvremove,\n"
     "lvreduce. Discards inform the storage that a region is no longer\n"
     "used. Storage that supports discards advertise the protocol-specific\n"
     "way discards should be issued by the kernel (TRIM, UNMAP, or\n"
     "WRITE SAME with UNMAP bit set). Not all storage will support or\n"
     "benefit from discards, but SSDs and thinly provisioned LUNs\n"
     "generally do. If enabled, discards will only be issued if both the\n"
     "storage and kernel provide support.\n"},
    {"devices/allow_changes_with_duplicate_pvs", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.153", "",
     "",
     "Allow VG modification while a PV appears on multiple devices.\n"
     "When a PV appears on multiple devices, LVM attempts to choose the\n"
     "best device to use for the PV. If the devices represent the same\n"
     "underlying storage, the choice has minimal consequence. If the\n"
     "devices represent different underlying storage, the wrong choice\n"
     "can result in data loss if the VG is modified. Disabling this\n"
     "setting is the safest option because it prevents modifying a VG\n"
     "or activating LVs in it while a PV appears on multiple devices.\n"
     "Enabling this setting allows the VG to be used as usual even with\n"
     "uncertain devices.\n"},
    {"devices/allow_mixed_block_sizes", R"~(0)~", F_DEFAULT_COMMENTED, "2.3.6", "",
     "",
     "Allow PVs in the same VG with different logical block sizes.\n"
     "When allowed, the user is responsible to ensure that an LV is\n"
     "using PVs with matching block sizes when necessary.\n"},
    {"allocation/cling_tag_list", R"~()~", F_NO_DEFAULT, "2.2.77", "",
     "",
     "Advise LVM which PVs to use when searching for new space.\n"
     "When searching for free space to extend an LV, the 'cling' allocation\n"
     "policy will choose space on the same PVs as the last segment of the\n"
     "existing LV. If there is insufficient space and a list of tags is\n"
     "defined here, it will check whether any of them are attached to the\n"
     "PVs concerned and then seek to match those PV tags between existing\n"
     "extents and new extents.\n"
     "#\n"
     "Example\n"
     "Use the special tag \"@*\" as a wildcard to match any PV tag:\n"
     "cling_tag_list = [ \"@*\" ]\n"
     "LVs are mirrored between two sites within a single VG, and\n"
     "PVs are tagged with either @site1 or @site2 to indicate where\n"
     "they are situated:\n"
     "cling_tag_list = [ \"@site1\", \"@site2\" ]\n"
     "#\n"},
    {"allocation/maximise_cling", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.85", "",
     "",
     "Use a previous allocation algorithm.\n"
     "Changes made in version 2.02.85 extended the reach of the 'cling'\n"
     "policies to detect more situations where data can be grouped onto\n"
     "the same disks. This setting can be used to disable the changes\n"
     "and revert to the previous algorithm.\n"},
    {"allocation/use_blkid_wiping", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.105", "",
     "",
     "Use blkid to detect and erase existing signatures on new PVs and LVs.\n"
     "The blkid library can detect more signatures than the native LVM\n"
     "detection code, but may take longer. LVM needs to be compiled with\n"
     "blkid wiping support for this setting to apply. LVM native detection\n"
     "code is currently able to recognize: MD device signatures,\n"
     "swap signature, and LUKS signatures. To see the list of signatures\n"
     "recognized by blkid, check the output of the 'blkid -k' command.\n"},
    {"allocation/wipe_signatures_when_zeroing_new_lvs", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.105", "",
     "",
     "Look for and erase any signatures while zeroing a new LV.\n"
     "The --wipesignatures option overrides this setting.\n"
     "Zeroing is controlled by the -Z/--zero option, and if not specified,\n"
     "zeroing is used by default if possible. Zeroing simply overwrites the\n"
     "first 4KiB of a new LV with zeroes and does no signature detection or\n"
     "wiping. Signature wiping goes beyond zeroing and detects exact types\n"
     "and positions of signatures within the whole LV. It provides a\n"
     "cleaner LV after creation as all known signatures are wiped. The LV\n"
     "is not claimed incorrectly by other tools because of old signatures\n"
     "from previous use. The number of signatures that LVM can detect\n"
     "depends on the detection code that is selected (see\n"
     "use_blkid_wiping.) Wiping each detected signature must be confirmed.\n"
     "When this setting is disabled, signatures on new LVs are not detected\n"
     "or erased unless the --wipesignatures option is used directly.\n"},
    {"allocation/mirror_logs_require_separate_pvs", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.85", "",
     "",
     "Mirror logs and images will always use different PVs.\n"
     "The default setting changed in version 2.02.85.\n"},
    {"allocation/raid_stripe_all_devices", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.162", "",
     "",
     "Stripe across all PVs when RAID stripes are not specified.\n"
     "If enabled, all PVs in the VG or on the command line are used for\n"
     "raid0/4/5/6/10 when the command does not specify the number of\n"
     "stripes to use.\n"
     "This was the default behaviour until release 2.02.162.\n"},
    {"allocation/cache_pool_metadata_require_separate_pvs", R"~(0)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.106", "",
     "",
     "Cache pool metadata and data will always use different PVs.\n"},
    {"allocation/cache_pool_cachemode", R"~("writethrough")~", F_DEPRECATED|F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.113", "2.2.128",
     "This has been replaced by the allocation/cache_mode setting.\n",
     "Cache mode.\n"},
    {"allocation/cache_metadata_format", R"~(0)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.169", "",
     "",
     "Sets default metadata format for new cache.\n"
     "#\n"
     "Accepted values:\n"
     "  0  Automatically detected best available format\n"
     "  1  Original format\n"
     "  2  Improved 2nd. generation format\n"
     "#\n"},
    {"allocation/cache_mode", R"~("writethrough")~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.128", "",
     "",
     "The default cache mode used for new cache.\n"
     "#\n"
     "Accepted values:\n"
     "  writethrough\n"
     "    Data blocks are immediately written from the cache to disk.\n"
     "  writeback\n"
     "    Data blocks are written from the cache back to disk after some\n"
     "    delay to improve performance.\n"
     "#\n"
     "This setting replaces allocation/cache_pool_cachemode.\n"},
    {"allocation/cache_policy", R"~()~", F_PROFILABLE|F_PROFILABLE_METADATA|F_NO_DEFAULT, "2.2.128", "",
     "",
     "The default cache policy used for new cache volume.\n"
     "Since kernel 4.2 the default policy is smq (Stochastic multiqueue),\n"
     "otherwise the older mq (Multiqueue) policy is selected.\n"},
    {"allocation/cache_settings", R"~()~", F_SECTION|F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.128", "",
     "",
     "Settings for the cache policy.\n"
     "See documentation for individual cache policies for more info.\n"},
    {"allocation/cache_settings/policy_settings", R"~()~", F_SECTION|F_PROFILABLE|F_PROFILABLE_METADATA|F_NAME_VARIABLE|F_DEFAULT_COMMENTED, "2.2.128", "",
     "",
     "Replace this subsection name with a policy name.\n"
     "Multiple subsections for different policies can be created.\n"},
    {"allocation/cache_pool_chunk_size", R"~()~", F_PROFILABLE|F_PROFILABLE_METADATA|F_NO_DEFAULT, "2.2.106", "",
     "",
     "The minimal chunk size in KiB for cache pool volumes.\n"
     "Using a chunk_size that is too large can result in wasteful use of\n"
     "the cache, where small reads and writes can cause large sections of\n"
     "an LV to be mapped into the cache. However, choosing a chunk_size\n"
     "that is too small can result in more overhead trying to manage the\n"
     "numerous chunks that become mapped into the cache. The former is\n"
     "more of a problem than the latter in most cases, so the default is\n"
     "on the smaller end of the spectrum. Supported values range from\n"
     "32KiB to 1GiB in multiples of 32.\n"},
    {"allocation/cache_pool_max_chunks", R"~()~", F_PROFILABLE|F_PROFILABLE_METADATA|F_NO_DEFAULT, "2.2.165", "",
     "",
     "The maximum number of chunks in a cache pool.\n"
     "For cache target v1.9 the recommended maximumm is 1000000 chunks.\n"
     "Using cache pool with more chunks may degrade cache performance.\n"},
    {"allocation/thin_pool_metadata_require_separate_pvs", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "Thin pool metadata and data will always use different PVs.\n"},
    {"allocation/thin_pool_crop_metadata", R"~(0)~", F_DEFAULT_COMMENTED, "2.3.12", "",
     "",
     "Older version of lvm2 cropped pool's metadata size to 15.81 GiB.\n"
     "This is slightly less then the actual maximum 15.88 GiB.\n"
     "For compatibility with older version and use of cropped size set to 1.\n"},
    {"allocation/thin_pool_zero", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "Thin pool data chunks are zeroed before they are first used.\n"
     "Zeroing with a larger thin pool chunk size reduces performance.\n"},
    {"allocation/thin_pool_discards", R"~("passdown")~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "The discards behaviour of thin pool volumes.\n"
     "#\n"
     "Accepted values:\n"
     "  ignore\n"
     "  nopassdown\n"
     "  passdown\n"
     "#\n"},
    {"allocation/thin_pool_chunk_size_policy", R"~("generic")~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.101", "",
     "",
     "The chunk size calculation policy for thin pool volumes.\n"
     "#\n"
     "Accepted values:\n"
     "  generic\n"
     "    If thin_pool_chunk_size is defined, use it. Otherwise, calculate\n"
     "    the chunk size based on estimation and device hints exposed in\n"
     "    sysfs - the minimum_io_size. The chunk size is always at least\n"
     "    64KiB.\n"
     "  performance\n"
     "    If thin_pool_chunk_size is defined, use it. Otherwise, calculate\n"
     "    the chunk size for performance based on device hints exposed in\n"
     "    sysfs - the optimal_io_size. The chunk size is always at least\n"
     "    512KiB.\n"
     "#\n"},
    {"allocation/zero_metadata", R"~(1)~", F_DEFAULT_COMMENTED, "2.3.10", "",
     "",
     "Zero whole metadata area before use with thin or cache pool.\n"},
    {"allocation/thin_pool_chunk_size", R"~()~", F_PROFILABLE|F_PROFILABLE_METADATA|F_NO_DEFAULT, "2.2.99", "",
     "",
     "The minimal chunk size in KiB for thin pool volumes.\n"
     "Larger chunk sizes may improve performance for plain thin volumes,\n"
     "however using them for snapshot volumes is less efficient, as it\n"
     "consumes more space and takes extra time for copying. When unset,\n"
     "lvm tries to estimate chunk size starting from 64KiB. Supported\n"
     "values are in the range 64KiB to 1GiB.\n"},
    {"allocation/physical_extent_size", R"~(4096)~", F_DEFAULT_COMMENTED, "2.2.112", "",
     "",
     "Default physical extent size in KiB to use for new VGs.\n"},
    {"allocation/vdo_use_compression", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Enables or disables compression when creating a VDO volume.\n"
     "Compression may be disabled if necessary to maximize performance\n"
     "or to speed processing of data that is unlikely to compress.\n"},
    {"allocation/vdo_use_deduplication", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Enables or disables deduplication when creating a VDO volume.\n"
     "Deduplication may be disabled in instances where data is not expected\n"
     "to have good deduplication rates but compression is still desired.\n"},
    {"allocation/vdo_use_metadata_hints", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Enables or disables whether VDO volume should tag its latency-critical\n"
     "writes with the REQ_SYNC flag. Some device mapper targets such as dm-raid5\n"
     "process writes with this flag at a higher priority.\n"
     "Default is enabled.\n"},
    {"allocation/vdo_minimum_io_size", R"~(4096)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "The minimum IO size for VDO volume to accept, in bytes.\n"
     "Valid values are 512 or 4096. The recommended and default value is 4096.\n"},
    {"allocation/vdo_block_map_cache_size_mb", R"~(128)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the amount of memory in MiB allocated for caching block map\n"
     "pages for VDO volume. The value must be a multiple of 4096 and must be\n"
     "at least 128MiB and less than 16TiB. The cache must be at least 16MiB\n"
     "per logical thread. Note that there is a memory overhead of 15%.\n"},
    {"allocation/vdo_block_map_period", R"~(16380)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "The speed with which the block map cache writes out modified block map pages.\n"
     "A smaller era length is likely to reduce the amount time spent rebuilding,\n"
     "at the cost of increased block map writes during normal operation.\n"
     "The maximum and recommended value is 16380; the minimum value is 1.\n"},
    {"allocation/vdo_check_point_frequency", R"~(0)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "The default check point frequency for VDO volume.\n"},
    {"allocation/vdo_use_sparse_index", R"~(0)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Enables sparse indexing for VDO volume.\n"},
    {"allocation/vdo_index_memory_size_mb", R"~(256)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the amount of index memory in MiB for VDO volume.\n"
     "The value must be at least 256MiB and at most 1TiB.\n"},
    {"allocation/vdo_slab_size_mb", R"~(2048)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the size in MiB of the increment by which a VDO is grown.\n"
     "Using a smaller size constrains the total maximum physical size\n"
     "that can be accommodated. Must be a power of two between 128MiB and 32GiB.\n"},
    {"allocation/vdo_ack_threads", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the number of threads to use for acknowledging\n"
     "completion of requested VDO I/O operations.\n"
     "The value must be at in range [0..100].\n"},
    {"allocation/vdo_bio_threads", R"~(4)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the number of threads to use for submitting I/O\n"
     "operations to the storage device of VDO volume.\n"
     "The value must be in range [1..100]\n"
     "Each additional thread after the first will use an additional 18MiB of RAM,\n"
     "plus 1.12 MiB of RAM per megabyte of configured read cache size.\n"},
    {"allocation/vdo_bio_rotation", R"~(64)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the number of I/O operations to enqueue for each bio-submission\n"
     "thread before directing work to the next. The value must be in range [1..1024].\n"},
    {"allocation/vdo_cpu_threads", R"~(2)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the number of threads to use for CPU-intensive work such as\n"
     "hashing or compression for VDO volume. The value must be in range [1..100]\n"},
    {"allocation/vdo_hash_zone_threads", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the number of threads across which to subdivide parts of the VDO\n"
     "processing based on the hash value computed from the block data.\n"
     "The value must be at in range [0..100].\n"
     "vdo_hash_zone_threads, vdo_logical_threads and vdo_physical_threads must be\n"
     "either all zero or all non-zero.\n"},
    {"allocation/vdo_logical_threads", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the number of threads across which to subdivide parts of the VDO\n"
     "processing based on the hash value computed from the block data.\n"
     "A logical thread count of 9 or more will require explicitly specifying\n"
     "a sufficiently large block map cache size, as well.\n"
     "The value must be in range [0..100].\n"
     "vdo_hash_zone_threads, vdo_logical_threads and vdo_physical_threads must be\n"
     "either all zero or all non-zero.\n"},
    {"allocation/vdo_physical_threads", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the number of threads across which to subdivide parts of the VDO\n"
     "processing based on physical block addresses.\n"
     "Each additional thread after the first will use an additional 10MiB of RAM.\n"
     "The value must be in range [0..16].\n"
     "vdo_hash_zone_threads, vdo_logical_threads and vdo_physical_threads must be\n"
     "either all zero or all non-zero.\n"},
    {"allocation/vdo_write_policy", R"~("auto")~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specifies the write policy:\n"
     "auto  - VDO will check the storage device and determine whether it supports flushes.\n"
     "        If it does, VDO will run in async mode, otherwise it will run in sync mode.\n"
     "sync  - Writes are acknowledged only after data is stably written.\n"
     "        This policy is not supported if the underlying storage is not also synchronous.\n"
     "async - Writes are acknowledged after data has been cached for writing to stable storage.\n"
     "        Data which has not been flushed is not guaranteed to persist in this mode.\n"
     "async-unsafe - Writes are handled like 'async' but there is no guarantee of the atomicity async provides.\n"
     "        This mode should only be used for better performance when atomicity is not required.\n"},
    {"allocation/vdo_max_discard", R"~(1)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Specified the maximum size of discard bio accepted, in 4096 byte blocks.\n"
     "I/O requests to a VDO volume are normally split into 4096-byte blocks,\n"
     "and processed up to 2048 at a time. However, discard requests to a VDO volume\n"
     "can be automatically split to a larger size, up to <max discard> 4096-byte blocks\n"
     "in a single bio, and are limited to 1500 at a time.\n"
     "Increasing this value may provide better overall performance, at the cost of\n"
     "increased latency for the individual discard requests.\n"
     "The default and minimum is 1. The maximum is UINT_MAX / 4096.\n"},
    {"allocation/vdo_pool_header_size", R"~(512)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.12", "",
     "",
     "Specified the emptry header size in KiB at the front and end of vdo pool device.\n"},
    {"log/report_command_log", R"~(0)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "Enable or disable LVM log reporting.\n"
     "If enabled, LVM will collect a log of operations, messages,\n"
     "per-object return codes with object identification and associated\n"
     "error numbers (errnos) during LVM command processing. Then the\n"
     "log is either reported solely or in addition to any existing\n"
     "reports, depending on LVM command used. If it is a reporting command\n"
     "(e.g. pvs, vgs, lvs, lvm fullreport), then the log is reported in\n"
     "addition to any existing reports. Otherwise, there's only log report\n"
     "on output. For all applicable LVM commands, you can request that\n"
     "the output has only log report by using --logonly command line\n"
     "option. Use log/command_log_cols and log/command_log_sort settings\n"
     "to define fields to display and sort fields for the log report.\n"
     "You can also use log/command_log_selection to define selection\n"
     "criteria used each time the log is reported.\n"},
    {"log/command_log_sort", R"~("log_seq_num")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to sort by when reporting command log.\n"
     "See <lvm command> --logonly --configreport log -o help\n"
     "for the list of possible fields.\n"},
    {"log/command_log_cols", R"~("log_seq_num,log_type,log_context,log_object_type,log_object_name,log_object_id,log_object_group,log_object_group_id,log_message,log_errno,log_ret_code")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to report when reporting command log.\n"
     "See <lvm command> --logonly --configreport log -o help\n"
     "for the list of possible fields.\n"},
    {"log/command_log_selection", R"~("!(log_type=status && message=success)")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "Selection criteria used when reporting command log.\n"
     "You can define selection criteria that are applied each\n"
     "time log is reported. This way, it is possible to control the\n"
     "amount of log that is displayed on output and you can select\n"
     "only parts of the log that are important for you. To define\n"
     "selection criteria, use fields from log report. See also\n"
     "<lvm command> --logonly --configreport log -S help for the\n"
     "list of possible fields and selection operators. You can also\n"
     "define selection criteria for log report on command line directly\n"
     "using <lvm command> --configreport log -S <selection criteria>\n"
     "which has precedence over log/command_log_selection setting.\n"
     "For more information about selection criteria in general, see\n"
     "lvm(8) man page.\n"},
    {"log/verbose", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Controls the messages sent to stdout or stderr.\n"},
    {"log/silent", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.98", "",
     "",
     "Suppress all non-essential messages from stdout.\n"
     "This has the same effect as -qq. When enabled, the following commands\n"
     "still produce output: dumpconfig, lvdisplay, lvmdiskscan, lvs, pvck,\n"
     "pvdisplay, pvs, version, vgcfgrestore -l, vgdisplay, vgs.\n"
     "Non-essential messages are shifted from log level 4 to log level 5\n"
     "for syslog and lvm2_log_fn purposes.\n"
     "Any 'yes' or 'no' questions not overridden by other arguments are\n"
     "suppressed and default to 'no'.\n"},
    {"log/syslog", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Send log messages through syslog.\n"},
    {"log/file", R"~()~", F_NO_DEFAULT, "1.0.0", "",
     "",
     "Write error and debug log messages to a file specified here.\n"},
    {"log/journal", R"~([])~", F_DEFAULT_COMMENTED, "2.3.12", "",
     "",
     "Record lvm information in the systemd journal.\n"
     "command: record commands that are run.\n"
     "output: record default output from commands.\n"
     "debug: record debug messages from commands.\n"},
    {"log/overwrite", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Overwrite the log file each time the program is run.\n"},
    {"log/level", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "The level of log messages that are sent to the log file or syslog.\n"
     "There are 6 syslog-like log levels currently in use: 2 to 7 inclusive.\n"
     "7 is the most verbose (LOG_DEBUG).\n"},
    {"log/indent", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Indent messages according to their severity.\n"},
    {"log/command_names", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Display the command name on each line of output.\n"},
    {"log/prefix", R"~("  ")~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "A prefix to use before the log message text.\n"
     "(After the command name, if selected).\n"
     "Two spaces allows you to see/grep the severity of each message.\n"
     "To make the messages look similar to the original LVM tools use:\n"
     "indent = 0, command_names = 1, prefix = \" -- \"\n"},
    {"log/activation", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Log messages during activation.\n"
     "Don't use this in low memory situations (can deadlock).\n"},
    {"log/debug_classes", R"~(["memory","devices","io","activation","allocation","metadata","cache","locking","lvmpolld","dbus"])~", F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "Select log messages by class.\n"
     "Some debugging messages are assigned to a class and only appear in\n"
     "debug output if the class is listed here. Classes currently\n"
     "available: memory, devices, io, activation, allocation,\n"
     "metadata, cache, locking, lvmpolld. Use \"all\" to see everything.\n"},
    {"log/debug_file_fields", R"~(["time","command","fileline","message"])~", F_ADVANCED|F_DEFAULT_COMMENTED, "2.3.2", "",
     "",
     "The fields included in debug output written to log file.\n"
     "Use \"all\" to include everything (the default).\n"},
    {"log/debug_output_fields", R"~(["time","command","fileline","message"])~", F_ADVANCED|F_DEFAULT_COMMENTED, "2.3.2", "",
     "",
     "The fields included in debug output written to stderr.\n"
     "Use \"all\" to include everything (the default).\n"},
    {"backup/backup", R"~(1)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Maintain a backup of the current metadata configuration.\n"
     "Think very hard before turning this off!\n"},
    {"backup/backup_dir", R"~("@SYS@/backup")~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Location of the metadata backup files.\n"
     "Remember to back up this directory regularly!\n"},
    {"backup/archive", R"~(1)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Maintain an archive of old metadata configurations.\n"
     "Think very hard before turning this off.\n"},
    {"backup/archive_dir", R"~("@SYS@/archive")~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Location of the metdata archive files.\n"
     "Remember to back up this directory regularly!\n"},
    {"backup/retain_min", R"~(10)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Minimum number of archives to keep.\n"},
    {"backup/retain_days", R"~(30)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Minimum number of days to keep archive files.\n"},
    {"shell/history_size", R"~(100)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Number of lines of history to store in ~/.lvm_history.\n"},
    {"global/umask", R"~(077)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "The file creation mask for any files and directories created.\n"
     "Interpreted as octal if the first digit is zero.\n"},
    {"global/test", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "No on-disk metadata changes will be made in test mode.\n"
     "Equivalent to having the -t option on every command.\n"},
    {"global/units", R"~("r")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Default value for --units argument.\n"},
    {"global/si_unit_consistency", R"~(1)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.54", "",
     "",
     "Distinguish between powers of 1024 and 1000 bytes.\n"
     "The LVM commands distinguish between powers of 1024 bytes,\n"
     "e.g. KiB, MiB, GiB, and powers of 1000 bytes, e.g. KB, MB, GB.\n"
     "If scripts depend on the old behaviour, disable this setting\n"
     "temporarily until they are updated.\n"},
    {"global/suffix", R"~(1)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Display unit suffix for sizes.\n"
     "This setting has no effect if the units are in human-readable form\n"
     "(global/units = \"h\") in which case the suffix is always displayed.\n"},
    {"global/activation", R"~(1)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Enable/disable communication with the kernel device-mapper.\n"
     "Disable to use the tools to manipulate LVM metadata without\n"
     "activating any logical volumes. If the device-mapper driver\n"
     "is not present in the kernel, disabling this should suppress\n"
     "the error messages.\n"},
    {"global/fallback_to_lvm1", R"~(0)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "1.0.18", "2.3.0",
     "",
     ""},
    {"global/format", R"~("lvm2")~", F_DEPRECATED|F_DEFAULT_COMMENTED, "1.0.0", "2.3.0",
     "",
     ""},
    {"global/format_libraries", R"~()~", F_DEPRECATED|F_NO_DEFAULT, "1.0.0", "2.3.0",
     "",
     ""},
    {"global/segment_libraries", R"~()~", F_DEPRECATED|F_NO_DEFAULT, "1.0.18", "2.3.3",
     "",
     ""},
    {"global/proc", R"~("/proc")~", F_ADVANCED|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Location of proc filesystem.\n"},
    {"global/etc", R"~("/etc")~", F_DEFAULT_COMMENTED, "2.2.117", "",
     "",
     "Location of /etc system configuration directory.\n"},
    {"global/locking_type", R"~(1)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "1.0.0", "2.3.0",
     "",
     ""},
    {"global/wait_for_locks", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.50", "",
     "",
     "When disabled, fail if a lock request would block.\n"},
    {"global/fallback_to_clustered_locking", R"~(1)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "2.2.42", "2.3.0",
     "",
     ""},
    {"global/fallback_to_local_locking", R"~(1)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "2.2.42", "2.3.0",
     "",
     ""},
    {"global/locking_dir", R"~("/run/lock/lvm")~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Directory to use for LVM command file locks.\n"
     "Local non-LV directory that holds file-based locks while commands are\n"
     "in progress. A directory like /tmp that may get wiped on reboot is OK.\n"},
    {"global/prioritise_write_locks", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.52", "",
     "",
     "Allow quicker VG write access during high volume read access.\n"
     "When there are competing read-only and read-write access requests for\n"
     "a volume group's metadata, instead of always granting the read-only\n"
     "requests immediately, delay them to allow the read-write requests to\n"
     "be serviced. Without this setting, write access may be stalled by a\n"
     "high volume of read-only requests. This option only affects file locks.\n"},
    {"global/library_dir", R"~()~", F_NO_DEFAULT, "1.0.0", "",
     "",
     "Search this directory first for shared libraries.\n"},
    {"global/locking_library", R"~("liblvm2clusterlock.so")~", F_DEPRECATED|F_DEFAULT_COMMENTED, "1.0.0", "2.3.0",
     "",
     ""},
    {"global/abort_on_internal_errors", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.57", "",
     "",
     "Abort a command that encounters an internal error.\n"
     "Treat any internal errors as fatal errors, aborting the process that\n"
     "encountered the internal error. Please only enable for debugging.\n"},
    {"global/detect_internal_vg_cache_corruption", R"~(0)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "2.2.96", "2.2.174",
     "",
     ""},
    {"global/metadata_read_only", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.75", "",
     "",
     "No operations that change on-disk metadata are permitted.\n"
     "Additionally, read-only commands that encounter metadata in need of\n"
     "repair will still be allowed to proceed exactly as if the repair had\n"
     "been performed (except for the unchanged vg_seqno). Inappropriate\n"
     "use could mess up your system, so seek advice first!\n"},
    {"global/mirror_segtype_default", R"~("raid1")~", F_DEFAULT_COMMENTED, "2.2.87", "",
     "",
     "The segment type used by the short mirroring option -m.\n"
     "The --type mirror|raid1 option overrides this setting.\n"
     "#\n"
     "Accepted values:\n"
     "  mirror\n"
     "    The original RAID1 implementation from LVM/DM. It is\n"
     "    characterized by a flexible log solution (core, disk, mirrored),\n"
     "    and by the necessity to block I/O while handling a failure.\n"
     "    There is an inherent race in the dmeventd failure handling logic\n"
     "    with snapshots of devices using this type of RAID1 that in the\n"
     "    worst case could cause a deadlock. (Also see\n"
     "    devices/ignore_lvm_mirrors.)\n"
     "  raid1\n"
     "    This is a newer RAID1 implementation using the MD RAID1\n"
     "    personality through device-mapper. It is characterized by a\n"
     "    lack of log options. (A log is always allocated for every\n"
     "    device and they are placed on the same device as the image,\n"
     "    so no separate devices are required.) This mirror\n"
     "    implementation does not require I/O to be blocked while\n"
     "    handling a failure. This mirror implementation is not\n"
     "    cluster-aware and cannot be used in a shared (active/active)\n"
     "    fashion in a cluster.\n"
     "#\n"},
    {"global/support_mirrored_mirror_log", R"~(0)~", F_DEFAULT_COMMENTED, "2.3.2", "",
     "",
     "Enable mirrored 'mirror' log type for testing.\n"
     "#\n"
     "This type is deprecated to create or convert to but can\n"
     "be enabled to test that activation of existing mirrored\n"
     "logs and conversion to disk/core works.\n"
     "#\n"
     "Not supported for regular operation!\n"
     "\n"},
    {"global/raid10_segtype_default", R"~("raid10")~", F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "The segment type used by the -i -m combination.\n"
     "The --type raid10|mirror option overrides this setting.\n"
     "The --stripes/-i and --mirrors/-m options can both be specified\n"
     "during the creation of a logical volume to use both striping and\n"
     "mirroring for the LV. There are two different implementations.\n"
     "#\n"
     "Accepted values:\n"
     "  raid10\n"
     "    LVM uses MD's RAID10 personality through DM. This is the\n"
     "    preferred option.\n"
     "  mirror\n"
     "    LVM layers the 'mirror' and 'stripe' segment types. The layering\n"
     "    is done by creating a mirror LV on top of striped sub-LVs,\n"
     "    effectively creating a RAID 0+1 array. The layering is suboptimal\n"
     "    in terms of providing redundancy and performance.\n"
     "#\n"},
    {"global/sparse_segtype_default", R"~("thin")~", F_DEFAULT_COMMENTED, "2.2.112", "",
     "",
     "The segment type used by the -V -L combination.\n"
     "The --type snapshot|thin option overrides this setting.\n"
     "The combination of -V and -L options creates a sparse LV. There are\n"
     "two different implementations.\n"
     "#\n"
     "Accepted values:\n"
     "  snapshot\n"
     "    The original snapshot implementation from LVM/DM. It uses an old\n"
     "    snapshot that mixes data and metadata within a single COW\n"
     "    storage volume and performs poorly when the size of stored data\n"
     "    passes hundreds of MB.\n"
     "  thin\n"
     "    A newer implementation that uses thin provisioning. It has a\n"
     "    bigger minimal chunk size (64KiB) and uses a separate volume for\n"
     "    metadata. It has better performance, especially when more data\n"
     "    is used. It also supports full snapshots.\n"
     "#\n"},
    {"global/lvdisplay_shows_full_device_path", R"~(0)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "Enable this to reinstate the previous lvdisplay name format.\n"
     "The default format for displaying LV names in lvdisplay was changed\n"
     "in version 2.02.89 to show the LV name and path separately.\n"
     "Previously this was always shown as /dev/vgname/lvname even when that\n"
     "was never a valid path in the /dev filesystem.\n"},
    {"global/event_activation", R"~(1)~", F_DEFAULT_COMMENTED, "2.3.1", "",
     "",
     "Disable event based autoactivation commands.\n"
     "WARNING: setting this to zero may cause machine startup to fail.\n"
     "Previously, setting this to zero would enable static autoactivation\n"
     "services (via the lvm2-activation-generator), but the autoactivation\n"
     "services and generator have been removed.\n"},
    {"global/use_lvmetad", R"~(0)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "2.2.93", "2.3.0",
     "",
     ""},
    {"global/lvmetad_update_wait_time", R"~(0)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "2.2.151", "2.3.0",
     "",
     ""},
    {"global/use_aio", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.183", "",
     "",
     "Use async I/O when reading and writing devices.\n"},
    {"global/use_lvmlockd", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.124", "",
     "",
     "Use lvmlockd for locking among hosts using LVM on shared storage.\n"
     "Applicable only if LVM is compiled with lockd support in which\n"
     "case there is also lvmlockd(8) man page available for more\n"
     "information.\n"},
    {"global/lvmlockd_lock_retries", R"~(3)~", F_DEFAULT_COMMENTED, "2.2.125", "",
     "",
     "Retry lvmlockd lock requests this many times.\n"
     "Applicable only if LVM is compiled with lockd support\n"},
    {"global/sanlock_lv_extend", R"~(256)~", F_DEFAULT_COMMENTED, "2.2.124", "",
     "",
     "Size in MiB to extend the internal LV holding sanlock locks.\n"
     "The internal LV holds locks for each LV in the VG, and after enough\n"
     "LVs have been created, the internal LV needs to be extended. lvcreate\n"
     "will automatically extend the internal LV when needed by the amount\n"
     "specified here. Setting this to 0 disables the automatic extension\n"
     "and can cause lvcreate to fail. Applicable only if LVM is compiled\n"
     "with lockd support\n"},
    {"global/lvmlockctl_kill_command", R"~("")~", F_DEFAULT_COMMENTED, "2.3.12", "",
     "",
     "The command that lvmlockctl --kill should use to force LVs offline.\n"
     "The lvmlockctl --kill command is run when a shared VG has lost\n"
     "access to locks (e.g. when sanlock has lost access to storage.)\n"
     "An empty string means that there will be no automatic attempt by\n"
     "lvmlockctl --kill to forcibly shut down LVs in the VG, and the user\n"
     "can manually intervene as described in lvmlockd(8).\n"
     "The VG name will be appended to the command specified here.\n"},
    {"global/thin_check_executable", R"~("/usr/sbin/thin_check")~", F_DEFAULT_COMMENTED, "2.2.94", "",
     "",
     "The full path to the thin_check command.\n"
     "LVM uses this command to check that a thin metadata device is in a\n"
     "usable state. When a thin pool is activated and after it is\n"
     "deactivated, this command is run. Activation will only proceed if\n"
     "the command has an exit status of 0. Set to \"\" to skip this check.\n"
     "(Not recommended.) Also see thin_check_options.\n"
     "(See package device-mapper-persistent-data or thin-provisioning-tools)\n"},
    {"global/thin_dump_executable", R"~("/usr/sbin/thin_dump")~", F_DEFAULT_COMMENTED, "2.2.100", "",
     "",
     "The full path to the thin_dump command.\n"
     "LVM uses this command to dump thin pool metadata.\n"
     "(See package device-mapper-persistent-data or thin-provisioning-tools)\n"},
    {"global/thin_repair_executable", R"~("/usr/sbin/thin_repair")~", F_DEFAULT_COMMENTED, "2.2.100", "",
     "",
     "The full path to the thin_repair command.\n"
     "LVM uses this command to repair a thin metadata device if it is in\n"
     "an unusable state. Also see thin_repair_options.\n"
     "(See package device-mapper-persistent-data or thin-provisioning-tools)\n"},
    {"global/thin_check_options", R"~(["-q"])~", F_DEFAULT_COMMENTED, "2.2.96", "",
     "",
     "List of options passed to the thin_check command.\n"
     "With thin_check version 2.1 or newer you can add the option\n"
     "--ignore-non-fatal-errors to let it pass through ignorable errors\n"
     "and fix them later. With thin_check version 3.2 or newer you should\n"
     "include the option --clear-needs-check-flag.\n"},
    {"global/thin_repair_options", R"~([""])~", F_DEFAULT_COMMENTED, "2.2.100", "",
     "",
     "List of options passed to the thin_repair command.\n"},
    {"global/thin_disabled_features", R"~()~", F_NO_DEFAULT, "2.2.99", "",
     "",
     "Features to not use in the thin driver.\n"
     "This can be helpful for testing, or to avoid using a feature that is\n"
     "causing problems. Features include: block_size, discards,\n"
     "discards_non_power_2, external_origin, metadata_resize,\n"
     "external_origin_extend, error_if_no_space.\n"
     "#\n"
     "Example\n"
     "thin_disabled_features = [ \"discards\", \"block_size\" ]\n"
     "#\n"},
    {"global/cache_disabled_features", R"~()~", F_NO_DEFAULT, "2.2.128", "",
     "",
     "Features to not use in the cache driver.\n"
     "This can be helpful for testing, or to avoid using a feature that is\n"
     "causing problems. Features include: policy_mq, policy_smq, metadata2.\n"
     "#\n"
     "Example\n"
     "cache_disabled_features = [ \"policy_smq\" ]\n"
     "#\n"},
    {"global/cache_check_executable", R"~("/usr/sbin/cache_check")~", F_DEFAULT_COMMENTED, "2.2.108", "",
     "",
     "The full path to the cache_check command.\n"
     "LVM uses this command to check that a cache metadata device is in a\n"
     "usable state. When a cached LV is activated and after it is\n"
     "deactivated, this command is run. Activation will only proceed if the\n"
     "command has an exit status of 0. Set to \"\" to skip this check.\n"
     "(Not recommended.) Also see cache_check_options.\n"
     "(See package device-mapper-persistent-data or thin-provisioning-tools)\n"},
    {"global/cache_dump_executable", R"~("/usr/sbin/cache_dump")~", F_DEFAULT_COMMENTED, "2.2.108", "",
     "",
     "The full path to the cache_dump command.\n"
     "LVM uses this command to dump cache pool metadata.\n"
     "(See package device-mapper-persistent-data or thin-provisioning-tools)\n"},
    {"global/cache_repair_executable", R"~("/usr/sbin/cache_repair")~", F_DEFAULT_COMMENTED, "2.2.108", "",
     "",
     "The full path to the cache_repair command.\n"
     "LVM uses this command to repair a cache metadata device if it is in\n"
     "an unusable state. Also see cache_repair_options.\n"
     "(See package device-mapper-persistent-data or thin-provisioning-tools)\n"},
    {"global/cache_check_options", R"~(["-q","--clear-needs-check-flag"])~", F_DEFAULT_COMMENTED, "2.2.108", "",
     "",
     "List of options passed to the cache_check command.\n"
     "With cache_check version 5.0 or newer you should include the option\n"
     "--clear-needs-check-flag.\n"},
    {"global/cache_repair_options", R"~([""])~", F_DEFAULT_COMMENTED, "2.2.108", "",
     "",
     "List of options passed to the cache_repair command.\n"},
    {"global/vdo_format_executable", R"~("/usr/bin/vdoformat")~", F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "The full path to the vdoformat command.\n"
     "LVM uses this command to initial data volume for VDO type logical volume\n"},
    {"global/vdo_format_options", R"~([""])~", F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "List of options passed added to standard vdoformat command.\n"},
    {"global/vdo_disabled_features", R"~()~", F_NO_DEFAULT, "2.3.11", "",
     "",
     "Features to not use in the vdo driver.\n"
     "This can be helpful for testing, or to avoid using a feature that is\n"
     "causing problems. Features include: online_rename\n"
     "#\n"
     "Example\n"
     "vdo_disabled_features = [ \"online_rename\" ]\n"
     "#\n"},
    {"global/fsadm_executable", R"~("/sbin/fsadm")~", F_DEFAULT_COMMENTED, "2.2.170", "",
     "",
     "The full path to the fsadm command.\n"
     "LVM uses this command to help with lvresize -r operations.\n"},
    {"global/system_id_source", R"~("none")~", F_DEFAULT_COMMENTED, "2.2.117", "",
     "",
     "The method LVM uses to set the local system ID.\n"
     "Volume Groups can also be given a system ID (by vgcreate, vgchange,\n"
     "or vgimport.) A VG on shared storage devices is accessible only to\n"
     "the host with a matching system ID. See 'man lvmsystemid' for\n"
     "information on limitations and correct usage.\n"
     "#\n"
     "Accepted values:\n"
     "  none\n"
     "    The host has no system ID.\n"
     "  lvmlocal\n"
     "    Obtain the system ID from the system_id setting in the 'local'\n"
     "    section of an lvm configuration file, e.g. lvmlocal.conf.\n"
     "  uname\n"
     "    Set the system ID from the hostname (uname) of the system.\n"
     "    System IDs beginning localhost are not permitted.\n"
     "  appmachineid\n"
     "    Use an LVM-specific derivation of the local machine-id as the\n"
     "    system ID. See 'man machine-id'.\n"
     "  machineid\n"
     "    Use the contents of the machine-id file to set the system ID\n"
     "    (appmachineid is recommended.)\n"
     "  file\n"
     "    Use the contents of another file (system_id_file) to set the\n"
     "    system ID.\n"
     "#\n"},
    {"global/system_id_file", R"~()~", F_NO_DEFAULT, "2.2.117", "",
     "",
     "The full path to the file containing a system ID.\n"
     "This is used when system_id_source is set to 'file'.\n"
     "Comments starting with the character # are ignored.\n"},
    {"global/use_lvmpolld", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.120", "",
     "",
     "Use lvmpolld to supervise long running LVM commands.\n"
     "When enabled, control of long running LVM commands is transferred\n"
     "from the original LVM command to the lvmpolld daemon. This allows\n"
     "the operation to continue independent of the original LVM command.\n"
     "After lvmpolld takes over, the LVM command displays the progress\n"
     "of the ongoing operation. lvmpolld itself runs LVM commands to\n"
     "manage the progress of ongoing operations. lvmpolld can be used as\n"
     "a native systemd service, which allows it to be started on demand,\n"
     "and to use its own control group. When this option is disabled, LVM\n"
     "commands will supervise long running operations by forking themselves.\n"
     "Applicable only if LVM is compiled with lvmpolld support.\n"},
    {"global/notify_dbus", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.145", "",
     "",
     "Enable D-Bus notification from LVM commands.\n"
     "When enabled, an LVM command that changes PVs, changes VG metadata,\n"
     "or changes the activation state of an LV will send a notification.\n"},
    {"global/io_memory_size", R"~(8192)~", F_DEFAULT_COMMENTED, "2.3.2", "",
     "",
     "The amount of memory in KiB that LVM allocates to perform disk io.\n"
     "LVM performance may benefit from more io memory when there are many\n"
     "disks or VG metadata is large. Increasing this size may be necessary\n"
     "when a single copy of VG metadata is larger than the current setting.\n"
     "This value should usually not be decreased from the default; setting\n"
     "it too low can result in lvm failing to read VGs.\n"},
    {"activation/checks", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.86", "",
     "",
     "Perform internal checks of libdevmapper operations.\n"
     "Useful for debugging problems with activation. Some of the checks may\n"
     "be expensive, so it's best to use this only when there seems to be a\n"
     "problem.\n"},
    {"activation/udev_sync", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.51", "",
     "",
     "Use udev notifications to synchronize udev and LVM.\n"
     "The --noudevsync option overrides this setting.\n"
     "When disabled, LVM commands will not wait for notifications from\n"
     "udev, but continue irrespective of any possible udev processing in\n"
     "the background. Only use this if udev is not running or has rules\n"
     "that ignore the devices LVM creates. If enabled when udev is not\n"
     "running, and LVM processes are waiting for udev, run the command\n"
     "'dmsetup udevcomplete_all' to wake them up.\n"},
    {"activation/udev_rules", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.57", "",
     "",
     "Use udev rules to manage LV device nodes and symlinks.\n"
     "When disabled, LVM will manage the device nodes and symlinks for\n"
     "active LVs itself. Manual intervention may be required if this\n"
     "setting is changed while LVs are active.\n"},
    {"activation/verify_udev_operations", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.86", "",
     "",
     "Use extra checks in LVM to verify udev operations.\n"
     "This enables additional checks (and if necessary, repairs) on entries\n"
     "in the device directory after udev has completed processing its\n"
     "events. Useful for diagnosing problems with LVM/udev interactions.\n"},
    {"activation/retry_deactivation", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "Retry failed LV deactivation.\n"
     "If LV deactivation fails, LVM will retry for a few seconds before\n"
     "failing. This may happen because a process run from a quick udev rule\n"
     "temporarily opened the device.\n"},
    {"activation/missing_stripe_filler", R"~("error")~", F_ADVANCED|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Method to fill missing stripes when activating an incomplete LV.\n"
     "Using 'error' will make inaccessible parts of the device return I/O\n"
     "errors on access. Using 'zero' will return success (and zero) on I/O\n"
     "You can instead use a device path, in which case,\n"
     "that device will be used in place of missing stripes. Using anything\n"
     "other than 'error' with mirrored or snapshotted volumes is likely to\n"
     "result in data corruption.\n"},
    {"activation/use_linear_target", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "Use the linear target to optimize single stripe LVs.\n"
     "When disabled, the striped target is used. The linear target is an\n"
     "optimised version of the striped target that only handles a single\n"
     "stripe.\n"},
    {"activation/reserved_stack", R"~(64)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Stack size in KiB to reserve for use while devices are suspended.\n"
     "Insufficent reserve risks I/O deadlock during device suspension.\n"},
    {"activation/reserved_memory", R"~(8192)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Memory size in KiB to reserve for use while devices are suspended.\n"
     "Insufficent reserve risks I/O deadlock during device suspension.\n"},
    {"activation/process_priority", R"~(-18)~", F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Nice value used while devices are suspended.\n"
     "Use a high priority so that LVs are suspended\n"
     "for the shortest possible time.\n"},
    {"activation/volume_list", R"~()~", F_NO_DEFAULT, "1.0.18", "",
     "",
     "Only LVs selected by this list are activated.\n"
     "If this list is defined, an LV is only activated if it matches an\n"
     "entry in this list. If this list is undefined, it imposes no limits\n"
     "on LV activation (all are allowed).\n"
     "#\n"
     "Accepted values:\n"
     "  vgname\n"
     "    The VG name is matched exactly and selects all LVs in the VG.\n"
     "  vgname/lvname\n"
     "    The VG name and LV name are matched exactly and selects the LV.\n"
     "  @tag\n"
     "    Selects an LV if the specified tag matches a tag set on the LV\n"
     "    or VG.\n"
     "  @*\n"
     "    Selects an LV if a tag defined on the host is also set on the LV\n"
     "    or VG. See tags/hosttags. If any host tags exist but volume_list\n"
     "    is not defined, a default single-entry list containing '@*'\n"
     "    is assumed.\n"
     "#\n"
     "Example\n"
     "volume_list = [ \"vg1\", \"vg2/lvol1\", \"@tag1\", \"@*\" ]\n"
     "#\n"},
    {"activation/auto_activation_volume_list", R"~()~", F_NO_DEFAULT, "2.2.97", "",
     "",
     "A list of VGs or LVs that should be autoactivated.\n"
     "Autoactivation is an activation command run with -aay,\n"
     "i.e. vgchange -aay, lvchange -aay, or pvscan --cache -aay.\n"
     "When this list is defined, an autoactivation command will only\n"
     "activate LVs included in the list. If this list is undefined,\n"
     "it has no effect. If this list is defined but empty, then no\n"
     "LVs will be autoactivated. LVs can be included in the list by\n"
     "LV name, VG name (applies to all LVs in the VG), or tag name.\n"
     "VGs and LVs can also have an autoactivation property set in\n"
     "metadata, see --setautoactivation. LVs included in this list\n"
     "will not be autoactivated if the VG or LV autoactivation\n"
     "property is disabled (see vgs or lvs \"-o autoactivation\").\n"
     "The volume_list setting and the \"activation skip\" property\n"
     "also apply to autoactivation.\n"
     "The -aay option is meant to be used by activation commands that\n"
     "are run automatically by the system, e.g. from systemd services.\n"
     "#\n"
     "Accepted values:\n"
     "  vgname\n"
     "    The VG name is matched exactly and selects all LVs in the VG.\n"
     "  vgname/lvname\n"
     "    The VG name and LV name are matched exactly and selects the LV.\n"
     "  @tag\n"
     "    Selects an LV if the specified tag matches a tag set on the LV\n"
     "    or VG.\n"
     "  @*\n"
     "    Selects an LV if a tag defined on the host is also set on the LV\n"
     "    or VG. See tags/hosttags. If any host tags exist but volume_list\n"
     "    is not defined, a default single-entry list containing '@*'\n"
     "    is assumed.\n"
     "#\n"
     "Example\n"
     "auto_activation_volume_list = [ \"vg1\", \"vg2/lvol1\", \"@tag1\", \"@*\" ]\n"
     "#\n"},
    {"activation/read_only_volume_list", R"~()~", F_NO_DEFAULT, "2.2.89", "",
     "",
     "LVs in this list are activated in read-only mode.\n"
     "If this list is defined, each LV that is to be activated is checked\n"
     "against this list, and if it matches, it is activated in read-only\n"
     "mode. This overrides the permission setting stored in the metadata,\n"
     "e.g. from --permission rw.\n"
     "#\n"
     "Accepted values:\n"
     "  vgname\n"
     "    The VG name is matched exactly and selects all LVs in the VG.\n"
     "  vgname/lvname\n"
     "    The VG name and LV name are matched exactly and selects the LV.\n"
     "  @tag\n"
     "    Selects an LV if the specified tag matches a tag set on the LV\n"
     "    or VG.\n"
     "  @*\n"
     "    Selects an LV if a tag defined on the host is also set on the LV\n"
     "    or VG. See tags/hosttags. If any host tags exist but volume_list\n"
     "    is not defined, a default single-entry list containing '@*'\n"
     "    is assumed.\n"
     "#\n"
     "Example\n"
     "read_only_volume_list = [ \"vg1\", \"vg2/lvol1\", \"@tag1\", \"@*\" ]\n"
     "#\n"},
    {"activation/mirror_region_size", R"~(2048)~", F_DEPRECATED|F_DEFAULT_COMMENTED, "1.0.0", "2.2.99",
     "This has been replaced by the activation/raid_region_size setting.\n",
     "Size in KiB of each raid or mirror synchronization region.\n"},
    {"activation/raid_region_size", R"~(2048)~", F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "Size in KiB of each raid or mirror synchronization region.\n"
     "The clean/dirty state of data is tracked for each region.\n"
     "The value is rounded down to a power of two if necessary, and\n"
     "is ignored if it is not a multiple of the machine memory page size.\n"},
    {"activation/error_when_full", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.115", "",
     "",
     "Return errors if a thin pool runs out of space.\n"
     "The --errorwhenfull option overrides this setting.\n"
     "When enabled, writes to thin LVs immediately return an error if the\n"
     "thin pool is out of data space. When disabled, writes to thin LVs\n"
     "are queued if the thin pool is out of space, and processed when the\n"
     "thin pool data space is extended. New thin pools are assigned the\n"
     "behavior defined here.\n"},
    {"activation/readahead", R"~("auto")~", F_DEFAULT_COMMENTED, "1.0.23", "",
     "",
     "Setting to use when there is no readahead setting in metadata.\n"
     "#\n"
     "Accepted values:\n"
     "  none\n"
     "    Disable readahead.\n"
     "  auto\n"
     "    Use default value chosen by kernel.\n"
     "#\n"},
    {"activation/raid_fault_policy", R"~("warn")~", F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "Defines how a device failure in a RAID LV is handled.\n"
     "This includes LVs that have the following segment types:\n"
     "raid1, raid4, raid5*, and raid6*.\n"
     "If a device in the LV fails, the policy determines the steps\n"
     "performed by dmeventd automatically, and the steps perfomed by the\n"
     "manual command lvconvert --repair --use-policies.\n"
     "Automatic handling requires dmeventd to be monitoring the LV.\n"
     "#\n"
     "Accepted values:\n"
     "  warn\n"
     "    Use the system log to warn the user that a device in the RAID LV\n"
     "    has failed. It is left to the user to run lvconvert --repair\n"
     "    manually to remove or replace the failed device. As long as the\n"
     "    number of failed devices does not exceed the redundancy of the LV\n"
     "    (1 device for raid4/5, 2 for raid6), the LV will remain usable.\n"
     "  allocate\n"
     "    Attempt to use any extra physical volumes in the VG as spares and\n"
     "    replace faulty devices.\n"
     "#\n"},
    {"activation/mirror_image_fault_policy", R"~("remove")~", F_DEFAULT_COMMENTED, "2.2.57", "",
     "",
     "Defines how a device failure in a 'mirror' LV is handled.\n"
     "An LV with the 'mirror' segment type is composed of mirror images\n"
     "(copies) and a mirror log. A disk log ensures that a mirror LV does\n"
     "not need to be re-synced (all copies made the same) every time a\n"
     "machine reboots or crashes. If a device in the LV fails, this policy\n"
     "determines the steps perfomed by dmeventd automatically, and the steps\n"
     "performed by the manual command lvconvert --repair --use-policies.\n"
     "Automatic handling requires dmeventd to be monitoring the LV.\n"
     "#\n"
     "Accepted values:\n"
     "  remove\n"
     "    Simply remove the faulty device and run without it. If the log\n"
     "    device fails, the mirror would convert to using an in-memory log.\n"
     "    This means the mirror will not remember its sync status across\n"
     "    crashes/reboots and the entire mirror will be re-synced. If a\n"
     "    mirror image fails, the mirror will convert to a non-mirrored\n"
     "    device if there is only one remaining good copy.\n"
     "  allocate\n"
     "    Remove the faulty device and try to allocate space on a new\n"
     "    device to be a replacement for the failed device. Using this\n"
     "    policy for the log is fast and maintains the ability to remember\n"
     "    sync state through crashes/reboots. Using this policy for a\n"
     "    mirror device is slow, as it requires the mirror to resynchronize\n"
     "    the devices, but it will preserve the mirror characteristic of\n"
     "    the device. This policy acts like 'remove' if no suitable device\n"
     "    and space can be allocated for the replacement.\n"
     "  allocate_anywhere\n"
     "    Not yet implemented. Useful to place the log device temporarily\n"
     "    on the same physical volume as one of the mirror images. This\n"
     "    policy is not recommended for mirror devices since it would break\n"
     "    the redundant nature of the mirror. This policy acts like\n"
     "    'remove' if no suitable device and space can be allocated for the\n"
     "    replacement.\n"
     "#\n"},
    {"activation/mirror_log_fault_policy", R"~("allocate")~", F_DEFAULT_COMMENTED, "1.2.18", "",
     "",
     "Defines how a device failure in a 'mirror' log LV is handled.\n"
     "The mirror_image_fault_policy description for mirrored LVs also\n"
     "applies to mirrored log LVs.\n"},
    {"activation/mirror_device_fault_policy", R"~("remove")~", F_DEPRECATED|F_DEFAULT_COMMENTED, "1.2.10", "2.2.57",
     "This has been replaced by the activation/mirror_image_fault_policy setting.\n",
     "Define how a device failure affecting a mirror is handled.\n"},
    {"activation/snapshot_autoextend_threshold", R"~(100)~", F_DEFAULT_COMMENTED, "2.2.75", "",
     "",
     "Auto-extend a snapshot when its usage exceeds this percent.\n"
     "Setting this to 100 disables automatic extension.\n"
     "The minimum value is 50 (a smaller value is treated as 50.)\n"
     "Also see snapshot_autoextend_percent.\n"
     "Automatic extension requires dmeventd to be monitoring the LV.\n"
     "#\n"
     "Example\n"
     "Using 70% autoextend threshold and 20% autoextend size, when a 1G\n"
     "snapshot exceeds 700M, it is extended to 1.2G, and when it exceeds\n"
     "840M, it is extended to 1.44G:\n"
     "snapshot_autoextend_threshold = 70\n"
     "#\n"},
    {"activation/snapshot_autoextend_percent", R"~(20)~", F_DEFAULT_COMMENTED, "2.2.75", "",
     "",
     "Auto-extending a snapshot adds this percent extra space.\n"
     "The amount of additional space added to a snapshot is this\n"
     "percent of its current size.\n"
     "#\n"
     "Example\n"
     "Using 70% autoextend threshold and 20% autoextend size, when a 1G\n"
     "snapshot exceeds 700M, it is extended to 1.2G, and when it exceeds\n"
     "840M, it is extended to 1.44G:\n"
     "snapshot_autoextend_percent = 20\n"
     "#\n"},
    {"activation/thin_pool_autoextend_threshold", R"~(100)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "Auto-extend a thin pool when its usage exceeds this percent.\n"
     "Setting this to 100 disables automatic extension.\n"
     "The minimum value is 50 (a smaller value is treated as 50.)\n"
     "Also see thin_pool_autoextend_percent.\n"
     "Automatic extension requires dmeventd to be monitoring the LV.\n"
     "#\n"
     "Example\n"
     "Using 70% autoextend threshold and 20% autoextend size, when a 1G\n"
     "thin pool exceeds 700M, it is extended to 1.2G, and when it exceeds\n"
     "840M, it is extended to 1.44G:\n"
     "thin_pool_autoextend_threshold = 70\n"
     "#\n"},
    {"activation/thin_pool_autoextend_percent", R"~(20)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "Auto-extending a thin pool adds this percent extra space.\n"
     "The amount of additional space added to a thin pool is this\n"
     "percent of its current size.\n"
     "#\n"
     "Example\n"
     "Using 70% autoextend threshold and 20% autoextend size, when a 1G\n"
     "thin pool exceeds 700M, it is extended to 1.2G, and when it exceeds\n"
     "840M, it is extended to 1.44G:\n"
     "thin_pool_autoextend_percent = 20\n"
     "#\n"},
    {"activation/vdo_pool_autoextend_threshold", R"~(100)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Auto-extend a VDO pool when its usage exceeds this percent.\n"
     "Setting this to 100 disables automatic extension.\n"
     "The minimum value is 50 (a smaller value is treated as 50.)\n"
     "Also see vdo_pool_autoextend_percent.\n"
     "Automatic extension requires dmeventd to be monitoring the LV.\n"
     "#\n"
     "Example\n"
     "Using 70% autoextend threshold and 20% autoextend size, when a 10G\n"
     "VDO pool exceeds 7G, it is extended to 12G, and when it exceeds\n"
     "8.4G, it is extended to 14.4G:\n"
     "vdo_pool_autoextend_threshold = 70\n"
     "#\n"},
    {"activation/vdo_pool_autoextend_percent", R"~(20)~", F_PROFILABLE|F_PROFILABLE_METADATA|F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "Auto-extending a VDO pool adds this percent extra space.\n"
     "The amount of additional space added to a VDO pool is this\n"
     "percent of its current size.\n"
     "#\n"
     "Example\n"
     "Using 70% autoextend threshold and 20% autoextend size, when a 10G\n"
     "VDO pool exceeds 7G, it is extended to 12G, and when it exceeds\n"
     "8.4G, it is extended to 14.4G:\n"},
    {"activation/mlock_filter", R"~()~", F_NO_DEFAULT|F_ADVANCED, "2.2.62", "",
     "",
     "Do not mlock these memory areas.\n"
     "While activating devices, I/O to devices being (re)configured is\n"
     "suspended. As a precaution against deadlocks, LVM pins memory it is\n"
     "using so it is not paged out, and will not require I/O to reread.\n"
     "Groups of pages that are known not to be accessed during activation\n"
     "do not need to be pinned into memory. Each string listed in this\n"
     "setting is compared against each line in /proc/self/maps, and the\n"
     "pages corresponding to lines that match are not pinned. On some\n"
     "systems, locale-archive was found to make up over 80% of the memory\n"
     "used by the process.\n"
     "#\n"
     "Example\n"
     "mlock_filter = [ \"locale/locale-archive\", \"gconv/gconv-modules.cache\" ]\n"
     "#\n"},
    {"activation/use_mlockall", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.62", "",
     "",
     "Use the old behavior of mlockall to pin all memory.\n"
     "Prior to version 2.02.62, LVM used mlockall() to pin the whole\n"
     "process's memory while activating devices.\n"},
    {"activation/monitoring", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.63", "",
     "",
     "Monitor LVs that are activated.\n"
     "The --ignoremonitoring option overrides this setting.\n"
     "When enabled, LVM will ask dmeventd to monitor activated LVs.\n"},
    {"activation/polling_interval", R"~(15)~", F_DEFAULT_COMMENTED, "2.2.63", "",
     "",
     "Check pvmove or lvconvert progress at this interval (seconds).\n"
     "When pvmove or lvconvert must wait for the kernel to finish\n"
     "synchronising or merging data, they check and report progress at\n"
     "intervals of this number of seconds. If this is set to 0 and there\n"
     "is only one thing to wait for, there are no progress reports, but\n"
     "the process is awoken immediately once the operation is complete.\n"},
    {"activation/auto_set_activation_skip", R"~(1)~", F_DEFAULT_COMMENTED, "2.2.99", "",
     "",
     "Set the activation skip flag on new thin snapshot LVs.\n"
     "The --setactivationskip option overrides this setting.\n"
     "An LV can have a persistent 'activation skip' flag. The flag causes\n"
     "the LV to be skipped during normal activation. The lvchange/vgchange\n"
     "-K option is required to activate LVs that have the activation skip\n"
     "flag set. When this setting is enabled, the activation skip flag is\n"
     "set on new thin snapshot LVs.\n"},
    {"activation/activation_mode", R"~("degraded")~", F_DEFAULT_COMMENTED, "2.2.108", "",
     "",
     "How LVs with missing devices are activated.\n"
     "The --activationmode option overrides this setting.\n"
     "#\n"
     "Accepted values:\n"
     "  complete\n"
     "    Only allow activation of an LV if all of the Physical Volumes it\n"
     "    uses are present. Other PVs in the Volume Group may be missing.\n"
     "  degraded\n"
     "    Like complete, but additionally RAID LVs of segment type raid1,\n"
     "    raid4, raid5, radid6 and raid10 will be activated if there is no\n"
     "    data loss, i.e. they have sufficient redundancy to present the\n"
     "    entire addressable range of the Logical Volume.\n"
     "  partial\n"
     "    Allows the activation of any LV even if a missing or failed PV\n"
     "    could cause data loss with a portion of the LV inaccessible.\n"
     "    This setting should not normally be used, but may sometimes\n"
     "    assist with data recovery.\n"
     "#\n"},
    {"activation/lock_start_list", R"~()~", F_NO_DEFAULT, "2.2.124", "",
     "",
     "Locking is started only for VGs selected by this list.\n"
     "The rules are the same as those for volume_list.\n"},
    {"activation/auto_lock_start_list", R"~()~", F_NO_DEFAULT, "2.2.124", "",
     "",
     "Locking is auto-started only for VGs selected by this list.\n"
     "The rules are the same as those for auto_activation_volume_list.\n"},
    {"metadata/check_pv_device_sizes", R"~(1)~", F_ADVANCED|F_DEFAULT_COMMENTED, "2.2.141", "",
     "",
     "Check device sizes are not smaller than corresponding PV sizes.\n"
     "If device size is less than corresponding PV size found in metadata,\n"
     "there is always a risk of data loss. If this option is set, then LVM\n"
     "issues a warning message each time it finds that the device size is\n"
     "less than corresponding PV size. You should not disable this unless\n"
     "you are absolutely sure about what you are doing!\n"},
    {"metadata/record_lvs_history", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.145", "",
     "",
     "When enabled, LVM keeps history records about removed LVs in\n"
     "metadata. The information that is recorded in metadata for\n"
     "historical LVs is reduced when compared to original\n"
     "information kept in metadata for live LVs. Currently, this\n"
     "feature is supported for thin and thin snapshot LVs only.\n"},
    {"metadata/lvs_history_retention_time", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.145", "",
     "",
     "Retention time in seconds after which a record about individual\n"
     "historical logical volume is automatically destroyed.\n"
     "A value of 0 disables this feature.\n"},
    {"metadata/pvmetadatacopies", R"~(1)~", F_ADVANCED|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Number of copies of metadata to store on each PV.\n"
     "The --pvmetadatacopies option overrides this setting.\n"
     "#\n"
     "Accepted values:\n"
     "  2\n"
     "    Two copies of the VG metadata are stored on the PV, one at the\n"
     "    front of the PV, and one at the end.\n"
     "  1\n"
     "    One copy of VG metadata is stored at the front of the PV.\n"
     "  0\n"
     "    No copies of VG metadata are stored on the PV. This may be\n"
     "    useful for VGs containing large numbers of PVs.\n"
     "#\n"},
    {"metadata/vgmetadatacopies", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.69", "",
     "",
     "Number of copies of metadata to maintain for each VG.\n"
     "The --vgmetadatacopies option overrides this setting.\n"
     "If set to a non-zero value, LVM automatically chooses which of the\n"
     "available metadata areas to use to achieve the requested number of\n"
     "copies of the VG metadata. If you set a value larger than the the\n"
     "total number of metadata areas available, then metadata is stored in\n"
     "them all. The value 0 (unmanaged) disables this automatic management\n"
     "and allows you to control which metadata areas are used at the\n"
     "individual PV level using pvchange --metadataignore y|n.\n"},
    {"metadata/pvmetadatasize", R"~()~", F_NO_DEFAULT, "1.0.0", "",
     "",
     "The default size of the metadata area in units of 512 byte sectors.\n"
     "The metadata area begins at an offset of the page size from the start\n"
     "of the device. The first PE is by default at 1 MiB from the start of\n"
     "the device. The space between these is the default metadata area size.\n"
     "The actual size of the metadata area may be larger than what is set\n"
     "here due to default_data_alignment making the first PE a MiB multiple.\n"
     "The metadata area begins with a 512 byte header and is followed by a\n"
     "circular buffer used for VG metadata text. The maximum size of the VG\n"
     "metadata is about half the size of the metadata buffer. VGs with large\n"
     "numbers of PVs or LVs, or VGs containing complex LV structures, may need\n"
     "additional space for VG metadata. The --metadatasize option overrides\n"
     "this setting.\n"},
    {"metadata/pvmetadataignore", R"~(0)~", F_ADVANCED|F_DEFAULT_COMMENTED, "2.2.69", "",
     "",
     "Ignore metadata areas on a new PV.\n"
     "The --metadataignore option overrides this setting.\n"
     "If metadata areas on a PV are ignored, LVM will not store metadata\n"
     "in them.\n"},
    {"metadata/stripesize", R"~(64)~", F_ADVANCED|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     ""},
    {"metadata/dirs", R"~()~", F_DEPRECATED|F_NO_DEFAULT|F_ADVANCED, "1.0.0", "2.3.0",
     "",
     ""},
    {"report/output_format", R"~("basic")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "Format of LVM command's report output.\n"
     "If there is more than one report per command, then the format\n"
     "is applied for all reports. You can also change output format\n"
     "directly on command line using --reportformat option which\n"
     "has precedence over log/output_format setting.\n"
     "Accepted values:\n"
     "  basic\n"
     "    Original format with columns and rows. If there is more than\n"
     "    one report per command, each report is prefixed with report's\n"
     "    name for identification.\n"
     "  json\n"
     "    JSON format.\n"},
    {"report/compact_output", R"~(0)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.115", "",
     "",
     "Do not print empty values for all report fields.\n"
     "If enabled, all fields that don't have a value set for any of the\n"
     "rows reported are skipped and not printed. Compact output is\n"
     "applicable only if report/buffered is enabled. If you need to\n"
     "compact only specified fields, use compact_output=0 and define\n"
     "report/compact_output_cols configuration setting instead.\n"},
    {"report/compact_output_cols", R"~("")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.133", "",
     "",
     "Do not print empty values for specified report fields.\n"
     "If defined, specified fields that don't have a value set for any\n"
     "of the rows reported are skipped and not printed. Compact output\n"
     "is applicable only if report/buffered is enabled. If you need to\n"
     "compact all fields, use compact_output=1 instead in which case\n"
     "the compact_output_cols setting is then ignored.\n"},
    {"report/aligned", R"~(1)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Align columns in report output.\n"},
    {"report/buffered", R"~(1)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Buffer report output.\n"
     "When buffered reporting is used, the report's content is appended\n"
     "incrementally to include each object being reported until the report\n"
     "is flushed to output which normally happens at the end of command\n"
     "execution. Otherwise, if buffering is not used, each object is\n"
     "reported as soon as its processing is finished.\n"},
    {"report/headings", R"~(1)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Show headings for columns on report.\n"},
    {"report/separator", R"~(" ")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "A separator to use on report after each field.\n"},
    {"report/list_item_separator", R"~(",")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.108", "",
     "",
     "A separator to use for list items when reported.\n"},
    {"report/prefixes", R"~(0)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.36", "",
     "",
     "Use a field name prefix for each field reported.\n"},
    {"report/quoted", R"~(1)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.39", "",
     "",
     "Quote field values when using field name prefixes.\n"},
    {"report/columns_as_rows", R"~(0)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "Output each column as a row.\n"
     "If set, this also implies report/prefixes=1.\n"},
    {"report/binary_values_as_numeric", R"~(0)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.108", "",
     "",
     "Use binary values 0 or 1 instead of descriptive literal values.\n"
     "For columns that have exactly two valid values to report\n"
     "(not counting the 'unknown' value which denotes that the\n"
     "value could not be determined).\n"},
    {"report/time_format", R"~("%Y-%m-%d %T %z")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.123", "",
     "",
     "Set time format for fields reporting time values.\n"
     "Format specification is a string which may contain special character\n"
     "sequences and ordinary character sequences. Ordinary character\n"
     "sequences are copied verbatim. Each special character sequence is\n"
     "introduced by the '%' character and such sequence is then\n"
     "substituted with a value as described below.\n"
     "#\n"
     "Accepted values:\n"
     "  %a\n"
     "    The abbreviated name of the day of the week according to the\n"
     "    current locale.\n"
     "  %A\n"
     "    The full name of the day of the week according to the current\n"
     "    locale.\n"
     "  %b\n"
     "    The abbreviated month name according to the current locale.\n"
     "  %B\n"
     "    The full month name according to the current locale.\n"
     "  %c\n"
     "    The preferred date and time representation for the current\n"
     "    locale (alt E)\n"
     "  %C\n"
     "    The century number (year/100) as a 2-digit integer. (alt E)\n"
     "  %d\n"
     "    The day of the month as a decimal number (range 01 to 31).\n"
     "    (alt O)\n"
     "  %D\n"
     "    Equivalent to %m/%d/%y. (For Americans only. Americans should\n"
     "    note that in other countries%d/%m/%y is rather common. This\n"
     "    means that in international context this format is ambiguous and\n"
     "    should not be used.\n"
     "  %e\n"
     "    Like %d, the day of the month as a decimal number, but a leading\n"
     "    zero is replaced by a space. (alt O)\n"
     "  %E\n"
     "    Modifier: use alternative local-dependent representation if\n"
     "    available.\n"
     "  %F\n"
     "    Equivalent to %Y-%m-%d (the ISO 8601 date format).\n"
     "  %G\n"
     "    The ISO 8601 week-based year with century as adecimal number.\n"
     "    The 4-digit year corresponding to the ISO week number (see %V).\n"
     "    This has the same format and value as %Y, except that if the\n"
     "    ISO week number belongs to the previous or next year, that year\n"
     "    is used instead.\n"
     "  %g\n"
     "    Like %G, but without century, that is, with a 2-digit year\n"
     "    (00-99).\n"
     "  %h\n"
     "    Equivalent to %b.\n"
     "  %H\n"
     "    The hour as a decimal number using a 24-hour clock\n"
     "    (range 00 to 23). (alt O)\n"
     "  %I\n"
     "    The hour as a decimal number using a 12-hour clock\n"
     "    (range 01 to 12). (alt O)\n"
     "  %j\n"
     "    The day of the year as a decimal number (range 001 to 366).\n"
     "  %k\n"
     "    The hour (24-hour clock) as a decimal number (range 0 to 23);\n"
     "    single digits are preceded by a blank. (See also %H.)\n"
     "  %l\n"
     "    The hour (12-hour clock) as a decimal number (range 1 to 12);\n"
     "    single digits are preceded by a blank. (See also %I.)\n"
     "  %m\n"
     "    The month as a decimal number (range 01 to 12). (alt O)\n"
     "  %M\n"
     "    The minute as a decimal number (range 00 to 59). (alt O)\n"
     "  %O\n"
     "    Modifier: use alternative numeric symbols.\n"
     "  %p\n"
     "    Either \"AM\" or \"PM\" according to the given time value,\n"
     "    or the corresponding strings for the current locale. Noon is\n"
     "    treated as \"PM\" and midnight as \"AM\".\n"
     "  %P\n"
     "    Like %p but in lowercase: \"am\" or \"pm\" or a corresponding\n"
     "    string for the current locale.\n"
     "  %r\n"
     "    The time in a.m. or p.m. notation. In the POSIX locale this is\n"
     "    equivalent to %I:%M:%S %p.\n"
     "  %R\n"
     "    The time in 24-hour notation (%H:%M). For a version including\n"
     "    the seconds, see %T below.\n"
     "  %s\n"
     "    The number of seconds since the Epoch,\n"
     "    1970-01-01 00:00:00 +0000 (UTC)\n"
     "  %S\n"
     "    The second as a decimal number (range 00 to 60). (The range is\n"
     "    up to 60 to allow for occasional leap seconds.) (alt O)\n"
     "  %t\n"
     "    A tab character.\n"
     "  %T\n"
     "    The time in 24-hour notation (%H:%M:%S).\n"
     "  %u\n"
     "    The day of the week as a decimal, range 1 to 7, Monday being 1.\n"
     "    See also %w. (alt O)\n"
     "  %U\n"
     "    The week number of the current year as a decimal number,\n"
     "    range 00 to 53, starting with the first Sunday as the first\n"
     "    day of week 01. See also %V and %W. (alt O)\n"
     "  %V\n"
     "    The ISO 8601 week number of the current year as a decimal number,\n"
     "    range 01 to 53, where week 1 is the first week that has at least\n"
     "    4 days in the new year. See also %U and %W. (alt O)\n"
     "  %w\n"
     "    The day of the week as a decimal, range 0 to 6, Sunday being 0.\n"
     "    See also %u. (alt O)\n"
     "  %W\n"
     "    The week number of the current year as a decimal number,\n"
     "    range 00 to 53, starting with the first Monday as the first day\n"
     "    of week 01. (alt O)\n"
     "  %x\n"
     "    The preferred date representation for the current locale without\n"
     "    the time. (alt E)\n"
     "  %X\n"
     "    The preferred time representation for the current locale without\n"
     "    the date. (alt E)\n"
     "  %y\n"
     "    The year as a decimal number without a century (range 00 to 99).\n"
     "    (alt E, alt O)\n"
     "  %Y\n"
     "    The year as a decimal number including the century. (alt E)\n"
     "  %z\n"
     "    The +hhmm or -hhmm numeric timezone (that is, the hour and minute\n"
     "    offset from UTC).\n"
     "  %Z\n"
     "    The timezone name or abbreviation.\n"
     "  %%\n"
     "    A literal '%' character.\n"
     "#\n"},
    {"report/devtypes_sort", R"~("devtype_name")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.101", "",
     "",
     "List of columns to sort by when reporting 'lvm devtypes' command.\n"
     "See 'lvm devtypes -o help' for the list of possible fields.\n"},
    {"report/devtypes_cols", R"~("devtype_name,devtype_max_partitions,devtype_description")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.101", "",
     "",
     "List of columns to report for 'lvm devtypes' command.\n"
     "See 'lvm devtypes -o help' for the list of possible fields.\n"},
    {"report/devtypes_cols_verbose", R"~("devtype_name,devtype_max_partitions,devtype_description")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.101", "",
     "",
     "List of columns to report for 'lvm devtypes' command in verbose mode.\n"
     "See 'lvm devtypes -o help' for the list of possible fields.\n"},
    {"report/lvs_sort", R"~("vg_name,lv_name")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to sort by when reporting 'lvs' command.\n"
     "See 'lvs -o help' for the list of possible fields.\n"},
    {"report/lvs_cols", R"~("lv_name,vg_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,move_pv,mirror_log,copy_percent,convert_lv")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to report for 'lvs' command.\n"
     "See 'lvs -o help' for the list of possible fields.\n"},
    {"report/lvs_cols_verbose", R"~("lv_name,vg_name,seg_count,lv_attr,lv_size,lv_major,lv_minor,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,move_pv,copy_percent,mirror_log,convert_lv,lv_uuid,lv_profile")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to report for 'lvs' command in verbose mode.\n"
     "See 'lvs -o help' for the list of possible fields.\n"},
    {"report/vgs_sort", R"~("vg_name")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to sort by when reporting 'vgs' command.\n"
     "See 'vgs -o help' for the list of possible fields.\n"},
    {"report/vgs_cols", R"~("vg_name,pv_count,lv_count,snap_count,vg_attr,vg_size,vg_free")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to report for 'vgs' command.\n"
     "See 'vgs -o help' for the list of possible fields.\n"},
    {"report/vgs_cols_verbose", R"~("vg_name,vg_attr,vg_extent_size,pv_count,lv_count,snap_count,vg_size,vg_free,vg_uuid,vg_profile")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to report for 'vgs' command in verbose mode.\n"
     "See 'vgs -o help' for the list of possible fields.\n"},
    {"report/pvs_sort", R"~("pv_name")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to sort by when reporting 'pvs' command.\n"
     "See 'pvs -o help' for the list of possible fields.\n"},
    {"report/pvs_cols", R"~("pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to report for 'pvs' command.\n"
     "See 'pvs -o help' for the list of possible fields.\n"},
    {"report/pvs_cols_verbose", R"~("pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,dev_size,pv_uuid")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to report for 'pvs' command in verbose mode.\n"
     "See 'pvs -o help' for the list of possible fields.\n"},
    {"report/segs_sort", R"~("vg_name,lv_name,seg_start")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to sort by when reporting 'lvs --segments' command.\n"
     "See 'lvs --segments -o help' for the list of possible fields.\n"},
    {"report/segs_cols", R"~("lv_name,vg_name,lv_attr,stripes,segtype,seg_size")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to report for 'lvs --segments' command.\n"
     "See 'lvs --segments -o help' for the list of possible fields.\n"},
    {"report/segs_cols_verbose", R"~("lv_name,vg_name,lv_attr,seg_start,seg_size,stripes,segtype,stripesize,chunksize")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "List of columns to report for 'lvs --segments' command in verbose mode.\n"
     "See 'lvs --segments -o help' for the list of possible fields.\n"},
    {"report/pvsegs_sort", R"~("pv_name,pvseg_start")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.1.3", "",
     "",
     "List of columns to sort by when reporting 'pvs --segments' command.\n"
     "See 'pvs --segments -o help' for the list of possible fields.\n"},
    {"report/pvsegs_cols", R"~("pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,pvseg_start,pvseg_size")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.1.3", "",
     "",
     "List of columns to sort by when reporting 'pvs --segments' command.\n"
     "See 'pvs --segments -o help' for the list of possible fields.\n"},
    {"report/pvsegs_cols_verbose", R"~("pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,pvseg_start,pvseg_size,lv_name,seg_start_pe,segtype,seg_pe_ranges")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.1.3", "",
     "",
     "List of columns to sort by when reporting 'pvs --segments' command in verbose mode.\n"
     "See 'pvs --segments -o help' for the list of possible fields.\n"},
    {"report/vgs_cols_full", R"~("vg_all")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to report for lvm fullreport's 'vgs' subreport.\n"
     "See 'vgs -o help' for the list of possible fields.\n"},
    {"report/pvs_cols_full", R"~("pv_all")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to report for lvm fullreport's 'vgs' subreport.\n"
     "See 'pvs -o help' for the list of possible fields.\n"},
    {"report/lvs_cols_full", R"~("lv_all")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to report for lvm fullreport's 'lvs' subreport.\n"
     "See 'lvs -o help' for the list of possible fields.\n"},
    {"report/pvsegs_cols_full", R"~("pvseg_all,pv_uuid,lv_uuid")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to report for lvm fullreport's 'pvseg' subreport.\n"
     "See 'pvs --segments -o help' for the list of possible fields.\n"},
    {"report/segs_cols_full", R"~("seg_all,lv_uuid")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to report for lvm fullreport's 'seg' subreport.\n"
     "See 'lvs --segments -o help' for the list of possible fields.\n"},
    {"report/vgs_sort_full", R"~("vg_name")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to sort by when reporting lvm fullreport's 'vgs' subreport.\n"
     "See 'vgs -o help' for the list of possible fields.\n"},
    {"report/pvs_sort_full", R"~("pv_name")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to sort by when reporting lvm fullreport's 'vgs' subreport.\n"
     "See 'pvs -o help' for the list of possible fields.\n"},
    {"report/lvs_sort_full", R"~("vg_name,lv_name")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to sort by when reporting lvm fullreport's 'lvs' subreport.\n"
     "See 'lvs -o help' for the list of possible fields.\n"},
    {"report/pvsegs_sort_full", R"~("pv_uuid,pvseg_start")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to sort by when reporting for lvm fullreport's 'pvseg' subreport.\n"
     "See 'pvs --segments -o help' for the list of possible fields.\n"},
    {"report/segs_sort_full", R"~("lv_uuid,seg_start")~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.158", "",
     "",
     "List of columns to sort by when reporting lvm fullreport's 'seg' subreport.\n"
     "See 'lvs --segments -o help' for the list of possible fields.\n"},
    {"report/mark_hidden_devices", R"~(1)~", F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "2.2.140", "",
     "",
     "Use brackets [] to mark hidden devices.\n"},
    {"report/two_word_unknown_device", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.146", "",
     "",
     "Use the two words 'unknown device' in place of '[unknown]'.\n"
     "This is displayed when the device for a PV is not known.\n"},
    {"dmeventd/mirror_library", R"~("libdevmapper-event-lvm2mirror.so")~", F_DEFAULT_COMMENTED, "1.2.3", "",
     "",
     "The library dmeventd uses when monitoring a mirror device.\n"
     "libdevmapper-event-lvm2mirror.so attempts to recover from\n"
     "failures. It removes failed devices from a volume group and\n"
     "reconfigures a mirror as necessary. If no mirror library is\n"
     "provided, mirrors are not monitored through dmeventd.\n"},
    {"dmeventd/raid_library", R"~("libdevmapper-event-lvm2raid.so")~", F_DEFAULT_COMMENTED, "2.2.87", "",
     "",
     ""},
    {"dmeventd/snapshot_library", R"~("libdevmapper-event-lvm2snapshot.so")~", F_DEFAULT_COMMENTED, "1.2.26", "",
     "",
     "The library dmeventd uses when monitoring a snapshot device.\n"
     "libdevmapper-event-lvm2snapshot.so monitors the filling of snapshots\n"
     "and emits a warning through syslog when the usage exceeds 80%. The\n"
     "warning is repeated when 85%, 90% and 95% of the snapshot is filled.\n"},
    {"dmeventd/thin_library", R"~("libdevmapper-event-lvm2thin.so")~", F_DEFAULT_COMMENTED, "2.2.89", "",
     "",
     "The library dmeventd uses when monitoring a thin device.\n"
     "libdevmapper-event-lvm2thin.so monitors the filling of a pool\n"
     "and emits a warning through syslog when the usage exceeds 80%. The\n"
     "warning is repeated when 85%, 90% and 95% of the pool is filled.\n"},
    {"dmeventd/thin_command", R"~("lvm lvextend --use-policies")~", F_DEFAULT_COMMENTED, "2.2.169", "",
     "",
     "The plugin runs command with each 5% increment when thin-pool data volume\n"
     "or metadata volume gets above 50%.\n"
     "Command which starts with 'lvm ' prefix is internal lvm command.\n"
     "You can write your own handler to customise behaviour in more details.\n"
     "User handler is specified with the full path starting with '/'.\n"},
    {"dmeventd/vdo_library", R"~("libdevmapper-event-lvm2vdo.so")~", F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "The library dmeventd uses when monitoring a VDO pool device.\n"
     "libdevmapper-event-lvm2vdo.so monitors the filling of a pool\n"
     "and emits a warning through syslog when the usage exceeds 80%. The\n"
     "warning is repeated when 85%, 90% and 95% of the pool is filled.\n"},
    {"dmeventd/vdo_command", R"~("lvm lvextend --use-policies")~", F_DEFAULT_COMMENTED, "2.3.0", "",
     "",
     "The plugin runs command with each 5% increment when VDO pool volume\n"
     "gets above 50%.\n"
     "Command which starts with 'lvm ' prefix is internal lvm command.\n"
     "You can write your own handler to customise behaviour in more details.\n"
     "User handler is specified with the full path starting with '/'.\n"},
    {"dmeventd/executable", R"~("/sbin/dmeventd")~", F_DEFAULT_COMMENTED, "2.2.73", "",
     "",
     "The full path to the dmeventd binary.\n"},
    {"tags/hosttags", R"~(0)~", F_DEFAULT_COMMENTED, "1.0.18", "",
     "",
     "Create a host tag using the machine name.\n"
     "The machine name is nodename returned by uname(2).\n"},
    {"tags/tag", R"~()~", F_SECTION|F_NAME_VARIABLE|F_DEFAULT_COMMENTED, "1.0.18", "",
     "",
     "Replace this subsection name with a custom tag name.\n"
     "Multiple subsections like this can be created. The '@' prefix for\n"
     "tags is optional. This subsection can contain host_list, which is a\n"
     "list of machine names. If the name of the local machine is found in\n"
     "host_list, then the name of this subsection is used as a tag and is\n"
     "applied to the local machine as a 'host tag'. If this subsection is\n"
     "empty (has no host_list), then the subsection name is always applied\n"
     "as a 'host tag'.\n"
     "#\n"
     "Example\n"
     "The host tag foo is given to all hosts, and the host tag\n"
     "bar is given to the hosts named machine1 and machine2.\n"
     "tags { foo { } bar { host_list = [ \"machine1\", \"machine2\" ] } }\n"
     "#\n"},
    {"tags/<tag>/host_list", R"~()~", F_NO_DEFAULT, "1.0.18", "",
     "",
     "A list of machine names.\n"
     "These machine names are compared to the nodename returned\n"
     "by uname(2). If the local machine name matches an entry in\n"
     "this list, the name of the subsection is applied to the\n"
     "machine as a 'host tag'.\n"},
    {"local/system_id", R"~("")~", F_DEFAULT_COMMENTED, "2.2.117", "",
     "",
     "Defines the local system ID for lvmlocal mode.\n"
     "This is used when global/system_id_source is set to 'lvmlocal' in the\n"
     "main configuration file, e.g. lvm.conf. When used, it must be set to\n"
     "a unique value among all hosts sharing access to the storage,\n"
     "e.g. a host name.\n"
     "#\n"
     "Example\n"
     "Set no system ID:\n"
     "system_id = \"\"\n"
     "Set the system_id to a specific name:\n"
     "system_id = \"host1\"\n"
     "#\n"},
    {"local/extra_system_ids", R"~()~", F_NO_DEFAULT, "2.2.117", "",
     "",
     "A list of extra VG system IDs the local host can access.\n"
     "VGs with the system IDs listed here (in addition to the host's own\n"
     "system ID) can be fully accessed by the local host. (These are\n"
     "system IDs that the host sees in VGs, not system IDs that identify\n"
     "the local host, which is determined by system_id_source.)\n"
     "Use this only after consulting 'man lvmsystemid' to be certain of\n"
     "correct usage and possible dangers.\n"},
    {"local/host_id", R"~(0)~", F_DEFAULT_COMMENTED, "2.2.124", "",
     "",
     "The lvmlockd sanlock host_id.\n"
     "This must be unique among all hosts, and must be between 1 and 2000.\n"
     "Applicable only if LVM is compiled with lockd support\n"},
};

constexpr Lvm2Setting SECTIONS[] = {
    {"config", R"~()~", F_SECTION, "2.2.99", "",
     "",
     "How LVM configuration settings are handled.\n"},
    {"devices", R"~()~", F_SECTION, "1.0.0", "",
     "",
     "How LVM uses block devices.\n"},
    {"allocation", R"~()~", F_SECTION|F_PROFILABLE|F_PROFILABLE_COMMAND, "2.2.77", "",
     "",
     "How LVM selects space and applies properties to LVs.\n"},
    {"log", R"~()~", F_SECTION|F_PROFILABLE|F_PROFILABLE_COMMAND, "1.0.0", "",
     "",
     "How LVM log information is reported.\n"},
    {"backup", R"~()~", F_SECTION, "1.0.0", "",
     "",
     "How LVM metadata is backed up and archived.\n"
     "In LVM, a 'backup' is a copy of the metadata for the current system,\n"
     "and an 'archive' contains old metadata configurations. They are\n"
     "stored in a human readable text format.\n"},
    {"shell", R"~()~", F_SECTION, "1.0.0", "",
     "",
     "Settings for running LVM in shell (readline) mode.\n"},
    {"global", R"~()~", F_SECTION|F_PROFILABLE|F_PROFILABLE_COMMAND, "1.0.0", "",
     "",
     "Miscellaneous global LVM settings.\n"},
    {"activation", R"~()~", F_SECTION|F_PROFILABLE|F_PROFILABLE_COMMAND, "1.0.0", "",
     "",
     ""},
    {"metadata", R"~()~", F_SECTION|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     ""},
    {"report", R"~()~", F_SECTION|F_PROFILABLE|F_PROFILABLE_COMMAND|F_DEFAULT_COMMENTED, "1.0.0", "",
     "",
     "LVM report command output formatting.\n"},
    {"dmeventd", R"~()~", F_SECTION, "1.2.3", "",
     "",
     "Settings for the LVM event daemon.\n"},
    {"tags", R"~()~", F_SECTION|F_DEFAULT_COMMENTED, "1.0.18", "",
     "",
     "Host tag settings.\n"},
    {"local", R"~()~", F_SECTION, "2.2.117", "",
     "",
     "LVM settings that are specific to the local host.\n"},
};
}  // namespace

std::span<const Lvm2Setting> lvm2_settings() { return SETTINGS; }
std::span<const Lvm2Setting> lvm2_sections() { return SECTIONS; }

const Lvm2Setting* find_lvm2_section(std::string_view name) {
  for (const auto& s : SECTIONS)
    if (s.path == name) return &s;
  return nullptr;
}

const Lvm2Setting* find_lvm2_setting(std::string_view path) {
  for (const auto& s : SETTINGS)
    if (s.path == path) return &s;
  return nullptr;
}

}  // namespace udm::lvm::api

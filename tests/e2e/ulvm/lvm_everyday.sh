# The listing commands (lvscan, vgscan, pvscan, segtypes, formats, tags)
# print what real lvm2 prints on the same loop devices: same stdout, stderr
# (lvm2's activation-disabled warning aside) and exit code.
. "$(dirname "$0")/lvm_everyday_common.sh"

same lvscan
same lvscan -a
same vgscan
same pvscan
same pvscan --cache
same segtypes
same formats
same tags
echo PASS

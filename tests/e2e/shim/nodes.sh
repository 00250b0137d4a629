# Device nodes under DM_DEV_DIR: libdevmapper's mknod becomes a symlink to the
# FUSE file, so the node path reads and writes the device; rename and remove
# follow. Nothing appears under the host's /dev/mapper.
. "$UDM_E2E_LIB"
. "$(dirname "$0")/shim_lib.sh"
[ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

img="$E2E_TMP/a.img"
sparse_file "$img" 16M
nodes="$UDM_RUNDIR/devdir/mapper"
before=$(ls /dev/mapper 2>/dev/null | sort | tr '\n' ' ')

D create n1 --table "0 2048 linear $img 0"
[ -L "$nodes/n1" ] || fail "no node symlink: $(ls -la "$nodes")"
expect_eq "$(readlink "$nodes/n1")" "$UDM_RUNDIR/dev/mapper/n1" "node target"
for i in $(seq 50); do [ -e "$nodes/n1" ] && break; sleep 0.1; done
# Write through the node, read back from the backing file.
printf 'hello-through-node' | dd of="$nodes/n1" bs=512 seek=1 conv=notrunc,sync status=none
sync "$nodes/n1" 2>/dev/null || true
expect_eq "$(dd if="$img" bs=512 skip=1 count=1 status=none | tr -d '\0')" "hello-through-node" "data via node"
# stat through the shim shows libdevmapper's block node (statx too).
mm=$(D info -c -o devno --noheadings n1)
expect_eq "$(udm-run stat -L -c '%F %t:%T' "$nodes/n1")" "block special file fc:$(printf '%x' "${mm#*:}")" "node as a block device"
# A second resume keeps the node (libdm stats it and sees the block node it expects).
D suspend n1
D resume n1
[ -L "$nodes/n1" ] || fail "node lost on resume"
# Rename moves the node and points it at the renamed FUSE file.
D rename n1 n2
[ ! -e "$nodes/n1" ] && [ ! -L "$nodes/n1" ] || fail "old node left after rename"
expect_eq "$(readlink "$nodes/n2")" "$UDM_RUNDIR/dev/mapper/n2" "node after rename"
D mknodes
D remove n2
[ ! -L "$nodes/n2" ] || fail "node left after remove"
expect_eq "$(ls /dev/mapper 2>/dev/null | sort | tr '\n' ' ')" "$before" "host /dev/mapper untouched"
echo PASS

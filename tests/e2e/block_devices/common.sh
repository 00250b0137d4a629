# Shared by the block device tests: source instead of lib.sh.
export UDM_BLOCK_DEVICES=1
. "$UDM_E2E_LIB"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] && [ -e /dev/loop-control ] || { echo "SKIP: needs /dev/fuse and /dev/loop-control"; exit 77; }
requires losetup lsblk

# Loops whose backing file is under this test's run directory.
our_loops() { losetup -a -O NAME,BACK-FILE --noheadings 2>/dev/null | awk -v p="$UDM_RUNDIR/" 'index($2, p) == 1 {print $1}' || true; }
# At exit, after the daemon stopped (the last cleanup runs first): none left.
_check_no_loops() {
  local left
  left=$(our_loops)
  [ -z "$left" ] && return 0
  echo "FAIL: loop devices left behind: $left" >&2
  for l in $left; do losetup -d "$l"; done
  return 1
}
# devno NAME: "M:m" as udmsetup reports it.
devno() { udmsetup info -c --noheadings -o major,minor --separator : "$1" | tr -d ' '; }
# wait_gone PATH: until PATH is gone (2 s).
wait_gone() { local i; for ((i=0; i<40; i++)); do [ -e "$1" ] || [ -L "$1" ] || return 0; sleep 0.05; done; return 1; }

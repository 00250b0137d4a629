# Shared by the exports e2e tests: sources lib.sh, then adds helpers.
: "${UDM_E2E_LIB:?UDM_E2E_LIB must point at tests/e2e/lib.sh}"
# shellcheck disable=SC1090
. "$UDM_E2E_LIB"

# striped_device NAME: a 128 MiB striped device over two 64 MiB backing files.
striped_device() {
  local name=$1
  sparse_file "$E2E_TMP/$name.a" 64M
  sparse_file "$E2E_TMP/$name.b" 64M
  udmsetup create "$name" --table "0 262144 striped 2 128 $E2E_TMP/$name.a 0 $E2E_TMP/$name.b 0"
  wait_for_file "$UDM_RUNDIR/dev/mapper/$name"
}

wait_for_file() {
  local i
  for ((i=0; i<100; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done
  fail "$1 did not appear"
}

# loop_on FILE: a loop device over FILE (direct I/O) in $LOOP, detached at
# exit or by detach_loop.
loop_on() {
  LOOP=$(attach_loop --direct-io=on "$1")
}

# mount_on DEV DIR: mounted until exit (lazy unmount in cleanup).
mount_on() {
  mkdir -p "$2"
  mount "$1" "$2"
  cleanup_fn "umount -l $2"
}

# write_tree DIR: a tree of files with random contents; checksums in DIR.md5 (outside DIR).
write_tree() {
  local dir=$1 d f
  for d in $(seq 1 8); do
    mkdir -p "$dir/d$d/sub"
    for f in $(seq 1 6); do
      head -c $(( (d * 37 + f * 101) * 1024 )) /dev/urandom >"$dir/d$d/f$f"
      head -c $(( f * 3000 + 17 )) /dev/urandom >"$dir/d$d/sub/s$f"
    done
  done
  head -c $((16 << 20)) /dev/urandom >"$dir/big"
  (cd "$dir" && find . -type f -print0 | sort -z | xargs -0 md5sum) >"$dir.md5"
}

check_tree() { (cd "$1" && md5sum --quiet -c "$1.md5") || fail "checksums differ in $1"; }

# remove_device NAME: retries while a just-closed FUSE file is still being released.
remove_device() {
  local i
  for ((i=0; i<100; i++)); do udmsetup remove "$1" 2>/dev/null && return 0; sleep 0.05; done
  udmsetup remove "$1"
}

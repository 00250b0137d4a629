# ulvm reads lvm2's lvm.conf ($LVM_SYSTEM_DIR/lvm.conf) and --config:
# `lvmconfig` prints what real lvm2's lvmconfig prints for the same file,
# devices/filter and global_filter keep devices out of the scan (and a named
# one is refused with lvm2's message), backup/* decide where backups go.
. "$(dirname "$0")/common.sh"
export LVM_SYSTEM_DIR="$E2E_TMP/etc" LVM_SUPPRESS_FD_WARNINGS=1
unset UDM_LVM_CONFIG
mkdir -p "$LVM_SYSTEM_DIR"
cat >"$LVM_SYSTEM_DIR/lvm.conf" <<'CONF'
# a comment
report { aligned = 0 }
activation {
	udev_sync = 0   # trailing comment
}
devices {
	scan = [ "/dev" ]
	filter = [ "a|/dev/loop.*|", "r|.*|" ]
	types = [ "fd", 16 ]
}
global { units = "m" umask = 022 }
backup { backup = 0 archive_dir = "/tmp/nowhere" }
allocation { wipe_signatures_when_zeroing_new_lvs = 0 }
CONF

# run TOOL ARGS...: exit code, stdout and stderr of TOOL lvmconfig ARGS.
run() {
  local tool="$1"; shift
  local rc=0
  (cd "$E2E_TMP" && timeout 20 "$tool" "$@" </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err") || rc=$?
  echo "rc=$rc"
  cat "$E2E_TMP/out"
  echo "-- stderr"
  cat "$E2E_TMP/err"
}
same() {
  local real ours
  real=$(run lvm "$@"); ours=$(run ulvm "$@")
  [ "$real" == "$ours" ] || fail "ulvm $* differs from lvm2:
lvm2:
$real
ulvm:
$ours"
}
if command -v lvm >/dev/null; then
  same lvmconfig
  same dumpconfig
  same config backup
  same lvmconfig devices/filter backup/backup global/umask
  same lvmconfig devices/types report/aligned
  same lvmconfig backup/backup no/such global/units
  same lvmconfig --type current devices
  same lvmconfig --type diff
  same lvmconfig --type diff devices
  same lvmconfig --type default backup
  same lvmconfig --type default devices/filter devices/global_filter global/units global/umask report/lvs_cols
  same lvmconfig --config 'backup/backup=1' backup
  same lvmconfig --config 'devices { scan = "/dev" } global/units="k" log { verbose = 0 }'
  same lvmconfig --config 'backup/backup=1 devices/scan=["/dev"]' --mergedconfig
  same lvmconfig --config 'global { units = "g" }' --mergedconfig global/units
  same lvmconfig --file "$E2E_TMP/dump.conf" backup
  same lvmconfig --validate
  (cd "$E2E_TMP" && lvm lvmconfig -f "$E2E_TMP/real.conf" devices backup && ulvm lvmconfig -f "$E2E_TMP/ours.conf" devices backup) ||
    fail "lvmconfig -f"
  cmp "$E2E_TMP/real.conf" "$E2E_TMP/ours.conf" || fail "lvmconfig -f wrote another file than lvm2"
  # Every setting lvm2 knows, with its default or the value set.
  same lvmconfig --type full
  same lvmconfig --type full devices backup global/units
  same lvmconfig --type default
  same lvmconfig --type list
  same lvmconfig --type missing
  same lvmconfig --type new
  same lvmconfig --type profilable
  same lvmconfig --type profilable-command
  same lvmconfig --type profilable-metadata
  same lvmconfig --type default allocation report/aligned
  # lvm2's comments and versions above each node (its own comment texts).
  same lvmconfig --type default --withcomments
  same lvmconfig --type default --withversions
  same lvmconfig --type default --withcomments --withversions devices/preferred_names tags allocation/cache_settings backup
  same lvmconfig --type default devices/preferred_names
  same lvmconfig --withcomments
  same lvmconfig --withcomments --withversions devices global/units
  same lvmconfig --type full --withcomments --withversions
  same lvmconfig --type diff --withcomments
  same lvmconfig --type profilable --withcomments
  same lvmconfig --type missing --withversions
  same lvmconfig --type list --withversions

  # Settings lvm2 does not know, lvmlocal.conf over lvm.conf, profiles.
  cp "$LVM_SYSTEM_DIR/lvm.conf" "$E2E_TMP/lvm.conf.saved"
  cat >"$LVM_SYSTEM_DIR/lvm.conf" <<'CONF'
devices { bogus = 1 scan_lvs = 0 filter = [ "a|.*|" ] }
weird { x = 1 }
tags { hosttags = 0 foo { } bar { host_list = [ "m1" ] } }
allocation { cache_settings { mq { a = 1 } } }
global { units = "m" }
backup { backup = 0 }
CONF
  cat >"$LVM_SYSTEM_DIR/lvmlocal.conf" <<'CONF'
local {
	host_id = 7
}
global { units = "k" suffix = 0 }
CONF
  mkdir -p "$LVM_SYSTEM_DIR/profile"
  printf 'report { aligned = 0 }\nglobal { units = "g" }\n' >"$LVM_SYSTEM_DIR/profile/p1.profile"
  same lvmconfig
  same lvmconfig --validate
  same lvmconfig --validate --config 'global { nope = 1 }'
  same lvmconfig --type diff
  same lvmconfig --type full
  same lvmconfig --type missing
  same lvmconfig --withcomments --withversions
  same lvmconfig --type full --withcomments
  same lvmconfig --type missing --withcomments
  same lvmconfig --profile p1
  same lvmconfig --commandprofile p1 global/units
  same lvmconfig --profile p1 --mergedconfig
  same lvmconfig --profile nope
  rm -rf "$LVM_SYSTEM_DIR/lvmlocal.conf" "$LVM_SYSTEM_DIR/profile"
  mv "$E2E_TMP/lvm.conf.saved" "$LVM_SYSTEM_DIR/lvm.conf"
else
  echo "lvm2 not installed: comparison skipped"
fi

# Filters and backup settings act on ulvm's scan and writes.
A="$E2E_TMP/a.img" B="$E2E_TMP/b.img"
sparse_file "$A" 32M; sparse_file "$B" 32M
cat >"$LVM_SYSTEM_DIR/lvm.conf" <<CONF
devices {
	devices = [ "$A", "$B" ]
	filter = [ "r|/b\\\\.img\$|" ]
}
backup { backup_dir = "$E2E_TMP/bk" archive_dir = "$E2E_TMP/ar" }
report { headings = 0 }
CONF
expect_out '  Physical volume "'"$A"'" successfully created.' ulvm pvcreate "$A"
expect_fail 5 "  Cannot use $B: device is rejected by filter config" ulvm pvcreate "$B"
# Accepted with the filter overridden on the command line.
expect_out '  Physical volume "'"$B"'" successfully created.' ulvm pvcreate "$B" --config 'devices/filter=["a|.*|"]'
expect_out "  $A" ulvm pvs -o pv_name  # report/headings=0 from lvm.conf
expect_out "  $B" ulvm pvs --noheadings -o pv_name --config 'devices { global_filter = [ "r|a.img|" ] filter = "a|.*|" }'
ulvm vgcreate vg0 "$A" >/dev/null || fail "vgcreate"
[ -s "$E2E_TMP/bk/vg0" ] || fail "no backup in backup/backup_dir"
ulvm lvcreate -q -an -Zn -L 4M -n lv0 vg0 >/dev/null 2>&1 || fail "lvcreate"
ls "$E2E_TMP/ar"/vg0_00000-*.vg >/dev/null || fail "no archive in backup/archive_dir"
# backup/backup=0 and backup/archive=0 from --config: nothing written.
rm -rf "$E2E_TMP/bk" "$E2E_TMP/ar"
ulvm lvcreate -q -an -Zn -L 4M -n lv1 vg0 --config 'backup { backup = 0 archive = 0 }' >/dev/null 2>&1 || fail "lvcreate"
[ ! -e "$E2E_TMP/bk" ] && [ ! -e "$E2E_TMP/ar" ] || fail "backup written with backup/backup=0"
# A bad filter item is an error naming it.
expect_fail 5 '  Invalid filter pattern "x|y".' ulvm pvs --config 'devices/filter=["x|y"]'
echo OK

# Shared start of the report e2e scripts: three PVs made by real lvm2 on loop
# devices (A, B: 64 MiB, C: 32 MiB); L runs real lvm2 on them only.
# shellcheck disable=SC1090
. "$UDM_E2E_LIB"
command -v ulvm >/dev/null || { echo "SKIP: ulvm not built"; exit 77; }
requires lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
export UDM_LVM_CONFDIR="$E2E_TMP/conf" LVM_SUPPRESS_FD_WARNINGS=1 TZ=UTC
sparse_file "$E2E_TMP/a.img" 64M; sparse_file "$E2E_TMP/b.img" 64M; sparse_file "$E2E_TMP/c.img" 32M
A=$(attach_loop "$E2E_TMP/a.img"); B=$(attach_loop "$E2E_TMP/b.img"); C=$(attach_loop "$E2E_TMP/c.img")
CFG="global{activation=0 use_lvmpolld=0} devices{global_filter=[\"a|^$A\$|\",\"a|^$B\$|\",\"a|^$C\$|\",\"r|.*|\"] hints=\"none\" use_devicesfile=0} backup{backup=0 archive=0}"
L() { lvm "$@" --config "$CFG" >/dev/null 2>"$E2E_TMP/lvm.err" || fail "lvm $*: $(cat "$E2E_TMP/lvm.err")"; }
L pvcreate -q "$A" "$B" "$C"
